// The README's first command, as a person runs it: `warrant dev`, then the demo and the CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, run, startUntil, stop } from '../support/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'warrant.js');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
let dir: string;
let server: ChildProcess;
let output: () => string;
let conn: string[];
let grpcListen: string;
let httpListen: string;
const env = { ...process.env, REDIS_URL: '' };

beforeAll(async () => {
  // The bin runs the compiled server: build it as `npm ci` would.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'warrant-dev-'));
  grpcListen = `127.0.0.1:${await freePort()}`;
  httpListen = `127.0.0.1:${await freePort()}`;
  ({ child: server, output } = await startUntil(
    process.execPath,
    [BIN, 'dev', '--dir', dir, '--grpc-listen', grpcListen, '--http-listen', httpListen],
    /warrant dev is serving/,
    { cwd: ROOT, env },
  ));
  conn = ['--dir', dir];
}, 120_000);

afterAll(async () => {
  if (server !== undefined) await stop(server);
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: ROOT, env });

describe('warrant dev', () => {
  it('creates the dev trust domain with private keys readable by the owner only', () => {
    for (const f of ['ca.pem', 'bundle.pem', 'server.pem', 'agent.pem', 'operator.pem', 'config.yaml', 'policies/demo.cedar', 'policies/schema.cedarschema']) {
      expect(statSync(join(dir, f)).isFile()).toBe(true);
    }
    for (const f of ['ca-key.pem', 'server-key.pem', 'agent-key.pem', 'operator-key.pem', 'demo-api-signing-key.pem', 'introspect-demo-api.secret', 'audit-hmac.key']) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
    expect(output()).toContain(`npm run demo -- --dir ${dir} --grpc-listen ${grpcListen} --http-listen ${httpListen}`);
  });

  it('npm run demo shows the full lifecycle', async () => {
    const res = await run(TSX, [join(ROOT, 'scripts', 'demo.ts'), '--dir', dir, '--grpc-listen', grpcListen, '--http-listen', httpListen], { cwd: ROOT, env });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('"active":true');
    expect(res.stdout).toContain('{"active":false}');
    expect(res.stdout).toContain('demo complete');
  });

  it('the CLI issues, renews, shows and completes with --json', async () => {
    const issued = await cli('issue', ...conn, '--provider', 'demo-api', '--task', 'cli-task', '--scope', 'orders:read orders:write', '--ttl', '10m', '--json');
    expect(issued.stderr).toBe('');
    expect(issued.code).toBe(0);
    const out = JSON.parse(issued.stdout) as { lease: { id: string; state: string; scope: string[] }; credential: { kind: string; accessToken: string } };
    expect(out.lease.state).toBe('active');
    expect(out.lease.scope).toEqual(['orders:read', 'orders:write']);
    expect(out.credential.kind).toBe('oauth_token');

    const renewed = JSON.parse((await cli('renew', out.lease.id, ...conn, '--increment', '20m', '--json')).stdout) as { lease: { renewals: number } };
    expect(renewed.lease.renewals).toBe(1);

    const shown = JSON.parse((await cli('lease', 'show', out.lease.id, ...conn, '--as', 'operator', '--json')).stdout) as { lease: { owner: string } };
    expect(shown.lease.owner).toBe('spiffe://example.org/agents/demo');

    const completed = JSON.parse((await cli('complete', 'cli-task', ...conn, '--json')).stdout) as { leases: { state: string; trigger: string }[] };
    expect(completed.leases).toEqual([expect.objectContaining({ state: 'revoked', trigger: 'task_completed' })]);
  });

  it('nobody but the demo agent may use demo-api; errors exit non-zero with the reason', async () => {
    const denied = await cli('issue', ...conn, '--as', 'operator', '--provider', 'demo-api', '--task', 'x');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^warrant: ERR_POLICY_DENIED: policy denied issue of "demo-api" to spiffe:\/\/example\.org\/operators\/demo: no policy permits it/);
    const unknown = await cli('issue', ...conn, '--provider', 'nope', '--task', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('warrant: ERR_PROVIDER_NOT_FOUND: provider "nope" is not configured on this server\n');
    const usage = await cli('issue', ...conn, '--task', 'x');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('issue needs --provider P');
  });

  it('stops cleanly on SIGTERM and its audit chain verifies', async () => {
    expect(await stop(server)).toBe(0);
    const verify = await cli('audit', 'verify', join(dir, 'audit.log'));
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^ok: \d+ records, chain intact\n$/);
    const audit = readFileSync(join(dir, 'audit.log'), 'utf8');
    expect(audit).not.toContain('eyJ'); // no JWT (base64url JSON) ever reaches the audit
  });
});
