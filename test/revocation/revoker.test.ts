// The revocation engine on its own: a memory store, a real oauth-jwt provider behind a
// fault-injecting wrapper, and a clock the test moves. Every pass is driven by drain(), never by time.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock, WarrantError, newLeaseId, type Lease } from '../../src/core/index.js';
import { MemoryLeaseStore, type LeaseStore, type RevocationItem } from '../../src/leases/index.js';
import { OAuthJwtProvider, parseOAuthJwtConfig, type CredentialProvider } from '../../src/providers/index.js';
import { CircuitBreaker, MassRevocation, Revoker, retryDelay, type RevocationHooks, type RevokerOptions } from '../../src/revocation/index.js';
import { CountingProvider } from '../support/counting-provider.js';

const DOWN = new WarrantError('ERR_PROVIDER_UNAVAILABLE', 'provider api is unreachable');
const OWNER = 'spiffe://svc.example/agents/a';

interface Heard {
  confirmed: string[];
  retried: [string, string][];
  parked: [string, string][];
  circuit: [string, boolean][];
}

async function setup(options: RevokerOptions = {}, providerNames: readonly string[] = ['api']) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const store = new MemoryLeaseStore();
  const inner = await OAuthJwtProvider.create(
    'api',
    parseOAuthJwtConfig({ kind: 'oauth-jwt', issuer: 'https://w.example', audience: 'https://api.example', scopes: ['read'] }, 'providers.api'),
    { clock },
  );
  const provider = new CountingProvider(inner);
  const providers = new Map<string, CredentialProvider>(providerNames.map((name) => [name, provider]));
  const heard: Heard = { confirmed: [], retried: [], parked: [], circuit: [] };
  const hooks: RevocationHooks = {
    confirmed: (item, state) => heard.confirmed.push(`${item.leaseId}:${state}`),
    retried: (item, error) => heard.retried.push([item.leaseId, error]),
    parked: (item, error) => heard.parked.push([item.leaseId, error]),
    circuit: (name, open) => heard.circuit.push([name, open]),
  };
  const revoker = new Revoker({ store, providers, clock, log: pino({ level: 'silent' }), hooks }, { random: () => 0.5, ...options });
  const lease = async (taskId = 't', provider = 'api'): Promise<Lease> => {
    const now = clock.now();
    const id = store.newLeaseId({ owner: OWNER, taskId }, now);
    await store.createPending({
      id,
      owner: OWNER,
      trustDomain: 'svc.example',
      taskId,
      provider,
      providerKind: 'oauth-jwt',
      scope: ['read'],
      handle: id,
      issuedAt: now,
      expiresAt: now + 60_000,
      maxExpiresAt: now + 3_600_000,
    });
    return store.activate(id, now + 60_000, now);
  };
  return { clock, store, provider, revoker, heard, lease };
}

async function state(store: LeaseStore, id: string): Promise<string | undefined> {
  return (await store.get(id))?.state;
}

describe('retryDelay', () => {
  it('doubles per failed attempt up to the cap, with half of each delay random', () => {
    const o = { baseMs: 1000, maxMs: 60_000 };
    expect([1, 2, 3, 4].map((n) => retryDelay(n, o, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, o, () => 0.999999))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelay(40, o, () => 0)).toBe(30_000);
    expect(retryDelay(40, o, () => 0.999999)).toBe(60_000);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one probe through after the cool-down, and doubles it on a failed probe', () => {
    const b = new CircuitBreaker({ threshold: 2, cooldownMs: 1000, maxCooldownMs: 3000 });
    expect(b.failure(0)).toBe(false);
    expect(b.failure(0)).toBe(true);
    expect([b.state, b.allow(999)]).toEqual(['open', false]);
    expect(b.allow(1000)).toBe(true);
    expect([b.state, b.allow(1000)]).toEqual(['half-open', false]);
    b.failure(1000);
    expect([b.state, b.openUntil]).toEqual(['open', 3000]);
    expect(b.allow(3000)).toBe(true);
    b.failure(3000);
    expect(b.openUntil).toBe(6000);
    expect(b.allow(6000)).toBe(true);
    expect(b.success()).toBe(true);
    expect([b.state, b.allow(6000)]).toEqual(['closed', true]);
  });
});

describe('Revoker', () => {
  it('attempts at once and reports revoked only after the provider confirmed; revoking twice is harmless', async () => {
    const f = await setup();
    const l = await f.lease();
    const revoked = await f.revoker.revoke(l.id, { trigger: 'owner', reason: 'done' });
    expect(revoked).toMatchObject({ id: l.id, state: 'revoked', trigger: 'owner', reason: 'done' });
    expect(await f.revoker.revoke(l.id, { trigger: 'operator' })).toEqual(revoked);
    expect(f.provider.calls).toBe(1);
    expect(f.heard.confirmed).toEqual([`${l.id}:revoked`]);
    await expect(f.revoker.revoke(newLeaseId(0), { trigger: 'owner' })).rejects.toMatchObject({ code: 'ERR_LEASE_NOT_FOUND' });
  });

  it('keeps a lease revoking while the provider is down, retries with growing backoff, and completes when it returns', async () => {
    const f = await setup();
    const l = await f.lease();
    f.provider.failWith = DOWN;
    expect(await f.revoker.revoke(l.id, { trigger: 'task_completed' })).toMatchObject({ state: 'revoking', revocationAttempts: 1, revocationError: 'ERR_PROVIDER_UNAVAILABLE' });
    // With the jitter pinned to its middle, the delays are 0.75 s, 1.5 s, 3 s, …
    expect(await f.revoker.drain()).toEqual({ attempted: 0, retried: 0 });
    f.clock.advance(749);
    expect(await f.revoker.drain()).toEqual({ attempted: 0, retried: 0 });
    f.clock.advance(1);
    expect(await f.revoker.drain()).toEqual({ attempted: 1, retried: 1 });
    f.clock.advance(1499);
    expect(await f.revoker.drain()).toEqual({ attempted: 0, retried: 0 });
    expect(await f.store.get(l.id)).toMatchObject({ state: 'revoking', revocationAttempts: 2 });
    f.provider.failWith = undefined;
    f.clock.advance(1);
    expect(await f.revoker.drain()).toEqual({ attempted: 1, retried: 1 });
    expect(await f.store.get(l.id)).toMatchObject({ state: 'revoked', trigger: 'task_completed' });
    expect((await f.store.get(l.id))?.revocationAttempts).toBeUndefined();
    expect(f.heard.retried).toEqual([
      [l.id, 'ERR_PROVIDER_UNAVAILABLE'],
      [l.id, 'ERR_PROVIDER_UNAVAILABLE'],
    ]);
  });

  it('gives up after the give-up window, visibly, and an operator retry revokes it once the provider is back', async () => {
    const f = await setup({ giveUpAfterMs: 10_000 });
    const l = await f.lease();
    f.provider.failWith = new WarrantError('ERR_PROVIDER_FAILED', 'role still in use');
    await f.revoker.revoke(l.id, { trigger: 'deviation' });
    for (let i = 0; i < 8 && (await state(f.store, l.id)) === 'revoking'; i++) {
      f.clock.advance(3000);
      await f.revoker.drain();
    }
    expect(await f.store.get(l.id)).toMatchObject({ state: 'revocation_failed', trigger: 'deviation', revocationError: 'ERR_PROVIDER_FAILED' });
    expect(f.heard.parked).toEqual([[l.id, 'ERR_PROVIDER_FAILED']]);
    expect(await f.store.revocationStats(f.clock.now())).toEqual({ queued: 0, due: 0, failed: 1 });
    // Parked leases are not attempted again on their own …
    f.provider.failWith = undefined;
    f.clock.advance(3_600_000);
    expect(await f.revoker.drain()).toEqual({ attempted: 0, retried: 0 });
    // … until an operator queues them again.
    await f.store.beginRevokeMany([l.id], { trigger: 'operator', now: f.clock.now(), requeueFailed: true });
    await f.revoker.drain();
    expect(await f.store.get(l.id)).toMatchObject({ state: 'revoked', trigger: 'deviation' });
  });

  it('opens a provider circuit after repeated failures: no attempts while open, one probe after the cool-down', async () => {
    const f = await setup({ providerConcurrency: 1, breakerThreshold: 3, breakerCooldownMs: 5000 });
    const leases = [];
    for (let i = 0; i < 10; i++) leases.push(await f.lease(`t${i}`));
    f.provider.failWith = DOWN;
    await f.store.beginRevokeMany(leases.map((l) => l.id), { trigger: 'operator', now: f.clock.now() });
    await f.revoker.drain();
    expect(f.provider.calls).toBe(3);
    expect(f.heard.circuit).toEqual([['api', true]]);
    const attempts = (await f.store.getMany(leases.map((l) => l.id))).map((l) => l?.revocationAttempts ?? 0);
    expect(attempts.filter((a) => a === 1)).toHaveLength(3);
    expect(attempts.filter((a) => a === 0)).toHaveLength(7);
    // Still cooling down: nothing is attempted, whatever is due.
    f.clock.advance(4000);
    await f.revoker.drain();
    expect(f.provider.calls).toBe(3);

    f.provider.failWith = undefined;
    for (let i = 0; i < 10 && (await f.store.revocationStats(f.clock.now())).queued > 0; i++) {
      f.clock.advance(1500);
      await f.revoker.drain();
    }
    expect(f.heard.circuit).toEqual([
      ['api', true],
      ['api', false],
    ]);
    for (const l of leases) expect(await state(f.store, l.id)).toBe('revoked');
    expect(f.provider.calls).toBe(13);
    expect(f.provider.repeats).toBe(0);
  });

  it('keeps at most the configured number of revocations in flight per provider', async () => {
    const f = await setup({ providerConcurrency: 2, concurrencyByProvider: { other: 5 } });
    const leases = [];
    for (let i = 0; i < 6; i++) leases.push(await f.lease(`t${i}`));
    f.provider.hold();
    const running = f.revoker.revokeMany(leases.map((l) => l.id), { trigger: 'operator' });
    await new Promise((r) => setTimeout(r, 20));
    expect(f.provider.inFlight).toBe(2);
    f.provider.release();
    const done = await running;
    expect(done.map((l) => l.state)).toEqual(Array(6).fill('revoked'));
    expect(f.provider.maxInFlight).toBe(2);
  });

  it('keeps retrying a lease whose provider is no longer configured instead of forgetting it', async () => {
    const f = await setup({}, ['api']);
    const l = await f.lease('t', 'removed-provider');
    expect(await f.revoker.revoke(l.id, { trigger: 'operator' })).toMatchObject({ state: 'revoking', revocationError: 'ERR_PROVIDER_NOT_FOUND' });
    f.clock.advance(60_000);
    await f.revoker.drain();
    expect(await f.store.get(l.id)).toMatchObject({ state: 'revoking', revocationAttempts: 2 });
  });

  it("hands out again a claim whose worker died, once the visibility timeout passes", async () => {
    const f = await setup({ visibilityTimeoutMs: 30_000 });
    const l = await f.lease();
    await f.store.beginRevoke(l.id, { trigger: 'operator', now: f.clock.now() });
    // Another replica claims it and dies without a word.
    const lost: RevocationItem[] = (await f.store.claimRevocations({ now: f.clock.now(), limit: 10, visibilityMs: 30_000 })).items;
    expect(lost).toHaveLength(1);
    expect(await f.revoker.drain()).toEqual({ attempted: 0, retried: 0 });
    f.clock.advance(30_000);
    expect(await f.revoker.drain()).toEqual({ attempted: 1, retried: 0 });
    expect(await state(f.store, l.id)).toBe('revoked');
  });

  it('works the queue in the background once started, and stops cleanly', async () => {
    const f = await setup({ pollIntervalMs: 20 });
    const leases = [];
    for (let i = 0; i < 20; i++) leases.push(await f.lease(`t${i}`));
    await f.store.beginRevokeMany(leases.map((l) => l.id), { trigger: 'operator', now: f.clock.now() });
    f.revoker.start();
    f.revoker.nudge();
    const deadline = Date.now() + 10_000;
    while ((await f.store.revocationStats(f.clock.now())).queued > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await f.revoker.stop();
    for (const l of leases) expect(await state(f.store, l.id)).toBe('revoked');
    expect(f.provider.repeats).toBe(0);
  });
});

describe('mass revocation of leases whose provider revokes locally', () => {
  async function local(hooks: (heard: string[]) => RevocationHooks) {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const store = new MemoryLeaseStore();
    const jwt = await OAuthJwtProvider.create(
      'api',
      parseOAuthJwtConfig({ kind: 'oauth-jwt', issuer: 'https://w.example', audience: 'https://api.example', scopes: ['read'] }, 'providers.api'),
      { clock },
    );
    // The same provider behind a wrapper that counts its revocations: not local, so it is queued.
    const counted = new CountingProvider(jwt);
    const providers = new Map<string, CredentialProvider>([
      ['api', jwt],
      ['counted', counted],
    ]);
    const heard: string[] = [];
    const log = pino({ level: 'silent' });
    const revoker = new Revoker({ store, providers, clock, log, hooks: hooks(heard) });
    const ended: string[] = [];
    revoker.onEnded((e) => ended.push(`${e.leaseId}:${e.state}`));
    const mass = new MassRevocation({ store, revoker, clock, log, replicaId: 'r1' });
    const lease = async (provider: string): Promise<Lease> => {
      const now = clock.now();
      const id = store.newLeaseId({ owner: OWNER, taskId: 't' }, now);
      await store.createPending({ id, owner: OWNER, trustDomain: 'svc.example', taskId: 't', provider, providerKind: 'oauth-jwt', scope: ['read'], handle: id, issuedAt: now, expiresAt: now + 60_000, maxExpiresAt: now + 3_600_000 });
      return store.activate(id, now + 60_000, now);
    };
    return { clock, store, revoker, mass, heard, ended, counted, lease };
  }

  it('revokes them in the selection itself, and tells the hooks (all at once) and the listeners of each', async () => {
    const f = await local((heard) => ({
      confirmedMany: (items) => heard.push(...items.map((i) => `${i.leaseId}:${i.state}:${i.trigger}:${i.reason}`)),
      confirmed: (item) => heard.push(`one:${item.leaseId}`),
    }));
    expect(f.revoker.localProviders()).toEqual(new Map([['api', 'oauth-jwt']]));
    const mine = [await f.lease('api'), await f.lease('api'), await f.lease('api')];
    const queued = await f.lease('counted');
    f.clock.advance(1000);
    const result = await f.mass.run({ selection: {}, trigger: 'deviation', reason: 'drill', requestedBy: 'ops' }, { confirmTimeoutMs: 0 });
    expect(result).toMatchObject({ matched: 4, accepted: 4, confirmed: 3, failed: 0, selecting: false, unconfirmed: [queued.id] });
    expect(f.heard.filter((h) => !h.startsWith('one:')).sort()).toEqual(mine.map((l) => `${l.id}:revoked:deviation:drill`).sort());
    expect(f.ended.filter((e) => !e.startsWith(queued.id)).sort()).toEqual(mine.map((l) => `${l.id}:revoked`).sort());
    for (const l of mine) expect(await state(f.store, l.id)).toBe('revoked');
    // The wrapped provider's lease was accepted as revoking, claimed for this replica and attempted at its revoke().
    const deadline = Date.now() + 5000;
    while ((await state(f.store, queued.id)) !== 'revoked' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(await state(f.store, queued.id)).toBe('revoked');
    expect([...f.counted.revoked.keys()]).toEqual([queued.id]);
    expect(f.ended).toContain(`${queued.id}:revoked`);
    expect(f.heard.filter((h) => h.startsWith('one:'))).toEqual([`one:${queued.id}`]);
  });

  it('tells confirmed() each one when the hooks take no batch', async () => {
    const f = await local((heard) => ({ confirmed: (item, state) => heard.push(`${item.leaseId}:${state}`) }));
    const mine = [await f.lease('api'), await f.lease('api')];
    await f.mass.run({ selection: {}, trigger: 'operator', reason: 'drill', requestedBy: 'ops' }, { confirmTimeoutMs: 0 });
    expect(f.heard.sort()).toEqual(mine.map((l) => `${l.id}:revoked`).sort());
    expect(f.ended).toHaveLength(2);
  });
});
