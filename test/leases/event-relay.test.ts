// The relay from the store's event feed to the in-process bus: it reads only while someone listens,
// starts at the end of the feed, and shows each event's lease as it was at that event.
import { describe, expect, it } from 'vitest';
import { LeaseEventBus, LeaseEventRelay, MemoryLeaseStore, type LeaseEvent } from '../../src/leases/index.js';
import { T0, newLease } from './contract.js';

describe('LeaseEventRelay', () => {
  it('delivers the events recorded after the first subscription, each with the lease as of the event', async () => {
    const store = new MemoryLeaseStore();
    const bus = new LeaseEventBus();
    const relay = new LeaseEventRelay(store, bus);
    const before = (await store.createPending(newLease())).lease;
    await store.activate(before.id, before.expiresAt, T0 + 1);
    expect(await relay.poll()).toBe(0);

    const seen: LeaseEvent[] = [];
    const unsubscribe = bus.subscribe({ taskId: 'task-1' }, (e) => seen.push(e));
    expect(await relay.poll()).toBe(0); // takes the end of the feed: nothing from before
    const lease = (await store.createPending(newLease({ issuedAt: T0 + 2 }))).lease;
    await store.activate(lease.id, lease.expiresAt, T0 + 3);
    await store.beginRevoke(lease.id, { trigger: 'deviation', reason: 'siem', now: T0 + 4 });
    await store.finishRevoke(lease.id, T0 + 5);
    expect(await relay.poll()).toBe(3);
    expect(seen.map((e) => [e.type, e.lease.id, e.lease.state, e.lease.trigger, e.lease.revokedAt, e.at])).toEqual([
      ['issued', lease.id, 'active', undefined, undefined, T0 + 3],
      ['revoking', lease.id, 'revoking', 'deviation', undefined, T0 + 4],
      ['revoked', lease.id, 'revoked', 'deviation', T0 + 5, T0 + 5],
    ]);

    // Nobody listening: the position is dropped, and a new subscriber starts at the end again.
    unsubscribe();
    expect(await relay.poll()).toBe(0);
    await store.beginRevoke(before.id, { trigger: 'operator', now: T0 + 6 });
    bus.subscribe({}, (e) => seen.push(e));
    expect(await relay.poll()).toBe(0);
    await store.finishRevoke(before.id, T0 + 7);
    expect(await relay.poll()).toBe(1);
    expect(seen.slice(3).map((e) => [e.type, e.lease.id])).toEqual([['revoked', before.id]]);
  });
});
