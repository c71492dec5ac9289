import { RollingBaseline, widenStats } from './baseline.js';
import type { DetectionThresholds } from './config.js';
import { type BaselineModel, buildBaselineModel, type Detection, detectWindow } from './detect.js';
import { MINUTE_NANOS, type MinuteShares } from './minute-shares.js';

/** BaselineSource says which baseline judged a window. */
export type BaselineSource = 'same-segment' | 'before-deploy';

/** Evaluation is one minute's verdict with the ranges it compared. */
export interface Evaluation {
  detection: Detection;
  minuteNanos: number;
  window: { fromNanos: number; untilNanos: number; minutes: number };
  baseline: { fromNanos: number; untilNanos: number; minutes: number; source: BaselineSource };
}

/** MODEL_TTL_NANOS: a model is retrained hourly as the baseline rolls (training is the costly part). */
const MODEL_TTL_NANOS = 60 * MINUTE_NANOS;

/**
 * SeriesDetector follows one series group (service, profile type, version) minute by minute.
 * A deploy starts a new segment: until the new segment has a baseline of its own, windows are
 * judged against the segment before it, so a deploy's new shape is compared with the old one;
 * afterwards the new shape is the norm. A change that lasts `rebaselineMinutes` without a deploy
 * is treated as an undeclared change point, so one shift is one anomaly, not a week of them.
 */
export class SeriesDetector {
  private current: RollingBaseline;
  private previous: RollingBaseline | undefined;
  private recent: MinuteShares[] = [];
  private model: { model: BaselineModel; of: RollingBaseline; builtNanos: number } | undefined;
  private anomalousRun = 0;
  segmentStartNanos = Number.NEGATIVE_INFINITY;

  constructor(
    readonly key: string,
    private readonly t: DetectionThresholds,
    private readonly rebaselineMinutes = 60,
  ) {
    this.current = new RollingBaseline(t.baselineDays * 24 * 60 * MINUTE_NANOS);
  }

  /** baseline is the current segment's rolling baseline (a new version's group inherits it). */
  get baseline(): RollingBaseline {
    return this.current;
  }

  get lastMinuteNanos(): number {
    return this.current.lastNanos;
  }

  /**
   * startSegment marks a deploy at `atNanos`. `inherited` is the baseline to judge against
   * meanwhile: another version's, when the deploy shows up as a new version label.
   */
  startSegment(atNanos: number, inherited?: RollingBaseline): void {
    this.previous = inherited ?? (this.current.size > 0 ? this.current : this.previous);
    this.current = new RollingBaseline(this.current.windowNanos);
    this.recent = [];
    this.anomalousRun = 0;
    this.segmentStartNanos = atNanos;
  }

  /** observe judges minute `m` (with the minutes before it in its window), then adds it to the baseline. */
  observe(m: MinuteShares): Evaluation | undefined {
    if (m.minuteNanos <= this.current.lastNanos) return undefined;
    this.recent = this.recent.filter(
      (r) => r.minuteNanos > m.minuteNanos - this.t.windowMinutes * MINUTE_NANOS,
    );
    this.recent.push(m);
    const evaluation = this.evaluate(m);
    this.current.add(m);
    if (evaluation?.detection.anomalous) this.anomalousRun++;
    else this.anomalousRun = 0;
    if (this.anomalousRun >= this.rebaselineMinutes) this.startSegment(m.minuteNanos + MINUTE_NANOS);
    return evaluation;
  }

  private evaluate(m: MinuteShares): Evaluation | undefined {
    const min = this.t.minBaselineMinutes;
    let reference: RollingBaseline | undefined;
    let source: BaselineSource = 'same-segment';
    if (this.current.size >= min) reference = this.current;
    else if (this.previous && this.previous.size >= min) {
      reference = this.previous;
      source = 'before-deploy';
    }
    if (!reference) return undefined;
    const young = reference.lastNanos - reference.firstNanos < (this.t.cycleMinutes - 1) * MINUTE_NANOS;
    if (
      !this.model ||
      this.model.of !== reference ||
      (reference === this.current && m.minuteNanos - this.model.builtNanos >= MODEL_TTL_NANOS)
    ) {
      let stats = reference.stats();
      const full = reference === this.current ? this.previous : undefined;
      if (young && full && full.size >= min) stats = widenStats(stats, full.stats());
      this.model = {
        model: buildBaselineModel(reference.window(), stats, this.t, `${this.key}@${reference.firstNanos}`),
        of: reference,
        builtNanos: m.minuteNanos,
      };
    }
    const detection = detectWindow(this.model.model, this.recent, this.t, { shapeVerdicts: !young });
    return {
      detection,
      minuteNanos: m.minuteNanos,
      window: {
        fromNanos: this.recent[0].minuteNanos,
        untilNanos: m.minuteNanos + MINUTE_NANOS,
        minutes: this.recent.length,
      },
      baseline: {
        fromNanos: reference.firstNanos,
        untilNanos: reference.lastNanos + MINUTE_NANOS,
        minutes: reference.size,
        source,
      },
    };
  }
}
