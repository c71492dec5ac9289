import type { DiagnosisInput } from './features/diagnosis-input.js';
import { evidenceOfMetric } from './features/metric-evidence.js';
import type { MetricName } from './features/metrics.js';
import type { Classification, ClassificationKind, Evidence, Finding } from './findings.js';
import { pct, severityRank } from './findings.js';

/** MIN_WALL_S: shorter runs are start-up and nothing else. */
const MIN_WALL_S = 0.2;
/** MIN_CPU_SAMPLE_S: with less CPU profile than this, shares are noise. */
const MIN_PROFILE_S = 0.05;

/**
 * classify decides what bounds the program, from /proc thread states, CPU utilisation, GC
 * share, memory trend and the profile, in a fixed order (the first rule that holds wins), and
 * names the numbers that decided it. Without enough data it says so instead of guessing.
 */
export function classify(input: DiagnosisInput, findings: Finding[]): Classification {
  const m = input.metrics;
  const src = input.sourceOf.metrics ?? 'metrics';
  const ev = (...names: MetricName[]): Evidence =>
    Object.assign({}, ...names.map((n) => evidenceOfMetric(m, n, src)));
  const result = (kind: ClassificationKind, summary: string, evidence: Evidence): Classification => ({
    kind,
    summary,
    evidence,
  });

  const cpuView = input.views.find((v) => v.kind === 'cpu');
  const profileS =
    cpuView && cpuView.unit === 'nanoseconds' ? cpuView.total / 1e9 : cpuView ? cpuView.total / 1000 : 0;
  const haveTs = input.have.timeseries && (m.timeseries_samples ?? 0) >= 3;
  if ((m.wall_s ?? 0) < MIN_WALL_S && !cpuView)
    return result('insufficient-data', `the run lasted ${m.wall_s ?? 0} s with no profile`, ev('wall_s'));
  if (!haveTs && profileS < MIN_PROFILE_S)
    return result('insufficient-data', 'no /proc time series and too few profile samples to judge', {
      profile_cpu_time: {
        value: Math.round(profileS * 1000) / 1000,
        unit: 's',
        source: input.sourceOf.cpu ?? 'profile',
      },
    });

  const has = (category: string, minSeverity = 'medium') =>
    findings.some(
      (f) => f.category === category && severityRank(f.severity) >= severityRank(minSeverity as never),
    );
  if (has('memory-growth'))
    return result(
      'memory-growth',
      'memory grows steadily over the run',
      ev('rss_growth_mb', 'rss_slope_mb_per_s', 'rss_trend_r2', 'heap_used_growth_mb'),
    );
  const util = m.cpu_utilisation ?? 0;
  const busy = Math.max(m.busiest_thread_utilisation ?? 0, m.main_running_share ?? 0);
  if ((m.gc_share ?? 0) >= 0.25)
    return result(
      'gc-bound',
      `garbage collection takes ${pct(m.gc_share ?? 0)}% of CPU`,
      ev('gc_share', 'gc_pause_ms', 'cpu_utilisation'),
    );
  if (haveTs && (m.active_threads ?? 0) >= 2 && (m.active_lock_share ?? 0) >= 0.35)
    return result(
      'lock-bound',
      'working threads spend much of their time waiting on locks',
      ev('active_lock_share', 'active_running_share', 'active_threads', 'cpu_utilisation'),
    );
  if (haveTs && ((m.main_io_share ?? 0) >= 0.35 || ((m.system_time_share ?? 0) >= 0.6 && util >= 0.3)))
    return result(
      'io-bound',
      'the main thread waits on I/O or spends its CPU in the kernel',
      ev('main_io_share', 'system_time_share', 'syscalls_per_s', 'io_read_bytes', 'io_write_bytes'),
    );
  const idle = (m.main_timer_share ?? 0) + (m.main_poll_share ?? 0) + (m.main_child_share ?? 0);
  if (haveTs && idle >= 0.5 && util < 0.4)
    return result(
      'waiting',
      'the program mostly sleeps, polls or waits on children',
      ev('main_timer_share', 'main_poll_share', 'main_child_share', 'cpu_utilisation', 'wall_s', 'cpu_s'),
    );
  if (!haveTs && has('sleep-wait'))
    return result('waiting', 'the wall-clock profile is dominated by sleeping', {});
  if ((haveTs && (busy >= 0.7 || util >= 0.7)) || (!haveTs && cpuView))
    return result(
      'cpu-bound',
      `the program computes: ${util.toFixed(2)} cores used on average`,
      ev('cpu_utilisation', 'busiest_thread_utilisation', 'main_running_share', 'cpu_s', 'wall_s'),
    );
  return result(
    'healthy',
    'no single resource dominates the run',
    ev('cpu_utilisation', 'main_running_share', 'main_timer_share', 'main_io_share', 'wall_s'),
  );
}
