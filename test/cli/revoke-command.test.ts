// `warrant revoke` and `warrant leases` as an operator runs them: as a process (JSON lines when no
// terminal is attached, a refusal without --yes, exit codes), and in-process on a fake terminal
// (the confirmation prompt and the progress bar).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmdLeases } from '../../src/cli/leases-command.js';
import { cmdRevoke, type Terminal } from '../../src/cli/revoke-command.js';
import type { WarrantClient } from '../../src/client/index.js';
import { WarrantError } from '../../src/core/index.js';
import { CountingProvider } from '../support/counting-provider.js';
import { AGENT_ID, OPERATOR_ID, SERVER_ID, startHarness, type Harness } from '../support/harness.js';
import { run } from '../support/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ENTRY = join(ROOT, 'test', 'support', 'warrant-from-src.ts');
let h: Harness;
let agent: WarrantClient;
let provider: CountingProvider;
let dir: string;
let conn: string[];

beforeAll(async () => {
  h = await startHarness({ decorateProvider: (p) => (provider = new CountingProvider(p)), revocation: { retryBase: '100ms' } });
  agent = await h.client(AGENT_ID);
  dir = mkdtempSync(join(tmpdir(), 'warrant-cli-revoke-'));
  const svid = await h.authority.issueX509Svid(OPERATOR_ID);
  writeFileSync(join(dir, 'op.pem'), svid.chainPem);
  writeFileSync(join(dir, 'op-key.pem'), svid.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'bundle.pem'), h.authority.certPem);
  conn = ['--server', h.grpcAddress, '--svid', join(dir, 'op.pem'), '--svid-key', join(dir, 'op-key.pem'), '--bundle', join(dir, 'bundle.pem'), '--server-id', SERVER_ID];
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const warrant = (...args: string[]) => run(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, timeoutMs: 60_000 });

async function issue(task: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await agent.issueTaskCredential({ task: { id: task, purpose: 'p', attributes: {}, parent_id: '' }, provider: 'orders-api', scope: [] })).lease!.id);
  return ids;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

function terminal(tty: boolean): { term: Terminal; stdout: () => string; stderr: () => string } {
  const out = capture();
  const err = capture();
  const stdin = Object.assign(new PassThrough(), { isTTY: tty });
  return { term: { stdin, stdout: Object.assign(out.stream, { isTTY: tty }), stderr: Object.assign(err.stream, { isTTY: tty }) }, stdout: out.text, stderr: err.text };
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('warrant leases and warrant revoke', () => {
  it('lists leases, refuses without --yes off a terminal, then revokes with JSON progress lines', async () => {
    const ids = await issue('cli-1', 3);
    const ls = await warrant('leases', 'ls', '--task', 'cli-1', '--json', ...conn);
    expect(ls.stderr).toBe('');
    const listed = JSON.parse(ls.stdout) as { leases: { id: string; state: string }[]; nextPageToken: string };
    expect(listed.leases.map((l) => l.id).sort()).toEqual([...ids].sort());
    expect(listed.leases.every((l) => l.state === 'active')).toBe(true);

    const refused = await warrant('revoke', '--task', 'cli-1', '--reason', 'INC-1', ...conn);
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({
      code: 2,
      stderr: 'warrant: refusing to revoke 3 leases without confirmation: stdin is not a terminal; pass --yes\n',
    });

    const revoked = await warrant('revoke', '--task', 'cli-1', '--reason', 'INC-1', '--yes', ...conn);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    const out = lines(revoked.stdout);
    const summary = out[out.length - 1]!;
    expect(summary).toMatchObject({ type: 'summary', matched: 3, accepted: 3, revoked: 3, revoking: 0, failed: 0, failures: [] });
    expect(out.slice(0, -1).every((l) => l['type'] === 'progress')).toBe(true);
  }, 120_000);

  it('shows a lease, counts in a dry run, and exits 1 listing every lease a provider has not confirmed', async () => {
    const ids = await issue('cli-2', 2);
    const shown = capture();
    expect(await cmdLeases(['show', ids[0]!, ...conn], shown.stream)).toBe(0);
    expect(shown.text()).toMatch(new RegExp(`^lease\\s+${ids[0]}\\nstate\\s+active\\n`));

    const dry = terminal(false);
    expect(await cmdRevoke(['--task', 'cli-2', '--reason', 'INC-2', '--dry-run', ...conn], dry.term)).toBe(0);
    const [counted] = lines(dry.stdout());
    expect(counted).toMatchObject({ type: 'dry_run', matched: 2 });
    expect((counted!['sample'] as unknown[]).length).toBe(2);

    provider.failWith = new WarrantError('ERR_PROVIDER_UNAVAILABLE', 'down');
    try {
      const t = terminal(false);
      expect(await cmdRevoke(['--task', 'cli-2', '--reason', 'INC-2', '--yes', '--wait', '500ms', ...conn], t.term)).toBe(1);
      const summary = lines(t.stdout()).pop()!;
      expect(summary).toMatchObject({ type: 'summary', accepted: 2, revoked: 0, revoking: 2 });
      const failures = summary['failures'] as string[];
      expect(failures.map((f) => f.slice(0, 26)).sort()).toEqual([...ids].sort());
      for (const f of failures) expect(f).toMatch(/\(ERR_PROVIDER_UNAVAILABLE\); retried in the background$/);
      const listed = capture();
      await cmdLeases(['ls', '--task', 'cli-2', '--json', ...conn], listed.stream);
      const leases = (JSON.parse(listed.text()) as { leases: { state: string; revocationError?: string }[] }).leases;
      expect(leases.map((l) => [l.state, l.revocationError])).toEqual(Array(2).fill(['revoking', 'ERR_PROVIDER_UNAVAILABLE']));
    } finally {
      provider.failWith = undefined;
    }
  });

  it('names what is missing in a usage error', async () => {
    const t = terminal(false);
    await expect(cmdRevoke(['--task', 'cli-2', ...conn], t.term)).rejects.toThrow('revoke needs --reason TEXT (it is recorded on every lease and in the audit)');
    await expect(cmdRevoke(['--reason', 'x', ...conn], t.term)).rejects.toThrow('revoke needs a selector, or --all to revoke every lease');
    await expect(cmdRevoke(['--all', '--reason', 'x', '--trigger', 'expired', ...conn], t.term)).rejects.toThrow('--trigger "expired" must be one of operator, deviation, identity');
    await expect(cmdRevoke(['--all', '--reason', 'x', '--issued-before', 'yesterday', ...conn], t.term)).rejects.toThrow(
      '--issued-before "yesterday" is neither an RFC 3339 time (2026-01-31T12:00:00Z) nor a duration (30m)',
    );
  });

  it('asks on a terminal, then draws a progress bar and a summary', async () => {
    await issue('cli-3', 2);
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = Object.assign(new PassThrough(), { isTTY: true });
    let shown = '';
    stderr.on('data', (d: Buffer) => {
      shown += d.toString();
      if (shown.includes('Type "yes" to continue') && !shown.includes('answered')) {
        shown += 'answered';
        stdin.write('yes\n');
      }
    });
    const term: Terminal = { stdin, stderr, stdout };
    const code = await cmdRevoke(['--task', 'cli-3', '--reason', 'INC-3', ...conn], term);
    expect(code).toBe(0);
    expect(shown).toContain('Revoke 2 leases (reason: "INC-3")? Type "yes" to continue: ');
    expect(shown).toMatch(/\[#{30}\] 2\/2 revoked {2}\d+\/s/);
    expect(shown).toMatch(/Revoked 2 leases of 2 matched in \d+\.\ds \(operation [0-9a-z]{26}\)\./);
  });
});
