import type { CollectorEntry } from '../../collect/manifest.js';

const WHERE: Record<string, string> = {
  process: 'own processes',
  autoprof: 'inside autoprof',
  'in-target': 'inside the target',
};

/**
 * profilingCostLine says in one line what the collectors themselves used, from the manifest,
 * so a reader sees what profiling cost and that it is not in the program's figures. Costs
 * inside the target (an in-process sampler thread) are part of the target's CPU and said so.
 */
export function profilingCostLine(collectors: readonly CollectorEntry[]): string | undefined {
  const parts = collectors.flatMap((c) => {
    if (!c.cost) return [];
    const rss = c.cost.peakRssMb !== undefined ? `, peak RSS ${c.cost.peakRssMb} MB` : '';
    return [`${c.name} ${c.cost.cpuS} s CPU${rss} (${WHERE[c.cost.where] ?? c.cost.where})`];
  });
  if (parts.length === 0) return undefined;
  return `profiling cost, not counted as the program's: ${parts.join('; ')}`;
}
