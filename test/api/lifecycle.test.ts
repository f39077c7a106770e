// One credential issued, introspected, renewed, revoked and reaped, end to end over real mTLS.
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient } from '../../src/client/index.js';
import { AGENT_ID, OPERATOR_ID, eventually, readAudit, startHarness, type Harness } from '../support/harness.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const task = (id: string, attributes: Record<string, string> = {}) => ({ id, purpose: 'read the orders of last week', attributes, parent_id: '' });

describe.each(['memory', 'redis'] as const)('issue → introspect → renew → complete (%s store)', (store) => {
  let h: Harness;
  let agent: WarrantClient;

  beforeAll(async () => {
    h = await startHarness(store === 'redis' ? { redisUrl: REDIS_URL } : {});
    agent = await h.client(AGENT_ID);
  });
  afterAll(async () => {
    await h.close();
  });

  it('walks the whole lifecycle of an oauth-jwt credential', async () => {
    const issued = await agent.issueTaskCredential({
      task: task('t-life', { environment: 'dev' }),
      provider: 'orders-api',
      scope: ['orders:read'],
      ttl: { seconds: '600', nanos: 0 },
    });
    const lease = issued.lease!;
    expect(lease.state).toBe('LEASE_STATE_ACTIVE');
    expect(lease.owner).toBe(AGENT_ID);
    expect(lease.task_id).toBe('t-life');
    expect(lease.scope).toEqual(['orders:read']);
    const token = issued.credential!.oauth_token!.access_token;

    // RFC 9068 token, verifiable with the published JWKS.
    const jwks = createRemoteJWKSet(new URL(`${h.httpBase}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: 'https://warrant.test.example',
      audience: 'https://orders.test.example',
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: AGENT_ID, client_id: AGENT_ID, jti: lease.id, scope: 'orders:read', task_id: 't-life' });
    expect(payload.exp! - payload.iat!).toBeGreaterThan(590);

    expect(await h.introspect(token)).toMatchObject({ active: true, sub: AGENT_ID, jti: lease.id, scope: 'orders:read', token_type: 'Bearer' });

    const renewed = await agent.renewLease(lease.id, 1200);
    expect(renewed.lease!.renewals).toBe(1);
    expect(Number(renewed.lease!.expires_at!.seconds)).toBeGreaterThan(Number(lease.expires_at!.seconds));
    const fresh = renewed.credential!.oauth_token!.access_token;
    expect(decodeJwt(fresh).jti).toBe(lease.id);
    expect(decodeJwt(fresh).exp).toBe(Number(renewed.lease!.expires_at!.seconds));

    const completed = await agent.completeTask('t-life');
    expect(completed.leases.map((l) => [l.id, l.state, l.trigger])).toEqual([[lease.id, 'LEASE_STATE_REVOKED', 'TRIGGER_TASK_COMPLETED']]);
    expect(await h.introspect(token)).toEqual({ active: false });
    expect(await h.introspect(fresh)).toEqual({ active: false });

    await expect(agent.renewLease(lease.id)).rejects.toMatchObject({ code: 'ERR_LEASE_NOT_RENEWABLE' });
  });

  it('returns the same lease for a retried request with the same idempotency key', async () => {
    const req = { task: task('t-idem'), provider: 'orders-api', scope: ['orders:read'], idempotency_key: 'req-0001' };
    const first = await agent.issueTaskCredential(req);
    const again = await agent.issueTaskCredential(req);
    expect(again.lease!.id).toBe(first.lease!.id);
    expect(decodeJwt(again.credential!.oauth_token!.access_token).jti).toBe(first.lease!.id);
    await expect(agent.issueTaskCredential({ ...req, scope: ['orders:write'] })).rejects.toMatchObject({
      grpcCode: 6,
      code: 'ERR_IDEMPOTENCY_CONFLICT',
    });
    const all = await agent.completeTask('t-idem');
    expect(all.leases).toHaveLength(1);
  });

  it('revokes a lease that reaches its expiry (reaper) and introspection turns inactive', async () => {
    const issued = await agent.issueTaskCredential({ task: task('t-short'), provider: 'orders-api', scope: [], ttl: { seconds: '1', nanos: 0 } });
    const token = issued.credential!.oauth_token!.access_token;
    const operator = await h.client(OPERATOR_ID);
    const reaped = await eventually(async () => {
      const l = (await operator.getLease(issued.lease!.id)).lease!;
      return l.state === 'LEASE_STATE_EXPIRED' ? l : undefined;
    });
    expect(reaped.trigger).toBe('TRIGGER_EXPIRED');
    expect(await h.introspect(token)).toEqual({ active: false });
  });

  it('streams lease events to a watcher of the task', async () => {
    const events: string[] = [];
    const watch = agent.watchLeases({ taskId: 't-watch' }, (e) => events.push(e.type));
    await new Promise((r) => setTimeout(r, 100));
    const issued = await agent.issueTaskCredential({ task: task('t-watch'), provider: 'orders-api', scope: [] });
    await agent.revokeLease(issued.lease!.id, 'done early');
    await eventually(async () => (events.includes('LEASE_EVENT_TYPE_REVOKED') ? true : undefined));
    watch.cancel();
    await watch.done;
    expect(events).toEqual(['LEASE_EVENT_TYPE_ISSUED', 'LEASE_EVENT_TYPE_REVOKING', 'LEASE_EVENT_TYPE_REVOKED']);
  });

  it('audits every decision, issue, renew and revoke, and never a secret', async () => {
    const issued = await agent.issueTaskCredential({ task: task('t-audit'), provider: 'orders-api', scope: ['orders:write'] });
    const token = issued.credential!.oauth_token!.access_token;
    await agent.renewLease(issued.lease!.id);
    await agent.revokeLease(issued.lease!.id, 'finished');
    await h.server.audit.flush();
    const records = readAudit(h);
    const forLease = records.filter((r) => JSON.stringify(r).includes(issued.lease!.id));
    expect(forLease.map((r) => r['type'])).toEqual(['issue', 'renew', 'revoke', 'revoke']);
    // Granted at once, the request's decision is in its issue record, not a record of its own.
    expect(records.filter((r) => r['type'] === 'decision' && r['task'] === 't-audit')).toEqual([]);
    const issue = forLease[0]!;
    expect(issue['decision']).toMatchObject({ allowed: true, policies: ['agents-may-use-orders-api'], approvalRequired: false });
    expect(issue['decision']).toMatchObject({ policyVersion: issue['policyVersion'] });
    expect(typeof issue['credentialHmac']).toBe('string');
    const signature = token.split('.')[2]!;
    const everything = readFileSync(h.auditFile, 'utf8') + h.logs.join('');
    expect(everything).not.toContain(signature);
    const redis = await h.redisDump();
    if (store === 'redis') expect(redis).toContain(issued.lease!.id);
    expect(redis).not.toContain(signature);
    expect(redis).not.toContain(token.split('.')[1]!);
    expect(everything).not.toContain(token.split('.')[1]!);
  });
});
