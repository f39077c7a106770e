// The handle's rules with a scripted warrant: what it does when renewals fail, when a lease runs out
// while warrant is away, and when close() meets a re-issue in flight.
import { describe, expect, it } from 'vitest';
import { CredentialHandle, UnavailableError, WarrantClientError, type Approval, type Credential, type Lease } from '../../src/client/index.js';
import type { Grant, HandleDeps, IssueOutcome, IssueRequest } from '../../src/client/credential-handle.js';
import type { TaskSubscriber } from '../../src/client/task-watch.js';

const unavailable = () => new UnavailableError('warrant is unreachable', 14, undefined, undefined);

function lease(id: string, ttlMs: number, maxMs = 3_600_000): Lease {
  const now = Date.now();
  return { id, state: 'active', owner: 'spiffe://t/a', trustDomain: 't', taskId: 't-1', provider: 'p', providerKind: 'oauth-jwt', scope: [], issuedAt: now, expiresAt: now + ttlMs, maxExpiresAt: now + maxMs, renewals: 0 };
}

const token = (t: string): Credential => ({ kind: 'oauth_token', accessToken: t, tokenType: 'Bearer', expiresAt: 0, scope: [], audience: [] });

class FakeWarrant implements HandleDeps {
  issued: IssueRequest[] = [];
  revoked: string[] = [];
  renewFails = false;
  issueFails = false;
  subscribers: TaskSubscriber[] = [];
  #n = 0;
  ttl = 400;
  max = 3_600_000;
  holdIssue: Promise<void> | undefined;
  /** How many of the next issues (without an approval id) answer with a pending approval. */
  pendingNext = 0;
  /** Decides the approval being waited for. */
  decide: ((state: Approval['state']) => void) | undefined;

  async issue(req: IssueRequest): Promise<IssueOutcome> {
    this.issued.push(req);
    await this.holdIssue;
    if (this.issueFails) throw unavailable();
    if (this.pendingNext > 0 && req.approvalId === undefined) {
      this.pendingNext--;
      return { pending: { approvalId: `approval-${++this.#n}`, expiresAt: Date.now() + 60_000, policies: ['needs-approval'] } };
    }
    const id = `lease-${++this.#n}`;
    return { lease: lease(id, this.ttl, this.max), credential: token(`tok-${id}`) };
  }
  waitForApproval(approvalId: string, _timeoutMs: number | undefined, signal: AbortSignal): Promise<Approval> {
    return new Promise((resolve, reject) => {
      this.decide = (state) =>
        resolve({ id: approvalId, state, requester: 'spiffe://t/a', taskId: 't-1', provider: 'p', scope: [], policies: ['needs-approval'], createdAt: 0, expiresAt: Date.now() + 60_000 });
      signal.addEventListener('abort', () => reject(new WarrantClientError('waiting was cancelled', 1, 'ERR_CANCELLED', undefined)), { once: true });
    });
  }
  async renew(leaseId: string): Promise<Grant> {
    if (this.renewFails) throw unavailable();
    return { lease: { ...lease(leaseId, this.ttl), renewals: 1 }, credential: token(`tok-${leaseId}-r`) };
  }
  async revoke(leaseId: string): Promise<Lease> {
    this.revoked.push(leaseId);
    return { ...lease(leaseId, 0), state: 'revoked', trigger: 'owner' };
  }
  async getLease(leaseId: string): Promise<Lease> {
    return lease(leaseId, this.ttl);
  }
  subscribe(_taskId: string, sub: TaskSubscriber): () => void {
    this.subscribers.push(sub);
    return () => (this.subscribers = this.subscribers.filter((s) => s !== sub));
  }
}

function next(h: CredentialHandle, event: 'renewed' | 'reissued' | 'revoked' | 'expiring' | 'error' | 'approvalPending'): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event}`)), 10_000);
    h.once(event, (...args: unknown[]) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

describe('CredentialHandle', () => {
  it('retries failed renewals, says expiring once, and reports revoked (expired) when the lease runs out', async () => {
    const w = new FakeWarrant();
    w.renewFails = true;
    w.ttl = 1000;
    const h = await new CredentialHandle(w, { provider: 'p', task: 't-1', ttl: 1000, retry: { initialMs: 20, maxMs: 40 } }).start();
    const errors: unknown[] = [];
    const expiring: unknown[] = [];
    h.on('error', (err) => errors.push(err));
    h.on('expiring', (e) => expiring.push(e));
    const [revoked] = (await next(h, 'revoked')) as [{ trigger: string; reason: string }];
    expect(revoked.trigger).toBe('expired');
    expect(revoked.reason).toBe('expired before it could be renewed');
    expect(h.state).toBe('expired');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.every((e) => e instanceof UnavailableError)).toBe(true);
    expect(expiring).toEqual([{ lease: expect.objectContaining({ id: 'lease-1' }), reason: 'renewal_failing' }]);
    expect(w.subscribers).toHaveLength(0);
    await h.close();
    expect(w.revoked).toEqual([]);
  });

  it('without an error listener a failing renewal does not throw', async () => {
    const w = new FakeWarrant();
    w.renewFails = true;
    w.ttl = 1000;
    const h = await new CredentialHandle(w, { provider: 'p', task: 't-1', ttl: 1000, retry: { initialMs: 20, maxMs: 40 } }).start();
    await next(h, 'revoked');
    expect(h.state).toBe('expired');
  });

  it('with reissue, a lease that ran out while warrant was away is issued again when it is back', async () => {
    const w = new FakeWarrant();
    w.renewFails = true;
    w.ttl = 1000;
    const h = await new CredentialHandle(w, { provider: 'p', task: 't-1', ttl: 1000, reissue: true, retry: { initialMs: 20, maxMs: 40 } }).start();
    w.issueFails = true;
    await next(h, 'revoked');
    expect(h.state).toBe('reissuing');
    w.issueFails = false;
    w.renewFails = false;
    const [e] = (await next(h, 'reissued')) as [{ lease: Lease; previous: Lease; credential: Credential }];
    expect(e.previous.id).toBe('lease-1');
    expect(e.lease.id).not.toBe('lease-1');
    expect(h.state).toBe('active');
    expect(h.credential).toEqual(token(`tok-${e.lease.id}`));
    // Every attempt of one re-issue carried the same idempotency key; the first issue had its own.
    const keys = new Set(w.issued.slice(1).map((r) => r.idempotencyKey));
    expect(keys.size).toBe(1);
    expect(keys.has(w.issued[0]!.idempotencyKey)).toBe(false);
    await h.close();
    expect(w.revoked).toEqual([e.lease.id]);
  });

  it('close() during a re-issue at max TTL waits for it and revokes the old and the new lease', async () => {
    const w = new FakeWarrant();
    w.ttl = 300;
    w.max = 300;
    let release!: () => void;
    const h = await new CredentialHandle(w, { provider: 'p', task: 't-1', ttl: 1000, reissue: true }).start();
    // The first lease is at its max: the next step is a re-issue, held in flight here.
    w.holdIssue = new Promise((r) => (release = r));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (w.issued.length === 2) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const closing = h.close();
    release();
    await closing;
    expect(w.revoked.sort()).toEqual(['lease-1', 'lease-2']);
    expect(h.state).toBe('closed');
  });

  it('ignores events of a lease it replaced, and reports revocation of the current one with its trigger', async () => {
    const w = new FakeWarrant();
    const h = await new CredentialHandle(w, { provider: 'p', task: 't-1', ttl: 60_000 }).start();
    const sub = w.subscribers[0]!;
    sub.onEvent({ type: 'revoked', lease: { ...lease('other', 0), state: 'revoked', trigger: 'operator' }, at: Date.now() });
    expect(h.state).toBe('active');
    const revoked = next(h, 'revoked');
    sub.onEvent({ type: 'revoking', lease: { ...h.lease, state: 'revoking', trigger: 'deviation', reason: 'unusual volume' }, at: Date.now() });
    sub.onEvent({ type: 'revoked', lease: { ...h.lease, state: 'revoked', trigger: 'deviation', reason: 'unusual volume' }, at: Date.now() });
    const [e] = (await revoked) as [{ trigger: string; reason: string }];
    expect([e.trigger, e.reason, h.state]).toEqual(['deviation', 'unusual volume', 'revoked']);
    await h.close();
    expect(w.revoked).toEqual([]);
  });

  it('a lease that runs out while its re-issue waits for approval is reported once; that one re-issue carries on', async () => {
    const w = new FakeWarrant();
    w.ttl = 300;
    w.max = 300;
    const h = await new CredentialHandle(w, { provider: 'p', task: 't-1', ttl: 1000, reissue: true }).start();
    w.pendingNext = 1;
    const [pending] = (await next(h, 'approvalPending')) as [{ approvalId: string; reissue: boolean }];
    expect(pending.reissue).toBe(true);
    expect(h.awaitingApproval?.approvalId).toBe(pending.approvalId);
    const revoked = next(h, 'revoked');
    w.subscribers[0]!.onEvent({ type: 'expired', lease: { ...h.lease, state: 'expired', trigger: 'expired' }, at: Date.now() });
    expect(((await revoked) as [{ trigger: string }])[0].trigger).toBe('expired');
    expect(h.state).toBe('reissuing');
    // Still the one re-issue, waiting: no second request went out.
    await new Promise((r) => setTimeout(r, 50));
    expect(w.issued).toHaveLength(2);
    const reissued = next(h, 'reissued');
    w.decide!('approved');
    const [e] = (await reissued) as [{ lease: Lease; previous: Lease }];
    expect(e.previous.id).toBe('lease-1');
    expect(w.issued[2]).toMatchObject({ approvalId: pending.approvalId, idempotencyKey: w.issued[1]!.idempotencyKey });
    expect(h.state).toBe('active');
    await h.close();
    expect(w.revoked).toEqual([e.lease.id]);
  });

  it('close() while a re-issue waits for approval returns without waiting for the decision', async () => {
    const w = new FakeWarrant();
    w.ttl = 300;
    w.max = 300;
    const h = await new CredentialHandle(w, { provider: 'p', task: 't-1', ttl: 1000, reissue: true }).start();
    w.pendingNext = 1;
    await next(h, 'approvalPending');
    await h.close();
    expect(h.state).toBe('closed');
    expect(h.awaitingApproval).toBeUndefined();
    expect(w.revoked).toEqual(['lease-1']);
    expect(w.issued).toHaveLength(2);
  });
});
