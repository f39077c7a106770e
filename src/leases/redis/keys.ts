// The one place that names Redis keys. Scripts receive every key through KEYS and never build one,
// so Redis Cluster can route each script to the slot its keys hash to.
//
// A store is split into shards. Each shard's keys share one hash tag, so every script touches one
// slot; the shards' tags are chosen so their slots spread evenly over the cluster's slot space.
// A lease lives in the shard named by the last two characters of its id.
import { randomInt } from 'node:crypto';
import { WarrantError, newLeaseId, sha256Hex as sha256 } from '../../core/index.js';

export const DEFAULT_KEY_PREFIX = 'warrant:{w}:';
export const DEFAULT_SHARD_COUNT = 16;
/** Two base32 characters address 1024 shards. */
export const MAX_SHARD_COUNT = 1024;
const CLUSTER_SLOTS = 16384;
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

/** Task ids that are safe to put in a key as they are; anything else is hashed. */
const PLAIN_TASK_ID = /^[A-Za-z0-9._:@/-]{1,128}$/;

/** The keys of one shard: one hash tag, one cluster slot. */
export interface ShardKeys {
  readonly index: number;
  /** The shard's own prefix: the store prefix with the shard's hash tag. */
  readonly prefix: string;
  /** Hash: one lease's fields. */
  lease(id: string): string;
  /** Sorted set: lease ids of one task in this shard, scored by the latest each hash lives (+inf while given up on). */
  task(taskId: string): string;
  /** Hash: the lease an (owner, idempotency key) pair produced, with the request digest. */
  idempotency(owner: string, key: string): string;
  /** Hash: this shard's part of a mass revocation (scan cursor and counters). */
  operation(operationId: string): string;
  /** Sorted set: pending lease ids by issuedAt. */
  readonly pending: string;
  /** Sorted set: active lease ids by expiresAt. */
  readonly expiry: string;
  /** Sorted set: revoking lease ids by the time of their next attempt (the revocation queue). */
  readonly queue: string;
  /** Sorted set: revocation_failed lease ids by the time they were given up on. */
  readonly failed: string;
  /** Sorted set: every retained lease id by issuedAt, for paging and selection. */
  readonly all: string;
  /** Sorted set: terminal lease ids by the time their retention ends. */
  readonly retired: string;
  /** Stream: lease events, capped. */
  readonly events: string;
}

export interface LeaseStoreKeys {
  readonly prefix: string;
  readonly shards: readonly ShardKeys[];
  /** Hash: the store's layout (schema version, shard count), checked at start-up. */
  readonly meta: string;
  /** Sorted set: mass revocations still selecting, scored by the time their claim lapses. */
  readonly operations: string;
  /** Hash: one mass revocation's definition. */
  operation(operationId: string): string;
  /** The shard a lease id belongs to. */
  shardOf(leaseId: string): ShardKeys;
  /** The shard new leases with this placement go to. */
  placementShard(placement: string): number;
  /** A new lease id (ULID) whose last two characters name `shard`. */
  newLeaseId(shard: number, now: number): string;
}

/**
 * The hash tag of a prefix: the text between its first `{` and the next `}`. Every key of a store
 * starts with the prefix, so all of them hash to the tag's slot.
 */
export function hashTagOf(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  if (open === -1) return undefined;
  const close = prefix.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return undefined;
  return prefix.slice(open + 1, close);
}

/** Redis Cluster's CRC16 (XMODEM) of the key's hash tag (or the whole key), mod 16384. */
export function clusterSlot(key: string): number {
  const tag = hashTagOf(key) ?? key;
  let crc = 0;
  for (const byte of Buffer.from(tag, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % CLUSTER_SLOTS;
}

/** The shard named by a lease id's last two characters. */
export function shardOfLeaseId(id: string, shardCount: number): number {
  const hi = BASE32.indexOf(id[id.length - 2] ?? '0');
  const lo = BASE32.indexOf(id[id.length - 1] ?? '0');
  return (Math.max(hi, 0) * 32 + Math.max(lo, 0)) % shardCount;
}

/**
 * The shard hash tags: shard i gets `<tag>-<n>` with the smallest n whose slot falls in the i-th
 * of `count` equal parts of the slot space, so shards land evenly on a cluster's masters.
 */
function shardTags(tag: string, count: number): string[] {
  const tags: string[] = [];
  for (let i = 0; i < count; i++) {
    const low = Math.floor((i * CLUSTER_SLOTS) / count);
    const high = Math.floor(((i + 1) * CLUSTER_SLOTS) / count);
    for (let n = 0; ; n++) {
      const candidate = `${tag}-${n}`;
      const slot = clusterSlot(`{${candidate}}`);
      if (slot >= low && slot < high) {
        tags.push(candidate);
        break;
      }
    }
  }
  return tags;
}

function shardKeys(index: number, prefix: string): ShardKeys {
  return Object.freeze({
    index,
    prefix,
    lease: (id: string) => `${prefix}lease:${id}`,
    // A `~` never occurs in a plain task id, so a hashed id cannot collide with a plain one.
    task: (taskId: string) => `${prefix}task:${PLAIN_TASK_ID.test(taskId) ? taskId : `~${sha256(taskId)}`}`,
    idempotency: (owner: string, key: string) => `${prefix}idem:${sha256(`${owner}\n${key}`)}`,
    operation: (operationId: string) => `${prefix}op:${operationId}`,
    pending: `${prefix}pending`,
    expiry: `${prefix}expiry`,
    queue: `${prefix}queue`,
    failed: `${prefix}failed`,
    all: `${prefix}all`,
    retired: `${prefix}retired`,
    events: `${prefix}events`,
  });
}

export function leaseStoreKeys(prefix: string = DEFAULT_KEY_PREFIX, shardCount: number = DEFAULT_SHARD_COUNT): LeaseStoreKeys {
  const tag = typeof prefix === 'string' ? hashTagOf(prefix) : undefined;
  if (tag === undefined || prefix.length > 256) {
    throw new WarrantError(
      'ERR_CONFIG',
      'Redis key prefix must contain a non-empty hash tag such as "warrant:{w}:" so every key of a shard shares one slot',
    );
  }
  if (!Number.isSafeInteger(shardCount) || shardCount < 1 || shardCount > MAX_SHARD_COUNT) {
    throw new WarrantError('ERR_CONFIG', `Redis shard count must be an integer from 1 to ${MAX_SHARD_COUNT}`);
  }
  const open = prefix.indexOf('{');
  const close = prefix.indexOf('}', open + 1);
  const shards = shardTags(tag, shardCount).map((shardTag, i) =>
    shardKeys(i, `${prefix.slice(0, open)}{${shardTag}}${prefix.slice(close + 1)}`),
  );
  return Object.freeze({
    prefix,
    shards: Object.freeze(shards),
    meta: `${prefix}meta`,
    operations: `${prefix}ops`,
    operation: (operationId: string) => `${prefix}opdef:${operationId}`,
    shardOf: (leaseId: string) => shards[shardOfLeaseId(leaseId, shardCount)]!,
    placementShard: (placement: string) => parseInt(sha256(placement).slice(0, 8), 16) % shardCount,
    newLeaseId: (shard: number, now: number) => {
      // Any value below 1024 that is `shard` modulo the count names the shard; pick one at random
      // so the id keeps as much randomness as possible.
      const choices = Math.floor((MAX_SHARD_COUNT - 1 - shard) / shardCount) + 1;
      const value = shard + shardCount * randomInt(choices);
      const id = newLeaseId(now);
      return `${id.slice(0, 24)}${BASE32[value >> 5]!}${BASE32[value & 31]!}`;
    },
  });
}
