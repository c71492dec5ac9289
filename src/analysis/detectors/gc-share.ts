import type { DiagnosisInput } from '../features/diagnosis-input.js';
import { evidenceOfMetric } from '../features/metric-evidence.js';
import type { Finding } from '../findings.js';
import { busiestOwnFrame, type Detector, type DetectorContext, ladder, makeFinding } from './detector.js';

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
 * gcShare reports a high share of CPU spent collecting garbage, located at the top allocation
 * site when an allocation (or heap) profile exists, since allocation is what drives GC.
 */
export const gcShare: Detector = {
  id: 'gc-share',
  detect(input, ctx) {
    const share = input.metrics.gc_share;
    if (share === undefined || share < GC_SHARE_MIN) return [];
    const churn = allocationChurn(input, share, ctx);
    if (churn) return [churn];
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
 * collections. It is located at the program's busiest function, since short-lived objects die
 * before any heap profile sees them and the code allocating them is the code running.
 */
function allocationChurn(input: DiagnosisInput, share: number, ctx: DetectorContext): Finding | undefined {
  const m = input.metrics;
  const count = m.gc_count ?? 0;
  if (m.gc_pause_ms === undefined || count < MIN_COLLECTIONS) return undefined;
  const meanPause = m.gc_pause_ms / count;
  if (meanPause >= CHEAP_PAUSE_MS) return undefined;
  const at = busiestOwnFrame(input, ['cpu', 'alloc']);
  const src = 'node metrics';
  return makeFinding(
    {
      patternId: 'allocation-churn',
      category: 'allocation',
      title: `High allocation rate: ${count} collections of short-lived objects`,
      severity: ladder(
        share,
        [
          [0.3, 'high'],
          [0.1, 'medium'],
        ],
        'low',
      ),
      confidence: 0.7,
      location: at.location,
      stack: at.stack,
      evidence: {
        ...evidenceOfMetric(m, 'gc_share', src),
        ...evidenceOfMetric(m, 'gc_count', src),
        ...evidenceOfMetric(m, 'gc_pause_ms', src),
        mean_gc_pause: { value: Math.round(meanPause * 100) / 100, unit: 'ms', source: src },
        ...(m.wall_s ? { gc_per_s: { value: Math.round(count / m.wall_s), unit: '/s', source: src } } : {}),
      },
      description:
        'The young-generation collector ran very often and found little alive each time: the program allocates many short-lived objects (temporary arrays, strings, spread copies, closures) on its hot path. Each allocation and collection costs CPU.',
      suggestions: [
        'Avoid temporary collections per item: loop instead of split/map/reduce chains, mutate one accumulator instead of spreading copies.',
        'Reuse buffers and objects across iterations; parse into preallocated structures.',
      ],
      verify: 'gc_count and gc_share in features.json should drop.',
      share,
    },
    ctx,
  );
}
