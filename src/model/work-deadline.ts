import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A cooperative deadline for long synchronous work (merging, tree building, layout, diffing).
 * The server runs each query inside `runWithDeadline`; the engine's loops call `checkDeadline()`,
 * which throws DeadlineExceededError once the budget is spent, so one expensive query cannot hold
 * the event loop (and every other request) for longer than its budget. Outside a deadline (the
 * CLI, tests) a check costs one lookup and never throws.
 */

/** DeadlineExceededError: the work ran past its budget and was abandoned. */
export class DeadlineExceededError extends Error {
  constructor(readonly budgetMs: number) {
    super(`query ran past its deadline of ${budgetMs} ms and was stopped (limits.queryTimeoutMs)`);
  }
}

interface Deadline {
  budgetMs: number;
  endsAt: number;
  calls: number;
}

const current = new AsyncLocalStorage<Deadline>();

/** CHECK_EVERY: loop iterations between clock reads; a read costs ~50 ns, an iteration less. */
const CHECK_EVERY = 1024;

/** runWithDeadline runs `work` (and everything it awaits) under a budget of `budgetMs`; 0 = none. */
export function runWithDeadline<T>(budgetMs: number, work: () => T): T {
  if (!(budgetMs > 0)) return work();
  return current.run({ budgetMs, endsAt: performance.now() + budgetMs, calls: 0 }, work);
}

/** checkDeadline throws DeadlineExceededError when the surrounding deadline has passed. */
export function checkDeadline(): void {
  const deadline = current.getStore();
  if (deadline === undefined) return;
  if (++deadline.calls % CHECK_EVERY !== 0) return;
  if (performance.now() > deadline.endsAt) throw new DeadlineExceededError(deadline.budgetMs);
}

/** checkDeadlineNow reads the clock at once: for boundaries between steps (after a store query). */
export function checkDeadlineNow(): void {
  const deadline = current.getStore();
  if (deadline !== undefined && performance.now() > deadline.endsAt) {
    throw new DeadlineExceededError(deadline.budgetMs);
  }
}
