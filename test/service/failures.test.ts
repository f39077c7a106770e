// What happens when a provider or the process fails in the middle of an issue or a revocation.
import { describe, expect, it } from 'vitest';
import { WarrantError } from '../../src/core/index.js';
import { AGENT, serviceFixture } from './fixture.js';

describe('issue when the provider fails', () => {
  it('provider outage while minting → ERR_PROVIDER_UNAVAILABLE, and the pending lease is revoked, never active', async () => {
    const f = await serviceFixture();
    f.provider.failMint = new WarrantError('ERR_PROVIDER_UNAVAILABLE', 'provider api is unreachable');
    await expect(f.issue('t1')).rejects.toMatchObject({ code: 'ERR_PROVIDER_UNAVAILABLE' });
    const [lease] = await f.leasesOf('t1');
    expect(lease).toMatchObject({ state: 'expired', trigger: 'expired', reason: 'mint failed' });
    expect(f.provider.revoked).toEqual([lease!.handle]);
    // The decision is on record before what the failure led to.
    const records = (await f.auditRecords()).filter((r) => r['type'] === 'decision' || r['type'] === 'issue');
    expect(records.map((r) => [r['type'], r['outcome'] ?? (r['decision'] as { allowed: boolean }).allowed])).toEqual([
      ['decision', true],
      ['issue', 'mint_failed'],
    ]);
  });

  it('a request granted at once is one audit record, the issue carrying its decision; a retry that finds its lease records the decision alone', async () => {
    const f = await serviceFixture();
    const { lease } = await f.issue('t5');
    const retry = () => f.service.issue(AGENT, { task: { id: 't5', purpose: '', attributes: {}, parentId: '' }, provider: 'api', scope: [], ttlMs: 60_000, idempotencyKey: 'k1' });
    const first = await retry();
    expect((await retry()).lease.id).toBe(first.lease.id);
    const records = (await f.auditRecords()).filter((r) => r['type'] === 'issue' || r['type'] === 'decision');
    expect(records.map((r) => [r['type'], (r['lease'] as { id?: string } | undefined)?.id])).toEqual([
      ['issue', lease.id],
      ['issue', first.lease.id],
      ['decision', undefined],
    ]);
    expect(records[0]!['decision']).toMatchObject({ allowed: true, approvalRequired: false });
  });

  it('an unexpected provider error is INTERNAL with no detail for the caller', async () => {
    const f = await serviceFixture();
    f.provider.failMint = new WarrantError('ERR_PROVIDER_FAILED', 'driver said: password authentication failed for user x');
    const err = (await f.issue('t2').catch((e: unknown) => e)) as WarrantError;
    expect(err.code).toBe('ERR_PROVIDER_FAILED');
    expect(err.expose).toBe(false);
  });
});

describe('a provider that mints nothing outside the process (localMint) mints while the lease is written and counted', () => {
  /** The same requests against a provider that claims localMint and one that does not. */
  const both = async <T>(run: (f: Awaited<ReturnType<typeof serviceFixture>>) => Promise<T>): Promise<{ local: T; counted: T }> => {
    const local = await serviceFixture();
    local.provider.localMint = true;
    const counted = await serviceFixture();
    return { local: await run(local), counted: await run(counted) };
  };
  const auditShape = (records: Record<string, unknown>[]) =>
    records.filter((r) => r['type'] === 'decision' || r['type'] === 'issue' || r['type'] === 'task').map((r) => [r['type'], r['outcome'] ?? r['phase'] ?? null]);

  it('a task that refuses the lease: the same refusal, no lease left active, and what was minted meanwhile is never delivered', async () => {
    const outcome = await both(async (f) => {
      const budget = { maxCredentials: 1 };
      const issueIn = (id: string) => f.service.issue(AGENT, { task: { id, purpose: '', attributes: {}, parentId: '', budget }, provider: 'api', scope: [], ttlMs: 60_000, idempotencyKey: '' });
      const first = await issueIn('tb');
      const refused = (await issueIn('tb').catch((e: unknown) => e)) as WarrantError;
      const leases = await f.leasesOf('tb');
      return {
        code: refused.code,
        message: refused.message.replace(/[0-9a-z]{26}/g, '<lease>'),
        active: leases.filter((l) => l.state === 'active').map((l) => l.id === first.lease.id),
        mints: f.provider.mints,
        audit: auditShape(await f.auditRecords()),
      };
    });
    expect(outcome.counted.code).toBe('ERR_TASK_BUDGET_EXHAUSTED');
    // Minted while the lease was written and counted, then dropped: one more mint, nothing else differs.
    expect(outcome.local.mints).toBe(2);
    expect(outcome.counted.mints).toBe(1);
    expect({ ...outcome.local, mints: 0 }).toEqual({ ...outcome.counted, mints: 0 });
    expect(outcome.local.active).toEqual([true]);
  });

  it('a request with an idempotency key mints only once the store has looked: a retry or a conflict mints nothing', async () => {
    const f = await serviceFixture();
    f.provider.localMint = true;
    const withKey = (ttlMs: number) =>
      f.service.issue(AGENT, { task: { id: 'tk', purpose: '', attributes: {}, parentId: '' }, provider: 'api', scope: [], ttlMs, idempotencyKey: 'k1' });
    const first = await withKey(60_000);
    expect(f.provider.mints).toBe(1);
    expect((await withKey(60_000)).lease.id).toBe(first.lease.id);
    await expect(withKey(30_000)).rejects.toMatchObject({ code: 'ERR_IDEMPOTENCY_CONFLICT' });
    expect(f.provider.mints).toBe(1);
  });

  it('a failed mint: the same error, lease, audit and task count as when it mints after the count', async () => {
    const outcome = await both(async (f) => {
      const issueIn = () =>
        f.service.issue(AGENT, { task: { id: 'tm', purpose: '', attributes: {}, parentId: '', budget: { maxConcurrentLeases: 1 } }, provider: 'api', scope: [], ttlMs: 60_000, idempotencyKey: '' });
      f.provider.failMint = new WarrantError('ERR_PROVIDER_UNAVAILABLE', 'provider api is unreachable');
      const err = (await issueIn().catch((e: unknown) => e)) as WarrantError;
      const [lease] = await f.leasesOf('tm');
      f.provider.failMint = undefined;
      // The failed lease no longer counts against the task: a task of one live lease takes the next.
      const next = await issueIn();
      return {
        code: err.code,
        lease: { state: lease?.state, trigger: lease?.trigger, reason: lease?.reason },
        revoked: f.provider.revoked.length,
        next: next.lease.state,
        audit: auditShape(await f.auditRecords()),
      };
    });
    expect(outcome.local).toEqual(outcome.counted);
    expect(outcome.local).toMatchObject({ code: 'ERR_PROVIDER_UNAVAILABLE', lease: { state: 'expired', reason: 'mint failed' }, next: 'active' });
  });
});

describe('crash between pending and active', () => {
  it('the reaper revokes a stale pending lease at the provider through its derivable handle', async () => {
    const f = await serviceFixture();
    const now = f.clock.now();
    // What a server that died right after writing the intent leaves behind.
    await f.store.createPending({
      id: '01jh0000000000000000000000',
      owner: AGENT.spiffeId,
      trustDomain: AGENT.trustDomain,
      taskId: 'crashed',
      provider: 'api',
      providerKind: 'oauth-jwt',
      scope: [],
      handle: f.provider.handleFor('01jh0000000000000000000000'),
      issuedAt: now,
      expiresAt: now + 60_000,
      maxExpiresAt: now + 3_600_000,
    });
    expect(await f.reaper.tick()).toEqual({ expired: 0, abandoned: 0, retried: 0 });
    f.clock.advance(61_000);
    expect(await f.reaper.tick()).toMatchObject({ abandoned: 1 });
    const [lease] = await f.leasesOf('crashed');
    expect(lease?.state).toBe('expired');
    expect(f.provider.revoked).toEqual(['01jh0000000000000000000000']);
  });
});

describe('revocation through a provider outage', () => {
  it('keeps the lease revoking, retries, and reports revoked only after the provider confirms', async () => {
    const f = await serviceFixture();
    const { lease } = await f.issue('t3');
    f.provider.failRevoke = new WarrantError('ERR_PROVIDER_UNAVAILABLE', 'down');
    const first = await f.service.revokeLease(AGENT, lease.id, 'stop');
    expect(first.state).toBe('revoking');
    await expect(f.service.renew(AGENT, lease.id, undefined)).rejects.toMatchObject({ code: 'ERR_LEASE_NOT_RENEWABLE' });
    f.clock.advance(6000);
    expect(await f.reaper.tick()).toMatchObject({ retried: 1 });
    expect((await f.store.get(lease.id))?.state).toBe('revoking');
    f.provider.failRevoke = undefined;
    f.clock.advance(6000);
    expect(await f.reaper.tick()).toMatchObject({ retried: 1 });
    expect(await f.store.get(lease.id)).toMatchObject({ state: 'revoked', trigger: 'owner', reason: 'stop' });
  });

  it('expiry: the reaper revokes an active lease whose time is up', async () => {
    const f = await serviceFixture();
    const { lease } = await f.issue('t4');
    f.clock.advance(59_000);
    expect(await f.reaper.tick()).toMatchObject({ expired: 0 });
    f.clock.advance(2_000);
    expect(await f.reaper.tick()).toMatchObject({ expired: 1 });
    expect(await f.store.get(lease.id)).toMatchObject({ state: 'expired', trigger: 'expired' });
  });

  it('caps a lease at the SVID that obtained it', async () => {
    const f = await serviceFixture();
    const shortLived = { ...AGENT, svidExpiresAt: f.clock.now() + 10_000 };
    const out = await f.service.issue(shortLived, { task: { id: 't5', purpose: '', attributes: {}, parentId: '' }, provider: 'api', scope: [], ttlMs: 60_000, idempotencyKey: '' });
    expect(out.lease.expiresAt).toBeLessThanOrEqual(shortLived.svidExpiresAt);
    expect(out.lease.maxExpiresAt).toBeLessThanOrEqual(shortLived.svidExpiresAt);
  });
});
