// A private database on the real PostgreSQL and MariaDB/MySQL of this machine for one test file:
// its own database (warrant_test_<random>), its own login prefix, and cleanup of both afterwards.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const PG_URL = process.env['WARRANT_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_URL = process.env['WARRANT_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';

export type Engine = 'postgres' | 'mysql';

/** A session opened with a minted login. */
export interface LoginSession {
  query(sql: string): Promise<unknown[]>;
  /** Settles when the session ends, with the code of the error that ended it ('closed' when none). */
  readonly ended: Promise<string>;
  close(): Promise<void>;
}

export interface Login {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly password: string;
}

export interface TestDatabase {
  readonly engine: Engine;
  /** The database created for this run. */
  readonly name: string;
  /** Login prefix for this run (short enough for MySQL's 32-character names). */
  readonly prefix: string;
  readonly host: string;
  readonly port: number;
  /** `schema.object` of a table of this run: PostgreSQL schema `sales`, MySQL the run's database. */
  object(table: 'orders' | 'payroll' | 'customers'): string;
  /** The admin URL a provider uses (no password); `port` points it at a proxy. */
  adminUrl(port?: number): string;
  /** A provider config for this database; `grants` defaults to SELECT/INSERT on orders and SELECT on customers. */
  providerConfig(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Runs SQL as the admin in this run's database. */
  admin(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Names of the logins with this run's prefix that exist now. */
  logins(): Promise<string[]>;
  /** Every role/user, every privilege and every table the server knows, as text, for before/after comparison. */
  catalogue(): Promise<string>;
  /** Whether the server would let `username` log in with `password` (PostgreSQL: checks the stored SCRAM verifier). */
  connect(login: Login): Promise<LoginSession>;
  drop(): Promise<void>;
}

function runId(): string {
  return randomBytes(6).toString('hex');
}

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  return engine === 'postgres' ? createPostgres() : createMysql();
}

async function createPostgres(): Promise<TestDatabase> {
  const id = runId();
  const name = `warrant_test_${id}`;
  const prefix = `t${id.slice(0, 4)}_`;
  const server = new URL(PG_URL);
  const host = server.hostname;
  const port = Number(server.port || 5432);
  const root = new pg.Client({ connectionString: PG_URL });
  await root.connect();
  await root.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await root.end();
  const dbUrl = new URL(PG_URL);
  dbUrl.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: dbUrl.toString(), max: 2 });
  pool.on('error', () => undefined);
  await pool.query(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders (id int PRIMARY KEY, item text NOT NULL, amount numeric NOT NULL);
    CREATE TABLE sales.payroll (id int PRIMARY KEY, name text NOT NULL, salary numeric NOT NULL);
    CREATE TABLE sales.customers (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO sales.orders VALUES (1, 'widget', 10), (2, 'gadget', 20);
    INSERT INTO sales.payroll VALUES (1, 'alice', 100000);
    INSERT INTO sales.customers VALUES (1, 'acme');
  `);
  const admin = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as Record<string, unknown>[];
  const logins = async () =>
    (await admin('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1', [prefix])).map((r) => String(r['rolname']));
  const adminUrl = (p = port) => {
    const u = new URL(PG_URL);
    u.port = String(p);
    u.pathname = `/${name}`;
    u.password = '';
    return u.toString();
  };
  return {
    engine: 'postgres',
    name,
    prefix,
    host,
    port,
    object: (table) => `sales.${table}`,
    adminUrl,
    providerConfig(overrides = {}) {
      return {
        kind: 'postgres',
        adminUrl: adminUrl(),
        grants: { 'sales.orders': ['SELECT', 'INSERT'], 'sales.customers': ['SELECT'] },
        userPrefix: prefix,
        defaultTtl: '5m',
        maxTtl: '1h',
        statementTimeout: '5s',
        pool: { connectTimeout: '2s' },
        ...overrides,
      };
    },
    admin,
    logins,
    async catalogue() {
      const roles = await admin(
        `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolvaliduntil
           FROM pg_roles ORDER BY rolname`,
      );
      const grants = await admin(
        `SELECT grantee, table_schema, table_name, privilege_type, is_grantable FROM information_schema.role_table_grants
          ORDER BY 1, 2, 3, 4`,
      );
      const tables = await admin(`SELECT schemaname, tablename, tableowner FROM pg_tables ORDER BY 1, 2`);
      // Granting and revoking materialises a default ACL; compare what it means, not how it is stored.
      const schemas = await admin(`SELECT nspname, coalesce(nspacl, acldefault('n', nspowner))::text AS acl FROM pg_namespace ORDER BY 1`);
      const databases = await admin(`SELECT datname, coalesce(datacl, acldefault('d', datdba))::text AS acl FROM pg_database ORDER BY 1`);
      const members = await admin(`SELECT roleid::regrole::text AS role, member::regrole::text AS member FROM pg_auth_members ORDER BY 1, 2`);
      return catalogueText({ roles, grants, tables, schemas, databases, members }, name, prefix);
    },
    async connect(login) {
      const client = new pg.Client({ host: login.host, port: login.port, user: login.username, password: login.password, database: login.database });
      let settle: (code: string) => void;
      const ended = new Promise<string>((r) => (settle = r));
      client.on('error', (err: Error & { code?: string }) => settle(err.code ?? err.message));
      client.on('end', () => settle('closed'));
      await client.connect();
      return {
        query: async (sql) => (await client.query(sql)).rows,
        ended,
        close: () => client.end().catch(() => undefined),
      };
    },
    async drop() {
      for (const role of await logins()) {
        await admin('SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1', [role]);
        await admin(`DROP OWNED BY ${pg.escapeIdentifier(role)}; DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
      }
      await pool.end();
      const r = new pg.Client({ connectionString: PG_URL });
      await r.connect();
      await r.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await r.end();
    },
  };
}

async function createMysql(): Promise<TestDatabase> {
  const id = runId();
  const name = `warrant_test_${id}`;
  const prefix = `t${id.slice(0, 4)}_`;
  const server = new URL(MYSQL_URL);
  const host = server.hostname;
  const port = Number(server.port || 3306);
  const pool = mysql.createPool({
    host,
    port,
    user: decodeURIComponent(server.username),
    password: decodeURIComponent(server.password),
    connectionLimit: 2,
    multipleStatements: true,
  });
  const q = mysql.escapeId(name);
  await pool.query(`
    CREATE DATABASE ${q};
    CREATE TABLE ${q}.orders (id int PRIMARY KEY, item varchar(64) NOT NULL, amount decimal(10,2) NOT NULL);
    CREATE TABLE ${q}.payroll (id int PRIMARY KEY, name varchar(64) NOT NULL, salary decimal(12,2) NOT NULL);
    CREATE TABLE ${q}.customers (id int PRIMARY KEY, name varchar(64) NOT NULL);
    INSERT INTO ${q}.orders VALUES (1, 'widget', 10), (2, 'gadget', 20);
    INSERT INTO ${q}.payroll VALUES (1, 'alice', 100000);
    INSERT INTO ${q}.customers VALUES (1, 'acme');
  `);
  const admin = async (sql: string, params: unknown[] = []) => {
    const [rows] = await pool.query(sql, params);
    return (Array.isArray(rows) ? rows : []) as Record<string, unknown>[];
  };
  const logins = async () =>
    (await admin('SELECT User AS u FROM mysql.user WHERE LEFT(User, ?) = ? ORDER BY 1', [prefix.length, prefix])).map((r) => String(r['u']));
  const adminUrl = (p = port) => {
    const u = new URL(MYSQL_URL);
    u.port = String(p);
    u.password = '';
    u.pathname = '';
    return u.toString();
  };
  return {
    engine: 'mysql',
    name,
    prefix,
    host,
    port,
    object: (table) => `${name}.${table}`,
    adminUrl,
    providerConfig(overrides = {}) {
      return {
        kind: 'mysql',
        adminUrl: adminUrl(),
        grants: { [`${name}.orders`]: ['SELECT', 'INSERT'], [`${name}.customers`]: ['SELECT'] },
        userPrefix: prefix,
        defaultTtl: '5m',
        maxTtl: '1h',
        statementTimeout: '5s',
        pool: { connectTimeout: '2s' },
        ...overrides,
      };
    },
    admin,
    logins,
    async catalogue() {
      const users = await admin(
        `SELECT User, Host, Super_priv, Grant_priv, Create_user_priv, Process_priv, File_priv, Select_priv, Insert_priv,
                Update_priv, Delete_priv, Drop_priv FROM mysql.user ORDER BY User, Host`,
      );
      const tablePrivs = await admin('SELECT * FROM information_schema.TABLE_PRIVILEGES ORDER BY 1, 2, 3, 4, 5');
      const schemaPrivs = await admin('SELECT * FROM information_schema.SCHEMA_PRIVILEGES ORDER BY 1, 2, 3, 4');
      const userPrivs = await admin('SELECT * FROM information_schema.USER_PRIVILEGES ORDER BY 1, 2, 3');
      const tables = await admin(
        `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES
          WHERE TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema') ORDER BY 1, 2`,
      );
      return catalogueText({ users, tablePrivs, schemaPrivs, userPrivs, tables }, name, prefix);
    },
    async connect(login) {
      const conn = await mysql.createConnection({
        host: login.host,
        port: login.port,
        user: login.username,
        password: login.password,
        ...(login.database === '' ? {} : { database: login.database }),
      });
      let settle: (code: string) => void;
      const ended = new Promise<string>((r) => (settle = r));
      // The promise wrapper hides the core connection, which is what reports the server closing it.
      const core = (conn as unknown as { connection: import('node:events').EventEmitter }).connection;
      core.on('error', (err: Error & { code?: string }) => settle(err.code ?? err.message));
      core.on('end', () => settle('closed'));
      return {
        query: async (sql) => {
          const [rows] = await conn.query(sql);
          return Array.isArray(rows) ? rows : [];
        },
        ended,
        close: () => conn.end().catch(() => undefined),
      };
    },
    async drop() {
      for (const user of await logins()) {
        const hosts = await admin('SELECT Host AS h FROM mysql.user WHERE User = ?', [user]);
        for (const h of hosts) await admin(`DROP USER IF EXISTS ${mysql.escape(user)}@${mysql.escape(String(h['h']))}`);
      }
      await admin(`DROP DATABASE IF EXISTS ${q}`);
      await pool.end();
    },
  };
}

// Logins and databases of other test runs on the same server come and go while this one runs.
const OTHER_LOGIN_RE = /^[a-z][a-z0-9_]*[0-9a-hjkmnp-tv-z]{26}$/;
const OTHER_DATABASE_RE = /^warrant_test_[0-9a-f]{12}$/;

/** The catalogue rows as text, leaving out every row that names another test run's login or database. */
function catalogueText(sections: Record<string, Record<string, unknown>[]>, ownDatabase: string, ownPrefix: string): string {
  const foreign = (value: unknown) => {
    const text = String(value).replace(/^'(.*)'@'.*'$/, '$1');
    if (text === ownDatabase || text.startsWith(ownPrefix)) return false;
    return OTHER_LOGIN_RE.test(text) || OTHER_DATABASE_RE.test(text);
  };
  const kept = Object.fromEntries(
    Object.entries(sections).map(([k, rows]) => [k, rows.filter((row) => !Object.values(row).some(foreign))]),
  );
  return JSON.stringify(kept, null, 1);
}

/** The driver's error code of a failed call: PostgreSQL SQLSTATE, or mysql2's code name. */
export async function errorCodeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return typeof e.code === 'string' ? e.code : `message:${String(e.message)}`;
  }
  return 'no error';
}
