/** Exponential backoff with full jitter, capped. Pure. */

/** Delay before retry number `failures` (1-based): base·2^(n-1), capped at `capMs`, jittered into [50%, 100%]. */
export function backoffDelay(failures: number, baseMs: number, capMs: number, rng: () => number = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(30, failures - 1)));
  return Math.round(exp / 2 + (exp / 2) * rng());
}
