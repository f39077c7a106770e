// A provider that is down while its leases are revoked, end to end on Redis over real gRPC: the
// leases stay revoking (never reported revoked, never renewable), are retried with backoff behind
// the provider's circuit breaker, and are revoked once it is back — each exactly once.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient, WarrantClientError } from '../../src/client/index.js';
import { WarrantError } from '../../src/core/index.js';
import { CountingProvider } from '../support/counting-provider.js';
import { AGENT_ID, OPERATOR_ID, eventually, readAudit, startHarness, type Harness } from '../support/harness.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let h: Harness;
let agent: WarrantClient;
let operator: WarrantClient;
let provider: CountingProvider;

beforeAll(async () => {
  h = await startHarness({
    redisUrl: REDIS_URL,
    decorateProvider: (p) => (provider = new CountingProvider(p)),
    revocation: { retryBase: '100ms', retryMax: '400ms', breakerThreshold: 3, breakerCooldown: '200ms' },
  });
  agent = await h.client(AGENT_ID);
  operator = await h.client(OPERATOR_ID);
});
afterAll(async () => {
  await h?.close();
});

async function metric(name: string): Promise<string[]> {
  const text = await (await fetch(`${h.httpBase}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(name));
}

describe('provider down during revocation', () => {
  it('keeps the leases revoking, retries, and revokes each exactly once when the provider returns', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      // Two tasks: a task's budget caps its live leases.
      const issued = await agent.issueTaskCredential({ task: { id: `t-down-${i % 2}`, purpose: 'p', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [] });
      ids.push(issued.lease!.id);
    }
    provider.failWith = new WarrantError('ERR_PROVIDER_UNAVAILABLE', 'provider unreachable');

    const summary = await operator.revokeMatching(
      { selector: { lease_ids: ids }, reason: 'incident 9', trigger: 'TRIGGER_DEVIATION', confirm_timeout: { seconds: '0', nanos: 300_000_000 } },
      () => undefined,
    );
    expect(summary).toMatchObject({ matched: '12', accepted: '12', revoked: '0', revoking: '12', failed: '0', done: true });
    expect(summary.failures).toHaveLength(12);
    for (const line of summary.failures) expect(line).toMatch(/^[0-9a-z]{26}: still revoking( after \d+ attempts?)? \(ERR_PROVIDER_UNAVAILABLE\); retried in the background$|^[0-9a-z]{26}: still revoking; retried in the background$/);

    // Accepted but not confirmed: revoking, with the attempts and last error on the lease; no renewal.
    const listed = await operator.listLeases({ selector: { lease_ids: ids } });
    expect(listed.leases.map((l) => [l.state, l.trigger, l.reason])).toEqual(Array(12).fill(['LEASE_STATE_REVOKING', 'TRIGGER_DEVIATION', 'incident 9']));
    const first = await eventually(async () => {
      const l = (await operator.getLease(ids[0]!)).lease!;
      return l.revocation_attempts >= 1 ? l : undefined;
    });
    expect(first.revocation_error).toBe('ERR_PROVIDER_UNAVAILABLE');
    const renew = (await agent.renewLease(ids[0]!).catch((e: unknown) => e)) as WarrantClientError;
    expect({ code: renew.grpcCode, message: renew.message }).toEqual({
      code: grpc.status.FAILED_PRECONDITION,
      message: `lease ${ids[0]} is revoking; only an active lease can be renewed`,
    });
    expect(await metric('warrant_revocation_queue_depth')).toEqual(['warrant_revocation_queue_depth 12']);
    const retried = await eventually(async () => {
      const lines = await metric('warrant_revocations_total{trigger="deviation",outcome="retried"');
      return lines.length > 0 ? lines : undefined;
    });
    expect(retried[0]).toMatch(/error="ERR_PROVIDER_UNAVAILABLE"\} \d+$/);
    expect(await metric('warrant_provider_circuit_open')).toEqual(['warrant_provider_circuit_open{provider="orders-api"} 1']);
    expect(provider.revoked.size).toBe(0);

    provider.failWith = undefined;
    await eventually(async () => {
      const l = await operator.listLeases({ selector: { lease_ids: ids, states: ['LEASE_STATE_REVOKED'] } });
      return l.leases.length === 12 ? true : undefined;
    }, 20_000);
    expect([...provider.revoked.keys()].sort()).toEqual([...ids].sort());
    expect(provider.repeats).toBe(0);
    expect(await metric('warrant_revocations_total{trigger="deviation",outcome="confirmed"}')).toEqual([
      'warrant_revocations_total{trigger="deviation",outcome="confirmed"} 12',
    ]);
    expect(await metric('warrant_revocation_queue_depth')).toEqual(['warrant_revocation_queue_depth 0']);
    expect(await metric('warrant_provider_circuit_open')).toEqual(['warrant_provider_circuit_open{provider="orders-api"} 0']);
    await h.server.audit.flush();
    const confirmed = readAudit(h).filter((r) => r['type'] === 'revoke' && r['phase'] === 'confirmed' && r['trigger'] === 'deviation');
    expect(confirmed.map((r) => (r['lease'] as { id: string }).id).sort()).toEqual([...ids].sort());
  }, 60_000);
});
