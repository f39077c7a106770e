// When to try a failed revocation again: exponential backoff with "equal jitter" (half the delay
// fixed, half random), so retries of many leases after one outage spread out instead of arriving
// together, yet never come sooner than half the nominal delay.

export interface BackoffOptions {
  /** Delay after the first failure (default 1 s). */
  readonly baseMs: number;
  /** The delay never grows past this (default 5 min). */
  readonly maxMs: number;
}

/** Milliseconds to wait after `attempts` failed attempts (1 or more); `random` returns [0, 1). */
export function retryDelay(attempts: number, o: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const nominal = Math.min(o.maxMs, o.baseMs * 2 ** exponent);
  return Math.round(nominal / 2 + random() * (nominal / 2));
}
