// The production lease store on Redis (one server, Sentinel or Cluster). Every state change is one
// Lua script in one shard (see ./lua and the README beside this file); reads of many leases are
// pipelined per shard. Nothing is loaded into memory at start-up.
import type { Cluster, Redis } from 'ioredis';
import { Batcher, WarrantError, type Lease } from '../../core/index.js';
import {
  compareNewestFirst,
  compareOldestFirst,
  decodeListCursor,
  encodeListCursor,
  isAfterPosition,
  matchesFilter,
  type ListPosition,
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
  placementKey,
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
  wrongPlacement,
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
  NewLease,
  OperationProgress,
  OperationStep,
  ParkedRevocation,
  RenewInput,
  RevocationOperation,
  RevocationQueueStats,
  RevokeInput,
  SelectionPage,
  StepOptions,
  SweepResult,
} from '../store.js';
import { DEFAULT_SHARD_COUNT, leaseStoreKeys, type ShardKeys } from './keys.js';
import { fieldsFromPackedReply, leaseFromFields, pendingLeaseFields } from './lease-hash.js';
import { registerLeaseScripts, runLeaseScript, type RedisConnection } from './lease-scripts.js';
import { createRedisClient, duplicateForBulk, type RedisClientOptions } from './redis-client.js';
import { RedisContext, scoredPairs, unexpectedReply } from './redis-context.js';
import { readEvents } from './redis-events.js';
import * as queue from './redis-revocation-queue.js';
import * as selection from './redis-selection.js';
import { ScriptResult } from './script-result.js';

/** Leases read per pipeline. */
const READ_BATCH = 500;
/** Index entries one filtered `list` call looks at before it returns a short page with a cursor. */
const LIST_SCAN_BUDGET = 5000;
/** Events kept per shard stream; readers that fall further behind miss the oldest. */
export const DEFAULT_EVENTS_MAX_LEN = 10_000;
/** Version of the key layout; a store refuses a Redis holding another. */
const SCHEMA_VERSION = '3';

export interface RedisLeaseStoreOptions {
  /** Prefix of every key; must hold a hash tag (default `warrant:{w}:`). Each shard gets its own tag. */
  readonly keyPrefix?: string;
  /** Number of shards (default 16). Fixed for the life of the data: start-up refuses a different count. */
  readonly shards?: number;
  /** How long a revoked or expired lease stays readable (default 24h). */
  readonly terminalRetentionMs?: number;
  /** Events kept per shard (default 10000). */
  readonly eventsMaxLen?: number;
  /** When true, close() also closes the client. Default false: the client belongs to its creator. */
  readonly closeClient?: boolean;
}

/** Writes of one kind (createPending, activate) gathered into one script call per shard, at most this many. */
const WRITES_PER_SCRIPT = 32;

/** Pending leases remembered until they are activated, at most. */
const PENDING_REMEMBERED = 10_000;

/** One lease's part of a batched write: its keys and its arguments. */
interface ShardWrite {
  readonly keys: readonly string[];
  readonly item: readonly string[];
}

interface ScriptReply {
  readonly code: number;
  readonly reply: readonly unknown[];
}

function clientSecrets(client: RedisConnection): string[] {
  const options = (client as Cluster).isCluster === true
    ? ((client as Cluster).options.redisOptions ?? {})
    : (client as Redis).options;
  return [options.password, options.username].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

function clientKeyPrefix(client: RedisConnection): string | undefined {
  if ((client as Cluster).isCluster === true) {
    const o = (client as Cluster).options;
    return o.keyPrefix ?? o.redisOptions?.keyPrefix;
  }
  return (client as Redis).options.keyPrefix;
}

export class RedisLeaseStore implements LeaseStore {
  readonly #ctx: RedisContext;
  /** Sweeps, queue batches, selections and events: a connection of their own once open() made one. */
  #bulk: RedisContext;
  #ownBulk = false;
  readonly #closeClient: boolean;
  #closed = false;
  readonly #creates = new Map<number, Batcher<ShardWrite, unknown[]>>();
  readonly #activations = new Map<number, Batcher<ShardWrite, unknown[]>>();
  /** Leases this store wrote pending and has not activated yet: activation replies only what it changed. */
  readonly #pending = new Map<string, Lease>();

  /** Connects with createRedisClient and returns a checked store that owns (and on close, closes) the client. */
  static async connect(url: string, options: RedisLeaseStoreOptions & RedisClientOptions = {}): Promise<RedisLeaseStore> {
    const client = await createRedisClient(url, options);
    try {
      return await RedisLeaseStore.open(client, { ...options, closeClient: true });
    } catch (err) {
      client.disconnect();
      throw err;
    }
  }

  /**
   * A store on the client, after checking that Redis holds this layout (schema and shard count) or
   * nothing yet. One round trip: start-up time does not depend on how many leases there are.
   */
  static async open(client: RedisConnection, options: RedisLeaseStoreOptions = {}): Promise<RedisLeaseStore> {
    const store = new RedisLeaseStore(client, options);
    await store.#checkLayout();
    const bulk = await store.#ctx.call('open', () => duplicateForBulk(client));
    registerLeaseScripts(bulk);
    store.#bulk = store.#ctx.with(bulk);
    store.#ownBulk = true;
    return store;
  }

  constructor(client: RedisConnection, options: RedisLeaseStoreOptions = {}) {
    if (clientKeyPrefix(client)) {
      // ioredis would prefix keys behind our back and move them off the shards' hash tags.
      throw new WarrantError('ERR_CONFIG', 'the Redis client must not set keyPrefix; use the store keyPrefix option');
    }
    const retention = options.terminalRetentionMs ?? DEFAULT_TERMINAL_RETENTION_MS;
    if (!Number.isSafeInteger(retention) || retention <= 0) {
      throw new WarrantError('ERR_CONFIG', 'terminalRetentionMs must be a positive integer of milliseconds');
    }
    const maxLen = options.eventsMaxLen ?? DEFAULT_EVENTS_MAX_LEN;
    if (!Number.isSafeInteger(maxLen) || maxLen <= 0) throw new WarrantError('ERR_CONFIG', 'eventsMaxLen must be a positive integer');
    const keys = leaseStoreKeys(options.keyPrefix, options.shards ?? DEFAULT_SHARD_COUNT);
    this.#ctx = new RedisContext(client, keys, retention, maxLen, clientSecrets(client));
    this.#bulk = this.#ctx;
    this.#closeClient = options.closeClient ?? false;
    registerLeaseScripts(client);
  }

  async #checkLayout(): Promise<void> {
    const { keys } = this.#ctx;
    const shards = String(keys.shards.length);
    const [, , layout] = await this.#ctx.pipeline('open', (p) => {
      p.hsetnx(keys.meta, 'schema', SCHEMA_VERSION);
      p.hsetnx(keys.meta, 'shards', shards);
      p.hmget(keys.meta, 'schema', 'shards');
    });
    const [schema, count] = layout as [string | null, string | null];
    if (schema !== SCHEMA_VERSION) {
      throw new WarrantError('ERR_CONFIG', `Redis at key prefix ${keys.prefix} holds lease data of schema ${schema ?? '?'}; this server writes schema ${SCHEMA_VERSION}`);
    }
    if (count !== shards) {
      throw new WarrantError(
        'ERR_CONFIG',
        `Redis at key prefix ${keys.prefix} holds leases in ${count ?? '?'} shards, but the store is configured with ${shards}; the shard count cannot change while leases exist`,
      );
    }
  }

  newLeaseId(placement: LeasePlacement, now: number): string {
    this.#open();
    checkPlacement(placement);
    checkTime('now', now);
    const keys = this.#ctx.keys;
    return keys.newLeaseId(keys.placementShard(placementKey(placement)), now);
  }

  async createPending(lease: NewLease, idempotency?: IdempotencyClaim): Promise<CreateResult> {
    this.#open();
    checkNewLease(lease);
    if (idempotency !== undefined) checkIdempotencyClaim(idempotency);
    const { keys, retentionMs } = this.#ctx;
    const shard = keys.shardOf(lease.id);
    if (idempotency !== undefined) {
      // The claim must live where every retry of this request looks for it: the placement's shard.
      const expected = keys.placementShard(placementKey({ owner: lease.owner, taskId: lease.taskId, idempotencyKey: idempotency.key }));
      if (expected !== shard.index) throw wrongPlacement(lease.id);
    }
    const leaseKey = shard.lease(lease.id);
    // A key never outlives the lease it points to.
    const claimTtl = idempotency === undefined ? 0 : Math.min(idempotency.ttlMs, retentionMs);
    const fields = pendingLeaseFields(lease);

    // The record may point to a lease whose retention ended; then it is replaced on the next pass.
    let staleLeaseId = '';
    for (let pass = 0; pass < 2; pass++) {
      const reply = await this.#batch(this.#creates, shard, 'createPending').add({
        keys: [leaseKey, shard.task(lease.taskId), idempotency === undefined ? leaseKey : shard.idempotency(lease.owner, idempotency.key)],
        item: [
          lease.id,
          String(lease.issuedAt),
          idempotency === undefined ? '0' : '1',
          idempotency?.requestDigest ?? '',
          String(claimTtl),
          String(lease.issuedAt + claimTtl),
          staleLeaseId,
          String(lease.maxExpiresAt + retentionMs),
          ...fields,
        ],
      });
      const code = reply[0];
      if (code === ScriptResult.Created) {
        const created = pendingLease(lease);
        this.#rememberPending(created);
        return { outcome: 'created', lease: created };
      }
      if (code === ScriptResult.LeaseIdTaken) throw leaseIdTaken(lease.id);
      if (code !== ScriptResult.Existing && code !== ScriptResult.Conflict) throw unexpectedReply('createPending');
      const existingId = reply[1];
      if (typeof existingId !== 'string') throw unexpectedReply('createPending');
      const existing = await this.get(existingId);
      if (existing !== undefined) {
        return { outcome: code === ScriptResult.Existing ? 'existing' : 'conflict', lease: existing };
      }
      staleLeaseId = existingId;
    }
    throw unexpectedReply('createPending');
  }

  async discardPending(id: string): Promise<boolean> {
    this.#open();
    checkLeaseId(id);
    this.#pending.delete(id);
    const lease = await this.get(id);
    if (lease === undefined || lease.state !== 'pending') return false;
    const shard = this.#ctx.keys.shardOf(id);
    const reply = await this.#ctx.call('discardPending', () =>
      runLeaseScript(this.#ctx.client, 'discardPending', [shard.lease(id), shard.pending, shard.all, shard.task(lease.taskId)], [id]),
    );
    return reply === 1;
  }

  async activate(id: string, expiresAt: number, now: number): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkTime('expiresAt', expiresAt);
    checkTime('now', now);
    const shard = this.#ctx.keys.shardOf(id);
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    const reply = await this.#batch(this.#activations, shard, 'activate').add({ keys: [shard.lease(id)], item: [id, String(expiresAt), String(now)] });
    if (typeof reply[0] !== 'number') throw unexpectedReply('activate');
    if (reply[0] !== ScriptResult.Changed) return this.#leaseOrError({ code: reply[0], reply }, id, 'activate', { wrongState: notActivatable });
    // Only the state and the expiry changed since the lease was written pending.
    const activated = Number(reply[1]);
    if (!Number.isSafeInteger(activated)) throw unexpectedReply('activate');
    if (pending !== undefined) return Object.freeze({ ...pending, state: 'active', expiresAt: activated });
    const lease = await this.get(id);
    if (lease === undefined) throw leaseNotFound(id);
    return lease;
  }

  async get(id: string): Promise<Lease | undefined> {
    this.#open();
    checkLeaseId(id);
    const fields = await this.#ctx.call('get', () => this.#ctx.client.hgetall(this.#ctx.keys.shardOf(id).lease(id)));
    return Object.keys(fields).length === 0 ? undefined : leaseFromFields(id, fields);
  }

  async getMany(ids: readonly string[]): Promise<(Lease | undefined)[]> {
    this.#open();
    checkLeaseIds(ids);
    return this.#readLeases(ids, 'getMany');
  }

  async renew(id: string, input: RenewInput): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkRenewInput(input);
    const shard = this.#ctx.keys.shardOf(id);
    const result = await this.#script(
      'renew',
      [shard.lease(id), shard.expiry, shard.events],
      [id, input.owner === undefined ? '0' : '1', input.owner ?? '', String(input.expiresAt), String(input.now), String(this.#ctx.eventsMaxLen)],
    );
    return this.#leaseOrError(result, id, 'renew', { wrongState: notRenewable, caller: input.owner });
  }

  async beginRevoke(id: string, input: RevokeInput): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkRevokeInput(input);
    const [r] = await queue.beginRevokeInShard(this.#ctx, this.#ctx.keys.shardOf(id), [id], {
      trigger: input.trigger,
      now: input.now,
      dueAt: input.now,
      condition: 'any',
      withFields: true,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
      ...(input.owner === undefined ? {} : { owner: input.owner }),
    });
    if (r === undefined) throw unexpectedReply('beginRevoke');
    if ((r.code === ScriptResult.Changed || r.code === ScriptResult.Unchanged) && r.fields !== undefined) return leaseFromFields(id, r.fields);
    if (r.code === ScriptResult.LeaseNotFound) throw leaseNotFound(id);
    if (r.code === ScriptResult.NotOwner && input.owner !== undefined) throw notOwner(id, input.owner);
    throw unexpectedReply('beginRevoke');
  }

  async beginRevokeMany(ids: readonly string[], input: BulkRevokeInput): Promise<BulkRevokeOutcome[]> {
    this.#open();
    checkLeaseIds(ids);
    checkBulkRevokeInput(input);
    const replies = await queue.beginRevokeIds(this.#ctx, ids, {
      trigger: input.trigger,
      now: input.now,
      dueAt: input.claimUntil ?? input.now,
      condition: 'any',
      withFields: true,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
      ...(input.requeueFailed === undefined ? {} : { requeueFailed: input.requeueFailed }),
    });
    return replies.map((r): BulkRevokeOutcome => {
      if (r.fields === undefined || (r.code !== ScriptResult.Changed && r.code !== ScriptResult.Unchanged)) {
        return { id: r.id, outcome: 'not_found' };
      }
      return { id: r.id, outcome: r.code === ScriptResult.Changed ? 'accepted' : 'unchanged', lease: leaseFromFields(r.id, r.fields) };
    });
  }

  async finishRevoke(id: string, now: number): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkTime('now', now);
    const key = this.#ctx.keys.shardOf(id).lease(id);
    // The task index key comes from the lease; a task id never changes, and the script checks it.
    const [taskId, operation] = await this.#ctx.call('finishRevoke', () => this.#ctx.client.hmget(key, 't', 'op'));
    if (taskId === null || taskId === undefined) throw leaseNotFound(id);
    const [outcome] = await queue.completeRevocations(
      this.#ctx,
      [{ leaseId: id, taskId, ...(operation === null || operation === undefined ? {} : { operation }) }],
      now,
    );
    const lease = await this.get(id);
    if (outcome?.state === undefined || lease === undefined) throw leaseNotFound(id);
    if (lease.state === 'revoked' || lease.state === 'expired' || lease.state === 'revocation_failed') return lease;
    throw notRevoking(lease);
  }

  async listByTask(taskId: string): Promise<Lease[]> {
    this.#open();
    checkTaskId(taskId);
    const ids = await this.#ctx.eachShard((shard) => this.#ctx.call('listByTask', () => this.#ctx.client.zrange(shard.task(taskId), '0', '-1')));
    const leases = await this.#readLeases(ids.flat(), 'listByTask');
    return leases.filter((lease): lease is Lease => lease !== undefined).sort(compareOldestFirst);
  }

  async dueForExpiry(now: number, limit: number): Promise<string[]> {
    this.#open();
    checkTime('now', now);
    return this.#mergedRange('dueForExpiry', (s) => s.expiry, '-inf', String(now), checkLimit(limit, MAX_ID_BATCH));
  }

  async stalePending(writtenBefore: number, limit: number): Promise<string[]> {
    this.#open();
    checkTime('writtenBefore', writtenBefore);
    return this.#mergedRange('stalePending', (s) => s.pending, '-inf', String(writtenBefore), checkLimit(limit, MAX_ID_BATCH));
  }

  async revoking(limit: number): Promise<string[]> {
    this.#open();
    return this.#mergedRange('revoking', (s) => s.queue, '-inf', '+inf', checkLimit(limit, MAX_ID_BATCH));
  }

  async list(filter: LeaseFilter, limit: number, cursor?: string): Promise<LeasePage> {
    this.#open();
    checkFilter(filter);
    const max = checkLimit(limit, MAX_LIST_LIMIT);
    const after = cursor === undefined ? undefined : decodeListCursor(cursor);
    if (filter.taskId !== undefined) return this.#listTask(filter.taskId, filter, max, after);

    const unfiltered = filter.owner === undefined && filter.provider === undefined && (filter.states ?? []).length === 0;
    const batchSize = unfiltered ? max + 1 : Math.min(Math.max(max * 4, 100), 1000);
    const page: Lease[] = [];
    let position = after;
    let examined = 0;
    for (;;) {
      const { entries, exhausted } = await this.#allBatch(position, batchSize);
      const leases = await this.#readLeases(entries.map((e) => e.id), 'list');
      for (let i = 0; i < entries.length; i++) {
        position = entries[i]!;
        examined++;
        const lease = leases[i];
        if (lease === undefined || !matchesFilter(lease, filter)) continue;
        page.push(lease);
        if (page.length === max) {
          const moreHere = leases.slice(i + 1).some((l) => l !== undefined && matchesFilter(l, filter));
          return moreHere || !exhausted ? { leases: page, cursor: encodeListCursor(lease) } : { leases: page };
        }
      }
      if (exhausted) return { leases: page };
      // A filter that matches little must not turn one call into a scan of every lease.
      if (examined >= LIST_SCAN_BUDGET && position !== undefined) {
        return { leases: page, cursor: encodeListCursor(position) };
      }
    }
  }

  // ── the revocation queue ───────────────────────────────────────────────────────────────────

  async expireDue(now: number, limit: number): Promise<SweepResult> {
    this.#open();
    checkTime('now', now);
    return queue.expireDue(this.#bulk, now, checkLimit(limit, MAX_ID_BATCH));
  }

  async abandonStalePending(writtenBefore: number, now: number, limit: number, reason: string): Promise<SweepResult> {
    this.#open();
    checkTime('writtenBefore', writtenBefore);
    checkTime('now', now);
    return queue.abandonStalePending(this.#bulk, writtenBefore, now, checkLimit(limit, MAX_ID_BATCH), reason);
  }

  async claimRevocations(options: ClaimOptions): Promise<ClaimResult> {
    this.#open();
    checkTime('now', options.now);
    checkTime('visibilityMs', options.visibilityMs);
    return queue.claimRevocations(this.#bulk, { ...options, limit: checkLimit(options.limit, MAX_ID_BATCH) });
  }

  async completeRevocations(done: readonly ConfirmedRevocation[], now: number): Promise<FinishOutcome[]> {
    this.#open();
    checkTime('now', now);
    checkLeaseIds(done.map((d) => d.leaseId));
    return done.length === 0 ? [] : queue.completeRevocations(this.#bulk, done, now);
  }

  async deferRevocations(later: readonly DeferredRevocation[], now: number): Promise<void> {
    this.#open();
    checkTime('now', now);
    checkLeaseIds(later.map((d) => d.leaseId));
    if (later.length > 0) await queue.deferRevocations(this.#bulk, later, now);
  }

  async parkRevocations(parked: readonly ParkedRevocation[], now: number): Promise<FinishOutcome[]> {
    this.#open();
    checkTime('now', now);
    checkLeaseIds(parked.map((d) => d.leaseId));
    return parked.length === 0 ? [] : queue.parkRevocations(this.#bulk, parked, now);
  }

  async revocationStats(now: number): Promise<RevocationQueueStats> {
    this.#open();
    return queue.revocationStats(this.#bulk, now);
  }

  // ── mass revocation ────────────────────────────────────────────────────────────────────────

  async countSelection(s: LeaseSelection, upTo: number, sampleSize: number, cursor?: string): Promise<SelectionPage> {
    this.#open();
    checkSelection(s);
    checkTime('upTo', upTo);
    return selection.countSelection(this.#bulk, s, upTo, sampleSize, cursor);
  }

  async createOperation(operation: RevocationOperation, owner: string, claimUntil: number): Promise<void> {
    this.#open();
    checkSelection(operation.selection);
    await selection.createOperation(this.#bulk, operation, owner, claimUntil);
  }

  async claimOperation(owner: string, now: number, claimUntil: number): Promise<RevocationOperation | undefined> {
    this.#open();
    return selection.claimOperation(this.#bulk, owner, now, claimUntil);
  }

  async extendOperation(id: string, owner: string, claimUntil: number): Promise<boolean> {
    this.#open();
    return selection.extendOperation(this.#bulk, id, owner, claimUntil);
  }

  async stepOperation(operation: RevocationOperation, budget: number, now: number, options: StepOptions = {}): Promise<OperationStep> {
    this.#open();
    return selection.stepOperation(this.#bulk, operation, checkLimit(budget, MAX_ID_BATCH), now, options);
  }

  async finishOperation(id: string, now: number): Promise<void> {
    this.#open();
    await selection.finishOperation(this.#bulk, id, now);
  }

  async operationProgress(id: string): Promise<OperationProgress | undefined> {
    this.#open();
    return selection.operationProgress(this.#bulk, id);
  }

  async operationUnconfirmed(id: string, limit: number): Promise<string[]> {
    this.#open();
    return selection.operationUnconfirmed(this.#bulk, id, checkLimit(limit, MAX_LIST_LIMIT));
  }

  // ── events ────────────────────────────────────────────────────────────────────────────────

  async readEvents(cursor: string | undefined, limit: number): Promise<LeaseEventPage> {
    this.#open();
    return readEvents(this.#bulk, cursor, checkLimit(limit, MAX_ID_BATCH));
  }

  async ping(): Promise<void> {
    this.#open();
    await this.#ctx.call('ping', () => this.#ctx.client.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownBulk) {
      await this.#bulk.client.quit().catch(() => this.#bulk.client.disconnect());
    }
    if (!this.#closeClient) return;
    try {
      await this.#ctx.client.quit();
    } catch {
      this.#ctx.client.disconnect();
    }
  }

  #open(): void {
    if (this.#closed) throw storeClosed();
  }

  #rememberPending(lease: Lease): void {
    // Bounded: a lease never activated here (its issue failed) must not stay for ever; one that is
    // forgotten is read back when it is activated.
    if (this.#pending.size >= PENDING_REMEMBERED) this.#pending.delete(this.#pending.keys().next().value!);
    this.#pending.set(lease.id, lease);
  }

  /**
   * The batcher of one shard's writes of a kind: the calls made while the event loop runs what is
   * ready now go to Redis as one script, in the order they were made.
   */
  #batch(batchers: Map<number, Batcher<ShardWrite, unknown[]>>, shard: ShardKeys, name: 'createPending' | 'activate'): Batcher<ShardWrite, unknown[]> {
    let batcher = batchers.get(shard.index);
    if (batcher === undefined) {
      batcher = new Batcher((writes) => this.#runBatch(shard, name, writes), WRITES_PER_SCRIPT);
      batchers.set(shard.index, batcher);
    }
    return batcher;
  }

  async #runBatch(shard: ShardKeys, name: 'createPending' | 'activate', writes: readonly ShardWrite[]): Promise<unknown[][]> {
    const keys = name === 'createPending' ? [shard.pending, shard.all] : [shard.pending, shard.expiry, shard.events];
    // createPending prunes task indexes up to the earliest issue time of its leases (each lease's second argument).
    let earliest = Number.MAX_SAFE_INTEGER;
    if (name === 'createPending') for (const w of writes) earliest = Math.min(earliest, Number(w.item[1]));
    for (const w of writes) for (const k of w.keys) keys.push(k);
    // Every lease's arguments in one JSON text: a script argument costs ioredis and Redis far more
    // than a few bytes of JSON do.
    const leases = JSON.stringify(writes.map((w) => w.item));
    const replies = await this.#ctx.packedScript(name, keys, [name === 'createPending' ? String(earliest) : String(this.#ctx.eventsMaxLen), leases]);
    if (replies.length !== writes.length || !replies.every(Array.isArray)) throw unexpectedReply(name);
    return replies as unknown[][];
  }

  async #script(name: 'renew', keys: readonly string[], args: readonly string[]): Promise<ScriptReply> {
    const reply = await this.#ctx.script(name, keys, args);
    if (typeof reply[0] !== 'number') throw unexpectedReply(name);
    return { code: reply[0], reply };
  }

  #leaseOrError(
    { code, reply }: ScriptReply,
    id: string,
    operation: string,
    on: { readonly wrongState?: (lease: Lease) => WarrantError; readonly caller?: string | undefined },
  ): Lease {
    const lease = () => leaseFromFields(id, fieldsFromPackedReply(reply, 1));
    switch (code) {
      case ScriptResult.Changed:
      case ScriptResult.Unchanged:
        return lease();
      case ScriptResult.LeaseNotFound:
        throw leaseNotFound(id);
      case ScriptResult.NotOwner:
        if (on.caller === undefined) break;
        throw notOwner(id, on.caller);
      case ScriptResult.WrongState:
        if (on.wrongState === undefined) break;
        throw on.wrongState(lease());
      case ScriptResult.LeaseExpired:
        throw renewExpired(lease());
      case ScriptResult.AtMaxTtl:
        throw atMaxTtl(lease());
    }
    throw unexpectedReply(operation);
  }

  /** Leases by id in the same order, undefined where the hash is gone; pipelined per shard. */
  async #readLeases(ids: readonly string[], operation: string): Promise<(Lease | undefined)[]> {
    const found = new Map<string, Lease>();
    await Promise.all(
      [...this.#ctx.byShard(ids, (id) => id)].map(async ([shard, group]) => {
        for (let start = 0; start < group.length; start += READ_BATCH) {
          const batch = group.slice(start, start + READ_BATCH);
          const replies = await this.#ctx.pipeline(operation, (p) => {
            for (const id of batch) p.hgetall(shard.lease(id));
          });
          replies.forEach((fields, i) => {
            if (fields !== null && typeof fields === 'object' && Object.keys(fields).length > 0) {
              found.set(batch[i]!, leaseFromFields(batch[i]!, fields as Record<string, string>));
            }
          });
        }
      }),
    );
    return ids.map((id) => found.get(id));
  }

  /** The first `limit` ids by score (then id) across every shard's index. */
  async #mergedRange(operation: string, index: (s: ShardKeys) => string, min: string, max: string, limit: number): Promise<string[]> {
    const perShard = await this.#ctx.eachShard((shard) =>
      this.#ctx.call(operation, () => this.#ctx.client.zrangebyscore(index(shard), min, max, 'WITHSCORES', 'LIMIT', 0, limit)),
    );
    return perShard
      .flatMap((flat) => scoredPairs(flat))
      .sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map((e) => e.id);
  }

  /**
   * The next `size` entries of the `all` index after `position`, newest first, merged over every
   * shard. Entries issued in the cursor's millisecond are fetched separately, since a score range
   * alone cannot start mid-score.
   */
  async #allBatch(position: ListPosition | undefined, size: number): Promise<{ entries: ListPosition[]; exhausted: boolean }> {
    const perShard = await this.#ctx.eachShard(async (shard): Promise<{ entries: ListPosition[]; full: boolean }> => {
      if (position === undefined) {
        const flat = await this.#ctx.call('list', () =>
          this.#ctx.client.zrevrangebyscore(shard.all, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, size),
        );
        const entries = scoredPairs(flat).map((e) => ({ issuedAt: e.score, id: e.id }));
        return { entries, full: entries.length === size };
      }
      const [sameMs, older] = await this.#ctx.pipeline('list', (p) => {
        p.zrangebyscore(shard.all, position.issuedAt, position.issuedAt);
        p.zrevrangebyscore(shard.all, `(${position.issuedAt}`, '-inf', 'WITHSCORES', 'LIMIT', 0, size);
      });
      const tied = ((sameMs as string[]) ?? [])
        .filter((id) => id < position.id)
        .reverse()
        .map((id) => ({ issuedAt: position.issuedAt, id }));
      const rest = scoredPairs(older).map((e) => ({ issuedAt: e.score, id: e.id }));
      return { entries: [...tied, ...rest], full: rest.length === size };
    });
    const merged = perShard.flatMap((s) => s.entries).sort(compareNewestFirst);
    const entries = merged.slice(0, size);
    return { entries, exhausted: merged.length <= size && perShard.every((s) => !s.full) };
  }

  /** A task's leases are few enough to read whole; its index gives them without scanning `all`. */
  async #listTask(taskId: string, filter: LeaseFilter, max: number, after: ListPosition | undefined): Promise<LeasePage> {
    const all = await this.listByTask(taskId);
    const matching = all
      .filter((lease) => matchesFilter(lease, filter) && (after === undefined || isAfterPosition(lease, after)))
      .sort(compareNewestFirst);
    const leases = matching.slice(0, max);
    const last = leases[leases.length - 1];
    return matching.length > max && last !== undefined ? { leases, cursor: encodeListCursor(last) } : { leases };
  }
}
