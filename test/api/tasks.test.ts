// Tasks as grants, end to end over mTLS: a task's declaration and budget, deviations that revoke
// it, delegation three levels deep with the RFC 8693 act chain, escalation refused, and cascades.
import * as grpc from '@grpc/grpc-js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient } from '../../src/client/index.js';
import type { Task } from '../../src/gen/warrant/v1/Task.js';
import { AGENT_ID, OPERATOR_ID, OTHER_AGENT_ID, TD, eventually, readAudit, startHarness, type Harness } from '../support/harness.js';
import { failure } from '../support/failure.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const THIRD_AGENT_ID = `spiffe://${TD}/agents/gamma`;
const FOURTH_AGENT_ID = `spiffe://${TD}/agents/delta`;
const THRESHOLD = 4;

const POLICY = `
@id("agents-issue")
permit (principal, action in [Action::"issue", Action::"renew"], resource)
when { principal.path like "/agents/*" && context.ttlSeconds <= 3600 };

@id("agents-delegate-to-agents")
permit (principal, action == Action::"delegate", resource)
when { principal.path like "/agents/*" && context has delegate && context.delegate.path like "/agents/*" };

@id("no-writes-two-levels-down")
forbid (principal, action == Action::"issue", resource)
when { context.task.depth >= 2 && context.scope.contains("orders:write") };

@id("no-billing-for-beta")
forbid (principal == Workload::"${OTHER_AGENT_ID}", action == Action::"issue", resource == Provider::"billing-api");
`;

function oauthProvider(name: string, scopes: string[]) {
  return {
    kind: 'oauth-jwt',
    issuer: 'https://warrant.test.example',
    audience: `https://${name}.test.example`,
    scopes,
    defaultScopes: [scopes[0]!],
    defaultTtl: '5m',
    maxTtl: '1h',
    signingKeyFile: `${name}-key.pem`,
  };
}

function task(id: string, over: Partial<Task> = {}): Task {
  return { id, purpose: 'reconcile the orders of last week', attributes: { environment: 'dev' }, parent_id: '', ...over };
}

const ORDERS_ONLY = [{ provider: 'orders-api', scope: ['orders:read', 'orders:write'] }];

describe.each(['memory', 'redis'] as const)('tasks as grants (%s store)', (store) => {
  let h: Harness;
  let alpha: WarrantClient;
  let beta: WarrantClient;
  let gamma: WarrantClient;
  let delta: WarrantClient;
  let operator: WarrantClient;

  beforeAll(async () => {
    h = await startHarness({
      policy: POLICY,
      providers: { 'orders-api': oauthProvider('orders-api', ['orders:read', 'orders:write']), 'billing-api': oauthProvider('billing-api', ['billing:read']) },
      tasks: { deviationThreshold: THRESHOLD, maxDelegationDepth: 2, defaultBudget: { maxCredentials: 20 }, maxBudget: { maxCredentials: 50 } },
      ...(store === 'redis' ? { redisUrl: REDIS_URL } : {}),
    });
    alpha = await h.client(AGENT_ID);
    beta = await h.client(OTHER_AGENT_ID);
    gamma = await h.client(THIRD_AGENT_ID);
    delta = await h.client(FOURTH_AGENT_ID);
    operator = await h.client(OPERATOR_ID);
  });
  afterAll(async () => {
    await h.close();
  });

  it('opens a task on first use with its declaration; its owner alone uses it, as declared', async () => {
    const t = task('t-open', { tools: ORDERS_ONLY, budget: { max_credentials: 5, max_concurrent_leases: 2, max_lifetime: { seconds: '1800', nanos: 0 } } });
    const issued = await alpha.issueTaskCredential({ task: t, provider: 'orders-api', scope: ['orders:read'] });
    expect(issued.lease!.task_id).toBe('t-open');
    // A lease never outlives its task.
    const info = (await alpha.getTask('t-open')).task!;
    expect(info).toMatchObject({
      owner: AGENT_ID,
      state: 'TASK_STATE_OPEN',
      depth: 0,
      delegation_chain: [],
      credentials_issued: 1,
      live_leases: 1,
      deviations: 0,
      task: { id: 't-open', purpose: t.purpose, tools: [{ provider: 'orders-api', scope: ['orders:read', 'orders:write'] }], budget: { max_credentials: 5, max_concurrent_leases: 2 } },
    });
    expect(Number(issued.lease!.max_expires_at!.seconds)).toBeLessThanOrEqual(Number(info.expires_at!.seconds));
    expect(Number(info.expires_at!.seconds) - Number(info.opened_at!.seconds)).toBe(1800);

    // Joining with the declaration left out is fine; changing it is not.
    await alpha.issueTaskCredential({ task: { id: 't-open', purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api' });
    expect(await failure(alpha.issueTaskCredential({ task: { ...t, purpose: 'something else' }, provider: 'orders-api' }))).toEqual({
      grpcCode: grpc.status.ALREADY_EXISTS,
      code: 'ERR_TASK_CONFLICT',
      message: 'task "t-open" was opened with different purpose; a task\'s declaration cannot change: send it as opened (or leave it empty), or open a new task',
    });
    expect(await failure(beta.issueTaskCredential({ task: t, provider: 'orders-api' }))).toEqual({
      grpcCode: grpc.status.PERMISSION_DENIED,
      code: 'ERR_NOT_OWNER',
      message: 'task "t-open" belongs to another workload; choose another task id',
    });
    expect((await failure(beta.getTask('t-open'))).code).toBe('ERR_NOT_OWNER');
    // Bounds are the server's: beyond its maximum is refused, never clamped.
    expect(await failure(alpha.issueTaskCredential({ task: task('t-greedy', { budget: { max_credentials: 51 } }), provider: 'orders-api' }))).toEqual({
      grpcCode: grpc.status.INVALID_ARGUMENT,
      code: 'ERR_INVALID_ARGUMENT',
      message: "task.budget.max_credentials 51 exceeds this server's maximum of 50",
    });
    expect(await failure(alpha.openTask(task('t-typo', { tools: [{ provider: 'nope', scope: [] }] })))).toEqual({
      grpcCode: grpc.status.NOT_FOUND,
      code: 'ERR_PROVIDER_NOT_FOUND',
      message: 'task.tools[0]: provider "nope" is not configured on this server',
    });
    const completed = await alpha.completeTask('t-open');
    expect(completed.leases.map((l) => [l.state, l.trigger])).toEqual([
      ['LEASE_STATE_REVOKED', 'TRIGGER_TASK_COMPLETED'],
      ['LEASE_STATE_REVOKED', 'TRIGGER_TASK_COMPLETED'],
    ]);
    expect(await failure(alpha.issueTaskCredential({ task: t, provider: 'orders-api' }))).toMatchObject({
      grpcCode: grpc.status.FAILED_PRECONDITION,
      code: 'ERR_TASK_ENDED',
      message: expect.stringMatching(/^task "t-open" was completed at \S+; open a new task$/),
    });
    expect((await alpha.getTask('t-open')).task).toMatchObject({ state: 'TASK_STATE_COMPLETED', trigger: 'TRIGGER_TASK_COMPLETED', live_leases: 0 });
  });

  it('budget: the credential and concurrency limits refuse with RESOURCE_EXHAUSTED; an ended lease frees its place', async () => {
    const t = task('t-budget', { tools: ORDERS_ONLY, budget: { max_credentials: 3, max_concurrent_leases: 2 } });
    const first = await alpha.issueTaskCredential({ task: t, provider: 'orders-api' });
    await alpha.issueTaskCredential({ task: t, provider: 'orders-api' });
    expect(await failure(alpha.issueTaskCredential({ task: t, provider: 'orders-api' }))).toEqual({
      grpcCode: grpc.status.RESOURCE_EXHAUSTED,
      code: 'ERR_TASK_BUDGET_EXHAUSTED',
      message: 'task "t-budget" already holds 2 live leases, its budget\'s max_concurrent_leases; revoke one or wait for one to expire; nothing was issued',
    });
    await alpha.revokeLease(first.lease!.id);
    const third = await alpha.issueTaskCredential({ task: t, provider: 'orders-api', idempotency_key: 'budget-3' });
    // A retry of that very request is the same lease, not a fourth credential refused.
    expect((await alpha.issueTaskCredential({ task: t, provider: 'orders-api', idempotency_key: 'budget-3' })).lease!.id).toBe(third.lease!.id);
    await alpha.revokeLease(third.lease!.id);
    expect(await failure(alpha.issueTaskCredential({ task: t, provider: 'orders-api' }))).toEqual({
      grpcCode: grpc.status.RESOURCE_EXHAUSTED,
      code: 'ERR_TASK_BUDGET_EXHAUSTED',
      message: 'task "t-budget" has used all 3 credentials of its budget (max_credentials); nothing was issued',
    });
    expect((await alpha.getTask('t-budget')).task).toMatchObject({ credentials_issued: 3, deviations: 2, state: 'TASK_STATE_OPEN' });
    // A lease revoked on its own stops counting when the lease event feed reports it.
    await eventually(async () => ((await alpha.getTask('t-budget')).task!.live_leases === 1 ? true : undefined));
  });

  it('deviation: undeclared tools, scope beyond the task, over budget and denials count; at the threshold the whole task is revoked', async () => {
    const t = task('t-deviant', { tools: [{ provider: 'orders-api', scope: ['orders:read'] }], budget: { max_credentials: 2 } });
    const held = await beta.issueTaskCredential({ task: t, provider: 'orders-api' });
    const token = held.credential!.oauth_token!.access_token;
    expect(await failure(beta.issueTaskCredential({ task: t, provider: 'billing-api' }))).toEqual({
      grpcCode: grpc.status.PERMISSION_DENIED,
      code: 'ERR_TOOL_NOT_DECLARED',
      message: 'provider "billing-api" is not among the tools task "t-deviant" declared ("orders-api"); nothing was issued',
    });
    expect(await failure(beta.issueTaskCredential({ task: t, provider: 'orders-api', scope: ['orders:write'] }))).toEqual({
      grpcCode: grpc.status.INVALID_ARGUMENT,
      code: 'ERR_SCOPE_INVALID',
      message: 'scope "orders:write" is beyond what task "t-deviant" declared for provider "orders-api" ("orders:read")',
    });
    await beta.issueTaskCredential({ task: t, provider: 'orders-api' });
    expect((await failure(beta.issueTaskCredential({ task: t, provider: 'orders-api' }))).code).toBe('ERR_TASK_BUDGET_EXHAUSTED');
    expect((await beta.getTask('t-deviant')).task).toMatchObject({ state: 'TASK_STATE_OPEN', deviations: 3 });
    // The fourth: a policy denial on another task of beta's shows denials count too…
    const denied = task('t-denied');
    expect((await failure(beta.issueTaskCredential({ task: denied, provider: 'billing-api' }))).code).toBe('ERR_POLICY_DENIED');
    expect((await beta.getTask('t-denied')).task).toMatchObject({ deviations: 1, state: 'TASK_STATE_OPEN' });
    // …and the fourth here reaches the threshold: the answer says so.
    expect(await failure(beta.issueTaskCredential({ task: t, provider: 'billing-api' }))).toEqual({
      grpcCode: grpc.status.PERMISSION_DENIED,
      code: 'ERR_TOOL_NOT_DECLARED',
      message: `provider "billing-api" is not among the tools task "t-deviant" declared ("orders-api"); nothing was issued; task "t-deviant" is now revoked: 4 deviations reached the threshold of ${THRESHOLD}`,
    });
    const info = (await beta.getTask('t-deviant')).task!;
    expect(info).toMatchObject({ state: 'TASK_STATE_REVOKED', trigger: 'TRIGGER_DEVIATION', reason: `4 deviations reached the threshold of ${THRESHOLD}`, live_leases: 0 });
    expect((await beta.getLease(held.lease!.id)).lease).toMatchObject({ state: 'LEASE_STATE_REVOKED', trigger: 'TRIGGER_DEVIATION' });
    expect(await h.introspect(token)).toEqual({ active: false });
    expect((await failure(beta.issueTaskCredential({ task: t, provider: 'orders-api' }))).message).toBe(
      `task "t-deviant" was revoked (deviation: 4 deviations reached the threshold of ${THRESHOLD}) at ${new Date(Number(info.ended_at!.seconds) * 1000 + Math.floor(info.ended_at!.nanos / 1e6)).toISOString()}; open a new task`,
    );

    await h.server.audit.flush();
    const records = readAudit(h).filter((r) => (r['task'] as { id?: string } | undefined)?.id === 't-deviant' && r['type'] === 'task');
    expect(records.filter((r) => r['event'] === 'deviation').map((r) => [r['kind'], r['deviations']])).toEqual([
      ['undeclared_tool', 1],
      ['scope_outside_task', 2],
      ['over_budget', 3],
      ['undeclared_tool', 4],
    ]);
    const revoked = records.find((r) => r['event'] === 'revoked');
    expect(revoked).toMatchObject({ trigger: 'deviation', by: { deviation: 'undeclared_tool' } });
    expect((revoked?.['deviationRecords'] as { kind: string; provider: string }[]).map((d) => [d.kind, d.provider])).toEqual([
      ['undeclared_tool', 'billing-api'],
      ['scope_outside_task', 'orders-api'],
      ['over_budget', 'orders-api'],
      ['undeclared_tool', 'billing-api'],
    ]);
  });

  it('three-level delegation: the act chain is in every token; completing the root revokes every descendant and lease', async () => {
    const root = task('t-root', { tools: ORDERS_ONLY, attributes: { environment: 'dev', ticket: 'OPS-9' }, budget: { max_credentials: 10, max_concurrent_leases: 5 } });
    const rootLease = await alpha.issueTaskCredential({ task: root, provider: 'orders-api', scope: ['orders:read'] });
    expect(decodeJwt(rootLease.credential!.oauth_token!.access_token)).not.toHaveProperty('act');

    const child = (await alpha.delegateTask({ parent_task_id: 't-root', delegate_spiffe_id: OTHER_AGENT_ID, task: { id: 't-child', purpose: '', attributes: { step: 'fetch' }, parent_id: '' } })).task!;
    expect(child).toMatchObject({
      owner: OTHER_AGENT_ID,
      depth: 1,
      delegation_chain: [AGENT_ID],
      task: { id: 't-child', parent_id: 't-root', purpose: root.purpose, attributes: { environment: 'dev', ticket: 'OPS-9', step: 'fetch' }, budget: { max_credentials: 10, max_concurrent_leases: 5 } },
    });
    const childLease = await beta.issueTaskCredential({ task: { id: 't-child', purpose: '', attributes: {}, parent_id: 't-root' }, provider: 'orders-api', scope: ['orders:write'] });
    const childClaims = decodeJwt(childLease.credential!.oauth_token!.access_token);
    expect(childClaims).toMatchObject({ sub: AGENT_ID, client_id: OTHER_AGENT_ID, act: { sub: OTHER_AGENT_ID } });

    const grandchild = (await beta.delegateTask({
      parent_task_id: 't-child',
      delegate_spiffe_id: THIRD_AGENT_ID,
      task: { id: 't-grandchild', purpose: 'fetch one page', attributes: {}, parent_id: '', tools: [{ provider: 'orders-api', scope: ['orders:read'] }], budget: { max_credentials: 2 } },
    })).task!;
    expect(grandchild).toMatchObject({ owner: THIRD_AGENT_ID, depth: 2, delegation_chain: [AGENT_ID, OTHER_AGENT_ID] });
    const leafLease = await gamma.issueTaskCredential({ task: { id: 't-grandchild', purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: ['orders:read'] });
    const leafToken = leafLease.credential!.oauth_token!.access_token;
    // RFC 8693 §4.1: the current actor outermost, the earlier one nested; the subject is the root's owner.
    expect(decodeJwt(leafToken)).toMatchObject({ sub: AGENT_ID, client_id: THIRD_AGENT_ID, act: { sub: THIRD_AGENT_ID, act: { sub: OTHER_AGENT_ID } } });
    expect(await h.introspect(leafToken)).toMatchObject({ active: true, sub: AGENT_ID, act: { sub: THIRD_AGENT_ID, act: { sub: OTHER_AGENT_ID } } });
    // A renewed token says the same.
    const renewed = await gamma.renewLease(leafLease.lease!.id, 600);
    expect(decodeJwt(renewed.credential!.oauth_token!.access_token)).toMatchObject({ sub: AGENT_ID, act: { sub: THIRD_AGENT_ID, act: { sub: OTHER_AGENT_ID } } });
    // Policy sees the depth: two levels down, writes are forbidden.
    expect((await failure(gamma.issueTaskCredential({ task: { id: 't-grandchild', purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: ['orders:write'] }))).code).toBe('ERR_SCOPE_INVALID');
    // Counters reach the root: three credentials for the tree.
    expect((await alpha.getTask('t-root')).task).toMatchObject({ credentials_issued: 3, live_leases: 3 });
    // The root's owner may look at what it delegated, any depth down.
    expect((await alpha.getTask('t-grandchild')).task).toMatchObject({ owner: THIRD_AGENT_ID, state: 'TASK_STATE_OPEN' });

    const done = await alpha.completeTask('t-root');
    expect(done.leases.map((l) => [l.id, l.state, l.trigger])).toEqual([[rootLease.lease!.id, 'LEASE_STATE_REVOKED', 'TRIGGER_TASK_COMPLETED']]);
    for (const [client, id] of [[beta, 't-child'], [gamma, 't-grandchild']] as const) {
      expect((await client.getTask(id)).task).toMatchObject({ state: 'TASK_STATE_REVOKED', trigger: 'TRIGGER_PARENT_REVOKED', reason: 'ancestor task "t-root" was completed', live_leases: 0 });
    }
    expect((await beta.getLease(childLease.lease!.id)).lease).toMatchObject({ state: 'LEASE_STATE_REVOKED', trigger: 'TRIGGER_PARENT_REVOKED' });
    expect((await gamma.getLease(leafLease.lease!.id)).lease).toMatchObject({ state: 'LEASE_STATE_REVOKED', trigger: 'TRIGGER_PARENT_REVOKED' });
    expect(await h.introspect(leafToken)).toEqual({ active: false });
    expect((await failure(gamma.issueTaskCredential({ task: { id: 't-grandchild', purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api' }))).code).toBe('ERR_TASK_ENDED');
  });

  it('a child cannot escalate: tools, scope, budget, lifetime and attributes stay within the parent; depth is limited', async () => {
    const parent = task('t-narrow', { tools: [{ provider: 'orders-api', scope: ['orders:read'] }], budget: { max_credentials: 4, max_concurrent_leases: 2, max_lifetime: { seconds: '3600', nanos: 0 } } });
    await alpha.openTask(parent);
    const delegate = (over: Partial<Task>, to = OTHER_AGENT_ID) =>
      failure(alpha.delegateTask({ parent_task_id: 't-narrow', delegate_spiffe_id: to, task: { id: '', purpose: '', attributes: {}, parent_id: '', ...over } }));
    const denied = (message: string) => ({ grpcCode: grpc.status.PERMISSION_DENIED, code: 'ERR_DELEGATION_DENIED', message });
    expect(await delegate({ tools: [{ provider: 'billing-api', scope: [] }] })).toEqual(denied('task.tools[0]: provider "billing-api" is not among the tools of task "t-narrow"'));
    expect(await delegate({ tools: [{ provider: 'orders-api', scope: ['orders:write'] }] })).toEqual(
      denied('task.tools[0]: scope "orders:write" of provider "orders-api" is beyond what task "t-narrow" holds'),
    );
    expect(await delegate({ budget: { max_credentials: 5 } })).toEqual(denied('task.budget.max_credentials 5 exceeds what task "t-narrow" has (4)'));
    expect((await delegate({ budget: { max_lifetime: { seconds: '7200', nanos: 0 } } })).message).toMatch(/^task\.budget\.max_lifetime 7200s exceeds what task "t-narrow" has \(\d+s\)$/);
    expect(await delegate({ attributes: { environment: 'prod' } })).toEqual(denied('task.attributes["environment"]: a delegated task keeps its parent\'s value "dev"'));
    expect(await delegate({}, AGENT_ID)).toEqual({
      grpcCode: grpc.status.INVALID_ARGUMENT,
      code: 'ERR_INVALID_ARGUMENT',
      message: 'delegate_spiffe_id is the caller itself: a task is delegated to another workload',
    });
    expect((await failure(beta.delegateTask({ parent_task_id: 't-narrow', delegate_spiffe_id: THIRD_AGENT_ID, task: task('') })))).toEqual({
      grpcCode: grpc.status.PERMISSION_DENIED,
      code: 'ERR_NOT_OWNER',
      message: 'task "t-narrow" belongs to another workload; only its owner may delegate from it',
    });

    // Within the parent it works; the child then cannot widen at issue time either.
    const child = (await alpha.delegateTask({ parent_task_id: 't-narrow', delegate_spiffe_id: OTHER_AGENT_ID, task: { id: 't-narrow.1', purpose: '', attributes: {}, parent_id: '' } })).task!;
    expect(child.task).toMatchObject({ tools: [{ provider: 'orders-api', scope: ['orders:read'] }], budget: { max_credentials: 4, max_concurrent_leases: 2 } });
    expect((await failure(beta.issueTaskCredential({ task: { id: 't-narrow.1', purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: ['orders:write'] }))).code).toBe(
      'ERR_SCOPE_INVALID',
    );
    // Back up the chain: never.
    expect(await failure(beta.delegateTask({ parent_task_id: 't-narrow.1', delegate_spiffe_id: AGENT_ID, task: task('') }))).toEqual(
      denied(`${AGENT_ID} already delegated this task; a task is never delegated back up its chain`),
    );
    await beta.delegateTask({ parent_task_id: 't-narrow.1', delegate_spiffe_id: THIRD_AGENT_ID, task: { id: 't-narrow.2', purpose: '', attributes: {}, parent_id: '' } });
    expect(await failure(gamma.delegateTask({ parent_task_id: 't-narrow.2', delegate_spiffe_id: FOURTH_AGENT_ID, task: task('') }))).toEqual(
      denied('delegating from task "t-narrow.2" would make a task of depth 3; this server allows at most 2'),
    );
    // A child's id is its own: taking an id in use is refused.
    expect((await failure(alpha.delegateTask({ parent_task_id: 't-narrow', delegate_spiffe_id: OTHER_AGENT_ID, task: { id: 't-budget', purpose: '', attributes: {}, parent_id: '' } }))).code).toBe(
      'ERR_TASK_CONFLICT',
    );
  });

  it('an operator revokes a task and everything delegated from it', async () => {
    await alpha.openTask(task('t-incident', { tools: ORDERS_ONLY }));
    const own = await alpha.issueTaskCredential({ task: task('t-incident'), provider: 'orders-api' });
    await alpha.delegateTask({ parent_task_id: 't-incident', delegate_spiffe_id: OTHER_AGENT_ID, task: { id: 't-incident.1', purpose: '', attributes: {}, parent_id: '' } });
    const below = await beta.issueTaskCredential({ task: { id: 't-incident.1', purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api' });
    expect((await failure(alpha.revokeTask('t-incident', 'mine'))).code).toBe('ERR_PERMISSION_DENIED');
    expect((await failure(operator.revokeTask('t-incident', ''))).message).toBe('reason is required');
    const res = await operator.revokeTask('t-incident', 'incident 77');
    expect(res.task).toMatchObject({ state: 'TASK_STATE_REVOKED', trigger: 'TRIGGER_OPERATOR', reason: 'incident 77' });
    expect(res.leases.map((l) => [l.id, l.trigger])).toEqual([[own.lease!.id, 'TRIGGER_OPERATOR']]);
    expect(res.revoked_tasks).toEqual(['t-incident.1']);
    expect((await beta.getLease(below.lease!.id)).lease).toMatchObject({ state: 'LEASE_STATE_REVOKED', trigger: 'TRIGGER_PARENT_REVOKED' });
    expect((await failure(operator.revokeTask('no-such-task', 'x'))).code).toBe('ERR_TASK_NOT_FOUND');
  });

  it('keeps no secret in task records or the audit', async () => {
    const t = task('t-secret', { tools: ORDERS_ONLY });
    const issued = await alpha.issueTaskCredential({ task: t, provider: 'orders-api' });
    const token = issued.credential!.oauth_token!.access_token;
    await h.server.audit.flush();
    expect(await h.redisDump()).not.toContain(token);
    expect(readAudit(h).map((r) => JSON.stringify(r)).join('\n')).not.toContain(token);
    expect(h.logs.join('')).not.toContain(token);
  });
});
