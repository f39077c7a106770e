// The behaviour every TaskStore and ApprovalStore backend must show. Each backend's test file runs
// these suites with a factory for fresh, empty stores. Times are fixed instants; nothing reads a clock.
import { beforeEach, describe, expect, it } from 'vitest';
import { newLeaseId } from '../../src/core/index.js';
import type { ApprovalStore, NewApproval, NewTask, TaskStore } from '../../src/tasks/index.js';

export const T0 = Date.UTC(2026, 0, 1);
const SEC = 1000;
const HOUR = 3_600_000;
export const OWNER = 'spiffe://example.org/agents/planner';
const WORKER = 'spiffe://example.org/agents/worker';
const HELPER = 'spiffe://example.org/agents/helper';
const OPERATOR = 'spiffe://example.org/ops/alice';

export function newTask(over: Partial<NewTask> = {}): NewTask {
  return {
    id: 'task-1',
    owner: OWNER,
    trustDomain: 'example.org',
    purpose: 'summarise the orders of last week',
    attributes: { environment: 'prod', ticket: 'OPS-1' },
    tools: [{ provider: 'orders-db', scope: ['SELECT:public.orders'] }, { provider: 'orders-api', scope: [] }],
    budget: { maxCredentials: 3, maxConcurrentLeases: 2, maxLifetimeMs: HOUR },
    ancestors: [],
    chain: [],
    openedAt: T0,
    expiresAt: T0 + HOUR,
    ...over,
  };
}

function child(parent: NewTask, over: Partial<NewTask> = {}): NewTask {
  return newTask({
    id: `${parent.id}.child`,
    owner: WORKER,
    parentId: parent.id,
    ancestors: [...parent.ancestors, parent.id],
    chain: [...parent.chain, parent.owner],
    budget: { maxCredentials: 2, maxConcurrentLeases: 2, maxLifetimeMs: HOUR / 2 },
    openedAt: T0 + SEC,
    expiresAt: T0 + HOUR / 2,
    ...over,
  });
}

export function taskStoreContract(backend: string, makeStore: () => Promise<TaskStore>): void {
  describe(`TaskStore contract: ${backend}`, () => {
    let store: TaskStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('opens a task once; the first declaration stays', async () => {
      const first = await store.open(newTask());
      expect(first.outcome).toBe('created');
      expect(first.task).toEqual({ ...newTask(), state: 'open', credentialsIssued: 0, liveLeases: 0, deviations: 0 });
      const again = await store.open(newTask({ owner: WORKER, purpose: 'something else' }));
      expect(again).toEqual({ outcome: 'existing', task: first.task });
      expect(await store.get('task-1')).toEqual(first.task);
      expect(await store.get('no-such-task')).toBeUndefined();
    });

    it('keeps task ids that look like key syntax apart', async () => {
      await store.open(newTask({ id: 'a' }));
      await store.open(newTask({ id: 'a:live', purpose: 'p2' }));
      await store.reserve('a', 'lease-a', T0 + SEC);
      expect((await store.get('a:live'))!.purpose).toBe('p2');
      expect(await store.liveLeaseIds('a:live')).toEqual([]);
      expect(await store.liveLeaseIds('a')).toEqual(['lease-a']);
    });

    it('reserves credentials within maxCredentials and maxConcurrentLeases, and says which limit refused', async () => {
      await store.open(newTask());
      const ids = [newLeaseId(T0), newLeaseId(T0), newLeaseId(T0), newLeaseId(T0)];
      expect(await store.reserve('task-1', ids[0]!, T0 + SEC)).toMatchObject({ ok: true, task: { credentialsIssued: 1, liveLeases: 1 } });
      expect(await store.reserve('task-1', ids[1]!, T0 + SEC)).toMatchObject({ ok: true, task: { credentialsIssued: 2, liveLeases: 2 } });
      // The same lease id again counts nothing twice.
      expect(await store.reserve('task-1', ids[1]!, T0 + SEC)).toMatchObject({ ok: true, task: { credentialsIssued: 2, liveLeases: 2 } });
      const full = await store.reserve('task-1', ids[2]!, T0 + SEC);
      expect(full).toMatchObject({ ok: false, refusal: 'max_concurrent_leases', at: { id: 'task-1' }, task: { credentialsIssued: 2, liveLeases: 2 } });

      await store.release('task-1', ids[0]!, false);
      expect(await store.reserve('task-1', ids[2]!, T0 + SEC)).toMatchObject({ ok: true, task: { credentialsIssued: 3, liveLeases: 2 } });
      await store.release('task-1', ids[1]!, false);
      expect(await store.reserve('task-1', ids[3]!, T0 + SEC)).toMatchObject({ ok: false, refusal: 'max_credentials', task: { credentialsIssued: 3, liveLeases: 1 } });
      // A refund gives the credential back (a mint that failed never became a credential).
      await store.release('task-1', ids[2]!, true);
      expect(await store.reserve('task-1', ids[3]!, T0 + SEC)).toMatchObject({ ok: true, task: { credentialsIssued: 3, liveLeases: 1 } });
      expect((await store.liveLeaseIds('task-1')).sort()).toEqual([ids[3]!]);
    });

    it('takes reservations made in the same moment one after another, each against its own task', async () => {
      await store.open(newTask({ budget: { maxCredentials: 3, maxConcurrentLeases: 3, maxLifetimeMs: HOUR } }));
      await store.open(newTask({ id: 'task-2' }));
      const ids = Array.from({ length: 6 }, () => newLeaseId(T0));
      const outcomes = await Promise.all([
        ...ids.slice(0, 5).map((id) => store.reserve('task-1', id, T0 + SEC)),
        store.reserve('task-2', ids[5]!, T0 + SEC),
        store.reserve('task-1', ids[0]!, T0 + SEC),
      ]);
      expect(outcomes.map((o) => (o.ok ? `ok ${o.task.id} ${o.task.credentialsIssued}/${o.task.liveLeases}` : `${o.refusal} ${o.task.credentialsIssued}`))).toEqual([
        'ok task-1 1/1',
        'ok task-1 2/2',
        'ok task-1 3/3',
        'max_credentials 3',
        'max_credentials 3',
        'ok task-2 1/1',
        'ok task-1 3/3',
      ]);
      // What a reservation answers is the whole record, as a read gives it.
      const last = outcomes[6]!;
      expect(last.ok && last.task).toEqual(await store.get('task-1'));
      expect(outcomes[5]!.task).toEqual(await store.get('task-2'));
    });

    it('refuses reservations for a task that ended or expired, and for a task that does not exist', async () => {
      await store.open(newTask());
      expect(await store.reserve('task-1', 'l1', T0 + HOUR)).toMatchObject({ ok: false, refusal: 'expired' });
      await store.end('task-1', { state: 'completed', trigger: 'task_completed', now: T0 + SEC });
      expect(await store.reserve('task-1', 'l2', T0 + 2 * SEC)).toMatchObject({ ok: false, refusal: 'ended', at: { state: 'completed' } });
      await expect(store.reserve('nope', 'l3', T0)).rejects.toMatchObject({ code: 'ERR_TASK_NOT_FOUND', message: 'task "nope" does not exist (or its record has aged out)' });
    });

    it('delegates only from an open parent of the delegator, to a free id', async () => {
      const parent = newTask();
      await store.open(parent);
      const kid = child(parent);
      expect(await store.delegate(kid, WORKER, T0 + SEC)).toMatchObject({ outcome: 'parent_refused', parent: { id: 'task-1', owner: OWNER } });
      const made = await store.delegate(kid, OWNER, T0 + SEC);
      expect(made).toEqual({ outcome: 'created', task: { ...kid, state: 'open', credentialsIssued: 0, liveLeases: 0, deviations: 0 } });
      expect(await store.delegate(kid, OWNER, T0 + SEC)).toMatchObject({ outcome: 'taken', task: { id: kid.id } });
      expect(await store.delegate({ ...kid, parentId: 'missing' }, OWNER, T0 + SEC)).toEqual({ outcome: 'no_parent' });
      expect(await store.children('task-1')).toEqual([kid.id]);
      expect(await store.delegate(child(parent, { id: 'late' }), OWNER, T0 + HOUR)).toMatchObject({ outcome: 'parent_refused' });
      await store.end('task-1', { state: 'revoked', trigger: 'operator', reason: 'incident', now: T0 + 2 * SEC });
      expect(await store.delegate(child(parent, { id: 'after-end' }), OWNER, T0 + 3 * SEC)).toMatchObject({ outcome: 'parent_refused', parent: { state: 'revoked' } });
    });

    it('counts a descendant\'s credentials against every ancestor, three levels deep', async () => {
      const root = newTask({ budget: { maxCredentials: 10, maxConcurrentLeases: 2, maxLifetimeMs: HOUR } });
      await store.open(root);
      const mid = child(root, { id: 'mid', budget: { maxCredentials: 10, maxConcurrentLeases: 5, maxLifetimeMs: HOUR / 2 } });
      await store.delegate(mid, OWNER, T0 + SEC);
      const leaf = child(mid, { id: 'leaf', owner: HELPER, budget: { maxCredentials: 5, maxConcurrentLeases: 5, maxLifetimeMs: HOUR / 4 }, expiresAt: T0 + HOUR / 4 });
      expect((await store.delegate(leaf, WORKER, T0 + SEC)).outcome).toBe('created');
      expect((await store.get('leaf'))!.ancestors).toEqual(['task-1', 'mid']);

      expect(await store.reserve('leaf', 'l1', T0 + 2 * SEC)).toMatchObject({ ok: true, task: { credentialsIssued: 1, liveLeases: 1 } });
      expect(await store.reserve('mid', 'l2', T0 + 2 * SEC)).toMatchObject({ ok: true, task: { credentialsIssued: 2, liveLeases: 2 } });
      expect(await store.get('task-1')).toMatchObject({ credentialsIssued: 2, liveLeases: 2 });
      // The root allows two at once: the leaf is refused at the root, which is named.
      expect(await store.reserve('leaf', 'l3', T0 + 2 * SEC)).toMatchObject({ ok: false, refusal: 'max_concurrent_leases', at: { id: 'task-1' }, task: { id: 'leaf' } });
      await store.release('leaf', 'l1', false);
      expect(await store.get('task-1')).toMatchObject({ liveLeases: 1, credentialsIssued: 2 });
      expect(await store.get('mid')).toMatchObject({ liveLeases: 1 });
      await store.end('mid', { state: 'revoked', trigger: 'parent_revoked', now: T0 + 3 * SEC });
      expect(await store.reserve('leaf', 'l4', T0 + 4 * SEC)).toMatchObject({ ok: false, refusal: 'ended', at: { id: 'mid' } });
    });

    it('releases many ended leases of many tasks at once, delegated ones through their ancestors', async () => {
      const budget = { maxCredentials: 10, maxConcurrentLeases: 10, maxLifetimeMs: HOUR };
      const root = newTask({ budget });
      await store.open(root);
      await store.open(newTask({ id: 'other', budget }));
      await store.delegate(child(root, { id: 'kid', budget }), OWNER, T0 + SEC);
      for (const [task, lease] of [['task-1', 'a1'], ['task-1', 'a2'], ['task-1', 'a3'], ['other', 'b1'], ['kid', 'k1'], ['kid', 'k2']] as const) {
        expect((await store.reserve(task, lease, T0 + 2 * SEC)).ok).toBe(true);
      }
      await store.releaseEnded([
        { taskId: 'task-1', leaseId: 'a1' },
        { taskId: 'other', leaseId: 'b1' },
        { taskId: 'kid', leaseId: 'k1' },
        { taskId: 'task-1', leaseId: 'a3' },
        { taskId: 'gone', leaseId: 'g1' },
        { taskId: 'task-1', leaseId: 'never-reserved' },
      ]);
      expect((await store.liveLeaseIds('task-1')).sort()).toEqual(['a2', 'k2']);
      expect(await store.liveLeaseIds('other')).toEqual([]);
      expect(await store.liveLeaseIds('kid')).toEqual(['k2']);
      // Ended, not refunded: the credentials stay counted.
      expect(await store.get('task-1')).toMatchObject({ credentialsIssued: 5, liveLeases: 2 });
      expect(await store.get('gone')).toBeUndefined();
      await store.releaseEnded([]);
    });

    it('prunes live lease ids that ended while no one was listening', async () => {
      await store.open(newTask());
      await store.reserve('task-1', 'l1', T0);
      await store.reserve('task-1', 'l2', T0);
      await store.prune('task-1', ['l1', 'unknown']);
      expect(await store.liveLeaseIds('task-1')).toEqual(['l2']);
    });

    it('counts deviations and keeps the latest', async () => {
      await store.open(newTask());
      const d = (n: number) => ({ kind: 'undeclared_tool' as const, provider: `p${n}`, scope: ['s'], at: T0 + n, detail: `request ${n}` });
      expect(await store.recordDeviation('task-1', d(1), 2)).toBe(1);
      expect(await store.recordDeviation('task-1', d(2), 2)).toBe(2);
      expect(await store.recordDeviation('task-1', { ...d(3), kind: 'policy_denied' }, 2)).toBe(3);
      expect(await store.deviations('task-1')).toEqual([d(2), { ...d(3), kind: 'policy_denied' }]);
      expect((await store.get('task-1'))!.deviations).toBe(3);
      await expect(store.recordDeviation('nope', d(4), 2)).rejects.toMatchObject({ code: 'ERR_TASK_NOT_FOUND' });
    });

    it('ends a task once; one past its expiry ends as expired', async () => {
      await store.open(newTask());
      const ended = await store.end('task-1', { state: 'revoked', trigger: 'deviation', reason: '3 deviations', now: T0 + SEC });
      expect(ended).toMatchObject({ outcome: 'ended', task: { state: 'revoked', trigger: 'deviation', reason: '3 deviations', endedAt: T0 + SEC } });
      expect(await store.end('task-1', { state: 'completed', trigger: 'task_completed', now: T0 + 2 * SEC })).toMatchObject({
        outcome: 'unchanged',
        task: { state: 'revoked', trigger: 'deviation' },
      });
      await store.open(newTask({ id: 'old' }));
      expect(await store.end('old', { state: 'completed', trigger: 'task_completed', reason: 'done', now: T0 + 2 * HOUR })).toMatchObject({
        outcome: 'ended',
        task: { state: 'expired', trigger: 'expired', endedAt: T0 + HOUR },
      });
      expect((await store.get('old'))!.reason).toBeUndefined();
      expect(await store.end('nope', { state: 'completed', trigger: 'task_completed', now: T0 })).toEqual({ outcome: 'not_found' });
    });
  });
}

export function newApproval(over: Partial<NewApproval> = {}): NewApproval {
  return {
    id: newLeaseId(over.createdAt ?? T0),
    requester: OWNER,
    taskId: 'task-1',
    purpose: 'pay the invoice',
    attributes: { ticket: 'FIN-7' },
    provider: 'payments-api',
    scope: ['payments:write'],
    ttlMs: 300_000,
    requestDigest: 'digest-1',
    policies: ['payments-need-approval'],
    policyVersion: 'v1',
    createdAt: T0,
    expiresAt: T0 + HOUR,
    ...over,
  };
}

export function approvalStoreContract(backend: string, makeStore: () => Promise<ApprovalStore>): void {
  describe(`ApprovalStore contract: ${backend}`, () => {
    let store: ApprovalStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('requests once per requester and request while one is live', async () => {
      const a = newApproval();
      const first = await store.request(a, T0);
      expect(first).toEqual({ outcome: 'created', approval: { ...a, state: 'pending' } });
      expect(await store.request(newApproval(), T0 + SEC)).toEqual({ outcome: 'existing', approval: first.approval });
      expect(await store.findLive(OWNER, 'digest-1', T0 + SEC)).toEqual(first.approval);
      // Another requester, or another request, gets its own.
      expect((await store.request(newApproval({ requester: WORKER }), T0)).outcome).toBe('created');
      expect((await store.request(newApproval({ requestDigest: 'digest-2' }), T0)).outcome).toBe('created');
      // Once the first has expired, the same request asks again.
      expect(await store.findLive(OWNER, 'digest-1', T0 + HOUR)).toBeUndefined();
      const later = await store.request(newApproval({ createdAt: T0 + HOUR, expiresAt: T0 + 2 * HOUR }), T0 + HOUR);
      expect(later.outcome).toBe('created');
      expect(later.approval.id).not.toBe(a.id);
    });

    it('is decided once, by anyone but the requester, while pending', async () => {
      const { approval } = await store.request(newApproval(), T0);
      expect(await store.decide(approval.id, { decision: 'approved', approver: OWNER, now: T0 + SEC, usableUntil: T0 + 600 * SEC })).toEqual({
        outcome: 'refused',
        approval,
      });
      const decided = await store.decide(approval.id, { decision: 'approved', approver: OPERATOR, now: T0 + SEC, usableUntil: T0 + 600 * SEC });
      expect(decided).toEqual({
        outcome: 'decided',
        approval: { ...approval, state: 'approved', decidedBy: OPERATOR, decidedAt: T0 + SEC, expiresAt: T0 + 600 * SEC },
      });
      expect(await store.decide(approval.id, { decision: 'denied', approver: OPERATOR, reason: 'no', now: T0 + 2 * SEC, usableUntil: 0 })).toMatchObject({
        outcome: 'refused',
        approval: { state: 'approved' },
      });
      expect(await store.decide(newLeaseId(T0), { decision: 'approved', approver: OPERATOR, now: T0, usableUntil: T0 })).toEqual({ outcome: 'not_found' });
      const late = await store.request(newApproval({ requestDigest: 'late' }), T0);
      expect(await store.decide(late.approval.id, { decision: 'approved', approver: OPERATOR, now: T0 + HOUR, usableUntil: T0 + 2 * HOUR })).toMatchObject({
        outcome: 'refused',
        approval: { state: 'pending' },
      });
    });

    it('keeps a denial on record: the same request gets the denial back until it expires', async () => {
      const { approval } = await store.request(newApproval(), T0);
      const denied = await store.decide(approval.id, { decision: 'denied', approver: OPERATOR, reason: 'not this quarter', now: T0 + SEC, usableUntil: 0 });
      expect(denied).toMatchObject({ outcome: 'decided', approval: { state: 'denied', reason: 'not this quarter', expiresAt: T0 + HOUR } });
      expect(await store.request(newApproval(), T0 + 2 * SEC)).toMatchObject({ outcome: 'existing', approval: { id: approval.id, state: 'denied' } });
    });

    it('is used once, by its requester, for its request, before it expires', async () => {
      const { approval } = await store.request(newApproval(), T0);
      const use = { requester: OWNER, requestDigest: 'digest-1', leaseId: 'lease-1', now: T0 + 2 * SEC };
      expect(await store.consume(approval.id, use)).toMatchObject({ outcome: 'refused', approval: { state: 'pending' } });
      await store.decide(approval.id, { decision: 'approved', approver: OPERATOR, now: T0 + SEC, usableUntil: T0 + 60 * SEC });
      expect(await store.consume(approval.id, { ...use, requester: WORKER })).toMatchObject({ outcome: 'refused', approval: { state: 'approved' } });
      expect(await store.consume(approval.id, { ...use, requestDigest: 'other' })).toMatchObject({ outcome: 'refused', approval: { state: 'approved' } });
      expect(await store.consume(approval.id, { ...use, now: T0 + 60 * SEC })).toMatchObject({ outcome: 'refused' });
      const used = await store.consume(approval.id, { ...use, idempotencyKey: 'retry-1' });
      expect(used).toMatchObject({ outcome: 'used', approval: { state: 'used', usedAt: T0 + 2 * SEC, leaseId: 'lease-1', idempotencyKey: 'retry-1' } });
      expect(await store.consume(approval.id, use)).toMatchObject({ outcome: 'refused', approval: { state: 'used' } });
      // Used, it still names the request (for a retry of the one that used it) until it expires…
      expect(await store.findLive(OWNER, 'digest-1', T0 + 3 * SEC)).toMatchObject({ id: approval.id, state: 'used' });
      expect(await store.findLive(OWNER, 'digest-1', T0 + 60 * SEC)).toBeUndefined();
      // …but the next identical request asks afresh.
      const fresh = await store.request(newApproval({ createdAt: T0 + 3 * SEC }), T0 + 3 * SEC);
      expect(fresh.outcome).toBe('created');
      expect(await store.findLive(OWNER, 'digest-1', T0 + 4 * SEC)).toMatchObject({ id: fresh.approval.id, state: 'pending' });
      expect(await store.consume(newLeaseId(T0), use)).toEqual({ outcome: 'not_found' });
    });

    it('expires pending and approved approvals past their expiry, once', async () => {
      const { approval } = await store.request(newApproval(), T0);
      expect(await store.expire(approval.id, T0 + SEC)).toEqual({ changed: false, approval });
      expect(await store.expire(approval.id, T0 + HOUR)).toEqual({ changed: true, approval: { ...approval, state: 'expired' } });
      expect(await store.expire(approval.id, T0 + 2 * HOUR)).toEqual({ changed: false, approval: { ...approval, state: 'expired' } });
      expect(await store.expire(newLeaseId(T0), T0)).toBeUndefined();
    });

    it('lists newest first, filtered by state as of now, task and requester, in pages', async () => {
      const made = [];
      for (let i = 0; i < 5; i++) {
        made.push((await store.request(newApproval({ createdAt: T0 + i, requestDigest: `d${i}`, taskId: i % 2 === 0 ? 'even' : 'odd' }), T0 + i)).approval);
      }
      await store.decide(made[1]!.id, { decision: 'approved', approver: OPERATOR, now: T0 + 10, usableUntil: T0 + 20 });
      const page1 = await store.list({ states: ['pending'] }, 2, T0 + 10);
      expect(page1.approvals.map((a) => a.id)).toEqual([made[4]!.id, made[3]!.id]);
      const page2 = await store.list({ states: ['pending'] }, 2, T0 + 10, page1.cursor);
      expect(page2.approvals.map((a) => a.id)).toEqual([made[2]!.id, made[0]!.id]);
      expect(page2.cursor).toBeUndefined();
      expect((await store.list({ states: ['expired'] }, 10, T0 + 30)).approvals.map((a) => a.id)).toEqual([made[1]!.id]);
      expect((await store.list({ taskId: 'odd' }, 10, T0)).approvals.map((a) => a.id)).toEqual([made[3]!.id, made[1]!.id]);
      expect((await store.list({ requester: WORKER }, 10, T0)).approvals).toEqual([]);
    });
  });
}
