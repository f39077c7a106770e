import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { leaseIdTime, newLeaseId } from '../../src/core/index.js';
import { DEFAULT_SHARD_COUNT, RedisLeaseStore, createRedisClient, type LeaseStore } from '../../src/leases/index.js';
import { clusterSlot as keySlot, leaseStoreKeys } from '../../src/leases/redis/keys.js';
import { expandedScript } from '../../src/leases/redis/lease-scripts.js';
import { OWNER, T0, claimedLease, leaseStoreContract, newLease, rejection } from './contract.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const LUA_DIR = new URL('../../src/leases/redis/lua/', import.meta.url);

let client: Redis;
const prefixes: string[] = [];
const stores: LeaseStore[] = [];

function uniquePrefix(): string {
  const prefix = `test:{leases-${randomUUID()}}:`;
  prefixes.push(prefix);
  return prefix;
}

function storeFor(prefix: string, options: { terminalRetentionMs?: number } = {}): RedisLeaseStore {
  const store = new RedisLeaseStore(client, { keyPrefix: prefix, ...options });
  stores.push(store);
  return store;
}

/** Every key of a store: its prefix's keys and those of each shard (whose tags extend the prefix's). */
async function keysOf(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  const glob = `${prefix.slice(0, prefix.indexOf('}'))}*`;
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', glob, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  client = await createRedisClient(REDIS_URL);
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const prefix of prefixes.splice(0)) {
    const keys = await keysOf(prefix);
    if (keys.length > 0) await client.unlink(...keys);
  }
});

afterAll(async () => {
  await client.quit();
});

leaseStoreContract('redis', async (options) => storeFor(uniquePrefix(), options));

describe('RedisLeaseStore', () => {
  it("keeps every key of a lease in its shard's slot, and spreads the shards over the slot space", async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix);
    const k = leaseStoreKeys(prefix, DEFAULT_SHARD_COUNT);
    const claim = { key: 'k', requestDigest: 'd', ttlMs: 60_000 };
    const a = (await store.createPending(claimedLease(store, claim, { taskId: 'a{b}c' }), claim)).lease;
    await store.activate(a.id, a.expiresAt, T0 + 1);
    const b = (await store.createPending(newLease({ taskId: '}{', issuedAt: T0 + 1 }))).lease;
    await store.beginRevoke(b.id, { trigger: 'operator', now: T0 + 2 });
    const c = (await store.createPending(newLease({ issuedAt: T0 + 2 }))).lease;
    await store.beginRevoke(c.id, { trigger: 'operator', now: T0 + 3 });
    await store.finishRevoke(c.id, T0 + 4);

    const keys = await keysOf(prefix);
    for (const lease of [a, b, c]) {
      const shard = k.shardOf(lease.id);
      const slot = keySlot(shard.prefix);
      expect(keySlot(shard.lease(lease.id))).toBe(slot);
      expect(keySlot(shard.task(lease.taskId))).toBe(slot);
      expect(keys).toContain(shard.lease(lease.id));
    }
    expect(keys).toContain(k.shardOf(a.id).idempotency(a.owner, 'k'));
    // Every key belongs to one shard (or is the store's meta), and each shard is one slot.
    const prefixes = [k.meta, ...k.shards.map((sh) => sh.prefix)];
    for (const key of keys) expect(prefixes.some((p) => key.startsWith(p))).toBe(true);
    const slots = k.shards.map((sh) => keySlot(sh.prefix));
    expect(new Set(slots).size).toBe(DEFAULT_SHARD_COUNT);
    // Shard i's slot is in the i-th sixteenth of the slot space: evenly spread over any masters.
    slots.forEach((slot, i) => expect(Math.floor(slot / 1024)).toBe(i));
  });

  it('places a new lease by its task, or by its idempotency key, and refuses an idempotent id placed elsewhere', async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix);
    const k = leaseStoreKeys(prefix);
    const byTask = [0, 1, 2].map(() => store.newLeaseId({ owner: OWNER, taskId: 'task-9' }, T0));
    expect(new Set(byTask.map((id) => k.shardOf(id).index)).size).toBe(1);
    expect(byTask.every((id) => leaseIdTime(id) === T0)).toBe(true);
    const claim = { key: 'retry-1', requestDigest: 'd', ttlMs: 60_000 };
    let elsewhere = newLease({ id: newLeaseId(T0) });
    const wanted = k.shardOf(store.newLeaseId({ owner: OWNER, taskId: 'task-1', idempotencyKey: 'retry-1' }, T0)).index;
    while (k.shardOf(elsewhere.id).index === wanted) elsewhere = newLease({ id: newLeaseId(T0) });
    const err = await rejection(store.createPending(elsewhere, claim));
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'ERR_INTERNAL',
      message: `lease id ${elsewhere.id} was not made by the store's newLeaseId for this idempotency key`,
    });
  });

  it('never builds a key inside a script', () => {
    for (const file of readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'))) {
      const text = expandedScript(file);
      expect(text, file).toMatch(/KEYS\[1\][\s\S]*ARGV\[1\][\s\S]*Returns/);
      const code = text.replace(/--\[\[[\s\S]*?\]\]/g, '').replace(/--[^\n]*/g, '');
      expect(code, `${file} builds strings`).not.toMatch(/\.\.|string\.format|table\.concat|string\.rep/);
      // The first argument of every command (the key, for every command used here) is never a literal.
      for (const m of code.matchAll(/redis\.call\('(\w+)'(?:, ([^,)]+))?/g)) {
        expect(m[2], `${file}: ${m[1]}`).toBeDefined();
        expect(m[2], `${file}: ${m[1]}`).not.toMatch(/^['"]/);
      }
      const fixed = /-(\d+)\.lua$/.exec(file)?.[1];
      if (fixed !== undefined) {
        const used = Math.max(...[...code.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
        expect(used, file).toBe(Number(fixed));
      }
    }
  });

  it('registers each script under a name carrying a digest of its text, and survives a script cache flush', async () => {
    const lua = expandedScript('renew-3.lua');
    const digest = createHash('sha256').update(lua).digest('hex').slice(0, 16);
    const store = storeFor(uniquePrefix());
    expect(typeof (client as unknown as Record<string, unknown>)[`warrantRenew_${digest}`]).toBe('function');
    const lease = (await store.createPending(newLease())).lease;
    await store.activate(lease.id, lease.expiresAt, T0 + 1);
    await client.script('FLUSH');
    const renewed = await store.renew(lease.id, { expiresAt: lease.expiresAt + 1000, now: T0 + 2 });
    expect(renewed.renewals).toBe(1);
  });

  it('keeps a terminal lease for the retention period and takes it out of the work indexes', async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix, { terminalRetentionMs: 60_000 });
    const lease = (await store.createPending(newLease({ id: store.newLeaseId({ owner: OWNER, taskId: 'task-1' }, T0) }))).lease;
    const k = leaseStoreKeys(prefix).shardOf(lease.id);
    await store.activate(lease.id, lease.expiresAt, T0 + 1);
    expect(await client.pttl(k.lease(lease.id))).toBe(-1);
    await store.beginRevoke(lease.id, { trigger: 'operator', now: T0 + 2 });
    expect(await client.zscore(k.queue, lease.id)).toBe(String(T0 + 2));
    await store.finishRevoke(lease.id, T0 + 3);

    const ttl = await client.pttl(k.lease(lease.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    for (const index of [k.expiry, k.pending, k.queue, k.failed]) expect(await client.zscore(index, lease.id)).toBeNull();
    expect(await client.zscore(k.all, lease.id)).not.toBeNull();
    // The task index expires with its highest entry: this lease's retention end …
    const ended = await client.pttl(k.task('task-1'));
    expect(ended).toBeGreaterThan(0);
    expect(ended).toBeLessThanOrEqual(60_000);
    // … until a new lease joins the task there: then its maxExpiresAt plus the retention.
    const next = newLease({ id: store.newLeaseId({ owner: OWNER, taskId: 'task-1' }, T0 + 10), issuedAt: T0 + 10 });
    await store.createPending(next);
    expect(await client.zscore(k.task('task-1'), next.id)).toBe(String(next.maxExpiresAt + 60_000));
    const live = await client.pttl(k.task('task-1'));
    expect(live).toBeGreaterThan(next.maxExpiresAt + 60_000 - (T0 + 10) - 5_000);
    expect(live).toBeLessThanOrEqual(next.maxExpiresAt + 60_000 - (T0 + 10));
  });

  it('leaves the task index alone when a bulk step revokes a lease at once: it already expires in time', async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix, { terminalRetentionMs: 60_000 });
    const lease = (await store.createPending(newLease({ id: store.newLeaseId({ owner: OWNER, taskId: 'task-1' }, T0), provider: 'tokens', providerKind: 'oauth-jwt' }))).lease;
    await store.activate(lease.id, lease.expiresAt, T0 + 1);
    const k = leaseStoreKeys(prefix).shardOf(lease.id);
    const before = await client.pttl(k.task('task-1'));
    const op = { id: newLeaseId(T0 + 2), selection: { taskId: 'task-1' }, trigger: 'operator' as const, reason: 'r', requestedBy: 'spiffe://example.org/ops', createdAt: T0 + 2, upTo: T0 + 2 };
    await store.createOperation(op, 'replica-1', T0 + 60_000);
    const step = await store.stepOperation(op, 100, T0 + 2, { localProviders: new Map([['tokens', 'oauth-jwt']]) });
    expect(step.revoked.map((r) => r.leaseId)).toEqual([lease.id]);
    expect(await client.zscore(k.task('task-1'), lease.id)).toBe(String(lease.maxExpiresAt + 60_000));
    const after = await client.pttl(k.task('task-1'));
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThanOrEqual(before);
    // The lease's hash goes first, after the retention counted from its revocation.
    expect(await client.pttl(k.lease(lease.id))).toBeLessThanOrEqual(60_000);
  });

  it('keeps the task index of a lease given up on for as long as the lease is, and lets it expire once the lease ends', async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix, { terminalRetentionMs: 60_000 });
    const lease = (await store.createPending(newLease({ id: store.newLeaseId({ owner: OWNER, taskId: 'task-1' }, T0) }))).lease;
    await store.activate(lease.id, lease.expiresAt, T0 + 1);
    const k = leaseStoreKeys(prefix).shardOf(lease.id);
    await store.beginRevoke(lease.id, { trigger: 'operator', now: T0 + 2 });
    await store.parkRevocations([{ leaseId: lease.id, error: 'ERR_PROVIDER_UNAVAILABLE' }], T0 + 3);
    expect(await client.zscore(k.task('task-1'), lease.id)).toBe('inf');
    expect(await client.pttl(k.task('task-1'))).toBe(-1);
    expect((await store.listByTask('task-1')).map((l) => l.state)).toEqual(['revocation_failed']);
    // Another lease joining the task does not give the index a TTL while one is given up on.
    await store.createPending(newLease({ id: store.newLeaseId({ owner: OWNER, taskId: 'task-1' }, T0 + 4), issuedAt: T0 + 4 }));
    expect(await client.pttl(k.task('task-1'))).toBe(-1);
    // An operator queues it again and it ends: scored by its retention's end, the index expires again.
    await store.beginRevokeMany([lease.id], { trigger: 'operator', now: T0 + 5, requeueFailed: true });
    await store.finishRevoke(lease.id, T0 + 6);
    expect(await client.zscore(k.task('task-1'), lease.id)).toBe(String(T0 + 6 + 60_000));
    expect(await client.pttl(k.task('task-1'))).toBeGreaterThan(0);
  });

  it('drops retired leases from the paging index once their retention has passed', async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix, { terminalRetentionMs: 1000 });
    const finish = async (issuedAt: number, at: number): Promise<string> => {
      const id = store.newLeaseId({ owner: OWNER, taskId: 'task-1' }, issuedAt);
      const lease = (await store.createPending(newLease({ id, issuedAt }))).lease;
      await store.beginRevoke(lease.id, { trigger: 'operator', now: at });
      await store.finishRevoke(lease.id, at);
      return lease.id;
    };
    const old = await finish(T0, T0 + 10);
    const recent = await finish(T0 + 1, T0 + 5000);
    const k = leaseStoreKeys(prefix).shardOf(old);
    expect(k.index).toBe(leaseStoreKeys(prefix).shardOf(recent).index);
    expect(await client.zscore(k.all, old)).toBeNull();
    expect(await client.zscore(k.retired, old)).toBeNull();
    expect(await client.zscore(k.all, recent)).not.toBeNull();
    expect(await client.zrange(k.task('task-1'), '0', '-1')).toEqual([recent]);
  });

  it('pages a selection through leases issued in the same millisecond a budget at a time, even once the cursor lease left the index', async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = store.newLeaseId({ owner: OWNER, taskId: 'task-1' }, T0);
      await store.createPending(newLease({ id, issuedAt: T0 }));
      ids.push(id);
    }
    const shard = leaseStoreKeys(prefix).shardOf(ids[0]!);
    const op = { id: newLeaseId(T0 + 1), selection: {}, trigger: 'operator' as const, reason: 'drill', requestedBy: 'ops', createdAt: T0 + 1, upTo: T0 + 1 };
    await store.createOperation(op, 'r1', T0 + 60_000);
    const step = async () => (await store.stepOperation(op, 4, T0 + 1, { claim: { until: T0 + 30_000, max: 1000 } })).claimed.map((c) => c.leaseId);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await step();
      expect(page).toHaveLength(4);
      seen.push(...page);
    }
    // The lease the cursor names leaves the paging index (its retention ended): the rest still comes, once.
    const cursor = await client.hget(shard.operation(op.id), 'cursor');
    expect(cursor).toMatch(new RegExp(`^s:${T0}:[0-9a-z]{26}$`));
    await client.zrem(shard.all, cursor!.split(':')[2]!);
    for (let i = 0; i < 10 && seen.length < 30; i++) seen.push(...(await step()));
    expect(seen.sort()).toEqual([...ids].sort());
    expect(await store.operationProgress(op.id)).toMatchObject({ matched: 30, accepted: 30 });
  });

  it('fails a step as a whole when one shard fails, and a retry neither skips nor counts anything twice', async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix);
    const k = leaseStoreKeys(prefix);
    const ids: string[] = [];
    for (let i = 0; i < 64; i++) {
      const id = store.newLeaseId({ owner: OWNER, taskId: `task-${i % 16}` }, T0);
      await store.createPending(newLease({ id, issuedAt: T0, taskId: `task-${i % 16}`, provider: 'tokens', providerKind: 'oauth-jwt' }));
      ids.push(id);
    }
    const op = { id: newLeaseId(T0 + 1), selection: {}, trigger: 'operator' as const, reason: 'drill', requestedBy: 'ops', createdAt: T0 + 1, upTo: T0 + 1 };
    await store.createOperation(op, 'r1', T0 + 60_000);
    const broken = k.shards[9]!.operation(op.id);
    await client.set(broken, 'not a hash');
    const options = { localProviders: new Map([['tokens', 'oauth-jwt' as const]]) };
    const revoked: string[] = [];
    const first = await rejection(store.stepOperation(op, 2, T0 + 1, { ...options, onRevoked: (r) => revoked.push(...r.map((l) => l.leaseId)) }));
    expect(first.code).toBe('ERR_INTERNAL');
    await client.del(broken);
    for (let i = 0; i < 50; i++) {
      const step = await store.stepOperation(op, 2, T0 + 1, { ...options, onRevoked: (r) => revoked.push(...r.map((l) => l.leaseId)) });
      if (step.done) break;
    }
    expect(revoked.sort()).toEqual([...ids].sort());
    expect(await store.operationProgress(op.id)).toMatchObject({ matched: 64, accepted: 64, confirmed: 64, alreadyRevoking: 0 });
  });

  it('activates a lease another replica wrote pending, with what Redis holds', async () => {
    const prefix = uniquePrefix();
    const writer = storeFor(prefix);
    const activator = storeFor(prefix);
    const lease = (await writer.createPending(newLease({ idempotencyKey: 'elsewhere' }))).lease;
    const activated = await activator.activate(lease.id, T0 + 600_000, T0 + 1000);
    expect(activated).toEqual({ ...lease, state: 'active', expiresAt: T0 + 600_000 });
    expect(await writer.get(lease.id)).toEqual(activated);
  });

  it('stores an idempotency record under a digest of owner and key, for at most its ttl', async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix);
    const claim = { key: 'retry-7', requestDigest: 'dg', ttlMs: 30_000 };
    const lease = (await store.createPending(claimedLease(store, claim), claim)).lease;
    const shard = leaseStoreKeys(prefix).shardOf(lease.id);
    const key = shard.idempotency(lease.owner, 'retry-7');
    expect(key).toBe(`${shard.prefix}idem:${createHash('sha256').update(`${lease.owner}\nretry-7`).digest('hex')}`);
    expect(await client.hgetall(key)).toEqual({ leaseId: lease.id, digest: 'dg', expiresAt: String(T0 + 30_000) });
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('holds a lease in a few hundred bytes: short field names, nothing derivable stored', async () => {
    const prefix = uniquePrefix();
    const store = storeFor(prefix);
    const k = leaseStoreKeys(prefix);
    const lease = (await store.createPending(newLease())).lease;
    const fields = await client.hgetall(k.shardOf(lease.id).lease(lease.id));
    // No id (in the key), trust domain (in the owner), issue time (in the id), renewals (0).
    expect(Object.keys(fields).sort()).toEqual(['c', 'e', 'h', 'k', 'm', 'o', 'p', 's', 't']);
    const odd = (await store.createPending(newLease({ id: newLeaseId(T0 - 5), handle: 'x', trustDomain: 'elsewhere.org', issuedAt: T0 + 5 }))).lease;
    expect(odd).toMatchObject({ issuedAt: T0 + 5, trustDomain: 'elsewhere.org' });
    expect(Object.keys(await client.hgetall(k.shardOf(odd.id).lease(odd.id))).sort()).toEqual(['c', 'd', 'e', 'h', 'i', 'k', 'm', 'o', 'p', 's', 't']);
  });

  it('returns a short page with a cursor rather than scan every lease for a rare match', async () => {
    const store = storeFor(uniquePrefix());
    const rare = (await store.createPending(newLease({ owner: 'spiffe://example.org/rare' }))).lease;
    for (let start = 0; start < 5100; start += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.createPending(newLease({ issuedAt: T0 + 1 + start + i }))),
      );
    }
    const first = await store.list({ owner: rare.owner }, 10);
    expect(first.leases).toEqual([]);
    expect(first.cursor).toBeDefined();
    const second = await store.list({ owner: rare.owner }, 10, first.cursor);
    expect(second).toEqual({ leases: [rare] });
  });

  it('reports a server error that is not about reaching Redis as internal', async () => {
    const prefix = uniquePrefix();
    await client.set(leaseStoreKeys(prefix).shards[0]!.expiry, 'not a sorted set');
    const err = await rejection(storeFor(prefix).dueForExpiry(T0, 10));
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'ERR_INTERNAL',
      message: 'lease store failed during dueForExpiry: WRONGTYPE Operation against a key holding the wrong kind of value',
    });
  });

  it('refuses a key prefix without a hash tag and a client that prefixes keys itself', () => {
    expect(() => new RedisLeaseStore(client, { keyPrefix: 'warrant:' })).toThrow(
      'Redis key prefix must contain a non-empty hash tag such as "warrant:{w}:" so every key of a shard shares one slot',
    );
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'x:' });
    expect(() => new RedisLeaseStore(prefixed)).toThrow('the Redis client must not set keyPrefix; use the store keyPrefix option');
    prefixed.disconnect();
  });

  it('checks at start-up that Redis holds its layout, in one round trip whatever the number of leases', async () => {
    const prefix = uniquePrefix();
    const first = await RedisLeaseStore.open(client, { keyPrefix: prefix, shards: 8 });
    stores.push(first);
    expect(await client.hgetall(`${prefix}meta`)).toEqual({ schema: '3', shards: '8' });
    const again = await RedisLeaseStore.open(client, { keyPrefix: prefix, shards: 8 });
    stores.push(again);
    const err = await rejection(RedisLeaseStore.open(client, { keyPrefix: prefix, shards: 16 }));
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'ERR_CONFIG',
      message: `Redis at key prefix ${prefix} holds leases in 8 shards, but the store is configured with 16; the shard count cannot change while leases exist`,
    });
  });
});

  it("polls every shard in one round trip on a single Redis: the reaper's sweeps, the revoker's claims, the stats and the events", async () => {
    const store = storeFor(uniquePrefix());
    // One lease due in shard order's middle, so the replies must come back to the right shard.
    const lease = newLease({ expiresAt: T0 + 1000, maxExpiresAt: T0 + 2000 });
    await store.createPending(lease);
    await store.activate(lease.id, lease.expiresAt, T0);
    const events = await store.readEvents(undefined, 100);
    const pipeline = vi.spyOn(client, 'pipeline');
    const written = vi.spyOn(client.stream, 'write');
    try {
      await store.abandonStalePending(T0 - 1, T0, 100, 'stale');
      const swept = await store.expireDue(T0 + 1000, 100);
      expect(swept.accepted).toBe(1);
      const claimed = await store.claimRevocations({ now: T0 + 1000, limit: 100, visibilityMs: 30_000 });
      expect(claimed.items.map((i) => i.leaseId)).toEqual([lease.id]);
      expect(await store.revocationStats(T0 + 1000)).toEqual({ queued: 1, due: 0, failed: 0 });
      const page = await store.readEvents(events.cursor, 100);
      expect(page.events.map((e) => [e.type, e.leaseId])).toEqual([['revoking', lease.id]]);
      // abandonStalePending, expireDue, claimRevocations, revocationStats and readEvents: a pipeline
      // each, in one write; and the two scripts that changed the lease (begin-revoke, claim), each
      // sent again as EVAL when this Redis does not hold it yet. A pipeline a shard: 5 × 16 writes.
      expect(pipeline).toHaveBeenCalledTimes(5);
      expect(written.mock.calls.length).toBeGreaterThanOrEqual(7);
      expect(written.mock.calls.length).toBeLessThanOrEqual(9);
    } finally {
      pipeline.mockRestore();
      written.mockRestore();
    }
  });

describe('Redis unreachable', () => {
  it('fails to connect with ERR_STORE_UNAVAILABLE, without the password', async () => {
    const port = await closedPort();
    const err = await rejection(createRedisClient(`redis://:s3cret-pw@127.0.0.1:${port}`, { connectTimeoutMs: 2000 }));
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'ERR_STORE_UNAVAILABLE',
      message: `lease store unavailable during connect to redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
    expect(err.cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(inspect(err, { depth: 10 })).not.toContain('s3cret-pw');
  });

  it('fails a store call at once when the client is not connected', async () => {
    const port = await closedPort();
    const offline = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    offline.on('error', () => undefined);
    const store = new RedisLeaseStore(offline, { keyPrefix: uniquePrefix() });
    const err = await rejection(store.get(newLeaseId(T0)));
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'ERR_STORE_UNAVAILABLE',
      message: "lease store unavailable during get: Stream isn't writeable and enableOfflineQueue options is false",
    });
    offline.disconnect();
  });

  it('fails calls while reconnecting, then works again once Redis is back', async () => {
    const own = await createRedisClient(REDIS_URL);
    const store = new RedisLeaseStore(own, { keyPrefix: uniquePrefix(), closeClient: true });
    stores.push(store);
    await store.ping();
    const id = await own.client('ID');
    const reconnecting = once(own, 'reconnecting');
    await client.client('KILL', 'ID', String(id));
    await reconnecting;
    const err = await rejection(store.ping());
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'ERR_STORE_UNAVAILABLE',
      message: "lease store unavailable during ping: Stream isn't writeable and enableOfflineQueue options is false",
    });
    await once(own, 'ready');
    await store.ping();
  });

  it('fails a call the server does not answer in time, and never hangs', async () => {
    const prefix = uniquePrefix();
    const own = await createRedisClient(REDIS_URL, { commandTimeoutMs: 50 });
    const store = new RedisLeaseStore(own, { keyPrefix: prefix, closeClient: true });
    stores.push(store);
    const lease = (await store.createPending(newLease())).lease;
    // Writes wait while clients are paused; the pause outlasts the command timeout sixfold.
    await client.client('PAUSE', 300, 'WRITE');
    const err = await rejection(store.beginRevoke(lease.id, { trigger: 'operator', now: T0 + 1 }));
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'ERR_STORE_UNAVAILABLE',
      message: 'lease store unavailable during beginRevoke: Command timed out',
    });
    // A write of our own returns once the pause is over, so the paused revocation has run by cleanup.
    await client.set(`${prefix}after-pause`, '1');
  });

  it('connect() on a store reports an unreachable Redis the same way', async () => {
    const port = await closedPort();
    const err = await rejection(RedisLeaseStore.connect(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 2000 }));
    expect(err.code).toBe('ERR_STORE_UNAVAILABLE');
  });

  it('rejects a URL that is not a Redis URL without echoing it', async () => {
    const err = await rejection(createRedisClient('http://user:hunter2@example.org'));
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'ERR_CONFIG',
      message: 'Redis URL must start with redis:// or rediss://',
    });
  });
});
