/** MAX_TIMER_MS is the longest delay setTimeout honours (a configured maximum may be larger). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * backoffDelayMs is the wait before retry `attempt` (1-based): exponential from `baseMs`, capped at
 * `maxMs`, with full jitter (a uniform draw below the cap of this attempt) so a fleet of agents
 * that lost the same server does not come back in lockstep. A server's Retry-After is a floor,
 * itself capped at `maxMs`: a huge one would otherwise overflow setTimeout (which then fires at
 * once and warns on the app's stderr) or park the agent for days.
 */
export function backoffDelayMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
  retryAfterMs = 0,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  // Half fixed, half jitter: never retry immediately, never all at once.
  const delay = ceiling / 2 + random() * (ceiling / 2);
  return Math.min(MAX_TIMER_MS, Math.max(Math.min(retryAfterMs, maxMs), Math.round(delay)));
}
