// `warrant policy check|eval` as a CI pipeline runs them (exit codes, JSON), and `warrant approvals`
// and `warrant task` as an operator and an agent run them against a real server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient } from '../../src/client/index.js';
import { AGENT_ID, OPERATOR_ID, SERVER_ID, startHarness, type Harness } from '../support/harness.js';
import { run } from '../support/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ENTRY = join(ROOT, 'test', 'support', 'warrant-from-src.ts');
const EXAMPLE = join(ROOT, 'deploy', 'policies', 'orchestrator-writes-need-approval');
const warrant = (...args: string[]) => run(process.execPath, ['--no-turbo-inline-js-wasm-calls', '--import', 'tsx', ENTRY, ...args], { cwd: ROOT, timeoutMs: 60_000 });

describe('warrant policy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warrant-cli-policy-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('check: ok with the count and version; a policy that does not type-check exits 1 naming file:line:column', async () => {
    const ok = await warrant('policy', 'check', EXAMPLE, '--groups', join(EXAMPLE, 'groups.yaml'));
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/^ok: 5 policies, version [0-9a-f]{16}\n$/);

    writeFileSync(join(dir, 'a.cedar'), '@id("a") permit (principal, action == Action::"issue", resource);\n\n@id("b") permit (principal, action, resource)\n  when { context.task.owner == "x" };\n');
    const bad = await warrant('policy', 'check', dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe(`error: ${join(dir, 'a.cedar')}:4:10: for policy \`b\`, attribute \`owner\` on entity type \`Task\` not found (did you mean \`chain\`?)\n`);
    const json = await warrant('policy', 'check', dir, '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { file: join(dir, 'a.cedar'), line: 4, column: 10, message: 'for policy `b`, attribute `owner` on entity type `Task` not found (did you mean `chain`?)' },
    });
    expect((await warrant('policy', 'check')).code).toBe(2);
  });

  it('eval: one request → decision, the policies that made it with where they live, and --expect for CI', async () => {
    const groups = ['--groups', join(EXAMPLE, 'groups.yaml')];
    const write = await warrant('policy', 'eval', EXAMPLE, ...groups, '--principal', 'spiffe://prod.example.com/agents/orchestrator/o1', '--action', 'issue', '--provider', 'orders-api', '--scope', 'orders:write', '--json');
    expect(write.code).toBe(0);
    expect(JSON.parse(write.stdout)).toMatchObject({
      decision: 'approval',
      allowed: true,
      approvalRequired: true,
      reason: 'permitted by "orchestrator-writes-with-approval"; a human must approve it first',
      policies: [{ id: 'orchestrator-writes-with-approval', effect: 'permit', at: `${join(EXAMPLE, 'orchestrator.cedar')}:11:1`, annotations: { approval: 'required' } }],
      errors: [],
    });
    const delegate = await warrant(
      'policy', 'eval', EXAMPLE, ...groups,
      '--principal', 'spiffe://prod.example.com/agents/orchestrator/o1', '--action', 'delegate', '--provider', 'orders-api', '--scope', 'orders:read',
      '--chain', 'spiffe://prod.example.com/agents/orchestrator/o1', '--delegate', 'spiffe://prod.example.com/agents/retrieval/r9', '--expect', 'deny',
    );
    expect(delegate.code).toBe(0);
    expect(delegate.stdout).toContain('decision        deny\nreason          no policy permits it (default deny)\n');
    const wrong = await warrant('policy', 'eval', EXAMPLE, ...groups, '--principal', 'spiffe://prod.example.com/agents/worker/w1', '--action', 'issue', '--provider', 'orders-api', '--scope', 'orders:read', '--expect', 'allow');
    expect(wrong).toMatchObject({ code: 1, stderr: 'warrant: expected allow, got deny\n' });
    expect((await warrant('policy', 'eval', EXAMPLE, '--principal', 'not-spiffe', '--action', 'issue', '--provider', 'p')).stderr).toMatch(/^warrant: --principal: /);
  });
});

describe('warrant approvals and task', () => {
  let h: Harness;
  let agent: WarrantClient;
  let dir: string;
  let asOperator: string[];
  let asAgent: string[];

  beforeAll(async () => {
    h = await startHarness({
      policy: `@id("reads") permit (principal, action == Action::"issue", resource) when { context.scope == ["orders:read"] };
@id("writes") @approval("required") permit (principal, action == Action::"issue", resource) when { context.scope.contains("orders:write") };
@id("approve") permit (principal, action == Action::"admin.approve", resource);`,
    });
    agent = await h.client(AGENT_ID);
    dir = mkdtempSync(join(tmpdir(), 'warrant-cli-approvals-'));
    for (const [name, id] of [['op', OPERATOR_ID], ['agent', AGENT_ID]] as const) {
      const svid = await h.authority.issueX509Svid(id);
      writeFileSync(join(dir, `${name}.pem`), svid.chainPem);
      writeFileSync(join(dir, `${name}-key.pem`), svid.keyPem, { mode: 0o600 });
    }
    writeFileSync(join(dir, 'bundle.pem'), h.authority.certPem);
    const conn = (name: string) => ['--server', h.grpcAddress, '--svid', join(dir, `${name}.pem`), '--svid-key', join(dir, `${name}-key.pem`), '--bundle', join(dir, 'bundle.pem'), '--server-id', SERVER_ID];
    asOperator = conn('op');
    asAgent = conn('agent');
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists, shows, approves and denies; the agent sees the decision', async () => {
    const request = (task: string) => ({ task: { id: task, purpose: 'fix order 9', attributes: { ticket: 'OPS-3' }, parent_id: '' }, provider: 'orders-api', scope: ['orders:write'] });
    const a = (await agent.issueTaskCredential(request('t-cli-a'))).pending_approval!.approval_id;
    const b = (await agent.issueTaskCredential(request('t-cli-b'))).pending_approval!.approval_id;

    const ls = await warrant('approvals', 'ls', ...asOperator);
    expect(ls.code).toBe(0);
    expect(ls.stdout.split('\n').filter((l) => l !== '').map((l) => l.split(/\s+/)[0])).toEqual([b, a]);
    const lsJson = JSON.parse((await warrant('approvals', 'ls', ...asOperator, '--task', 't-cli-a', '--json')).stdout) as { approvals: { id: string; purpose: string }[] };
    expect(lsJson.approvals.map((x) => [x.id, x.purpose])).toEqual([[a, 'fix order 9']]);

    const approved = await warrant('approvals', 'approve', a, ...asOperator, '--reason', 'looks right', '--json');
    expect(JSON.parse(approved.stdout)).toMatchObject({ approval: { id: a, state: 'approved', decidedBy: OPERATOR_ID, reason: 'looks right' } });
    expect(await warrant('approvals', 'deny', b, ...asOperator)).toMatchObject({ code: 2, stderr: 'warrant: approvals deny needs --reason TEXT: the requester is told why\nRun `warrant help` for usage.\n' });
    const denied = await warrant('approvals', 'deny', b, ...asOperator, '--reason', 'not now');
    expect(denied.stdout).toContain('state       denied\n');
    const shown = await warrant('approvals', 'show', a, ...asAgent, '--wait', '5s');
    expect(shown.stdout).toContain(`approval    ${a}\nstate       approved\n`);
    expect((await warrant('approvals', 'approve', a, ...asAgent)).stderr).toBe(
      `warrant: ERR_PERMISSION_DENIED: ${AGENT_ID} is not an admin; only configured admin identities may decide approvals\n`,
    );
  });

  it('task show and task revoke', async () => {
    await agent.issueTaskCredential({ task: { id: 't-cli-task', purpose: 'count orders', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: ['orders:read'] });
    const shown = await warrant('task', 'show', 't-cli-task', ...asAgent);
    expect(shown.stdout).toContain('task      t-cli-task\nstate     open\n');
    expect(shown.stdout).toContain('used      1 issued, 1 live, 0 deviations\n');
    const revoked = JSON.parse((await warrant('task', 'revoke', 't-cli-task', ...asOperator, '--reason', 'drill', '--json')).stdout) as { task: Record<string, unknown>; leases: unknown[] };
    expect(revoked.task).toMatchObject({ id: 't-cli-task', state: 'revoked', trigger: 'operator', reason: 'drill' });
    expect(revoked.leases).toHaveLength(1);
  });
});
