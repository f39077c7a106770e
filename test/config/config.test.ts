import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServerConfig, parseServerConfig } from '../../src/config/index.js';

const minimal = {
  grpc: { certFile: 'svid.pem', keyFile: 'svid-key.pem' },
  identity: { trustBundles: [{ trustDomain: 'prod.example', bundleFile: 'bundle.pem' }] },
  policy: { dir: 'policies' },
  audit: { file: 'audit.log', hmacKeyFile: 'hmac.key' },
  providers: { 'orders-api': { kind: 'oauth-jwt' } },
};

function problems(raw: unknown): string {
  try {
    parseServerConfig(raw, '/etc/warrant');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('server config', () => {
  it('fills defaults, resolves paths against the config folder, and freezes the result', () => {
    const cfg = parseServerConfig(minimal, '/etc/warrant');
    expect(cfg.grpc).toEqual({ listen: '127.0.0.1:8443', certFile: '/etc/warrant/svid.pem', keyFile: '/etc/warrant/svid-key.pem' });
    expect(cfg.store).toEqual({ kind: 'memory' });
    expect(cfg.leases).toEqual({ reaperInterval: 250, pendingTimeout: 120_000, idempotencyWindow: 86_400_000, capToSvidExpiry: true, terminalRetention: 86_400_000 });
    expect(Object.isFrozen(cfg.identity.trustBundles[0])).toBe(true);
  });

  it('names every bad key', () => {
    const msg = problems({
      ...minimal,
      grpc: { ...minimal.grpc, listen: 'nowhere', tls: true },
      leases: { reaperInterval: 'soon' },
      store: { kind: 'redis', url: 'redis://:hunter2@redis:6379' },
      identity: { trustBundles: [], admins: ['not-an-id'] },
    });
    expect(msg.split('\n').slice(1).map((l) => l.trim())).toEqual([
      'grpc.listen: must be host:port, e.g. 127.0.0.1:8443',
      'grpc: unknown key(s) "tls"',
      'identity.trustBundles: at least one trust bundle is required',
      'identity.admins.0: must be a SPIFFE ID',
      'store.url: must not hold a password; use passwordFile',
      'leases.reaperInterval: "soon" is not a duration (use e.g. 500ms, 30s, 15m, 1h)',
    ]);
    expect(msg).not.toContain('hunter2');
  });

  it('requires a hash tag in the Redis key prefix', () => {
    expect(problems({ ...minimal, store: { kind: 'redis', url: 'redis://r:6379', keyPrefix: 'warrant:' } })).toContain(
      'store.keyPrefix: must hold a {hash tag}, e.g. "warrant:{w}:"',
    );
  });

  it('reads YAML and says which file is broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warrant-cfg-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'grpc: [unclosed\n');
    expect(() => loadServerConfig(file)).toThrow(`config file ${file} is not valid YAML/JSON`);
    writeFileSync(file, 'grpc: {}\n');
    expect(() => loadServerConfig(file)).toThrow(`${file} is invalid:`);
  });
});
