// `warrant issue` when policy holds the request for a human: what it prints (text and --json), its
// exit status, --wait while an operator approves or denies, and --approval-id, against a real server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient } from '../../src/client/index.js';
import { AGENT_ID, OPERATOR_ID, SERVER_ID, eventually, startHarness, type Harness } from '../support/harness.js';
import { run } from '../support/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ENTRY = join(ROOT, 'test', 'support', 'warrant-from-src.ts');
const warrant = (...args: string[]) => run(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, timeoutMs: 60_000 });

const POLICY = `@id("reads") permit (principal, action == Action::"issue", resource) when { context.scope == ["orders:read"] };
@id("writes-need-approval") @approval("required") permit (principal, action == Action::"issue", resource) when { context.scope.contains("orders:write") };
@id("approve") permit (principal, action == Action::"admin.approve", resource);`;

describe('warrant issue meets an approval gate', () => {
  let h: Harness;
  let operator: WarrantClient;
  let dir: string;
  let asAgent: string[];

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY, tasks: { approvals: { timeout: '10m', useWindow: '5m', maxWait: '2s' } } });
    operator = await h.client(OPERATOR_ID);
    dir = mkdtempSync(join(tmpdir(), 'warrant-cli-issue-approval-'));
    const svid = await h.authority.issueX509Svid(AGENT_ID);
    writeFileSync(join(dir, 'agent.pem'), svid.chainPem);
    writeFileSync(join(dir, 'agent-key.pem'), svid.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'bundle.pem'), h.authority.certPem);
    asAgent = ['--server', h.grpcAddress, '--svid', join(dir, 'agent.pem'), '--svid-key', join(dir, 'agent-key.pem'), '--bundle', join(dir, 'bundle.pem'), '--server-id', SERVER_ID];
  });
  afterAll(async () => {
    await h?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const write = (task: string, ...more: string[]) => warrant('issue', ...asAgent, '--provider', 'orders-api', '--task', task, '--scope', 'orders:write', '--ttl', '5m', ...more);

  /** The pending approval of a task, once the CLI has asked for it. */
  const pendingOf = (task: string) =>
    eventually(async () => (await operator.listApprovals({ task_id: task, states: ['APPROVAL_STATE_PENDING'] })).approvals[0]?.id, 20_000);

  it('pending: says so with the approval, its policies, expiry and the operator commands; exit 3; --json is one object', async () => {
    const text = await write('t-pending');
    expect(text.code).toBe(3);
    expect(text.stderr).toBe('');
    const id = /^approval {4}(\S+)$/m.exec(text.stdout)?.[1];
    expect(id).toMatch(/^[0-9a-z]{26}$/);
    expect(text.stdout).toMatch(/^state {7}pending\npolicies {4}writes-need-approval\nexpires {5}\d{4}-\d\d-\d\dT\S+Z$/m);
    expect(text.stdout).toContain('Nothing was issued: policy requires a human approval first.');
    expect(text.stdout).toContain(`  warrant approvals approve ${id} [--reason TEXT]\n  warrant approvals deny ${id} --reason TEXT\n`);

    // The same request again is the same approval; --json prints one JSON object and exits 3 too.
    const json = await write('t-pending', '--json');
    expect(json.code).toBe(3);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(json.stdout) as { pendingApproval: Record<string, unknown> };
    expect(out).toEqual({
      pendingApproval: {
        approvalId: id,
        policies: ['writes-need-approval'],
        expiresAt: expect.stringMatching(/Z$/),
        approve: `warrant approvals approve ${id}`,
        deny: `warrant approvals deny ${id} --reason TEXT`,
      },
    });
    expect(Date.parse(out.pendingApproval['expiresAt'] as string)).toBeGreaterThan(Date.now() + 9 * 60_000);

    // Approved meanwhile: --approval-id sends the request for it and prints the lease as usual.
    await operator.decideApproval(id!, 'approve', 'ok');
    const issued = await write('t-pending', '--approval-id', id!);
    expect(issued.code).toBe(0);
    expect(issued.stdout).toMatch(/^lease {7}\S+\nstate {7}active\n/);
    expect(issued.stdout).toMatch(/\n\ncredential {2}oauth_token\neyJ\S+\n$/);
    expect((await operator.listApprovals({ task_id: 't-pending', states: ['APPROVAL_STATE_USED'] })).approvals.map((a) => a.id)).toEqual([id]);
  });

  it('a request that needs no approval prints as before', async () => {
    const read = await warrant('issue', ...asAgent, '--provider', 'orders-api', '--task', 't-read', '--scope', 'orders:read', '--json');
    expect(read.code).toBe(0);
    const out = JSON.parse(read.stdout) as { lease: { state: string; scope: string[] }; credential: { kind: string } };
    expect(Object.keys(out)).toEqual(['lease', 'credential']);
    expect([out.lease.state, out.lease.scope, out.credential.kind]).toEqual(['active', ['orders:read'], 'oauth_token']);
  });

  it('--wait: blocks across several server-capped waits while an operator approves, then issues with the approval', async () => {
    const cli = write('t-wait', '--wait', '1m', '--json');
    const id = await pendingOf('t-wait');
    // Longer than the server's 2s cap on one wait: the CLI asks again.
    await new Promise((r) => setTimeout(r, 3000));
    await operator.decideApproval(id, 'approve', 'refund agreed');
    const done = await cli;
    expect(done.code).toBe(0);
    const out = JSON.parse(done.stdout) as { lease: { id: string; scope: string[] }; credential: { kind: string; accessToken: string } };
    expect(out.lease.scope).toEqual(['orders:write']);
    expect(decodeJwt(out.credential.accessToken).jti).toBe(out.lease.id);
    expect(done.stderr).toContain(`warrant: approval ${id} is pending (writes-need-approval); waiting up to 1m for an operator to run: warrant approvals approve ${id}\n`);
    expect(done.stderr).toContain(`warrant: approval ${id} was approved by ${OPERATOR_ID}: refund agreed\n`);
    const used = (await operator.listApprovals({ task_id: 't-wait', states: ['APPROVAL_STATE_USED'] })).approvals;
    expect(used.map((a) => [a.id, a.lease_id])).toEqual([[id, out.lease.id]]);
  });

  it('--wait: a denial ends it with exit 1 and the operator reason', async () => {
    const cli = write('t-denied', '--wait', '1m');
    const id = await pendingOf('t-denied');
    await operator.decideApproval(id, 'deny', 'not during the freeze');
    const done = await cli;
    expect(done.code).toBe(1);
    expect(done.stdout).toBe('');
    expect(done.stderr).toContain(`warrant: ERR_APPROVAL_DENIED: approval ${id} was denied by ${OPERATOR_ID}: not during the freeze; nothing was issued\n`);
  });

  it('--wait: still pending when the wait runs out prints the approval and exits 3', async () => {
    const done = await write('t-slow', '--wait', '3s', '--json');
    expect(done.code).toBe(3);
    const out = JSON.parse(done.stdout) as { pendingApproval: { approvalId: string } };
    expect(done.stderr).toContain(`warrant: approval ${out.pendingApproval.approvalId} is still pending after 3s\n`);
  });

  it('bad --wait is a usage error', async () => {
    expect(await write('t-x', '--wait', 'soon')).toMatchObject({ code: 2, stderr: 'warrant: --wait "soon" is not a duration (e.g. 90s, 15m, 1h)\nRun `warrant help` for usage.\n' });
  });
});
