// Hot reload: a new policy set replaces the one in force atomically; a broken one leaves the old
// one in force and says why, file:line:column. The version in force is in every audit record.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyReloader, type PolicyInput, type ReloadResult } from '../../src/policy/index.js';
import { AGENT_ID, eventually, readAudit, startHarness } from '../support/harness.js';
import { vectorInput } from './vectors.js';

const ALLOW_ISSUE = '@id("issue") permit (principal, action == Action::"issue", resource);\n';
const ALLOW_RENEW = '@id("renew") permit (principal, action == Action::"renew", resource);\n';
// Line 2, column 56: an attribute the schema does not have.
const BROKEN = '@id("issue") permit (principal, action == Action::"issue", resource);\n@id("bad") permit (principal, action, resource) when { principal.team == "x" };\n';

const issue: PolicyInput = vectorInput({ action: 'issue' });
const renew: PolicyInput = vectorInput({ action: 'renew' });

describe('PolicyReloader', () => {
  let dir: string;
  let reloader: PolicyReloader | undefined;
  const results: ReloadResult[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warrant-reload-'));
    await writeFile(join(dir, 'main.cedar'), ALLOW_ISSUE);
    results.length = 0;
  });
  afterEach(async () => {
    reloader?.close();
    reloader = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('swaps in a new version; a broken one leaves the version in force and names file, line and column', async () => {
    reloader = await PolicyReloader.open(dir, { watch: false, onReload: (r) => results.push(r) });
    const first = reloader.current;
    expect(first.decide(issue).allowed).toBe(true);
    expect(first.decide(renew).allowed).toBe(false);

    await writeFile(join(dir, 'main.cedar'), BROKEN);
    const rejected = await reloader.reload('signal');
    expect(rejected).toEqual({
      outcome: 'rejected',
      trigger: 'signal',
      version: first.version,
      error: `${join(dir, 'main.cedar')}:2:56: for policy \`bad\`, attribute \`team\` on entity type \`Workload\` not found (did you mean \`path\`?)`,
    });
    expect(reloader.current).toBe(first);
    expect(reloader.engine().decide(issue).allowed).toBe(true);

    await writeFile(join(dir, 'main.cedar'), ALLOW_ISSUE + ALLOW_RENEW);
    const reloaded = await reloader.reload('request');
    expect(reloaded).toMatchObject({ outcome: 'reloaded', trigger: 'request', from: first.version, policies: 2 });
    const second = reloader.current;
    expect(second.version).not.toBe(first.version);
    expect(reloaded).toMatchObject({ to: second.version });
    expect(second.decide(renew).allowed).toBe(true);
    // A caller that took the old version finishes on it.
    expect(first.decide(renew).allowed).toBe(false);

    expect(await reloader.reload('signal')).toEqual({ outcome: 'unchanged', trigger: 'signal', version: second.version });
    expect(results.map((r) => r.outcome)).toEqual(['rejected', 'reloaded', 'unchanged']);
  });

  it('refuses a directory that stops being readable, and a schema that does not fit', async () => {
    reloader = await PolicyReloader.open(dir, { watch: false });
    const first = reloader.current;
    await writeFile(join(dir, 'schema.cedarschema'), 'entity Workload;\naction issue appliesTo { principal: Workload, resource: Workload };\n');
    const rejected = await reloader.reload();
    expect(rejected.outcome).toBe('rejected');
    expect(rejected.outcome === 'rejected' && rejected.error.startsWith(`${join(dir, 'schema.cedarschema')}`)).toBe(true);
    await rm(join(dir, 'schema.cedarschema'));
    await rm(dir, { recursive: true, force: true });
    expect(await reloader.reload()).toMatchObject({ outcome: 'rejected', version: first.version, error: `${dir}: cannot read the policy directory (ENOENT)` });
    expect(reloader.current).toBe(first);
  });

  it('reloads by itself when a file changes, including an atomic rename over it', async () => {
    reloader = await PolicyReloader.open(dir, { debounceMs: 20, pollIntervalMs: 100, onReload: (r) => results.push(r) });
    const first = reloader.current.version;
    await writeFile(join(dir, 'main.cedar.tmp'), ALLOW_ISSUE + ALLOW_RENEW);
    await rename(join(dir, 'main.cedar.tmp'), join(dir, 'main.cedar'));
    await eventually(async () => (reloader!.current.version !== first ? true : undefined));
    expect(reloader.current.decide(renew).allowed).toBe(true);

    const second = reloader.current.version;
    await writeFile(join(dir, 'zz-broken.cedar'), 'permit (principal, action, resource) when { ;\n');
    await eventually(async () => (results.some((r) => r.outcome === 'rejected') ? true : undefined));
    expect(reloader.current.version).toBe(second);
    const refusal = results.find((r) => r.outcome === 'rejected');
    expect(refusal?.outcome === 'rejected' && refusal.error.startsWith(`${join(dir, 'zz-broken.cedar')}:1:`)).toBe(true);
  });
});

describe('hot reload in the server', () => {
  it('does not start with a policy that does not type-check, and says where', async () => {
    const err = await startHarness({ policy: BROKEN }).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('ERR_CONFIG');
    expect(err?.message).toMatch(
      /^policy: \/\S+\/policies\/main\.cedar:2:56: for policy `bad`, attribute `team` on entity type `Workload` not found \(did you mean `path`\?\)$/,
    );
  });

  it('keeps serving on the old version after a broken change, logs why, and stamps every audit record with the version in force', async () => {
    const h = await startHarness();
    try {
      const agent = await h.client(AGENT_ID);
      const task = (id: string) => ({ id, purpose: 'p', attributes: {}, parent_id: '' });
      const v1 = h.server.policy.current.version;
      await agent.issueTaskCredential({ task: task('t-reload-1'), provider: 'orders-api' });

      await writeFile(join(h.dir, 'policies', 'main.cedar'), BROKEN);
      expect((await h.server.policy.reload('signal')).outcome).toBe('rejected');
      const refused = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'policy change refused; the version in force stays');
      expect(refused).toMatchObject({ trigger: 'signal', policyVersion: v1 });
      expect(String(refused?.['error'])).toMatch(/main\.cedar:2:56: for policy `bad`, attribute `team`/);
      // Still the old set: the agent is still allowed.
      await agent.issueTaskCredential({ task: task('t-reload-2'), provider: 'orders-api' });

      // Now nobody may issue: a deny-all set (no policies) loads, and is in force at once.
      await writeFile(join(h.dir, 'policies', 'main.cedar'), '// nothing is allowed\n');
      const reloaded = await h.server.policy.reload('signal');
      expect(reloaded).toMatchObject({ outcome: 'reloaded', from: v1 });
      const v2 = h.server.policy.current.version;
      await expect(agent.issueTaskCredential({ task: task('t-reload-3'), provider: 'orders-api' })).rejects.toMatchObject({ code: 'ERR_POLICY_DENIED' });

      await h.server.audit.flush();
      const records = readAudit(h);
      expect(records.length).toBeGreaterThan(6);
      for (const r of records) expect(typeof r['policyVersion']).toBe('string');
      // Each decision is on record with the version that made it: a grant's in its issue record.
      const decisions = records.filter((r) => r['type'] === 'decision' || (r['type'] === 'issue' && r['outcome'] === 'issued'));
      expect(decisions.map((r) => [r['type'], (r['decision'] as { policyVersion: string }).policyVersion])).toEqual([
        ['issue', v1],
        ['issue', v1],
        ['decision', v2],
      ]);
      const opened = records.filter((r) => r['type'] === 'task' && r['event'] === 'opened');
      expect(opened.map((r) => r['policyVersion'])).toEqual([v1, v1, v2]);
    } finally {
      await h.close();
    }
  });
});
