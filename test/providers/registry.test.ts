import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock, PROVIDER_KINDS } from '../../src/core/index.js';
import {
  OAuthJwtProvider,
  availableProviderKinds,
  buildProvider,
  validateProviderConfig,
} from '../../src/providers/index.js';
import { START, baseRaw, warrantErrorOf, withTempDir } from './oauth-jwt-fixtures.js';

const deps = { clock: new ManualClock(START) };
const NAME_RULE = `use 1-63 lower-case letters, digits and '-', starting with a letter`;

describe('buildProvider', () => {
  it('builds an oauth-jwt provider from its config', async () => {
    const provider = await buildProvider('orders-api', { ...baseRaw }, deps);
    expect(provider).toBeInstanceOf(OAuthJwtProvider);
    expect(provider.name).toBe('orders-api');
    expect(provider.kind).toBe('oauth-jwt');
    expect(provider.resolveScope([])).toStrictEqual(['orders:read']);
  });

  it('lists oauth-jwt among the kinds this build has', () => {
    expect(availableProviderKinds()).toContain('oauth-jwt');
  });

  it('names the key of a config error inside the provider', async () => {
    expect(await warrantErrorOf(() => buildProvider('orders-api', { ...baseRaw, defaultTtl: 'soon' }, deps))).toStrictEqual({
      code: 'ERR_CONFIG',
      message: 'providers.orders-api.defaultTtl: "soon" is not a duration (use e.g. "90s", "5m", "1h30m")',
    });
  });

  it('rejects an unknown kind and lists the supported ones', async () => {
    const supported = availableProviderKinds().join(', ');
    expect(await warrantErrorOf(() => buildProvider('orders-api', { ...baseRaw, kind: 'ldap' }, deps))).toStrictEqual({
      code: 'ERR_CONFIG',
      message: `providers.orders-api.kind: unknown provider kind "ldap" (supported kinds: ${supported})`,
    });
    expect(await warrantErrorOf(() => buildProvider('orders-api', { ...baseRaw, kind: undefined }, deps))).toStrictEqual({
      code: 'ERR_CONFIG',
      message: `providers.orders-api.kind: is required (supported kinds: ${supported})`,
    });
    expect(await warrantErrorOf(() => buildProvider('orders-api', { ...baseRaw, kind: ['oauth-jwt'] }, deps))).toStrictEqual({
      code: 'ERR_CONFIG',
      message: `providers.orders-api.kind: must be a string (supported kinds: ${supported})`,
    });
  });

  it('says so when a declared kind is not in this build', async () => {
    const missing = PROVIDER_KINDS.filter((kind) => !availableProviderKinds().includes(kind));
    for (const kind of missing) {
      expect(await warrantErrorOf(() => buildProvider('orders-db', { kind }, deps))).toStrictEqual({
        code: 'ERR_CONFIG',
        message: `providers.orders-db.kind: provider kind '${kind}' is not available in this build`,
      });
    }
  });

  it('rejects a config that is not a mapping', async () => {
    expect(await warrantErrorOf(() => buildProvider('orders-api', ['oauth-jwt'], deps))).toStrictEqual({
      code: 'ERR_CONFIG',
      message: 'providers.orders-api: must be a mapping',
    });
  });

  it.each([['Orders'], ['1orders'], ['orders_api'], ['orders.api'], [''], ['-orders'], ['a'.repeat(64)]])(
    'rejects the provider name %j',
    async (name) => {
      expect(await warrantErrorOf(() => buildProvider(name, { ...baseRaw }, deps))).toStrictEqual({
        code: 'ERR_CONFIG',
        message: `providers: invalid provider name ${JSON.stringify(name.length > 64 ? name.slice(0, 64) : name)}${name.length > 64 ? '…' : ''}: ${NAME_RULE}`,
      });
    },
  );

  it.each([['a'], ['orders-db'], ['a'.repeat(63)], ['x9-']])('accepts the provider name %j', async (name) => {
    await expect(buildProvider(name, { ...baseRaw }, deps)).resolves.toBeInstanceOf(OAuthJwtProvider);
  });
});

describe('validateProviderConfig', () => {
  it('checks a config without creating its key file', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'key.pem');
      expect(() => validateProviderConfig('orders-api', { ...baseRaw, signingKeyFile: file })).not.toThrow();
      expect(await readdir(dir)).toStrictEqual([]);
    });
  });

  it('reports the same errors as buildProvider', async () => {
    expect(await warrantErrorOf(() => validateProviderConfig('orders-api', { ...baseRaw, audiences: 'x' }))).toStrictEqual({
      code: 'ERR_CONFIG',
      message:
        'providers.orders-api.audiences: unknown key (allowed: kind, issuer, audience, scopes, defaultScopes, defaultTtl, maxTtl, renewable, signingKeyFile)',
    });
  });
});
