/**
 * bench/anomaly-detection: detection figures on a synthetic week.
 *
 * Each service is a call tree of ~20 functions; every minute draws its samples multinomially
 * (so shares carry real sampling noise), and the traffic mix drifts with the time of day (two
 * endpoints trade up to +-15% of their weight), as real services do. Steady services run a
 * week untouched; injected services get one change at a random minute of days 2..6, half of
 * them with a deploy event. The detector is the server's own (SeriesDetector with the default
 * thresholds), fed minute vectors in process, no store, so a week runs in seconds.
 *
 * Prints: injected changes found (and minutes to detection), false-alarm episodes on steady
 * services, and evaluated windows per second.
 *
 *   node --import tsx bench/anomaly-detection.ts [--services N] [--days D] [--seed S]
 */
import { parseArgs } from 'node:util';
import { functionKey } from '../src/analysis/function-shares.js';
import { createRng, type Rng } from '../src/analysis/seeded-random.js';
import { DEFAULT_THRESHOLDS } from '../src/server/anomaly/config.js';
import { MINUTE_NANOS, type MinuteShares } from '../src/server/anomaly/minute-shares.js';
import { SeriesDetector } from '../src/server/anomaly/series-detector.js';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '8' },
    days: { type: 'string', default: '7' },
    seed: { type: 'string', default: '42' },
  },
});
const SERVICES = Number(values.services);
const DAYS = Number(values.days);
const rng = createRng(Number(values.seed));
const MINUTES = DAYS * 24 * 60;
const T0 = 1_700_000_000e9;
const GAP_MINUTES = 10;

/** A stack is root-first frame names with a weight; shares follow from the weights. */
type Stack = { frames: string[]; weight: number };

function serviceStacks(r: Rng): Stack[] {
  const stacks: Stack[] = [];
  for (const endpoint of ['handleCheckout', 'handleSearch', 'handleCart']) {
    for (const mid of ['validate', 'load', 'render', 'serialize']) {
      for (const leaf of ['compute', 'io', 'alloc']) {
        stacks.push({
          frames: ['main', 'server', endpoint, `${endpoint}.${mid}`, `${mid}.${leaf}`],
          weight: 0.2 + r(),
        });
      }
    }
  }
  stacks.push({ frames: ['main', 'gc'], weight: 2 });
  return stacks;
}

/** Change is what an injected service gets at `atMinute`. */
interface Change {
  label: string;
  atMinute: number;
  deploy: boolean;
  apply(stacks: Stack[]): Stack[];
}

const CHANGES: Array<Omit<Change, 'atMinute' | 'deploy'>> = [
  {
    label: 'new hot path (parseOrder -> RegExp, 25%)',
    apply: (s) => [
      ...s,
      { frames: ['main', 'server', 'handleCheckout', 'parseOrder', 'RegExp:exec'], weight: totalOf(s) / 3 },
    ],
  },
  {
    label: 'one function doubles (validate.compute)',
    apply: (s) => s.map((x) => (x.frames.at(-1) === 'validate.compute' ? { ...x, weight: x.weight * 2 } : x)),
  },
  {
    label: 'gc share +60%',
    apply: (s) => s.map((x) => (x.frames.at(-1) === 'gc' ? { ...x, weight: x.weight * 1.6 } : x)),
  },
  {
    label: 'new 4% function (json.stringify)',
    apply: (s) => [
      ...s,
      { frames: ['main', 'server', 'handleCart', 'json.stringify'], weight: totalOf(s) * 0.042 },
    ],
  },
];

function totalOf(s: Stack[]): number {
  return s.reduce((a, x) => a + x.weight, 0);
}

/** minuteOf draws `samples` stacks from the weights (with the time-of-day mix) and reduces them to shares. */
function minuteOf(stacks: Stack[], minute: number, samples: number, r: Rng): MinuteShares {
  const phase = Math.sin((2 * Math.PI * (minute % 1440)) / 1440);
  const weights = stacks.map((s) =>
    s.frames[2] === 'handleSearch'
      ? s.weight * (1 + 0.15 * phase)
      : s.frames[2] === 'handleCart'
        ? s.weight * (1 - 0.15 * phase)
        : s.weight,
  );
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) {
    sum += w;
    cumulative.push(sum);
  }
  const counts = new Array<number>(stacks.length).fill(0);
  for (let i = 0; i < samples; i++) {
    const x = r() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]++;
  }
  const self = new Map<string, number>();
  const cum = new Map<string, number>();
  stacks.forEach((s, i) => {
    if (counts[i] === 0) return;
    const share = counts[i] / samples;
    const leaf = functionKey(s.frames.at(-1)!, '');
    self.set(leaf, (self.get(leaf) ?? 0) + share);
    for (const f of new Set(s.frames))
      cum.set(functionKey(f, ''), (cum.get(functionKey(f, '')) ?? 0) + share);
  });
  return { minuteNanos: T0 + minute * MINUTE_NANOS, total: samples, self, cum };
}

interface Outcome {
  episodes: Array<{ start: number; end: number }>;
  windows: number;
}

function simulate(stacks: Stack[], change: Change | undefined, r: Rng, key: string): Outcome {
  const detector = new SeriesDetector(key, DEFAULT_THRESHOLDS);
  const episodes: Outcome['episodes'] = [];
  let windows = 0;
  let shape = stacks;
  for (let minute = 0; minute < MINUTES; minute++) {
    if (change && minute === change.atMinute) {
      shape = change.apply(stacks);
      if (change.deploy) detector.startSegment(T0 + minute * MINUTE_NANOS);
    }
    // Load varies too (600..3000 samples a minute): shares must not care.
    const samples = Math.round(600 + 2400 * r());
    const evaluation = detector.observe(minuteOf(shape, minute, samples, r));
    if (!evaluation) continue;
    windows++;
    if (!evaluation.detection.anomalous) continue;
    const last = episodes.at(-1);
    if (last && minute - last.end <= GAP_MINUTES) last.end = minute;
    else episodes.push({ start: minute, end: minute });
  }
  return { episodes, windows };
}

const started = performance.now();
let windows = 0;
// Day 1 is the warm-up: the baseline has not yet seen a whole daily cycle of the traffic mix,
// so its alarms are counted apart from the steady state's.
let warmupEpisodes = 0;
let falseEpisodes = 0;
let falseMinutes = 0;
for (let i = 0; i < SERVICES; i++) {
  const out = simulate(serviceStacks(rng), undefined, rng, `steady-${i}`);
  windows += out.windows;
  for (const e of out.episodes) {
    if (e.start < 1440) warmupEpisodes++;
    else {
      falseEpisodes++;
      falseMinutes += e.end - e.start + 1;
    }
  }
}
const rows: string[] = [];
let found = 0;
let injected = 0;
for (let i = 0; i < SERVICES; i++) {
  const template = CHANGES[i % CHANGES.length];
  const atMinute = Math.floor((1 + rng() * (DAYS - 2)) * 1440);
  const change: Change = { ...template, atMinute, deploy: i % 2 === 0 };
  const out = simulate(serviceStacks(rng), change, rng, `injected-${i}`);
  windows += out.windows;
  injected++;
  const hit = out.episodes.find((e) => e.start >= atMinute && e.start <= atMinute + 15);
  const before = out.episodes.filter((e) => e.start >= 1440 && e.end < atMinute).length;
  warmupEpisodes += out.episodes.filter((e) => e.start < 1440).length;
  if (hit) found++;
  falseEpisodes += before;
  rows.push(
    `  ${change.label.padEnd(44)} ${change.deploy ? 'deploy   ' : 'no deploy'}  ${hit ? `found after ${hit.start - atMinute + 1} min, lasted ${hit.end - hit.start + 1} min` : 'MISSED'}${before ? `  (+${before} false before)` : ''}`,
  );
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `anomaly-detection: ${SERVICES} steady + ${SERVICES} injected services, ${DAYS} simulated days each, 1-minute windows`,
);
console.log(`injected changes found: ${found}/${injected}`);
for (const row of rows) console.log(row);
console.log(
  `false alarms after day 1: ${falseEpisodes} episode(s), ${falseMinutes} anomalous minute(s) over ${SERVICES * (DAYS - 1)} steady service-days (${(falseEpisodes / (SERVICES * (DAYS - 1))).toFixed(2)} per service-day)`,
);
console.log(
  `warm-up (day 1, baseline shorter than one daily cycle): ${warmupEpisodes} episode(s) over ${2 * SERVICES} services`,
);
console.log(
  `evaluated ${windows} windows in ${seconds.toFixed(1)} s (${Math.round(windows / seconds)} windows/s)`,
);
