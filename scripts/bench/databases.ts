// Mint and revoke throughput of the postgres and mysql providers against real servers, calling the
// providers directly (no gRPC, no lease store): ops/s and p50/p99 latency at 1 and at 4 in flight.
// Each run creates its own database and login prefix and drops both at the end.
//
//   npx tsx scripts/bench/databases.ts [--count N] [--seconds S] [--only postgres|mysql]
//
// or from another script: `await benchDatabases({ count, seconds, say })`.
//
// Servers: WARRANT_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) and
// WARRANT_BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306); passwords in the URLs are used
// for the bench's own set-up and handed to the providers through adminPasswordEnv.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { newLeaseId, systemClock } from '../../src/core/index.js';
import { buildProvider, type CredentialProvider } from '../../src/providers/index.js';

export interface DatabaseBenchOptions {
  /** Logins per phase at most. */
  readonly count: number;
  /** Seconds per phase at most. */
  readonly seconds: number;
  readonly only?: 'postgres' | 'mysql';
  /** Receives each line of the report as it is ready. */
  readonly say: (line: string) => void;
}

const CONCURRENCY = [1, 4] as const;
const PG_URL = process.env['WARRANT_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MYSQL_URL = process.env['WARRANT_BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';

interface Phase {
  readonly ops: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

interface BenchTarget {
  readonly label: string;
  readonly provider: CredentialProvider;
  readonly scope: readonly string[];
  cleanup(): Promise<void>;
}

const tag = randomBytes(3).toString('hex');
const database = `warrant_bench_${tag}`;
const prefix = `b${tag.slice(0, 4)}_`;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `op` over items with `concurrency` in flight, until the items or the time budget run out. */
async function measure<T>(items: readonly T[], concurrency: number, seconds: number, op: (item: T) => Promise<void>): Promise<Phase & { done: T[] }> {
  const latencies: number[] = [];
  const done: T[] = [];
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < items.length && performance.now() < deadline) {
      const item = items[next++]!;
      const t0 = performance.now();
      await op(item);
      latencies.push(performance.now() - t0);
      done.push(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const took = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { ops: latencies.length, seconds: took, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), done };
}

async function postgresTarget(): Promise<BenchTarget> {
  const root = new pg.Client({ connectionString: PG_URL });
  await root.connect();
  let version: string;
  try {
    version = (await root.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]?.v.split(' ')[0] ?? '?';
    await root.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await root.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  const inDatabase = url.toString();
  let provider: CredentialProvider | undefined;
  const cleanup = async () => {
    await provider?.close();
    const db = new pg.Client({ connectionString: inDatabase });
    await db.connect();
    const left = await db.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [prefix]);
    for (const { rolname } of left.rows) await db.query(`DROP OWNED BY ${pg.escapeIdentifier(rolname)}; DROP ROLE ${pg.escapeIdentifier(rolname)}`);
    await db.end();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    await admin.end();
  };
  try {
    const setup = new pg.Client({ connectionString: inDatabase });
    await setup.connect();
    await setup.query('CREATE SCHEMA sales; CREATE TABLE sales.orders (id int PRIMARY KEY); CREATE TABLE sales.customers (id int PRIMARY KEY)');
    await setup.end();
    const password = decodeURIComponent(url.password);
    url.password = '';
    provider = await buildProvider(
      'bench-postgres',
      {
        kind: 'postgres',
        adminUrl: url.toString(),
        ...(password === '' ? {} : { adminPasswordEnv: 'BENCH_ADMIN_PASSWORD' }),
        grants: { 'sales.orders': ['SELECT', 'INSERT'], 'sales.customers': ['SELECT'] },
        userPrefix: prefix,
      },
      { clock: systemClock, env: { BENCH_ADMIN_PASSWORD: password } },
    );
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
  return { label: `PostgreSQL ${version}`, provider, scope: ['SELECT:sales.orders', 'INSERT:sales.orders', 'SELECT:sales.customers'], cleanup };
}

async function mysqlTarget(): Promise<BenchTarget> {
  const url = new URL(MYSQL_URL);
  const password = decodeURIComponent(url.password);
  const conn = await mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password });
  const db = mysql.escapeId(database);
  let provider: CredentialProvider | undefined;
  let version = '?';
  const cleanup = async () => {
    await provider?.close();
    const [users] = await conn.query<mysql.RowDataPacket[]>('SELECT User AS u, Host AS h FROM mysql.user WHERE LEFT(User, ?) = ?', [prefix.length, prefix]);
    for (const u of users) await conn.query(`DROP USER IF EXISTS ${mysql.escape(String(u['u']))}@${mysql.escape(String(u['h']))}`);
    await conn.query(`DROP DATABASE IF EXISTS ${db}`);
    await conn.end();
  };
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    version = String(rows[0]?.['v'] ?? '?');
    await conn.query(`CREATE DATABASE ${db}`);
    await conn.query(`CREATE TABLE ${db}.orders (id int PRIMARY KEY)`);
    await conn.query(`CREATE TABLE ${db}.customers (id int PRIMARY KEY)`);
    url.password = '';
    url.pathname = '';
    provider = await buildProvider(
      'bench-mysql',
      {
        kind: 'mysql',
        adminUrl: url.toString(),
        ...(password === '' ? {} : { adminPasswordEnv: 'BENCH_ADMIN_PASSWORD' }),
        grants: { [`${database}.orders`]: ['SELECT', 'INSERT'], [`${database}.customers`]: ['SELECT'] },
        userPrefix: prefix,
      },
      { clock: systemClock, env: { BENCH_ADMIN_PASSWORD: password } },
    );
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
  return {
    label: /mariadb/i.test(version) ? `MariaDB ${version.split('-')[0]}` : `MySQL ${version}`,
    provider,
    scope: [`SELECT:${database}.orders`, `INSERT:${database}.orders`, `SELECT:${database}.customers`],
    cleanup,
  };
}

async function benchOne(target: BenchTarget, o: DatabaseBenchOptions): Promise<string[]> {
  const lines: string[] = [];
  const { provider, scope } = target;
  for (const concurrency of CONCURRENCY) {
    const now = systemClock.now();
    const ids = Array.from({ length: o.count }, () => newLeaseId(now));
    const mint = await measure(ids, concurrency, o.seconds, async (leaseId) => {
      const issuedAt = systemClock.now();
      await provider.mint({ leaseId, owner: 'spiffe://bench.example/agent', trustDomain: 'bench.example', taskId: 'bench', scope, issuedAt, expiresAt: issuedAt + 600_000 });
    });
    const revoke = await measure(mint.done, concurrency, o.seconds, (leaseId) => provider.revoke({ leaseId, handle: provider.handleFor(leaseId) }));
    // Whatever the time budget left unrevoked is revoked before the next round (not measured).
    const left = mint.done.filter((id) => !revoke.done.includes(id));
    for (const leaseId of left) await provider.revoke({ leaseId, handle: provider.handleFor(leaseId) });
    for (const [name, phase] of [['mint', mint], ['revoke', revoke]] as const) {
      lines.push(
        `${target.label.padEnd(18)} ${name.padEnd(7)} ${String(concurrency).padStart(8)} ${String(phase.ops).padStart(6)} ${(phase.ops / phase.seconds).toFixed(0).padStart(8)} ${phase.p50Ms.toFixed(1).padStart(8)} ${phase.p99Ms.toFixed(1).padStart(8)}`,
      );
    }
  }
  return lines;
}

/** Runs the bench on each server; false when one could not be measured. */
export async function benchDatabases(o: DatabaseBenchOptions): Promise<boolean> {
  const { say } = o;
  say(`Database providers: mint and revoke, called directly (up to ${o.count} logins or ${o.seconds}s per phase; scope: 3 privileges on 2 tables)`);
  say(`${'server'.padEnd(18)} ${'op'.padEnd(7)} ${'in flight'.padStart(8)} ${'ops'.padStart(6)} ${'ops/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  const makers = [
    ['postgres', postgresTarget],
    ['mysql', mysqlTarget],
  ] as const;
  let ok = true;
  for (const [engine, make] of makers) {
    if (o.only !== undefined && o.only !== engine) continue;
    let target: BenchTarget | undefined;
    try {
      target = await make();
      for (const line of await benchOne(target, o)) say(line);
    } catch (err) {
      ok = false;
      say(`${engine.padEnd(18)} skipped: ${(err as Error).message}`);
    } finally {
      await target?.cleanup().catch((err: unknown) => say(`${engine}: cleanup failed: ${(err as Error).message}`));
    }
  }
  return ok;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '400' }, seconds: { type: 'string', default: '10' }, only: { type: 'string' } },
  });
  if (values.only !== undefined && values.only !== 'postgres' && values.only !== 'mysql') {
    process.stderr.write('--only takes postgres or mysql\n');
    process.exit(2);
  }
  const ok = await benchDatabases({
    count: Number(values.count),
    seconds: Number(values.seconds),
    ...(values.only === undefined ? {} : { only: values.only }),
    say: (line) => process.stdout.write(`${line}\n`),
  });
  if (!ok) process.exitCode = 1;
}
