import { describe, expect, it } from 'vitest';
import { parseOAuthJwtConfig } from '../../src/providers/index.js';
import { baseRaw, warrantErrorOf } from './oauth-jwt-fixtures.js';

const PATH = 'providers.orders-api';
const ALLOWED = 'kind, issuer, audience, scopes, defaultScopes, defaultTtl, maxTtl, renewable, signingKeyFile';

function configError(message: string): { code: string; message: string } {
  return { code: 'ERR_CONFIG', message };
}

describe('parseOAuthJwtConfig', () => {
  it('fills the defaults and freezes the result', () => {
    const config = parseOAuthJwtConfig({ ...baseRaw, defaultScopes: undefined }, PATH);
    expect(config).toStrictEqual({
      kind: 'oauth-jwt',
      issuer: 'https://warrant.example.test',
      audience: ['https://orders.example.test'],
      scopes: ['orders:read', 'orders:write', 'invoices:read'],
      defaultScopes: [],
      defaultTtlMs: 300_000,
      maxTtlMs: 3_600_000,
      renewable: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.scopes)).toBe(true);
  });

  it('reads every optional field', () => {
    const config = parseOAuthJwtConfig(
      { ...baseRaw, audience: ['a', 'b'], defaultTtl: '90s', maxTtl: 1800, renewable: false, signingKeyFile: 'keys/orders.pem' },
      PATH,
    );
    expect(config).toMatchObject({
      audience: ['a', 'b'],
      defaultScopes: ['orders:read'],
      defaultTtlMs: 90_000,
      maxTtlMs: 1_800_000,
      renewable: false,
      signingKeyFile: 'keys/orders.pem',
    });
  });

  it.each<[string, unknown, string]>([
    ['not a mapping', 'oauth-jwt', `${PATH}: must be a mapping`],
    ['an unknown key', { ...baseRaw, defaultTTL: '5m' }, `${PATH}.defaultTTL: unknown key (allowed: ${ALLOWED})`],
    ['an unknown key that needs quoting', { ...baseRaw, 'scope s': [] }, `${PATH}["scope s"]: unknown key (allowed: ${ALLOWED})`],
    ['a missing kind', { ...baseRaw, kind: undefined }, `${PATH}.kind: is required`],
    ['another kind', { ...baseRaw, kind: 'oauth-client' }, `${PATH}.kind: must be 'oauth-jwt'`],
    ['a missing issuer', { ...baseRaw, issuer: undefined }, `${PATH}.issuer: is required`],
    ['an issuer that is no URL', { ...baseRaw, issuer: 'warrant' }, `${PATH}.issuer: "warrant" is not a URL`],
    ['an issuer of another scheme', { ...baseRaw, issuer: 'ftp://warrant.example.test' }, `${PATH}.issuer: must be an http(s) URL`],
    ['an issuer with a query', { ...baseRaw, issuer: 'https://warrant.example.test/?a=1' }, `${PATH}.issuer: must not have a query or fragment`],
    ['an issuer with user info', { ...baseRaw, issuer: 'https://u:p@warrant.example.test' }, `${PATH}.issuer: must not carry a user name or password`],
    ['a missing audience', { ...baseRaw, audience: undefined }, `${PATH}.audience: is required`],
    ['an empty audience list', { ...baseRaw, audience: [] }, `${PATH}.audience: must not be empty`],
    ['an empty audience', { ...baseRaw, audience: '' }, `${PATH}.audience: must not be empty`],
    ['an audience of the wrong type', { ...baseRaw, audience: 7 }, `${PATH}.audience: must be a string or a non-empty list of strings`],
    ['a duplicate audience', { ...baseRaw, audience: ['a', 'b', 'a'] }, `${PATH}.audience[2]: duplicate audience "a"`],
    ['missing scopes', { ...baseRaw, scopes: undefined }, `${PATH}.scopes: is required`],
    ['scopes that are no list', { ...baseRaw, scopes: 'orders:read' }, `${PATH}.scopes: must be a list of scopes`],
    ['a scope that is no string', { ...baseRaw, scopes: ['orders:read', 3] }, `${PATH}.scopes[1]: must be a string`],
    [
      'a scope that is no scope token',
      { ...baseRaw, scopes: ['orders:read', 'orders write'] },
      `${PATH}.scopes[1]: "orders write" is not a valid OAuth scope token: only printable ASCII other than space, '"' and '\\' is allowed`,
    ],
    ['a duplicate scope', { ...baseRaw, scopes: ['orders:read', 'orders:read'], defaultScopes: [] }, `${PATH}.scopes[1]: duplicate scope "orders:read"`],
    ['defaultScopes not in scopes', { ...baseRaw, defaultScopes: ['orders:read', 'admin'] }, `${PATH}.defaultScopes[1]: scope "admin" is not in scopes`],
    ['a bad duration', { ...baseRaw, defaultTtl: '5 minutes' }, `${PATH}.defaultTtl: "5 minutes" is not a duration (use e.g. "90s", "5m", "1h30m")`],
    ['a duration of the wrong type', { ...baseRaw, maxTtl: true }, `${PATH}.maxTtl: must be a duration such as "90s", "5m" or "1h"`],
    ['a duration under a second', { ...baseRaw, maxTtl: '500ms' }, `${PATH}.maxTtl: must be at least 1s`],
    ['defaultTtl over maxTtl', { ...baseRaw, defaultTtl: '2h' }, `${PATH}.defaultTtl: 2h is longer than maxTtl (1h)`],
    ['renewable that is no boolean', { ...baseRaw, renewable: 'yes' }, `${PATH}.renewable: must be true or false`],
    ['an empty signingKeyFile', { ...baseRaw, signingKeyFile: '' }, `${PATH}.signingKeyFile: must not be empty`],
  ])('names the key for %s', async (_what, raw, message) => {
    expect(await warrantErrorOf(() => parseOAuthJwtConfig(raw, PATH))).toStrictEqual(configError(message));
  });

  it('reports an unknown key before the errors it probably explains', async () => {
    const { issuer: _dropped, ...withoutIssuer } = baseRaw;
    expect(await warrantErrorOf(() => parseOAuthJwtConfig({ ...withoutIssuer, issuers: 'https://x.test' }, PATH))).toStrictEqual(
      configError(`${PATH}.issuers: unknown key (allowed: ${ALLOWED})`),
    );
  });
});
