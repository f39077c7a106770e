import type { Logger } from 'pino';
import type { Clock } from '../core/index.js';
import type { LeaseStore } from '../leases/index.js';
import { errorSummary, type Revoker } from './revoker.js';

export interface ReaperOptions {
  readonly intervalMs: number;
  /** A lease pending longer than this is a crashed or failed mint and is revoked through its handle. */
  readonly pendingTimeoutMs: number;
  /** A revoking lease is retried no sooner than this after its last attempt. */
  readonly retryIntervalMs?: number;
  readonly batchSize?: number;
  readonly concurrency?: number;
}

export interface ReapResult {
  readonly expired: number;
  readonly abandoned: number;
  readonly retried: number;
}

/** Runs `fn` over items with at most `limit` in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Revokes what nobody else will: leases past their expiry, pending leases left by a crashed or
 * failed mint, and revocations the provider has not yet confirmed.
 */
export class Reaper {
  readonly #store: LeaseStore;
  readonly #revoker: Revoker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #o: Required<ReaperOptions>;
  readonly #lastAttempt = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;

  constructor(deps: { store: LeaseStore; revoker: Revoker; clock: Clock; log: Logger }, options: ReaperOptions) {
    this.#store = deps.store;
    this.#revoker = deps.revoker;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#o = { retryIntervalMs: 5000, batchSize: 500, concurrency: 32, ...options };
  }

  start(): void {
    this.#stopped = false;
    const loop = () => {
      if (this.#stopped) return;
      this.#running = this.tick()
        .catch((err: unknown) => this.#log.warn({ err: errorSummary(err) }, 'reaper pass failed; will retry'))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#o.intervalMs);
        });
    };
    this.#timer = setTimeout(loop, this.#o.intervalMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass; also what tests call to reap on demand. */
  async tick(): Promise<ReapResult> {
    const now = this.#clock.now();
    const { batchSize, concurrency } = this.#o;
    let expired = 0;
    let abandoned = 0;
    let retried = 0;

    const due = await this.#store.dueForExpiry(now, batchSize);
    await forEachLimited(due, concurrency, async (id) => {
      await this.#attempt(id, () => this.#revoker.revoke(id, { trigger: 'expired', reason: 'lease reached its expiry' }));
      expired++;
    });

    const stale = await this.#store.stalePending(now - this.#o.pendingTimeoutMs, batchSize);
    await forEachLimited(stale, concurrency, async (id) => {
      await this.#attempt(id, () =>
        this.#revoker.revoke(id, { trigger: 'expired', reason: 'pending lease abandoned: the mint failed or the server stopped mid-issue' }),
      );
      abandoned++;
    });

    const revoking = await this.#store.revoking(batchSize);
    const retryable = revoking.filter((id) => now - (this.#lastAttempt.get(id) ?? 0) >= this.#o.retryIntervalMs);
    await forEachLimited(retryable, concurrency, async (id) => {
      const lease = await this.#store.get(id);
      if (lease === undefined || lease.state !== 'revoking') return;
      // Leave fresh revocations to the request that accepted them.
      if (now - (lease.revokeRequestedAt ?? 0) < this.#o.retryIntervalMs) return;
      await this.#attempt(id, () => this.#revoker.confirm(lease));
      retried++;
    });

    for (const [id, at] of this.#lastAttempt) if (now - at > 10 * this.#o.retryIntervalMs) this.#lastAttempt.delete(id);
    if (expired + abandoned + retried > 0) this.#log.info({ expired, abandoned, retried }, 'reaper pass');
    return { expired, abandoned, retried };
  }

  async #attempt(id: string, fn: () => Promise<unknown>): Promise<void> {
    this.#lastAttempt.set(id, this.#clock.now());
    try {
      await fn();
    } catch (err) {
      this.#log.warn({ leaseId: id, err: errorSummary(err) }, 'reaper could not revoke lease; will retry');
    }
  }
}
