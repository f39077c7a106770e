// Carries the events the store recorded (on any replica) to this replica's LeaseEventBus, so
// WatchLeases subscribers see every change wherever it happened. It reads only while someone is
// subscribed, starting at the end of the store's events when the first subscriber arrives.
import type { Lease } from '../core/index.js';
import type { LeaseEventBus } from './events.js';
import type { LeaseStore, StoredLeaseEvent } from './store.js';

export interface LeaseEventRelayOptions {
  /** Pause between reads while subscribed (default 50 ms). */
  readonly intervalMs?: number;
  /** Events read per call (default 1000). */
  readonly batch?: number;
  /** Told about a failed read; the relay keeps trying. */
  readonly onError?: (err: unknown) => void;
}

export class LeaseEventRelay {
  readonly #store: LeaseStore;
  readonly #bus: LeaseEventBus;
  readonly #intervalMs: number;
  readonly #batch: number;
  readonly #onError: (err: unknown) => void;
  #cursor: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #unwatch: (() => void) | undefined;

  constructor(store: LeaseStore, bus: LeaseEventBus, options: LeaseEventRelayOptions = {}) {
    this.#store = store;
    this.#bus = bus;
    this.#intervalMs = options.intervalMs ?? 50;
    this.#batch = options.batch ?? 1000;
    this.#onError = options.onError ?? (() => undefined);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#unwatch = this.#bus.onSizeChange((size) => {
      if (size === 0 || this.#timer !== undefined || this.#running !== undefined) return;
      // Not reading: take the current end at once, so a subscriber sees everything after it subscribed.
      this.#cursor = undefined;
      this.#schedule(0);
    });
    if (this.#bus.size > 0) this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }

  /** One read; also what tests call. */
  async poll(): Promise<number> {
    if (this.#bus.size === 0) {
      // Nobody listens: forget the position, and start at the end when someone does.
      this.#cursor = undefined;
      return 0;
    }
    const page = await this.#store.readEvents(this.#cursor, this.#batch);
    const first = this.#cursor === undefined;
    this.#cursor = page.cursor;
    if (first || page.events.length === 0) return 0;
    const leases = await this.#store.getMany([...new Set(page.events.map((e) => e.leaseId))]);
    const byId = new Map(leases.filter((l): l is Lease => l !== undefined).map((l) => [l.id, l]));
    for (const event of page.events) {
      const lease = byId.get(event.leaseId);
      if (lease !== undefined) this.#bus.publish({ type: event.type, lease: asOfEvent(lease, event), at: event.at });
    }
    return page.events.length;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.poll()
        .then(
          (n) => n,
          (err: unknown) => {
            this.#onError(err);
            return 0;
          },
        )
        .then((n) => {
          this.#running = undefined;
          // Catch up without pausing while there is a backlog.
          if (this.#bus.size > 0) this.#schedule(n >= this.#batch ? 0 : this.#intervalMs);
        });
    }, delayMs);
  }
}

/** The lease as the event saw it: a later change must not show through an earlier event. */
function asOfEvent(lease: Lease, event: StoredLeaseEvent): Lease {
  if (lease.state === event.state && (event.expiresAt === undefined || lease.expiresAt === event.expiresAt)) return lease;
  const { revokedAt, trigger, reason, revokeRequestedAt, revocationAttempts, revocationError, ...rest } = lease;
  const live = event.state === 'pending' || event.state === 'active';
  const finished = event.state === 'revoked' || event.state === 'expired';
  return Object.freeze({
    ...rest,
    state: event.state,
    ...(live || trigger === undefined ? {} : { trigger }),
    ...(live || reason === undefined ? {} : { reason }),
    ...(live || revokeRequestedAt === undefined ? {} : { revokeRequestedAt }),
    ...(finished && revokedAt !== undefined ? { revokedAt } : {}),
    ...(event.expiresAt === undefined ? {} : { expiresAt: event.expiresAt }),
  });
}
