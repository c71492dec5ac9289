import { evidenceOfMetric } from '../features/metric-evidence.js';
import { busiestOwnFrame, type Detector, ladder, makeFinding } from './detector.js';

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
