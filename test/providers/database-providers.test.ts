// The postgres and mysql providers against the real PostgreSQL and MariaDB/MySQL of this machine:
// what a minted login can and cannot do, revocation that ends live sessions, renewal, failures
// half-way through a mint, outages, and the server's catalogue after hostile input.
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, newLeaseId, systemClock, type DatabaseLoginCredential, type Lease } from '../../src/core/index.js';
import {
  MysqlProvider,
  PostgresProvider,
  buildProvider,
  scramVerifierAccepts,
  type CredentialProvider,
  type MintRequest,
} from '../../src/providers/index.js';
import { createTestDatabase, errorCodeOf, type Engine, type TestDatabase } from '../support/databases.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { warrantErrorOf, withTempDir } from './oauth-jwt-fixtures.js';

const OWNER = 'spiffe://test.example/agents/alpha';
// The server's clock decides VALID UNTIL, so these tests run on real time.
const clock = systemClock;

function mintRequest(scope: readonly string[], ttlMs = 300_000, leaseId = newLeaseId()): MintRequest {
  const issuedAt = clock.now();
  return { leaseId, owner: OWNER, trustDomain: 'test.example', taskId: 'task-1', scope, issuedAt, expiresAt: issuedAt + ttlMs };
}

function leaseOf(provider: CredentialProvider, req: MintRequest, overrides: Partial<Lease> = {}): Lease {
  return {
    id: req.leaseId,
    state: 'active',
    owner: req.owner,
    trustDomain: req.trustDomain,
    taskId: req.taskId,
    provider: provider.name,
    providerKind: provider.kind,
    scope: req.scope,
    handle: provider.handleFor(req.leaseId),
    issuedAt: req.issuedAt,
    expiresAt: req.expiresAt,
    maxExpiresAt: req.issuedAt + 3_600_000,
    renewals: 0,
    ...overrides,
  };
}

function loginOf(c: DatabaseLoginCredential) {
  return { host: c.host, port: c.port, database: c.database, username: c.username, password: c.password };
}

// What a permission error looks like on each server.
const DENIED: Record<Engine, string[]> = { postgres: ['42501'], mysql: ['ER_TABLEACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR'] };
// A login that no longer exists (PostgreSQL under trust or password authentication; MariaDB answers either code).
const NO_LOGIN: Record<Engine, string[]> = { postgres: ['28000', '28P01'], mysql: ['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR'] };

// How a session the server ended looks to its client, and what its next query gets.
const KILLED: Record<Engine, string[]> = { postgres: ['57P01'], mysql: ['closed', 'PROTOCOL_CONNECTION_LOST'] };
const DEAD_SESSION: Record<Engine, string> = {
  postgres: 'message:Client has encountered a connection error and is not queryable',
  mysql: "message:Can't add new command when connection is in closed state",
};

describe.each(['postgres', 'mysql'] as const)('%s provider on the real server', (engine) => {
  let db: TestDatabase;
  let provider: PostgresProvider | MysqlProvider;
  let orders: string;
  let payroll: string;
  let customers: string;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    orders = db.object('orders');
    payroll = db.object('payroll');
    customers = db.object('customers');
    provider = (await buildProvider(`${engine}-db`, db.providerConfig(), { clock })) as PostgresProvider | MysqlProvider;
  });
  afterAll(async () => {
    await provider?.close();
    await db?.drop();
  });

  it('mints a login that can do exactly what was granted and nothing else', async () => {
    const scope = provider.resolveScope([`SELECT,INSERT:${orders}`, `select:${customers}`]);
    expect(scope).toEqual([`SELECT:${orders}`, `INSERT:${orders}`, `SELECT:${customers}`]);
    const req = mintRequest(scope);
    const { credential, expiresAt } = await provider.mint(req);
    expect(expiresAt).toBe(req.expiresAt);
    expect(credential).toMatchObject({
      kind: 'database_login',
      engine,
      host: db.host,
      port: db.port,
      username: `${db.prefix}${req.leaseId}`,
      validUntil: req.expiresAt,
    });
    const login = credential as DatabaseLoginCredential;
    expect(login.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await db.logins()).toContain(login.username);

    const session = await db.connect(loginOf(login));
    try {
      expect(await session.query(`SELECT id, item FROM ${orders} ORDER BY id`)).toEqual([
        { id: 1, item: 'widget' },
        { id: 2, item: 'gadget' },
      ]);
      await session.query(`INSERT INTO ${orders} (id, item, amount) VALUES (${Math.floor(Math.random() * 1e6) + 10}, 'minted', 1)`);
      expect(await session.query(`SELECT name FROM ${customers}`)).toEqual([{ name: 'acme' }]);
      expect(DENIED[engine]).toContain(await errorCodeOf(() => session.query(`SELECT * FROM ${payroll}`)));
      expect(DENIED[engine]).toContain(await errorCodeOf(() => session.query(`UPDATE ${orders} SET amount = 0`)));
      expect(DENIED[engine]).toContain(await errorCodeOf(() => session.query(`DELETE FROM ${orders}`)));
      expect(DENIED[engine]).toContain(await errorCodeOf(() => session.query(`INSERT INTO ${customers} VALUES (9, 'x')`)));
    } finally {
      await session.close();
    }
    await provider.revoke({ leaseId: req.leaseId, handle: login.username });
  });

  it('revocation ends a session opened before it, refuses new logins, and is idempotent', async () => {
    const req = mintRequest([`SELECT:${orders}`]);
    const login = (await provider.mint(req)).credential as DatabaseLoginCredential;
    const session = await db.connect(loginOf(login));
    expect(await session.query(`SELECT count(*) AS n FROM ${orders}`)).toHaveLength(1);

    await provider.revoke({ leaseId: req.leaseId, handle: login.username });
    expect(KILLED[engine]).toContain(await session.ended);
    expect(await errorCodeOf(() => session.query('SELECT 1'))).toBe(DEAD_SESSION[engine]);
    await session.close();
    expect(NO_LOGIN[engine]).toContain(await errorCodeOf(() => db.connect(loginOf(login))));
    expect(await db.logins()).not.toContain(login.username);

    // Already gone: success, again and again.
    await provider.revoke({ leaseId: req.leaseId, handle: login.username });
    await provider.revoke({ leaseId: req.leaseId, handle: login.username });
    // Never minted at all: success too.
    const never = newLeaseId();
    await provider.revoke({ leaseId: never, handle: provider.handleFor(never) });
  });

  it('ends several sessions of the same login at once', async () => {
    const req = mintRequest([`SELECT:${orders}`]);
    const login = (await provider.mint(req)).credential as DatabaseLoginCredential;
    const sessions = await Promise.all([1, 2, 3].map(() => db.connect(loginOf(login))));
    await provider.revoke({ leaseId: req.leaseId, handle: login.username });
    for (const s of sessions) expect(KILLED[engine]).toContain(await s.ended);
    for (const s of sessions) await s.close();
  });

  it('mints and revokes many logins at once without racing on the granted objects', async () => {
    // Concurrent GRANTs on one PostgreSQL object fail with "tuple concurrently updated" unless serialised.
    const reqs = Array.from({ length: 8 }, () => mintRequest([`SELECT:${orders}`, `SELECT:${customers}`]));
    const logins = await Promise.all(reqs.map((r) => provider.mint(r)));
    expect(new Set(logins.map((l) => (l.credential as DatabaseLoginCredential).username)).size).toBe(8);
    await Promise.all(reqs.map((r) => provider.revoke({ leaseId: r.leaseId, handle: provider.handleFor(r.leaseId) })));
    expect(await db.logins()).toEqual([]);
  });

  it('refuses a handle that is not a login of that lease, without touching the server', async () => {
    const leaseId = newLeaseId();
    for (const handle of [engine === 'postgres' ? 'postgres' : 'root', `${db.prefix}${newLeaseId()}`, `x'; DROP USER root; --${leaseId}`]) {
      expect(await warrantErrorOf(() => provider.revoke({ leaseId, handle }))).toMatchObject({ code: 'ERR_PROVIDER_FAILED' });
    }
  });

  it('renews: the lease may be extended up to its max lifetime', async () => {
    const req = mintRequest([`SELECT:${orders}`], 60_000);
    const login = (await provider.mint(req)).credential as DatabaseLoginCredential;
    const lease = leaseOf(provider, req);
    const later = req.issuedAt + 1_200_000;
    expect(await provider.renew({ lease, expiresAt: later })).toEqual({ expiresAt: later });
    if (engine === 'postgres') {
      const [row] = await db.admin('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [login.username]);
      expect((row!['rolvaliduntil'] as Date).getTime()).toBe(later);
    }
    // Never beyond the lease's max expiry.
    expect(await provider.renew({ lease, expiresAt: req.issuedAt + 7_200_000 })).toEqual({ expiresAt: lease.maxExpiresAt });
    await provider.revoke({ leaseId: req.leaseId, handle: login.username });
    if (engine === 'postgres') {
      expect(await warrantErrorOf(() => provider.renew({ lease, expiresAt: later }))).toEqual({
        code: 'ERR_LEASE_NOT_RENEWABLE',
        message: `lease ${req.leaseId}: its login no longer exists at provider 'postgres-db'`,
      });
    }
  });

  it('refuses to renew a lease whose scope the ceiling no longer allows', async () => {
    const narrower = await buildProvider(`${engine}-db`, db.providerConfig({ grants: { [customers]: ['SELECT'] }, verifyConnection: false }), { clock });
    try {
      const req = mintRequest([`SELECT:${orders}`]);
      const lease = leaseOf(narrower, req);
      expect(await warrantErrorOf(() => narrower.renew({ lease, expiresAt: req.expiresAt + 60_000 }))).toEqual({
        code: 'ERR_LEASE_NOT_RENEWABLE',
        message: `lease ${req.leaseId}: scope ${JSON.stringify(`SELECT:${orders}`)} is no longer within the ceiling of provider '${engine}-db'`,
      });
    } finally {
      await narrower.close();
    }
  });

  it('mint re-checks the scope: nothing outside the ceiling or the grammar reaches the server', async () => {
    const before = await db.catalogue();
    for (const scope of [[`SELECT:${payroll}`], [`DELETE:${orders}`], [`SELECT:${orders}; DROP TABLE ${payroll}`], [`SELECT,INSERT:${orders}`], ['ALL:*.*']]) {
      const err = await warrantErrorOf(() => provider.mint(mintRequest(scope)));
      expect(err.code).toBe('ERR_SCOPE_INVALID');
    }
    expect(await db.catalogue()).toBe(before);
  });

  it('refuses to mint a login that would already be expired', async () => {
    const req = mintRequest([`SELECT:${orders}`], -1000);
    expect(await warrantErrorOf(() => provider.mint(req))).toEqual({
      code: 'ERR_TTL_INVALID',
      message: `lease ${req.leaseId}: provider '${engine}-db' cannot mint a login that is already expired`,
    });
  });

  it('caps the login at the provider maxTtl from issue', async () => {
    const req = mintRequest([`SELECT:${orders}`], 7_200_000);
    const { credential, expiresAt } = await provider.mint(req);
    expect(expiresAt).toBe(req.issuedAt + 3_600_000);
    expect((credential as DatabaseLoginCredential).validUntil).toBe(expiresAt);
    await provider.revoke({ leaseId: req.leaseId, handle: provider.handleFor(req.leaseId) });
  });

  it('a connection cut half-way through a mint leaves no user behind (UNAVAILABLE)', async () => {
    const proxy = await TcpProxy.start(db.port);
    const cut = await buildProvider(`${engine}-db`, db.providerConfig({ adminUrl: db.adminUrl(proxy.port) }), { clock });
    try {
      proxy.cutWhenClientSends('GRANT');
      const req = mintRequest([`SELECT:${orders}`]);
      const err = await warrantErrorOf(() => cut.mint(req));
      expect(err.code).toBe('ERR_PROVIDER_UNAVAILABLE');
      expect(proxy.cuts).toBe(1);
      expect(await db.logins()).not.toContain(cut.handleFor(req.leaseId));
      // What the service does next: revoke by handle, which must succeed now.
      proxy.cutWhenClientSends(undefined);
      await cut.revoke({ leaseId: req.leaseId, handle: cut.handleFor(req.leaseId) });
    } finally {
      await cut.close();
      await proxy.stop();
    }
  });

  it('a server outage makes mint and revoke UNAVAILABLE; revoke succeeds once it is back', async () => {
    const proxy = await TcpProxy.start(db.port);
    const flaky = await buildProvider(`${engine}-db`, db.providerConfig({ adminUrl: db.adminUrl(proxy.port) }), { clock });
    try {
      await proxy.stop();
      const req = mintRequest([`SELECT:${orders}`]);
      const minted = await warrantErrorOf(() => flaky.mint(req));
      expect(minted.code).toBe('ERR_PROVIDER_UNAVAILABLE');
      expect(minted.message).toMatch(new RegExp(`^provider '${engine}-db' could not create the login of lease ${req.leaseId} \\(server unreachable or busy\\): `));
      const revoked = await warrantErrorOf(() => flaky.revoke({ leaseId: req.leaseId, handle: flaky.handleFor(req.leaseId) }));
      expect(revoked.code).toBe('ERR_PROVIDER_UNAVAILABLE');
      await proxy.start();
      await flaky.revoke({ leaseId: req.leaseId, handle: flaky.handleFor(req.leaseId) });
      expect(await db.logins()).not.toContain(flaky.handleFor(req.leaseId));
    } finally {
      await flaky.close();
      await proxy.stop();
    }
  });

  it('fails start-up with a config error naming the key when the server or a granted table is wrong', async () => {
    const proxy = await TcpProxy.start(db.port);
    await proxy.stop();
    const down = await warrantErrorOf(() => buildProvider('db', db.providerConfig({ adminUrl: db.adminUrl(proxy.port) }), { clock }));
    expect(down.code).toBe('ERR_CONFIG');
    expect(down.message).toMatch(
      new RegExp(`^providers\\.db\\.adminUrl: cannot connect to ${engine === 'postgres' ? 'PostgreSQL' : 'MySQL'} at 127\\.0\\.0\\.1:${proxy.port} as \\w+: ECONNREFUSED`),
    );
    const missing = db.object('orders').replace('orders', 'no_such_table');
    expect(await warrantErrorOf(() => buildProvider('db', db.providerConfig({ grants: { [missing]: ['SELECT'] } }), { clock }))).toEqual({
      code: 'ERR_CONFIG',
      message:
        engine === 'postgres'
          ? `providers.db.grants["${missing}"]: no such table or view in database "${db.name}"`
          : `providers.db.grants["${missing}"]: no such table or view`,
    });
    // Without verifyConnection the provider starts, and the first mint says the server is unreachable.
    const lazy = await buildProvider('db', db.providerConfig({ adminUrl: db.adminUrl(proxy.port), verifyConnection: false }), { clock });
    expect((await warrantErrorOf(() => lazy.mint(mintRequest([`SELECT:${orders}`])))).code).toBe('ERR_PROVIDER_UNAVAILABLE');
    await lazy.close();
  });

  it('refuses mint, renew and revoke once closed', async () => {
    const closing = await buildProvider(`${engine}-db`, db.providerConfig({ verifyConnection: false }), { clock });
    await closing.close();
    expect(await warrantErrorOf(() => closing.mint(mintRequest([`SELECT:${orders}`])))).toEqual({
      code: 'ERR_PROVIDER_UNAVAILABLE',
      message: `provider '${engine}-db' is closed`,
    });
  });

  it.runIf(engine === 'postgres')('stores only a SCRAM verifier that accepts the password, never the password', async () => {
    const req = mintRequest([`SELECT:${orders}`]);
    const login = (await provider.mint(req)).credential as DatabaseLoginCredential;
    const [row] = await db.admin('SELECT rolpassword, rolconnlimit, rolcanlogin, rolsuper, rolinherit FROM pg_authid WHERE rolname = $1', [login.username]);
    expect(row).toMatchObject({ rolconnlimit: 10, rolcanlogin: true, rolsuper: false, rolinherit: false });
    const verifier = String(row!['rolpassword']);
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(verifier).not.toContain(login.password);
    expect(await scramVerifierAccepts(verifier, login.password)).toBe(true);
    expect(await scramVerifierAccepts(verifier, `${login.password}x`)).toBe(false);
    const [comment] = await db.admin(`SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = $1`, [login.username]);
    expect(comment!['c']).toBe(`warrant lease ${req.leaseId} for task task-1 of ${OWNER}`);
    await provider.revoke({ leaseId: req.leaseId, handle: login.username });
  });

  it.runIf(engine === 'mysql')('creates the account with a connection limit and no password expiry, and checks the password', async () => {
    const req = mintRequest([`SELECT:${orders}`]);
    const login = (await provider.mint(req)).credential as DatabaseLoginCredential;
    expect(login.database).toBe(db.name);
    const [row] = await db.admin('SELECT max_user_connections AS m FROM mysql.user WHERE User = ?', [login.username]);
    expect(row).toEqual({ m: 10 });
    expect(NO_LOGIN.mysql).toContain(await errorCodeOf(() => db.connect({ ...loginOf(login), password: `${login.password}x` })));
    await provider.revoke({ leaseId: req.leaseId, handle: login.username });
  });

  it('works with an admin that has only the documented rights, and names a missing one at start', async () => {
    const adminUser = `${db.prefix}admin`;
    const adminPassword = `pw-${newLeaseId()}`;
    const url = new URL(db.adminUrl());
    url.username = adminUser;
    let flavourWord = 'CONNECTION_ADMIN';
    if (engine === 'postgres') {
      await db.admin(
        `CREATE ROLE ${adminUser} LOGIN CREATEROLE PASSWORD '${adminPassword}';
         GRANT pg_signal_backend TO ${adminUser};
         GRANT CONNECT ON DATABASE ${db.name} TO ${adminUser} WITH GRANT OPTION;
         GRANT USAGE ON SCHEMA sales TO ${adminUser} WITH GRANT OPTION;
         GRANT SELECT, INSERT ON sales.orders, sales.customers TO ${adminUser} WITH GRANT OPTION`,
      );
    } else {
      const [v] = await db.admin('SELECT VERSION() AS v');
      flavourWord = /mariadb/i.test(String(v!['v'])) ? 'CONNECTION ADMIN' : 'CONNECTION_ADMIN';
      await db.admin(`CREATE USER '${adminUser}'@'%' IDENTIFIED BY '${adminPassword}'`);
      await db.admin(`GRANT CREATE USER, PROCESS ON *.* TO '${adminUser}'@'%'`);
      await db.admin(`GRANT SELECT, INSERT ON \`${db.name}\`.* TO '${adminUser}'@'%' WITH GRANT OPTION`);
      const lacking = await warrantErrorOf(() =>
        buildProvider('db', db.providerConfig({ adminUrl: url.toString(), adminPasswordEnv: 'DB_ADMIN_PASSWORD' }), {
          clock,
          env: { DB_ADMIN_PASSWORD: adminPassword },
        }),
      );
      expect(lacking.code).toBe('ERR_CONFIG');
      expect(lacking.message).toMatch(new RegExp(`^providers\\.db\\.adminUrl: user ${adminUser} lacks the global privilege\\(s\\) ${flavourWord} \\((MariaDB|MySQL) [0-9.]+\\)$`));
      await db.admin(`GRANT ${flavourWord} ON *.* TO '${adminUser}'@'%'`);
    }
    const limited = await buildProvider(`${engine}-db`, db.providerConfig({ adminUrl: url.toString(), adminPasswordEnv: 'DB_ADMIN_PASSWORD' }), {
      clock,
      env: { DB_ADMIN_PASSWORD: adminPassword },
    });
    try {
      const req = mintRequest([`SELECT:${orders}`, `INSERT:${orders}`]);
      const login = (await limited.mint(req)).credential as DatabaseLoginCredential;
      const session = await db.connect(loginOf(login));
      expect(await session.query(`SELECT count(*) AS n FROM ${orders}`)).toHaveLength(1);
      await limited.revoke({ leaseId: req.leaseId, handle: login.username });
      expect(KILLED[engine]).toContain(await session.ended);
      await session.close();
      expect(await db.logins()).toEqual([adminUser]);
    } finally {
      await limited.close();
      if (engine === 'postgres') await db.admin(`DROP OWNED BY ${adminUser}; DROP ROLE ${adminUser}`);
      else await db.admin(`DROP USER '${adminUser}'@'%'`);
    }
  });

  it('rotates its own admin password, keeps working with it, and settles an interrupted rotation at start', async () => {
    const adminUser = `${db.prefix}rot`;
    const first = `pw-${newLeaseId()}`;
    const url = new URL(db.adminUrl());
    url.username = adminUser;
    if (engine === 'postgres') {
      await db.admin(`CREATE ROLE ${adminUser} LOGIN SUPERUSER PASSWORD '${first}'`);
    } else {
      await db.admin(`CREATE USER '${adminUser}'@'%' IDENTIFIED BY '${first}'`);
      await db.admin(`GRANT ALL PRIVILEGES ON *.* TO '${adminUser}'@'%' WITH GRANT OPTION`);
    }
    // Whether the server now accepts `password` for the admin (PostgreSQL here trusts local logins: check the stored verifier).
    const accepts = async (password: string) => {
      if (engine === 'postgres') {
        const [row] = await db.admin('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [adminUser]);
        return scramVerifierAccepts(String(row!['rolpassword']), password);
      }
      return (await errorCodeOf(() => db.connect({ host: db.host, port: db.port, database: '', username: adminUser, password }).then((s) => s.close()))) === 'no error';
    };
    await withTempDir(async (dir) => {
      const file = join(dir, 'admin.secret');
      await writeFile(file, `${first}\n`, { mode: 0o600 });
      const rotating = await buildProvider(`${engine}-db`, db.providerConfig({ adminUrl: url.toString(), adminPasswordFile: file }), { clock });
      try {
        const rotation = await rotating.rotateAdminCredential!();
        expect(rotation.storedIn).toBe(file);
        const second = (await readFile(file, 'utf8')).trimEnd();
        expect(second).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(existsSync(`${file}.next`)).toBe(false);
        expect(await accepts(second)).toBe(true);
        if (engine === 'mysql') expect(await accepts(first)).toBe(false);
        // New admin connections use the new password.
        const req = mintRequest([`SELECT:${orders}`]);
        await rotating.mint(req);
        await rotating.revoke({ leaseId: req.leaseId, handle: rotating.handleFor(req.leaseId) });
        await rotating.close();

        // A crash after the server changed but before the file was replaced: the next start promotes `.next`.
        const third = `pw-${newLeaseId()}`;
        await db.admin(engine === 'postgres' ? `ALTER ROLE ${adminUser} PASSWORD '${third}'` : `ALTER USER '${adminUser}'@'%' IDENTIFIED BY '${third}'`);
        await writeFile(`${file}.next`, `${third}\n`, { mode: 0o600 });
        const promoted = await buildProvider(`${engine}-db`, db.providerConfig({ adminUrl: url.toString(), adminPasswordFile: file }), { clock });
        expect(await readFile(file, 'utf8')).toBe(`${third}\n`);
        expect(existsSync(`${file}.next`)).toBe(false);
        await promoted.close();

        if (engine === 'mysql') {
          // A crash before the server changed: `.next` is refused by the server and discarded.
          await writeFile(`${file}.next`, 'never-reached-the-server\n', { mode: 0o600 });
          const discarded = await buildProvider(`${engine}-db`, db.providerConfig({ adminUrl: url.toString(), adminPasswordFile: file }), { clock });
          expect(await readFile(file, 'utf8')).toBe(`${third}\n`);
          expect(existsSync(`${file}.next`)).toBe(false);
          const again = mintRequest([`SELECT:${orders}`]);
          await discarded.mint(again);
          await discarded.revoke({ leaseId: again.leaseId, handle: discarded.handleFor(again.leaseId) });
          await discarded.close();
        }
      } finally {
        await rotating.close();
        if (engine === 'postgres') await db.admin(`DROP ROLE ${adminUser}`);
        else await db.admin(`DROP USER '${adminUser}'@'%'`);
      }
    });
  });

  it('cannot rotate a password it cannot store', async () => {
    const fromEnv = await buildProvider(`${engine}-db`, db.providerConfig({ adminPasswordEnv: 'DB_PW', verifyConnection: false }), { clock, env: { DB_PW: 'x' } });
    expect(await warrantErrorOf(() => fromEnv.rotateAdminCredential!())).toEqual({
      code: 'ERR_ROTATION_UNSUPPORTED',
      message: `provider '${engine}-db' reads its admin password from DB_PW, which warrant cannot update; use adminPasswordFile to let warrant rotate it`,
    });
    await fromEnv.close();
    expect(await warrantErrorOf(() => provider.rotateAdminCredential!())).toEqual({
      code: 'ERR_ROTATION_UNSUPPORTED',
      message: `provider '${engine}-db' has no admin password to rotate (set adminPasswordFile)`,
    });
  });

  it('a provider built from a changed prefix still revokes the logins of the old one', async () => {
    const req = mintRequest([`SELECT:${orders}`]);
    const login = (await provider.mint(req)).credential as DatabaseLoginCredential;
    const renamed = await buildProvider(`${engine}-db`, db.providerConfig({ userPrefix: 'other_', verifyConnection: false }), {
      clock: new ManualClock(),
    });
    try {
      await renamed.revoke({ leaseId: req.leaseId, handle: login.username });
      expect(await db.logins()).not.toContain(login.username);
    } finally {
      await renamed.close();
    }
  });
});
