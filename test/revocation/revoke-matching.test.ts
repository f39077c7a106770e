// AdminService.RevokeMatching end to end on Redis: every selector, the trigger an external system
// may fire, a dry run's count and sample, streamed progress, a retry of revocation_failed leases,
// and an operation another replica left half done.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient, WarrantClientError } from '../../src/client/index.js';
import { newLeaseId } from '../../src/core/index.js';
import type { RevokeMatchingProgress__Output } from '../../src/gen/warrant/v1/RevokeMatchingProgress.js';
import { AGENT_ID, OPERATOR_ID, OTHER_AGENT_ID, eventually, readAudit, startHarness, type Harness } from '../support/harness.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let h: Harness;
let alpha: WarrantClient;
let beta: WarrantClient;
let operator: WarrantClient;

beforeAll(async () => {
  h = await startHarness({ redisUrl: REDIS_URL });
  alpha = await h.client(AGENT_ID);
  beta = await h.client(OTHER_AGENT_ID);
  operator = await h.client(OPERATOR_ID);
});
afterAll(async () => {
  await h?.close();
});

const issue = async (who: WarrantClient, task: string) =>
  (await who.issueTaskCredential({ task: { id: task, purpose: 'p', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [] })).lease!;

/** A timestamp just before now, for issued_after. */
function since(): { seconds: string; nanos: number } {
  const ms = Date.now() - 1;
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

async function failure(p: Promise<unknown>): Promise<WarrantClientError> {
  return (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as WarrantClientError;
}

describe('RevokeMatching', () => {
  it('counts and samples in a dry run, then revokes with the trigger given, streaming progress', async () => {
    const start = since();
    const a = [await issue(alpha, 'm-1'), await issue(alpha, 'm-1')];
    const b = await issue(beta, 'm-1b');
    const dry = await operator.revokeMatching({ selector: { spiffe_id_prefix: 'spiffe://test.example/agents', issued_after: start }, reason: 'siem alert 77', dry_run: true }, () => undefined);
    expect(dry).toMatchObject({ matched: '3', accepted: '0', revoked: '0', operation_id: '', done: true });
    expect(dry.sample.map((l) => l.id).sort()).toEqual([...a.map((l) => l.id), b.id].sort());
    expect((await operator.getLease(b.id)).lease!.state).toBe('LEASE_STATE_ACTIVE');

    const progress: RevokeMatchingProgress__Output[] = [];
    const done = await operator.revokeMatching(
      { selector: { task_id: 'm-1', spiffe_id: AGENT_ID }, reason: 'siem alert 77', trigger: 'TRIGGER_DEVIATION' },
      (p) => progress.push(p),
    );
    expect(done).toMatchObject({ matched: '2', accepted: '2', already_revoking: '0', revoked: '2', revoking: '0', failed: '0', selecting: false, done: true, failures: [] });
    expect(done.operation_id).toMatch(/^[0-9a-z]{26}$/);
    for (const p of progress.slice(0, -1)) expect(p.done).toBe(false);
    for (const l of a) expect((await operator.getLease(l.id)).lease).toMatchObject({ state: 'LEASE_STATE_REVOKED', trigger: 'TRIGGER_DEVIATION', reason: 'siem alert 77' });
    expect((await operator.getLease(b.id)).lease!.state).toBe('LEASE_STATE_ACTIVE');

    await h.server.audit.flush();
    const admin = readAudit(h).filter((r) => r['action'] === 'revoke_matching' && r['reason'] === 'siem alert 77');
    expect(admin.map((r) => [r['phase'], r['dryRun'], r['trigger']])).toEqual([
      ['start', true, 'operator'],
      ['done', true, 'operator'],
      ['start', false, 'deviation'],
      ['done', false, 'deviation'],
    ]);
    expect(admin[3]).toMatchObject({ operation: done.operation_id, matched: 2, accepted: 2, revoked: 2 });
    const confirmed = readAudit(h).filter((r) => r['phase'] === 'confirmed' && r['operation'] === done.operation_id);
    expect(confirmed).toHaveLength(2);
  });

  it('takes oauth-jwt leases straight to revoked: watchers, introspection, audit and metrics all hear of each', async () => {
    const confirmedCount = async (): Promise<number> => {
      const text = await (await fetch(`${h.httpBase}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('warrant_revocations_total{trigger="deviation",outcome="confirmed"}'));
      return line === undefined ? 0 : Number(line.split(' ').pop());
    };
    const events: [string, string][] = [];
    const watch = alpha.watchLeases({ taskId: 'm-local' }, (e) => events.push([e.type, e.lease?.trigger ?? '']));
    await new Promise((r) => setTimeout(r, 200));
    const issued = [];
    for (let i = 0; i < 3; i++) {
      issued.push(await alpha.issueTaskCredential({ task: { id: 'm-local', purpose: 'p', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [] }));
    }
    const tokens = issued.map((r) => r.credential!.oauth_token!.access_token);
    for (const token of tokens) expect(await h.introspect(token)).toMatchObject({ active: true });
    const before = await confirmedCount();

    const done = await operator.revokeMatching({ selector: { task_id: 'm-local' }, reason: 'siem alert 78', trigger: 'TRIGGER_DEVIATION' }, () => undefined);
    expect(done).toMatchObject({ matched: '3', accepted: '3', revoked: '3', revoking: '0', failed: '0', done: true });
    for (const token of tokens) expect(await h.introspect(token)).toEqual({ active: false });
    for (const r of issued) {
      expect((await operator.getLease(r.lease!.id)).lease).toMatchObject({ state: 'LEASE_STATE_REVOKED', trigger: 'TRIGGER_DEVIATION', reason: 'siem alert 78' });
    }
    expect(await confirmedCount()).toBe(before + 3);
    await h.server.audit.flush();
    const confirmed = readAudit(h).filter((r) => r['phase'] === 'confirmed' && r['operation'] === done.operation_id);
    expect(confirmed.map((r) => [(r['lease'] as { id: string; state: string }).id, (r['lease'] as { state: string }).state, r['trigger'], r['reason']]).sort()).toEqual(
      issued.map((r) => [r.lease!.id, 'revoked', 'deviation', 'siem alert 78']).sort(),
    );
    // Each watcher hears the end of each lease once, with its trigger; there is no revoking stage to hear of.
    await eventually(async () => (events.filter(([t]) => t === 'LEASE_EVENT_TYPE_REVOKED').length === 3 ? true : undefined));
    watch.cancel();
    await watch.done;
    expect(events.filter(([t]) => t !== 'LEASE_EVENT_TYPE_ISSUED')).toEqual(Array(3).fill(['LEASE_EVENT_TYPE_REVOKED', 'TRIGGER_DEVIATION']));
  });

  it('selects by trust domain, provider and issue time, and leaves what does not match', async () => {
    const early = await issue(beta, 'm-2');
    await new Promise((r) => setTimeout(r, 20));
    const cut = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    const late = await issue(beta, 'm-2');
    const selector = { trust_domain: 'test.example', provider: 'orders-api', spiffe_id: OTHER_AGENT_ID, issued_after: { seconds: String(Math.floor(cut / 1000)), nanos: (cut % 1000) * 1e6 } };
    const done = await operator.revokeMatching({ selector, reason: 'cut-off', trigger: 'TRIGGER_IDENTITY' }, () => undefined);
    expect(done).toMatchObject({ matched: '1', revoked: '1' });
    expect((await operator.getLease(late.id)).lease).toMatchObject({ state: 'LEASE_STATE_REVOKED', trigger: 'TRIGGER_IDENTITY' });
    expect((await operator.getLease(early.id)).lease!.state).toBe('LEASE_STATE_ACTIVE');
  });

  it("refuses the engine's own triggers, a bad wait and non-admins, with exact messages", async () => {
    const expired = await failure(operator.revokeMatching({ selector: { all: true }, reason: 'x', trigger: 'TRIGGER_EXPIRED' }, () => undefined));
    expect({ status: expired.grpcCode, message: expired.message }).toEqual({
      status: grpc.status.INVALID_ARGUMENT,
      message: 'trigger "expired" is the engine\'s own; RevokeMatching takes operator, deviation, identity',
    });
    const wait = await failure(operator.revokeMatching({ selector: { all: true }, reason: 'x', confirm_timeout: { seconds: '601', nanos: 0 } }, () => undefined));
    expect({ status: wait.grpcCode, message: wait.message }).toEqual({ status: grpc.status.INVALID_ARGUMENT, message: 'confirm_timeout must be at most 10m' });
    const negative = await failure(operator.revokeMatching({ selector: { all: true }, reason: 'x', confirm_timeout: { seconds: '-1', nanos: 0 } }, () => undefined));
    expect(negative.message).toBe('confirm_timeout must be a duration of zero or more');
    const denied = await failure(alpha.revokeMatching({ selector: { all: true }, reason: 'x', dry_run: true }, () => undefined));
    expect({ status: denied.grpcCode, message: denied.message }).toEqual({
      status: grpc.status.PERMISSION_DENIED,
      message: `${AGENT_ID} is not an admin; only configured admin identities may revoke matching leases`,
    });
  });

  it('queues revocation_failed leases again when an operator selects that state', async () => {
    const lease = await issue(alpha, 'm-3');
    const store = h.server.store;
    const now = Date.now();
    await store.beginRevoke(lease.id, { trigger: 'task_completed', now });
    await store.parkRevocations([{ leaseId: lease.id, error: 'ERR_PROVIDER_UNAVAILABLE' }], now);
    expect((await operator.getLease(lease.id)).lease).toMatchObject({ state: 'LEASE_STATE_REVOCATION_FAILED', revocation_error: 'ERR_PROVIDER_UNAVAILABLE' });
    const listed = await operator.listLeases({ selector: { states: ['LEASE_STATE_REVOCATION_FAILED'], task_id: 'm-3' } });
    expect(listed.leases.map((l) => l.id)).toEqual([lease.id]);
    const done = await operator.revokeMatching({ selector: { states: ['LEASE_STATE_REVOCATION_FAILED'], task_id: 'm-3' }, reason: 'provider fixed' }, () => undefined);
    expect(done).toMatchObject({ matched: '1', accepted: '1', revoked: '1' });
    expect((await operator.getLease(lease.id)).lease).toMatchObject({ state: 'LEASE_STATE_REVOKED', trigger: 'TRIGGER_TASK_COMPLETED' });
  });

  it('finishes an operation whose replica died mid-selection', async () => {
    const start = Date.now() - 1;
    const leases = [await issue(alpha, 'm-4'), await issue(alpha, 'm-4'), await issue(beta, 'm-4b')];
    const store = h.server.store;
    const now = Date.now();
    // Recorded and claimed by a replica that then vanished: its claim has already lapsed.
    const selection = { ownerPrefix: 'spiffe://test.example/agents', issuedAfter: start };
    const op = { id: newLeaseId(now), selection, trigger: 'operator' as const, reason: 'left behind', requestedBy: OPERATOR_ID, createdAt: now, upTo: now };
    await store.createOperation(op, 'a-replica-that-died', now - 1);
    await eventually(async () => {
      const states = await Promise.all(leases.map(async (l) => (await operator.getLease(l.id)).lease!.state));
      return states.every((s) => s === 'LEASE_STATE_REVOKED') ? true : undefined;
    }, 20_000);
    expect(await store.operationProgress(op.id)).toMatchObject({ matched: 3, accepted: 3, confirmed: 3, selecting: false });
  });
});
