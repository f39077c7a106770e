import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WarrantError } from '../../src/core/index.js';
import { makeProvider, warrantErrorOf } from './oauth-jwt-fixtures.js';

const { provider } = await makeProvider();
const TOKEN_PROBLEM = `only printable ASCII other than space, '"' and '\\' is allowed`;

function scopeError(message: string): { code: string; message: string } {
  return { code: 'ERR_SCOPE_INVALID', message };
}

describe('oauth-jwt resolveScope', () => {
  it('gives the default scopes for an empty request', () => {
    expect(provider.resolveScope([])).toStrictEqual(['orders:read']);
  });

  it('gives no scope for an empty request when there are no defaults', async () => {
    const { provider: bare } = await makeProvider({ defaultScopes: [] });
    expect(bare.resolveScope([])).toStrictEqual([]);
  });

  it('drops duplicates and keeps the order of first appearance', () => {
    expect(provider.resolveScope(['orders:write', 'orders:read', 'orders:write', 'invoices:read', 'orders:read'])).toStrictEqual([
      'orders:write',
      'orders:read',
      'invoices:read',
    ]);
  });

  it('rejects a scope outside the ceiling', async () => {
    expect(await warrantErrorOf(() => provider.resolveScope(['orders:read', 'orders:delete']))).toStrictEqual(
      scopeError(`scope "orders:delete" is outside the ceiling of provider 'orders-api'`),
    );
  });

  it.each([
    ['a space', 'orders:read orders:write', `scope "orders:read orders:write" is not a valid OAuth scope token for provider 'orders-api': ${TOKEN_PROBLEM}`],
    ['a double quote', 'orders"read', `scope "orders\\"read" is not a valid OAuth scope token for provider 'orders-api': ${TOKEN_PROBLEM}`],
    ['a backslash', 'orders\\read', `scope "orders\\\\read" is not a valid OAuth scope token for provider 'orders-api': ${TOKEN_PROBLEM}`],
    ['a newline', 'orders\nread', `scope "orders\\nread" is not a valid OAuth scope token for provider 'orders-api': ${TOKEN_PROBLEM}`],
    ['a non-ASCII letter', 'ordérs', `scope "ordérs" is not a valid OAuth scope token for provider 'orders-api': ${TOKEN_PROBLEM}`],
    ['nothing', '', `scope "" is not a valid OAuth scope token for provider 'orders-api': it is empty`],
    [
      '129 characters',
      'x'.repeat(129),
      `scope "${'x'.repeat(64)}"… is not a valid OAuth scope token for provider 'orders-api': it is longer than 128 characters`,
    ],
  ])('rejects a scope with %s, quoting it safely', async (_what, scope, message) => {
    expect(await warrantErrorOf(() => provider.resolveScope(['orders:read', scope]))).toStrictEqual(scopeError(message));
  });

  it('accepts a 128-character scope token as a token (then checks the ceiling)', async () => {
    const long = '~'.repeat(128);
    expect(await warrantErrorOf(() => provider.resolveScope([long]))).toStrictEqual(
      scopeError(`scope "${'~'.repeat(64)}"… is outside the ceiling of provider 'orders-api'`),
    );
  });

  it('never splits a surrogate pair when cutting a quoted scope', async () => {
    const emoji = '🔑'.repeat(70);
    const { message } = await warrantErrorOf(() => provider.resolveScope([emoji]));
    expect(message).toBe(
      `scope "${'🔑'.repeat(64)}"… is not a valid OAuth scope token for provider 'orders-api': it is longer than 128 characters`,
    );
  });

  it('either resolves to ceiling scopes or throws ERR_SCOPE_INVALID with a bounded message', () => {
    const ceiling = new Set(['orders:read', 'orders:write', 'invoices:read']);
    // Plain checks inside the property: expect() per run would dominate the test's time.
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 150 }), fc.constantFrom(...ceiling)), { maxLength: 6 }), (requested) => {
        try {
          const scope = provider.resolveScope(requested);
          return new Set(scope).size === scope.length && scope.every((s) => ceiling.has(s));
        } catch (err) {
          return err instanceof WarrantError && err.code === 'ERR_SCOPE_INVALID' && err.message.length < 1000;
        }
      }),
    );
  });
});
