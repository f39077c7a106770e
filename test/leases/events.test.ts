import { describe, expect, it } from 'vitest';
import { LeaseEventBus, MemoryLeaseStore, type LeaseEvent } from '../../src/leases/index.js';
import type { Lease } from '../../src/core/index.js';
import { T0, newLease } from './contract.js';

async function leaseIn(taskId: string, issuedAt = T0): Promise<Lease> {
  return (await new MemoryLeaseStore().createPending(newLease({ taskId, issuedAt }))).lease;
}

function recorder(): { events: LeaseEvent[]; listener: (event: LeaseEvent) => void } {
  const events: LeaseEvent[] = [];
  return { events, listener: (event) => events.push(event) };
}

describe('LeaseEventBus', () => {
  it('delivers to subscribers whose filter matches', async () => {
    const bus = new LeaseEventBus();
    const a = await leaseIn('task-a');
    const b = await leaseIn('task-b', T0 + 1);
    const everything = recorder();
    const byTask = recorder();
    const byLease = recorder();
    const both = recorder();
    const bothMismatch = recorder();
    bus.subscribe({}, everything.listener);
    bus.subscribe({ taskId: 'task-a' }, byTask.listener);
    bus.subscribe({ leaseIds: [b.id] }, byLease.listener);
    bus.subscribe({ taskId: 'task-a', leaseIds: [a.id, b.id] }, both.listener);
    bus.subscribe({ taskId: 'task-b', leaseIds: [a.id] }, bothMismatch.listener);

    const issuedA: LeaseEvent = { type: 'issued', lease: a, at: T0 };
    const issuedB: LeaseEvent = { type: 'issued', lease: b, at: T0 + 1 };
    bus.publish(issuedA);
    bus.publish(issuedB);

    expect(everything.events).toEqual([issuedA, issuedB]);
    expect(byTask.events).toEqual([issuedA]);
    expect(byLease.events).toEqual([issuedB]);
    expect(both.events).toEqual([issuedA]);
    expect(bothMismatch.events).toEqual([]);
  });

  it('treats an empty lease id list as no limit on leases', async () => {
    const bus = new LeaseEventBus();
    const seen = recorder();
    bus.subscribe({ leaseIds: [] }, seen.listener);
    bus.publish({ type: 'renewed', lease: await leaseIn('task-a'), at: T0 });
    expect(seen.events).toHaveLength(1);
  });

  it('stops delivering after unsubscribe, which may be called twice', async () => {
    const bus = new LeaseEventBus();
    const seen = recorder();
    const unsubscribe = bus.subscribe({ taskId: 'task-a' }, seen.listener);
    expect(bus.size).toBe(1);
    unsubscribe();
    unsubscribe();
    expect(bus.size).toBe(0);
    bus.publish({ type: 'revoked', lease: await leaseIn('task-a'), at: T0 });
    expect(seen.events).toEqual([]);
  });

  it('does not deliver to a subscriber removed by an earlier listener of the same event', async () => {
    const bus = new LeaseEventBus();
    const late = recorder();
    let unsubscribeLate = (): void => undefined;
    bus.subscribe({}, () => unsubscribeLate());
    unsubscribeLate = bus.subscribe({}, late.listener);
    bus.publish({ type: 'expired', lease: await leaseIn('task-a'), at: T0 });
    expect(late.events).toEqual([]);
  });

  it('isolates a listener that throws or rejects and reports it', async () => {
    const failures: unknown[] = [];
    const bus = new LeaseEventBus({ onListenerError: (err) => failures.push(err) });
    const seen = recorder();
    const boom = new Error('listener broke');
    const rejected = new Error('async listener broke');
    bus.subscribe({}, () => {
      throw boom;
    });
    bus.subscribe({}, (() => Promise.reject(rejected)) as unknown as (event: LeaseEvent) => void);
    bus.subscribe({}, seen.listener);
    bus.publish({ type: 'revoking', lease: await leaseIn('task-a'), at: T0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.events).toHaveLength(1);
    expect(failures).toEqual([boom, rejected]);
  });

  it('hands listeners a frozen event', async () => {
    const bus = new LeaseEventBus();
    const seen = recorder();
    bus.subscribe({}, seen.listener);
    bus.publish({ type: 'issued', lease: await leaseIn('task-a'), at: T0 });
    expect(Object.isFrozen(seen.events[0])).toBe(true);
  });
});
