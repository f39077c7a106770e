// The embedded lease store: in-process maps with exactly the Redis store's semantics, for `warrant dev`
// and tests. Nothing survives a restart.
import { WarrantError, type Lease } from '../../core/index.js';
import {
  compareNewestFirst,
  compareOldestFirst,
  decodeListCursor,
  encodeListCursor,
  isAfterPosition,
  matchesFilter,
} from '../listing.js';
import {
  DEFAULT_TERMINAL_RETENTION_MS,
  MAX_ID_BATCH,
  MAX_LIST_LIMIT,
  checkFilter,
  checkIdempotencyClaim,
  checkLeaseId,
  checkLimit,
  checkNewLease,
  checkRenewInput,
  checkRevokeInput,
  checkTaskId,
  checkTime,
} from '../store-rules.js';
import {
  atMaxTtl,
  leaseIdTaken,
  leaseNotFound,
  notActivatable,
  notOwner,
  notRenewable,
  notRevoking,
  renewExpired,
  storeClosed,
} from '../store-errors.js';
import type {
  CreateResult,
  IdempotencyClaim,
  LeaseFilter,
  LeasePage,
  LeaseStore,
  NewLease,
  RenewInput,
  RevokeInput,
} from '../store.js';

/** Housekeeping done per write, so no single call pays for a large backlog. */
const PURGE_BATCH = 100;

export interface MemoryLeaseStoreOptions {
  /** How long a revoked or expired lease stays readable before it is forgotten (default 24h). */
  readonly terminalRetentionMs?: number;
}

interface IdempotencyRecord {
  readonly leaseId: string;
  readonly requestDigest: string;
  readonly expiresAt: number;
}

interface Retired {
  readonly id: string;
  readonly purgeAt: number;
}

function freezeLease(lease: Lease): Lease {
  Object.freeze(lease.scope);
  return Object.freeze(lease);
}

export class MemoryLeaseStore implements LeaseStore {
  readonly #retentionMs: number;
  readonly #leases = new Map<string, Lease>();
  readonly #byTask = new Map<string, Set<string>>();
  readonly #pending = new Set<string>();
  readonly #active = new Set<string>();
  readonly #revoking = new Set<string>();
  /** Keyed by owner and key; Map order is insertion order, which the expiry sweep relies on. */
  readonly #idempotency = new Map<string, IdempotencyRecord>();
  /** Terminal leases in the order they turned terminal, so purge times ascend. */
  #retired: Retired[] = [];
  #retiredHead = 0;
  #closed = false;

  constructor(options: MemoryLeaseStoreOptions = {}) {
    const retention = options.terminalRetentionMs ?? DEFAULT_TERMINAL_RETENTION_MS;
    if (!Number.isSafeInteger(retention) || retention <= 0) {
      throw new WarrantError('ERR_CONFIG', 'terminalRetentionMs must be a positive integer of milliseconds');
    }
    this.#retentionMs = retention;
  }

  async createPending(lease: NewLease, idempotency?: IdempotencyClaim): Promise<CreateResult> {
    this.#open();
    checkNewLease(lease);
    if (idempotency !== undefined) checkIdempotencyClaim(idempotency);
    const now = lease.issuedAt;
    this.#purge(now);

    const claimKey = idempotency === undefined ? undefined : `${lease.owner}\n${idempotency.key}`;
    if (idempotency !== undefined && claimKey !== undefined) {
      const record = this.#idempotency.get(claimKey);
      // A record whose lease is gone is replaced below, as the Redis store does.
      const existing = record === undefined ? undefined : this.#leases.get(record.leaseId);
      if (record !== undefined && existing !== undefined && record.expiresAt > now) {
        const outcome = record.requestDigest === idempotency.requestDigest ? 'existing' : 'conflict';
        return { outcome, lease: existing };
      }
    }
    if (this.#leases.has(lease.id)) throw leaseIdTaken(lease.id);

    const created = freezeLease({
      id: lease.id,
      state: 'pending',
      owner: lease.owner,
      trustDomain: lease.trustDomain,
      taskId: lease.taskId,
      provider: lease.provider,
      providerKind: lease.providerKind,
      scope: [...lease.scope],
      handle: lease.handle,
      issuedAt: lease.issuedAt,
      expiresAt: lease.expiresAt,
      maxExpiresAt: lease.maxExpiresAt,
      renewals: 0,
      ...(lease.idempotencyKey === undefined ? {} : { idempotencyKey: lease.idempotencyKey }),
    });
    this.#leases.set(created.id, created);
    this.#pending.add(created.id);
    let task = this.#byTask.get(created.taskId);
    if (task === undefined) {
      task = new Set();
      this.#byTask.set(created.taskId, task);
    }
    task.add(created.id);
    if (idempotency !== undefined && claimKey !== undefined) {
      // Re-inserting moves the key to the end, keeping the map in expiry order for the sweep.
      this.#idempotency.delete(claimKey);
      this.#idempotency.set(claimKey, {
        leaseId: created.id,
        requestDigest: idempotency.requestDigest,
        // A key never outlives the lease it points to.
        expiresAt: now + Math.min(idempotency.ttlMs, this.#retentionMs),
      });
    }
    return { outcome: 'created', lease: created };
  }

  async activate(id: string, expiresAt: number, now: number): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkTime('expiresAt', expiresAt);
    checkTime('now', now);
    const lease = this.#require(id);
    if (lease.state !== 'pending') throw notActivatable(lease);
    const active = this.#replace(lease, { state: 'active', expiresAt: Math.min(expiresAt, lease.maxExpiresAt) });
    this.#pending.delete(id);
    this.#active.add(id);
    return active;
  }

  async get(id: string): Promise<Lease | undefined> {
    this.#open();
    checkLeaseId(id);
    return this.#leases.get(id);
  }

  async renew(id: string, input: RenewInput): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkRenewInput(input);
    const lease = this.#require(id);
    if (input.owner !== undefined && lease.owner !== input.owner) throw notOwner(id, input.owner);
    if (lease.state !== 'active') throw notRenewable(lease);
    if (lease.expiresAt <= input.now) throw renewExpired(lease);
    if (lease.expiresAt >= lease.maxExpiresAt) throw atMaxTtl(lease);
    // Clamped to the max, and a renewal never shortens a lease.
    const expiresAt = Math.max(lease.expiresAt, Math.min(input.expiresAt, lease.maxExpiresAt));
    return this.#replace(lease, { expiresAt, renewals: lease.renewals + 1 });
  }

  async beginRevoke(id: string, input: RevokeInput): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkRevokeInput(input);
    const lease = this.#require(id);
    if (input.owner !== undefined && lease.owner !== input.owner) throw notOwner(id, input.owner);
    if (lease.state !== 'pending' && lease.state !== 'active') return lease;
    const revoking = this.#replace(lease, {
      state: 'revoking',
      trigger: input.trigger,
      revokeRequestedAt: input.now,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
    });
    this.#pending.delete(id);
    this.#active.delete(id);
    this.#revoking.add(id);
    return revoking;
  }

  async finishRevoke(id: string, now: number): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkTime('now', now);
    const lease = this.#require(id);
    if (lease.state === 'revoked' || lease.state === 'expired' || lease.state === 'revocation_failed') return lease;
    if (lease.state !== 'revoking') throw notRevoking(lease);
    const finished = this.#replace(lease, {
      state: lease.trigger === 'expired' ? 'expired' : 'revoked',
      revokedAt: now,
    });
    this.#revoking.delete(id);
    this.#retired.push({ id, purgeAt: now + this.#retentionMs });
    this.#purge(now);
    return finished;
  }

  async listByTask(taskId: string): Promise<Lease[]> {
    this.#open();
    checkTaskId(taskId);
    const ids = this.#byTask.get(taskId) ?? new Set<string>();
    return this.#collect(ids).sort(compareOldestFirst);
  }

  async dueForExpiry(now: number, limit: number): Promise<string[]> {
    this.#open();
    checkTime('now', now);
    const max = checkLimit(limit, MAX_ID_BATCH);
    return this.#collect(this.#active)
      .filter((lease) => lease.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt || byId(a, b))
      .slice(0, max)
      .map((lease) => lease.id);
  }

  async stalePending(writtenBefore: number, limit: number): Promise<string[]> {
    this.#open();
    checkTime('writtenBefore', writtenBefore);
    const max = checkLimit(limit, MAX_ID_BATCH);
    return this.#collect(this.#pending)
      .filter((lease) => lease.issuedAt <= writtenBefore)
      .sort((a, b) => a.issuedAt - b.issuedAt || byId(a, b))
      .slice(0, max)
      .map((lease) => lease.id);
  }

  async revoking(limit: number): Promise<string[]> {
    this.#open();
    const max = checkLimit(limit, MAX_ID_BATCH);
    return this.#collect(this.#revoking)
      .sort((a, b) => (a.revokeRequestedAt ?? 0) - (b.revokeRequestedAt ?? 0) || byId(a, b))
      .slice(0, max)
      .map((lease) => lease.id);
  }

  async list(filter: LeaseFilter, limit: number, cursor?: string): Promise<LeasePage> {
    this.#open();
    checkFilter(filter);
    const max = checkLimit(limit, MAX_LIST_LIMIT);
    const after = cursor === undefined ? undefined : decodeListCursor(cursor);
    const source = filter.taskId === undefined ? this.#leases.values() : this.#collect(this.#byTask.get(filter.taskId) ?? []);
    const matching: Lease[] = [];
    for (const lease of source) {
      if (matchesFilter(lease, filter) && (after === undefined || isAfterPosition(lease, after))) matching.push(lease);
    }
    matching.sort(compareNewestFirst);
    const leases = matching.slice(0, max);
    const last = leases[leases.length - 1];
    return matching.length > max && last !== undefined ? { leases, cursor: encodeListCursor(last) } : { leases };
  }

  async ping(): Promise<void> {
    this.#open();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw storeClosed();
  }

  #require(id: string): Lease {
    const lease = this.#leases.get(id);
    if (lease === undefined) throw leaseNotFound(id);
    return lease;
  }

  #replace(lease: Lease, changes: Partial<Lease>): Lease {
    const next = freezeLease({ ...lease, ...changes });
    this.#leases.set(next.id, next);
    return next;
  }

  #collect(ids: Iterable<string>): Lease[] {
    const leases: Lease[] = [];
    for (const id of ids) {
      const lease = this.#leases.get(id);
      if (lease !== undefined) leases.push(lease);
    }
    return leases;
  }

  /** Forgets terminal leases past retention and expired idempotency keys, a bounded number per call. */
  #purge(now: number): void {
    for (let n = 0; n < PURGE_BATCH && this.#retiredHead < this.#retired.length; n++) {
      const retired = this.#retired[this.#retiredHead]!;
      if (retired.purgeAt > now) break;
      this.#retiredHead++;
      const lease = this.#leases.get(retired.id);
      if (lease === undefined) continue;
      this.#leases.delete(retired.id);
      const task = this.#byTask.get(lease.taskId);
      task?.delete(retired.id);
      if (task?.size === 0) this.#byTask.delete(lease.taskId);
    }
    // Drop the consumed head once it is most of the array, so the queue stays proportional to its content.
    if (this.#retiredHead > 1024 && this.#retiredHead * 2 > this.#retired.length) {
      this.#retired = this.#retired.slice(this.#retiredHead);
      this.#retiredHead = 0;
    }
    let swept = 0;
    for (const [key, record] of this.#idempotency) {
      if (swept >= PURGE_BATCH || record.expiresAt > now) break;
      this.#idempotency.delete(key);
      swept++;
    }
  }
}

function byId(a: Lease, b: Lease): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
