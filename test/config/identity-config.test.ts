// The identity keys of the server config: bundle formats, JWT-SVID acceptance, reload timing,
// warrant's own SVID source, and the per-provider capToSvidExpiry override.
import { describe, expect, it } from 'vitest';
import { parseServerConfig } from '../../src/config/index.js';
import { commonProviderOptions } from '../../src/providers/index.js';

const minimal = {
  grpc: { certFile: 'svid.pem', keyFile: 'svid-key.pem' },
  identity: { trustBundles: [{ trustDomain: 'prod.example', bundleFile: 'bundle.pem' }] },
  policy: { dir: 'policies' },
  audit: { file: 'audit.log', hmacKeyFile: 'hmac.key' },
  providers: { 'orders-api': { kind: 'oauth-jwt' } },
};

function problems(raw: unknown): string[] {
  try {
    parseServerConfig(raw, '/etc/warrant');
  } catch (err) {
    return (err as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
  throw new Error('expected the config to be rejected');
}

describe('identity config', () => {
  it('defaults: PEM bundles, no JWT-SVIDs, reload every 10s with a 250ms debounce', () => {
    const cfg = parseServerConfig(minimal, '/etc/warrant');
    expect(cfg.identity.trustBundles).toEqual([{ trustDomain: 'prod.example', bundleFile: '/etc/warrant/bundle.pem', format: 'pem' }]);
    expect(cfg.identity.jwt).toBeUndefined();
    expect(cfg.identity.reload).toEqual({ debounce: 250, pollInterval: 10_000 });
  });

  it('SPIFFE bundles, JWT-SVID audiences and clock skew', () => {
    const cfg = parseServerConfig(
      {
        ...minimal,
        identity: {
          trustBundles: [{ trustDomain: 'prod.example', bundleFile: 'bundle.json', format: 'spiffe' }],
          jwt: { audience: ['spiffe://prod.example/warrant'], maxClockSkew: '1m' },
        },
      },
      '/etc/warrant',
    );
    expect(cfg.identity.trustBundles[0]!.format).toBe('spiffe');
    expect(cfg.identity.jwt).toEqual({ audience: ['spiffe://prod.example/warrant'], maxClockSkew: 60_000 });
    expect(parseServerConfig({ ...minimal, identity: { ...minimal.identity, jwt: { audience: ['a'] } } }, '/').identity.jwt!.maxClockSkew).toBe(30_000);
  });

  it('names bad identity keys', () => {
    expect(
      problems({
        ...minimal,
        identity: {
          trustBundles: [{ trustDomain: 'prod.example', bundleFile: 'b', format: 'jwks' }],
          jwt: { audience: [], maxClockSkew: '10m' },
          reload: { pollInterval: 'often' },
        },
      }),
    ).toEqual([
      'identity.trustBundles.0.format: Invalid option: expected one of "pem"|"spiffe"',
      'identity.jwt.audience: name at least one audience',
      'identity.jwt.maxClockSkew: must be at most 5m',
      'identity.reload.pollInterval: "often" is not a duration (use e.g. 500ms, 30s, 15m, 1h)',
    ]);
  });

  it('warrant\'s own SVID: files, or the Workload API, not both, and never half a pair', () => {
    const wl = parseServerConfig({ ...minimal, grpc: { workloadApi: { socket: 'unix:///run/spire/agent.sock' } } }, '/etc/warrant');
    expect(wl.grpc.workloadApi).toEqual({ socket: 'unix:///run/spire/agent.sock', timeout: 30_000 });
    expect(wl.grpc.certFile).toBeUndefined();
    // Neither: SPIFFE_ENDPOINT_SOCKET decides at start-up.
    expect(parseServerConfig({ ...minimal, grpc: {} }, '/').grpc).toEqual({ listen: '127.0.0.1:8443' });
    expect(problems({ ...minimal, grpc: { certFile: 'svid.pem' } })).toEqual(['grpc.keyFile: certFile and keyFile go together']);
    expect(problems({ ...minimal, grpc: { ...minimal.grpc, workloadApi: {} } })).toEqual(['grpc.workloadApi: set either certFile/keyFile or workloadApi, not both']);
    expect(problems({ ...minimal, grpc: { workloadApi: { socket: '/run/spire/agent.sock' } } })).toEqual(['grpc.workloadApi.socket: must be unix:///path or tcp://IP:port']);
  });

  it('capToSvidExpiry is a key every provider kind takes, checked before the kind\'s own schema', () => {
    expect(commonProviderOptions('orders-api', { kind: 'oauth-jwt', capToSvidExpiry: false })).toEqual({ capToSvidExpiry: false });
    expect(commonProviderOptions('orders-api', { kind: 'oauth-jwt' })).toEqual({});
    expect(() => commonProviderOptions('orders-api', { kind: 'oauth-jwt', capToSvidExpiry: 'no' })).toThrow('providers.orders-api.capToSvidExpiry: must be true or false');
  });
});
