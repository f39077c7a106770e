// Lease events on Redis: each shard's scripts append to the shard's capped stream in the same step
// as the state change; readers keep one stream id per shard.
import { LEASE_STATES, TRIGGERS, WarrantError, type LeaseState, type Trigger } from '../../core/index.js';
import { LEASE_EVENT_TYPES, type LeaseEventType } from '../events.js';
import type { LeaseEventPage, StoredLeaseEvent } from '../store.js';
import { RedisContext } from './redis-context.js';

const STREAM_ID = /^\d+-\d+$/;

function encode(ids: readonly string[]): string {
  return Buffer.from(ids.join(','), 'utf8').toString('base64url');
}

function decode(cursor: string, count: number): string[] {
  const ids = Buffer.from(cursor, 'base64url').toString('utf8').split(',');
  if (ids.length !== count || !ids.every((id) => STREAM_ID.test(id))) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', 'invalid event cursor');
  }
  return ids;
}

/**
 * The events of one stream entry: one, or for an entry of many leases that changed alike (field
 * `b`: lease id, task id, owner and expiresAt of each, as one JSON array), one per lease. An
 * entry that cannot be read yields none.
 */
function eventsFrom(fields: readonly unknown[]): StoredLeaseEvent[] {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[String(fields[i])] = String(fields[i + 1]);
  const type = f['t'] as LeaseEventType;
  const state = f['s'] as LeaseState;
  const at = Number(f['a']);
  if (!LEASE_EVENT_TYPES.includes(type) || !LEASE_STATES.includes(state) || !Number.isSafeInteger(at)) return [];
  const trigger = f['g'] !== undefined && (TRIGGERS as readonly string[]).includes(f['g']) ? (f['g'] as Trigger) : undefined;
  const event = (leaseId: string, taskId: string, owner: string, expires: string | undefined): StoredLeaseEvent => {
    const expiresAt = expires === undefined || expires === '' ? undefined : Number(expires);
    return {
      type,
      leaseId,
      taskId,
      owner,
      state,
      at,
      ...(trigger === undefined ? {} : { trigger }),
      ...(expiresAt === undefined || Number.isNaN(expiresAt) ? {} : { expiresAt }),
    };
  };
  const many = f['b'];
  if (many === undefined) return [event(f['l'] ?? '', f['k'] ?? '', f['o'] ?? '', f['e'])];
  let flat: unknown;
  try {
    flat = JSON.parse(many);
  } catch {
    return [];
  }
  if (!Array.isArray(flat) || flat.length % 4 !== 0 || !flat.every((v) => typeof v === 'string')) return [];
  const out: StoredLeaseEvent[] = [];
  for (let i = 0; i < flat.length; i += 4) out.push(event(flat[i] as string, flat[i + 1] as string, flat[i + 2] as string, flat[i + 3] as string));
  return out;
}

export async function readEvents(ctx: RedisContext, cursor: string | undefined, limit: number): Promise<LeaseEventPage> {
  if (cursor === undefined) {
    const tails = await ctx.eachShardPipelined('readEvents', (p, shard) => p.xrevrange(shard.events, '+', '-', 'COUNT', 1));
    return { events: [], cursor: encode(tails.map(([last]) => (last as [string, unknown][])[0]?.[0] ?? '0-0')) };
  }
  const positions = decode(cursor, ctx.shards.length);
  const perShard = Math.max(1, Math.ceil(limit / ctx.shards.length));
  const pages = await ctx.eachShardPipelined('readEvents', (p, shard) => p.xrange(shard.events, `(${positions[shard.index]!}`, '+', 'COUNT', perShard));
  const read = pages.map(([page], index) => {
    const entries = page as [string, unknown[]][];
    const last = entries[entries.length - 1]?.[0] ?? positions[index]!;
    return { last, events: entries.flatMap(([, fields]) => eventsFrom(fields)) };
  });
  // Shards interleave by the time of the change; within a shard, stream order stands.
  const events = read.flatMap((r) => r.events).sort((a, b) => a.at - b.at);
  return { events, cursor: encode(read.map((r) => r.last)) };
}
