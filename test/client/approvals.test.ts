// Credential handles meeting an approval gate, against a real warrant server over mTLS: the handle
// waits for the operator's decision (across several server-capped waits), then issues with the
// approval; a denial, an expiry of its patience, and close() end the wait.
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DeadlineExceededError,
  PermissionDeniedError,
  type ApprovalPendingEvent,
  type CredentialHandle,
  type CredentialHandleEvents,
  type WarrantClient,
} from '../../src/client/index.js';
import { AGENT_ID, OPERATOR_ID, eventually, startHarness, type Harness } from '../support/harness.js';
import { WRITES_NEED_APPROVAL } from '../support/approval-policy.js';

const run = Date.now().toString(36);


function next<K extends keyof CredentialHandleEvents>(h: CredentialHandle, event: K, guardMs = 20_000): Promise<CredentialHandleEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(event)} event`)), guardMs);
    h.once(event, ((...args: CredentialHandleEvents[K]) => {
      clearTimeout(timer);
      resolve(args);
    }) as never);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('credential handles and approval gates', () => {
  let h: Harness;
  let agent: WarrantClient;
  let operator: WarrantClient;
  const open: CredentialHandle[] = [];

  beforeAll(async () => {
    h = await startHarness({
      policy: WRITES_NEED_APPROVAL,
      // One GetApproval waits at most 2s here: a longer wait is several calls.
      tasks: { approvals: { timeout: '10m', useWindow: '5m', maxWait: '2s' } },
      providers: {
        'orders-api': {
          kind: 'oauth-jwt',
          issuer: 'https://warrant.test.example',
          audience: 'https://orders.test.example',
          scopes: ['orders:read', 'orders:write'],
          defaultTtl: '2s',
          maxTtl: '4s',
          signingKeyFile: 'orders-api-key.pem',
        },
      },
    });
    agent = await h.client(AGENT_ID);
    operator = await h.client(OPERATOR_ID);
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close().catch(() => undefined);
  });
  afterAll(async () => {
    await h.close();
  });

  it('the first issue waits for the approval, tells onPending, and then holds the credential issued with it', async () => {
    const task = `t-sdk-wait-${run}`;
    const pending: ApprovalPendingEvent[] = [];
    const handle = agent.credential({ provider: 'orders-api', task, scope: ['orders:write'], ttl: 4000, approval: { onPending: (e) => pending.push(e) } });
    const id = await eventually(async () => pending[0]?.approvalId);
    // Longer than the server's cap on one wait: the handle asks again.
    await sleep(2500);
    await operator.decideApproval(id, 'approve', 'refund agreed');
    const cred = await handle;
    open.push(cred);
    expect(pending).toEqual([{ approvalId: id, expiresAt: expect.any(Number), policies: ['writes-need-approval'], reissue: false }]);
    expect(pending[0]!.expiresAt).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(cred.lease.scope).toEqual(['orders:write']);
    expect(cred.awaitingApproval).toBeUndefined();
    const token = cred.credential?.kind === 'oauth_token' ? cred.credential.accessToken : '';
    expect(decodeJwt(token)).toMatchObject({ jti: cred.lease.id, scope: 'orders:write' });
    const used = (await agent.getApproval(id)).approval!;
    expect(used).toMatchObject({ state: 'APPROVAL_STATE_USED', lease_id: cred.lease.id });
  });

  it('a denied first issue rejects with ERR_APPROVAL_DENIED and the operator reason', async () => {
    const task = `t-sdk-denied-${run}`;
    let id: string | undefined;
    const handle = agent.credential({ provider: 'orders-api', task, scope: ['orders:write'], ttl: 4000, approval: { onPending: (e) => (id = e.approvalId) } });
    const rejected = handle.then(
      () => undefined,
      (err: unknown) => err,
    );
    await eventually(async () => id);
    await operator.decideApproval(id!, 'deny', 'not during the freeze');
    const err = await rejected;
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err).toMatchObject({ code: 'ERR_APPROVAL_DENIED', message: `approval ${id} was denied by ${OPERATOR_ID}: not during the freeze; nothing was issued` });
    expect((await agent.getTask(task)).task!.credentials_issued).toBe(0);
  });

  it('gives up after approval.timeoutMs with ERR_APPROVAL_TIMEOUT, leaving the approval pending', async () => {
    const task = `t-sdk-slow-${run}`;
    const started = Date.now();
    const err = await agent.credential({ provider: 'orders-api', task, scope: ['orders:write'], ttl: 4000, approval: { timeoutMs: 1500 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as DeadlineExceededError).code).toBe('ERR_APPROVAL_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(8000);
    expect((await operator.listApprovals({ task_id: task })).approvals.map((a) => a.state)).toEqual(['APPROVAL_STATE_PENDING']);
  });

  /** A re-issuing handle for writes whose first approval an operator granted. */
  async function approvedReissuing(task: string): Promise<{ cred: CredentialHandle; firstId: string }> {
    let firstId: string | undefined;
    const handle = agent.credential({ provider: 'orders-api', task, scope: ['orders:write'], ttl: 2000, reissue: true, approval: { onPending: (e) => (firstId ??= e.approvalId) } });
    await eventually(async () => firstId);
    await operator.decideApproval(firstId!, 'approve');
    const cred = await handle;
    open.push(cred);
    return { cred, firstId: firstId! };
  }

  it('a re-issue at the max TTL says approvalPending, keeps the lease meanwhile, re-issues once approved; close() ends a wait at once', async () => {
    const { cred, firstId } = await approvedReissuing(`t-sdk-reissue-${run}`);
    const first = cred.lease;

    const [waiting] = await next(cred, 'approvalPending');
    expect(waiting).toMatchObject({ reissue: true, policies: ['writes-need-approval'] });
    expect(waiting.approvalId).not.toBe(firstId);
    expect(cred.awaitingApproval).toMatchObject({ approvalId: waiting.approvalId });
    expect(cred.state).toBe('reissuing');
    const reissued = next(cred, 'reissued');
    await operator.decideApproval(waiting.approvalId, 'approve');
    const [e] = await reissued;
    expect(e.previous.id).toBe(first.id);
    expect(e.lease.id).not.toBe(first.id);
    expect(cred.state).toBe('active');
    expect((await agent.getApproval(waiting.approvalId)).approval).toMatchObject({ state: 'APPROVAL_STATE_USED', lease_id: e.lease.id });

    // The next re-issue waits again; close() does not wait for the decision.
    const [again] = await next(cred, 'approvalPending');
    expect(again.approvalId).not.toBe(waiting.approvalId);
    const closing = Date.now();
    await cred.close();
    expect(Date.now() - closing).toBeLessThan(1500);
    expect(cred.state).toBe('closed');
    expect(cred.awaitingApproval).toBeUndefined();
    expect((await agent.getLease(e.lease.id)).lease!.state).toMatch(/^LEASE_STATE_(REVOKED|EXPIRED)$/);
  });

  it('a denied re-issue is a final error event; the lease runs out and nothing more is asked', async () => {
    const task = `t-sdk-reissue-denied-${run}`;
    const { cred } = await approvedReissuing(task);
    const [waiting] = await next(cred, 'approvalPending');
    const failed = next(cred, 'error');
    await operator.decideApproval(waiting.approvalId, 'deny', 'task is over');
    const [err, info] = await failed;
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err).toMatchObject({ code: 'ERR_APPROVAL_DENIED', message: `approval ${waiting.approvalId} was denied by ${OPERATOR_ID}: task is over; nothing was issued` });
    expect(info).toMatchObject({ leaseId: cred.lease.id, final: true, retryInMs: 0 });
    await eventually(async () => (cred.state === 'expired' ? true : undefined));
    expect(cred.awaitingApproval).toBeUndefined();
    // No new approval was asked for after the denial.
    await sleep(500);
    expect((await operator.listApprovals({ task_id: task, states: ['APPROVAL_STATE_PENDING'] })).approvals).toEqual([]);
  });
});
