// What every part of the Redis store shares: the connection, the key layout, failure mapping and
// the per-shard plumbing. A pipeline only ever holds one shard's keys, so on Redis Cluster each one
// goes to a single node.
import type { ChainableCommander } from 'ioredis';
import { WarrantError } from '../../core/index.js';
import type { LeaseStoreKeys, ShardKeys } from './keys.js';
import { LEASE_SCRIPTS, runLeaseScript, scriptArguments, type LeaseScriptName, type RedisConnection } from './lease-scripts.js';
import { redisFailure } from './redis-failure.js';

/** Items per script call in batch operations: keeps each script short so Redis stays responsive. */
export const SCRIPT_BATCH = 500;

export function unexpectedReply(operation: string): WarrantError {
  return new WarrantError('ERR_INTERNAL', `lease store gave an unexpected reply to ${operation}`);
}

export class RedisContext {
  readonly client: RedisConnection;
  readonly keys: LeaseStoreKeys;
  readonly retentionMs: number;
  /** Cap of each shard's event stream. */
  readonly eventsMaxLen: number;
  readonly #secrets: readonly string[];

  constructor(client: RedisConnection, keys: LeaseStoreKeys, retentionMs: number, eventsMaxLen: number, secrets: readonly string[]) {
    this.client = client;
    this.keys = keys;
    this.retentionMs = retentionMs;
    this.eventsMaxLen = eventsMaxLen;
    this.#secrets = secrets;
  }

  /** The same store over another connection. */
  with(client: RedisConnection): RedisContext {
    return new RedisContext(client, this.keys, this.retentionMs, this.eventsMaxLen, this.#secrets);
  }

  get shards(): readonly ShardKeys[] {
    return this.keys.shards;
  }

  async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw redisFailure(err, operation, this.#secrets);
    }
  }

  /** Runs a script and checks its reply is a list. */
  async script(name: LeaseScriptName, keys: readonly string[], args: readonly string[]): Promise<unknown[]> {
    const reply = await this.call(name, () => runLeaseScript(this.client, name, keys, args));
    if (!Array.isArray(reply)) throw unexpectedReply(name);
    return reply;
  }

  /** Runs a script that replies with a list as one JSON text (the batched scripts), and reads it. */
  async packedScript(name: LeaseScriptName, keys: readonly string[], args: readonly string[]): Promise<unknown[]> {
    const reply = await this.call(name, () => runLeaseScript(this.client, name, keys, args));
    let list: unknown;
    try {
      list = typeof reply === 'string' ? JSON.parse(reply) : undefined;
    } catch {
      throw unexpectedReply(name);
    }
    if (!Array.isArray(list)) throw unexpectedReply(name);
    return list;
  }

  /** Runs one shard's commands as one pipeline; any command's error fails the whole call. */
  async pipeline(operation: string, build: (p: ChainableCommander) => void): Promise<unknown[]> {
    return this.call(operation, async () => {
      const p = this.client.pipeline();
      build(p);
      const replies = await p.exec();
      if (replies === null) throw unexpectedReply(operation);
      const out: unknown[] = [];
      for (const [err, value] of replies) {
        if (err) throw err;
        out.push(value);
      }
      return out;
    });
  }

  /**
   * The same commands on every shard, each shard's replies apart (as pipeline() gives them). On a
   * single Redis all shards go in one pipeline: one round trip for the reaper's and the revoker's
   * polls instead of one a shard, several times a second even when idle. On a cluster a pipeline
   * stays on one node, so each shard gets its own.
   */
  async eachShardPipelined(operation: string, build: (p: ChainableCommander, shard: ShardKeys) => void): Promise<unknown[][]> {
    if ((this.client as { isCluster?: boolean }).isCluster === true) {
      return this.eachShard((shard) => this.pipeline(operation, (p) => build(p, shard)));
    }
    const counts: number[] = [];
    const replies = await this.pipeline(operation, (p) => {
      for (const shard of this.shards) {
        const before = p.length;
        build(p, shard);
        counts.push(p.length - before);
      }
    });
    let at = 0;
    return counts.map((n) => replies.slice(at, (at += n)));
  }

  /** Adds a script call to a pipeline. */
  addScript(p: ChainableCommander, name: LeaseScriptName, keys: readonly string[], args: readonly string[]): void {
    const command = (p as unknown as Record<string, (...a: (string | number | (string | number)[])[]) => unknown>)[LEASE_SCRIPTS[name].command];
    if (command === undefined) throw new WarrantError('ERR_INTERNAL', `script ${name} is not registered on this client`);
    command.call(p, scriptArguments(name, keys, args));
  }

  /**
   * How many due entries to read from each shard to fill `limit`: twice a fair share, so the
   * earliest overall can be picked even when the shards are uneven (see earliest()).
   */
  readAhead(limit: number): number {
    return Math.min(limit, Math.max(2 * Math.ceil(limit / this.shards.length), 8));
  }

  /** Runs `fn` for every shard at once. */
  async eachShard<T>(fn: (shard: ShardKeys) => Promise<T>): Promise<T[]> {
    return Promise.all(this.shards.map(fn));
  }

  /**
   * Runs `fn` for every shard, at most `limit` at a time, in shard order. After a failure no shard
   * is started, and the call rejects (with the first error) only once every started one settled.
   */
  async eachShardLimited<T>(limit: number, fn: (shard: ShardKeys) => Promise<T>): Promise<T[]> {
    const out: T[] = new Array(this.shards.length);
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < this.shards.length) {
        const index = next++;
        try {
          out[index] = await fn(this.shards[index]!);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, this.shards.length) }, worker));
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected !== undefined) throw rejected.reason;
    return out;
  }

  /** Groups items by the shard of their lease id, keeping each group's order. */
  byShard<T>(items: readonly T[], leaseId: (item: T) => string): Map<ShardKeys, T[]> {
    const groups = new Map<ShardKeys, T[]>();
    for (const item of items) {
      const shard = this.keys.shardOf(leaseId(item));
      let group = groups.get(shard);
      if (group === undefined) {
        group = [];
        groups.set(shard, group);
      }
      group.push(item);
    }
    return groups;
  }
}

export function chunks<T>(items: readonly T[], size: number = SCRIPT_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** [member, score, member, score, …] as pairs. */
export function scoredPairs(flat: unknown): { id: string; score: number }[] {
  const out: { id: string; score: number }[] = [];
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const id = flat[i];
    const score = Number(flat[i + 1]);
    if (typeof id === 'string' && !Number.isNaN(score)) out.push({ id, score });
  }
  return out;
}

/**
 * The `limit` entries with the lowest scores over every shard's read-ahead, as ids per shard index;
 * `more` when something was left out or a shard may hold more than it showed.
 */
export function earliest(
  perShard: readonly { id: string; score: number }[][],
  limit: number,
  readAhead: number,
): { picked: string[][]; more: boolean } {
  const all = perShard.flatMap((entries, shard) => entries.map((e) => ({ ...e, shard })));
  all.sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const picked: string[][] = perShard.map(() => []);
  for (const e of all.slice(0, limit)) picked[e.shard]!.push(e.id);
  return { picked, more: all.length > limit || perShard.some((entries) => entries.length === readAhead) };
}
