// The embedded lease store: in-process maps with exactly the Redis store's semantics, for `warrant dev`
// and tests. Nothing survives a restart. Scans here are linear; it is not meant for millions of leases.
import { WarrantError, isTerminal, newLeaseId, type Lease, type LeaseState, type Trigger } from '../../core/index.js';
import type { LeaseEventType } from '../events.js';
import {
  compareNewestFirst,
  compareOldestFirst,
  decodeListCursor,
  encodeListCursor,
  isAfterPosition,
  matchesFilter,
  selectionVerdict,
} from '../listing.js';
import {
  DEFAULT_TERMINAL_RETENTION_MS,
  MAX_ID_BATCH,
  MAX_LIST_LIMIT,
  checkBulkRevokeInput,
  checkFilter,
  checkIdempotencyClaim,
  checkLeaseId,
  checkLeaseIds,
  checkLimit,
  checkNewLease,
  checkPlacement,
  checkRenewInput,
  checkRevokeInput,
  checkSelection,
  checkTaskId,
  checkTime,
  pendingLease,
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
  BulkRevokeInput,
  BulkRevokeOutcome,
  ClaimOptions,
  ClaimResult,
  ConfirmedRevocation,
  CreateResult,
  DeferredRevocation,
  FinishOutcome,
  IdempotencyClaim,
  LeaseEventPage,
  LeaseFilter,
  LeasePage,
  LeasePlacement,
  LeaseSelection,
  LeaseStore,
  LocallyRevoked,
  NewLease,
  OperationProgress,
  OperationStep,
  ParkedRevocation,
  RenewInput,
  RevocationItem,
  RevocationOperation,
  RevocationQueueStats,
  RevokeInput,
  SelectionPage,
  StepOptions,
  StoredLeaseEvent,
  SweepResult,
} from '../store.js';

/** Housekeeping done per write, so no single call pays for a large backlog. */
const PURGE_BATCH = 100;
const DEFAULT_EVENTS_MAX_LEN = 10_000;

export interface MemoryLeaseStoreOptions {
  /** How long a revoked or expired lease stays readable before it is forgotten (default 24h). */
  readonly terminalRetentionMs?: number;
  /** Events kept (default 10000). */
  readonly eventsMaxLen?: number;
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

/** What the Redis hash keeps beside the Lease fields. */
interface Bookkeeping {
  queuedAt?: number;
  operation?: string;
}

interface Operation {
  readonly definition: RevocationOperation;
  owner: string;
  claimUntil: number;
  selecting: boolean;
  /** Every lease has been looked at (one step does it all here). */
  stepped: boolean;
  matched: number;
  accepted: number;
  already: number;
  confirmed: number;
  failed: number;
  readonly waiting: Set<string>;
}

function freezeLease(lease: Lease): Lease {
  Object.freeze(lease.scope);
  return Object.freeze(lease);
}

function without<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}

export class MemoryLeaseStore implements LeaseStore {
  readonly #retentionMs: number;
  readonly #eventsMaxLen: number;
  readonly #leases = new Map<string, Lease>();
  readonly #book = new Map<string, Bookkeeping>();
  readonly #byTask = new Map<string, Set<string>>();
  readonly #pending = new Set<string>();
  readonly #active = new Set<string>();
  /** Revoking lease id → time of its next attempt (or the end of its claim). */
  readonly #queue = new Map<string, number>();
  readonly #failed = new Set<string>();
  /** Keyed by owner and key; Map order is insertion order, which the expiry sweep relies on. */
  readonly #idempotency = new Map<string, IdempotencyRecord>();
  readonly #operations = new Map<string, Operation>();
  #events: { seq: number; event: StoredLeaseEvent }[] = [];
  #seq = 0;
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
    this.#eventsMaxLen = options.eventsMaxLen ?? DEFAULT_EVENTS_MAX_LEN;
  }

  newLeaseId(placement: LeasePlacement, now: number): string {
    this.#open();
    checkPlacement(placement);
    checkTime('now', now);
    return newLeaseId(now);
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

    const created = pendingLease(lease);
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

  async discardPending(id: string): Promise<boolean> {
    this.#open();
    checkLeaseId(id);
    const lease = this.#leases.get(id);
    if (lease === undefined || lease.state !== 'pending' || lease.idempotencyKey !== undefined) return false;
    this.#leases.delete(id);
    this.#pending.delete(id);
    this.#book.delete(id);
    const task = this.#byTask.get(lease.taskId);
    task?.delete(id);
    if (task?.size === 0) this.#byTask.delete(lease.taskId);
    return true;
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
    this.#emit('issued', active, now);
    return active;
  }

  async get(id: string): Promise<Lease | undefined> {
    this.#open();
    checkLeaseId(id);
    return this.#leases.get(id);
  }

  async getMany(ids: readonly string[]): Promise<(Lease | undefined)[]> {
    this.#open();
    checkLeaseIds(ids);
    return ids.map((id) => this.#leases.get(id));
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
    const renewed = this.#replace(lease, { expiresAt, renewals: lease.renewals + 1 });
    this.#emit('renewed', renewed, input.now);
    return renewed;
  }

  async beginRevoke(id: string, input: RevokeInput): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkRevokeInput(input);
    const lease = this.#require(id);
    if (input.owner !== undefined && lease.owner !== input.owner) throw notOwner(id, input.owner);
    if (lease.state !== 'pending' && lease.state !== 'active') return lease;
    return this.#accept(lease, input.trigger, input.reason, input.now, input.now);
  }

  async beginRevokeMany(ids: readonly string[], input: BulkRevokeInput): Promise<BulkRevokeOutcome[]> {
    this.#open();
    checkLeaseIds(ids);
    checkBulkRevokeInput(input);
    return ids.map((id): BulkRevokeOutcome => {
      const lease = this.#leases.get(id);
      if (lease === undefined) return { id, outcome: 'not_found' };
      const acceptable = lease.state === 'pending' || lease.state === 'active' || (input.requeueFailed === true && lease.state === 'revocation_failed');
      if (!acceptable) return { id, outcome: 'unchanged', lease };
      return { id, outcome: 'accepted', lease: this.#accept(lease, input.trigger, input.reason, input.now, input.claimUntil ?? input.now) };
    });
  }

  async finishRevoke(id: string, now: number): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkTime('now', now);
    const lease = this.#require(id);
    if (isTerminal(lease.state)) return lease;
    if (lease.state !== 'revoking') throw notRevoking(lease);
    return this.#finish(lease, now);
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
    return this.#dueActive(now, checkLimit(limit, MAX_ID_BATCH)).map((lease) => lease.id);
  }

  async stalePending(writtenBefore: number, limit: number): Promise<string[]> {
    this.#open();
    checkTime('writtenBefore', writtenBefore);
    return this.#stale(writtenBefore, checkLimit(limit, MAX_ID_BATCH)).map((lease) => lease.id);
  }

  async revoking(limit: number): Promise<string[]> {
    this.#open();
    const max = checkLimit(limit, MAX_ID_BATCH);
    return this.#queueOrder()
      .slice(0, max)
      .map(([id]) => id);
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

  // ── the revocation queue ───────────────────────────────────────────────────────────────────

  async expireDue(now: number, limit: number): Promise<SweepResult> {
    this.#open();
    checkTime('now', now);
    const max = checkLimit(limit, MAX_ID_BATCH);
    const due = this.#dueActive(now, max);
    for (const lease of due) this.#accept(lease, 'expired', 'lease reached its expiry', now, now);
    let next: number | undefined;
    for (const lease of this.#collect(this.#active)) if (next === undefined || lease.expiresAt < next) next = lease.expiresAt;
    return { accepted: due.length, more: due.length === max, ...(next === undefined ? {} : { nextDueAt: next }) };
  }

  async abandonStalePending(writtenBefore: number, now: number, limit: number, reason: string): Promise<SweepResult> {
    this.#open();
    checkTime('writtenBefore', writtenBefore);
    checkTime('now', now);
    const max = checkLimit(limit, MAX_ID_BATCH);
    const stale = this.#stale(writtenBefore, max);
    for (const lease of stale) this.#accept(lease, 'expired', reason, now, now);
    return { accepted: stale.length, more: stale.length === max };
  }

  async claimRevocations(options: ClaimOptions): Promise<ClaimResult> {
    this.#open();
    checkTime('now', options.now);
    checkTime('visibilityMs', options.visibilityMs);
    const max = checkLimit(options.limit, MAX_ID_BATCH);
    const items: RevocationItem[] = [];
    for (const [id, at] of this.#queueOrder()) {
      if (items.length >= max || at > options.now) break;
      const lease = this.#leases.get(id);
      if (lease === undefined || lease.state !== 'revoking') {
        this.#queue.delete(id);
        continue;
      }
      const pausedUntil = options.paused?.get(lease.provider);
      if (pausedUntil !== undefined) {
        this.#queue.set(id, pausedUntil);
        continue;
      }
      this.#queue.set(id, options.now + options.visibilityMs);
      items.push({ ...this.#item(lease), claimedUntil: options.now + options.visibilityMs });
    }
    const first = this.#queueOrder()[0];
    return { items, nextDueAt: first?.[1] };
  }

  async completeRevocations(done: readonly ConfirmedRevocation[], now: number): Promise<FinishOutcome[]> {
    this.#open();
    checkTime('now', now);
    checkLeaseIds(done.map((d) => d.leaseId));
    return done.map(({ leaseId, taskId }) => {
      const lease = this.#leases.get(leaseId);
      if (lease === undefined || lease.taskId !== taskId) return { leaseId, state: undefined };
      if (lease.state !== 'revoking') return { leaseId, state: lease.state };
      return { leaseId, state: this.#finish(lease, now).state };
    });
  }

  async deferRevocations(later: readonly DeferredRevocation[], now: number): Promise<void> {
    this.#open();
    checkTime('now', now);
    checkLeaseIds(later.map((d) => d.leaseId));
    for (const d of later) {
      const lease = this.#leases.get(d.leaseId);
      const score = this.#queue.get(d.leaseId);
      if (lease?.state !== 'revoking' || score === undefined || (d.heldUntil !== undefined && score !== d.heldUntil)) continue;
      this.#queue.set(d.leaseId, d.retryAt);
      const changes: Partial<Lease> = {};
      if (d.attempted) Object.assign(changes, { revocationAttempts: (lease.revocationAttempts ?? 0) + 1 });
      if (d.error !== undefined && d.error !== '') Object.assign(changes, { revocationError: d.error });
      if (Object.keys(changes).length > 0) this.#replace(lease, changes);
    }
  }

  async parkRevocations(parked: readonly ParkedRevocation[], now: number): Promise<FinishOutcome[]> {
    this.#open();
    checkTime('now', now);
    checkLeaseIds(parked.map((d) => d.leaseId));
    return parked.map(({ leaseId, error }) => {
      const lease = this.#leases.get(leaseId);
      if (lease === undefined) return { leaseId, state: undefined };
      if (lease.state !== 'revoking') return { leaseId, state: lease.state };
      const failed = this.#replace(lease, { state: 'revocation_failed', revocationError: error });
      this.#queue.delete(leaseId);
      this.#failed.add(leaseId);
      const operation = this.#operations.get(this.#book.get(leaseId)?.operation ?? '');
      if (operation !== undefined) operation.failed++;
      this.#emit('revocation_failed', failed, now);
      return { leaseId, state: failed.state };
    });
  }

  async revocationStats(now: number): Promise<RevocationQueueStats> {
    this.#open();
    let due = 0;
    for (const at of this.#queue.values()) if (at <= now) due++;
    return { queued: this.#queue.size, due, failed: this.#failed.size };
  }

  // ── mass revocation ────────────────────────────────────────────────────────────────────────

  async countSelection(selection: LeaseSelection, upTo: number, sampleSize: number, cursor?: string): Promise<SelectionPage> {
    this.#open();
    checkSelection(selection);
    checkTime('upTo', upTo);
    if (cursor !== undefined) throw new WarrantError('ERR_INVALID_ARGUMENT', 'invalid selection cursor');
    const matched = this.#select(selection, upTo).filter(([, verdict]) => verdict !== 'no');
    return { matched: matched.length, sample: matched.slice(0, sampleSize).map(([lease]) => lease.id) };
  }

  async createOperation(operation: RevocationOperation, owner: string, claimUntil: number): Promise<void> {
    this.#open();
    checkSelection(operation.selection);
    if (this.#operations.has(operation.id)) throw new WarrantError('ERR_INTERNAL', `revocation operation ${operation.id} already exists`);
    this.#operations.set(operation.id, {
      definition: operation,
      owner,
      claimUntil,
      selecting: true,
      stepped: false,
      matched: 0,
      accepted: 0,
      already: 0,
      confirmed: 0,
      failed: 0,
      waiting: new Set(),
    });
  }

  async claimOperation(owner: string, now: number, claimUntil: number): Promise<RevocationOperation | undefined> {
    this.#open();
    for (const op of this.#operations.values()) {
      if (op.selecting && op.claimUntil <= now) {
        op.owner = owner;
        op.claimUntil = claimUntil;
        return op.definition;
      }
    }
    return undefined;
  }

  async extendOperation(id: string, owner: string, claimUntil: number): Promise<boolean> {
    this.#open();
    const op = this.#operations.get(id);
    if (op === undefined || !op.selecting || op.owner !== owner) return false;
    op.claimUntil = claimUntil;
    return true;
  }

  async stepOperation(operation: RevocationOperation, budget: number, now: number, options: StepOptions = {}): Promise<OperationStep> {
    this.#open();
    checkLimit(budget, MAX_ID_BATCH);
    const { claim, localProviders } = options;
    const op = this.#operations.get(operation.id);
    if (op === undefined || !op.selecting || op.stepped) return { done: true, claimed: [], revoked: [] };
    const claimed: RevocationItem[] = [];
    const revoked: LocallyRevoked[] = [];
    // One step selects everything: the whole store is in this process anyway.
    for (const [lease, verdict] of this.#select(operation.selection, operation.upTo)) {
      if (verdict === 'no') continue;
      op.matched++;
      if (verdict === 'already') {
        op.already++;
        continue;
      }
      // An operator's retry of a lease given up on goes through the queue, as in the Redis store.
      if (lease.state !== 'revocation_failed' && localProviders?.get(lease.provider) === lease.providerKind) {
        revoked.push(this.#revokeAtOnce(lease, operation, now));
        op.accepted++;
        op.confirmed++;
        continue;
      }
      const claiming = claim !== undefined && claimed.length < claim.max && lease.state !== 'revocation_failed';
      const accepted = this.#accept(lease, operation.trigger, operation.reason, now, claiming ? claim.until : now);
      this.#book.set(lease.id, { ...this.#book.get(lease.id), operation: operation.id });
      op.accepted++;
      op.waiting.add(lease.id);
      if (claiming) claimed.push({ ...this.#item(accepted), claimedUntil: claim.until });
    }
    op.stepped = true;
    if (revoked.length > 0) options.onRevoked?.(revoked);
    return { done: true, claimed, revoked };
  }

  async finishOperation(id: string, _now: number): Promise<void> {
    this.#open();
    const op = this.#operations.get(id);
    if (op !== undefined) op.selecting = false;
  }

  async operationProgress(id: string): Promise<OperationProgress | undefined> {
    this.#open();
    const op = this.#operations.get(id);
    if (op === undefined) return undefined;
    return {
      matched: op.matched,
      accepted: op.accepted,
      alreadyRevoking: op.already,
      confirmed: op.confirmed,
      failed: op.failed,
      selecting: op.selecting,
    };
  }

  async operationUnconfirmed(id: string, limit: number): Promise<string[]> {
    this.#open();
    const max = checkLimit(limit, MAX_LIST_LIMIT);
    return [...(this.#operations.get(id)?.waiting ?? [])].sort().slice(0, max);
  }

  // ── events ────────────────────────────────────────────────────────────────────────────────

  async readEvents(cursor: string | undefined, limit: number): Promise<LeaseEventPage> {
    this.#open();
    const max = checkLimit(limit, MAX_ID_BATCH);
    if (cursor === undefined) return { events: [], cursor: String(this.#seq) };
    const after = Number(cursor);
    if (!Number.isSafeInteger(after) || after < 0) throw new WarrantError('ERR_INVALID_ARGUMENT', 'invalid event cursor');
    const page = this.#events.filter((e) => e.seq > after).slice(0, max);
    return { events: page.map((e) => e.event), cursor: String(page[page.length - 1]?.seq ?? after) };
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

  #dueActive(now: number, max: number): Lease[] {
    return this.#collect(this.#active)
      .filter((lease) => lease.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt || byId(a, b))
      .slice(0, max);
  }

  #stale(writtenBefore: number, max: number): Lease[] {
    return this.#collect(this.#pending)
      .filter((lease) => lease.issuedAt <= writtenBefore)
      .sort((a, b) => a.issuedAt - b.issuedAt || byId(a, b))
      .slice(0, max);
  }

  #queueOrder(): [string, number][] {
    return [...this.#queue].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  #select(selection: LeaseSelection, upTo: number): [Lease, 'accept' | 'already' | 'no'][] {
    const ids = selection.leaseIds !== undefined && selection.leaseIds.length > 0 ? selection.leaseIds : undefined;
    const source = ids !== undefined ? this.#collect(new Set(ids)) : selection.taskId !== undefined ? this.#collect(this.#byTask.get(selection.taskId) ?? []) : [...this.#leases.values()];
    return source.sort(compareOldestFirst).map((lease) => [lease, selectionVerdict(lease, selection, upTo)]);
  }

  /** pending|active (or revocation_failed, on an operator's retry) → revoking, queued at `dueAt`. */
  #accept(lease: Lease, trigger: Trigger, reason: string | undefined, now: number, dueAt: number): Lease {
    let next: Lease;
    if (lease.state === 'revocation_failed') {
      // The first trigger and request time stay; the give-up window starts again.
      next = this.#replace(without(lease, 'revocationAttempts'), { state: 'revoking' });
      this.#book.set(lease.id, { ...this.#book.get(lease.id), queuedAt: now });
      this.#failed.delete(lease.id);
    } else {
      next = this.#replace(lease, { state: 'revoking', trigger, revokeRequestedAt: now, ...(reason === undefined ? {} : { reason }) });
      this.#pending.delete(lease.id);
      this.#active.delete(lease.id);
    }
    this.#queue.set(lease.id, dueAt);
    this.#emit('revoking', next, now);
    return next;
  }

  /**
   * pending|active → revoked (or expired) in one step, for a provider whose revocation is local:
   * accepted and confirmed at once, with a `revoked` event and no `revoking` one.
   */
  #revokeAtOnce(lease: Lease, operation: RevocationOperation, now: number): LocallyRevoked {
    const { trigger, reason } = operation;
    const state: 'revoked' | 'expired' = trigger === 'expired' ? 'expired' : 'revoked';
    const base = without(lease, 'reason');
    const finished = freezeLease({ ...base, state, trigger, revokeRequestedAt: now, revokedAt: now, ...(reason === undefined ? {} : { reason }) });
    this.#leases.set(lease.id, finished);
    this.#pending.delete(lease.id);
    this.#active.delete(lease.id);
    this.#book.delete(lease.id);
    this.#retired.push({ id: lease.id, purgeAt: now + this.#retentionMs });
    this.#emit(state, finished, now);
    this.#purge(now);
    // Its book is gone: the item is queued now, by this operation.
    return { ...this.#item(finished), queuedAt: now, operation: operation.id, state, revokedAt: now };
  }

  #finish(lease: Lease, now: number): Lease {
    const state: LeaseState = lease.trigger === 'expired' ? 'expired' : 'revoked';
    const finished = freezeLease({ ...without(lease, 'revocationAttempts', 'revocationError'), state, revokedAt: now });
    this.#leases.set(lease.id, finished);
    this.#queue.delete(lease.id);
    const book = this.#book.get(lease.id);
    const operation = this.#operations.get(book?.operation ?? '');
    if (operation !== undefined) {
      operation.confirmed++;
      operation.waiting.delete(lease.id);
    }
    this.#book.delete(lease.id);
    this.#retired.push({ id: lease.id, purgeAt: now + this.#retentionMs });
    this.#emit(state, finished, now);
    this.#purge(now);
    return finished;
  }

  #item(lease: Lease): RevocationItem {
    const book = this.#book.get(lease.id);
    const requested = lease.revokeRequestedAt ?? 0;
    return {
      leaseId: lease.id,
      provider: lease.provider,
      providerKind: lease.providerKind,
      handle: lease.handle,
      owner: lease.owner,
      taskId: lease.taskId,
      trigger: lease.trigger ?? 'operator',
      expiresAt: lease.expiresAt,
      revokeRequestedAt: requested,
      queuedAt: book?.queuedAt ?? requested,
      attempts: lease.revocationAttempts ?? 0,
      ...(lease.reason === undefined ? {} : { reason: lease.reason }),
      ...(book?.operation === undefined ? {} : { operation: book.operation }),
    };
  }

  #emit(type: LeaseEventType, lease: Lease, at: number): void {
    this.#seq++;
    this.#events.push({
      seq: this.#seq,
      event: {
        type,
        leaseId: lease.id,
        taskId: lease.taskId,
        owner: lease.owner,
        state: lease.state,
        expiresAt: lease.expiresAt,
        at,
        ...(lease.trigger === undefined ? {} : { trigger: lease.trigger }),
      },
    });
    if (this.#events.length > this.#eventsMaxLen * 2) this.#events = this.#events.slice(-this.#eventsMaxLen);
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
