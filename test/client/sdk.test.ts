// The client SDK against a real warrant server over mTLS: background renewal, revocation events,
// close(), max-TTL re-issue, SVID and bundle rotation, and a server restart.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CredentialHandle,
  InvalidArgumentError,
  PermissionDeniedError,
  UnavailableError,
  WarrantClient,
  type CredentialHandleEvents,
  type WarrantClientError,
} from '../../src/client/index.js';
import { DevAuthority } from '../../src/identity/index.js';
import { AGENT_ID, OPERATOR_ID, OTHER_AGENT_ID, SERVER_ID, TD, eventually, startHarness, type Harness } from '../support/harness.js';
import { startTestWorkloadApi } from '../support/workload-api-server.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const run = Date.now().toString(36);

/** Resolves with the next `event` of the handle; the guard only stops a hung test. */
function next<K extends keyof CredentialHandleEvents>(h: CredentialHandle, event: K, guardMs = 20_000): Promise<CredentialHandleEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(event)} event`)), guardMs);
    h.once(event, ((...args: CredentialHandleEvents[K]) => {
      clearTimeout(timer);
      resolve(args);
    }) as never);
  });
}

function tokenOf(h: CredentialHandle): string {
  const c = h.credential;
  if (c?.kind !== 'oauth_token') throw new Error('expected an oauth token');
  return c.accessToken;
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

describe('credential handles (memory store)', () => {
  let h: Harness;
  let agent: WarrantClient;
  let operator: WarrantClient;
  const open: CredentialHandle[] = [];

  beforeAll(async () => {
    h = await startHarness();
    agent = await h.client(AGENT_ID);
    operator = await h.client(OPERATOR_ID);
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close().catch(() => undefined);
  });
  afterAll(async () => {
    await h.close();
  });

  it('renews in the background and delivers the fresh token of each renewal', async () => {
    const cred = await agent.credential({ provider: 'orders-api', task: `t-renew-${run}`, scope: ['orders:read'], ttl: 2000, renewAt: 0.5 });
    open.push(cred);
    const first = tokenOf(cred);
    const issuedLease = cred.lease;
    expect(issuedLease.state).toBe('active');
    const [renewed] = await next(cred, 'renewed');
    expect(renewed.lease.id).toBe(issuedLease.id);
    expect(renewed.lease.renewals).toBe(1);
    expect(renewed.lease.expiresAt).toBeGreaterThan(issuedLease.expiresAt);
    expect(renewed.credential?.kind).toBe('oauth_token');
    const fresh = tokenOf(cred);
    expect(fresh).not.toBe(first);
    expect(decodeJwt(fresh).jti).toBe(issuedLease.id);
    expect(decodeJwt(fresh).exp).toBe(Math.floor(renewed.lease.expiresAt / 1000));
    expect(await h.introspect(fresh)).toMatchObject({ active: true, jti: issuedLease.id });
    await next(cred, 'renewed');
    expect(cred.lease.renewals).toBe(2);
    expect(cred.state).toBe('active');
  });

  it('delivers revoked with the trigger when an operator revokes the lease', async () => {
    const cred = await agent.credential({ provider: 'orders-api', task: `t-op-${run}`, ttl: 60_000 });
    open.push(cred);
    const revoked = next(cred, 'revoked');
    await operator.revokeLease(cred.lease.id, 'suspicious activity');
    const [e] = await revoked;
    expect(e.lease.id).toBe(cred.lease.id);
    expect(e.trigger).toBe('operator');
    expect(e.reason).toBe('suspicious activity');
    expect(cred.state).toBe('revoked');
  });

  it('reports task_completed to every handle of the task over one WatchLeases stream', async () => {
    const task = `t-many-${run}`;
    const before = agent.stats().streams['WatchLeases'] ?? 0;
    const creds = await Promise.all([1, 2, 3].map(() => agent.credential({ provider: 'orders-api', task, ttl: 60_000 })));
    open.push(...creds);
    expect((agent.stats().streams['WatchLeases'] ?? 0) - before).toBe(1);
    const triggers = Promise.all(creds.map((c) => next(c, 'revoked').then(([e]) => e.trigger)));
    const other = await h.client(AGENT_ID);
    await other.completeTask(task);
    expect(await triggers).toEqual(['task_completed', 'task_completed', 'task_completed']);
  });

  it('close() revokes the lease and the token turns inactive', async () => {
    const cred = await agent.credential({ provider: 'orders-api', task: `t-close-${run}`, ttl: 60_000 });
    const token = tokenOf(cred);
    const closed = next(cred, 'closed');
    await cred.close();
    await closed;
    expect(cred.state).toBe('closed');
    const lease = (await agent.getLease(cred.lease.id)).lease!;
    expect([lease.state, lease.trigger, lease.reason]).toEqual(['LEASE_STATE_REVOKED', 'TRIGGER_OWNER', 'closed by the client']);
    expect(await h.introspect(token)).toEqual({ active: false });
    await cred.close();
  });

  it('rejects with typed errors: a bad option locally, a policy denial from the server', async () => {
    await expect(agent.credential({ provider: 'orders-api', task: 't', renewAt: 1.5 })).rejects.toThrow(InvalidArgumentError);
    await expect(agent.credential({ provider: 'orders-api', task: 't', renewAt: 1.5 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: 'renewAt must be a fraction between 0 and 1',
    });
    const beta = await h.client(OTHER_AGENT_ID);
    const denied = beta.credential({ provider: 'orders-api', task: { id: `t-deny-${run}`, attributes: { environment: 'prod' } } });
    await expect(denied).rejects.toThrow(PermissionDeniedError);
    await expect(beta.credential({ provider: 'orders-api', task: { id: `t-deny-${run}`, attributes: { environment: 'prod' } } })).rejects.toMatchObject({
      code: 'ERR_POLICY_DENIED',
      grpcCode: 7,
    });
    await expect(agent.credential({ provider: 'nope', task: `t-np-${run}` })).rejects.toMatchObject({ code: 'ERR_PROVIDER_NOT_FOUND', grpcCode: 5 });
  });
});

describe('credential handles at the max TTL', () => {
  let h: Harness;
  let agent: WarrantClient;

  beforeAll(async () => {
    h = await startHarness({
      providers: {
        'orders-api': {
          kind: 'oauth-jwt',
          issuer: 'https://warrant.test.example',
          audience: 'https://orders.test.example',
          scopes: ['orders:read'],
          defaultTtl: '2s',
          maxTtl: '3s',
          signingKeyFile: 'orders-api-key.pem',
        },
      },
    });
    agent = await h.client(AGENT_ID);
  });
  afterAll(async () => {
    await h.close();
  });

  it('re-issues when the lease reaches its max TTL, and close() revokes both', async () => {
    const cred = await agent.credential({ provider: 'orders-api', task: `t-reissue-${run}`, ttl: 2000, renewAt: 0.5, reissue: true });
    const first = cred.lease;
    const [e] = await next(cred, 'reissued');
    expect(e.previous.id).toBe(first.id);
    expect(e.lease.id).not.toBe(first.id);
    expect(e.credential.kind).toBe('oauth_token');
    expect(cred.lease.id).toBe(e.lease.id);
    expect(decodeJwt(tokenOf(cred)).jti).toBe(e.lease.id);
    await cred.close();
    const states = await Promise.all([first.id, e.lease.id].map(async (id) => (await agent.getLease(id)).lease!.state));
    expect(states.every((s) => s === 'LEASE_STATE_REVOKED' || s === 'LEASE_STATE_EXPIRED')).toBe(true);
  });

  it('without reissue, says expiring (max_ttl) and then revoked (expired)', async () => {
    const cred = await agent.credential({ provider: 'orders-api', task: `t-maxttl-${run}`, ttl: 2000, renewAt: 0.5 });
    const [expiring] = await next(cred, 'expiring');
    expect(expiring.reason).toBe('max_ttl');
    const [revoked] = await next(cred, 'revoked');
    expect(revoked.trigger).toBe('expired');
    expect(cred.state).toBe('expired');
    await cred.close();
  });
});

describe('rotation: the client reconnects with new material', () => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), 'warrant-sdk-svid-'));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a rotated client SVID is used by the next call; the task watch moves to the new channel', async () => {
    const files = { svidFile: join(dir, 'svid.pem'), svidKeyFile: join(dir, 'svid-key.pem'), bundleFile: join(dir, 'bundle.pem') };
    const short = await h.authority.issueX509Svid(AGENT_ID, { ttlMs: 10 * 60_000 });
    writeAtomic(files.svidFile, short.chainPem);
    writeAtomic(files.svidKeyFile, short.keyPem);
    writeAtomic(files.bundleFile, h.authority.certPem);
    const client = WarrantClient.fromFiles({ server: h.grpcAddress, serverId: SERVER_ID, ...files, pollIntervalMs: 200 });
    try {
      const task = `t-rot-${run}`;
      // The lease is capped at the SVID's expiry: it shows which SVID the server saw.
      const cred = await client.credential({ provider: 'orders-api', task, ttl: 30 * 60_000 });
      expect(cred.lease.expiresAt).toBe(Date.parse(new X509Certificate(short.chainPem).validTo));

      const long = await h.authority.issueX509Svid(AGENT_ID, { ttlMs: 2 * 3600_000 });
      const rotated = new Promise((resolve) => client.once('rotated', resolve));
      writeAtomic(files.svidKeyFile, long.keyPem);
      writeAtomic(files.svidFile, long.chainPem);
      expect(await rotated).toEqual({ generation: 2 });

      const second = await client.issueTaskCredential({ task: { id: task, purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [], ttl: { seconds: '1800', nanos: 0 } });
      const expires = Number(second.lease!.expires_at!.seconds) * 1000;
      expect(expires).toBeLessThan(Date.parse(new X509Certificate(long.chainPem).validTo));
      expect(expires).toBeGreaterThan(Date.parse(new X509Certificate(short.chainPem).validTo));

      // Events still reach the handle: the task's stream was reopened on the new channel.
      const operator = await h.client(OPERATOR_ID);
      const revoked = next(cred, 'revoked');
      await operator.revokeLease(cred.lease.id, 'rotation test');
      expect((await revoked)[0].trigger).toBe('operator');
      expect(client.stats().streams['WatchLeases']).toBe(2);
      await cred.close();
    } finally {
      client.close();
    }
  });

  it('a half-written rotation (new certificate, old key) is reported and ignored until it completes', async () => {
    const sub = mkdtempSync(join(dir, 'half-'));
    const files = { svidFile: join(sub, 'svid.pem'), svidKeyFile: join(sub, 'svid-key.pem'), bundleFile: join(sub, 'bundle.pem') };
    const a = await h.authority.issueX509Svid(AGENT_ID);
    writeAtomic(files.svidFile, a.chainPem);
    writeAtomic(files.svidKeyFile, a.keyPem);
    writeAtomic(files.bundleFile, h.authority.certPem);
    const client = WarrantClient.fromFiles({ server: h.grpcAddress, serverId: SERVER_ID, ...files, pollIntervalMs: 200 });
    try {
      const b = await h.authority.issueX509Svid(AGENT_ID);
      const error = new Promise<Error>((resolve) => client.once('svidError', resolve));
      writeAtomic(files.svidFile, b.chainPem);
      expect((await error).message).toBe(
        `${files.svidFile} and ${files.svidKeyFile}: the SVID key does not belong to the leaf certificate (a rotation may be half-written); the previous SVID stays in use`,
      );
      expect(client.generation).toBe(1);
      await client.issueTaskCredential({ task: { id: `t-half-${run}`, purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [] });
      const rotated = new Promise((resolve) => client.once('rotated', resolve));
      writeAtomic(files.svidKeyFile, b.keyPem);
      expect(await rotated).toEqual({ generation: 2 });
      await client.completeTask(`t-half-${run}`);
    } finally {
      client.close();
    }
  });

  it('after the server moves to an SVID from a new authority, a client whose bundle file gained it reconnects', async () => {
    const files = { svidFile: join(dir, 'ca-svid.pem'), svidKeyFile: join(dir, 'ca-svid-key.pem'), bundleFile: join(dir, 'ca-bundle.pem') };
    const svid = await h.authority.issueX509Svid(AGENT_ID);
    writeAtomic(files.svidFile, svid.chainPem);
    writeAtomic(files.svidKeyFile, svid.keyPem);
    writeAtomic(files.bundleFile, h.authority.certPem);
    const client = WarrantClient.fromFiles({ server: h.grpcAddress, serverId: SERVER_ID, ...files, pollIntervalMs: 200 });
    const old = new WarrantClient({ server: h.grpcAddress, serverId: SERVER_ID, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: h.authority.certPem, timeoutMs: 2000 });
    try {
      const task = `t-srv-${run}`;
      const issued = await client.issueTaskCredential({ task: { id: task, purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [] });
      const leaseId = issued.lease!.id;
      expect((await old.getLease(leaseId)).lease!.id).toBe(leaseId);

      // The trust domain's new authority is published first, then the server's SVID moves to it.
      const successor = await DevAuthority.create(TD);
      const rotated = new Promise((resolve) => client.once('rotated', resolve));
      writeAtomic(files.bundleFile, h.authority.certPem + successor.certPem);
      expect(await rotated).toEqual({ generation: 2 });
      const serverSvid = await successor.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'] });
      h.server.tls.setIdentity(serverSvid.chainPem, serverSvid.keyPem);

      // The rotated client's new channel connects now and verifies the new SVID …
      expect((await client.renewLease(leaseId)).lease!.renewals).toBe(1);
      // … while a client that knows only the old authority cannot make a new connection.
      const fresh = new WarrantClient({ server: h.grpcAddress, serverId: SERVER_ID, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: h.authority.certPem, timeoutMs: 2000 });
      await expect(fresh.getLease(leaseId)).rejects.toThrow(UnavailableError);
      fresh.close();
      await client.completeTask(task);
    } finally {
      client.close();
      old.close();
      h.server.tls.setIdentity(...(await serverIdentity(h)));
    }
  });
});

describe('SVID from the SPIFFE Workload API', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('connects with the SVID the Workload API serves and follows its rotation', async () => {
    const api = await startTestWorkloadApi();
    const client = WarrantClient.fromWorkloadApi({ server: h.grpcAddress, serverId: SERVER_ID, workloadApi: api.address });
    try {
      const short = await h.authority.issueX509Svid(AGENT_ID, { ttlMs: 10 * 60_000 });
      api.serve({ spiffeId: AGENT_ID, chainPem: short.chainPem, keyPem: short.keyPem, bundlePem: h.authority.certPem });
      const task = `t-wl-${run}`;
      const cred = await client.credential({ provider: 'orders-api', task, ttl: 30 * 60_000 });
      expect(cred.lease.owner).toBe(AGENT_ID);
      expect(cred.lease.expiresAt).toBe(Date.parse(new X509Certificate(short.chainPem).validTo));

      const long = await h.authority.issueX509Svid(AGENT_ID, { ttlMs: 2 * 3600_000 });
      const rotated = new Promise((resolve) => client.once('rotated', resolve));
      api.serve({ spiffeId: AGENT_ID, chainPem: long.chainPem, keyPem: long.keyPem, bundlePem: h.authority.certPem });
      expect(await rotated).toEqual({ generation: 2 });
      const second = await client.credential({ provider: 'orders-api', task, ttl: 30 * 60_000 });
      expect(second.lease.expiresAt).toBeGreaterThan(Date.parse(new X509Certificate(short.chainPem).validTo));
      await client.completeTask(task);
      expect([cred.state, second.state]).toEqual(['revoked', 'revoked']);
    } finally {
      client.close();
      await api.close();
    }
  });

  it('trusts only the bundle of the server\'s trust domain', async () => {
    const api = await startTestWorkloadApi();
    const other = await DevAuthority.create('other.example');
    const svid = await other.issueX509Svid('spiffe://other.example/agents/x');
    api.serve({ spiffeId: 'spiffe://other.example/agents/x', chainPem: svid.chainPem, keyPem: svid.keyPem, bundlePem: other.certPem });
    const client = WarrantClient.fromWorkloadApi({ server: h.grpcAddress, serverId: SERVER_ID, workloadApi: api.address });
    try {
      await expect(client.getLease('x')).rejects.toMatchObject({ code: 'ERR_SVID_UNAVAILABLE' });
      await expect(client.getLease('x')).rejects.toThrow(
        `no SVID to connect with: the Workload API gives no bundle for the server's trust domain spiffe://${TD} (this workload is in spiffe://other.example); federate the two trust domains`,
      );
    } finally {
      client.close();
      await api.close();
    }
  });
});

async function serverIdentity(h: Harness): Promise<[string, string]> {
  const s = await h.authority.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'] });
  return [s.chainPem, s.keyPem];
}

describe('server restart (Redis store)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ redisUrl: REDIS_URL });
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps renewing through a restart: errors while it is down, renewals and events after', async () => {
    const agent = await h.client(AGENT_ID);
    const cred = await agent.credential({ provider: 'orders-api', task: `t-restart-${run}`, ttl: 20_000, renewAt: 0.2, retry: { initialMs: 200, maxMs: 500 } });
    const errors: WarrantClientError[] = [];
    cred.on('error', (err) => errors.push(err));
    await next(cred, 'renewed');

    await h.pause();
    const [failed] = await next(cred, 'error');
    expect(failed).toBeInstanceOf(UnavailableError);
    expect(cred.state).toBe('retrying');
    expect(cred.retrying?.failures).toBeGreaterThanOrEqual(1);
    await h.resume();

    const [renewed] = await next(cred, 'renewed');
    expect(renewed.lease.id).toBe(cred.lease.id);
    expect(cred.state).toBe('active');
    expect(cred.retrying).toBeUndefined();
    expect(errors.every((e) => e.grpcCode === 14)).toBe(true);

    // The task's watch reconnected: an operator's revocation still arrives.
    const operator = await h.client(OPERATOR_ID);
    await eventually(async () => ((agent.stats().streams['WatchLeases'] ?? 0) >= 2 ? true : undefined));
    const revoked = next(cred, 'revoked');
    await operator.revokeLease(cred.lease.id, 'after restart');
    expect((await revoked)[0].trigger).toBe('operator');
    await cred.close();
  }, 90_000);
});
