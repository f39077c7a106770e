// The behaviour every LeaseStore backend must show. Each backend's test file runs this suite with a
// factory for fresh, empty stores. Times are fixed instants passed as `now`; nothing reads a clock.
import { beforeEach, describe, expect, it } from 'vitest';
import { WarrantError, newLeaseId, type Lease } from '../../src/core/index.js';
import type { IdempotencyClaim, LeaseStore, NewLease } from '../../src/leases/index.js';
import { revocationContract } from './contract-revocation.js';

export interface StoreOptions {
  readonly terminalRetentionMs?: number;
}

/** Builds a fresh, empty store; the backend's test file cleans up whatever it made. */
export type StoreFactory = (options?: StoreOptions) => Promise<LeaseStore>;

export const T0 = Date.UTC(2026, 0, 1);
const SEC = 1000;
const MIN = 60 * SEC;
export const OWNER = 'spiffe://example.org/agent/planner';
const OTHER = 'spiffe://example.org/agent/intruder';

export function newLease(over: Partial<NewLease> = {}): NewLease {
  const issuedAt = over.issuedAt ?? T0;
  const id = over.id ?? newLeaseId(issuedAt);
  return {
    id,
    owner: OWNER,
    trustDomain: 'example.org',
    taskId: 'task-1',
    provider: 'orders-db',
    providerKind: 'postgres',
    scope: ['SELECT:public.orders'],
    handle: `w_${id}`,
    issuedAt,
    expiresAt: issuedAt + 15 * MIN,
    maxExpiresAt: issuedAt + 60 * MIN,
    ...over,
  };
}

export async function rejection(promise: Promise<unknown>): Promise<WarrantError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WarrantError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function expectError(promise: Promise<unknown>, code: string, message: string): Promise<WarrantError> {
  const err = await rejection(promise);
  expect({ code: err.code, message: err.message }).toEqual({ code, message });
  return err;
}

/** A new lease whose id the store made for an idempotent request (ids place idempotency records). */
export function claimedLease(store: LeaseStore, claim: IdempotencyClaim, over: Partial<NewLease> = {}): NewLease {
  const base = newLease(over);
  return { ...base, id: store.newLeaseId({ owner: base.owner, taskId: base.taskId, idempotencyKey: claim.key }, base.issuedAt) };
}

async function created(store: LeaseStore, lease: NewLease, claim?: IdempotencyClaim): Promise<Lease> {
  const result = await store.createPending(lease, claim);
  expect(result.outcome).toBe('created');
  return result.lease;
}

async function active(store: LeaseStore, over: Partial<NewLease> = {}): Promise<Lease> {
  const lease = await created(store, newLease(over));
  return store.activate(lease.id, lease.expiresAt, lease.issuedAt + SEC);
}

async function revoking(store: LeaseStore, over: Partial<NewLease> = {}): Promise<Lease> {
  const lease = await active(store, over);
  return store.beginRevoke(lease.id, { trigger: 'operator', now: lease.issuedAt + 2 * SEC });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function leaseStoreContract(backend: string, makeStore: StoreFactory): void {
  describe(`LeaseStore contract: ${backend}`, () => {
    let store: LeaseStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    describe('createPending, activate, get', () => {
      it('writes a pending lease that get returns', async () => {
        const input = newLease({ idempotencyKey: 'retry-1' });
        const lease = await created(store, input);
        const expected: Lease = {
          id: input.id,
          state: 'pending',
          owner: OWNER,
          trustDomain: 'example.org',
          taskId: 'task-1',
          provider: 'orders-db',
          providerKind: 'postgres',
          scope: ['SELECT:public.orders'],
          handle: `w_${input.id}`,
          issuedAt: T0,
          expiresAt: T0 + 15 * MIN,
          maxExpiresAt: T0 + 60 * MIN,
          renewals: 0,
          idempotencyKey: 'retry-1',
        };
        expect(lease).toEqual(expected);
        expect(await store.get(input.id)).toEqual(expected);
      });

      it('returns undefined for an unknown lease and rejects a malformed id', async () => {
        expect(await store.get(newLeaseId(T0))).toBeUndefined();
        await expectError(store.get('not-a-lease'), 'ERR_INVALID_ARGUMENT', 'lease id must be a 26-character lower-case ULID');
      });

      it('refuses a second lease with the same id', async () => {
        const input = newLease();
        await created(store, input);
        await expectError(store.createPending({ ...input }), 'ERR_INTERNAL', `lease ${input.id} already exists`);
      });

      it('rejects a lease whose expiry is after its max expiry', async () => {
        await expectError(
          store.createPending(newLease({ expiresAt: T0 + 61 * MIN })),
          'ERR_INVALID_ARGUMENT',
          'expiresAt must not be after maxExpiresAt',
        );
      });

      it('discardPending removes a pending lease without a key from every index, and nothing else', async () => {
        const refused = await created(store, newLease());
        const kept = await created(store, newLease());
        const keyed = await created(store, newLease({ idempotencyKey: 'retry-discard' }));
        const live = await active(store);
        expect(await store.discardPending(refused.id)).toBe(true);
        expect(await store.get(refused.id)).toBeUndefined();
        expect((await store.listByTask('task-1')).map((l) => l.id).sort()).toEqual([kept.id, keyed.id, live.id].sort());
        expect((await store.list({}, 10)).leases.map((l) => l.id).sort()).toEqual([kept.id, keyed.id, live.id].sort());
        expect((await store.stalePending(T0 + MIN, 10)).sort()).toEqual([kept.id, keyed.id].sort());
        await expectError(store.activate(refused.id, T0 + 10 * MIN, T0 + SEC), 'ERR_LEASE_NOT_FOUND', `lease ${refused.id} not found`);
        // Not pending, keyed, or gone: left as they are.
        expect(await store.discardPending(refused.id)).toBe(false);
        expect(await store.discardPending(keyed.id)).toBe(false);
        expect(await store.discardPending(live.id)).toBe(false);
        expect(await store.get(keyed.id)).toEqual(keyed);
        expect((await store.get(live.id))?.state).toBe('active');
      });

      it('activates a pending lease with the confirmed expiry', async () => {
        const lease = await created(store, newLease());
        const activated = await store.activate(lease.id, T0 + 10 * MIN, T0 + SEC);
        expect(activated).toEqual({ ...lease, state: 'active', expiresAt: T0 + 10 * MIN });
        expect(await store.get(lease.id)).toEqual(activated);
      });

      it('caps the activated expiry at the max expiry', async () => {
        const lease = await created(store, newLease());
        const activated = await store.activate(lease.id, T0 + 90 * MIN, T0 + SEC);
        expect(activated.expiresAt).toBe(T0 + 60 * MIN);
      });

      it('activates only a pending lease', async () => {
        const lease = await active(store);
        await expectError(
          store.activate(lease.id, T0 + 10 * MIN, T0 + SEC),
          'ERR_LEASE_NOT_RENEWABLE',
          `lease ${lease.id} is active; only a pending lease can be activated`,
        );
        const unknown = newLeaseId(T0);
        await expectError(store.activate(unknown, T0 + MIN, T0), 'ERR_LEASE_NOT_FOUND', `lease ${unknown} not found`);
      });
    });

    describe('many calls at once', () => {
      it('keeps every character of what it is given, whatever the alphabet', async () => {
        const odd = newLease({ taskId: 'tâche "été" \\ 😀', scope: ['lire:commandes/été', 'a"b\\c', '\u0000\n'], idempotencyKey: 'clé-😀' });
        const [a, b] = await Promise.all([store.createPending(odd), store.createPending(newLease())]);
        expect(a.lease).toEqual(await store.get(odd.id));
        expect(a.lease).toMatchObject({ taskId: odd.taskId, scope: odd.scope, idempotencyKey: 'clé-😀' });
        expect(b.outcome).toBe('created');
        expect(await store.activate(odd.id, T0 + MIN, T0 + SEC)).toEqual(await store.get(odd.id));
      });

      it('creates and activates leases asked for in the same moment as if one after another', async () => {
        const claim: IdempotencyClaim = { key: 'same-moment', requestDigest: 'd1', ttlMs: 10 * MIN };
        const first = claimedLease(store, claim);
        const retry = { ...claimedLease(store, claim), issuedAt: T0 };
        const taken = await created(store, newLease());
        const plain = Array.from({ length: 5 }, () => newLease());
        // Asked for together: the retry sees the first request's claim, a taken id fails on its own.
        const results = await Promise.allSettled([
          store.createPending(first, claim),
          ...plain.map((l) => store.createPending(l)),
          store.createPending(retry, claim),
          store.createPending({ ...taken }),
        ]);
        const outcome = (r: PromiseSettledResult<unknown>) => (r.status === 'fulfilled' ? (r.value as { outcome: string }).outcome : (r.reason as WarrantError).code);
        expect(results.map(outcome)).toEqual(['created', 'created', 'created', 'created', 'created', 'created', 'existing', 'ERR_INTERNAL']);
        expect((results[6] as PromiseFulfilledResult<{ lease: Lease }>).value.lease.id).toBe(first.id);

        const ids = [first.id, ...plain.map((l) => l.id)];
        const activations = await Promise.allSettled([
          ...ids.map((id, i) => store.activate(id, T0 + (10 + i) * MIN, T0 + SEC)),
          store.activate(ids[0]!, T0 + 5 * MIN, T0 + SEC),
          store.activate(plain[4]!.id, T0 + 90 * MIN, T0 + SEC),
        ]);
        const settled = activations.map((r) => (r.status === 'fulfilled' ? r.value.expiresAt : (r.reason as WarrantError).code));
        // The repeated activations come after the first ones: they find the lease active already.
        expect(settled).toEqual([...ids.map((_, i) => T0 + (10 + i) * MIN), 'ERR_LEASE_NOT_RENEWABLE', 'ERR_LEASE_NOT_RENEWABLE']);
        for (const r of activations.slice(0, ids.length)) {
          const lease = (r as PromiseFulfilledResult<Lease>).value;
          expect(lease.state).toBe('active');
          expect(await store.get(lease.id)).toEqual(lease);
        }
      });
    });

    describe('idempotency', () => {
      const claim: IdempotencyClaim = { key: 'req-42', requestDigest: 'digest-a', ttlMs: 10 * MIN };

      it('returns the first lease for a retry and writes nothing', async () => {
        const first = await created(store, claimedLease(store, claim), claim);
        const retry = claimedLease(store, claim, { issuedAt: T0 + SEC });
        const result = await store.createPending(retry, claim);
        expect(result).toEqual({ outcome: 'existing', lease: first });
        expect(await store.get(retry.id)).toBeUndefined();
      });

      it('reports the lease a different request under the same key produced, and writes nothing', async () => {
        const first = await created(store, claimedLease(store, claim), claim);
        const other = claimedLease(store, claim, { issuedAt: T0 + SEC });
        const result = await store.createPending(other, { ...claim, requestDigest: 'digest-b' });
        expect(result).toEqual({ outcome: 'conflict', lease: first });
        expect(await store.get(other.id)).toBeUndefined();
      });

      it('returns the lease in its current state', async () => {
        const first = await created(store, claimedLease(store, claim), claim);
        const activated = await store.activate(first.id, T0 + 5 * MIN, T0 + SEC);
        const result = await store.createPending(claimedLease(store, claim, { issuedAt: T0 + 2 * SEC }), claim);
        expect(result).toEqual({ outcome: 'existing', lease: activated });
      });

      it('keeps keys of different owners apart', async () => {
        await created(store, claimedLease(store, claim), claim);
        await created(store, claimedLease(store, claim, { owner: OTHER, issuedAt: T0 + SEC }), claim);
      });

      it('forgets a key once its ttl has passed', async () => {
        await created(store, claimedLease(store, claim), claim);
        const later = claimedLease(store, claim, { issuedAt: T0 + 10 * MIN });
        const second = await created(store, later, claim);
        const again = await store.createPending(claimedLease(store, claim, { issuedAt: T0 + 11 * MIN }), claim);
        expect(again).toEqual({ outcome: 'existing', lease: second });
      });

      it('remembers a key no longer than a terminal lease is retained', async () => {
        const short = await makeStore({ terminalRetentionMs: 5 * MIN });
        await created(short, claimedLease(short, claim), claim);
        expect((await short.createPending(claimedLease(short, claim, { issuedAt: T0 + 5 * MIN - 1 }), claim)).outcome).toBe('existing');
        expect((await short.createPending(claimedLease(short, claim, { issuedAt: T0 + 5 * MIN }), claim)).outcome).toBe('created');
        await short.close();
      });
    });

    describe('renew', () => {
      it('extends an active lease and counts the renewal', async () => {
        const lease = await active(store);
        const renewed = await store.renew(lease.id, { owner: OWNER, expiresAt: T0 + 30 * MIN, now: T0 + 10 * MIN });
        expect(renewed).toEqual({ ...lease, expiresAt: T0 + 30 * MIN, renewals: 1 });
        const again = await store.renew(lease.id, { expiresAt: T0 + 40 * MIN, now: T0 + 20 * MIN });
        expect(again).toMatchObject({ expiresAt: T0 + 40 * MIN, renewals: 2 });
        expect(await store.get(lease.id)).toEqual(again);
      });

      it('caps the expiry at the max expiry, then refuses', async () => {
        const lease = await active(store);
        const renewed = await store.renew(lease.id, { expiresAt: T0 + 120 * MIN, now: T0 + 10 * MIN });
        expect(renewed.expiresAt).toBe(T0 + 60 * MIN);
        await expectError(
          store.renew(lease.id, { expiresAt: T0 + 120 * MIN, now: T0 + 11 * MIN }),
          'ERR_LEASE_AT_MAX_TTL',
          `lease ${lease.id} is already at its max TTL (1h, until ${iso(T0 + 60 * MIN)})`,
        );
      });

      it('never shortens a lease', async () => {
        const lease = await active(store);
        const renewed = await store.renew(lease.id, { expiresAt: T0 + 5 * MIN, now: T0 + MIN });
        expect(renewed.expiresAt).toBe(lease.expiresAt);
      });

      it('refuses a pending lease', async () => {
        const lease = await created(store, newLease());
        await expectError(
          store.renew(lease.id, { expiresAt: T0 + 30 * MIN, now: T0 + MIN }),
          'ERR_LEASE_NOT_RENEWABLE',
          `lease ${lease.id} is pending; only an active lease can be renewed`,
        );
      });

      it('refuses a revoking lease', async () => {
        const lease = await revoking(store);
        await expectError(
          store.renew(lease.id, { expiresAt: T0 + 30 * MIN, now: T0 + MIN }),
          'ERR_LEASE_NOT_RENEWABLE',
          `lease ${lease.id} is revoking; only an active lease can be renewed`,
        );
      });

      it('refuses revoked and expired leases', async () => {
        const revoked = await revoking(store);
        await store.finishRevoke(revoked.id, T0 + 3 * SEC);
        await expectError(
          store.renew(revoked.id, { expiresAt: T0 + 30 * MIN, now: T0 + MIN }),
          'ERR_LEASE_NOT_RENEWABLE',
          `lease ${revoked.id} is revoked; only an active lease can be renewed`,
        );
        const expired = await active(store, { issuedAt: T0 + SEC });
        await store.beginRevoke(expired.id, { trigger: 'expired', now: expired.expiresAt });
        await store.finishRevoke(expired.id, expired.expiresAt + SEC);
        await expectError(
          store.renew(expired.id, { expiresAt: T0 + 30 * MIN, now: T0 + MIN }),
          'ERR_LEASE_NOT_RENEWABLE',
          `lease ${expired.id} is expired; only an active lease can be renewed`,
        );
      });

      it('refuses an active lease already past its expiry', async () => {
        const lease = await active(store);
        await expectError(
          store.renew(lease.id, { expiresAt: T0 + 30 * MIN, now: lease.expiresAt }),
          'ERR_LEASE_NOT_RENEWABLE',
          `lease ${lease.id} expired at ${iso(lease.expiresAt)}; an expired lease cannot be renewed`,
        );
      });

      it('lets only the owner renew', async () => {
        const lease = await active(store);
        await expectError(
          store.renew(lease.id, { owner: OTHER, expiresAt: T0 + 30 * MIN, now: T0 + MIN }),
          'ERR_NOT_OWNER',
          `lease ${lease.id} is not owned by ${OTHER}`,
        );
        expect(await store.get(lease.id)).toEqual(lease);
      });

      it('checks the owner before revealing the state', async () => {
        const lease = await revoking(store);
        await expectError(
          store.renew(lease.id, { owner: OTHER, expiresAt: T0 + 30 * MIN, now: T0 + MIN }),
          'ERR_NOT_OWNER',
          `lease ${lease.id} is not owned by ${OTHER}`,
        );
      });

      it('reports an unknown lease', async () => {
        const id = newLeaseId(T0);
        await expectError(store.renew(id, { expiresAt: T0 + MIN, now: T0 }), 'ERR_LEASE_NOT_FOUND', `lease ${id} not found`);
      });
    });

    describe('beginRevoke and finishRevoke', () => {
      it('moves a pending lease to revoking', async () => {
        const lease = await created(store, newLease());
        const result = await store.beginRevoke(lease.id, { trigger: 'identity', reason: 'svid revoked', now: T0 + SEC });
        expect(result).toEqual({
          ...lease,
          state: 'revoking',
          trigger: 'identity',
          reason: 'svid revoked',
          revokeRequestedAt: T0 + SEC,
        });
        expect(await store.stalePending(T0 + MIN, 10)).toEqual([]);
        expect(await store.revoking(10)).toEqual([lease.id]);
      });

      it('moves an active lease to revoking and out of the expiry index', async () => {
        const lease = await active(store);
        const result = await store.beginRevoke(lease.id, { trigger: 'task_completed', now: T0 + 2 * SEC });
        expect(result).toEqual({ ...lease, state: 'revoking', trigger: 'task_completed', revokeRequestedAt: T0 + 2 * SEC });
        expect(await store.dueForExpiry(T0 + 120 * MIN, 10)).toEqual([]);
      });

      it('is idempotent: the first trigger wins', async () => {
        const lease = await active(store);
        const first = await store.beginRevoke(lease.id, { trigger: 'owner', reason: 'done', now: T0 + 2 * SEC });
        const second = await store.beginRevoke(lease.id, { trigger: 'operator', reason: 'incident', now: T0 + 3 * SEC });
        expect(second).toEqual(first);
        const finished = await store.finishRevoke(lease.id, T0 + 4 * SEC);
        expect(await store.beginRevoke(lease.id, { trigger: 'operator', now: T0 + 5 * SEC })).toEqual(finished);
      });

      it('lets only the owner revoke, when an owner is named', async () => {
        const lease = await active(store);
        await expectError(
          store.beginRevoke(lease.id, { trigger: 'owner', owner: OTHER, now: T0 + 2 * SEC }),
          'ERR_NOT_OWNER',
          `lease ${lease.id} is not owned by ${OTHER}`,
        );
        expect((await store.get(lease.id))?.state).toBe('active');
        const revoked = await store.beginRevoke(lease.id, { trigger: 'owner', owner: OWNER, now: T0 + 2 * SEC });
        expect(revoked.state).toBe('revoking');
      });

      it('reports an unknown lease', async () => {
        const id = newLeaseId(T0);
        await expectError(store.beginRevoke(id, { trigger: 'operator', now: T0 }), 'ERR_LEASE_NOT_FOUND', `lease ${id} not found`);
        await expectError(store.finishRevoke(id, T0), 'ERR_LEASE_NOT_FOUND', `lease ${id} not found`);
      });

      it('finishes a revocation as revoked', async () => {
        const lease = await revoking(store);
        const finished = await store.finishRevoke(lease.id, T0 + 5 * SEC);
        expect(finished).toEqual({ ...lease, state: 'revoked', revokedAt: T0 + 5 * SEC });
        expect(await store.revoking(10)).toEqual([]);
        expect(await store.get(lease.id)).toEqual(finished);
        expect(await store.finishRevoke(lease.id, T0 + 6 * SEC)).toEqual(finished);
      });

      it('finishes a revocation triggered by expiry as expired', async () => {
        const lease = await active(store);
        await store.beginRevoke(lease.id, { trigger: 'expired', now: lease.expiresAt });
        const finished = await store.finishRevoke(lease.id, lease.expiresAt + SEC);
        expect(finished).toMatchObject({ state: 'expired', trigger: 'expired', revokedAt: lease.expiresAt + SEC });
      });

      it('finishes only a revoking lease', async () => {
        const lease = await active(store);
        await expectError(
          store.finishRevoke(lease.id, T0 + MIN),
          'ERR_LEASE_NOT_RENEWABLE',
          `lease ${lease.id} is active; only a revoking lease can finish revocation`,
        );
      });

      it('rejects an unknown trigger', async () => {
        const lease = await active(store);
        await expectError(
          store.beginRevoke(lease.id, { trigger: 'whim' as never, now: T0 }),
          'ERR_INVALID_ARGUMENT',
          'trigger must be one of task_completed, expired, operator, owner, deviation, identity, parent_revoked',
        );
      });
    });

    describe('indexes', () => {
      it('lists every lease of a task, any state, oldest first', async () => {
        const a = await created(store, newLease({ taskId: 'task-7' }));
        const b = await active(store, { taskId: 'task-7', issuedAt: T0 + SEC });
        const c = await revoking(store, { taskId: 'task-7', issuedAt: T0 + 2 * SEC });
        const d = await store.finishRevoke(c.id, T0 + 3 * SEC);
        await created(store, newLease({ taskId: 'task-8', issuedAt: T0 + SEC }));
        expect(await store.listByTask('task-7')).toEqual([a, b, d]);
        expect(await store.listByTask('task-none')).toEqual([]);
      });

      it('finds leases whatever characters the task id holds', async () => {
        const odd = ['{w}', 'a b\nc', 'ταυ/👋', 'x'.repeat(300), 'task:with:colons'];
        for (const [i, taskId] of odd.entries()) await created(store, newLease({ taskId, issuedAt: T0 + i }));
        for (const taskId of odd) {
          const leases = await store.listByTask(taskId);
          expect(leases.map((l) => l.taskId)).toEqual([taskId]);
        }
      });

      it('returns active leases due for expiry, oldest expiry first, up to the limit', async () => {
        const late = await active(store, { expiresAt: T0 + 30 * MIN });
        const early = await active(store, { expiresAt: T0 + 10 * MIN, issuedAt: T0 + SEC });
        const middle = await active(store, { expiresAt: T0 + 20 * MIN, issuedAt: T0 + 2 * SEC });
        await active(store, { expiresAt: T0 + 50 * MIN, issuedAt: T0 + 3 * SEC });
        await created(store, newLease({ expiresAt: T0 + MIN, issuedAt: T0 + 4 * SEC }));
        expect(await store.dueForExpiry(T0 + 30 * MIN, 10)).toEqual([early.id, middle.id, late.id]);
        expect(await store.dueForExpiry(T0 + 30 * MIN, 2)).toEqual([early.id, middle.id]);
        expect(await store.dueForExpiry(T0 + 30 * MIN - 1, 10)).toEqual([early.id, middle.id]);
        expect(await store.dueForExpiry(T0, 10)).toEqual([]);
      });

      it('moves a renewed lease in the expiry index', async () => {
        const lease = await active(store, { expiresAt: T0 + 10 * MIN });
        await store.renew(lease.id, { expiresAt: T0 + 40 * MIN, now: T0 + 5 * MIN });
        expect(await store.dueForExpiry(T0 + 30 * MIN, 10)).toEqual([]);
        expect(await store.dueForExpiry(T0 + 40 * MIN, 10)).toEqual([lease.id]);
      });

      it('returns pending leases written at or before a time, oldest first', async () => {
        const a = await created(store, newLease({ issuedAt: T0 + 2 * SEC }));
        const b = await created(store, newLease({ issuedAt: T0 }));
        const c = await created(store, newLease({ issuedAt: T0 + 5 * SEC }));
        await active(store, { issuedAt: T0 + SEC });
        expect(await store.stalePending(T0 + 2 * SEC, 10)).toEqual([b.id, a.id]);
        expect(await store.stalePending(T0 + 10 * SEC, 2)).toEqual([b.id, a.id]);
        expect(await store.stalePending(T0 + 10 * SEC, 10)).toEqual([b.id, a.id, c.id]);
      });

      it('returns revoking leases, oldest request first, up to the limit', async () => {
        const ids: string[] = [];
        for (const offset of [3, 1, 2]) {
          const lease = await active(store, { issuedAt: T0 + offset });
          await store.beginRevoke(lease.id, { trigger: 'operator', now: T0 + MIN + offset });
          ids[offset - 1] = lease.id;
        }
        expect(await store.revoking(10)).toEqual(ids);
        expect(await store.revoking(2)).toEqual(ids.slice(0, 2));
        await store.finishRevoke(ids[0]!, T0 + 2 * MIN);
        expect(await store.revoking(10)).toEqual(ids.slice(1));
      });

      it('rejects a limit that is not a positive integer', async () => {
        await expectError(store.dueForExpiry(T0, 0), 'ERR_INVALID_ARGUMENT', 'limit must be a positive integer');
        await expectError(store.list({}, 1.5), 'ERR_INVALID_ARGUMENT', 'limit must be a positive integer');
      });
    });

    describe('list', () => {
      async function seed(): Promise<Lease[]> {
        const leases: Lease[] = [];
        for (let i = 0; i < 9; i++) {
          const over: Partial<NewLease> = {
            issuedAt: T0 + i * SEC,
            owner: i % 3 === 0 ? OTHER : OWNER,
            taskId: i < 5 ? 'task-a' : 'task-b',
            provider: i % 2 === 0 ? 'orders-db' : 'aws-prod',
          };
          leases.push(i % 4 === 0 ? await created(store, newLease(over)) : await active(store, over));
        }
        return leases.reverse();
      }

      async function all(filter: Parameters<LeaseStore['list']>[0], limit: number): Promise<Lease[]> {
        const out: Lease[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 50; pages++) {
          const page = await store.list(filter, limit, cursor);
          expect(page.leases.length).toBeLessThanOrEqual(limit);
          out.push(...page.leases);
          if (page.cursor === undefined) return out;
          cursor = page.cursor;
        }
        throw new Error('paging did not end');
      }

      it('returns leases newest first, in full pages, with no cursor after the last', async () => {
        const newestFirst = await seed();
        const first = await store.list({}, 4);
        expect(first.leases).toEqual(newestFirst.slice(0, 4));
        expect(first.cursor).toBeDefined();
        const second = await store.list({}, 4, first.cursor);
        expect(second.leases).toEqual(newestFirst.slice(4, 8));
        const third = await store.list({}, 4, second.cursor);
        expect(third).toEqual({ leases: newestFirst.slice(8) });
        expect(await store.list({}, 20)).toEqual({ leases: newestFirst });
      });

      it('filters by owner, task, provider and state across pages', async () => {
        const newestFirst = await seed();
        expect(await all({ owner: OTHER }, 2)).toEqual(newestFirst.filter((l) => l.owner === OTHER));
        expect(await all({ taskId: 'task-a' }, 2)).toEqual(newestFirst.filter((l) => l.taskId === 'task-a'));
        expect(await all({ provider: 'aws-prod' }, 3)).toEqual(newestFirst.filter((l) => l.provider === 'aws-prod'));
        expect(await all({ states: ['pending'] }, 1)).toEqual(newestFirst.filter((l) => l.state === 'pending'));
        expect(await all({ owner: OWNER, taskId: 'task-b', states: ['active', 'revoking'] }, 1)).toEqual(
          newestFirst.filter((l) => l.owner === OWNER && l.taskId === 'task-b' && l.state === 'active'),
        );
        expect(await all({ owner: 'spiffe://example.org/nobody' }, 5)).toEqual([]);
      });

      it('pages through leases issued in the same millisecond without loss or repeats', async () => {
        const leases: Lease[] = [];
        for (let i = 0; i < 7; i++) leases.push(await created(store, newLease({ issuedAt: T0 + (i < 5 ? 0 : SEC) })));
        const expected = [...leases].sort((a, b) => b.issuedAt - a.issuedAt || (a.id < b.id ? 1 : -1));
        expect(await all({}, 2)).toEqual(expected);
        expect(await all({ owner: OWNER }, 3)).toEqual(expected);
      });

      it('rejects a cursor it did not make and an unknown state', async () => {
        await expectError(store.list({}, 5, 'bogus'), 'ERR_INVALID_ARGUMENT', 'invalid list cursor');
        await expectError(
          store.list({ states: ['asleep'] }, 5),
          'ERR_INVALID_ARGUMENT',
          'lease state must be one of pending, active, revoking, revoked, expired, revocation_failed',
        );
      });
    });

    describe('concurrency', () => {
      it('creates one lease for many simultaneous requests under one idempotency key', async () => {
        const claim: IdempotencyClaim = { key: 'burst', requestDigest: 'same', ttlMs: 10 * MIN };
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.createPending(claimedLease(store, claim, { issuedAt: T0 + i }), claim)),
        );
        const winners = results.filter((r) => r.outcome === 'created');
        expect(winners).toHaveLength(1);
        for (const r of results) expect(r.lease.id).toBe(winners[0]!.lease.id);
        expect(await store.stalePending(T0 + MIN, 100)).toEqual([winners[0]!.lease.id]);
      });

      it('counts every one of many simultaneous renewals', async () => {
        const lease = await active(store);
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.renew(lease.id, { expiresAt: T0 + 20 * MIN + i * SEC, now: T0 + MIN }),
          ),
        );
        expect(await store.get(lease.id)).toMatchObject({ renewals: 10, expiresAt: T0 + 20 * MIN + 9 * SEC });
      });

      it('records exactly one trigger for simultaneous revocations', async () => {
        const lease = await active(store);
        const triggers = ['operator', 'owner', 'deviation', 'identity', 'task_completed'] as const;
        const results = await Promise.all(
          triggers.map((trigger, i) => store.beginRevoke(lease.id, { trigger, now: T0 + MIN + i })),
        );
        const first = results[0]!;
        for (const r of results) expect(r).toEqual(first);
        expect(await store.get(lease.id)).toEqual(first);
        expect(await store.revoking(10)).toEqual([lease.id]);
      });
    });

    describe('isolation', () => {
      it('returns leases the caller cannot change', async () => {
        const input = newLease();
        const mutableScope = [...input.scope];
        const lease = await created(store, { ...input, scope: mutableScope });
        mutableScope.push('DROP:everything');
        expect(Object.isFrozen(lease)).toBe(true);
        expect(() => {
          (lease as { state: string }).state = 'active';
        }).toThrow(TypeError);
        expect(() => (lease.scope as string[]).push('DELETE:public.orders')).toThrow(TypeError);
        const read = await store.get(lease.id);
        expect(read?.state).toBe('pending');
        expect(read?.scope).toEqual(['SELECT:public.orders']);
        expect(Object.isFrozen(read)).toBe(true);
        const [listed] = (await store.list({}, 1)).leases;
        expect(Object.isFrozen(listed)).toBe(true);
        expect(Object.isFrozen(listed?.scope)).toBe(true);
      });

      it('reports a closed store as unavailable', async () => {
        await store.close();
        await expectError(store.ping(), 'ERR_STORE_UNAVAILABLE', 'lease store is closed');
        await expectError(store.get(newLeaseId(T0)), 'ERR_STORE_UNAVAILABLE', 'lease store is closed');
      });
    });

    describe('revocation', () => {
      revocationContract(makeStore);
    });
  });
}
