// AdminService: reading leases and revoking by selector, for configured admins only.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient, WarrantClientError } from '../../src/client/index.js';
import { AGENT_ID, OPERATOR_ID, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let agent: WarrantClient;
let operator: WarrantClient;

beforeAll(async () => {
  h = await startHarness();
  agent = await h.client(AGENT_ID);
  operator = await h.client(OPERATOR_ID);
});
afterAll(async () => {
  await h.close();
});

const issue = (taskId: string) =>
  agent.issueTaskCredential({ task: { id: taskId, purpose: 'p', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [] });

describe('AdminService', () => {
  it('lists leases by selector, newest first, in pages', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await issue('t-list')).lease!.id);
    const page1 = await operator.listLeases({ selector: { task_id: 't-list' }, page_size: 3 });
    expect(page1.leases.map((l) => l.id)).toEqual(ids.slice().reverse().slice(0, 3));
    const page2 = await operator.listLeases({ selector: { task_id: 't-list' }, page_size: 3, page_token: page1.next_page_token });
    expect(page2.leases.map((l) => l.id)).toEqual(ids.slice().reverse().slice(3));
    expect(page2.next_page_token).toBe('');
  });

  it('revokes matching leases with a dry run first, streaming progress', async () => {
    for (let i = 0; i < 4; i++) await issue('t-incident');
    const progress: string[] = [];
    const dry = await operator.revokeMatching({ selector: { task_id: 't-incident' }, reason: 'incident 42', dry_run: true }, (p) => progress.push(p.matched));
    expect(dry).toMatchObject({ matched: '4', revoked: '0', failed: '0', done: true });
    expect(dry.sample).toHaveLength(4);
    const done = await operator.revokeMatching({ selector: { spiffe_id_prefix: 'spiffe://test.example/agents', task_id: 't-incident' }, reason: 'incident 42' }, () => {});
    expect(done).toMatchObject({ matched: '4', revoked: '4', failed: '0', done: true });
    const after = await operator.listLeases({ selector: { task_id: 't-incident' } });
    expect(after.leases.map((l) => [l.state, l.trigger, l.reason])).toEqual(Array(4).fill(['LEASE_STATE_REVOKED', 'TRIGGER_OPERATOR', 'incident 42']));
  });

  it('refuses non-admins, empty selectors and a missing reason', async () => {
    const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as WarrantClientError);
    const denied = await code(agent.revokeMatching({ selector: { all: true }, reason: 'x' }, () => {}));
    expect(denied.grpcCode).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.message).toBe(`${AGENT_ID} is not an admin; only configured admin identities may revoke matching leases`);
    const empty = await code(operator.revokeMatching({ selector: {}, reason: 'x' }, () => {}));
    expect(empty.message).toBe('the selector is empty and would match nothing; set all=true to select every lease');
    const noReason = await code(operator.revokeMatching({ selector: { all: true } }, () => {}));
    expect(noReason).toMatchObject({ grpcCode: grpc.status.INVALID_ARGUMENT, message: 'reason is required' });
  });
});
