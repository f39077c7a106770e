// The Redis store through Redis Sentinel: a primary, a replica and one Sentinel of the test's own.
// Leases written before a failover are read after it, through the newly promoted primary.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLeaseStore, createRedisSentinelClient } from '../../src/leases/index.js';
import { freePort } from '../support/processes.js';
import { T0, newLease } from './contract.js';

const MASTER = 'warrant-test';
let dir: string;
const children: ChildProcess[] = [];
let primaryPort: number;
let replicaPort: number;
let sentinelPort: number;

function start(args: string[]): void {
  children.push(spawn('redis-server', args, { stdio: 'ignore' }));
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function info(port: number, section: string): Promise<string> {
  const c = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await c.info(section);
  } finally {
    c.disconnect();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warrant-sentinel-'));
  primaryPort = await freePort();
  replicaPort = await freePort();
  sentinelPort = await freePort();
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  start(['--port', String(primaryPort), ...common]);
  start(['--port', String(replicaPort), '--replicaof', '127.0.0.1', String(primaryPort), ...common]);
  await eventually('replica in sync', async () => ((await info(replicaPort, 'replication')).includes('master_link_status:up') ? true : undefined));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${MASTER} 127.0.0.1 ${primaryPort} 1`,
      `sentinel down-after-milliseconds ${MASTER} 1000`,
      `sentinel failover-timeout ${MASTER} 5000`,
      '',
    ].join('\n'),
  );
  start([conf, '--sentinel']);
  await eventually('sentinel knows the replica', async () => ((await info(sentinelPort, 'sentinel')).includes('slaves=1') ? true : undefined));
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('RedisLeaseStore through Sentinel', () => {
  it('finds the primary through Sentinel, and follows it through a failover without losing a lease', async () => {
    const client = await createRedisSentinelClient({ masterName: MASTER, sentinels: [`127.0.0.1:${sentinelPort}`] }, { commandTimeoutMs: 1000 });
    const store = await RedisLeaseStore.open(client, { keyPrefix: 'sentinel:{s}:', closeClient: true });
    try {
      const lease = (await store.createPending(newLease())).lease;
      await store.activate(lease.id, lease.expiresAt, T0 + 1);
      // The replica must hold the write before the primary goes away.
      await client.call('WAIT', '1', '2000');

      const sentinel = new Redis(sentinelPort, '127.0.0.1');
      await sentinel.call('SENTINEL', 'FAILOVER', MASTER);
      sentinel.disconnect();
      await eventually('the replica promoted', async () => ((await info(replicaPort, 'replication')).includes('role:master') ? true : undefined));

      const after = await eventually('the store answering from the new primary', async () => {
        const read = await store.get(lease.id);
        await store.renew(lease.id, { expiresAt: lease.expiresAt + 1000, now: T0 + 2 });
        return read;
      });
      expect(after).toMatchObject({ id: lease.id, state: 'active' });
      expect((await store.get(lease.id))?.renewals).toBe(1);
    } finally {
      await store.close();
    }
  }, 60_000);
});
