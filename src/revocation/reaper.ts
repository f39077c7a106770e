import type { Logger } from 'pino';
import type { Clock } from '../core/index.js';
import type { LeaseStore } from '../leases/index.js';
import { errorSummary, type Revoker } from './revoker.js';

export interface ReaperOptions {
  /** Longest pause between sweeps (default from config: 250 ms). The next known expiry wakes it sooner. */
  readonly intervalMs: number;
  /** A lease pending longer than this is a crashed or failed mint and is revoked through its handle. */
  readonly pendingTimeoutMs: number;
  /** Leases moved to revoking per store call (default 2000). */
  readonly batchSize?: number;
  /** Told how many leases a sweep moved to revoking. */
  readonly onSweep?: (expired: number, abandoned: number) => void;
}

export interface ReapResult {
  readonly expired: number;
  readonly abandoned: number;
  readonly retried: number;
}

/** Sweeps per pass at most, so one pass cannot run for ever while leases keep expiring. */
const MAX_ROUNDS = 50;
/** Shortest pause between sweeps: a burst of expiries is swept in batches, not one by one. */
const MIN_PAUSE_MS = 10;
/** Abandoned pending leases are looked for at most this often: their timeout is minutes long. */
const PENDING_SWEEP_MS = 1000;

/**
 * Finds the revocations nobody asked for: active leases past their expiry, and pending leases left
 * by a crashed or failed mint. Each sweep moves them to revoking in the store (atomically, so several
 * replicas sweeping at once never revoke anything twice) and wakes the revoker, which attempts them.
 * It sleeps until the next known expiry, so leases are revoked within milliseconds of expiring.
 */
export class Reaper {
  readonly #store: LeaseStore;
  readonly #revoker: Revoker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #o: Required<Omit<ReaperOptions, 'onSweep'>> & Pick<ReaperOptions, 'onSweep'>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;
  #lastError = 0;
  #lastPendingSweep = Number.NEGATIVE_INFINITY;

  constructor(deps: { store: LeaseStore; revoker: Revoker; clock: Clock; log: Logger }, options: ReaperOptions) {
    this.#store = deps.store;
    this.#revoker = deps.revoker;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#o = { batchSize: 2000, ...options };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }

  /** One sweep, then every revocation due now attempted and awaited: what tests call to reap on demand. */
  async tick(): Promise<ReapResult> {
    const { expired, abandoned } = await this.#sweep(true);
    const { retried } = await this.#revoker.drain();
    return { expired, abandoned, retried };
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#sweep()
        .then(
          ({ nextDueAt }) => {
            const untilNext = nextDueAt === undefined ? this.#o.intervalMs : nextDueAt - this.#clock.now();
            return Math.min(this.#o.intervalMs, Math.max(MIN_PAUSE_MS, untilNext));
          },
          (err: unknown) => {
            const now = Date.now();
            if (now - this.#lastError > 10_000) {
              this.#lastError = now;
              this.#log.warn({ err: errorSummary(err) }, 'reaper sweep failed; will retry');
            }
            return this.#o.intervalMs;
          },
        )
        .then((delay) => this.#schedule(delay));
    }, delayMs);
  }

  async #sweep(always = false): Promise<{ expired: number; abandoned: number; nextDueAt: number | undefined }> {
    const now = this.#clock.now();
    let expired = 0;
    let abandoned = 0;
    let nextDueAt: number | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const r = await this.#store.expireDue(now, this.#o.batchSize);
      expired += r.accepted;
      nextDueAt = r.nextDueAt;
      if (r.accepted > 0) this.#revoker.nudge();
      if (!r.more) break;
    }
    const pendingDue = always || Date.now() - this.#lastPendingSweep >= PENDING_SWEEP_MS;
    if (pendingDue) this.#lastPendingSweep = Date.now();
    for (let round = 0; pendingDue && round < MAX_ROUNDS; round++) {
      const r = await this.#store.abandonStalePending(
        now - this.#o.pendingTimeoutMs,
        now,
        this.#o.batchSize,
        'pending lease abandoned: the mint failed or the server stopped mid-issue',
      );
      abandoned += r.accepted;
      if (r.accepted > 0) this.#revoker.nudge();
      if (!r.more) break;
    }
    if (expired + abandoned > 0) {
      this.#log.debug({ expired, abandoned }, 'reaper sweep');
      this.#o.onSweep?.(expired, abandoned);
    }
    return { expired, abandoned, nextDueAt };
  }
}
