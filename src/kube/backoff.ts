export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Fraction of the delay added at random, so many clients do not retry in lockstep. */
  jitter: number;
}

export const DEFAULT_WATCH_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000, jitter: 0.5 };

/** Delay before retry number `attempt` (0-based): initial * 2^attempt, capped, plus up to jitter of it. Pure. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 + options.jitter * random()));
}
