// Mass revocation on Redis: a selection is read a page at a time per shard (from the lease ids
// given, the task's index, or the `all` index by issue time) and each page is checked and accepted
// by one script, which also saves the shard's cursor. A recorded operation therefore resumes after a
// crash exactly where it stopped.
import { PROVIDER_KINDS, TRIGGERS, WarrantError, type ProviderKind, type Trigger } from '../../core/index.js';
import type {
  LeaseSelection,
  LocallyRevoked,
  OperationProgress,
  OperationStep,
  RevocationItem,
  RevocationOperation,
  SelectionPage,
  StepClaim,
  StepOptions,
} from '../store.js';
import type { ShardKeys } from './keys.js';
import { fieldsFromFlatReply } from './lease-hash.js';
import { RedisContext, scoredPairs, unexpectedReply } from './redis-context.js';
import { RETIRED_PURGE_BATCH } from './redis-revocation-queue.js';
import { ScriptResult } from './script-result.js';

/** Ids a dry run looks at per shard and call. */
const COUNT_PAGE = 2000;
/** Leases one accepting script looks at: keeps each script a few milliseconds long. */
const SELECT_PAGE = 250;
/**
 * Shards a step works at once. Enough to keep Redis busy; few enough that the scripts waiting on
 * the bulk connection (Redis runs one connection's pipelined commands in a row) hold other
 * clients' commands back for only a few scripts' time.
 */
const SHARDS_AT_ONCE = 4;

interface SourcePage {
  readonly ids: string[];
  /** The shard's cursor after this page. */
  readonly cursor: string;
  readonly done: boolean;
}

function selectionIds(ctx: RedisContext, shard: ShardKeys, selection: LeaseSelection): string[] {
  const ids = new Set((selection.leaseIds ?? []).filter((id) => ctx.keys.shardOf(id) === shard));
  return [...ids].sort();
}

/** The next page of candidate ids of one shard, after `cursor` ('' at the start). */
async function readPage(
  ctx: RedisContext,
  shard: ShardKeys,
  selection: LeaseSelection,
  upTo: number,
  budget: number,
  cursor: string,
): Promise<SourcePage> {
  if (selection.leaseIds !== undefined && selection.leaseIds.length > 0) {
    const ids = selectionIds(ctx, shard, selection);
    const offset = cursor.startsWith('i:') ? Number(cursor.slice(2)) : 0;
    const end = Math.min(ids.length, offset + budget);
    return { ids: ids.slice(offset, end), cursor: `i:${end}`, done: end >= ids.length };
  }
  if (selection.taskId !== undefined) {
    const ids = await ctx.call('select', () => ctx.client.zrange(shard.task(selection.taskId!), '0', '-1'));
    return { ids, cursor: 't:done', done: true };
  }
  // Scan the `all` index oldest first, within the issue window.
  const max = Math.min(upTo, selection.issuedBefore === undefined ? upTo : selection.issuedBefore - 1);
  const min = selection.issuedAfter === undefined ? '-inf' : `(${selection.issuedAfter}`;
  const at = /^s:(\d+):([0-9a-z]{26})$/.exec(cursor);
  if (at === null) {
    const flat = await ctx.call('select', () => ctx.client.zrangebyscore(shard.all, min, max, 'WITHSCORES', 'LIMIT', 0, budget));
    const page = scoredPairs(flat);
    const last = page[page.length - 1];
    return { ids: page.map((e) => e.id), cursor: last === undefined ? '' : `s:${last.score}:${last.id}`, done: page.length < budget };
  }
  // What follows the cursor's lease in the index, even within its millisecond (all-page-1.lua).
  const [ended, lastScore, ...ids] = await ctx.script('allPage', [shard.all], [at[1]!, at[2]!, String(max), String(budget), `(${at[1]!}`]);
  if (typeof lastScore !== 'string' || !ids.every((id): id is string => typeof id === 'string')) throw unexpectedReply('select');
  const last = ids[ids.length - 1];
  return { ids, cursor: last === undefined ? cursor : `s:${Number(lastScore)}:${last}`, done: ended === 1 };
}

interface SelectArgs {
  readonly mode: 'count' | 'accept';
  readonly now: number;
  readonly trigger: Trigger;
  readonly reason: string | undefined;
  readonly operation: string;
  readonly sampleSize: number;
  readonly cursor: string;
  readonly done: boolean;
  readonly claim?: StepClaim;
  /** Providers whose pending and active leases are revoked at once. */
  readonly local?: ReadonlyMap<string, ProviderKind>;
}

interface SelectReply {
  readonly matched: number;
  readonly accepted: number;
  readonly already: number;
  readonly sample: string[];
  readonly claimed: RevocationItem[];
  readonly revoked: LocallyRevoked[];
}

/**
 * The revocation in an item select-n.lua returns: { id, provider, kind, handle, owner, task,
 * trigger, reason, expiresAt, requestedAt }, queued at `queuedAt` (the request time when undefined).
 */
function itemOf(entry: readonly string[], operation: string, queuedAt: number | undefined): RevocationItem {
  const [id, provider, kind, handle, owner, taskId, trigger, reason, expiresAt, requestedAt] = entry;
  if (!PROVIDER_KINDS.includes(kind as ProviderKind) || !TRIGGERS.includes(trigger as Trigger)) throw unexpectedReply('select');
  return {
    leaseId: id!,
    provider: provider!,
    providerKind: kind as ProviderKind,
    handle: handle === '' ? id! : handle!,
    owner: owner!,
    taskId: taskId!,
    trigger: trigger as Trigger,
    expiresAt: Number(expiresAt),
    revokeRequestedAt: Number(requestedAt),
    queuedAt: queuedAt ?? Number(requestedAt),
    attempts: 0,
    operation,
    ...(reason === '' ? {} : { reason: reason! }),
  };
}

function strings(entry: unknown, length: number): entry is string[] {
  return Array.isArray(entry) && entry.length >= length && entry.every((v) => typeof v === 'string');
}

/** A claimed item as select-n.lua returns it (see itemOf). */
function claimedItem(entry: unknown, operation: string, claimedUntil: number): RevocationItem {
  if (!strings(entry, 10)) throw unexpectedReply('select');
  return { ...itemOf(entry, operation, undefined), claimedUntil };
}

/** The leases select-n.lua revoked at once with the call's own trigger and reason: six values each. */
function revokedItems(flat: readonly unknown[], a: SelectArgs, providers: ReadonlyMap<string, ProviderKind>): LocallyRevoked[] {
  if (flat.length % 6 !== 0) throw unexpectedReply('select');
  const state = a.trigger === 'expired' ? 'expired' : 'revoked';
  const reason = a.reason === undefined ? {} : { reason: a.reason };
  const out: LocallyRevoked[] = [];
  for (let i = 0; i < flat.length; i += 6) {
    const id = flat[i];
    const provider = flat[i + 1];
    const handle = flat[i + 2];
    const owner = flat[i + 3];
    const taskId = flat[i + 4];
    const kind = providers.get(provider as string);
    if (typeof id !== 'string' || kind === undefined || typeof handle !== 'string' || typeof owner !== 'string' || typeof taskId !== 'string') {
      throw unexpectedReply('select');
    }
    out.push({
      leaseId: id,
      provider: provider as string,
      providerKind: kind,
      handle: handle === '' ? id : handle,
      owner,
      taskId,
      trigger: a.trigger,
      expiresAt: Number(flat[i + 5]),
      revokeRequestedAt: a.now,
      queuedAt: a.now,
      attempts: 0,
      operation: a.operation,
      ...reason,
      state,
      revokedAt: a.now,
    });
  }
  return out;
}

async function selectInShard(
  ctx: RedisContext,
  shard: ShardKeys,
  selection: LeaseSelection,
  ids: readonly string[],
  a: SelectArgs,
): Promise<SelectReply> {
  const accepting = a.mode === 'accept';
  const providers = a.local === undefined ? [] : [...a.local].flat();
  const reply = await ctx.script(
    'select',
    [
      shard.pending,
      shard.expiry,
      shard.queue,
      shard.failed,
      shard.events,
      accepting ? shard.operation(a.operation) : shard.pending,
      shard.all,
      shard.retired,
      ...ids.map((id) => shard.lease(id)),
    ],
    [
      String(a.now),
      a.mode,
      a.trigger,
      a.reason === undefined ? '0' : '1',
      a.reason ?? '',
      a.operation,
      String(ctx.eventsMaxLen),
      String(ctx.retentionMs),
      String(a.sampleSize),
      selection.owner ?? '',
      selection.ownerPrefix ?? '',
      selection.trustDomain ?? '',
      selection.provider ?? '',
      selection.issuedAfter === undefined ? '' : String(selection.issuedAfter),
      selection.issuedBefore === undefined ? '' : String(selection.issuedBefore),
      (selection.states ?? []).join(','),
      a.cursor,
      a.done ? '1' : '0',
      selection.taskId ?? '',
      a.claim === undefined ? '' : String(a.claim.until),
      String(a.claim?.max ?? 0),
      String(RETIRED_PURGE_BATCH),
      String(providers.length / 2),
      ...providers,
      ...ids,
    ],
  );
  const [matched, accepted, already, sample, claimed, packedRevoked] = reply;
  const revoked = typeof packedRevoked === 'string' ? parsePacked(packedRevoked) : undefined;
  if (
    typeof matched !== 'number' ||
    typeof accepted !== 'number' ||
    typeof already !== 'number' ||
    !Array.isArray(sample) ||
    !Array.isArray(claimed) ||
    !Array.isArray(revoked)
  ) {
    throw unexpectedReply('select');
  }
  return {
    matched,
    accepted,
    already,
    sample: sample.filter((s): s is string => typeof s === 'string'),
    claimed: a.claim === undefined ? [] : claimed.map((entry) => claimedItem(entry, a.operation, a.claim!.until)),
    revoked: a.local === undefined ? [] : revokedItems(revoked, a, a.local),
  };
}

function parsePacked(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function encodeCursor(shards: readonly string[]): string {
  return Buffer.from(JSON.stringify(shards), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined, count: number): string[] {
  if (cursor === undefined) return Array.from({ length: count }, () => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== count || !parsed.every((c) => typeof c === 'string')) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', 'invalid selection cursor');
  }
  return parsed as string[];
}

export async function countSelection(
  ctx: RedisContext,
  selection: LeaseSelection,
  upTo: number,
  sampleSize: number,
  cursor: string | undefined,
): Promise<SelectionPage> {
  const positions = decodeCursor(cursor, ctx.shards.length);
  const results = await ctx.eachShard(async (shard) => {
    const position = positions[shard.index]!;
    if (position === 'done') return { matched: 0, sample: [] as string[], cursor: 'done' };
    const page = await readPage(ctx, shard, selection, upTo, COUNT_PAGE, position);
    const counted =
      page.ids.length === 0
        ? { matched: 0, sample: [] as string[] }
        : await selectInShard(ctx, shard, selection, page.ids, {
            mode: 'count',
            now: upTo,
            trigger: 'operator',
            reason: undefined,
            operation: '',
            sampleSize,
            cursor: '',
            done: false,
          });
    return { matched: counted.matched, sample: counted.sample, cursor: page.done ? 'done' : page.cursor };
  });
  const next = results.map((r) => r.cursor);
  return {
    matched: results.reduce((sum, r) => sum + r.matched, 0),
    sample: results.flatMap((r) => r.sample).slice(0, sampleSize),
    ...(next.every((c) => c === 'done') ? {} : { cursor: encodeCursor(next) }),
  };
}

function definitionFields(op: RevocationOperation): string[] {
  return [
    'selection', JSON.stringify(op.selection),
    'trigger', op.trigger,
    'reason', op.reason,
    'requestedBy', op.requestedBy,
    'createdAt', String(op.createdAt),
    'upTo', String(op.upTo),
  ];
}

function operationFromFields(id: string, f: Readonly<Record<string, string>>): RevocationOperation {
  const bad = () => new WarrantError('ERR_INTERNAL', `revocation operation ${id} is malformed`);
  let selection: unknown;
  try {
    selection = JSON.parse(f['selection'] ?? '');
  } catch {
    throw bad();
  }
  const trigger = f['trigger'] as Trigger;
  const createdAt = Number(f['createdAt']);
  const upTo = Number(f['upTo']);
  if (typeof selection !== 'object' || selection === null || !TRIGGERS.includes(trigger) || !Number.isSafeInteger(createdAt) || !Number.isSafeInteger(upTo)) {
    throw bad();
  }
  return Object.freeze({
    id,
    selection: selection as LeaseSelection,
    trigger,
    reason: f['reason'] ?? '',
    requestedBy: f['requestedBy'] ?? '',
    createdAt,
    upTo,
  });
}

export async function createOperation(ctx: RedisContext, op: RevocationOperation, owner: string, claimUntil: number): Promise<void> {
  const reply = await ctx.script('operationCreate', [ctx.keys.operations, ctx.keys.operation(op.id)], [
    op.id,
    String(claimUntil),
    owner,
    String(ctx.retentionMs),
    ...definitionFields(op),
  ]);
  if (reply[0] === ScriptResult.LeaseIdTaken) throw new WarrantError('ERR_INTERNAL', `revocation operation ${op.id} already exists`);
}

async function claimOne(
  ctx: RedisContext,
  id: string,
  owner: string,
  now: number,
  claimUntil: number,
  mode: 'takeover' | 'extend',
): Promise<RevocationOperation | undefined> {
  const reply = await ctx.script('operationClaim', [ctx.keys.operations, ctx.keys.operation(id)], [
    id,
    String(now),
    String(claimUntil),
    owner,
    mode,
  ]);
  if (reply[0] !== ScriptResult.Changed) return undefined;
  return operationFromFields(id, fieldsFromFlatReply(reply, 1));
}

export async function claimOperation(ctx: RedisContext, owner: string, now: number, claimUntil: number): Promise<RevocationOperation | undefined> {
  const lapsed = await ctx.call('claimOperation', () => ctx.client.zrangebyscore(ctx.keys.operations, '-inf', now, 'LIMIT', 0, 1));
  const id = lapsed[0];
  return id === undefined ? undefined : claimOne(ctx, id, owner, now, claimUntil, 'takeover');
}

export async function extendOperation(ctx: RedisContext, id: string, owner: string, claimUntil: number): Promise<boolean> {
  return (await claimOne(ctx, id, owner, 0, claimUntil, 'extend')) !== undefined;
}

export async function stepOperation(
  ctx: RedisContext,
  op: RevocationOperation,
  budget: number,
  now: number,
  options: StepOptions,
): Promise<OperationStep> {
  const { claim } = options;
  // The claim's share of each shard; together never more than claim.max.
  const count = ctx.shards.length;
  const share = (index: number) => (claim === undefined ? 0 : Math.floor(claim.max / count) + (index < claim.max % count ? 1 : 0));
  // Leases of local providers are revoked at once; a selection that names another provider has none of them.
  const providers = options.localProviders;
  const local =
    providers !== undefined && providers.size > 0 && (op.selection.provider === undefined || providers.has(op.selection.provider)) ? providers : undefined;
  const size = Math.min(budget, SELECT_PAGE);
  // A shard that fails fails the step: the others stop after their page in flight, so nothing of
  // this step still runs when it rejects (and a retry starts from the saved cursors).
  let failed = false;
  const stepShard = async (shard: ShardKeys): Promise<OperationStep> => {
    let claimLeft = share(shard.index);
    const state = await ctx.call('stepOperation', () => ctx.client.hmget(shard.operation(op.id), 'cursor', 'done'));
    if (state[1] === '1') return { done: true, claimed: [] as RevocationItem[], revoked: [] as LocallyRevoked[] };
    let read = 0;
    const page = (cursor: string): Promise<SourcePage> => readPage(ctx, shard, op.selection, op.upTo, Math.min(size, budget - read), cursor);
    const more = (p: SourcePage): boolean => {
      read += p.ids.length;
      return !p.done && read < budget;
    };
    // One round trip per page: a page's script travels with the read of the page after the next
    // (each read is of what the scripts before it left).
    let current = await page(state[0] ?? '');
    let next = more(current) ? await page(current.cursor) : undefined;
    const claimed: RevocationItem[] = [];
    const revoked: LocallyRevoked[] = [];
    for (;;) {
      if (failed) return { done: false, claimed, revoked };
      const selected = selectInShard(ctx, shard, op.selection, current.ids, {
        mode: 'accept',
        now,
        trigger: op.trigger,
        reason: op.reason,
        operation: op.id,
        sampleSize: 0,
        cursor: current.cursor,
        done: current.done,
        ...(claim === undefined || claimLeft <= 0 ? {} : { claim: { until: claim.until, max: claimLeft } }),
        ...(local === undefined ? {} : { local }),
      });
      const after = next !== undefined && more(next) ? page(next.cursor) : undefined;
      const [reply, afterNext] = await Promise.all([selected, after]);
      claimed.push(...reply.claimed);
      revoked.push(...reply.revoked);
      if (reply.revoked.length > 0) options.onRevoked?.(reply.revoked);
      claimLeft -= reply.claimed.length;
      if (next === undefined) return { done: current.done, claimed, revoked };
      current = next;
      next = afterNext;
    }
  };
  const steps = await ctx.eachShardLimited(SHARDS_AT_ONCE, (shard) =>
    stepShard(shard).catch((err: unknown) => {
      failed = true;
      throw err;
    }),
  );
  return { done: steps.every((s) => s.done), claimed: steps.flatMap((s) => s.claimed), revoked: steps.flatMap((s) => s.revoked) };
}

export async function finishOperation(ctx: RedisContext, id: string, now: number): Promise<void> {
  await ctx.script('operationFinish', [ctx.keys.operations, ctx.keys.operation(id)], [id, String(now), String(ctx.retentionMs)]);
}

export async function operationProgress(ctx: RedisContext, id: string): Promise<OperationProgress | undefined> {
  const [state, shards] = await Promise.all([
    ctx.call('operationProgress', () => ctx.client.hget(ctx.keys.operation(id), 'state')),
    ctx.eachShard((shard) => ctx.call('operationProgress', () => ctx.client.hgetall(shard.operation(id)))),
  ]);
  if (state === null && shards.every((s) => Object.keys(s).length === 0)) return undefined;
  const sum = (field: string) => shards.reduce((total, s) => total + Number(s[field] ?? 0), 0);
  return {
    matched: sum('matched'),
    accepted: sum('accepted'),
    alreadyRevoking: sum('already'),
    confirmed: sum('confirmed'),
    failed: sum('failed'),
    selecting: state === 'selecting',
  };
}

/** How far into each shard's queue and failed index operationUnconfirmed looks for the operation's leases. */
const UNCONFIRMED_SCAN = 2000;

export async function operationUnconfirmed(ctx: RedisContext, id: string, limit: number): Promise<string[]> {
  const perShard = await ctx.eachShard(async (shard) => {
    const [queued, failed] = await ctx.pipeline('operationUnconfirmed', (p) => {
      p.zrange(shard.queue, '0', String(UNCONFIRMED_SCAN - 1));
      p.zrange(shard.failed, '0', String(UNCONFIRMED_SCAN - 1));
    });
    const candidates = [...((queued as string[]) ?? []), ...((failed as string[]) ?? [])];
    if (candidates.length === 0) return [];
    const ops = await ctx.pipeline('operationUnconfirmed', (p) => {
      for (const leaseId of candidates) p.hget(shard.lease(leaseId), 'op');
    });
    return candidates.filter((_, i) => ops[i] === id);
  });
  return perShard.flat().sort().slice(0, limit);
}
