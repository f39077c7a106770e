// kill -9 of the server while it revokes 10,000 leases, then a restart: every lease ends revoked,
// every credential is revoked at the provider (counted in Redis by a wrapper that outlives the
// process), and only revocations in flight at the kill are repeated — harmlessly.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarrantClient } from '../../src/client/index.js';
import { DevAuthority } from '../../src/identity/index.js';
import { RedisLeaseStore, createRedisClient, type LeaseStore } from '../../src/leases/index.js';
import { WARRANT_SCHEMA } from '../../src/policy/index.js';
import { AGENT_ID, DEFAULT_POLICY, OPERATOR_ID, SERVER_ID, TD, storeKeysGlob } from '../support/harness.js';
import { freeFixedPort, startUntil, stop } from '../support/processes.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const ROOT = join(import.meta.dirname, '..', '..');
const ENTRY = join(ROOT, 'test', 'support', 'revocation-server.ts');
const LEASES = 10_000;
const CONCURRENCY = 8;
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const keyPrefix = `warrant-test:{kill-${run}}:`;
const countKey = `warrant-test:kill-count-${run}`;

let dir: string;
let authority: DevAuthority;
let redis: Redis;
let store: LeaseStore;
let server: ChildProcess | undefined;
let grpcAddress: string;
const ids: string[] = [];

async function startServerProcess(): Promise<ChildProcess> {
  const env = { ...process.env, WARRANT_COUNT_REDIS_URL: REDIS_URL, WARRANT_COUNT_KEY: countKey, WARRANT_REVOKE_DELAY_MS: '4' };
  const { child } = await startUntil(process.execPath, ['--no-turbo-inline-js-wasm-calls', '--import', 'tsx', ENTRY, join(dir, 'config.yaml')], /revocation-server ready/, {
    cwd: ROOT,
    env,
    timeoutMs: 60_000,
  });
  return child;
}

async function operator(): Promise<WarrantClient> {
  const svid = await authority.issueX509Svid(OPERATOR_ID);
  return new WarrantClient({ server: grpcAddress, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: authority.certPem, serverId: SERVER_ID });
}

async function counted(): Promise<{ handles: number; calls: number }> {
  const all = await redis.hgetall(countKey);
  const values = Object.values(all).map(Number);
  return { handles: values.length, calls: values.reduce((a, b) => a + b, 0) };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warrant-kill-'));
  authority = await DevAuthority.create(TD);
  const serverSvid = await authority.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'] });
  writeFileSync(join(dir, 'bundle.pem'), authority.certPem);
  writeFileSync(join(dir, 'server.pem'), serverSvid.chainPem);
  writeFileSync(join(dir, 'server-key.pem'), serverSvid.keyPem, { mode: 0o600 });
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'schema.cedarschema'), WARRANT_SCHEMA);
  writeFileSync(join(dir, 'policies', 'main.cedar'), DEFAULT_POLICY);
  // The restarted server must listen where the clients connect: a port outside the ephemeral range.
  grpcAddress = `127.0.0.1:${await freeFixedPort()}`;
  writeFileSync(
    join(dir, 'config.yaml'),
    stringify({
      grpc: { listen: grpcAddress, certFile: 'server.pem', keyFile: 'server-key.pem' },
      http: { listen: '127.0.0.1:0' },
      identity: { trustBundles: [{ trustDomain: TD, bundleFile: 'bundle.pem' }], admins: [OPERATOR_ID] },
      policy: { dir: 'policies' },
      store: { kind: 'redis', url: REDIS_URL, keyPrefix },
      audit: { file: 'audit.log', hmacKeyFile: 'audit-hmac.key' },
      revocation: { visibilityTimeout: '3s', attemptTimeout: '1s', concurrency: CONCURRENCY },
      providers: {
        'orders-api': { kind: 'oauth-jwt', issuer: 'https://warrant.test.example', audience: 'https://orders.test.example', scopes: ['orders:read'], signingKeyFile: 'orders-api-key.pem' },
      },
    }),
  );

  // 10,000 live leases, as the server would have issued them (an oauth-jwt handle is the lease id).
  redis = new Redis(REDIS_URL);
  store = await RedisLeaseStore.open(await createRedisClient(REDIS_URL), { keyPrefix, closeClient: true });
  const now = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < LEASES) {
        const i = next++;
        const taskId = `kill-task-${Math.floor(i / 10)}`;
        const id = store.newLeaseId({ owner: AGENT_ID, taskId }, now);
        ids.push(id);
        await store.createPending({
          id,
          owner: AGENT_ID,
          trustDomain: TD,
          taskId,
          provider: 'orders-api',
          providerKind: 'oauth-jwt',
          scope: ['orders:read'],
          handle: id,
          issuedAt: now,
          expiresAt: now + 3_600_000,
          maxExpiresAt: now + 3_600_000,
        });
        await store.activate(id, now + 3_600_000, now);
      }
    }),
  );
}, 120_000);

afterAll(async () => {
  if (server !== undefined) await stop(server, 'SIGKILL');
  await store?.close();
  if (redis !== undefined) {
    const keys = await redis.keys(storeKeysGlob(keyPrefix));
    for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
    await redis.del(countKey);
    redis.disconnect();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 in the middle of a mass revocation', () => {
  it('finishes every revocation after a restart, each credential revoked at the provider, none lost', async () => {
    server = await startServerProcess();
    const ops = await operator();
    const accepted = await ops.revokeMatching(
      { selector: { spiffe_id: AGENT_ID, provider: 'orders-api' }, reason: 'incident 10k', confirm_timeout: { seconds: '0', nanos: 0 } },
      () => undefined,
    );
    ops.close();
    expect(accepted).toMatchObject({ matched: String(LEASES), accepted: String(LEASES), done: true });

    // Kill it mid-way: some revoked at the provider, most not.
    const before = await until('a fifth revoked at the provider', async () => {
      const c = await counted();
      return c.handles >= LEASES / 5 ? c : undefined;
    }, 60_000);
    const killedAt = await counted();
    await stop(server, 'SIGKILL');
    server = undefined;
    expect(killedAt.handles).toBeLessThan(LEASES);
    const stats = await store.revocationStats(Date.now());
    expect(stats.queued).toBeGreaterThan(0);

    server = await startServerProcess();
    await until('every revocation confirmed', async () => ((await store.revocationStats(Date.now())).queued === 0 ? true : undefined), 90_000);
    const leases: string[] = [];
    for (let i = 0; i < ids.length; i += 1000) leases.push(...(await store.getMany(ids.slice(i, i + 1000))).map((l) => `${l?.state}:${l?.trigger}`));
    expect(new Set(leases)).toEqual(new Set(['revoked:operator']));
    const after = await counted();
    expect(after.handles).toBe(LEASES);
    // Only a revocation the provider confirmed while the process died is done twice (harmless:
    // revocation is idempotent). That is at most what was in flight at the provider then.
    const repeats = after.calls - after.handles;
    expect(repeats).toBeLessThanOrEqual(CONCURRENCY * 4);
    expect(before.handles).toBeGreaterThan(0);
  }, 240_000);
});
