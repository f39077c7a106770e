// The LeaseStore contract, continued: the revocation queue, mass revocation and the event feed.
// Run by leaseStoreContract for every backend. Times are fixed instants passed as `now`.
import { beforeEach, describe, expect, it } from 'vitest';
import { isLeaseId, leaseIdTime, newLeaseId, type Lease } from '../../src/core/index.js';
import type { LeaseStore, LocallyRevoked, NewLease, RevocationItem, RevocationOperation, StoredLeaseEvent } from '../../src/leases/index.js';
import { OWNER, T0, newLease, type StoreFactory } from './contract.js';

const SEC = 1000;
const MIN = 60 * SEC;
const VT = 30 * SEC;

async function activeLease(store: LeaseStore, over: Partial<NewLease> = {}): Promise<Lease> {
  const lease = (await store.createPending(newLease(over))).lease;
  return store.activate(lease.id, lease.expiresAt, lease.issuedAt + SEC);
}

async function allEvents(store: LeaseStore, cursor: string): Promise<StoredLeaseEvent[]> {
  const out: StoredLeaseEvent[] = [];
  let at = cursor;
  for (let i = 0; i < 20; i++) {
    const page = await store.readEvents(at, 100);
    out.push(...page.events);
    at = page.cursor;
    if (page.events.length === 0) return out;
  }
  return out;
}

async function selectAll(store: LeaseStore, selection: Parameters<LeaseStore['countSelection']>[0], upTo: number) {
  let matched = 0;
  const sample: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await store.countSelection(selection, upTo, 50, cursor);
    matched += page.matched;
    sample.push(...page.sample);
    cursor = page.cursor;
    if (cursor === undefined) return { matched, sample: sample.sort() };
  }
  throw new Error('selection did not end');
}

async function runOperation(store: LeaseStore, op: RevocationOperation, now: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await store.stepOperation(op, 2, now)).done) {
      await store.finishOperation(op.id, now);
      return;
    }
  }
  throw new Error('operation did not end');
}

function operation(over: Partial<RevocationOperation> = {}): RevocationOperation {
  return {
    id: newLeaseId(T0),
    selection: {},
    trigger: 'operator',
    reason: 'incident 7',
    requestedBy: 'spiffe://example.org/ops',
    createdAt: T0 + MIN,
    upTo: T0 + MIN,
    ...over,
  };
}

export function revocationContract(makeStore: StoreFactory): void {
  let store: LeaseStore;
  beforeEach(async () => {
    store = await makeStore();
  });

  describe('newLeaseId and getMany', () => {
    it('makes time-ordered lease ids and reads many leases at once', async () => {
      const id = store.newLeaseId({ owner: OWNER, taskId: 'task-1' }, T0);
      expect(isLeaseId(id)).toBe(true);
      expect(leaseIdTime(id)).toBe(T0);
      const a = await activeLease(store);
      const b = (await store.createPending(newLease({ issuedAt: T0 + 1 }))).lease;
      expect(await store.getMany([b.id, newLeaseId(T0), a.id])).toEqual([b, undefined, a]);
      expect(await store.getMany([])).toEqual([]);
    });
  });

  describe('the revocation queue', () => {
    it('queues an accepted revocation, due at once', async () => {
      const lease = await activeLease(store);
      await store.beginRevoke(lease.id, { trigger: 'owner', now: T0 + MIN });
      expect(await store.revocationStats(T0 + MIN)).toEqual({ queued: 1, due: 1, failed: 0 });
      const { items, nextDueAt } = await store.claimRevocations({ now: T0 + MIN, limit: 10, visibilityMs: VT });
      expect(items).toEqual([
        {
          leaseId: lease.id,
          provider: 'orders-db',
          providerKind: 'postgres',
          handle: lease.handle,
          owner: OWNER,
          taskId: 'task-1',
          trigger: 'owner',
          expiresAt: lease.expiresAt,
          revokeRequestedAt: T0 + MIN,
          queuedAt: T0 + MIN,
          attempts: 0,
          claimedUntil: T0 + MIN + VT,
        },
      ]);
      expect(nextDueAt).toBe(T0 + MIN + VT);
    });

    it('hides a claimed revocation until its visibility timeout, then hands it out again', async () => {
      const lease = await activeLease(store);
      await store.beginRevoke(lease.id, { trigger: 'operator', reason: 'r', now: T0 + MIN });
      expect((await store.claimRevocations({ now: T0 + MIN, limit: 10, visibilityMs: VT })).items).toHaveLength(1);
      expect((await store.claimRevocations({ now: T0 + MIN + VT - 1, limit: 10, visibilityMs: VT })).items).toEqual([]);
      expect(await store.revocationStats(T0 + MIN + 1)).toEqual({ queued: 1, due: 0, failed: 0 });
      const again = await store.claimRevocations({ now: T0 + MIN + VT, limit: 10, visibilityMs: VT });
      expect(again.items.map((i) => [i.leaseId, i.reason])).toEqual([[lease.id, 'r']]);
    });

    it('claims at most the limit per call, each item once', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const lease = await activeLease(store, { issuedAt: T0 + i });
        await store.beginRevoke(lease.id, { trigger: 'operator', now: T0 + MIN + i });
        ids.push(lease.id);
      }
      const seen = new Set<string>();
      for (let round = 0; round < 100 && seen.size < 5; round++) {
        const { items } = await store.claimRevocations({ now: T0 + 2 * MIN, limit: 2, visibilityMs: VT });
        expect(items.length).toBeLessThanOrEqual(2);
        for (const item of items) seen.add(item.leaseId);
      }
      expect([...seen].sort()).toEqual([...ids].sort());
      expect((await store.claimRevocations({ now: T0 + 2 * MIN, limit: 10, visibilityMs: VT })).items).toEqual([]);
    });

    it('puts off the items of a paused provider without counting an attempt', async () => {
      const db = await activeLease(store);
      const api = await activeLease(store, { provider: 'orders-api', providerKind: 'oauth-jwt', issuedAt: T0 + 1 });
      await store.beginRevokeMany([db.id, api.id], { trigger: 'operator', now: T0 + MIN });
      const paused = new Map([['orders-db', T0 + 5 * MIN]]);
      const { items } = await store.claimRevocations({ now: T0 + MIN, limit: 10, visibilityMs: VT, paused });
      expect(items.map((i) => i.leaseId)).toEqual([api.id]);
      await store.completeRevocations([{ leaseId: api.id, taskId: api.taskId }], T0 + MIN);
      expect((await store.claimRevocations({ now: T0 + 5 * MIN - 1, limit: 10, visibilityMs: VT })).items).toEqual([]);
      const later = await store.claimRevocations({ now: T0 + 5 * MIN, limit: 10, visibilityMs: VT });
      expect(later.items.map((i) => [i.leaseId, i.attempts])).toEqual([[db.id, 0]]);
    });

    it('completes confirmed revocations: revoked, or expired for the trigger `expired`', async () => {
      const a = await activeLease(store);
      const b = await activeLease(store, { issuedAt: T0 + 1, taskId: 'task-2' });
      await store.beginRevoke(a.id, { trigger: 'deviation', now: T0 + MIN });
      await store.beginRevoke(b.id, { trigger: 'expired', now: T0 + MIN });
      const outcomes = await store.completeRevocations(
        [
          { leaseId: a.id, taskId: a.taskId },
          { leaseId: b.id, taskId: b.taskId },
          { leaseId: a.id, taskId: a.taskId },
        ],
        T0 + 2 * MIN,
      );
      expect(outcomes).toEqual([
        { leaseId: a.id, state: 'revoked' },
        { leaseId: b.id, state: 'expired' },
        { leaseId: a.id, state: 'revoked' },
      ]);
      expect(await store.get(a.id)).toEqual({ ...a, state: 'revoked', trigger: 'deviation', revokeRequestedAt: T0 + MIN, revokedAt: T0 + 2 * MIN });
      expect(await store.revocationStats(T0 + 2 * MIN)).toEqual({ queued: 0, due: 0, failed: 0 });
      const active = await activeLease(store, { issuedAt: T0 + 2 });
      const unknown = newLeaseId(T0);
      expect(
        await store.completeRevocations(
          [
            { leaseId: active.id, taskId: active.taskId },
            { leaseId: unknown, taskId: 'task-1' },
            { leaseId: a.id, taskId: 'another-task' },
          ],
          T0 + 3 * MIN,
        ),
      ).toEqual([
        { leaseId: active.id, state: 'active' },
        { leaseId: unknown, state: undefined },
        { leaseId: a.id, state: undefined },
      ]);
    });

    it('defers a failed attempt with its error code, and counts it', async () => {
      const lease = await activeLease(store);
      await store.beginRevoke(lease.id, { trigger: 'operator', now: T0 + MIN });
      await store.claimRevocations({ now: T0 + MIN, limit: 10, visibilityMs: VT });
      await store.deferRevocations([{ leaseId: lease.id, retryAt: T0 + 2 * MIN, attempted: true, error: 'ERR_PROVIDER_UNAVAILABLE' }], T0 + MIN);
      expect(await store.get(lease.id)).toMatchObject({ state: 'revoking', revocationAttempts: 1, revocationError: 'ERR_PROVIDER_UNAVAILABLE' });
      expect((await store.claimRevocations({ now: T0 + 2 * MIN - 1, limit: 10, visibilityMs: VT })).items).toEqual([]);
      const { items } = await store.claimRevocations({ now: T0 + 2 * MIN, limit: 10, visibilityMs: VT });
      expect(items.map((i) => i.attempts)).toEqual([1]);
      await store.deferRevocations([{ leaseId: lease.id, retryAt: T0 + 3 * MIN, attempted: false }], T0 + 2 * MIN);
      expect((await store.get(lease.id))?.revocationAttempts).toBe(1);
      // A claim that lapsed (and may be someone else's now) is not put back by its old holder.
      const { items: again } = await store.claimRevocations({ now: T0 + 3 * MIN, limit: 10, visibilityMs: VT });
      await store.deferRevocations([{ leaseId: lease.id, retryAt: T0 + 9 * MIN, attempted: true, heldUntil: T0 + 2 * MIN + VT }], T0 + 3 * MIN);
      expect((await store.get(lease.id))?.revocationAttempts).toBe(1);
      await store.deferRevocations([{ leaseId: lease.id, retryAt: T0 + 3 * MIN, attempted: false, heldUntil: again[0]!.claimedUntil! }], T0 + 3 * MIN);
      expect((await store.claimRevocations({ now: T0 + 3 * MIN, limit: 10, visibilityMs: VT })).items.map((i) => i.leaseId)).toEqual([lease.id]);
      // A finished revocation is not put back.
      await store.finishRevoke(lease.id, T0 + 4 * MIN);
      await store.deferRevocations([{ leaseId: lease.id, retryAt: T0 + 5 * MIN, attempted: true, error: 'X' }], T0 + 4 * MIN);
      expect(await store.get(lease.id)).toMatchObject({ state: 'revoked' });
      expect(await store.revoking(10)).toEqual([]);
    });

    it('parks a revocation given up on as revocation_failed, listed and counted, until an operator queues it again', async () => {
      const lease = await activeLease(store);
      await store.beginRevoke(lease.id, { trigger: 'task_completed', now: T0 + MIN });
      await store.deferRevocations([{ leaseId: lease.id, retryAt: T0 + MIN, attempted: true, error: 'ERR_PROVIDER_UNAVAILABLE' }], T0 + MIN);
      expect(await store.parkRevocations([{ leaseId: lease.id, error: 'ERR_PROVIDER_UNAVAILABLE' }], T0 + 9 * MIN)).toEqual([
        { leaseId: lease.id, state: 'revocation_failed' },
      ]);
      const failed = await store.get(lease.id);
      expect(failed).toMatchObject({ state: 'revocation_failed', trigger: 'task_completed', revocationAttempts: 1, revocationError: 'ERR_PROVIDER_UNAVAILABLE' });
      expect(await store.revocationStats(T0 + 9 * MIN)).toEqual({ queued: 0, due: 0, failed: 1 });
      expect((await store.list({ states: ['revocation_failed'] }, 10)).leases.map((l) => l.id)).toEqual([lease.id]);
      // Revoking it again the ordinary way changes nothing: it is terminal until an operator acts.
      expect((await store.beginRevoke(lease.id, { trigger: 'operator', now: T0 + 10 * MIN })).state).toBe('revocation_failed');
      const [retry] = await store.beginRevokeMany([lease.id], { trigger: 'operator', now: T0 + 10 * MIN, requeueFailed: true });
      expect(retry).toMatchObject({ outcome: 'accepted', lease: { state: 'revoking', trigger: 'task_completed', revokeRequestedAt: T0 + MIN } });
      const { items } = await store.claimRevocations({ now: T0 + 10 * MIN, limit: 10, visibilityMs: VT });
      expect(items.map((i) => [i.queuedAt, i.attempts])).toEqual([[T0 + 10 * MIN, 0]]);
      expect(await store.revocationStats(T0 + 10 * MIN)).toEqual({ queued: 1, due: 0, failed: 0 });
    });

    it('accepts many at once, reporting each, and lets the caller claim the attempts it makes', async () => {
      const a = await activeLease(store);
      const b = (await store.createPending(newLease({ issuedAt: T0 + 1 }))).lease;
      const c = await activeLease(store, { issuedAt: T0 + 2 });
      await store.beginRevoke(c.id, { trigger: 'owner', now: T0 + MIN });
      const unknown = newLeaseId(T0);
      const outcomes = await store.beginRevokeMany([a.id, b.id, c.id, unknown], {
        trigger: 'task_completed',
        now: T0 + 2 * MIN,
        claimUntil: T0 + 2 * MIN + VT,
      });
      expect(outcomes.map((o) => [o.id, o.outcome, o.outcome === 'not_found' ? undefined : o.lease.state])).toEqual([
        [a.id, 'accepted', 'revoking'],
        [b.id, 'accepted', 'revoking'],
        [c.id, 'unchanged', 'revoking'],
        [unknown, 'not_found', undefined],
      ]);
      // a and b are claimed by the caller; c was queued earlier and is due.
      const { items } = await store.claimRevocations({ now: T0 + 2 * MIN, limit: 10, visibilityMs: VT });
      expect(items.map((i) => i.leaseId)).toEqual([c.id]);
      // Once the claims lapse, all three are handed out again.
      const again = await store.claimRevocations({ now: T0 + 2 * MIN + VT, limit: 10, visibilityMs: VT });
      expect(again.items.map((i) => i.leaseId).sort()).toEqual([a.id, b.id, c.id].sort());
    });
  });

  describe('the reaper sweeps', () => {
    it('moves active leases past their expiry to revoking with the trigger `expired`, and says when the next is due', async () => {
      const early = await activeLease(store, { expiresAt: T0 + 10 * MIN });
      const late = await activeLease(store, { expiresAt: T0 + 30 * MIN, issuedAt: T0 + 1 });
      expect(await store.expireDue(T0 + 5 * MIN, 100)).toEqual({ accepted: 0, more: false, nextDueAt: T0 + 10 * MIN });
      expect(await store.expireDue(T0 + 10 * MIN, 100)).toEqual({ accepted: 1, more: false, nextDueAt: T0 + 30 * MIN });
      expect(await store.get(early.id)).toMatchObject({ state: 'revoking', trigger: 'expired', reason: 'lease reached its expiry', revokeRequestedAt: T0 + 10 * MIN });
      expect(await store.revoking(10)).toEqual([early.id]);
      expect((await store.get(late.id))?.state).toBe('active');
      expect(await store.expireDue(T0 + 40 * MIN, 100)).toEqual({ accepted: 1, more: false });
    });

    it('accepts at most the limit per call, and says when there is more', async () => {
      for (let i = 0; i < 4; i++) await activeLease(store, { issuedAt: T0 + i, expiresAt: T0 + MIN });
      let total = 0;
      let rounds = 0;
      for (let more = true; more && rounds < 100; rounds++) {
        const r = await store.expireDue(T0 + MIN, 1);
        expect(r.accepted).toBeLessThanOrEqual(1);
        total += r.accepted;
        more = r.more;
      }
      expect(total).toBe(4);
      expect(await store.expireDue(T0 + MIN, 100)).toEqual({ accepted: 0, more: false });
    });

    it('moves leases pending since a time or earlier to revoking, with the reason given', async () => {
      const old = (await store.createPending(newLease())).lease;
      const fresh = (await store.createPending(newLease({ issuedAt: T0 + MIN }))).lease;
      const r = await store.abandonStalePending(T0 + 30 * SEC, T0 + 2 * MIN, 100, 'pending lease abandoned');
      expect(r).toEqual({ accepted: 1, more: false });
      expect(await store.get(old.id)).toMatchObject({ state: 'revoking', trigger: 'expired', reason: 'pending lease abandoned' });
      expect((await store.get(fresh.id))?.state).toBe('pending');
    });
  });

  describe('selections and mass revocation', () => {
    const ADMIN = 'spiffe://other.org/agents/x';
    async function seed(): Promise<Lease[]> {
      return [
        await activeLease(store, { owner: 'spiffe://example.org/agents/a', issuedAt: T0 }),
        await activeLease(store, { owner: 'spiffe://example.org/agents/a/sub', issuedAt: T0 + 1, provider: 'orders-api', providerKind: 'oauth-jwt' }),
        (await store.createPending(newLease({ owner: 'spiffe://example.org/agentsmith', issuedAt: T0 + 2, taskId: 'task-2' }))).lease,
        await activeLease(store, { owner: ADMIN, trustDomain: 'other.org', issuedAt: T0 + 3 }),
        await activeLease(store, { owner: 'spiffe://example.org/agents/b', issuedAt: T0 + 4, taskId: 'task-2' }),
      ];
    }

    it('counts what each selector matches, with a sample, and changes nothing', async () => {
      const [a, asub, smith, other, b] = await seed();
      const ids = (...l: Lease[]) => l.map((x) => x.id).sort();
      const upTo = T0 + MIN;
      expect(await selectAll(store, {}, upTo)).toEqual({ matched: 5, sample: ids(a!, asub!, smith!, other!, b!) });
      expect(await selectAll(store, { ownerPrefix: 'spiffe://example.org/agents' }, upTo)).toEqual({ matched: 3, sample: ids(a!, asub!, b!) });
      expect(await selectAll(store, { owner: 'spiffe://example.org/agents/a' }, upTo)).toEqual({ matched: 1, sample: ids(a!) });
      expect(await selectAll(store, { trustDomain: 'other.org' }, upTo)).toEqual({ matched: 1, sample: ids(other!) });
      expect(await selectAll(store, { provider: 'orders-api' }, upTo)).toEqual({ matched: 1, sample: ids(asub!) });
      expect(await selectAll(store, { taskId: 'task-2' }, upTo)).toEqual({ matched: 2, sample: ids(smith!, b!) });
      expect(await selectAll(store, { taskId: 'task-2', states: ['pending'] }, upTo)).toEqual({ matched: 1, sample: ids(smith!) });
      expect(await selectAll(store, { issuedAfter: T0, issuedBefore: T0 + 3 }, upTo)).toEqual({ matched: 2, sample: ids(asub!, smith!) });
      expect(await selectAll(store, { leaseIds: [a!.id, b!.id, newLeaseId(T0)], taskId: 'task-2' }, upTo)).toEqual({ matched: 1, sample: ids(b!) });
      // Leases issued after the selection's end are not part of it.
      expect(await selectAll(store, {}, T0 + 2)).toEqual({ matched: 3, sample: ids(a!, asub!, smith!) });
      for (const lease of [a, asub, smith, other, b]) expect(await store.get(lease!.id)).toEqual(lease);
    });

    it('runs a recorded operation to the end: accepts what matches, counts confirmations and failures', async () => {
      const [a, asub, , other, b] = await seed();
      await store.beginRevoke(b!.id, { trigger: 'owner', now: T0 + 30 * SEC });
      const op = operation({ selection: { ownerPrefix: 'spiffe://example.org/agents' } });
      await store.createOperation(op, 'replica-1', T0 + MIN + VT);
      expect(await store.operationProgress(op.id)).toEqual({ matched: 0, accepted: 0, alreadyRevoking: 0, confirmed: 0, failed: 0, selecting: true });
      await runOperation(store, op, T0 + MIN);
      expect(await store.operationProgress(op.id)).toEqual({ matched: 3, accepted: 2, alreadyRevoking: 1, confirmed: 0, failed: 0, selecting: false });
      expect(await store.get(a!.id)).toMatchObject({ state: 'revoking', trigger: 'operator', reason: 'incident 7', revokeRequestedAt: T0 + MIN });
      expect((await store.get(other!.id))?.state).toBe('active');
      expect((await store.get(b!.id))?.trigger).toBe('owner');
      expect(await store.operationUnconfirmed(op.id, 10)).toEqual([a!.id, asub!.id].sort());

      const { items } = await store.claimRevocations({ now: T0 + MIN, limit: 10, visibilityMs: VT });
      const mine = items.filter((i) => i.operation === op.id);
      expect(mine.map((i) => i.leaseId).sort()).toEqual([a!.id, asub!.id].sort());
      await store.completeRevocations([{ leaseId: a!.id, taskId: a!.taskId, operation: op.id }], T0 + 2 * MIN);
      await store.parkRevocations([{ leaseId: asub!.id, error: 'ERR_PROVIDER_FAILED', operation: op.id }], T0 + 2 * MIN);
      expect(await store.operationProgress(op.id)).toEqual({ matched: 3, accepted: 2, alreadyRevoking: 1, confirmed: 1, failed: 1, selecting: false });
      expect(await store.operationUnconfirmed(op.id, 10)).toEqual([asub!.id]);
    });

    it('claims up to the number asked of what a step accepts, for the caller to attempt at once', async () => {
      const run = async (op: RevocationOperation, max: number) => {
        await store.createOperation(op, 'replica-1', T0 + MIN + VT);
        const claimed: RevocationItem[] = [];
        for (let i = 0; i < 100; i++) {
          const step = await store.stepOperation(op, 10, T0 + MIN, { claim: { until: T0 + MIN + VT, max } });
          claimed.push(...step.claimed);
          if (step.done) return claimed;
        }
        throw new Error('operation did not end');
      };
      const lease = await activeLease(store);
      const op = operation({ selection: { leaseIds: [lease.id] } });
      expect(await run(op, 1000)).toEqual([
        {
          leaseId: lease.id,
          provider: 'orders-db',
          providerKind: 'postgres',
          handle: lease.handle,
          owner: OWNER,
          taskId: lease.taskId,
          trigger: 'operator',
          reason: 'incident 7',
          expiresAt: lease.expiresAt,
          revokeRequestedAt: T0 + MIN,
          queuedAt: T0 + MIN,
          attempts: 0,
          operation: op.id,
          claimedUntil: T0 + MIN + VT,
        },
      ]);
      // Claimed for the caller: not handed out by the queue until the claim lapses.
      expect((await store.claimRevocations({ now: T0 + MIN, limit: 10, visibilityMs: VT })).items).toEqual([]);

      const more: Lease[] = [];
      for (let i = 0; i < 5; i++) more.push(await activeLease(store, { issuedAt: T0 + 1 + i, taskId: `task-${i}` }));
      const claimed = await run(operation({ selection: { leaseIds: more.map((l) => l.id) } }), 3);
      expect(claimed.length).toBeLessThanOrEqual(3);
      const { items } = await store.claimRevocations({ now: T0 + MIN, limit: 10, visibilityMs: VT });
      expect([...items, ...claimed].map((i) => i.leaseId).sort()).toEqual(more.map((l) => l.id).sort());
    });

    it('queues revocation_failed leases again when the operation selects that state', async () => {
      const lease = await activeLease(store);
      await store.beginRevoke(lease.id, { trigger: 'expired', now: T0 + SEC });
      await store.parkRevocations([{ leaseId: lease.id, error: 'ERR_PROVIDER_UNAVAILABLE' }], T0 + 2 * SEC);
      const op = operation({ selection: { states: ['revocation_failed'] } });
      await store.createOperation(op, 'replica-1', T0 + MIN + VT);
      await runOperation(store, op, T0 + MIN);
      expect(await store.operationProgress(op.id)).toMatchObject({ matched: 1, accepted: 1 });
      expect(await store.get(lease.id)).toMatchObject({ state: 'revoking', trigger: 'expired' });
    });

    describe('providers whose revocation is local', () => {
      const LOCAL = new Map([['tokens', 'oauth-jwt' as const]]);
      const jwt = { provider: 'tokens', providerKind: 'oauth-jwt' as const };

      /** Runs the operation to its end with the local providers, collecting what the steps revoked. */
      async function runLocal(op: RevocationOperation, now: number, budget = 2): Promise<LocallyRevoked[]> {
        await store.createOperation(op, 'replica-1', now + VT);
        const revoked: LocallyRevoked[] = [];
        for (let i = 0; i < 100; i++) {
          const step = await store.stepOperation(op, budget, now, { claim: { until: now + VT, max: 1000 }, localProviders: LOCAL });
          revoked.push(...step.revoked);
          if (step.done) {
            await store.finishOperation(op.id, now);
            return revoked;
          }
        }
        throw new Error('operation did not end');
      }

      it('takes their leases straight to revoked in the step, counted as accepted and confirmed, and queues the rest', async () => {
        const a = await activeLease(store, { ...jwt, issuedAt: T0 });
        const p = (await store.createPending(newLease({ ...jwt, issuedAt: T0 + 1, taskId: 'task-2' }))).lease;
        const db = await activeLease(store, { issuedAt: T0 + 2 });
        // Same name, another kind: not the configured provider's lease, so it goes through the queue.
        const other = await activeLease(store, { provider: 'tokens', providerKind: 'postgres', issuedAt: T0 + 3 });
        const op = operation({ selection: {} });
        const now = T0 + MIN;
        const revoked = await runLocal(op, now);

        const item = (lease: Lease): LocallyRevoked => ({
          leaseId: lease.id,
          provider: 'tokens',
          providerKind: 'oauth-jwt',
          handle: lease.handle,
          owner: OWNER,
          taskId: lease.taskId,
          trigger: 'operator',
          reason: 'incident 7',
          expiresAt: lease.expiresAt,
          revokeRequestedAt: now,
          queuedAt: now,
          attempts: 0,
          operation: op.id,
          state: 'revoked',
          revokedAt: now,
        });
        expect([...revoked].sort((x, y) => (x.leaseId < y.leaseId ? -1 : 1))).toEqual([item(a), item(p)].sort((x, y) => (x.leaseId < y.leaseId ? -1 : 1)));
        for (const lease of [a, p]) {
          expect(await store.get(lease.id)).toMatchObject({ state: 'revoked', trigger: 'operator', reason: 'incident 7', revokeRequestedAt: now, revokedAt: now });
        }
        expect(await store.operationProgress(op.id)).toEqual({ matched: 4, accepted: 4, alreadyRevoking: 0, confirmed: 2, failed: 0, selecting: false });
        expect(await store.operationUnconfirmed(op.id, 10)).toEqual([db.id, other.id].sort());
        expect((await store.revoking(10)).sort()).toEqual([db.id, other.id].sort());
        expect(await store.revocationStats(now)).toEqual({ queued: 2, due: 0, failed: 0 });
        // Out of the work indexes: nothing left to expire, abandon or claim for them.
        expect(await store.dueForExpiry(T0 + 10 * 60 * MIN, 10)).toEqual([]);
        expect(await store.stalePending(T0 + 10 * MIN, 10)).toEqual([]);
        const claimed = await store.claimRevocations({ now: now + VT, limit: 10, visibilityMs: VT });
        expect(claimed.items.map((i) => i.leaseId).sort()).toEqual([db.id, other.id].sort());
        // Still listed with their task; a second operation finds nothing left to revoke.
        expect((await store.listByTask('task-2')).map((l) => [l.id, l.state])).toEqual([[p.id, 'revoked']]);
        expect(await runLocal(operation({ id: newLeaseId(T0 + 1), selection: { provider: 'tokens' } }), now + SEC)).toEqual([]);
        expect(await store.finishRevoke(a.id, now + 2 * SEC)).toMatchObject({ state: 'revoked', revokedAt: now });
      });

      it('records one revoked event per lease and no revoking event', async () => {
        const start = await store.readEvents(undefined, 10);
        const a = await activeLease(store, { ...jwt });
        const db = await activeLease(store, { issuedAt: T0 + 1 });
        await runLocal(operation({ trigger: 'identity', selection: {} }), T0 + MIN);
        const events = (await allEvents(store, start.cursor)).filter((e) => e.type !== 'issued');
        expect(events.filter((e) => e.leaseId === a.id)).toEqual([
          { leaseId: a.id, taskId: 'task-1', owner: OWNER, type: 'revoked', state: 'revoked', trigger: 'identity', expiresAt: a.expiresAt, at: T0 + MIN },
        ]);
        expect(events.filter((e) => e.leaseId === db.id).map((e) => e.type)).toEqual(['revoking']);
      });

      it('records the events of many leases revoked in one page, each once and in full', async () => {
        const start = await store.readEvents(undefined, 10);
        const leases: Lease[] = [];
        for (let i = 0; i < 40; i++) {
          const issuedAt = T0 + i;
          const id = store.newLeaseId({ owner: OWNER, taskId: 'task-many' }, issuedAt);
          leases.push(await activeLease(store, { ...jwt, id, taskId: 'task-many', issuedAt }));
        }
        await runLocal(operation({ trigger: 'expired', selection: { taskId: 'task-many' } }), T0 + MIN, 100);
        const events = (await allEvents(store, start.cursor)).filter((e) => e.type !== 'issued');
        expect(events.map((e) => e.leaseId).sort()).toEqual(leases.map((l) => l.id).sort());
        for (const lease of leases) {
          expect(events.find((e) => e.leaseId === lease.id)).toEqual({
            leaseId: lease.id, taskId: 'task-many', owner: OWNER, type: 'expired', state: 'expired', trigger: 'expired', expiresAt: lease.expiresAt, at: T0 + MIN,
          });
        }
      });

      it('queues a revocation_failed lease an operator selects again like any other, keeping its first trigger', async () => {
        const lease = await activeLease(store, { ...jwt });
        await store.beginRevoke(lease.id, { trigger: 'task_completed', reason: 'done', now: T0 + SEC });
        await store.parkRevocations([{ leaseId: lease.id, error: 'ERR_PROVIDER_NOT_FOUND' }], T0 + 2 * SEC);
        const op = operation({ selection: { states: ['revocation_failed'] } });
        expect(await runLocal(op, T0 + MIN)).toEqual([]);
        expect(await store.get(lease.id)).toMatchObject({ state: 'revoking', trigger: 'task_completed', reason: 'done' });
        expect(await store.operationProgress(op.id)).toMatchObject({ matched: 1, accepted: 1, confirmed: 0 });
        const stored = await store.finishRevoke(lease.id, T0 + MIN + SEC);
        expect(stored).toMatchObject({ state: 'revoked', trigger: 'task_completed', reason: 'done', revokedAt: T0 + MIN + SEC });
        expect(stored.revocationError).toBeUndefined();
        expect(await store.revocationStats(T0 + 2 * MIN)).toEqual({ queued: 0, due: 0, failed: 0 });
        expect(await store.operationProgress(op.id)).toMatchObject({ matched: 1, accepted: 1, confirmed: 1 });
      });

      it('revokes a task selection and a list of ids at once, and forgets the leases after their retention', async () => {
        // Redis expires a terminal lease's hash by its own clock: a retention short enough to wait out.
        const short = await makeStore({ terminalRetentionMs: 200 });
        const inTask = async (issuedAt: number) =>
          (await short.createPending(newLease({ ...jwt, taskId: 'task-9', issuedAt, id: short.newLeaseId({ owner: OWNER, taskId: 'task-9' }, issuedAt) }))).lease;
        const mine = [await inTask(T0), await inTask(T0 + 1)];
        const listed = (await short.createPending(newLease({ ...jwt, issuedAt: T0 + 2 }))).lease;
        const run = async (op: RevocationOperation): Promise<string[]> => {
          await short.createOperation(op, 'replica-1', T0 + MIN + VT);
          const out: string[] = [];
          for (let i = 0; i < 100; i++) {
            const step = await short.stepOperation(op, 1, T0 + MIN, { localProviders: LOCAL });
            out.push(...step.revoked.map((r) => r.leaseId));
            if (step.done) return out.sort();
          }
          throw new Error('operation did not end');
        };
        expect(await run(operation({ selection: { taskId: 'task-9' } }))).toEqual(mine.map((l) => l.id).sort());
        expect(await run(operation({ id: newLeaseId(T0 + 5), selection: { leaseIds: [listed.id] } }))).toEqual([listed.id]);
        expect((await short.listByTask('task-9')).map((l) => l.state)).toEqual(['revoked', 'revoked']);
        // Retention counts from the revocation, as for any terminal lease.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const later = await inTask(T0 + 10 * MIN);
        await short.beginRevoke(later.id, { trigger: 'operator', now: T0 + 10 * MIN });
        await short.finishRevoke(later.id, T0 + 10 * MIN);
        expect((await short.listByTask('task-9')).map((l) => l.id)).toEqual([later.id]);
        await short.close();
      });
    });

    it('lets another replica take over an operation whose claim lapsed, and only then', async () => {
      const op = operation();
      await store.createOperation(op, 'replica-1', T0 + MIN + VT);
      expect(await store.claimOperation('replica-2', T0 + MIN + VT - 1, T0 + 2 * MIN)).toBeUndefined();
      expect(await store.extendOperation(op.id, 'replica-1', T0 + MIN + 2 * VT)).toBe(true);
      expect(await store.claimOperation('replica-2', T0 + MIN + 2 * VT, T0 + 3 * MIN)).toEqual(op);
      expect(await store.extendOperation(op.id, 'replica-1', T0 + 4 * MIN)).toBe(false);
      expect(await store.extendOperation(op.id, 'replica-2', T0 + 4 * MIN)).toBe(true);
      await store.finishOperation(op.id, T0 + 3 * MIN);
      expect(await store.claimOperation('replica-3', T0 + 9 * MIN, T0 + 10 * MIN)).toBeUndefined();
      expect(await store.extendOperation(op.id, 'replica-2', T0 + 10 * MIN)).toBe(false);
    });

    it('resumes a half-run operation without accepting or counting anything twice', async () => {
      const leases: Lease[] = [];
      for (let i = 0; i < 7; i++) leases.push(await activeLease(store, { issuedAt: T0 + i }));
      const op = operation();
      await store.createOperation(op, 'replica-1', T0 + MIN + VT);
      await store.stepOperation(op, 2, T0 + MIN);
      // The first replica died here; another takes over and runs it to the end.
      const taken = await store.claimOperation('replica-2', T0 + MIN + VT, T0 + 2 * MIN + VT);
      expect(taken).toEqual(op);
      await runOperation(store, taken!, T0 + 2 * MIN);
      expect(await store.operationProgress(op.id)).toMatchObject({ matched: 7, accepted: 7, alreadyRevoking: 0 });
      for (const lease of leases) expect((await store.get(lease.id))?.state).toBe('revoking');
    });
  });

  describe('events', () => {
    it('records every state change as an event, readable after a cursor', async () => {
      const start = await store.readEvents(undefined, 10);
      expect(start.events).toEqual([]);
      const lease = (await store.createPending(newLease())).lease;
      await store.activate(lease.id, lease.expiresAt, T0 + SEC);
      await store.renew(lease.id, { expiresAt: T0 + 20 * MIN, now: T0 + 2 * SEC });
      await store.beginRevoke(lease.id, { trigger: 'identity', now: T0 + 3 * SEC });
      await store.finishRevoke(lease.id, T0 + 4 * SEC);
      const other = await activeLease(store, { issuedAt: T0 + 5 * SEC, taskId: 'task-2' });
      await store.beginRevoke(other.id, { trigger: 'expired', now: T0 + 6 * SEC });
      await store.deferRevocations([{ leaseId: other.id, retryAt: T0, attempted: true, error: 'E' }], T0 + 7 * SEC);
      await store.parkRevocations([{ leaseId: other.id, error: 'E' }], T0 + 8 * SEC);

      const events = await allEvents(store, start.cursor);
      const base = { leaseId: lease.id, taskId: 'task-1', owner: OWNER };
      expect(events).toEqual([
        { ...base, type: 'issued', state: 'active', expiresAt: lease.expiresAt, at: T0 + SEC },
        { ...base, type: 'renewed', state: 'active', expiresAt: T0 + 20 * MIN, at: T0 + 2 * SEC },
        { ...base, type: 'revoking', state: 'revoking', trigger: 'identity', expiresAt: T0 + 20 * MIN, at: T0 + 3 * SEC },
        { ...base, type: 'revoked', state: 'revoked', trigger: 'identity', expiresAt: T0 + 20 * MIN, at: T0 + 4 * SEC },
        { leaseId: other.id, taskId: 'task-2', owner: OWNER, type: 'issued', state: 'active', expiresAt: other.expiresAt, at: T0 + 6 * SEC },
        { leaseId: other.id, taskId: 'task-2', owner: OWNER, type: 'revoking', state: 'revoking', trigger: 'expired', expiresAt: other.expiresAt, at: T0 + 6 * SEC },
        { leaseId: other.id, taskId: 'task-2', owner: OWNER, type: 'revocation_failed', state: 'revocation_failed', trigger: 'expired', expiresAt: other.expiresAt, at: T0 + 8 * SEC },
      ]);
    });
  });
}
