import { callOverhead } from './call-overhead.js';
import { cpuHotspot } from './cpu-hotspot.js';
import type { Detector } from './detector.js';
import { eventLoopBlock } from './event-loop-block.js';
import { gcShare } from './gc-share.js';
import { memoryGrowth } from './memory-growth.js';
import { offCpuWaits } from './off-cpu.js';
import { subprocessSpawn } from './subprocess-spawn.js';
import { superlinearLoop } from './superlinear-loop.js';
import { superlinearRecursion } from './superlinear-recursion.js';
import { threadStates } from './thread-states.js';

/** DETECTORS are the code detectors run on every diagnosis, in no particular order. */
export const DETECTORS: readonly Detector[] = [
  cpuHotspot,
  gcShare,
  memoryGrowth,
  eventLoopBlock,
  threadStates,
  offCpuWaits,
  subprocessSpawn,
  callOverhead,
  superlinearRecursion,
  superlinearLoop,
];
