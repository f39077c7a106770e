// Database credentials end to end over real gRPC (mTLS), against the real PostgreSQL and
// MariaDB/MySQL of this machine: issue, use, complete (live sessions end), renew, expiry, a crashed
// mint swept up, outages, and hostile input that must never reach SQL or leave a trace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient } from '../../src/client/index.js';
import { newLeaseId, systemClock, type DatabaseLoginCredential } from '../../src/core/index.js';
import { buildProvider } from '../../src/providers/index.js';
import type { DatabaseLogin__Output } from '../../src/gen/warrant/v1/DatabaseLogin.js';
import { createTestDatabase, errorCodeOf, type Engine, type TestDatabase } from '../support/databases.js';
import { AGENT_ID, OPERATOR_ID, eventually, readAudit, startHarness, type Harness } from '../support/harness.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const task = (id: string, purpose = 'read last week’s orders') => ({ id, purpose, attributes: {}, parent_id: '' });
const KILLED: Record<Engine, string[]> = { postgres: ['57P01'], mysql: ['closed', 'PROTOCOL_CONNECTION_LOST'] };
const NO_LOGIN: Record<Engine, string[]> = { postgres: ['28000', '28P01'], mysql: ['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR'] };
const DENIED: Record<Engine, string[]> = { postgres: ['42501'], mysql: ['ER_TABLEACCESS_DENIED_ERROR'] };

function loginOf(d: DatabaseLogin__Output) {
  return { host: d.host, port: d.port, database: d.database, username: d.username, password: d.password };
}

/** Agents may get SELECT on orders and customers from the provider, nothing else (the ceiling also has INSERT on orders). */
function policyFor(provider: string, db: TestDatabase): string {
  return `
@id("agents-may-read-orders-${provider}")
permit (principal, action == Action::"issue", resource == Provider::"${provider}")
when {
  principal.path like "/agents/*" && context.ttlSeconds <= 3600 &&
  ["SELECT:${db.object('orders')}", "SELECT:${db.object('customers')}"].containsAll(context.scope)
};
`;
}

describe.each(['postgres', 'mysql'] as const)('%s credentials over gRPC', (engine) => {
  const provider = `orders-${engine}`;
  const flaky = `flaky-${engine}`;
  let db: TestDatabase;
  let proxy: TcpProxy;
  let h: Harness;
  let agent: WarrantClient;
  let operator: WarrantClient;
  let orders: string;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    orders = db.object('orders');
    proxy = await TcpProxy.start(db.port);
    h = await startHarness({
      providers: {
        [provider]: db.providerConfig(),
        // The same server behind a proxy the tests can cut.
        [flaky]: db.providerConfig({ adminUrl: db.adminUrl(proxy.port) }),
      },
      policy: policyFor(provider, db) + policyFor(flaky, db),
      pendingTimeout: '1s',
    });
    agent = await h.client(AGENT_ID);
    operator = await h.client(OPERATOR_ID);
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.stop();
    await db?.drop();
  });

  const leaseState = async (id: string) => (await operator.getLease(id)).lease!.state;

  it('issues a login that reads orders and nothing else; completing the task ends its open session', async () => {
    const issued = await agent.issueTaskCredential({ task: task('t-use'), provider, scope: [`SELECT:${orders}`], ttl: { seconds: '600', nanos: 0 } });
    const lease = issued.lease!;
    expect(lease).toMatchObject({ state: 'LEASE_STATE_ACTIVE', provider, provider_kind: engine, scope: [`SELECT:${orders}`] });
    const login = issued.credential!.database_login!;
    expect(login).toMatchObject({ engine, host: db.host, port: db.port, username: `${db.prefix}${lease.id}` });
    expect(Number(login.valid_until!.seconds)).toBe(Number(lease.expires_at!.seconds));

    const session = await db.connect(loginOf(login));
    expect(await session.query(`SELECT id FROM ${orders} ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(DENIED[engine]).toContain(await errorCodeOf(() => session.query(`SELECT * FROM ${db.object('payroll')}`)));
    expect(DENIED[engine]).toContain(await errorCodeOf(() => session.query(`INSERT INTO ${orders} VALUES (99, 'x', 1)`)));

    const completed = await agent.completeTask('t-use');
    expect(completed.leases.map((l) => [l.id, l.state, l.trigger])).toEqual([[lease.id, 'LEASE_STATE_REVOKED', 'TRIGGER_TASK_COMPLETED']]);
    // The session opened before the revocation is gone, and no new one can start.
    expect(KILLED[engine]).toContain(await session.ended);
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.close();
    expect(NO_LOGIN[engine]).toContain(await errorCodeOf(() => db.connect(loginOf(login))));
    expect(await db.logins()).toEqual([]);
  });

  it('refuses what the ceiling or the policy does not allow, and mints nothing', async () => {
    await expect(
      agent.issueTaskCredential({ task: task('t-deny'), provider, scope: [`SELECT:${db.object('payroll')}`] }),
    ).rejects.toMatchObject({
      grpcCode: 3,
      code: 'ERR_SCOPE_INVALID',
      message: expect.stringContaining(`object "${db.object('payroll')}" is outside the ceiling of provider '${provider}'`),
    });
    // INSERT is within the ceiling, but no policy permits it.
    await expect(agent.issueTaskCredential({ task: task('t-deny'), provider, scope: [`SELECT,INSERT:${orders}`] })).rejects.toMatchObject({
      grpcCode: 7,
      code: 'ERR_POLICY_DENIED',
    });
    await expect(agent.issueTaskCredential({ task: task('t-deny'), provider, scope: [] })).rejects.toMatchObject({
      grpcCode: 3,
      code: 'ERR_SCOPE_INVALID',
      message: `provider '${provider}' has no default scope: name the privileges you need as PRIV[,PRIV…]:schema.object (e.g. SELECT:sales.orders)`,
    });
    expect(await db.logins()).toEqual([]);
  });

  it('renewal extends the lease (and VALID UNTIL on PostgreSQL); the login keeps working', async () => {
    const issued = await agent.issueTaskCredential({ task: task('t-renew'), provider, scope: [`SELECT:${orders}`], ttl: { seconds: '60', nanos: 0 } });
    const lease = issued.lease!;
    const renewed = (await agent.renewLease(lease.id, 1200)).lease!;
    expect(renewed.renewals).toBe(1);
    const newExpiry = Number(renewed.expires_at!.seconds) * 1000 + Math.floor(renewed.expires_at!.nanos / 1e6);
    expect(newExpiry).toBeGreaterThan(Number(lease.expires_at!.seconds) * 1000);
    if (engine === 'postgres') {
      const [row] = await db.admin('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [`${db.prefix}${lease.id}`]);
      expect((row!['rolvaliduntil'] as Date).getTime()).toBe(newExpiry);
    }
    const session = await db.connect(loginOf(issued.credential!.database_login!));
    expect(await session.query(`SELECT count(*) AS n FROM ${orders}`)).toHaveLength(1);
    await session.close();
    await agent.completeTask('t-renew');
    expect(await db.logins()).toEqual([]);
  });

  it('expiry revokes: the reaper drops the login and ends its open session', async () => {
    const issued = await agent.issueTaskCredential({ task: task('t-expire'), provider, scope: [`SELECT:${orders}`], ttl: { seconds: '1', nanos: 0 } });
    const session = await db.connect(loginOf(issued.credential!.database_login!));
    expect(KILLED[engine]).toContain(await session.ended);
    await session.close();
    const lease = await eventually(async () => {
      const l = (await operator.getLease(issued.lease!.id)).lease!;
      return l.state === 'LEASE_STATE_EXPIRED' ? l : undefined;
    });
    expect(lease.trigger).toBe('TRIGGER_EXPIRED');
    expect(await db.logins()).toEqual([]);
  });

  it('sweeps up a crashed mint: the login is found from the lease id and dropped', async () => {
    // What a server that died between `pending` and `active` leaves behind: the intent, and a login.
    const now = systemClock.now();
    const id = newLeaseId(now);
    const other = await buildProvider(provider, db.providerConfig(), { clock: systemClock });
    try {
      await h.server.store.createPending({
        id,
        owner: AGENT_ID,
        trustDomain: 'test.example',
        taskId: 't-crash',
        provider,
        providerKind: engine,
        scope: [`SELECT:${orders}`],
        handle: other.handleFor(id),
        issuedAt: now,
        expiresAt: now + 600_000,
        maxExpiresAt: now + 3_600_000,
      });
      const minted = await other.mint({ leaseId: id, owner: AGENT_ID, trustDomain: 'test.example', taskId: 't-crash', scope: [`SELECT:${orders}`], issuedAt: now, expiresAt: now + 600_000 });
      const session = await db.connect(minted.credential as DatabaseLoginCredential);
      expect(await db.logins()).toEqual([`${db.prefix}${id}`]);
      expect(KILLED[engine]).toContain(await session.ended);
      await session.close();
      const lease = await eventually(async () => {
        const l = (await operator.getLease(id)).lease!;
        return l.state === 'LEASE_STATE_EXPIRED' ? l : undefined;
      });
      expect(lease.reason).toBe('pending lease abandoned: the mint failed or the server stopped mid-issue');
      expect(await db.logins()).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('an outage while minting is UNAVAILABLE, leaves no active lease and no login; revocation completes when it is back', async () => {
    await proxy.stop();
    try {
      await expect(agent.issueTaskCredential({ task: task('t-outage'), provider: flaky, scope: [`SELECT:${orders}`] })).rejects.toMatchObject({
        grpcCode: 14,
        code: 'ERR_PROVIDER_UNAVAILABLE',
        message: expect.stringMatching(/^credential provider unavailable; nothing was issued; retry later \(correlation id [0-9a-f-]{36}\)$/),
      });
      const [lease] = (await operator.listLeases({ selector: { task_id: 't-outage' } })).leases;
      expect(lease?.state).toBe('LEASE_STATE_REVOKING');
    } finally {
      await proxy.start();
    }
    const [pending] = (await operator.listLeases({ selector: { task_id: 't-outage' } })).leases;
    await eventually(async () => ((await leaseState(pending!.id)) === 'LEASE_STATE_EXPIRED' ? true : undefined), 20_000);
    expect(await db.logins()).toEqual([]);
  });

  it('a connection cut half-way through a mint leaves no half-created login', async () => {
    proxy.cutWhenClientSends('GRANT');
    try {
      await expect(agent.issueTaskCredential({ task: task('t-cut'), provider: flaky, scope: [`SELECT:${orders}`] })).rejects.toMatchObject({
        grpcCode: 14,
        code: 'ERR_PROVIDER_UNAVAILABLE',
      });
    } finally {
      proxy.cutWhenClientSends(undefined);
    }
    const [lease] = (await operator.listLeases({ selector: { task_id: 't-cut' } })).leases;
    expect(lease?.state).toBe('LEASE_STATE_EXPIRED');
    expect(await db.logins()).toEqual([]);
  });

  it('hostile task ids, purposes, scopes and object names never reach SQL; the catalogue is unchanged', async () => {
    const before = await db.catalogue();
    const o = orders;
    const [schema, table] = o.split('.') as [string, string];
    const hostileScopes = [
      `SELECT:${o}; DROP TABLE ${db.object('payroll')}`,
      `SELECT:${o}'; DROP ROLE postgres; --`,
      `SELECT:${o}" TO PUBLIC; --`,
      `SELECT:${schema}.${table}\` TO root; --`,
      `SELECT ON ${o} TO PUBLIC:${o}`,
      `ALL:${o}`,
      `ALL PRIVILEGES:${o}`,
      `SELECT,GRANT OPTION:${o}`,
      `SUPER:*.*`,
      `SELECT:*.*`,
      `SELECT:${schema}.*`,
      `SELECT:"${schema}"."${table}"`,
      `SELECT:${schema}.${table}\u0000`,
      `SELECT:${schema}.${table}\n; DROP TABLE x`,
      `SELECT:${schema}.${table}\\`,
      `SELECT:${schema}.${table}/**/`,
      `SELECT:${schema}.ordеrs`, // Cyrillic "е"
      `SELECT:${schema}.${table} WITH GRANT OPTION`,
      `SELECT:pg_catalog.pg_authid`,
      `SELECT:mysql.user`,
      `INSERT:${o}`, // within the ceiling, outside the policy
      `EXECUTE:${schema}.pg_sleep`,
      `SELECT:${schema}.${'x'.repeat(300)}`,
      `SELECT:${schema}.${table}%`,
    ];
    let refused = 0;
    for (const scope of hostileScopes) {
      const err = await agent.issueTaskCredential({ task: task('t-hostile'), provider, scope: [`SELECT:${o}`, scope] }).then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(['ERR_SCOPE_INVALID', 'ERR_POLICY_DENIED', 'ERR_INVALID_ARGUMENT'], JSON.stringify(scope)).toContain(err?.code);
      refused++;
    }
    const hostileTaskIds = [`t'; DROP ROLE postgres; --`, 't"; DROP TABLE x', 't`; DROP USER root', 't\\', 't;--', `t${'\u0000'}x`];
    for (const id of hostileTaskIds) {
      await expect(agent.issueTaskCredential({ task: task(id), provider, scope: [`SELECT:${o}`] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      refused++;
    }
    // Task ids that pass validation but carry SQL-significant characters, and hostile purposes:
    // accepted, minted, used, revoked — they only ever reach SQL as escaped literals.
    const acceptedTasks = ['t:o/x@y', 't-sql/--', 't.@:/_-'];
    const hostilePurposes = ["'); DROP ROLE postgres; --", '"; DROP TABLE orders; --', '\\\'; SELECT pg_sleep(10); --', '`; DROP USER root; --', '$$; DROP TABLE x; $$'];
    for (const [i, purpose] of hostilePurposes.entries()) {
      // A task keeps the purpose it was opened with, so each purpose gets a task of its own.
      const id = `${acceptedTasks[i % acceptedTasks.length]!}-${i}`;
      const issued = await agent.issueTaskCredential({ task: task(id, purpose), provider, scope: [`SELECT:${o}`] });
      const session = await db.connect(loginOf(issued.credential!.database_login!));
      expect(await session.query(`SELECT count(*) AS n FROM ${o}`)).toHaveLength(1);
      await session.close();
      if (engine === 'postgres') {
        const [row] = await db.admin(`SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = $1`, [issued.credential!.database_login!.username]);
        expect(row!['c']).toBe(`warrant lease ${issued.lease!.id} for task ${id} of ${AGENT_ID}`);
      }
      await agent.completeTask(id);
    }
    expect(refused + hostilePurposes.length).toBeGreaterThanOrEqual(20);
    // Hostile object names in the operator's own config are refused before anything connects.
    for (const object of [`${schema}.${table}"; DROP TABLE x; --`, `${schema}.${table}\`; DROP USER root`, `${schema}'.${table}`, `*.*`]) {
      await expect(buildProvider('hostile', db.providerConfig({ grants: { [object]: ['SELECT'] } }), { clock: systemClock })).rejects.toMatchObject({
        code: 'ERR_CONFIG',
      });
    }
    expect(await db.logins()).toEqual([]);
    expect(await db.catalogue()).toBe(before);
  });
});

describe.each(['postgres', 'mysql'] as const)('%s credentials never leave a secret behind (Redis store)', (engine) => {
  let db: TestDatabase;
  let h: Harness;
  let agent: WarrantClient;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    h = await startHarness({ redisUrl: REDIS_URL, providers: { 'orders-db': db.providerConfig() }, policy: policyFor('orders-db', db) });
    agent = await h.client(AGENT_ID);
  });
  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  it('the password appears in no log line, Redis key or audit record', async () => {
    const passwords: string[] = [];
    for (const t of ['t-secret-1', 't-secret-2']) {
      const issued = await agent.issueTaskCredential({ task: task(t), provider: 'orders-db', scope: [`SELECT:${db.object('orders')}`], idempotency_key: `${t}-key` });
      passwords.push(issued.credential!.database_login!.password);
      await agent.renewLease(issued.lease!.id, 600);
      // A retried request gets the same lease and no second login; the password is never stored to redeliver.
      const again = await agent.issueTaskCredential({ task: task(t), provider: 'orders-db', scope: [`SELECT:${db.object('orders')}`], idempotency_key: `${t}-key` });
      expect(again.lease!.id).toBe(issued.lease!.id);
      expect(again.credential).toBeNull();
    }
    const redis = await h.redisDump();
    await agent.completeTask('t-secret-1');
    await agent.completeTask('t-secret-2');
    await h.server.audit.flush();
    const issues = readAudit(h).filter((r) => r['type'] === 'issue' && r['outcome'] === 'issued');
    expect(issues).toHaveLength(2);
    for (const r of issues) expect(r['credentialHmac']).toMatch(/^[A-Za-z0-9_-]{20,}/);
    expect(redis).toContain(`${db.prefix}`);
    const everything = readFileSync(h.auditFile, 'utf8') + h.logs.join('') + redis + (await h.redisDump());
    for (const p of passwords) expect(everything).not.toContain(p);
    expect(await db.logins()).toEqual([]);
  });
});

describe.each(['postgres', 'mysql'] as const)('AdminService.RotateProviderCredential (%s)', (engine) => {
  let db: TestDatabase;
  let h: Harness;
  let dir: string;
  let adminUser: string;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    adminUser = `${db.prefix}rot`;
    const first = `pw-${newLeaseId()}`;
    if (engine === 'postgres') await db.admin(`CREATE ROLE ${adminUser} LOGIN SUPERUSER PASSWORD '${first}'`);
    else {
      await db.admin(`CREATE USER '${adminUser}'@'%' IDENTIFIED BY '${first}'`);
      await db.admin(`GRANT ALL PRIVILEGES ON *.* TO '${adminUser}'@'%' WITH GRANT OPTION`);
    }
    dir = mkdtempSync(join(tmpdir(), 'warrant-rotate-'));
    writeFileSync(join(dir, 'admin.secret'), `${first}\n`, { mode: 0o600 });
    const url = new URL(db.adminUrl());
    url.username = adminUser;
    h = await startHarness({
      providers: {
        'orders-db': db.providerConfig({ adminUrl: url.toString(), adminPasswordFile: join(dir, 'admin.secret') }),
        'orders-api': { kind: 'oauth-jwt', issuer: 'https://warrant.test.example', audience: 'https://orders.test.example', scopes: ['orders:read'] },
      },
      policy: policyFor('orders-db', db),
    });
  });
  afterAll(async () => {
    await h?.close();
    if (engine === 'postgres') await db?.admin(`DROP ROLE IF EXISTS ${adminUser}`);
    else await db?.admin(`DROP USER IF EXISTS '${adminUser}'@'%'`);
    await db?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('lets an admin rotate the provider admin password; warrant keeps minting with the new one; nobody sees it', async () => {
    const operator = await h.client(OPERATOR_ID);
    const agent = await h.client(AGENT_ID);
    const before = readFileSync(join(dir, 'admin.secret'), 'utf8');
    const res = await operator.rotateProviderCredential('orders-db');
    expect(res).toMatchObject({ provider: 'orders-db', stored_in: join(dir, 'admin.secret') });
    expect(Number(res.rotated_at!.seconds)).toBeGreaterThan(0);
    const after = readFileSync(join(dir, 'admin.secret'), 'utf8').trimEnd();
    expect(after).not.toBe(before.trimEnd());

    const issued = await agent.issueTaskCredential({ task: task('t-after-rotation'), provider: 'orders-db', scope: [`SELECT:${db.object('orders')}`] });
    const session = await db.connect(loginOf(issued.credential!.database_login!));
    expect(await session.query(`SELECT count(*) AS n FROM ${db.object('orders')}`)).toHaveLength(1);
    await session.close();
    await agent.completeTask('t-after-rotation');

    await h.server.audit.flush();
    const rotations = readAudit(h).filter((r) => r['action'] === 'rotate_provider_credential');
    expect(rotations).toEqual([expect.objectContaining({ type: 'admin', outcome: 'rotated', provider: 'orders-db', workload: expect.objectContaining({ spiffeId: OPERATOR_ID }) })]);
    expect(readFileSync(h.auditFile, 'utf8') + h.logs.join('')).not.toContain(after);
  });

  it('refuses non-admins, unknown providers and providers with nothing to rotate', async () => {
    const operator = await h.client(OPERATOR_ID);
    const agent = await h.client(AGENT_ID);
    await expect(agent.rotateProviderCredential('orders-db')).rejects.toMatchObject({
      grpcCode: 7,
      code: 'ERR_PERMISSION_DENIED',
      message: `${AGENT_ID} is not an admin; only configured admin identities may rotate provider credentials`,
    });
    await expect(operator.rotateProviderCredential('nope')).rejects.toMatchObject({ grpcCode: 5, code: 'ERR_PROVIDER_NOT_FOUND' });
    await expect(operator.rotateProviderCredential('orders-api')).rejects.toMatchObject({
      grpcCode: 9,
      code: 'ERR_ROTATION_UNSUPPORTED',
      message: 'provider "orders-api" (oauth-jwt) has no credential of its own to rotate',
    });
  });
});
