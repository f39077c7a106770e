import { describe, expect, it } from 'vitest';
import { MemoryLeaseStore } from '../../src/leases/index.js';
import { T0, leaseStoreContract, newLease } from './contract.js';

leaseStoreContract('memory', async (options) => new MemoryLeaseStore(options));

describe('MemoryLeaseStore', () => {
  it('forgets a terminal lease once its retention has passed', async () => {
    const store = new MemoryLeaseStore({ terminalRetentionMs: 60_000 });
    const lease = (await store.createPending(newLease())).lease;
    await store.beginRevoke(lease.id, { trigger: 'operator', now: T0 + 1 });
    await store.finishRevoke(lease.id, T0 + 2);
    expect((await store.get(lease.id))?.state).toBe('revoked');

    const other = (await store.createPending(newLease({ issuedAt: T0 + 1000 }))).lease;
    await store.beginRevoke(other.id, { trigger: 'operator', now: T0 + 60_002 });
    await store.finishRevoke(other.id, T0 + 60_002);
    expect(await store.get(lease.id)).toBeUndefined();
    expect((await store.listByTask('task-1')).map((l) => l.id)).toEqual([other.id]);
    expect((await store.list({}, 10)).leases.map((l) => l.id)).toEqual([other.id]);
  });

  it('rejects a retention that is not a positive integer', () => {
    expect(() => new MemoryLeaseStore({ terminalRetentionMs: 0 })).toThrow(
      'terminalRetentionMs must be a positive integer of milliseconds',
    );
  });
});
