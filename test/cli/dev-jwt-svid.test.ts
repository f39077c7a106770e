// Dev mode with both kinds of SVID: `warrant dev` writes a JWT authority and a SPIFFE bundle, `warrant
// dev jwt-svid` mints a token, and the CLI calls with `--jwt-svid` (TLS without a client certificate).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DEV_AGENT_ID, DEV_SERVER_ID, prepareDevFiles } from '../../src/cli/dev-files.js';
import { loadServerConfig } from '../../src/config/index.js';
import { DevJwtAuthority } from '../../src/identity/index.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { freePort } from '../support/processes.js';

let dir: string;
let server: RunningServer;

/** Runs the CLI in this process and returns its exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warrant-dev-jwt-'));
  const files = await prepareDevFiles(dir, `127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`);
  server = await startServer(loadServerConfig(files.configFile), { log: pino({ level: 'silent' }) });
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('warrant dev with JWT-SVIDs', () => {
  it('writes the JWT authority key (0600) and a SPIFFE bundle holding both authorities, and accepts its audience', () => {
    expect(statSync(join(dir, 'jwt-authority-key.pem')).mode & 0o777).toBe(0o600);
    const authority = DevJwtAuthority.load(readFileSync(join(dir, 'jwt-authority-key.pem'), 'utf8'));
    const bundle = JSON.parse(readFileSync(join(dir, 'bundle.spiffe.json'), 'utf8')) as { spiffe_sequence: number; keys: Record<string, unknown>[] };
    expect(bundle.spiffe_sequence).toBe(1);
    expect(bundle.keys.map((k) => [k['use'], k['kid'], Array.isArray(k['x5c'])])).toEqual([
      ['x509-svid', undefined, true],
      ['jwt-svid', authority.keyId, false],
    ]);
    expect(JSON.stringify(bundle)).not.toMatch(/"d":/);
    const config = parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8')) as { identity: Record<string, unknown> };
    expect(config.identity['trustBundles']).toEqual([{ trustDomain: 'example.org', bundleFile: 'bundle.spiffe.json', format: 'spiffe' }]);
    expect(config.identity['jwt']).toEqual({ audience: [DEV_SERVER_ID] });
  });

  it('mints a JWT-SVID and the CLI issues with it, no client certificate needed', async () => {
    const minted = await cli('dev', 'jwt-svid', '--dir', dir);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect([claims['sub'], claims['aud']]).toEqual([DEV_AGENT_ID, DEV_SERVER_ID]);

    const issued = await cli('issue', '--dir', dir, '--jwt-svid', token, '--provider', 'demo-api', '--task', 't-jwt', '--json');
    expect(issued.stderr).toBe('');
    expect(issued.code).toBe(0);
    const out = JSON.parse(issued.stdout) as { lease: { owner: string; state: string; expiresAt: string } };
    expect([out.lease.owner, out.lease.state]).toEqual([DEV_AGENT_ID, 'active']);
    // The lease ends when the token does (5 minutes), not after the provider's default alone.
    expect(Date.parse(out.lease.expiresAt)).toBeLessThanOrEqual(Number(claims['exp']) * 1000);
  });

  it('a token for another workload is that workload: the operator may not use demo-api', async () => {
    const token = (await cli('dev', 'jwt-svid', '--dir', dir, '--spiffe-id', 'spiffe://example.org/operators/demo')).stdout.trim();
    const denied = await cli('issue', '--dir', dir, '--jwt-svid', token, '--provider', 'demo-api', '--task', 't-op');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^warrant: ERR_POLICY_DENIED: policy denied issue of "demo-api" to spiffe:\/\/example\.org\/operators\/demo: no policy permits it/);
  });

  it('a token for another audience is refused with the rule', async () => {
    const token = (await cli('dev', 'jwt-svid', '--dir', dir, '--audience', 'spiffe://example.org/reports')).stdout.trim();
    const refused = await cli('issue', '--dir', dir, '--jwt-svid', token, '--provider', 'demo-api', '--task', 't-aud');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `warrant: ERR_UNAUTHENTICATED: JWT-SVID for ${DEV_AGENT_ID} rejected: its audience "spiffe://example.org/reports" does not include this server's ("${DEV_SERVER_ID}") (JWT-SVID §3.2)\n`,
    );
    expect(refused.stderr).not.toContain(token);
  });

  it('--jwt-svid does not mix with --svid or --as', async () => {
    const mixed = await cli('issue', '--dir', dir, '--jwt-svid', 'x.y.z', '--as', 'operator', '--provider', 'demo-api', '--task', 't');
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--jwt-svid replaces --svid/--svid-key and --as: the token names the workload');
  });

  it('keeps the JWT authority and the bundle across restarts', async () => {
    const key = readFileSync(join(dir, 'jwt-authority-key.pem'), 'utf8');
    const bundle = readFileSync(join(dir, 'bundle.spiffe.json'), 'utf8');
    const config = parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8')) as { grpc: { listen: string }; http: { listen: string } };
    await prepareDevFiles(dir, config.grpc.listen, config.http.listen);
    expect(readFileSync(join(dir, 'jwt-authority-key.pem'), 'utf8')).toBe(key);
    expect(readFileSync(join(dir, 'bundle.spiffe.json'), 'utf8')).toBe(bundle);
  });
});
