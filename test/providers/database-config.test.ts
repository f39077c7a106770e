// Config of the postgres and mysql providers: defaults, and errors that name the bad key.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { buildProvider, parseDatabaseConfig, validateProviderConfig } from '../../src/providers/index.js';
import { warrantErrorOf, withTempDir } from './oauth-jwt-fixtures.js';

const pg = {
  kind: 'postgres',
  adminUrl: 'postgres://warrant_admin@db.example:5432/sales',
  grants: { 'sales.orders': ['SELECT', 'insert'], 'sales.customers': ['SELECT'] },
};
const my = { kind: 'mysql', adminUrl: 'mysql://warrant_admin@db.example', grants: { 'shop.orders': ['SELECT'] } };
const P = 'providers.orders-db';
const configErr = (raw: unknown) => warrantErrorOf(() => validateProviderConfig('orders-db', raw));

describe('database provider config', () => {
  it('fills in defaults', () => {
    const c = parseDatabaseConfig(pg, P, 'postgres');
    expect(c).toMatchObject({
      kind: 'postgres',
      admin: { host: 'db.example', port: 5432, user: 'warrant_admin', database: 'sales', tlsParams: {} },
      defaultScope: [],
      userPrefix: 'w_',
      passwordLength: 32,
      poolMax: 4,
      poolIdleTimeoutMs: 30_000,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 10_000,
      userConnectionLimit: 10,
      credentialHost: 'db.example',
      credentialPort: 5432,
      defaultTtlMs: 900_000,
      maxTtlMs: 3_600_000,
      renewable: true,
      verifyConnection: true,
    });
    expect([...c.ceiling.entries()].map(([k, v]) => [k, [...v]])).toEqual([
      ['sales.orders', ['SELECT', 'INSERT']],
      ['sales.customers', ['SELECT']],
    ]);
    expect(Object.isFrozen(c)).toBe(true);
    expect(parseDatabaseConfig(my, P, 'mysql')).toMatchObject({ admin: { port: 3306, database: '' }, userHost: '%' });
  });

  it('takes every optional key', () => {
    const c = parseDatabaseConfig(
      {
        ...pg,
        adminUrl: 'postgresql://admin@10.0.0.5:6543/sales?sslmode=verify-full&sslrootcert=/etc/ca.pem',
        adminPasswordEnv: 'ORDERS_DB_PASSWORD',
        defaultScope: ['select,INSERT:sales.orders'],
        userPrefix: 'agent_',
        password: { length: 40, charset: 'printable' },
        pool: { max: 8, idleTimeout: '1m', connectTimeout: '2s' },
        statementTimeout: '3s',
        userConnectionLimit: 2,
        credentialHost: 'orders-db.internal',
        credentialPort: 5433,
        defaultTtl: '10m',
        maxTtl: '2h',
        renewable: false,
        verifyConnection: false,
      },
      P,
      'postgres',
    );
    expect(c).toMatchObject({
      admin: { host: '10.0.0.5', port: 6543, user: 'admin', tlsParams: { sslmode: 'verify-full', sslrootcert: '/etc/ca.pem' } },
      adminPasswordEnv: 'ORDERS_DB_PASSWORD',
      defaultScope: ['SELECT:sales.orders', 'INSERT:sales.orders'],
      userPrefix: 'agent_',
      passwordLength: 40,
      poolMax: 8,
      credentialHost: 'orders-db.internal',
      credentialPort: 5433,
      renewable: false,
      verifyConnection: false,
    });
  });

  it.each([
    [{ ...pg, adminUrl: 'postgres://warrant_admin:s3cret@db.example/sales' }, `${P}.adminUrl: must not hold a password; use adminPasswordFile or adminPasswordEnv`],
    [{ ...pg, adminUrl: 'db.example/sales' }, `${P}.adminUrl: is not a URL (e.g. postgres://warrant_admin@db.example:5432/sales)`],
    [{ ...pg, adminUrl: 'mysql://a@db.example/sales' }, `${P}.adminUrl: must start with postgres:// or postgresql://`],
    [{ ...pg, adminUrl: 'postgres://db.example/sales' }, `${P}.adminUrl: must name the admin user (e.g. postgres://warrant_admin@host/db)`],
    [{ ...pg, adminUrl: 'postgres://a@db.example' }, `${P}.adminUrl: must name the database whose objects are granted (…/dbname)`],
    [{ ...pg, adminUrl: 'postgres://a@db.example/sales?options=-c%20x' }, `${P}.adminUrl: unknown parameter "options" (allowed: sslmode, sslrootcert)`],
    [{ ...pg, adminUrl: 'postgres://a@db.example/sales?sslmode=maybe' }, `${P}.adminUrl: sslmode "maybe" must be one of disable, prefer, require, verify-ca, verify-full`],
    [{ ...my, adminUrl: 'mysql://a@db.example/shop?ssl=1' }, `${P}.adminUrl: unknown parameter "ssl" (none are allowed)`],
    [{ ...pg, adminUrl: 'postgres://a@db.example/sa-les' }, `${P}.adminUrl: database name "sa-les" must be letters, digits and '_'`],
    [{ ...pg, adminPasswordFile: '/run/x', adminPasswordEnv: 'X' }, `${P}.adminPasswordEnv: set adminPasswordFile or adminPasswordEnv, not both`],
    [{ ...pg, adminPasswordEnv: 'NOT-A-NAME' }, `${P}.adminPasswordEnv: must be an environment variable name (letters, digits, _)`],
    [{ ...pg, grants: {} }, `${P}.grants: must grant at least one privilege on one object`],
    [{ ...pg, grants: undefined }, `${P}.grants: is required`],
    [{ ...pg, grants: { orders: ['SELECT'] } }, `${P}.grants.orders: "orders" is not schema.object`],
    [{ ...pg, grants: { 'sales.orders': [] } }, `${P}.grants["sales.orders"]: must list at least one of SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES`],
    [{ ...pg, grants: { 'sales.orders': ['SELECT', 'ALL'] } }, `${P}.grants["sales.orders"][1]: "ALL" is never granted (allowed: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES)`],
    [{ ...my, grants: { 'shop.orders': ['SUPER'] } }, `${P}.grants["shop.orders"][0]: "SUPER" is never granted (allowed: SELECT, INSERT, UPDATE, DELETE)`],
    [{ ...pg, grants: { 'sales.orders"; DROP TABLE x; --': ['SELECT'] } }, `${P}.grants["sales.orders\\"; DROP TABLE x; --"]: object name "orders\\"; DROP TABLE x; --": use letters, digits and '_', not starting with a digit`],
    [{ ...pg, defaultScope: ['DELETE:sales.orders'] }, `${P}.defaultScope[0]: scope "DELETE:sales.orders": DELETE on sales.orders is outside the ceiling of provider 'orders-db' (allowed there: SELECT, INSERT)`],
    [{ ...pg, userPrefix: 'W_' }, `${P}.userPrefix: "W_" must be lower-case letters, digits and '_', starting with a letter`],
    [{ ...pg, userPrefix: 'a'.repeat(38) }, `${P}.userPrefix: "${'a'.repeat(38)}" is too long: with the 26-character lease id a user name must fit 63 characters (at most 37 for the prefix)`],
    [{ ...my, userPrefix: 'a'.repeat(55) }, `${P}.userPrefix: "${'a'.repeat(55)}" is too long: with the 26-character lease id a user name must fit 80 characters (at most 54 for the prefix; MySQL, unlike MariaDB, allows only 32 in all)`],
    [{ ...pg, userHost: '%' }, `${P}.userHost: unknown key (allowed: kind, adminUrl, adminPasswordFile, adminPasswordEnv, grants, defaultScope, userPrefix, password, pool, statementTimeout, userConnectionLimit, credentialHost, credentialPort, defaultTtl, maxTtl, renewable, verifyConnection)`],
    [{ ...my, userHost: "%' OR 1=1" }, `${P}.userHost: must be a MySQL host pattern such as '%' or '10.0.%'`],
    [{ ...pg, password: { length: 16 } }, `${P}.password.length: 16 characters from a set of 62 give 95 bits; at least 128 are required`],
    [{ ...pg, password: { length: 200 } }, `${P}.password.length: must be at most 128`],
    [{ ...pg, password: { charset: 'abcdef' } }, `${P}.password.charset: has 6 distinct characters; use at least 16`],
    [{ ...pg, password: { charset: 'abc def ghi jkl mno pqr' } }, `${P}.password.charset: must be one of alphanumeric, urlsafe, printable, or the characters to draw from (printable ASCII, no spaces)`],
    [{ ...pg, password: { size: 3 } }, `${P}.password.size: unknown key`],
    [{ ...pg, pool: { max: 0 } }, `${P}.pool.max: must be at least 1`],
    [{ ...pg, statementTimeout: 'soon' }, `${P}.statementTimeout: "soon" is not a duration (use e.g. "90s", "5m", "1h30m")`],
    [{ ...pg, defaultTtl: '2h' }, `${P}.defaultTtl: 2h is longer than maxTtl (1h)`],
    [{ ...pg, credentialPort: 70_000 }, `${P}.credentialPort: must be at most 65535`],
  ])('refuses %j', async (raw, message) => {
    expect(await configErr(raw)).toEqual({ code: 'ERR_CONFIG', message });
  });

  it('reads the admin password from the named environment variable or file, and says which is missing', async () => {
    const clock = new ManualClock();
    const raw = { ...pg, verifyConnection: false };
    expect(await warrantErrorOf(() => buildProvider('orders-db', { ...raw, adminPasswordEnv: 'ORDERS_DB_PASSWORD' }, { clock, env: {} }))).toEqual({
      code: 'ERR_CONFIG',
      message: `${P}.adminPasswordEnv: environment variable ORDERS_DB_PASSWORD is not set`,
    });
    const fromEnv = await buildProvider('orders-db', { ...raw, adminPasswordEnv: 'ORDERS_DB_PASSWORD' }, { clock, env: { ORDERS_DB_PASSWORD: 'pw' } });
    await fromEnv.close();
    await withTempDir(async (dir) => {
      const file = join(dir, 'admin.secret');
      expect(await warrantErrorOf(() => buildProvider('orders-db', { ...raw, adminPasswordFile: file }, { clock }))).toEqual({
        code: 'ERR_CONFIG',
        message: `${P}.adminPasswordFile: cannot read ${JSON.stringify(file)} (ENOENT)`,
      });
      await writeFile(file, '\n');
      expect(await warrantErrorOf(() => buildProvider('orders-db', { ...raw, adminPasswordFile: file }, { clock }))).toEqual({
        code: 'ERR_CONFIG',
        message: `${P}.adminPasswordFile: ${JSON.stringify(file)} is empty`,
      });
      await writeFile(file, 'pw\n', { mode: 0o600 });
      const fromFile = await buildProvider('orders-db', { ...raw, adminPasswordFile: file }, { clock });
      expect(fromFile.kind).toBe('postgres');
      await fromFile.close();
    });
  });
});
