// oauth-client end to end over real gRPC, against a real authorization server (node-oidc-provider).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient, WarrantClientError } from '../../src/client/index.js';
import { AGENT_ID, OPERATOR_ID, readAudit, startHarness, type Harness } from '../support/harness.js';
import { ASSERTION_ISSUER, CLIENT_SECRET, RESOURCE, RS_CLIENT, oauthRaw, startOAuthWorld, type OAuthWorld } from '../providers/oauth-client-fixtures.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const POLICY = `
@id("agents-may-call-orders")
permit (principal, action == Action::"issue", resource)
when { principal.path like "/agents/*" };
`;
const task = (id: string) => ({ id, purpose: 'reconcile the orders of last week', attributes: {}, parent_id: '' });

let dir: string;
let world: OAuthWorld;
let noRevoke: OAuthWorld;
let h: Harness;
let agent: WarrantClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warrant-oauth-api-'));
  world = await startOAuthWorld(dir);
  await mkdir(join(dir, 'norevoke'));
  noRevoke = await startOAuthWorld(join(dir, 'norevoke'), { revocation: false, ttl: 120 });
  process.env['WARRANT_TEST_CLIENT_SECRET'] = CLIENT_SECRET;
  h = await startHarness({
    redisUrl: REDIS_URL,
    policy: POLICY,
    providers: {
      orders: oauthRaw(world),
      'orders-exchange': oauthRaw(world, { grant: 'token_exchange', assertionKeyFile: world.assertionKeyFile, assertionIssuer: ASSERTION_ISSUER }),
      'orders-norevoke': oauthRaw(noRevoke),
    },
  });
  agent = await h.client(AGENT_ID);
});
afterAll(async () => {
  await h?.close();
  await world?.server.close();
  await noRevoke?.server.close();
  delete process.env['WARRANT_TEST_CLIENT_SECRET'];
  await rm(dir, { recursive: true, force: true });
});

describe('oauth-client over gRPC', () => {
  it('issues a token narrowed to the request; it introspects active, and inactive after CompleteTask', async () => {
    const issued = await agent.issueTaskCredential({ task: task('t-oauth-life'), provider: 'orders', scope: ['orders:read'], ttl: { seconds: '120', nanos: 0 } });
    const lease = issued.lease!;
    const token = issued.credential!.oauth_token!;
    expect(lease).toMatchObject({ state: 'LEASE_STATE_ACTIVE', provider_kind: 'oauth-client', scope: ['orders:read'] });
    expect(token).toMatchObject({ token_type: 'Bearer', scope: ['orders:read'], audience: [RESOURCE] });
    expect(await world.server.introspect(token.access_token, RS_CLIENT)).toMatchObject({ active: true, scope: 'orders:read', aud: RESOURCE, client_id: 'warrant' });

    const completed = await agent.completeTask('t-oauth-life');
    expect(completed.leases.map((l) => [l.id, l.state])).toEqual([[lease.id, 'LEASE_STATE_REVOKED']]);
    expect(await world.server.introspect(token.access_token, RS_CLIENT)).toStrictEqual({ active: false });

    await h.server.audit.flush();
    const everything = readFileSync(h.auditFile, 'utf8') + h.logs.join('') + (await h.redisDump());
    expect(everything).toContain(lease.id);
    for (const secret of [token.access_token, CLIENT_SECRET]) expect(everything).not.toContain(secret);
  });

  it('exchanges warrant’s subject token for a token whose subject is the workload', async () => {
    const issued = await agent.issueTaskCredential({ task: task('t-oauth-exchange'), provider: 'orders-exchange', scope: ['orders:write'] });
    const token = issued.credential!.oauth_token!.access_token;
    expect(await world.server.introspect(token, RS_CLIENT)).toMatchObject({ active: true, sub: AGENT_ID, scope: 'orders:write' });
    await agent.completeTask('t-oauth-exchange');
    expect(await world.server.introspect(token, RS_CLIENT)).toStrictEqual({ active: false });
  });

  it('refuses a scope outside the ceiling with INVALID_ARGUMENT naming it', async () => {
    const err = (await agent.issueTaskCredential({ task: task('t-oauth-scope'), provider: 'orders', scope: ['orders:delete'] }).catch((e: unknown) => e)) as WarrantClientError;
    expect(err.grpcCode).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.code).toBe('ERR_SCOPE_INVALID');
    expect(err.message).toBe(`scope "orders:delete" is outside the ceiling of provider 'orders'`);
  });

  it('records in the audit log that a server without revocation lets its tokens die at expiry', async () => {
    const issued = await agent.issueTaskCredential({ task: task('t-oauth-norevoke'), provider: 'orders-norevoke', scope: ['orders:read'], ttl: { seconds: '60', nanos: 0 } });
    const lease = issued.lease!;
    // The lease ends when the token does (120 s at this server), not when asked.
    expect(Number(lease.expires_at!.seconds) - Number(lease.issued_at!.seconds)).toBeGreaterThanOrEqual(119);
    await agent.completeTask('t-oauth-norevoke');
    await h.server.audit.flush();
    const notices = readAudit(h).filter((r) => r['phase'] === 'provider_notice' && (r['lease'] as { id: string }).id === lease.id);
    expect(notices.map((r) => [r['type'], r['notice'], r['provider']])).toEqual([
      ['issue', 'revocation_expiry_only', 'orders-norevoke'],
      ['revoke', 'revocation_expiry_only', 'orders-norevoke'],
    ]);
  });

  it('answers UNAVAILABLE when the authorization server is down, and leaves nothing active', async () => {
    await mkdir(join(dir, 'down'));
    const down = await startOAuthWorld(join(dir, 'down'));
    const h2 = await startHarness({ policy: POLICY, providers: { orders: oauthRaw(down) } });
    try {
      const a2 = await h2.client(AGENT_ID);
      const op2 = await h2.client(OPERATOR_ID);
      await a2.issueTaskCredential({ task: task('t-oauth-before'), provider: 'orders', scope: ['orders:read'] });
      await down.server.close();
      const err = (await a2.issueTaskCredential({ task: task('t-oauth-down'), provider: 'orders', scope: ['orders:read'] }).catch((e: unknown) => e)) as WarrantClientError;
      expect(err.grpcCode).toBe(grpc.status.UNAVAILABLE);
      expect(err.code).toBe('ERR_PROVIDER_UNAVAILABLE');
      expect(err.message).toMatch(/^credential provider unavailable; nothing was issued; retry later \(correlation id [0-9a-f-]{36}\)$/);
      const leases = (await op2.listLeases({ selector: { task_id: 't-oauth-down' } })).leases;
      expect(leases).toHaveLength(1);
      expect(leases[0]!.state).not.toBe('LEASE_STATE_ACTIVE');
    } finally {
      await h2.close();
    }
  });
});
