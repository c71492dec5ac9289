import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProfileBuilder } from './builder.js';
import { buildCallTree } from './tree.js';
import { checkDeadline, DeadlineExceededError, runWithDeadline } from './work-deadline.js';

test('a loop that checks the deadline is stopped soon after its budget', () => {
  const started = performance.now();
  assert.throws(
    () =>
      runWithDeadline(20, () => {
        for (;;) checkDeadline();
      }),
    DeadlineExceededError,
  );
  assert.ok(performance.now() - started < 1000);
});

test('the engine stops a call tree build past its budget and finishes it without one', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  for (let i = 0; i < 200_000; i++)
    b.addStackRootFirst(['main', `h${i % 97}`, `work${i}`, `leaf${i % 13}`], [1]);
  const profile = b.build();
  const started = performance.now();
  const tree = buildCallTree(profile);
  const fullMs = performance.now() - started;
  assert.equal(tree.root.total[0], 200_000);
  // Only meaningful when the whole build takes longer than the budget (it takes ~100s of ms).
  const budget = Math.max(1, Math.floor(fullMs / 10));
  const stopped = performance.now();
  assert.throws(() => runWithDeadline(budget, () => buildCallTree(profile)), /deadline of \d+ ms/);
  assert.ok(performance.now() - stopped < fullMs, `stopped after ${performance.now() - stopped} ms`);
  // Outside a deadline nothing is ever stopped, and a finished deadline does not leak.
  assert.equal(buildCallTree(profile).root.total[0], 200_000);
});
