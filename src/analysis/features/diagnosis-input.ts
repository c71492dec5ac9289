import type { Metrics } from './metrics.js';
import type { CallStat } from './read-call-stats.js';
import type { NodeProcessFeatures } from './read-node-metrics.js';
import type { ProcessFeatures } from './read-timeseries.js';
import type { Runtime } from './runtimes.js';
import type { SampleView } from './sample-views.js';
import { SourceReader } from './source-lines.js';
import type { LineTicks } from './v8-line-ticks.js';

/**
 * DiagnosisInput is everything detectors and patterns look at, already read from artifacts:
 * profiles reduced to one view per sample kind, run metrics, exact call counts and the
 * program's source (for hot lines whose expensive call no profiler shows as a frame).
 */
export interface DiagnosisInput {
  views: SampleView[];
  metrics: Metrics;
  callStats: CallStat[];
  lineTicks: LineTicks;
  runtimes: Runtime[];
  sources: SourceReader;
  processes: ProcessFeatures[];
  nodeProcesses: NodeProcessFeatures[];
  /** mainWchans: kernel wait functions of the main thread, by observations. */
  mainWchans: Record<string, number>;
  /** sourceOf names the artifact behind each view kind, for evidence. */
  sourceOf: Partial<Record<SampleView['kind'] | 'metrics' | 'call-stats', string>>;
  /** have: which kinds of data exist (patterns and detectors may require some). */
  have: { timeseries: boolean; nodeMetrics: boolean; callStats: boolean };
}

/** emptyDiagnosisInput is a starting point for a profile with nothing else known. */
export function emptyDiagnosisInput(): DiagnosisInput {
  return {
    views: [],
    metrics: {},
    callStats: [],
    lineTicks: new Map(),
    runtimes: [],
    sources: new SourceReader(),
    processes: [],
    nodeProcesses: [],
    mainWchans: {},
    sourceOf: {},
    have: { timeseries: false, nodeMetrics: false, callStats: false },
  };
}

/** viewOf returns the view of a kind, if the run has one. */
export function viewOf(input: DiagnosisInput, kind: SampleView['kind']): SampleView | undefined {
  return input.views.find((v) => v.kind === kind);
}
