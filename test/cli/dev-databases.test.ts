// `warrant dev` with PG_URL and MYSQL_URL: demo tables, providers dev-postgres and dev-mysql, a
// sample policy that lets the demo agent read warrant_demo.orders and nothing else, and no secret
// in config.yaml. Runs the command from the sources, as a person would run the built one.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDevDatabases } from '../../src/cli/dev-databases.js';
import { MYSQL_URL, createTestDatabase, errorCodeOf, type TestDatabase } from '../support/databases.js';
import { freePort, run, startUntil, stop } from '../support/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ENTRY = join(ROOT, 'test', 'support', 'warrant-from-src.ts');
// As bin/warrant.js does on Node 20 (a V8 flag NODE_OPTIONS does not accept), with tsx as the loader.
const NODE_ARGS = [...(process.versions.node.startsWith('20.') ? ['--no-turbo-inline-js-wasm-calls'] : []), '--import', 'tsx', ENTRY];
// A dev password in the URLs: dev mode must move it to a 0600 file. (PostgreSQL here trusts local logins.)
const PG_PASSWORD = `pg-${randomBytes(8).toString('hex')}`;
const MY_PASSWORD = `my-${randomBytes(8).toString('hex')}`;
const id = randomBytes(6).toString('hex');
const myDatabase = `warrant_test_${id}`;
const myAdmin = `t${id.slice(0, 4)}_admin`;

let pgDb: TestDatabase;
let admin: mysql.Pool;
let dir: string;
let server: ChildProcess;
let output: () => string;
let env: NodeJS.ProcessEnv;
const issuedUsers: string[] = [];

const cli = (...args: string[]) => run(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env });

beforeAll(async () => {
  pgDb = await createTestDatabase('postgres');
  const my = new URL(MYSQL_URL);
  admin = mysql.createPool({ host: my.hostname, port: Number(my.port || 3306), user: decodeURIComponent(my.username), password: decodeURIComponent(my.password), connectionLimit: 1 });
  await admin.query(`CREATE USER ${mysql.escape(myAdmin)}@'%' IDENTIFIED BY ${mysql.escape(MY_PASSWORD)}`);
  await admin.query(`GRANT ALL PRIVILEGES ON *.* TO ${mysql.escape(myAdmin)}@'%' WITH GRANT OPTION`);
  const pgUrl = new URL(pgDb.adminUrl());
  pgUrl.password = PG_PASSWORD;
  const myUrl = new URL(MYSQL_URL);
  myUrl.username = myAdmin;
  myUrl.password = MY_PASSWORD;
  myUrl.pathname = `/${myDatabase}`;
  dir = mkdtempSync(join(tmpdir(), 'warrant-dev-db-'));
  const grpcListen = `127.0.0.1:${await freePort()}`;
  const httpListen = `127.0.0.1:${await freePort()}`;
  env = {
    ...process.env,
    REDIS_URL: '',
    PG_URL: pgUrl.toString(),
    MYSQL_URL: myUrl.toString(),
  };
  ({ child: server, output } = await startUntil(process.execPath, [...NODE_ARGS, 'dev', '--dir', dir, '--grpc-listen', grpcListen, '--http-listen', httpListen], /warrant dev is serving/, {
    cwd: ROOT,
    env,
  }));
}, 120_000);

afterAll(async () => {
  if (server !== undefined) await stop(server);
  for (const user of issuedUsers) {
    await pgDb?.admin(`DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${user}') THEN EXECUTE 'DROP OWNED BY ${user}'; EXECUTE 'DROP ROLE ${user}'; END IF; END $$`).catch(() => undefined);
    await admin?.query(`DROP USER IF EXISTS ${mysql.escape(user)}@'%'`).catch(() => undefined);
  }
  await pgDb?.drop();
  await admin?.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(myDatabase)}`);
  await admin?.query(`DROP USER IF EXISTS ${mysql.escape(myAdmin)}@'%'`);
  await admin?.end();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('warrant dev with PG_URL and MYSQL_URL', () => {
  it('keeps the database passwords out of config.yaml, in files only the owner can read', () => {
    const config = readFileSync(join(dir, 'config.yaml'), 'utf8');
    expect(config).not.toContain(PG_PASSWORD);
    expect(config).not.toContain(MY_PASSWORD);
    expect(config).toContain('adminPasswordFile: dev-postgres-admin.secret');
    expect(config).toContain('adminPasswordFile: dev-mysql-admin.secret');
    for (const [file, password] of [['dev-postgres-admin.secret', PG_PASSWORD], ['dev-mysql-admin.secret', MY_PASSWORD]] as const) {
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, file), 'utf8')).toBe(`${password}\n`);
    }
    expect(readFileSync(join(dir, 'policies', 'dev-databases.cedar'), 'utf8')).toContain('["SELECT:warrant_demo.orders"].containsAll(context.scope)');
    expect(output()).toContain(`issue --dir ${dir} --provider dev-postgres --task my-task --scope SELECT:warrant_demo.orders --json`);
    expect(output()).toContain(`issue --dir ${dir} --provider dev-mysql --task my-task --scope SELECT:${myDatabase}.orders --json`);
    expect(output()).not.toContain(PG_PASSWORD);
    expect(output()).not.toContain(MY_PASSWORD);
  });

  it.each([['dev-postgres'], ['dev-mysql']])('the README command works for %s: SELECT on the demo orders, and nothing else', async (provider) => {
    const schema = provider === 'dev-mysql' ? myDatabase : 'warrant_demo';
    const issued = await cli('issue', '--dir', dir, '--provider', provider, '--task', `t-${provider}`, '--scope', `SELECT:${schema}.orders`, '--json');
    expect(issued.stderr).toBe('');
    expect(issued.code).toBe(0);
    const out = JSON.parse(issued.stdout) as {
      lease: { id: string; state: string; scope: string[] };
      credential: { kind: string; engine: string; host: string; port: number; database: string; username: string; password: string };
    };
    expect(out.lease).toMatchObject({ state: 'active', scope: [`SELECT:${schema}.orders`] });
    expect(out.credential).toMatchObject({ kind: 'database_login', engine: provider === 'dev-postgres' ? 'postgres' : 'mysql', username: `w_${out.lease.id}` });
    issuedUsers.push(out.credential.username);

    const engine = provider === 'dev-postgres' ? 'postgres' : 'mysql';
    const session = await (engine === 'postgres' ? pgDb.connect(out.credential) : connectMysql(out.credential));
    expect(await session.query(`SELECT item FROM ${schema}.orders ORDER BY id`)).toEqual([{ item: 'widget' }, { item: 'gadget' }, { item: 'gizmo' }]);
    expect(engine === 'postgres' ? ['42501'] : ['ER_TABLEACCESS_DENIED_ERROR']).toContain(await errorCodeOf(() => session.query(`SELECT * FROM ${schema}.payroll`)));
    await session.close();

    const [payroll, insert] = await Promise.all([
      cli('issue', '--dir', dir, '--provider', provider, '--task', `t-${provider}`, '--scope', `SELECT:${schema}.payroll`),
      cli('issue', '--dir', dir, '--provider', provider, '--task', `t-${provider}`, '--scope', `INSERT:${schema}.orders`),
    ]);
    expect(payroll.code).toBe(1);
    expect(payroll.stderr).toContain(`ERR_SCOPE_INVALID: scope "SELECT:${schema}.payroll": object "${schema}.payroll" is outside the ceiling of provider '${provider}'`);
    expect(insert.code).toBe(1);
    expect(insert.stderr).toContain('ERR_POLICY_DENIED');

    const completed = await cli('complete', `t-${provider}`, '--dir', dir, '--json');
    expect(JSON.parse(completed.stdout)).toMatchObject({ leases: [{ id: out.lease.id, state: 'revoked', trigger: 'task_completed' }] });
  });

  it('preparing the demo tables again changes nothing', async () => {
    const urls = { postgres: env['PG_URL'], mysql: env['MYSQL_URL'] };
    const again = await prepareDevDatabases(dir, urls);
    expect(again.map((d) => [d.provider, d.orders, d.payroll])).toEqual([
      ['dev-postgres', 'warrant_demo.orders', 'warrant_demo.payroll'],
      ['dev-mysql', `${myDatabase}.orders`, `${myDatabase}.payroll`],
    ]);
    expect(await pgDb.admin('SELECT count(*)::int AS n FROM warrant_demo.orders')).toEqual([{ n: 3 }]);
    const [rows] = await admin.query(`SELECT count(*) AS n FROM ${mysql.escapeId(myDatabase)}.orders`);
    expect(rows).toEqual([{ n: 3 }]);
  });

  it('says which URL it cannot use, without its password', async () => {
    const bad = await prepareDevDatabases(dir, { postgres: `postgres://nobody:${PG_PASSWORD}@127.0.0.1:1/x` }).catch((e: Error) => e);
    expect(bad).toMatchObject({ code: 'ERR_CONFIG' });
    expect((bad as Error).message).toMatch(/^PG_URL: cannot prepare the demo tables on PostgreSQL at 127\.0\.0\.1:1 as nobody: ECONNREFUSED/);
    expect((bad as Error).message).not.toContain(PG_PASSWORD);
    await expect(prepareDevDatabases(dir, { mysql: 'http://x@y' })).rejects.toMatchObject({ code: 'ERR_CONFIG', message: 'MYSQL_URL must start with mysql:// or mariadb://' });
  });
});

async function connectMysql(c: { host: string; port: number; database: string; username: string; password: string }) {
  const conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.username, password: c.password, database: c.database });
  return {
    query: async (sql: string) => (await conn.query(sql))[0] as unknown[],
    close: () => conn.end(),
  };
}
