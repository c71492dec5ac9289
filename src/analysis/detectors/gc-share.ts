import type { DiagnosisInput } from '../features/diagnosis-input.js';
import { evidenceOfMetric } from '../features/metric-evidence.js';
import type { Finding } from '../findings.js';
import {
  allocatingFunctionOf,
  busiestOwnFrame,
  type Detector,
  type DetectorContext,
  ladder,
  makeFinding,
} from './detector.js';

/**
 * CHEAP_PAUSE_MS: a young-generation collection this short found almost nothing alive. Many of
 * them mean the program allocates short-lived objects fast (the fix is allocating less on the
 * hot path); long pauses mean much survives (a big or churning live heap: a GC problem).
 */
const CHEAP_PAUSE_MS = 5;
const MIN_COLLECTIONS = 20;

/** GC_SHARE_MIN: below this share of CPU in GC, collection is normal background cost. */
const GC_SHARE_MIN = 0.1;

/**
 * MINOR_RATE_MIN: young-generation collections per CPU second above which the program churns
 * through short-lived objects even when each collection is too cheap to show as GC time. V8's
 * young generation is a few MB, so 100 scavenges a second is hundreds of MB allocated and
 * dropped a second; a compute loop that allocates little scavenges a handful of times.
 */
const MINOR_RATE_MIN = 100;
/** MINOR_RATE_MEDIUM: a collection every 5 ms of CPU or more often. */
const MINOR_RATE_MEDIUM = 200;
/** MIN_MINOR_COLLECTIONS: fewer are start-up and warm-up, whatever the rate. */
const MIN_MINOR_COLLECTIONS = 50;
/** ALLOCATOR_SHARE_MIN: a function this busy that builds objects can drive the churn. */
const ALLOCATOR_SHARE_MIN = 0.05;
/** CHURN_SHARE_MIN: the collections must still cost something measurable. */
const CHURN_SHARE_MIN = 0.02;

/**
 * gcShare reports a high share of CPU spent collecting garbage, located at the top allocation
 * site when an allocation (or heap) profile exists, since allocation is what drives GC.
 */
export const gcShare: Detector = {
  id: 'gc-share',
  detect(input, ctx) {
    const share = input.metrics.gc_share;
    if (share === undefined) return [];
    const churn = allocationChurn(input, share, ctx);
    if (churn) return [churn];
    if (share < GC_SHARE_MIN) return [];
    const at = busiestOwnFrame(input, ['alloc', 'heap', 'cpu']);
    const src = input.sourceOf.metrics;
    return [
      makeFinding(
        {
          patternId: 'gc-share',
          category: 'gc',
          title: `Garbage collection takes ${(share * 100).toFixed(1)}% of CPU`,
          severity: ladder(
            share,
            [
              [0.4, 'high'],
              [0.2, 'medium'],
              [0.1, 'low'],
            ],
            'info',
          ),
          confidence: input.metrics.gc_pause_ms !== undefined ? 0.85 : 0.75,
          location: at.location,
          stack: at.stack,
          evidence: {
            ...evidenceOfMetric(input.metrics, 'gc_share', src),
            ...evidenceOfMetric(input.metrics, 'gc_pause_ms', src),
            ...evidenceOfMetric(input.metrics, 'gc_count', src),
            ...evidenceOfMetric(input.metrics, 'gc_max_pause_ms', src),
          },
          description:
            'The runtime spends a large share of CPU collecting garbage. The allocation rate (many short-lived objects) or a large live heap drives it; the location is the top allocation site.',
          suggestions: [
            'Allocate less on the hot path: reuse objects and buffers, avoid temporary arrays, strings and closures per item.',
            'Check the allocation profile for the site that allocates the most bytes.',
          ],
          verify: 'gc_share in features.json should drop.',
          share,
        },
        ctx,
      ),
    ];
  },
};

/**
 * allocationChurn reports GC driven by a high rate of short-lived allocations: many cheap
 * collections, either costing a large share of CPU or coming at a high rate per CPU second
 * (young-generation collections, when the runtime tells them apart). It is located at the
 * program's busiest function that builds objects, arrays or strings (else the busiest one),
 * since short-lived objects die before any heap profile sees them and the code allocating
 * them is the code running.
 */
function allocationChurn(input: DiagnosisInput, share: number, ctx: DetectorContext): Finding | undefined {
  const m = input.metrics;
  const count = m.gc_count ?? 0;
  if (m.gc_pause_ms === undefined || count === 0) return undefined;
  const meanPause = m.gc_pause_ms / count;
  const minor = m.gc_minor_count ?? 0;
  const rate = m.gc_minor_per_cpu_s ?? 0;
  const minorMeanPause = minor > 0 ? (m.gc_minor_pause_ms ?? 0) / minor : Number.POSITIVE_INFINITY;
  const byShare = share >= GC_SHARE_MIN && count >= MIN_COLLECTIONS && meanPause < CHEAP_PAUSE_MS;
  const byRate =
    share >= CHURN_SHARE_MIN &&
    minor >= MIN_MINOR_COLLECTIONS &&
    rate >= MINOR_RATE_MIN &&
    minorMeanPause < CHEAP_PAUSE_MS;
  if (!byShare && !byRate) return undefined;
  const at =
    allocatingFunctionOf(input, undefined, ALLOCATOR_SHARE_MIN) ?? busiestOwnFrame(input, ['cpu', 'alloc']);
  const src = 'node metrics';
  const severity =
    share >= 0.3 ? 'high' : share >= GC_SHARE_MIN || rate >= MINOR_RATE_MEDIUM ? 'medium' : 'low';
  return makeFinding(
    {
      patternId: 'allocation-churn',
      category: 'allocation',
      title:
        minor > 0 && rate > 0
          ? `High allocation rate: ${Math.round(rate)} young-generation collections per CPU second`
          : `High allocation rate: ${count} collections of short-lived objects`,
      severity,
      confidence: byShare ? 0.7 : 0.6,
      location: at.location,
      stack: at.stack,
      evidence: {
        ...evidenceOfMetric(m, 'gc_minor_per_cpu_s', src),
        ...evidenceOfMetric(m, 'gc_minor_count', src),
        ...evidenceOfMetric(m, 'gc_share', src),
        ...evidenceOfMetric(m, 'gc_count', src),
        ...evidenceOfMetric(m, 'gc_pause_ms', src),
        mean_gc_pause: {
          value: Math.round((minor > 0 ? minorMeanPause : meanPause) * 100) / 100,
          unit: 'ms',
          source: src,
        },
        ...(m.wall_s ? { gc_per_s: { value: Math.round(count / m.wall_s), unit: '/s', source: src } } : {}),
      },
      description:
        'The young-generation collector ran very often and found little alive each time: the program allocates many short-lived objects (temporary arrays, strings, spread copies, closures) on its hot path. Each allocation and collection costs CPU, and the allocation itself (initialising objects, copying strings) costs more than the collections show.',
      suggestions: [
        'Avoid temporary collections per item: loop instead of split/map/reduce chains, mutate one accumulator instead of spreading copies.',
        'Reuse buffers and objects across iterations; parse into preallocated structures.',
      ],
      verify: 'gc_minor_per_cpu_s, gc_count and gc_share in features.json should drop.',
      share,
    },
    ctx,
  );
}
