import { describe, expect, it } from 'vitest';
import { parseServerConfig } from '../../src/config/index.js';
import { parseOAuthClientConfig } from '../../src/providers/index.js';
import { metadataUrls } from '../../src/providers/oauth-client/server-metadata.js';
import { warrantErrorOf } from './oauth-jwt-fixtures.js';

const base = {
  kind: 'oauth-client',
  issuer: 'https://auth.example.com',
  clientId: 'warrant',
  clientAuth: 'client_secret_basic',
  clientSecretFile: '/run/secrets/partner',
  scopes: ['orders:read', 'orders:write'],
};
const parse = (overrides: Record<string, unknown>) => parseOAuthClientConfig({ ...base, ...overrides }, 'providers.partner');

describe('oauth-client config', () => {
  it('fills defaults', () => {
    expect(parse({})).toStrictEqual({
      kind: 'oauth-client',
      issuer: 'https://auth.example.com',
      clientId: 'warrant',
      clientAuth: 'client_secret_basic',
      clientSecretFile: '/run/secrets/partner',
      grant: 'client_credentials',
      scopes: ['orders:read', 'orders:write'],
      defaultScopes: [],
      resource: [],
      defaultTtlMs: 300_000,
      maxTtlMs: 900_000,
      expiryOnlyMaxTtlMs: 300_000,
      timeoutMs: 5_000,
    });
  });

  it('takes private_key_jwt and token exchange with their keys', () => {
    const config = parse({
      clientAuth: 'private_key_jwt',
      clientSecretFile: undefined,
      clientKeyFile: '/var/lib/warrant/client.pem',
      grant: 'token_exchange',
      assertionKeyFile: '/var/lib/warrant/assertion.pem',
      assertionIssuer: 'https://warrant.example.com',
      resource: ['https://orders.example.com', 'urn:example:invoices'],
    });
    expect(config).toMatchObject({
      clientAuth: 'private_key_jwt',
      clientKeyFile: '/var/lib/warrant/client.pem',
      grant: 'token_exchange',
      assertionKeyFile: '/var/lib/warrant/assertion.pem',
      assertionIssuer: 'https://warrant.example.com',
      resource: ['https://orders.example.com', 'urn:example:invoices'],
    });
  });

  it.each([
    [{ issuer: 'https://auth.example.com/?tenant=1' }, 'providers.partner.issuer: must not have a query or fragment'],
    [{ issuer: 'https://user:pw@auth.example.com' }, 'providers.partner.issuer: must not carry a user name or password'],
    [{ clientAuth: 'client_secret_post' }, 'providers.partner.clientAuth: must be client_secret_basic or private_key_jwt'],
    [{ clientSecretFile: undefined }, 'providers.partner.clientSecretFile: client_secret_basic needs clientSecretFile or clientSecretEnv'],
    [{ clientSecretEnv: 'PARTNER_SECRET' }, 'providers.partner.clientSecretEnv: set clientSecretFile or clientSecretEnv, not both'],
    [{ clientKeyFile: '/k.pem' }, 'providers.partner.clientKeyFile: is for private_key_jwt only'],
    [{ clientAuth: 'private_key_jwt' }, 'providers.partner.clientKeyFile: private_key_jwt needs clientKeyFile'],
    [{ clientAuth: 'private_key_jwt', clientKeyFile: '/k.pem' }, 'providers.partner.clientSecretFile: is for client_secret_basic only'],
    [{ grant: 'token_exchange' }, 'providers.partner.assertionIssuer: token_exchange needs the issuer of the subject tokens warrant signs'],
    [{ assertionIssuer: 'https://warrant.example.com' }, 'providers.partner.assertionIssuer: is for grant token_exchange only'],
    [{ grant: 'password' }, 'providers.partner.grant: must be client_credentials or token_exchange'],
    [{ scopes: ['orders read'] }, `providers.partner.scopes[0]: "orders read" is not a valid OAuth scope token: only printable ASCII other than space, '"' and '\\' is allowed`],
    [{ scopes: ['a', 'a'] }, 'providers.partner.scopes[1]: duplicate scope "a"'],
    [{ defaultScopes: ['orders:delete'] }, 'providers.partner.defaultScopes[0]: scope "orders:delete" is not in scopes'],
    [{ resource: 'orders' }, 'providers.partner.resource: "orders" must be an absolute URI without a fragment (RFC 8707)'],
    [{ resource: ['https://a.example/#x'] }, 'providers.partner.resource[0]: "https://a.example/#x" must be an absolute URI without a fragment (RFC 8707)'],
    [{ resource: 7 }, 'providers.partner.resource: must be a URI or a list of URIs'],
    [{ resource: ['https://a.example', 'https://a.example'] }, 'providers.partner.resource[1]: duplicate resource "https://a.example"'],
    [{ defaultTtl: '20m' }, 'providers.partner.defaultTtl: 20m is longer than maxTtl (15m)'],
    [{ expiryOnlyMaxTtl: '1h' }, 'providers.partner.expiryOnlyMaxTtl: 1h is longer than maxTtl (15m)'],
    [{ clientSecret: 'inline' }, 'providers.partner.clientSecret: unknown key (allowed: kind, issuer, clientId, clientAuth, clientSecretFile, clientSecretEnv, clientKeyFile, grant, assertionKeyFile, assertionIssuer, scopes, defaultScopes, resource, defaultTtl, maxTtl, expiryOnlyMaxTtl, timeout)'],
  ])('refuses %j', async (overrides, message) => {
    expect(await warrantErrorOf(() => parse(overrides))).toStrictEqual({ code: 'ERR_CONFIG', message });
  });

  it('looks for RFC 8414 metadata first, then OpenID Connect discovery', () => {
    expect(metadataUrls('https://auth.example.com')).toStrictEqual([
      'https://auth.example.com/.well-known/oauth-authorization-server',
      'https://auth.example.com/.well-known/openid-configuration',
    ]);
    expect(metadataUrls('https://auth.example.com/tenants/a')).toStrictEqual([
      'https://auth.example.com/.well-known/oauth-authorization-server/tenants/a',
      'https://auth.example.com/tenants/a/.well-known/openid-configuration',
    ]);
  });

  it('resolves its *File keys against the config file’s folder, like every provider key named so', () => {
    const cfg = parseServerConfig(
      {
        grpc: { certFile: 'svid.pem', keyFile: 'svid-key.pem' },
        identity: { trustBundles: [{ trustDomain: 'prod.example', bundleFile: 'bundle.pem' }] },
        policy: { dir: 'policies' },
        audit: { file: 'audit.log', hmacKeyFile: 'hmac.key' },
        providers: { partner: { ...base, clientSecretFile: 'secrets/partner', assertionKeyFile: '/abs/assertion.pem', clientId: 'warrant' } },
      },
      '/etc/warrant',
    );
    expect(cfg.providers['partner']).toMatchObject({ clientSecretFile: '/etc/warrant/secrets/partner', assertionKeyFile: '/abs/assertion.pem', clientId: 'warrant' });
  });
});
