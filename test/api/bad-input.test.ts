// Bad input gets a precise status and an actionable message, never a credential, never a crash.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarrantClient } from '../../src/client/index.js';
import { DevAuthority } from '../../src/identity/index.js';
import { AGENT_ID, OPERATOR_ID, OTHER_AGENT_ID, SERVER_ID, TD, readAudit, startHarness, type Harness } from '../support/harness.js';
import { failure } from '../support/failure.js';

let h: Harness;
let agent: WarrantClient;
let other: WarrantClient;

beforeAll(async () => {
  h = await startHarness();
  agent = await h.client(AGENT_ID);
  other = await h.client(OTHER_AGENT_ID);
});
afterAll(async () => {
  await h.close();
});

const task = (id = 't-bad', attributes: Record<string, string> = {}) => ({ id, purpose: 'p', attributes, parent_id: '' });

async function issuedCount(): Promise<number> {
  await h.server.audit.flush();
  return readAudit(h).filter((r) => r['type'] === 'issue' && r['outcome'] === 'issued').length;
}

describe('authentication', () => {
  it('no client certificate → UNAUTHENTICATED', async () => {
    const { warrant } = (await import('../../src/api/index.js')).loadWarrantProto();
    const creds = grpc.credentials.createSsl(Buffer.from(h.authority.certPem), null, null, { checkServerIdentity: () => undefined });
    const bare = new warrant.CredentialService(h.grpcAddress, creds, { 'grpc.ssl_target_name_override': TD });
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      bare.IssueTaskCredential({ task: task(), provider: 'orders-api' }, (e) => resolve(e!)),
    );
    bare.close();
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toBe('no client certificate: connect with mTLS and present an X.509-SVID');
  });

  it('a certificate from an authority outside the bundle → UNAUTHENTICATED', async () => {
    const stranger = await DevAuthority.create(TD);
    const svid = await stranger.issueX509Svid(AGENT_ID);
    const c = new WarrantClient({ server: h.grpcAddress, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: h.authority.certPem, serverId: SERVER_ID });
    const f = await failure(c.issueTaskCredential({ task: task(), provider: 'orders-api' }));
    c.close();
    expect(f.grpcCode).toBe(grpc.status.UNAUTHENTICATED);
    expect(f.code).toBe('ERR_UNAUTHENTICATED');
    expect(f.message).toBe(
      'X509-SVID spiffe://test.example/agents/alpha rejected: the presented certificates do not chain to an authority of trust domain "test.example" (X509-SVID §5.1)',
    );
  });

  it('a certificate of another trust domain → UNAUTHENTICATED', async () => {
    const foreign = await DevAuthority.create('other.example');
    const svid = await foreign.issueX509Svid('spiffe://other.example/agents/alpha');
    const c = new WarrantClient({ server: h.grpcAddress, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: h.authority.certPem, serverId: SERVER_ID });
    const f = await failure(c.issueTaskCredential({ task: task(), provider: 'orders-api' }));
    c.close();
    expect(f.grpcCode).toBe(grpc.status.UNAUTHENTICATED);
  });
});

describe('IssueTaskCredential', () => {
  it('unknown provider → NOT_FOUND', async () => {
    expect(await failure(agent.issueTaskCredential({ task: task(), provider: 'billing-db' }))).toEqual({
      grpcCode: grpc.status.NOT_FOUND,
      code: 'ERR_PROVIDER_NOT_FOUND',
      message: 'provider "billing-db" is not configured on this server',
    });
  });

  it('ttl ≤ 0 or beyond the provider maximum → INVALID_ARGUMENT', async () => {
    for (const ttl of [{ seconds: '0', nanos: 0 }, { seconds: '-5', nanos: 0 }]) {
      expect(await failure(agent.issueTaskCredential({ task: task(), provider: 'orders-api', ttl }))).toEqual({
        grpcCode: grpc.status.INVALID_ARGUMENT,
        code: 'ERR_TTL_INVALID',
        message: 'ttl must be positive',
      });
    }
    expect(await failure(agent.issueTaskCredential({ task: task(), provider: 'orders-api', ttl: { seconds: '7200', nanos: 0 } }))).toEqual({
      grpcCode: grpc.status.INVALID_ARGUMENT,
      code: 'ERR_TTL_INVALID',
      message: `ttl 2h exceeds provider "orders-api"'s maximum of 1h`,
    });
  });

  it('a scope outside the ceiling → INVALID_ARGUMENT naming it', async () => {
    const f = await failure(agent.issueTaskCredential({ task: task(), provider: 'orders-api', scope: ['orders:delete'] }));
    expect(f.grpcCode).toBe(grpc.status.INVALID_ARGUMENT);
    expect(f.code).toBe('ERR_SCOPE_INVALID');
    expect(f.message).toContain('"orders:delete"');
  });

  it('malformed task fields → INVALID_ARGUMENT', async () => {
    const cases: [Parameters<WarrantClient['issueTaskCredential']>[0], string][] = [
      [{ provider: 'orders-api' }, 'task is required'],
      [{ task: task(''), provider: 'orders-api' }, 'task.id is required'],
      [{ task: task('has space'), provider: 'orders-api' }, 'task.id "has space" must be 1-128 characters of A-Z a-z 0-9 . _ : @ / -'],
      [{ task: task('t', { 'Bad Key': 'x' }), provider: 'orders-api' }, 'task.attributes key "Bad Key" must be 1-64 characters of a-z 0-9 _ . -'],
      [{ task: task(), provider: 'orders-api', idempotency_key: 'a b' }, 'idempotency_key "a b" must be 1-128 characters of A-Z a-z 0-9 . _ : -'],
      [{ task: task(), provider: '' }, 'provider is required'],
    ];
    for (const [req, message] of cases) {
      expect(await failure(agent.issueTaskCredential(req))).toEqual({ grpcCode: grpc.status.INVALID_ARGUMENT, code: 'ERR_INVALID_ARGUMENT', message });
    }
    // A parent is named only to join a task its owner delegated.
    expect(await failure(agent.issueTaskCredential({ task: { ...task(), parent_id: 'parent' }, provider: 'orders-api' }))).toEqual({
      grpcCode: grpc.status.NOT_FOUND,
      code: 'ERR_TASK_NOT_FOUND',
      message: 'task "t-bad" was not delegated from task "parent": a delegated task is created by the parent task\'s owner with DelegateTask',
    });
  });

  it('policy denial → PERMISSION_DENIED naming the policy; the decision is audited; nothing is minted', async () => {
    const before = await issuedCount();
    const f = await failure(other.issueTaskCredential({ task: task('t-prod', { environment: 'prod' }), provider: 'orders-api' }));
    expect(f.grpcCode).toBe(grpc.status.PERMISSION_DENIED);
    expect(f.code).toBe('ERR_POLICY_DENIED');
    expect(f.message).toMatch(/^policy denied issue of "orders-api" to spiffe:\/\/test\.example\/agents\/beta: forbidden by policy "no-prod-for-beta" \(policy version [0-9a-f]+\)$/);
    const operator = await h.client(OPERATOR_ID);
    const f2 = await failure(operator.issueTaskCredential({ task: task(), provider: 'orders-api' }));
    expect(f2.message).toMatch(/: no policy permits it \(policy version [0-9a-f]+\)$/);
    expect(await issuedCount()).toBe(before);
    const denied = readAudit(h).filter((r) => r['type'] === 'decision' && (r['decision'] as { allowed: boolean }).allowed === false);
    expect(denied.map((r) => (r['decision'] as { policies: string[] }).policies)).toEqual([['no-prod-for-beta'], []]);
  });
});

describe('leases of others and unknown leases', () => {
  it('renew or revoke of someone else\'s lease → PERMISSION_DENIED; unknown lease → NOT_FOUND', async () => {
    const mine = await agent.issueTaskCredential({ task: task('t-mine'), provider: 'orders-api' });
    const id = mine.lease!.id;
    expect(await failure(other.renewLease(id))).toEqual({
      grpcCode: grpc.status.PERMISSION_DENIED,
      code: 'ERR_NOT_OWNER',
      message: `lease ${id} belongs to another workload; only its owner may renew it`,
    });
    expect((await failure(other.revokeLease(id))).code).toBe('ERR_NOT_OWNER');
    expect((await failure(other.completeTask('t-mine'))).code).toBe('ERR_NOT_OWNER');
    expect((await failure(other.getLease(id))).grpcCode).toBe(grpc.status.PERMISSION_DENIED);
    // An admin may act on any lease.
    const operator = await h.client(OPERATOR_ID);
    expect((await operator.getLease(id)).lease!.owner).toBe(AGENT_ID);
    const unknown = '01jzzzzzzzzzzzzzzzzzzzzzzz';
    expect(await failure(agent.renewLease(unknown))).toEqual({
      grpcCode: grpc.status.NOT_FOUND,
      code: 'ERR_LEASE_NOT_FOUND',
      message: `lease ${unknown} does not exist (or its record has aged out)`,
    });
    expect((await failure(agent.renewLease('../../etc/passwd'))).grpcCode).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await failure(agent.completeTask('no-such-task'))).grpcCode).toBe(grpc.status.NOT_FOUND);
    expect((await failure(other.listLeases({ selector: { all: true } }))).grpcCode).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('the server is still serving after every bad request', async () => {
    const res = await agent.issueTaskCredential({ task: task('t-after'), provider: 'orders-api' });
    expect(res.lease!.state).toBe('LEASE_STATE_ACTIVE');
    const health = await fetch(`${h.httpBase}/healthz`);
    expect(health.status).toBe(200);
  });
});
