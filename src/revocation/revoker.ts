import type { Logger } from 'pino';
import { Batcher, WarrantError, type Clock, type Lease, type ProviderKind, type Trigger } from '../core/index.js';
import type { FinishOutcome, LeaseStore, LocallyRevoked, RevocationItem } from '../leases/index.js';
import type { CredentialProvider } from '../providers/index.js';
import { retryDelay } from './backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConcurrencyLimit } from './concurrency-limit.js';

export interface ProviderLookup {
  get(name: string): CredentialProvider | undefined;
  /** Every configured provider; without it no provider counts as revoking locally. */
  values?(): Iterable<CredentialProvider>;
}

export interface RevokeOptions {
  readonly trigger: Trigger;
  readonly reason?: string;
}

/** What the rest of the server hears about revocations (audit, metrics). Hooks must not throw. */
export interface RevocationHooks {
  /** The provider confirmed; the lease is now revoked (or expired). */
  confirmed?(item: RevocationItem, state: 'revoked' | 'expired', at: number): void;
  /**
   * Many confirmations at once: leases a bulk step revoked at once (their provider's revocation is
   * local), each with its state and time, so the audit can write them in one go. When absent,
   * confirmed() is told each one.
   */
  confirmedMany?(items: readonly LocallyRevoked[]): void;
  /** An attempt failed; it is tried again at retryAt. */
  retried?(item: RevocationItem, error: string, retryAt: number): void;
  /** Given up after the give-up window: the lease is revocation_failed. */
  parked?(item: RevocationItem, error: string, at: number): void;
  /** A provider's circuit opened or closed. */
  circuit?(provider: string, open: boolean): void;
}

/** A lease whose revocation this replica just recorded as confirmed. */
export interface EndedLease {
  readonly leaseId: string;
  readonly taskId: string;
  readonly owner: string;
  readonly state: 'revoked' | 'expired';
}

export interface RevokerOptions {
  /** A claimed revocation returns to the queue after this unless finished first (default 30 s). */
  readonly visibilityTimeoutMs?: number;
  /** One provider call may take this long (default 10 s); must be well under the visibility timeout. */
  readonly attemptTimeoutMs?: number;
  /** First retry delay (default 1 s); doubles per failed attempt, with jitter. */
  readonly retryBaseMs?: number;
  /** Longest retry delay (default 5 min). */
  readonly retryMaxMs?: number;
  /** After this long without a confirmation the revocation is parked as revocation_failed (default 24 h). */
  readonly giveUpAfterMs?: number;
  /** Revocations in flight per provider and replica (default 32). */
  readonly providerConcurrency?: number;
  /** Per-provider overrides of providerConcurrency. */
  readonly concurrencyByProvider?: Readonly<Record<string, number>>;
  /** Failures in a row that open a provider's circuit (default 5). */
  readonly breakerThreshold?: number;
  /** First cool-down of an open circuit (default 5 s; doubles up to 60 s). */
  readonly breakerCooldownMs?: number;
  /** Revocations claimed per call (default 512). */
  readonly claimBatch?: number;
  /** Claimed revocations held at once by this replica (default 8192); a slow provider's are let go before their claim lapses. */
  readonly maxInFlight?: number;
  /** Longest pause between looks at the queue when it seems idle (default 500 ms). */
  readonly pollIntervalMs?: number;
  /** Source of jitter, [0, 1) (tests pin it). */
  readonly random?: () => number;
}

export interface RevokerDeps {
  readonly store: LeaseStore;
  readonly providers: ProviderLookup;
  readonly clock: Clock;
  readonly log: Logger;
  readonly hooks?: RevocationHooks;
}

export interface DrainResult {
  /** Revocations attempted. */
  readonly attempted: number;
  /** Of those, retries of an earlier failed attempt. */
  readonly retried: number;
}

/** How long a confirmation waits for others to share its script. */
const COMPLETION_DELAY_MS = 5;
/** Leases revoked at once that are told to the hooks and listeners per turn of the event loop. */
const TELL_SLICE = 64;

type Outcome = 'confirmed' | 'retry' | 'parked' | 'paused' | 'released' | 'lost';

const DEFAULTS = {
  visibilityTimeoutMs: 30_000,
  attemptTimeoutMs: 10_000,
  retryBaseMs: 1000,
  retryMaxMs: 5 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
  providerConcurrency: 32,
  concurrencyByProvider: {} as Readonly<Record<string, number>>,
  breakerThreshold: 5,
  breakerCooldownMs: 5000,
  claimBatch: 512,
  maxInFlight: 8192,
  pollIntervalMs: 500,
  random: Math.random,
};

/**
 * Carries revocations from "accepted" to "confirmed by the provider". Accepting is one atomic
 * store step (→ revoking, queued), so a crash or a provider outage after it loses nothing: every
 * replica's worker claims due revocations from the queue with a visibility timeout, calls the
 * provider (limited per provider, behind a circuit breaker), and records the outcome: confirmed,
 * retried later with backoff, or, after the give-up window, parked as revocation_failed.
 */
export class Revoker {
  readonly #d: RevokerDeps;
  readonly #o: typeof DEFAULTS;
  readonly #limits = new Map<string, ConcurrencyLimit>();
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #completions: Batcher<RevocationItem, FinishOutcome>;
  readonly #deferrals: Batcher<{ item: RevocationItem; retryAt: number; attempted: boolean; error?: string }, undefined>;
  readonly #parkings: Batcher<{ item: RevocationItem; error: string }, FinishOutcome>;
  #inFlight = 0;
  readonly #endedListeners = new Set<(ended: EndedLease) => void>();
  #running: Promise<void> | undefined;
  #stopped = true;
  #wake: (() => void) | undefined;
  #lastStoreError = 0;
  readonly #logged = new Map<string, { at: number; skipped: number }>();

  constructor(deps: RevokerDeps, options: RevokerOptions = {}) {
    this.#d = deps;
    this.#o = { ...DEFAULTS, ...options };
    const { store, clock } = deps;
    this.#completions = new Batcher(
      (items) => store.completeRevocations(items.map((i) => ({ leaseId: i.leaseId, taskId: i.taskId, ...(i.operation === undefined ? {} : { operation: i.operation }) })), clock.now()),
      512,
      // A few milliseconds of waiting turn many small scripts into a few large ones.
      COMPLETION_DELAY_MS,
    );
    this.#deferrals = new Batcher(async (items) => {
      await store.deferRevocations(
        items.map((d) => ({
          leaseId: d.item.leaseId,
          retryAt: d.retryAt,
          attempted: d.attempted,
          ...(d.error === undefined ? {} : { error: d.error }),
          // Only while this replica's claim holds: a lapsed claim may already be someone else's.
          ...(d.item.claimedUntil === undefined ? {} : { heldUntil: d.item.claimedUntil }),
        })),
        clock.now(),
      );
      return items.map(() => undefined);
    }, 512);
    this.#parkings = new Batcher(
      (items) =>
        store.parkRevocations(
          items.map((p) => ({ leaseId: p.item.leaseId, error: p.error, ...(p.item.operation === undefined ? {} : { operation: p.item.operation }) })),
          clock.now(),
        ),
      512,
    );
  }

  /** Providers whose circuit is open and still cooling down, with when they may be tried again. */
  openCircuits(now: number): ReadonlyMap<string, number> {
    const open = new Map<string, number>();
    for (const [name, breaker] of this.#breakers) if (breaker.state === 'open' && breaker.openUntil > now) open.set(name, breaker.openUntil);
    return open;
  }

  /**
   * Accepts the revocation durably, then tries the provider at once. Returns the lease as it
   * stands: revoked (or expired) when the provider confirmed, else still revoking (retried later).
   */
  async revoke(id: string, options: RevokeOptions): Promise<Lease> {
    const [lease] = await this.revokeMany([id], options);
    if (lease === undefined) throw new WarrantError('ERR_LEASE_NOT_FOUND', `lease ${id} not found`);
    return lease;
  }

  /** revoke() for many leases at once; leases that do not exist are left out of the result. */
  async revokeMany(ids: readonly string[], options: RevokeOptions): Promise<Lease[]> {
    if (ids.length === 0) return [];
    const { store, clock } = this.#d;
    const now = clock.now();
    const outcomes = await store.beginRevokeMany(ids, {
      trigger: options.trigger,
      now,
      // The caller's own attempt holds the claim; if this replica dies, the queue hands it out again.
      claimUntil: now + this.#o.visibilityTimeoutMs,
      ...(options.reason === undefined ? {} : { reason: options.reason }),
    });
    const accepted = outcomes.flatMap((o) => (o.outcome === 'accepted' ? [o.lease] : []));
    await Promise.all(accepted.map((lease) => this.#attempt(itemOf(lease, now, now + this.#o.visibilityTimeoutMs))));
    const found = outcomes.filter((o) => o.outcome !== 'not_found').map((o) => o.id);
    const leases = accepted.length === 0 ? outcomes.flatMap((o) => (o.outcome === 'not_found' ? [] : [o.lease])) : await store.getMany(found);
    return leases.filter((l): l is Lease => l !== undefined);
  }

  /** Starts the background worker that claims and attempts due revocations. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.nudge();
    await this.#running;
    // Let attempts in flight record their outcome; what they do not finish the queue hands out again.
    const until = Date.now() + this.#o.attemptTimeoutMs;
    while (this.#inFlight > 0 && Date.now() < until) await sleep(10);
  }

  /**
   * Told once for each revocation this replica records as confirmed (the lease is now revoked or
   * expired), whichever replica accepted it. Listeners must not throw. Returns the unsubscribe.
   */
  onEnded(listener: (ended: EndedLease) => void): () => void {
    this.#endedListeners.add(listener);
    return () => this.#endedListeners.delete(listener);
  }

  /** How many more claimed revocations this replica takes on now. */
  get room(): number {
    return Math.max(0, this.#o.maxInFlight - this.#inFlight);
  }

  /** Attempts revocations claimed for this replica by another step (a mass revocation's selection). */
  adopt(items: readonly RevocationItem[]): void {
    for (const item of items) this.#dispatch(item);
  }

  /**
   * Providers whose revocation is local (CredentialProvider.localRevocation), by name with their
   * kind: a bulk step may take their leases straight to revoked, without the queue.
   */
  localProviders(): ReadonlyMap<string, ProviderKind> {
    const local = new Map<string, ProviderKind>();
    for (const provider of this.#d.providers.values?.() ?? []) if (provider.localRevocation === true) local.set(provider.name, provider.kind);
    return local;
  }

  /**
   * Tells the hooks and the listeners of ended leases about leases a step revoked at once (their
   * provider's revocation is local): each one is confirmed, as an attempt here would have been.
   * A slice per turn of the event loop, so a large step never holds the process for long.
   */
  async confirmedAtOnce(items: readonly LocallyRevoked[]): Promise<void> {
    const hooks = this.#d.hooks;
    for (let start = 0; start < items.length; start += TELL_SLICE) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const slice = items.slice(start, start + TELL_SLICE);
      if (hooks?.confirmedMany !== undefined) hooks.confirmedMany(slice);
      else for (const item of slice) hooks?.confirmed?.(item, item.state, item.revokedAt);
      for (const item of slice) this.#tellEnded(item, item.state);
    }
  }

  /** Tells the worker there may be work now (a sweep or an operation just queued some). */
  nudge(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Claims and attempts everything due now, and waits for the outcomes (tests and on-demand passes). */
  async drain(): Promise<DrainResult> {
    let attempted = 0;
    let retried = 0;
    for (;;) {
      const { items } = await this.#claim(this.#o.claimBatch);
      if (items.length === 0) return { attempted, retried };
      attempted += items.length;
      retried += items.filter((i) => i.attempts > 0).length;
      await Promise.all(items.map((item) => this.#attempt(item)));
    }
  }

  async #loop(): Promise<void> {
    // Claim in whole batches: a claim costs a round trip per shard, however few items it brings.
    const batch = Math.min(this.#o.claimBatch, this.#o.maxInFlight);
    while (!this.#stopped) {
      let waitMs = this.#o.pollIntervalMs;
      if (this.#o.maxInFlight - this.#inFlight >= batch) {
        try {
          const { items, nextDueAt } = await this.#claim(batch);
          for (const item of items) this.#dispatch(item);
          if (items.length === batch) waitMs = 0;
          else if (nextDueAt !== undefined) waitMs = Math.min(waitMs, Math.max(0, nextDueAt - this.#d.clock.now()));
        } catch (err) {
          this.#storeTrouble(err);
        }
      }
      if (this.#stopped) break;
      if (waitMs === 0) {
        // Let the attempts just started make progress before claiming more.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#wake = undefined;
          resolve();
        }, waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Starts an attempt in the background, counted against maxInFlight. */
  #dispatch(item: RevocationItem): void {
    this.#inFlight++;
    void this.#attempt(item).finally(() => {
      this.#inFlight--;
      // Room for a whole claim again: wake the worker if it waits.
      if (this.#o.maxInFlight - this.#inFlight === Math.min(this.#o.claimBatch, this.#o.maxInFlight)) this.nudge();
    });
  }

  #claim(limit: number) {
    const now = this.#d.clock.now();
    return this.#d.store.claimRevocations({
      now,
      limit,
      visibilityMs: this.#o.visibilityTimeoutMs,
      paused: this.openCircuits(now),
    });
  }

  /** One attempt at the provider, and its outcome recorded. Never throws. */
  async #attempt(item: RevocationItem): Promise<Outcome> {
    try {
      return await this.#attemptOrThrow(item);
    } catch (err) {
      // The store could not record the outcome: the claim lapses and the queue hands it out again.
      this.#storeTrouble(err, item.leaseId);
      return 'lost';
    }
  }

  async #attemptOrThrow(item: RevocationItem): Promise<Outcome> {
    const { clock, log } = this.#d;
    const provider = this.#d.providers.get(item.provider);
    if (provider === undefined) {
      // Removed from config: keep retrying (and eventually park it, visibly) rather than forget it.
      this.#throttled(`missing:${item.provider}`, (skipped) =>
        log.error({ leaseId: item.leaseId, provider: item.provider, ...(skipped > 0 ? { alsoAffected: skipped } : {}) }, 'cannot revoke: provider is not configured'),
      );
      return this.#failed(item, 'ERR_PROVIDER_NOT_FOUND');
    }
    const breaker = this.#breaker(item.provider);
    // The circuit is asked, and told the outcome, while the slot is held: the next waiter sees it.
    const result = await this.#limit(item.provider).run(async (): Promise<'paused' | 'late' | 'ok' | { error: string }> => {
      // Too close to the end of its claim to finish before another replica may take it: let it go.
      if (item.claimedUntil !== undefined && clock.now() + this.#o.attemptTimeoutMs >= item.claimedUntil) return 'late';
      if (!breaker.allow(clock.now())) return 'paused';
      try {
        await withTimeout(provider.revoke({ leaseId: item.leaseId, handle: item.handle, expiresAt: item.expiresAt }), this.#o.attemptTimeoutMs);
      } catch (err) {
        this.#throttled(`failed:${item.provider}`, (skipped) =>
          log.warn(
            { leaseId: item.leaseId, provider: item.provider, err: errorSummary(err), ...(skipped > 0 ? { failedSinceLastLine: skipped } : {}) },
            'provider did not confirm revocation; will retry',
          ),
        );
        if (breaker.failure(clock.now())) {
          log.warn({ provider: item.provider }, 'provider circuit opened: revocations are put off until it cools down');
          this.#d.hooks?.circuit?.(item.provider, true);
        }
        return { error: err instanceof WarrantError ? err.code : 'ERR_PROVIDER_FAILED' };
      }
      if (breaker.success()) {
        log.info({ provider: item.provider }, 'provider circuit closed');
        this.#d.hooks?.circuit?.(item.provider, false);
      }
      return 'ok';
    });
    if (result === 'late') {
      await this.#deferrals.add({ item, retryAt: clock.now(), attempted: false });
      return 'released';
    }
    if (result === 'paused') {
      const retryAt = Math.max(breaker.openUntil, clock.now()) + Math.floor(this.#o.random() * this.#o.retryBaseMs);
      await this.#deferrals.add({ item, retryAt, attempted: false });
      return 'paused';
    }
    if (result !== 'ok') return this.#failed(item, result.error);
    const outcome = await this.#completions.add(item);
    if (outcome.state === 'revoked' || outcome.state === 'expired') {
      this.#confirmed(item, outcome.state, clock.now());
      return 'confirmed';
    }
    return 'lost';
  }

  /** The provider's confirmation is recorded: the hooks and the listeners of ended leases hear of it. */
  #confirmed(item: RevocationItem, state: 'revoked' | 'expired', at: number): void {
    this.#d.hooks?.confirmed?.(item, state, at);
    this.#tellEnded(item, state);
  }

  #tellEnded(item: RevocationItem, state: 'revoked' | 'expired'): void {
    for (const listener of this.#endedListeners) {
      try {
        listener({ leaseId: item.leaseId, taskId: item.taskId, owner: item.owner, state });
      } catch (err) {
        this.#d.log.warn({ leaseId: item.leaseId, err: errorSummary(err) }, 'a listener of ended leases failed');
      }
    }
  }

  async #failed(item: RevocationItem, error: string): Promise<Outcome> {
    const now = this.#d.clock.now();
    if (now - item.queuedAt >= this.#o.giveUpAfterMs) {
      const outcome = await this.#parkings.add({ item, error });
      if (outcome.state === 'revocation_failed') {
        this.#throttled(`parked:${item.provider}`, (skipped) =>
          this.#d.log.error(
            { leaseId: item.leaseId, provider: item.provider, error, ...(skipped > 0 ? { parkedSinceLastLine: skipped } : {}) },
            'revocation given up after the give-up window; the lease is revocation_failed (every one is in the audit log)',
          ),
        );
        this.#d.hooks?.parked?.(item, error, now);
      }
      return 'parked';
    }
    const retryAt = now + retryDelay(item.attempts + 1, { baseMs: this.#o.retryBaseMs, maxMs: this.#o.retryMaxMs }, this.#o.random);
    await this.#deferrals.add({ item, retryAt, attempted: true, error });
    this.#d.hooks?.retried?.(item, error, retryAt);
    return 'retry';
  }

  #limit(provider: string): ConcurrencyLimit {
    let limit = this.#limits.get(provider);
    if (limit === undefined) {
      limit = new ConcurrencyLimit(this.#o.concurrencyByProvider[provider] ?? this.#o.providerConcurrency);
      this.#limits.set(provider, limit);
    }
    return limit;
  }

  #breaker(provider: string): CircuitBreaker {
    let breaker = this.#breakers.get(provider);
    if (breaker === undefined) {
      breaker = new CircuitBreaker({ threshold: this.#o.breakerThreshold, cooldownMs: this.#o.breakerCooldownMs, maxCooldownMs: 60_000 });
      this.#breakers.set(provider, breaker);
    }
    return breaker;
  }

  /**
   * Runs `write` at most every 10 s per topic, telling it how many were skipped since: an outage
   * of a provider holding 100,000 leases must not write 100,000 lines per retry round.
   */
  #throttled(topic: string, write: (skipped: number) => void): void {
    const now = Date.now();
    const seen = this.#logged.get(topic);
    if (seen !== undefined && now - seen.at < 10_000) {
      seen.skipped++;
      return;
    }
    this.#logged.set(topic, { at: now, skipped: 0 });
    write(seen?.skipped ?? 0);
  }

  /** Logs store trouble at most every 10 s: a Redis outage must not flood the log. */
  #storeTrouble(err: unknown, leaseId?: string): void {
    const now = Date.now();
    if (now - this.#lastStoreError < 10_000) return;
    this.#lastStoreError = now;
    this.#d.log.warn({ err: errorSummary(err), ...(leaseId === undefined ? {} : { leaseId }) }, 'revocation queue unavailable; will retry');
  }
}

/** The queue item for a lease this replica just accepted and claimed. */
function itemOf(lease: Lease, now: number, claimedUntil: number): RevocationItem {
  return {
    leaseId: lease.id,
    provider: lease.provider,
    providerKind: lease.providerKind,
    handle: lease.handle,
    owner: lease.owner,
    taskId: lease.taskId,
    trigger: lease.trigger ?? 'operator',
    expiresAt: lease.expiresAt,
    revokeRequestedAt: lease.revokeRequestedAt ?? now,
    queuedAt: now,
    attempts: lease.revocationAttempts ?? 0,
    claimedUntil,
    ...(lease.reason === undefined ? {} : { reason: lease.reason }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Error text for logs: code and message, never the whole object (which may carry request data). */
export function errorSummary(err: unknown): { code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? { code, message: err.message } : { message: err.message };
  }
  return { message: String(err) };
}
