// In-process lease events: what WatchLeases subscribers listen to on one replica. The store records
// every event with its state change; a LeaseEventRelay reads them (from every replica's changes) and
// publishes them here. A listener that throws is reported and skipped; it never stops delivery to the others.
import type { Lease } from '../core/index.js';

export const LEASE_EVENT_TYPES = ['issued', 'renewed', 'revoking', 'revoked', 'expired', 'revocation_failed'] as const;
export type LeaseEventType = (typeof LEASE_EVENT_TYPES)[number];

export interface LeaseEvent {
  readonly type: LeaseEventType;
  readonly lease: Lease;
  /** When it happened, ms since the Unix epoch. */
  readonly at: number;
}

/**
 * Which events a subscriber gets. Both parts must match when both are given; an absent or empty
 * `leaseIds` puts no limit on leases, and an empty filter gets every event.
 */
export interface LeaseEventFilter {
  readonly taskId?: string;
  readonly leaseIds?: readonly string[];
}

export type LeaseEventListener = (event: LeaseEvent) => void;

export interface LeaseEventBusOptions {
  /** Told about a listener that threw or returned a rejected promise (default: ignored). */
  readonly onListenerError?: (err: unknown, event: LeaseEvent) => void;
}

interface Subscription {
  readonly taskId: string | undefined;
  readonly leaseIds: ReadonlySet<string> | undefined;
  readonly listener: LeaseEventListener;
  active: boolean;
}

export class LeaseEventBus {
  readonly #onListenerError: (err: unknown, event: LeaseEvent) => void;
  // Indexed by the most selective part of the filter, so a publish only looks at subscribers that may match.
  readonly #byLease = new Map<string, Set<Subscription>>();
  readonly #byTask = new Map<string, Set<Subscription>>();
  readonly #everything = new Set<Subscription>();
  readonly #watchers = new Set<(size: number) => void>();
  #count = 0;

  constructor(options: LeaseEventBusOptions = {}) {
    this.#onListenerError = options.onListenerError ?? (() => undefined);
  }

  /** How many subscriptions are open. */
  get size(): number {
    return this.#count;
  }

  /** Delivers the event, synchronously, to every subscriber whose filter matches. */
  publish(event: LeaseEvent): void {
    const frozen: LeaseEvent = Object.freeze({ type: event.type, lease: event.lease, at: event.at });
    const candidates = new Set<Subscription>(this.#everything);
    for (const sub of this.#byTask.get(frozen.lease.taskId) ?? []) candidates.add(sub);
    for (const sub of this.#byLease.get(frozen.lease.id) ?? []) candidates.add(sub);
    for (const sub of candidates) {
      if (!sub.active || !matches(sub, frozen.lease)) continue;
      this.#deliver(sub, frozen);
    }
  }

  /** Told the number of subscriptions whenever it changes (a relay starts reading at the first). */
  onSizeChange(watcher: (size: number) => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  /** Returns the function that ends the subscription; calling it again does nothing. */
  subscribe(filter: LeaseEventFilter, listener: LeaseEventListener): () => void {
    const leaseIds = filter.leaseIds !== undefined && filter.leaseIds.length > 0 ? new Set(filter.leaseIds) : undefined;
    const sub: Subscription = { taskId: filter.taskId, leaseIds, listener, active: true };
    const indexes = this.#indexesOf(sub);
    for (const [index, key] of indexes) add(index, key, sub);
    if (indexes.length === 0) this.#everything.add(sub);
    this.#count++;
    this.#sizeChanged();
    return () => {
      if (!sub.active) return;
      sub.active = false;
      for (const [index, key] of indexes) remove(index, key, sub);
      this.#everything.delete(sub);
      this.#count--;
      this.#sizeChanged();
    };
  }

  #sizeChanged(): void {
    for (const watcher of this.#watchers) {
      try {
        watcher(this.#count);
      } catch {
        // A watcher failing must not break subscribing.
      }
    }
  }

  #indexesOf(sub: Subscription): [Map<string, Set<Subscription>>, string][] {
    if (sub.leaseIds !== undefined) return [...sub.leaseIds].map((id) => [this.#byLease, id]);
    if (sub.taskId !== undefined) return [[this.#byTask, sub.taskId]];
    return [];
  }

  #deliver(sub: Subscription, event: LeaseEvent): void {
    try {
      const result: unknown = sub.listener(event);
      if (isPromiseLike(result)) result.then(undefined, (err: unknown) => this.#report(err, event));
    } catch (err) {
      this.#report(err, event);
    }
  }

  #report(err: unknown, event: LeaseEvent): void {
    try {
      this.#onListenerError(err, event);
    } catch {
      // The error reporter failing must not break delivery either.
    }
  }
}

function matches(sub: Subscription, lease: Lease): boolean {
  if (sub.taskId !== undefined && lease.taskId !== sub.taskId) return false;
  if (sub.leaseIds !== undefined && !sub.leaseIds.has(lease.id)) return false;
  return true;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function add(index: Map<string, Set<Subscription>>, key: string, sub: Subscription): void {
  let set = index.get(key);
  if (set === undefined) {
    set = new Set();
    index.set(key, set);
  }
  set.add(sub);
}

function remove(index: Map<string, Set<Subscription>>, key: string, sub: Subscription): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(sub);
  if (set.size === 0) index.delete(key);
}
