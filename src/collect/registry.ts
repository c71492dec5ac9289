import type { Collector, CollectorName } from './collector.js';
import { cprofileCollector } from './collectors/cprofile.js';
import { ebpfCollector } from './collectors/ebpf.js';
import { jvmCollector } from './collectors/jvm.js';
import { nodeCollector } from './collectors/node.js';
import { perfCollector } from './collectors/perf.js';
import { pythonCollector } from './collectors/python.js';
import { systemCollector } from './collectors/system.js';

/** collectors is every collector `autoprof run` can use, in the order they prepare the launch. */
export const collectors: readonly Collector[] = [
  systemCollector,
  nodeCollector,
  pythonCollector,
  cprofileCollector,
  perfCollector,
  jvmCollector,
  ebpfCollector,
];

/** collectorByName finds a registered collector. */
export function collectorByName(name: CollectorName): Collector | undefined {
  return collectors.find((c) => c.name === name);
}
