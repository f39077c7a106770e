import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisApprovalStore, RedisTaskStore } from '../../src/tasks/index.js';
import { T0, approvalStoreContract, newApproval, newTask, taskStoreContract } from './contract.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let client: Redis;
const prefixes: string[] = [];

function uniquePrefix(): string {
  const prefix = `test:{tasks-${randomUUID()}}:`;
  prefixes.push(prefix);
  return prefix;
}

async function keysOf(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

beforeAll(() => {
  client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await keysOf(prefix);
    if (keys.length > 0) await client.del(...keys);
  }
  client.disconnect();
});

taskStoreContract('redis', async () => new RedisTaskStore(client, { keyPrefix: uniquePrefix() }));
approvalStoreContract('redis', async () => new RedisApprovalStore(client, { keyPrefix: uniquePrefix() }));

describe('RedisTaskStore', () => {
  it('keeps every key under the prefix, in the prefix\'s hash slot, with an expiry', async () => {
    const prefix = uniquePrefix();
    const tasks = new RedisTaskStore(client, { keyPrefix: prefix });
    const approvals = new RedisApprovalStore(client, { keyPrefix: prefix });
    await tasks.open(newTask());
    await tasks.delegate(newTask({ id: 'kid', parentId: 'task-1', ancestors: ['task-1'], chain: [newTask().owner] }), newTask().owner, T0);
    await tasks.reserve('kid', 'lease-1', T0);
    await tasks.recordDeviation('kid', { kind: 'policy_denied', provider: 'p', scope: [], at: T0, detail: 'x' }, 5);
    await approvals.request(newApproval(), T0);
    const keys = await keysOf(prefix);
    expect(keys.length).toBeGreaterThanOrEqual(9);
    for (const key of keys) {
      expect(key.startsWith(prefix)).toBe(true);
      if (key !== `${prefix}approvals`) expect(await client.pttl(key)).toBeGreaterThan(0);
    }
    const slots = new Set(await Promise.all(keys.map((k) => client.call('CLUSTER', 'KEYSLOT', k).catch(() => 'standalone'))));
    expect(slots.size).toBe(1);
  });

  it('answers a reservation with the whole record, read again when this replica has not seen that task', async () => {
    const prefix = uniquePrefix();
    const a = new RedisTaskStore(client, { keyPrefix: prefix });
    const b = new RedisTaskStore(client, { keyPrefix: prefix });
    await a.open(newTask());
    // b never read the task: its reservation reads the record.
    const viaB = await b.reserve('task-1', 'l1', T0 + 1000);
    expect(viaB).toEqual({ ok: true, task: await a.get('task-1') });
    expect(viaB.task).toMatchObject({ credentialsIssued: 1, liveLeases: 1, purpose: 'summarise the orders of last week' });
    // The record aged out and the id was opened again, declared otherwise: a's memory of it is not used.
    await client.del(...(await keysOf(prefix)));
    await b.open(newTask({ purpose: 'a different task under the same id', openedAt: T0 + 5000, expiresAt: T0 + 3_600_000 }));
    const viaA = await a.reserve('task-1', 'l2', T0 + 6000);
    expect(viaA.task).toMatchObject({ purpose: 'a different task under the same id', openedAt: T0 + 5000, credentialsIssued: 1, liveLeases: 1 });
    expect(viaA.task).toEqual(await b.get('task-1'));
  });

  it('refuses a prefix without a hash tag', () => {
    expect(() => new RedisTaskStore(client, { keyPrefix: 'warrant:tasks:' })).toThrow(
      'the task store key prefix must contain a non-empty hash tag such as "warrant:{w}:tasks:"',
    );
  });

  it('answers ERR_STORE_UNAVAILABLE when Redis cannot be reached, naming no secret', async () => {
    const down = new Redis('redis://:hunter2-secret@127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const store = new RedisTaskStore(down, { keyPrefix: uniquePrefix() });
    const err = await store.open(newTask()).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; cause?: Error },
    );
    expect(err?.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(err?.message).toMatch(/^task store unavailable during open \(/);
    expect(JSON.stringify([err?.message, err?.cause?.message])).not.toContain('hunter2');
    down.disconnect();
  });
});
