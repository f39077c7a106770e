// The production lease store on Redis. Every state change is one Lua script (see ./lua and the
// README beside this file); reads of many leases are pipelined.
import type { Redis } from 'ioredis';
import { WarrantError, type Lease } from '../../core/index.js';
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
import { leaseStoreKeys, type LeaseStoreKeys } from './keys.js';
import { fieldsFromFlatReply, leaseFromFields, pendingLeaseFields } from './lease-hash.js';
import { registerLeaseScripts, runLeaseScript, type LeaseScriptName } from './lease-scripts.js';
import { createRedisClient, type RedisClientOptions } from './redis-client.js';
import { redisFailure } from './redis-failure.js';
import { ScriptResult } from './script-result.js';

/** Retired leases leaving the `all` index per finishRevoke: keeps every script short. */
const RETIRED_PURGE_BATCH = 100;
/** Leases read per pipeline. */
const READ_BATCH = 500;
/** Index entries one filtered `list` call looks at before it returns a short page with a cursor. */
const LIST_SCAN_BUDGET = 5000;

export interface RedisLeaseStoreOptions {
  /** Prefix of every key; must hold a hash tag (default `warrant:{w}:`). */
  readonly keyPrefix?: string;
  /** How long a revoked or expired lease stays readable (default 24h). */
  readonly terminalRetentionMs?: number;
  /** When true, close() also closes the client. Default false: the client belongs to its creator. */
  readonly closeClient?: boolean;
}

interface ScriptReply {
  readonly code: number;
  readonly reply: readonly unknown[];
}

function unexpectedReply(operation: string): WarrantError {
  return new WarrantError('ERR_INTERNAL', `lease store gave an unexpected reply to ${operation}`);
}

export class RedisLeaseStore implements LeaseStore {
  readonly #client: Redis;
  readonly #keys: LeaseStoreKeys;
  readonly #retentionMs: number;
  readonly #closeClient: boolean;
  readonly #secrets: readonly string[];
  #closed = false;

  /** Connects with createRedisClient and returns a store that owns (and on close, closes) the client. */
  static async connect(
    url: string,
    options: RedisLeaseStoreOptions & RedisClientOptions = {},
  ): Promise<RedisLeaseStore> {
    const client = await createRedisClient(url, options);
    try {
      return new RedisLeaseStore(client, { ...options, closeClient: true });
    } catch (err) {
      client.disconnect();
      throw err;
    }
  }

  constructor(client: Redis, options: RedisLeaseStoreOptions = {}) {
    if (client.options.keyPrefix) {
      // ioredis would prefix keys behind our back and move them off the store's hash tag.
      throw new WarrantError('ERR_CONFIG', 'the Redis client must not set keyPrefix; use the store keyPrefix option');
    }
    const retention = options.terminalRetentionMs ?? DEFAULT_TERMINAL_RETENTION_MS;
    if (!Number.isSafeInteger(retention) || retention <= 0) {
      throw new WarrantError('ERR_CONFIG', 'terminalRetentionMs must be a positive integer of milliseconds');
    }
    this.#client = client;
    this.#keys = leaseStoreKeys(options.keyPrefix);
    this.#retentionMs = retention;
    this.#closeClient = options.closeClient ?? false;
    this.#secrets = [client.options.password, client.options.username].filter(
      (s): s is string => typeof s === 'string' && s.length > 0,
    );
    registerLeaseScripts(client);
  }

  async createPending(lease: NewLease, idempotency?: IdempotencyClaim): Promise<CreateResult> {
    this.#open();
    checkNewLease(lease);
    if (idempotency !== undefined) checkIdempotencyClaim(idempotency);
    const k = this.#keys;
    const leaseKey = k.lease(lease.id);
    // A key never outlives the lease it points to.
    const claimTtl = idempotency === undefined ? 0 : Math.min(idempotency.ttlMs, this.#retentionMs);
    const fields = pendingLeaseFields(lease);

    // The record may point to a lease whose retention ended; then it is replaced on the next pass.
    let staleLeaseId = '';
    for (let pass = 0; pass < 2; pass++) {
      const { code, reply } = await this.#script(
        'createPending',
        [
          leaseKey,
          k.pending,
          k.all,
          k.task(lease.taskId),
          idempotency === undefined ? leaseKey : k.idempotency(lease.owner, idempotency.key),
        ],
        [
          lease.id,
          String(lease.issuedAt),
          idempotency === undefined ? '0' : '1',
          idempotency?.requestDigest ?? '',
          String(claimTtl),
          String(lease.issuedAt + claimTtl),
          staleLeaseId,
          ...fields,
        ],
      );
      if (code === ScriptResult.Created) return { outcome: 'created', lease: this.#leaseFrom(reply) };
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

  async activate(id: string, expiresAt: number, now: number): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkTime('expiresAt', expiresAt);
    checkTime('now', now);
    const k = this.#keys;
    const result = await this.#script('activate', [k.lease(id), k.pending, k.expiry], [id, String(expiresAt)]);
    return this.#leaseOrError(result, id, 'activate', { wrongState: notActivatable });
  }

  async get(id: string): Promise<Lease | undefined> {
    this.#open();
    checkLeaseId(id);
    const fields = await this.#call('get', () => this.#client.hgetall(this.#keys.lease(id)));
    return Object.keys(fields).length === 0 ? undefined : leaseFromFields(fields);
  }

  async renew(id: string, input: RenewInput): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkRenewInput(input);
    const k = this.#keys;
    const result = await this.#script(
      'renew',
      [k.lease(id), k.expiry],
      [id, input.owner === undefined ? '0' : '1', input.owner ?? '', String(input.expiresAt), String(input.now)],
    );
    return this.#leaseOrError(result, id, 'renew', { wrongState: notRenewable, caller: input.owner });
  }

  async beginRevoke(id: string, input: RevokeInput): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkRevokeInput(input);
    const k = this.#keys;
    const result = await this.#script(
      'beginRevoke',
      [k.lease(id), k.pending, k.expiry, k.revoking],
      [
        id,
        input.owner === undefined ? '0' : '1',
        input.owner ?? '',
        input.trigger,
        input.reason === undefined ? '0' : '1',
        input.reason ?? '',
        String(input.now),
      ],
    );
    return this.#leaseOrError(result, id, 'beginRevoke', { caller: input.owner });
  }

  async finishRevoke(id: string, now: number): Promise<Lease> {
    this.#open();
    checkLeaseId(id);
    checkTime('now', now);
    const k = this.#keys;
    // The task index key comes from the lease; a task id never changes, and the script checks it.
    const taskId = await this.#call('finishRevoke', () => this.#client.hget(k.lease(id), 'taskId'));
    if (taskId === null) throw leaseNotFound(id);
    const result = await this.#script(
      'finishRevoke',
      [k.lease(id), k.revoking, k.pending, k.expiry, k.task(taskId), k.retired, k.all],
      [id, taskId, String(now), String(this.#retentionMs), String(RETIRED_PURGE_BATCH)],
    );
    return this.#leaseOrError(result, id, 'finishRevoke', { wrongState: notRevoking });
  }

  async listByTask(taskId: string): Promise<Lease[]> {
    this.#open();
    checkTaskId(taskId);
    const ids = await this.#call('listByTask', () => this.#client.zrange(this.#keys.task(taskId), '0', '-1'));
    const leases = await this.#readLeases(ids, 'listByTask');
    return leases.filter((lease): lease is Lease => lease !== undefined).sort(compareOldestFirst);
  }

  async dueForExpiry(now: number, limit: number): Promise<string[]> {
    this.#open();
    checkTime('now', now);
    const max = checkLimit(limit, MAX_ID_BATCH);
    return this.#call('dueForExpiry', () =>
      this.#client.zrangebyscore(this.#keys.expiry, '-inf', now, 'LIMIT', 0, max),
    );
  }

  async stalePending(writtenBefore: number, limit: number): Promise<string[]> {
    this.#open();
    checkTime('writtenBefore', writtenBefore);
    const max = checkLimit(limit, MAX_ID_BATCH);
    return this.#call('stalePending', () =>
      this.#client.zrangebyscore(this.#keys.pending, '-inf', writtenBefore, 'LIMIT', 0, max),
    );
  }

  async revoking(limit: number): Promise<string[]> {
    this.#open();
    const max = checkLimit(limit, MAX_ID_BATCH);
    return this.#call('revoking', () => this.#client.zrange(this.#keys.revoking, '0', String(max - 1)));
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

  async ping(): Promise<void> {
    this.#open();
    await this.#call('ping', () => this.#client.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#closeClient) return;
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }

  #open(): void {
    if (this.#closed) throw storeClosed();
  }

  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw redisFailure(err, operation, this.#secrets);
    }
  }

  async #script(name: LeaseScriptName, keys: readonly string[], args: readonly string[]): Promise<ScriptReply> {
    const reply = await this.#call(name, () => runLeaseScript(this.#client, name, keys, args));
    if (!Array.isArray(reply) || typeof reply[0] !== 'number') throw unexpectedReply(name);
    return { code: reply[0], reply };
  }

  #leaseFrom(reply: readonly unknown[]): Lease {
    return leaseFromFields(fieldsFromFlatReply(reply, 1));
  }

  #leaseOrError(
    { code, reply }: ScriptReply,
    id: string,
    operation: string,
    on: { readonly wrongState?: (lease: Lease) => WarrantError; readonly caller?: string | undefined },
  ): Lease {
    switch (code) {
      case ScriptResult.Changed:
      case ScriptResult.Unchanged:
        return this.#leaseFrom(reply);
      case ScriptResult.LeaseNotFound:
        throw leaseNotFound(id);
      case ScriptResult.NotOwner:
        if (on.caller === undefined) break;
        throw notOwner(id, on.caller);
      case ScriptResult.WrongState:
        if (on.wrongState === undefined) break;
        throw on.wrongState(this.#leaseFrom(reply));
      case ScriptResult.LeaseExpired:
        throw renewExpired(this.#leaseFrom(reply));
      case ScriptResult.AtMaxTtl:
        throw atMaxTtl(this.#leaseFrom(reply));
    }
    throw unexpectedReply(operation);
  }

  /** Leases by id in the same order, undefined where the hash is gone; pipelined in batches. */
  async #readLeases(ids: readonly string[], operation: string): Promise<(Lease | undefined)[]> {
    const out: (Lease | undefined)[] = [];
    for (let start = 0; start < ids.length; start += READ_BATCH) {
      const pipeline = this.#client.pipeline();
      for (const id of ids.slice(start, start + READ_BATCH)) pipeline.hgetall(this.#keys.lease(id));
      const results = await this.#call(operation, async () => {
        const replies = await pipeline.exec();
        if (replies === null) throw unexpectedReply(operation);
        for (const [err] of replies) if (err) throw err;
        return replies;
      });
      for (const [, fields] of results) {
        out.push(
          fields !== null && typeof fields === 'object' && Object.keys(fields).length > 0
            ? leaseFromFields(fields as Record<string, string>)
            : undefined,
        );
      }
    }
    return out;
  }

  /**
   * The next entries of the `all` index after `position`, newest first. Entries issued in the
   * cursor's millisecond are fetched separately, since a score range alone cannot start mid-score.
   */
  async #allBatch(
    position: ListPosition | undefined,
    size: number,
  ): Promise<{ entries: ListPosition[]; exhausted: boolean }> {
    const all = this.#keys.all;
    if (position === undefined) {
      const flat = await this.#call('list', () =>
        this.#client.zrevrangebyscore(all, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, size),
      );
      const entries = pairs(flat);
      return { entries, exhausted: entries.length < size };
    }
    const [sameMs, older] = await this.#call('list', async () => {
      const replies = await this.#client
        .pipeline()
        .zrangebyscore(all, position.issuedAt, position.issuedAt)
        .zrevrangebyscore(all, `(${position.issuedAt}`, '-inf', 'WITHSCORES', 'LIMIT', 0, size)
        .exec();
      if (replies === null) throw unexpectedReply('list');
      for (const [err] of replies) if (err) throw err;
      return [replies[0]?.[1], replies[1]?.[1]];
    });
    if (!Array.isArray(sameMs) || !Array.isArray(older)) throw unexpectedReply('list');
    const tied = (sameMs as unknown[])
      .filter((id): id is string => typeof id === 'string' && id < position.id)
      .reverse()
      .map((id) => ({ issuedAt: position.issuedAt, id }));
    const rest = pairs(older as unknown[]);
    return { entries: [...tied, ...rest], exhausted: rest.length < size };
  }

  /** A task's leases are few enough to read whole; its index gives them without scanning `all`. */
  async #listTask(
    taskId: string,
    filter: LeaseFilter,
    max: number,
    after: ListPosition | undefined,
  ): Promise<LeasePage> {
    const all = await this.listByTask(taskId);
    const matching = all
      .filter((lease) => matchesFilter(lease, filter) && (after === undefined || isAfterPosition(lease, after)))
      .sort(compareNewestFirst);
    const leases = matching.slice(0, max);
    const last = leases[leases.length - 1];
    return matching.length > max && last !== undefined ? { leases, cursor: encodeListCursor(last) } : { leases };
  }
}

/** [member, score, member, score, …] as positions. */
function pairs(flat: readonly unknown[]): ListPosition[] {
  const out: ListPosition[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const id = flat[i];
    const issuedAt = Number(flat[i + 1]);
    if (typeof id === 'string' && Number.isSafeInteger(issuedAt)) out.push({ issuedAt, id });
  }
  return out;
}
