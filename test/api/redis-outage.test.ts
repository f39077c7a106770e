// Redis down → UNAVAILABLE, nothing minted, the process keeps serving, and it recovers.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient, WarrantClientError } from '../../src/client/index.js';
import { AGENT_ID, readAudit, startHarness, type Harness } from '../support/harness.js';
import { privateRedis, type PrivateRedis } from '../support/private-redis.js';

let redis: PrivateRedis;
let h: Harness;
let agent: WarrantClient;

beforeAll(async () => {
  redis = await privateRedis();
  h = await startHarness({ redisUrl: redis.url });
  agent = await h.client(AGENT_ID);
});
afterAll(async () => {
  await h?.close();
  await redis?.kill();
});

const req = (id: string) => ({ task: { id, purpose: 'p', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: ['orders:read'] });

describe('lease store outage', () => {
  it('answers UNAVAILABLE while Redis is down, mints nothing, and recovers when it is back', async () => {
    const ok = await agent.issueTaskCredential(req('t-before'));
    expect(ok.lease!.state).toBe('LEASE_STATE_ACTIVE');

    await redis.kill();
    await h.server.audit.flush();
    const issuedBefore = readAudit(h).filter((r) => r['type'] === 'issue').length;
    for (let i = 0; i < 3; i++) {
      const err = (await agent.issueTaskCredential(req(`t-down-${i}`)).then(
        () => undefined,
        (e: unknown) => e,
      )) as WarrantClientError | undefined;
      expect(err?.grpcCode).toBe(grpc.status.UNAVAILABLE);
      expect(err?.code).toBe('ERR_STORE_UNAVAILABLE');
      expect(err?.message).toMatch(/^lease store unavailable; nothing was issued; retry later \(correlation id [0-9a-f-]{36}\)$/);
    }
    const renewErr = (await agent.renewLease(ok.lease!.id).catch((e: unknown) => e)) as WarrantClientError;
    expect(renewErr.grpcCode).toBe(grpc.status.UNAVAILABLE);
    await h.server.audit.flush();
    // The policy allowed the requests, but no credential was minted: no issue record at all.
    expect(readAudit(h).filter((r) => r['type'] === 'issue').length).toBe(issuedBefore);
    expect((await fetch(`${h.httpBase}/healthz`)).status).toBe(503);
    // The detail is in the log under the correlation id, without the Redis URL's secrets.
    expect(h.logs.join('')).toContain(renewErr.correlationId!);

    await redis.start();
    const deadline = Date.now() + 15_000;
    let recovered;
    while (recovered === undefined && Date.now() < deadline) {
      recovered = await agent.issueTaskCredential(req('t-after')).catch(() => undefined);
      if (recovered === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered?.lease?.state).toBe('LEASE_STATE_ACTIVE');
    expect((await fetch(`${h.httpBase}/healthz`)).status).toBe(200);
  });
});
