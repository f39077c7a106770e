// Redis killed and restarted in the middle of revocations (with an fsync-always append-only file,
// as production runs it): issuance answers UNAVAILABLE meanwhile, and afterwards every lease ends
// revoked or expired, each one revoked at the provider — none lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient, WarrantClientError } from '../../src/client/index.js';
import { CountingProvider } from '../support/counting-provider.js';
import { AGENT_ID, OPERATOR_ID, eventually, startHarness, type Harness } from '../support/harness.js';
import { privateRedis, type PrivateRedis } from '../support/private-redis.js';

let dir: string;
let redis: PrivateRedis;
let h: Harness;
let agent: WarrantClient;
let operator: WarrantClient;
let provider: CountingProvider;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warrant-redis-aof-'));
  redis = await privateRedis({ persistDir: dir });
  h = await startHarness({
    redisUrl: redis.url,
    decorateProvider: (p) => (provider = new CountingProvider(p)),
    revocation: { visibilityTimeout: '2s', attemptTimeout: '1s', retryBase: '100ms', retryMax: '500ms' },
  });
  agent = await h.client(AGENT_ID);
  operator = await h.client(OPERATOR_ID);
});
afterAll(async () => {
  await h?.close();
  await redis?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const issue = (task: string, ttlSeconds: number) =>
  agent.issueTaskCredential({ task: { id: task, purpose: 'p', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [], ttl: { seconds: String(ttlSeconds), nanos: 0 } });

describe('Redis restarted mid-run', () => {
  it('loses no lease: UNAVAILABLE while down, every revocation and expiry completed after', async () => {
    const revoked: string[] = [];
    const expiring: string[] = [];
    for (let i = 0; i < 8; i++) revoked.push((await issue(`r-long-${i % 2}`, 300)).lease!.id);
    for (let i = 0; i < 6; i++) expiring.push((await issue('r-short', 2)).lease!.id);

    // Revocations reach the provider and wait there when Redis goes away.
    provider.hold();
    const accepted = await operator.revokeMatching({ selector: { lease_ids: revoked }, reason: 'drill', confirm_timeout: { seconds: '0', nanos: 0 } }, () => undefined);
    expect(accepted).toMatchObject({ accepted: '8', done: true });
    await eventually(async () => (provider.inFlight > 0 ? true : undefined));
    await redis.kill();

    const down = (await issue('r-during', 300).catch((e: unknown) => e)) as WarrantClientError;
    expect({ status: down.grpcCode, code: down.code }).toEqual({ status: grpc.status.UNAVAILABLE, code: 'ERR_STORE_UNAVAILABLE' });
    expect((await fetch(`${h.httpBase}/healthz`)).status).toBe(503);
    // The provider confirms while the store is down: those confirmations cannot be recorded.
    provider.release();
    await eventually(async () => (provider.inFlight === 0 ? true : undefined));

    await redis.start();
    await eventually(async () => {
      const leases = (await operator.listLeases({ selector: { lease_ids: [...revoked, ...expiring] }, page_size: 100 }).catch(() => undefined))?.leases;
      const done = leases?.filter((l) => l.state === 'LEASE_STATE_REVOKED' || l.state === 'LEASE_STATE_EXPIRED') ?? [];
      return done.length === revoked.length + expiring.length ? true : undefined;
    }, 30_000);
    const all = (await operator.listLeases({ selector: { lease_ids: [...revoked, ...expiring] }, page_size: 100 })).leases;
    expect(all.filter((l) => revoked.includes(l.id)).map((l) => l.state)).toEqual(Array(8).fill('LEASE_STATE_REVOKED'));
    expect(all.filter((l) => expiring.includes(l.id)).map((l) => [l.state, l.trigger])).toEqual(Array(6).fill(['LEASE_STATE_EXPIRED', 'TRIGGER_EXPIRED']));
    // Every credential was revoked at the provider; a confirmation lost with Redis is repeated, harmlessly.
    expect([...provider.revoked.keys()].sort()).toEqual([...revoked, ...expiring].sort());
    expect(provider.repeats).toBeLessThanOrEqual(revoked.length);

    expect((await issue('r-after', 300)).lease!.state).toBe('LEASE_STATE_ACTIVE');
    expect((await fetch(`${h.httpBase}/healthz`)).status).toBe(200);
  }, 90_000);
});
