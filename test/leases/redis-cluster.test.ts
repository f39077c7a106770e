// The whole LeaseStore contract on a real 3-master Redis Cluster, and the shard layout that makes
// every script touch one slot while the store's keys spread over every master.
import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLeaseStore, createRedisCluster, type LeaseStore } from '../../src/leases/index.js';
import { clusterSlot, leaseStoreKeys } from '../../src/leases/redis/keys.js';
import { startRedisCluster, type RedisClusterHarness } from '../support/redis-cluster.js';
import { OWNER, T0, leaseStoreContract, newLease, rejection } from './contract.js';

let cluster: RedisClusterHarness;
let client: Cluster;
const stores: LeaseStore[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  client = await createRedisCluster(cluster.nodes);
}, 60_000);

afterAll(async () => {
  for (const store of stores) await store.close();
  await client?.quit().catch(() => client.disconnect());
  await cluster?.stop();
});

function uniquePrefix(): string {
  return `test:{cl-${randomUUID().slice(0, 8)}}:`;
}

leaseStoreContract('redis cluster', async (options) => {
  const store = await RedisLeaseStore.open(client, { keyPrefix: uniquePrefix(), ...options });
  stores.push(store);
  return store;
});

describe('RedisLeaseStore on a cluster', () => {
  it('spreads the shards over every master, one slot per shard', async () => {
    const prefix = uniquePrefix();
    const store = await RedisLeaseStore.open(client, { keyPrefix: prefix });
    stores.push(store);
    const k = leaseStoreKeys(prefix);
    const owners = new Map<string, number>();
    for (const shard of k.shards) {
      const slot = clusterSlot(shard.prefix);
      const node = client.slots[slot]?.[0];
      expect(node, `slot ${slot}`).toBeDefined();
      owners.set(node!, (owners.get(node!) ?? 0) + 1);
    }
    expect(owners.size).toBe(3);
    for (const n of owners.values()) expect(n).toBeGreaterThanOrEqual(4);

    // Leases of many tasks land on every master, and every master holds keys of the store.
    const leases = [];
    for (let i = 0; i < 48; i++) {
      const taskId = `task-${i}`;
      const lease = (await store.createPending(newLease({ id: store.newLeaseId({ owner: OWNER, taskId }, T0 + i), taskId, issuedAt: T0 + i }))).lease;
      leases.push(await store.activate(lease.id, lease.expiresAt, T0 + i + 1));
    }
    const perNode = await Promise.all(client.nodes('master').map((node) => node.keys(`${prefix.slice(0, prefix.indexOf('}'))}*`)));
    expect(perNode.every((keys) => keys.length > 0)).toBe(true);
    expect(perNode.flat().filter((key) => key.includes(':lease:'))).toHaveLength(48);

    // A mass revocation over the whole store works across the masters.
    const op = { id: store.newLeaseId({ owner: 'ops', taskId: 'op' }, T0), selection: {}, trigger: 'operator' as const, reason: 'drill', requestedBy: 'ops', createdAt: T0 + 100, upTo: T0 + 100 };
    await store.createOperation(op, 'r1', T0 + 60_000);
    while (!(await store.stepOperation(op, 10, T0 + 100)).done);
    await store.finishOperation(op.id, T0 + 100);
    expect(await store.operationProgress(op.id)).toMatchObject({ matched: 48, accepted: 48, selecting: false });
    const claimed = [];
    for (let round = 0; round < 20 && claimed.length < 48; round++) claimed.push(...(await store.claimRevocations({ now: T0 + 200, limit: 100, visibilityMs: 30_000 })).items);
    expect(claimed).toHaveLength(48);
    await store.completeRevocations(claimed.map((c) => ({ leaseId: c.leaseId, taskId: c.taskId, ...(c.operation === undefined ? {} : { operation: c.operation }) })), T0 + 300);
    expect(await store.operationProgress(op.id)).toMatchObject({ confirmed: 48 });
  });

  it('refuses a cluster client that prefixes keys itself', async () => {
    const prefixed = await createRedisCluster(cluster.nodes).then((c) => {
      c.options.keyPrefix = 'x:';
      return c;
    });
    const err = await rejection(RedisLeaseStore.open(prefixed, { keyPrefix: uniquePrefix() }));
    expect(err.message).toBe('the Redis client must not set keyPrefix; use the store keyPrefix option');
    prefixed.disconnect();
  });
});
