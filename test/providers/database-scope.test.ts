// The database scope grammar `PRIV[,PRIV…]:schema.object`, its canonical form and the ceiling.
import { describe, expect, it } from 'vitest';
import { grantsFor, parseScopeEntry, resolveDatabaseScope, type DatabaseCeiling } from '../../src/providers/database/scope.js';
import { generatePassword, PASSWORD_CHARSETS, passwordBits } from '../../src/providers/database/password.js';
import { userNameFor, userNameFromHandle } from '../../src/providers/database/user-name.js';
import { warrantErrorOf } from './oauth-jwt-fixtures.js';

const ceiling: DatabaseCeiling = new Map([
  ['sales.orders', new Set(['SELECT', 'INSERT', 'UPDATE'])],
  ['sales.customers', new Set(['SELECT'])],
]);
const GRAMMAR = 'write PRIV[,PRIV…]:schema.object (e.g. SELECT:sales.orders)';
const resolve = (scope: string[], defaults: string[] = []) => resolveDatabaseScope(scope, ceiling, defaults, 'postgres', 'orders-db');

describe('resolveDatabaseScope', () => {
  it('splits into one privilege per entry, upper-cases privileges, keeps first occurrence order', () => {
    expect(resolve(['select,Insert:sales.orders', 'SELECT:sales.customers', 'INSERT:sales.orders'])).toEqual([
      'SELECT:sales.orders',
      'INSERT:sales.orders',
      'SELECT:sales.customers',
    ]);
    expect(resolve(['SELECT,SELECT:sales.orders'])).toEqual(['SELECT:sales.orders']);
  });

  it('gives the defaults for an empty request, and refuses one when there are none', async () => {
    expect(resolve([], ['SELECT:sales.orders'])).toEqual(['SELECT:sales.orders']);
    expect(await warrantErrorOf(() => resolve([]))).toEqual({
      code: 'ERR_SCOPE_INVALID',
      message: "provider 'orders-db' has no default scope: name the privileges you need as PRIV[,PRIV…]:schema.object (e.g. SELECT:sales.orders)",
    });
  });

  it.each([
    ['sales.orders', "it has no ':' between the privileges and the object"],
    [':sales.orders', 'it names no privilege'],
    ['SELECT:orders', '"orders" is not schema.object'],
    ['SELECT:sales.orders.id', '"sales.orders.id" is not schema.object'],
    ['SELECT:sales.', 'object name "": it is empty'],
    ['SELECT:"sales".orders', `schema name "\\"sales\\"": use letters, digits and '_', not starting with a digit`],
    ['SELECT:sales.orders;DROP', `object name "orders;DROP": use letters, digits and '_', not starting with a digit`],
    ['SELECT:sales.*', `object name "*": use letters, digits and '_', not starting with a digit`],
    ['SELECT:1sales.orders', `schema name "1sales": use letters, digits and '_', not starting with a digit`],
    [`SELECT:sales.${'o'.repeat(64)}`, `object name "${'o'.repeat(64)}": it is longer than 63 characters`],
    ['SELECT,:sales.orders', 'privilege "" is not a word of letters'],
    ['SELECT ,INSERT:sales.orders', 'privilege "SELECT " is not a word of letters'],
    ['ALL:sales.orders', '"ALL" is never granted (allowed: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES)'],
    ['SUPER:sales.orders', '"SUPER" is never granted (allowed: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES)'],
    ['GRANT:sales.orders', '"GRANT" is never granted (allowed: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES)'],
    ['EXECUTE:sales.orders', '"EXECUTE" is never granted (allowed: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES)'],
    ['TRIGGER:sales.orders', '"TRIGGER" is not a table privilege warrant grants (allowed: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES)'],
    ['SELECT:sаles.orders', `schema name "sаles": use letters, digits and '_', not starting with a digit`],
  ])('refuses %j naming it', async (entry, why) => {
    expect(await warrantErrorOf(() => resolve([entry]))).toEqual({
      code: 'ERR_SCOPE_INVALID',
      message: `scope ${JSON.stringify(entry).length > 66 ? `${JSON.stringify(entry.slice(0, 64))}…` : JSON.stringify(entry)} for provider 'orders-db' is invalid: ${why}; ${GRAMMAR}`,
    });
  });

  it('refuses what is outside the ceiling, naming the entry and the object', async () => {
    expect(await warrantErrorOf(() => resolve(['SELECT:sales.payroll']))).toEqual({
      code: 'ERR_SCOPE_INVALID',
      message: `scope "SELECT:sales.payroll": object "sales.payroll" is outside the ceiling of provider 'orders-db'`,
    });
    expect(await warrantErrorOf(() => resolve(['SELECT,DELETE:sales.orders']))).toEqual({
      code: 'ERR_SCOPE_INVALID',
      message: `scope "SELECT,DELETE:sales.orders": DELETE on sales.orders is outside the ceiling of provider 'orders-db' (allowed there: SELECT, INSERT, UPDATE)`,
    });
    // Identifiers are case-sensitive: the ceiling names them exactly.
    expect((await warrantErrorOf(() => resolve(['SELECT:Sales.Orders']))).message).toBe(
      `scope "SELECT:Sales.Orders": object "Sales.Orders" is outside the ceiling of provider 'orders-db'`,
    );
  });

  it('has a narrower allow-list for MySQL', async () => {
    const mysqlCeiling: DatabaseCeiling = new Map([['shop.orders', new Set(['SELECT'])]]);
    expect(await warrantErrorOf(() => resolveDatabaseScope(['TRUNCATE:shop.orders'], mysqlCeiling, [], 'mysql', 'shop'))).toEqual({
      code: 'ERR_SCOPE_INVALID',
      message: `scope "TRUNCATE:shop.orders" for provider 'shop' is invalid: "TRUNCATE" is not a table privilege warrant grants (allowed: SELECT, INSERT, UPDATE, DELETE); ${GRAMMAR}`,
    });
    // MySQL identifiers may have 64 characters, one more than PostgreSQL's.
    expect((await warrantErrorOf(() => resolveDatabaseScope([`SELECT:shop.${'o'.repeat(64)}`], mysqlCeiling, [], 'mysql', 'shop'))).message).toMatch(
      /is outside the ceiling of provider 'shop'$/,
    );
    expect((await warrantErrorOf(() => resolveDatabaseScope([`SELECT:shop.${'o'.repeat(65)}`], mysqlCeiling, [], 'mysql', 'shop'))).message).toMatch(
      /it is longer than 64 characters/,
    );
  });

  it('refuses a non-string entry from a caller outside TypeScript', async () => {
    expect((await warrantErrorOf(() => resolve([42 as unknown as string]))).message).toBe(
      `scope "42" for provider 'orders-db' is invalid: it is not a string; ${GRAMMAR}`,
    );
  });
});

describe('grantsFor (the check right before SQL is written)', () => {
  it('groups a resolved scope by object', () => {
    expect(grantsFor(['SELECT:sales.orders', 'SELECT:sales.customers', 'INSERT:sales.orders'], ceiling, 'postgres', 'orders-db')).toEqual([
      { schema: 'sales', object: 'orders', privileges: ['SELECT', 'INSERT'] },
      { schema: 'sales', object: 'customers', privileges: ['SELECT'] },
    ]);
  });

  it('refuses entries that are not in resolved form or not within the ceiling', async () => {
    for (const entry of ['SELECT,INSERT:sales.orders', 'select:sales.orders', 'DELETE:sales.orders', 'SELECT:sales.payroll']) {
      expect((await warrantErrorOf(() => grantsFor([entry], ceiling, 'postgres', 'orders-db'))).code).toBe('ERR_SCOPE_INVALID');
    }
  });

  it('parseScopeEntry keeps each privilege once', () => {
    expect(parseScopeEntry('select,SELECT,insert:a.b', 'mysql', 'p')).toEqual([
      { privilege: 'SELECT', schema: 'a', object: 'b' },
      { privilege: 'INSERT', schema: 'a', object: 'b' },
    ]);
  });
});

describe('generated passwords', () => {
  it('have the configured length and draw only from the charset', () => {
    for (const [name, charset] of Object.entries(PASSWORD_CHARSETS)) {
      const p = generatePassword(40, charset);
      expect(p, name).toHaveLength(40);
      for (const c of p) expect(charset).toContain(c);
    }
    expect(PASSWORD_CHARSETS['printable']).not.toMatch(/['"\\` ]/);
  });

  it('use every character of a small charset about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (const c of generatePassword(60_000, 'abc')) counts.set(c, (counts.get(c) ?? 0) + 1);
    for (const n of counts.values()) expect(Math.abs(n - 20_000)).toBeLessThan(1_000);
  });

  it('are different every time', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generatePassword(32, PASSWORD_CHARSETS['alphanumeric']!)));
    expect(seen.size).toBe(1000);
    expect(Math.floor(passwordBits(32, PASSWORD_CHARSETS['alphanumeric']!))).toBe(190);
  });
});

describe('user names', () => {
  it('derive from the lease id alone', () => {
    expect(userNameFor('w_', '01jh0000000000000000000000')).toBe('w_01jh0000000000000000000000');
  });

  it('accept a handle of the lease under any valid prefix, and nothing else', async () => {
    const id = '01jh0000000000000000000000';
    expect(userNameFromHandle(`w_${id}`, id, 'db')).toBe(`w_${id}`);
    expect(userNameFromHandle(`old_prefix_${id}`, id, 'db')).toBe(`old_prefix_${id}`);
    for (const handle of ['postgres', id, `W_${id}`, `w_01jh0000000000000000000001`, `"; DROP ROLE x; --${id}`, `_${id}`]) {
      expect(await warrantErrorOf(() => userNameFromHandle(handle, id, 'db'))).toEqual({
        code: 'ERR_PROVIDER_FAILED',
        message: `lease ${id}: handle ${JSON.stringify(handle)} is not a login provider 'db' mints`,
      });
    }
  });
});
