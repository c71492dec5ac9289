import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileFromFolded } from '../../test/profile-helpers.js';
import { diffProfiles } from './profile-diff.js';

const cpu = [{ type: 'cpu', unit: 'nanoseconds' }];

test('a grown library leaf is a regression attributed to the own frame that calls it', () => {
  const base = profileFromFolded(
    ['main;handleOrder;regexp.MustCompile 5', 'main;handleOrder;sum 45', 'main;render 50'],
    cpu,
  );
  const head = profileFromFolded(
    ['main;handleOrder;regexp.MustCompile 40', 'main;handleOrder;sum 30', 'main;render 30'],
    cpu,
  );
  const diff = diffProfiles([base], [head]);
  assert.equal(diff.regressions[0].function, 'regexp.MustCompile');
  assert.equal(diff.regressions[0].delta.self_pts, 35);
  assert.deepEqual(diff.regressions[0].attributed_to, { function: 'handleOrder', file: '', line: 0 });
  assert.deepEqual(diff.regressions[0].stack, ['main', 'handleOrder', 'regexp.MustCompile']);
  assert.equal(diff.regressions[0].significance, null);
  assert.equal(diff.regressions[0].gating, true);
  assert.deepEqual(
    diff.improvements.map((c) => [c.function, c.delta.self_pts]),
    [
      ['render', -20],
      ['sum', -15],
    ],
  );
});

test('new and removed hotspots need more than 1% on their side', () => {
  const base = profileFromFolded(['main;old 10', 'main;tiny 0.5', 'main;work 89.5'], cpu);
  const head = profileFromFolded(['main;fresh 3', 'main;work 97'], cpu);
  const diff = diffProfiles([base], [head]);
  assert.deepEqual(
    diff.new_hotspots.map((c) => c.function),
    ['fresh'],
  );
  assert.deepEqual(
    diff.removed_hotspots.map((c) => c.function),
    ['old'],
  );
});

// Five runs a side with small, overlapping noise: the same program compared with itself.
function runs(hotShare: number[], total = 1000): ReturnType<typeof profileFromFolded>[] {
  return hotShare.map((share) =>
    profileFromFolded(
      [`main;hot ${Math.round(share * total)}`, `main;cold ${total - Math.round(share * total)}`],
      cpu,
    ),
  );
}

test('the same program over 5 runs a side reports no significant regression', () => {
  const base = runs([0.5, 0.52, 0.49, 0.51, 0.5]);
  const head = runs([0.51, 0.5, 0.52, 0.49, 0.5]);
  const diff = diffProfiles(base, head, { thresholds: { changePoints: 0.5 } });
  assert.ok(
    diff.regressions.every((c) => !c.gating),
    JSON.stringify(diff.regressions),
  );
  assert.ok(diff.improvements.every((c) => !c.gating));
});

test('a consistent shift over 5 runs a side is significant at p=0.0079', () => {
  const base = runs([0.3, 0.31, 0.29, 0.3, 0.32]);
  const head = runs([0.5, 0.52, 0.49, 0.51, 0.5]);
  const diff = diffProfiles(base, head);
  const hot = diff.regressions.find((c) => c.function === 'hot');
  assert.ok(hot);
  assert.equal(hot.significance?.p, 0.007937);
  assert.equal(hot.significance?.significant, true);
  assert.equal(hot.gating, true);
});

test('too few runs to reach alpha is said, not hidden', () => {
  const diff = diffProfiles(runs([0.3, 0.3, 0.31]), runs([0.5, 0.5, 0.52]));
  assert.match(diff.notes.join('\n'), /too few runs to detect a change/);
  assert.equal(diff.regressions[0].gating, false);
});

test('a sample type missing on one side is a usage error', () => {
  const alloc = profileFromFolded(['main;a 1'], [{ type: 'alloc_space', unit: 'bytes' }]);
  const cpuProfile = profileFromFolded(['main;a 1'], cpu);
  assert.throws(() => diffProfiles([alloc], [cpuProfile]), /share no sample type/);
});

test('a share that rose only because something else got cheaper is not a regression', () => {
  const base = profileFromFolded(['main;formatReceipt 90', 'main;priceItems 10'], cpu);
  const head = profileFromFolded(['main;formatReceipt 10', 'main;priceItems 10'], cpu);
  const diff = diffProfiles([base], [head]);
  assert.deepEqual(diff.regressions, []);
  assert.deepEqual(
    diff.improvements.map((c) => c.function),
    ['formatReceipt'],
  );
  assert.equal(diff.improvements[0].head.self_per_run, 10);
  assert.match(diff.notes.join('\n'), /1 function\(s\) moved in share only because others changed/);
});

// Nine functions, five runs a side: in the head `hot` does 2.5x the work and the other eight
// get a quarter cheaper (with a little noise everywhere).
function program(hot: number, other: number, noise: number[]): ReturnType<typeof profileFromFolded>[] {
  return noise.map((n, run) =>
    profileFromFolded(
      [
        `main;hot ${Math.round(hot * (1 + n))}`,
        ...Array.from({ length: 8 }, (_, i) => `main;other${i} ${other + ((run * 7 + i * 13) % 9)}`),
      ],
      cpu,
    ),
  );
}

test('a regressed function at 5 runs a side stays significant while eight others improve', () => {
  const base = program(200, 100, [0, 0.02, -0.01, 0.01, -0.02]);
  const head = program(500, 75, [0.01, -0.02, 0, 0.02, -0.01]);
  const diff = diffProfiles(base, head);
  const hot = diff.regressions.find((c) => c.function === 'hot');
  assert.ok(hot, JSON.stringify(diff.notes));
  // Holm corrects within the functions that got worse: one family of nine would multiply the
  // smallest possible p (0.0079) by nine, and nothing could be significant at 5 runs a side.
  assert.equal(hot.significance?.p_adjusted, 0.007937);
  assert.equal(hot.gating, true);
  assert.deepEqual(
    diff.regressions.map((c) => c.function),
    ['hot'],
  );
});

test("with each run's CPU time, a share that rose in a descheduled head is not a regression", () => {
  // The head's profiler clock ran at three times the CPU (wall-time intervals while
  // descheduled): startup's absolute value tripled, but the kernel says the head used 0.3 s of CPU, not 1 s,
  // so startup's cost (share x CPU) did not move. Only `work` changed: it got cheaper.
  const side = (startup: number[], work: number[]) =>
    startup.map((s, i) => profileFromFolded([`main;startup ${s}`, `main;work ${work[i]}`], cpu));
  const base = side([100, 102, 98, 101, 99], [900, 905, 895, 910, 890]);
  const head = side([300, 306, 294, 303, 297], [600, 615, 590, 610, 585]);
  const cpuSeconds = { base: [1, 1.01, 0.99, 1.01, 0.99], head: [0.3, 0.31, 0.29, 0.3, 0.3] };
  const priced = diffProfiles(base, head, { cpuSeconds });
  assert.deepEqual(priced.regressions, [], JSON.stringify(priced.regressions));
  assert.deepEqual(
    priced.improvements.map((c) => c.function),
    ['work'],
  );
  // Without CPU times the profile's own clock is the cost, and startup reads as a regression.
  const unpriced = diffProfiles(base, head);
  assert.deepEqual(
    unpriced.regressions.map((c) => c.function),
    ['startup'],
  );
});
