import { evidenceOfMetric } from '../features/metric-evidence.js';
import { findRetainers } from '../features/retainers.js';
import { functionKey } from '../function-shares.js';
import { heaviestPath } from '../profile-diff.js';
import { busiestOwnFrame, type Detector, ladder, makeFinding } from './detector.js';

/**
 * Growth must be steady (a straight line fits well), large in absolute terms and large relative
 * to the peak, so start-up, caches that fill once and sawtooth heaps do not count.
 */
const MIN_GROWTH_MB = 20;
const MIN_R2 = 0.8;
const MIN_RELATIVE = 0.3;

/**
 * memoryGrowth reports RSS or JS heap that grows steadily over the run, located at the largest
 * allocation site of the in-use heap profile (what is being retained), else of allocations.
 */
export const memoryGrowth: Detector = {
  id: 'memory-growth',
  detect(input, ctx) {
    const m = input.metrics;
    const rssGrows =
      (m.rss_growth_mb ?? 0) >= MIN_GROWTH_MB &&
      (m.rss_trend_r2 ?? 0) >= MIN_R2 &&
      (m.rss_growth_mb ?? 0) >= MIN_RELATIVE * (m.rss_peak_mb ?? Number.POSITIVE_INFINITY);
    const heapGrows = (m.heap_used_growth_mb ?? 0) >= MIN_GROWTH_MB && (m.heap_used_trend_r2 ?? 0) >= MIN_R2;
    if (!rssGrows && !heapGrows) return [];
    const growth = Math.max(m.rss_growth_mb ?? 0, m.heap_used_growth_mb ?? 0);
    const site = busiestOwnFrame(input, ['heap', 'alloc', 'cpu']);
    // Where objects are kept (a store into module state) explains growth better than where they
    // were made; the allocation site stays in the evidence.
    const retainer = findRetainers(input, ['heap', 'alloc', 'cpu'])[0];
    const retainerView = retainer && input.views.find((v) => v.kind === retainer.kind);
    const at =
      retainer && retainerView
        ? {
            location: { function: retainer.function, file: retainer.file, line: retainer.line },
            stack: heaviestPath(retainerView.profile, 0, functionKey(retainer.function, retainer.file)).stack,
            share: site.share,
          }
        : site;
    const src = input.sourceOf.metrics;
    const relative = m.rss_peak_mb ? growth / m.rss_peak_mb : 0.5;
    return [
      makeFinding(
        {
          patternId: 'memory-growth',
          category: 'memory-growth',
          title: `Memory grows steadily (+${growth.toFixed(0)} MB over the run)`,
          severity: ladder(
            growth,
            [
              [500, 'critical'],
              [200, 'high'],
              [50, 'medium'],
            ],
            'low',
          ),
          confidence: 0.6 + 0.3 * Math.min(m.rss_trend_r2 ?? 0, m.heap_used_trend_r2 ?? m.rss_trend_r2 ?? 0),
          location: at.location,
          stack: at.stack,
          evidence: {
            ...evidenceOfMetric(m, 'rss_growth_mb', src),
            ...evidenceOfMetric(m, 'rss_slope_mb_per_s', src),
            ...evidenceOfMetric(m, 'rss_trend_r2', src),
            ...evidenceOfMetric(m, 'rss_peak_mb', src),
            ...evidenceOfMetric(m, 'heap_used_growth_mb', 'node metrics'),
            ...evidenceOfMetric(m, 'heap_used_slope_mb_per_s', 'node metrics'),
            ...(at.share > 0
              ? {
                  retained_share_at_site: {
                    value: Math.round(at.share * 10000) / 100,
                    unit: '%',
                    source: input.sourceOf.heap ?? input.sourceOf.alloc ?? 'profile',
                  },
                }
              : {}),
          },
          description: `Resident memory (or the JS heap) rises in a straight line for the whole run: objects are kept alive, typically in a cache, list or map that is never trimmed, or in listeners that are never removed.${
            retainer
              ? ` ${retainer.function} stores into ${retainer.container}, which outlives the call; the top allocation site is ${site.location.function}.`
              : ''
          }`,
          suggestions: [
            'Find what holds the objects allocated at this site (a module-level list, dict, Map or cache) and bound it (LRU, size limit, TTL).',
            'Remove listeners/callbacks and clear references when work items finish.',
          ],
          verify: 'rss_growth_mb and rss_slope_mb_per_s in features.json should drop to near zero.',
          share: Math.min(1, relative),
        },
        ctx,
      ),
    ];
  },
};
