// The durable revocation queue on Redis: accepting revocations, claiming them with a visibility
// timeout, and recording what the provider said. Every batch is one script per shard and chunk.
import type { Trigger } from '../../core/index.js';
import type {
  ClaimOptions,
  ClaimResult,
  ConfirmedRevocation,
  DeferredRevocation,
  FinishOutcome,
  ParkedRevocation,
  RevocationItem,
  RevocationQueueStats,
  SweepResult,
} from '../store.js';
import { isLeaseState } from '../store-rules.js';
import type { ShardKeys } from './keys.js';
import { fieldsFromFlatReply, revocationItemFromFields } from './lease-hash.js';
import { RedisContext, chunks, earliest, scoredPairs, unexpectedReply } from './redis-context.js';

/** Retired leases leaving the `all` index per script that ends leases: keeps every script short. */
export const RETIRED_PURGE_BATCH = 100;

export interface BeginRevokeArgs {
  readonly trigger: Trigger;
  readonly reason?: string;
  readonly now: number;
  /** Queue score: `now` (due) or later when the caller claims the attempt. */
  readonly dueAt: number;
  readonly condition: 'any' | 'expired' | 'stale';
  readonly conditionTime?: number;
  readonly owner?: string;
  readonly requeueFailed?: boolean;
  readonly withFields: boolean;
}

/** One begin-revoke reply entry: its code and, when asked for, the lease's fields. */
export interface BeginRevokeReply {
  readonly id: string;
  readonly code: number;
  readonly fields: Record<string, string> | undefined;
}

/** pending|active → revoking for ids of one shard. */
export async function beginRevokeInShard(
  ctx: RedisContext,
  shard: ShardKeys,
  ids: readonly string[],
  a: BeginRevokeArgs,
): Promise<BeginRevokeReply[]> {
  const out: BeginRevokeReply[] = [];
  for (const batch of chunks(ids)) {
    const reply = await ctx.script(
      'beginRevoke',
      [shard.pending, shard.expiry, shard.queue, shard.failed, shard.events, ...batch.map((id) => shard.lease(id))],
      [
        String(a.now),
        a.trigger,
        a.reason === undefined ? '0' : '1',
        a.reason ?? '',
        String(a.dueAt),
        a.condition,
        String(a.conditionTime ?? 0),
        a.owner === undefined ? '0' : '1',
        a.owner ?? '',
        a.requeueFailed === true ? '1' : '0',
        String(ctx.eventsMaxLen),
        a.withFields ? '1' : '0',
        ...batch,
      ],
    );
    if (reply.length !== batch.length) throw unexpectedReply('beginRevoke');
    reply.forEach((entry, i) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'number') throw unexpectedReply('beginRevoke');
      out.push({ id: batch[i]!, code: entry[0], fields: entry.length > 1 ? fieldsFromFlatReply(entry, 1) : undefined });
    });
  }
  return out;
}

/** beginRevoke over ids of any shards, shard by shard in parallel, replies in the ids' order. */
export async function beginRevokeIds(ctx: RedisContext, ids: readonly string[], a: BeginRevokeArgs): Promise<BeginRevokeReply[]> {
  const groups = ctx.byShard(ids, (id) => id);
  const replies = new Map<string, BeginRevokeReply>();
  await Promise.all(
    [...groups].map(async ([shard, group]) => {
      for (const r of await beginRevokeInShard(ctx, shard, group, a)) replies.set(r.id, r);
    }),
  );
  return ids.map((id) => replies.get(id) ?? { id, code: -1, fields: undefined });
}

/**
 * Moves due entries of one index (expiry or pending) to revoking, in every shard. The condition is
 * checked again inside the script, so a lease renewed or activated since it was read is left alone.
 */
async function sweep(
  ctx: RedisContext,
  index: 'expiry' | 'pending',
  upTo: number,
  now: number,
  limit: number,
  args: Omit<BeginRevokeArgs, 'now' | 'dueAt' | 'withFields'>,
): Promise<SweepResult> {
  const ahead = ctx.readAhead(limit);
  const operation = index === 'expiry' ? 'expireDue' : 'abandonStalePending';
  const reads = await ctx.eachShardPipelined(operation, (p, shard) => {
    p.zrangebyscore(shard[index], '-inf', upTo, 'WITHSCORES', 'LIMIT', 0, ahead);
    p.zrangebyscore(shard[index], `(${upTo}`, '+inf', 'WITHSCORES', 'LIMIT', 0, 1);
  });
  const { picked, more } = earliest(reads.map(([due]) => scoredPairs(due)), limit, ahead);
  const accepted = await Promise.all(
    ctx.shards.map(async (shard) => {
      const ids = picked[shard.index]!;
      if (ids.length === 0) return 0;
      const replies = await beginRevokeInShard(ctx, shard, ids, { ...args, now, dueAt: now, withFields: false });
      return replies.filter((r) => r.code === 0).length;
    }),
  );
  const nexts = reads.map(([, next]) => scoredPairs(next)[0]?.score).filter((n): n is number => n !== undefined);
  return {
    accepted: accepted.reduce((sum, n) => sum + n, 0),
    more,
    ...(index === 'expiry' && nexts.length > 0 ? { nextDueAt: Math.min(...nexts) } : {}),
  };
}

export function expireDue(ctx: RedisContext, now: number, limit: number): Promise<SweepResult> {
  return sweep(ctx, 'expiry', now, now, limit, {
    trigger: 'expired',
    reason: 'lease reached its expiry',
    condition: 'expired',
    conditionTime: now,
  });
}

export function abandonStalePending(
  ctx: RedisContext,
  writtenBefore: number,
  now: number,
  limit: number,
  reason: string,
): Promise<SweepResult> {
  return sweep(ctx, 'pending', writtenBefore, now, limit, {
    trigger: 'expired',
    reason,
    condition: 'stale',
    conditionTime: writtenBefore,
  });
}

export async function claimRevocations(ctx: RedisContext, o: ClaimOptions): Promise<ClaimResult> {
  const ahead = ctx.readAhead(o.limit);
  const paused: string[] = [];
  for (const [provider, until] of o.paused ?? []) paused.push(provider, String(until));
  const reads = await ctx.eachShardPipelined('claimRevocations', (p, shard) => {
    p.zrangebyscore(shard.queue, '-inf', o.now, 'WITHSCORES', 'LIMIT', 0, ahead);
    p.zrange(shard.queue, '0', '0', 'WITHSCORES');
  });
  const { picked } = earliest(reads.map(([due]) => scoredPairs(due)), o.limit, ahead);
  const results = await Promise.all(
    ctx.shards.map(async (shard) => {
      const ids = picked[shard.index]!;
      if (ids.length === 0) return { items: [] as RevocationItem[], next: scoredPairs(reads[shard.index]![1])[0]?.score };
      const reply = await ctx.script(
        'claim',
        [shard.queue, ...ids.map((id) => shard.lease(id))],
        [String(o.now), String(o.now + o.visibilityMs), String(ids.length), ...ids, ...paused],
      );
      const [next, ...claimed] = reply;
      const items = claimed.map((entry) => {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw unexpectedReply('claimRevocations');
        return { ...revocationItemFromFields(entry[0], fieldsFromFlatReply(entry, 1)), claimedUntil: o.now + o.visibilityMs };
      });
      return { items, next: next === '' || next === undefined ? undefined : Number(next) };
    }),
  );
  const nexts = results.map((r) => r.next).filter((n): n is number => n !== undefined && !Number.isNaN(n));
  return { items: results.flatMap((r) => r.items), nextDueAt: nexts.length > 0 ? Math.min(...nexts) : undefined };
}

function finishOutcomes(reply: readonly unknown[], ids: readonly string[], operation: string): FinishOutcome[] {
  if (reply.length !== ids.length) throw unexpectedReply(operation);
  return reply.map((entry, i) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'number') throw unexpectedReply(operation);
    const state = typeof entry[1] === 'string' && isLeaseState(entry[1]) ? entry[1] : undefined;
    return { leaseId: ids[i]!, state: entry[0] === -1 ? undefined : state };
  });
}

/** Records provider confirmations, one script per shard and chunk. */
export async function completeRevocations(
  ctx: RedisContext,
  done: readonly ConfirmedRevocation[],
  now: number,
): Promise<FinishOutcome[]> {
  const outcomes = new Map<string, FinishOutcome>();
  await Promise.all(
    [...ctx.byShard(done, (d) => d.leaseId)].map(async ([shard, group]) => {
      for (const batch of chunks(group)) {
        const keys = [shard.queue, shard.all, shard.retired, shard.events];
        const args = [String(now), String(ctx.retentionMs), String(RETIRED_PURGE_BATCH), String(ctx.eventsMaxLen)];
        for (const d of batch) {
          const lease = shard.lease(d.leaseId);
          keys.push(lease, shard.task(d.taskId), d.operation === undefined ? lease : shard.operation(d.operation));
          args.push(d.leaseId, d.taskId, d.operation ?? '');
        }
        const reply = await ctx.script('complete', keys, args);
        for (const o of finishOutcomes(reply, batch.map((d) => d.leaseId), 'completeRevocations')) outcomes.set(o.leaseId, o);
      }
    }),
  );
  return done.map((d) => outcomes.get(d.leaseId) ?? { leaseId: d.leaseId, state: undefined });
}

export async function deferRevocations(ctx: RedisContext, later: readonly DeferredRevocation[], now: number): Promise<void> {
  await Promise.all(
    [...ctx.byShard(later, (d) => d.leaseId)].map(async ([shard, group]) => {
      for (const batch of chunks(group)) {
        const args = [String(now)];
        for (const d of batch) args.push(d.leaseId, String(d.retryAt), d.attempted ? '1' : '0', d.error ?? '', d.heldUntil === undefined ? '' : String(d.heldUntil));
        await ctx.script('defer', [shard.queue, ...batch.map((d) => shard.lease(d.leaseId))], args);
      }
    }),
  );
}

export async function parkRevocations(
  ctx: RedisContext,
  parked: readonly ParkedRevocation[],
  now: number,
): Promise<FinishOutcome[]> {
  const outcomes = new Map<string, FinishOutcome>();
  await Promise.all(
    [...ctx.byShard(parked, (d) => d.leaseId)].map(async ([shard, group]) => {
      for (const batch of chunks(group)) {
        // The task index key comes from each lease; a task id never changes, and the script checks it.
        const tasks = await ctx.pipeline('parkRevocations', (p) => {
          for (const d of batch) p.hget(shard.lease(d.leaseId), 't');
        });
        const keys = [shard.queue, shard.failed, shard.events];
        const args = [String(now), String(ctx.eventsMaxLen), String(ctx.retentionMs)];
        batch.forEach((d, i) => {
          const lease = shard.lease(d.leaseId);
          const task = typeof tasks[i] === 'string' ? (tasks[i] as string) : '';
          // A lease that is gone is answered as such by the script; any key of the shard stands in for its task's.
          keys.push(lease, d.operation === undefined ? lease : shard.operation(d.operation), task === '' ? lease : shard.task(task));
          args.push(d.leaseId, d.error, d.operation ?? '', task);
        });
        const reply = await ctx.script('park', keys, args);
        for (const o of finishOutcomes(reply, batch.map((d) => d.leaseId), 'parkRevocations')) outcomes.set(o.leaseId, o);
      }
    }),
  );
  return parked.map((d) => outcomes.get(d.leaseId) ?? { leaseId: d.leaseId, state: undefined });
}

export async function revocationStats(ctx: RedisContext, now: number): Promise<RevocationQueueStats> {
  const perShard = await ctx.eachShardPipelined('revocationStats', (p, shard) => {
    p.zcard(shard.queue);
    p.zcount(shard.queue, '-inf', now);
    p.zcard(shard.failed);
  });
  const sum = (i: number) => perShard.reduce((total, r) => total + Number(r[i] ?? 0), 0);
  return { queued: sum(0), due: sum(1), failed: sum(2) };
}
