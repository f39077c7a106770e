// Approval gates end to end: a permit annotated @approval("required") holds the request; an
// operator decides; the approval binds to that exact request, expires, is used once, and is never
// granted by the requester (or by whoever delegated its task).
import * as grpc from '@grpc/grpc-js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient } from '../../src/client/index.js';
import { ManualClock } from '../../src/core/index.js';
import type { IssueTaskCredentialRequest } from '../../src/gen/warrant/v1/IssueTaskCredentialRequest.js';
import { AGENT_ID, OPERATOR_ID, OTHER_AGENT_ID, readAudit, startHarness, type Harness } from '../support/harness.js';
import { failure } from '../support/failure.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const MIN = 60_000;

const POLICY = `
@id("agents-read")
permit (principal, action == Action::"issue", resource == Provider::"orders-api")
when { principal.path like "/agents/*" && ["orders:read"].containsAll(context.scope) };

@id("writes-need-approval")
@approval("required")
permit (principal, action == Action::"issue", resource == Provider::"orders-api")
when { (principal.path like "/agents/*" || principal.path like "/operators/*") && context.scope.contains("orders:write") };

@id("operators-approve-ticketed-work")
permit (principal, action == Action::"admin.approve", resource)
when { principal.path like "/operators/*" && context.task.hasTag("ticket") };

@id("delegation")
permit (principal, action == Action::"delegate", resource);
`;

function writeRequest(taskId: string, over: Partial<IssueTaskCredentialRequest> = {}): IssueTaskCredentialRequest {
  return {
    task: { id: taskId, purpose: 'refund order 1234', attributes: { ticket: 'FIN-7' }, parent_id: '' },
    provider: 'orders-api',
    scope: ['orders:write'],
    ttl: { seconds: '300', nanos: 0 },
    ...over,
  };
}

describe.each(['memory', 'redis'] as const)('approval gates (%s store)', (store) => {
  let h: Harness;
  let clock: ManualClock;
  let agent: WarrantClient;
  let other: WarrantClient;
  let operator: WarrantClient;

  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    h = await startHarness({
      policy: POLICY,
      clock,
      tasks: { approvals: { timeout: '10m', useWindow: '5m' } },
      ...(store === 'redis' ? { redisUrl: REDIS_URL } : {}),
    });
    agent = await h.client(AGENT_ID);
    other = await h.client(OTHER_AGENT_ID);
    operator = await h.client(OPERATOR_ID);
  });
  afterAll(async () => {
    await h.close();
  });

  it('happy path: pending, listed, approved while the agent waits, then issued once with the approval', async () => {
    const first = await agent.issueTaskCredential(writeRequest('t-refund'));
    expect(first.lease).toBeNull();
    expect(first.credential).toBeNull();
    const pending = first.pending_approval!;
    expect(pending.policies).toEqual(['writes-need-approval']);
    expect(Number(pending.expires_at!.seconds)).toBe(Math.floor((clock.now() + 10 * MIN) / 1000));
    // Asking again is the same approval, not a second one.
    expect((await agent.issueTaskCredential(writeRequest('t-refund'))).pending_approval!.approval_id).toBe(pending.approval_id);

    const listed = await operator.listApprovals({});
    expect(listed.approvals.map((a) => a.id)).toContain(pending.approval_id);
    expect(listed.approvals.find((a) => a.id === pending.approval_id)).toMatchObject({
      state: 'APPROVAL_STATE_PENDING',
      requester: AGENT_ID,
      task_id: 't-refund',
      purpose: 'refund order 1234',
      attributes: { ticket: 'FIN-7' },
      provider: 'orders-api',
      scope: ['orders:write'],
      ttl: { seconds: '300' },
      policies: ['writes-need-approval'],
    });

    // The agent blocks for the decision; the operator decides meanwhile.
    const waiting = agent.getApproval(pending.approval_id, 60);
    const decided = await operator.decideApproval(pending.approval_id, 'approve', 'refund agreed with finance');
    expect(decided.approval).toMatchObject({ state: 'APPROVAL_STATE_APPROVED', decided_by: OPERATOR_ID, reason: 'refund agreed with finance' });
    expect((await waiting).approval).toMatchObject({ state: 'APPROVAL_STATE_APPROVED', decided_by: OPERATOR_ID });

    const issued = await agent.issueTaskCredential(writeRequest('t-refund', { approval_id: pending.approval_id }));
    expect(issued.pending_approval).toBeNull();
    expect(issued.lease!.scope).toEqual(['orders:write']);
    expect(decodeJwt(issued.credential!.oauth_token!.access_token).scope).toBe('orders:write');
    const used = (await agent.getApproval(pending.approval_id)).approval!;
    expect(used).toMatchObject({ state: 'APPROVAL_STATE_USED', lease_id: issued.lease!.id });

    await h.server.audit.flush();
    const steps = readAudit(h).filter((r) => r['type'] === 'approval' && (r['approval'] as { id: string }).id === pending.approval_id);
    expect(steps.map((r) => r['event'])).toEqual(['requested', 'approved', 'used']);
    expect(steps[1]).toMatchObject({ approver: { spiffeId: OPERATOR_ID }, reason: 'refund agreed with finance' });
    expect(steps[2]).toMatchObject({ lease: issued.lease!.id });
    const issueRecord = readAudit(h).find((r) => r['type'] === 'issue' && (r['lease'] as { id: string }).id === issued.lease!.id);
    expect(issueRecord).toMatchObject({ approval: pending.approval_id, policies: ['writes-need-approval'] });
  });

  it('replay: a used approval is good for nothing more; the same request asks anew', async () => {
    const asked = (await agent.issueTaskCredential(writeRequest('t-replay'))).pending_approval!;
    await operator.decideApproval(asked.approval_id, 'approve');
    const issued = await agent.issueTaskCredential(writeRequest('t-replay', { approval_id: asked.approval_id }));
    expect(await failure(agent.issueTaskCredential(writeRequest('t-replay', { approval_id: asked.approval_id })))).toEqual({
      grpcCode: grpc.status.FAILED_PRECONDITION,
      code: 'ERR_APPROVAL_USED',
      message: `approval ${asked.approval_id} was already used for lease ${issued.lease!.id}; an approval is good for one credential: send the request without approval_id to ask anew`,
    });
    const again = (await agent.issueTaskCredential(writeRequest('t-replay'))).pending_approval!;
    expect(again.approval_id).not.toBe(asked.approval_id);
    await h.server.audit.flush();
    expect(readAudit(h).some((r) => r['type'] === 'approval' && r['event'] === 'replay_refused' && (r['approval'] as { id: string }).id === asked.approval_id)).toBe(true);
  });

  it('a retried request (same idempotency key) after its approval was used gets its lease again, not a new approval', async () => {
    const request = writeRequest('t-retry', { idempotency_key: 'refund-77' });
    const asked = (await agent.issueTaskCredential(request)).pending_approval!;
    await operator.decideApproval(asked.approval_id, 'approve');
    const issued = await agent.issueTaskCredential(request);
    const again = await agent.issueTaskCredential(request);
    expect(again.pending_approval).toBeNull();
    expect(again.lease!.id).toBe(issued.lease!.id);
    expect(decodeJwt(again.credential!.oauth_token!.access_token).jti).toBe(issued.lease!.id);
    expect((await agent.getTask('t-retry')).task!.credentials_issued).toBe(1);
    // The same request under another key is a new request: it asks anew.
    const other = await agent.issueTaskCredential({ ...request, idempotency_key: 'refund-78' });
    expect(other.pending_approval!.approval_id).not.toBe(asked.approval_id);
  });

  it('binds to the exact request and the requester', async () => {
    const asked = (await agent.issueTaskCredential(writeRequest('t-bind'))).pending_approval!;
    await operator.decideApproval(asked.approval_id, 'approve');
    const mismatch = {
      grpcCode: grpc.status.FAILED_PRECONDITION,
      code: 'ERR_APPROVAL_MISMATCH',
      message: `approval ${asked.approval_id} was given for a different request (requester, task, provider, scope or ttl differ); send the request it was asked for, or leave approval_id empty to ask anew`,
    };
    expect(await failure(agent.issueTaskCredential(writeRequest('t-bind', { approval_id: asked.approval_id, ttl: { seconds: '3600', nanos: 0 } })))).toEqual(mismatch);
    expect(await failure(agent.issueTaskCredential(writeRequest('t-bind', { approval_id: asked.approval_id, scope: ['orders:write', 'orders:read'] })))).toEqual(mismatch);
    expect(await failure(other.issueTaskCredential(writeRequest('t-bind-other', { approval_id: asked.approval_id })))).toEqual(mismatch);
    // Someone else's approval reads as absent.
    expect((await failure(other.getApproval(asked.approval_id))).code).toBe('ERR_APPROVAL_NOT_FOUND');
    // Resending the exact request finds the approval by itself.
    expect((await agent.issueTaskCredential(writeRequest('t-bind'))).lease!.state).toBe('LEASE_STATE_ACTIVE');
  });

  it('expires: undecided, it cannot be decided or used; approved and unused, it cannot be used late', async () => {
    const asked = (await agent.issueTaskCredential(writeRequest('t-late'))).pending_approval!;
    clock.advance(10 * MIN);
    expect((await agent.getApproval(asked.approval_id)).approval!.state).toBe('APPROVAL_STATE_EXPIRED');
    expect(await failure(operator.decideApproval(asked.approval_id, 'approve'))).toMatchObject({
      grpcCode: grpc.status.FAILED_PRECONDITION,
      code: 'ERR_APPROVAL_EXPIRED',
      message: expect.stringMatching(new RegExp(`^approval ${asked.approval_id} expired at \\S+ before it was decided$`)),
    });
    expect((await failure(agent.issueTaskCredential(writeRequest('t-late', { approval_id: asked.approval_id })))).code).toBe('ERR_APPROVAL_EXPIRED');
    expect((await operator.listApprovals({ states: ['APPROVAL_STATE_EXPIRED'], task_id: 't-late' })).approvals.map((a) => a.id)).toEqual([asked.approval_id]);

    const fresh = (await agent.issueTaskCredential(writeRequest('t-late'))).pending_approval!;
    expect(fresh.approval_id).not.toBe(asked.approval_id);
    await operator.decideApproval(fresh.approval_id, 'approve');
    clock.advance(5 * MIN);
    expect(await failure(agent.issueTaskCredential(writeRequest('t-late', { approval_id: fresh.approval_id })))).toMatchObject({
      code: 'ERR_APPROVAL_EXPIRED',
      message: expect.stringMatching(new RegExp(`^approval ${fresh.approval_id} expired at \\S+; send the request without approval_id to ask anew$`)),
    });
    await h.server.audit.flush();
    const expired = readAudit(h).filter((r) => r['type'] === 'approval' && r['event'] === 'expired').map((r) => (r['approval'] as { id: string }).id);
    expect(expired).toEqual(expect.arrayContaining([asked.approval_id, fresh.approval_id]));
  });

  it('is never granted by the requester, nor by whoever delegated its task', async () => {
    const own = (await operator.issueTaskCredential(writeRequest('t-own'))).pending_approval!;
    expect(await failure(operator.decideApproval(own.approval_id, 'approve'))).toEqual({
      grpcCode: grpc.status.PERMISSION_DENIED,
      code: 'ERR_SELF_APPROVAL',
      message: `approval ${own.approval_id} is for a request of ${OPERATOR_ID}; it must be decided by someone else`,
    });
    await operator.openTask({ id: 't-handed', purpose: 'refunds', attributes: { ticket: 'FIN-8' }, parent_id: '', tools: [{ provider: 'orders-api', scope: [] }] });
    await operator.delegateTask({ parent_task_id: 't-handed', delegate_spiffe_id: AGENT_ID, task: { id: 't-handed.1', purpose: '', attributes: {}, parent_id: '' } });
    const delegated = (await agent.issueTaskCredential(writeRequest('t-handed.1', { task: { id: 't-handed.1', purpose: '', attributes: {}, parent_id: 't-handed' } }))).pending_approval!;
    expect(await failure(operator.decideApproval(delegated.approval_id, 'approve'))).toEqual({
      grpcCode: grpc.status.PERMISSION_DENIED,
      code: 'ERR_SELF_APPROVAL',
      message: `approval ${delegated.approval_id} is for a request of ${AGENT_ID}, whose task you delegated; it must be decided by someone else`,
    });
    expect((await agent.getApproval(delegated.approval_id)).approval!.state).toBe('APPROVAL_STATE_PENDING');
    await h.server.audit.flush();
    expect(readAudit(h).filter((r) => r['type'] === 'approval' && r['event'] === 'self_approval_refused')).toHaveLength(2);
  });

  it('denial needs a reason, reaches the agent, and stands; only admins Cedar permits decide', async () => {
    const asked = (await agent.issueTaskCredential(writeRequest('t-deny'))).pending_approval!;
    expect((await failure(agent.decideApproval(asked.approval_id, 'approve'))).code).toBe('ERR_PERMISSION_DENIED');
    expect((await failure(agent.listApprovals({}))).code).toBe('ERR_PERMISSION_DENIED');
    expect(await failure(operator.decideApproval(asked.approval_id, 'deny'))).toEqual({ grpcCode: grpc.status.INVALID_ARGUMENT, code: 'ERR_INVALID_ARGUMENT', message: 'reason is required' });
    await operator.decideApproval(asked.approval_id, 'deny', 'not during the freeze');
    expect(await failure(agent.issueTaskCredential(writeRequest('t-deny')))).toEqual({
      grpcCode: grpc.status.PERMISSION_DENIED,
      code: 'ERR_APPROVAL_DENIED',
      message: `approval ${asked.approval_id} was denied by ${OPERATOR_ID}: not during the freeze; nothing was issued`,
    });
    expect(await failure(operator.decideApproval(asked.approval_id, 'approve'))).toMatchObject({
      code: 'ERR_APPROVAL_DECIDED',
      message: expect.stringMatching(new RegExp(`^approval ${asked.approval_id} was already denied by ${OPERATOR_ID} at \\S+$`)),
    });
    // Work without a ticket: Cedar does not let the operator approve it.
    const unticketed = (await agent.issueTaskCredential(writeRequest('t-no-ticket', { task: { id: 't-no-ticket', purpose: 'x', attributes: {}, parent_id: '' } }))).pending_approval!;
    expect(await failure(operator.decideApproval(unticketed.approval_id, 'approve'))).toMatchObject({
      grpcCode: grpc.status.PERMISSION_DENIED,
      code: 'ERR_POLICY_DENIED',
      message: expect.stringMatching(/^policy denied admin\.approve of "orders-api" to spiffe:\/\/test\.example\/operators\/ops: no policy permits it \(policy version [0-9a-f]+\)$/),
    });
    expect((await failure(operator.decideApproval('01jzzzzzzzzzzzzzzzzzzzzzzz', 'approve'))).code).toBe('ERR_APPROVAL_NOT_FOUND');
    expect((await failure(agent.getApproval('not-an-id'))).message).toBe('approval_id "not-an-id" is not an approval id (26 lower-case base32 characters)');
  });
});
