// The config keys of the Redis store (one server, Sentinel or Cluster; shards) and of revocation.
import { describe, expect, it } from 'vitest';
import { parseServerConfig } from '../../src/config/index.js';

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

describe('store and revocation config', () => {
  it('defaults the revocation engine and the reaper', () => {
    const cfg = parseServerConfig(minimal, '/etc/warrant');
    expect(cfg.revocation).toEqual({
      visibilityTimeout: 30_000,
      attemptTimeout: 10_000,
      retryBase: 1000,
      retryMax: 300_000,
      giveUpAfter: 86_400_000,
      concurrency: 32,
      providerConcurrency: {},
      breakerThreshold: 5,
      breakerCooldown: 5000,
    });
    expect(cfg.leases.reaperInterval).toBe(250);
  });

  it('takes a Redis Cluster or Sentinel, resolving the Sentinel password file against the config folder', () => {
    const cluster = parseServerConfig({ ...minimal, store: { kind: 'redis', cluster: ['redis-0:6379', '[::1]:6380'], shards: 32 } }, '/etc/warrant');
    expect(cluster.store).toEqual({ kind: 'redis', cluster: ['redis-0:6379', '[::1]:6380'], tls: false, keyPrefix: 'warrant:{w}:', shards: 32 });
    const sentinel = parseServerConfig(
      { ...minimal, store: { kind: 'redis', sentinel: { masterName: 'warrant', nodes: ['s-0:26379'], passwordFile: 'sentinel.pw' }, tls: true } },
      '/etc/warrant',
    );
    expect(sentinel.store).toMatchObject({ sentinel: { masterName: 'warrant', nodes: ['s-0:26379'], passwordFile: '/etc/warrant/sentinel.pw' }, tls: true, shards: 16 });
  });

  it('names the bad key', () => {
    expect(problems({ ...minimal, store: { kind: 'redis' } })).toContain('store: set exactly one of url, cluster or sentinel');
    expect(problems({ ...minimal, store: { kind: 'redis', url: 'redis://r:6379', cluster: ['r:6379'] } })).toContain('store: set exactly one of url, cluster or sentinel');
    expect(problems({ ...minimal, store: { kind: 'redis', cluster: ['redis-0'] } })).toContain('store.cluster.0: must be host:port');
    expect(problems({ ...minimal, store: { kind: 'redis', url: 'redis://r:6379', shards: 0 } })).toContain('store.shards: ');
    expect(problems({ ...minimal, revocation: { attemptTimeout: '20s' } })).toContain('revocation.attemptTimeout: must be at most half of visibilityTimeout');
    expect(problems({ ...minimal, revocation: { giveUpAfter: 'soon' } })).toContain('revocation.giveUpAfter: "soon" is not a duration');
    expect(problems({ ...minimal, revocation: { concurrency: 0 } })).toContain('revocation.concurrency: ');
  });
});
