export interface BackoffOptions {
  /** Delay before the first retry (default 1s for renewals, 100ms for calls). */
  readonly initialMs?: number;
  /** Longest delay between retries (default 30s for renewals, 2s for calls). */
  readonly maxMs?: number;
}

/**
 * Exponential backoff with jitter: attempt n waits between half and all of min(max, initial·2ⁿ⁻¹),
 * so clients that failed together do not retry together.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Whether `signal` was aborted (a function: TypeScript would keep a narrowing of `signal.aborted` across awaits). */
export function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
