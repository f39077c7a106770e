// Two replicas on one Redis: the reaper of one and the revocation queue of the other share the
// work, nothing is revoked twice when both do everything at once, and lease events reach watchers
// on the replica that did not make the change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient } from '../../src/client/index.js';
import { DevAuthority } from '../../src/identity/index.js';
import type { CredentialProvider } from '../../src/providers/index.js';
import { CountingProvider } from '../support/counting-provider.js';
import { AGENT_ID, OPERATOR_ID, TD, eventually, startHarness, type Harness } from '../support/harness.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const keyPrefix = `warrant-test:{replicas-${Date.now().toString(36)}}:`;
/** Which replica revoked each handle, every time it did. */
const revokedBy = new Map<string, string[]>();
let a: Harness;
let b: Harness;
let agentA: WarrantClient;
let agentB: WarrantClient;
let operatorA: WarrantClient;

function counting(replica: string) {
  return (p: CredentialProvider) =>
    new CountingProvider(p, async (handle) => {
      revokedBy.set(handle, [...(revokedBy.get(handle) ?? []), replica]);
    });
}

beforeAll(async () => {
  const authority = await DevAuthority.create(TD);
  const common = { redisUrl: REDIS_URL, keyPrefix, authority, reaperInterval: '100ms', revocation: { retryBase: '100ms' } };
  a = await startHarness({ ...common, decorateProvider: counting('a') });
  b = await startHarness({ ...common, decorateProvider: counting('b') });
  agentA = await a.client(AGENT_ID);
  agentB = await b.client(AGENT_ID);
  operatorA = await a.client(OPERATOR_ID);
}, 60_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
});

async function issueShort(prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const task = { id: `${prefix}-${Math.floor(i / 10)}`, purpose: 'p', attributes: {}, parent_id: '' };
    ids.push((await agentA.issueTaskCredential({ task, provider: 'orders-api', scope: [], ttl: { seconds: '3', nanos: 0 } })).lease!.id);
  }
  return ids;
}

async function allTerminal(ids: readonly string[]): Promise<void> {
  await eventually(async () => {
    const { leases } = await operatorA.listLeases({ selector: { lease_ids: [...ids] }, page_size: 1000 });
    return leases.length === ids.length && leases.every((l) => l.state === 'LEASE_STATE_EXPIRED' || l.state === 'LEASE_STATE_REVOKED') ? true : undefined;
  }, 30_000);
}

function replicasOf(ids: readonly string[]): string[] {
  return ids.map((id) => (revokedBy.get(id) ?? []).join('+'));
}

describe('two replicas on one Redis', () => {
  it("one replica's reaper finds the expired leases and the other's queue worker revokes them", async () => {
    await a.server.revoker.stop();
    await b.server.reaper.stop();
    const ids = await issueShort('rep-1', 30);
    await allTerminal(ids);
    expect(replicasOf(ids)).toEqual(Array(30).fill('b'));

    a.server.revoker.start();
    b.server.reaper.start();
    await b.server.revoker.stop();
    await a.server.reaper.stop();
    const more = await issueShort('rep-2', 30);
    await allTerminal(more);
    expect(replicasOf(more)).toEqual(Array(30).fill('a'));
    b.server.revoker.start();
    a.server.reaper.start();
  }, 60_000);

  it('never revokes anything twice with both replicas sweeping and working the queue at once', async () => {
    const expiring = await issueShort('rep-3', 120);
    const tasks = [];
    for (let i = 0; i < 60; i++) {
      const task = { id: `rep-4-${Math.floor(i / 10)}`, purpose: 'p', attributes: {}, parent_id: '' };
      tasks.push((await agentA.issueTaskCredential({ task, provider: 'orders-api', scope: [] })).lease!.id);
    }
    const summary = await operatorA.revokeMatching({ selector: { lease_ids: tasks }, reason: 'drill', confirm_timeout: { seconds: '30', nanos: 0 } }, () => undefined);
    expect(summary).toMatchObject({ accepted: '60', revoked: '60', revoking: '0', failed: '0' });
    await allTerminal(expiring);
    const all = [...expiring, ...tasks];
    for (const who of replicasOf(all)) expect(who === 'a' || who === 'b').toBe(true);
  }, 60_000);

  it('delivers lease events to a watcher on the other replica, with the trigger', async () => {
    const events: [string, string][] = [];
    const watch = agentB.watchLeases({ taskId: 'rep-watch' }, (e) => events.push([e.type, e.lease?.trigger ?? '']));
    await new Promise((r) => setTimeout(r, 200));
    const issued = await agentA.issueTaskCredential({ task: { id: 'rep-watch', purpose: 'p', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [] });
    await agentA.renewLease(issued.lease!.id);
    await agentA.revokeLease(issued.lease!.id, 'done early');
    await eventually(async () => (events.some(([t]) => t === 'LEASE_EVENT_TYPE_REVOKED') ? true : undefined));
    watch.cancel();
    await watch.done;
    expect(events).toEqual([
      ['LEASE_EVENT_TYPE_ISSUED', 'TRIGGER_UNSPECIFIED'],
      ['LEASE_EVENT_TYPE_RENEWED', 'TRIGGER_UNSPECIFIED'],
      ['LEASE_EVENT_TYPE_REVOKING', 'TRIGGER_OWNER'],
      ['LEASE_EVENT_TYPE_REVOKED', 'TRIGGER_OWNER'],
    ]);
  });
});
