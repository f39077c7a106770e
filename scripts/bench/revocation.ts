// Revocation benchmark: mass revocation of oauth-jwt leases end to end (RevokeMatching until every
// lease is confirmed), reaper lag with many live leases, start-up time with a million leases in
// Redis, and Redis memory per lease. Figures are given against their targets and, where it makes
// sense, as a ratio to a floor measured in the same run on the same Redis (raw EVALSHA throughput).
// Everything runs against a redis-server of its own on a free loopback port, stopped at the end.
//
//   npx tsx scripts/bench/revocation.ts [--mass N] [--live N] [--startup N] [--json FILE]
//
// Defaults are the targets' sizes: --mass 100000 --live 100000 --startup 1000000 (seeding a
// million leases takes a few minutes; pass --startup 0 to skip that part).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { cpuSecondsOf } from './processes.js';
import { WarrantClient } from '../../src/client/index.js';
import { loadServerConfig } from '../../src/config/index.js';
import { DevAuthority } from '../../src/identity/index.js';
import { RedisLeaseStore, createRedisClient, type LeaseStore } from '../../src/leases/index.js';
import { WARRANT_SCHEMA } from '../../src/policy/index.js';
import { startServer, type RunningServer } from '../../src/main.js';

const TD = 'bench.example';
const SERVER_ID = `spiffe://${TD}/warrant`;
const OWNER = `spiffe://${TD}/agents/planner`;
const OPERATOR = `spiffe://${TD}/operators/ops`;
const PROVIDER = 'orders-api';
const TARGETS = { massSeconds: 3, reaperP99Seconds: 1, startupSeconds: 1, bytesPerLease: 600 };

export interface RevocationBenchOptions {
  /** Leases revoked by the mass revocation (0 skips it). */
  readonly mass: number;
  /** Live leases while the reaper lag is measured (0 skips it). */
  readonly live: number;
  /** Leases in Redis while start-up is measured (0 skips it). */
  readonly startup: number;
  readonly log?: (line: string) => void;
}

export interface RevocationBenchReport {
  readonly floor: { evalshaPerSecond: number; evalshaPipelinedPerSecond: number };
  readonly memory?: { leases: number; bytesPerLease: number; eventFeedBytes: number };
  readonly mass?: { leases: number; seconds: number; leasesPerSecond: number; ratioToEvalsha: number };
  readonly reaper?: { live: number; expiring: number; p50Seconds: number; p99Seconds: number; maxSeconds: number };
  readonly startup?: { leases: number; emptySeconds: number; loadedSeconds: number };
  readonly verdicts: readonly string[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function cpuTotal(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

async function startRedis(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return { url, child };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start');
}

/** Raw Redis throughput on this machine, now: the floor the store's figures are compared to. */
async function measureFloor(url: string): Promise<RevocationBenchReport['floor']> {
  const r = new Redis(url);
  r.defineCommand('benchHset', { numberOfKeys: 1, lua: "return redis.call('HSET', KEYS[1], 'a', ARGV[1])" });
  const call = (key: string) => (r as unknown as { benchHset(k: string, v: string): Promise<unknown> }).benchHset(key, 'v');
  const n = 50_000;
  let next = 0;
  let t = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n) await call(`floor:{f}:${next++}`);
    }),
  );
  const evalshaPerSecond = n / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let b = 0; b < n; b += 500) {
    const p = r.pipeline();
    for (let i = b; i < b + 500; i++) (p as unknown as Record<string, (k: string, v: string) => void>)['benchHset']!(`floor:{f}:${i}`, 'v');
    await p.exec();
  }
  const evalshaPipelinedPerSecond = n / ((performance.now() - t) / 1000);
  await r.flushdb();
  r.disconnect();
  return { evalshaPerSecond: Math.round(evalshaPerSecond), evalshaPipelinedPerSecond: Math.round(evalshaPipelinedPerSecond) };
}

interface Seed {
  readonly count: number;
  /** Expiry of the i-th lease. */
  readonly expiresAt: (i: number, now: number) => number;
  readonly taskPrefix: string;
}

/** Writes active oauth-jwt leases as the server would (pending, then active), ten per task. */
async function seed(store: LeaseStore, s: Seed, log: (line: string) => void): Promise<string[]> {
  const ids: string[] = new Array(s.count);
  const now = Date.now();
  let next = 0;
  let lastReport = Date.now();
  await Promise.all(
    Array.from({ length: 128 }, async () => {
      while (next < s.count) {
        const i = next++;
        const taskId = `${s.taskPrefix}-${Math.floor(i / 10)}`;
        const id = store.newLeaseId({ owner: OWNER, taskId }, now);
        const expiresAt = s.expiresAt(i, now);
        await store.createPending({
          id,
          owner: OWNER,
          trustDomain: TD,
          taskId,
          provider: PROVIDER,
          providerKind: 'oauth-jwt',
          scope: ['orders:read'],
          handle: id,
          issuedAt: now,
          expiresAt,
          maxExpiresAt: Math.max(expiresAt, now + 3_600_000),
        });
        await store.activate(id, expiresAt, now);
        ids[i] = id;
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          log(`  … ${next.toLocaleString('en-US')} of ${s.count.toLocaleString('en-US')} seeded`);
        }
      }
    }),
  );
  return ids;
}

async function usedMemory(url: string): Promise<number> {
  const r = new Redis(url);
  const info = await r.info('memory');
  r.disconnect();
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

async function resetCommandStats(url: string): Promise<void> {
  const r = new Redis(url);
  await r.config('RESETSTAT');
  r.disconnect();
}

/** Redis's own time per command since the last reset, per lease, largest first (e.g. `evalsha 21.3`). */
async function commandTimes(url: string, leases: number): Promise<string[]> {
  const r = new Redis(url);
  const info = await r.info('commandstats');
  r.disconnect();
  const times = [...info.matchAll(/^cmdstat_([^:]+):calls=\d+,usec=(\d+)/gm)].map((m) => ({ command: m[1]!, usec: Number(m[2]) / leases }));
  return times
    .filter((t) => t.usec >= 0.05)
    .sort((a, b) => b.usec - a.usec)
    .map((t) => `${t.command} ${t.usec.toFixed(1)}`);
}

/** Memory held by the capped event streams (bounded, whatever the number of leases). */
async function eventFeedMemory(url: string, keyPrefix: string): Promise<number> {
  const r = new Redis(url);
  const keys = await r.keys(`${keyPrefix.slice(0, keyPrefix.indexOf('}'))}*events`);
  let total = 0;
  for (const key of keys) total += Number(await r.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  r.disconnect();
  return total;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A config for a server on the bench's Redis; certificates from a fresh dev authority. */
async function writeConfig(dir: string, redisUrl: string, keyPrefix: string, authority: DevAuthority): Promise<string> {
  const server = await authority.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'] });
  writeFileSync(join(dir, 'bundle.pem'), authority.certPem);
  writeFileSync(join(dir, 'server.pem'), server.chainPem);
  writeFileSync(join(dir, 'server-key.pem'), server.keyPem, { mode: 0o600 });
  mkdirSync(join(dir, 'policies'), { recursive: true });
  writeFileSync(join(dir, 'policies', 'schema.cedarschema'), WARRANT_SCHEMA);
  writeFileSync(join(dir, 'policies', 'main.cedar'), `@id("none") forbid (principal, action, resource);\n`);
  const file = join(dir, `config-${keyPrefix.replace(/\W/g, '')}.yaml`);
  writeFileSync(
    file,
    stringify({
      grpc: { listen: '127.0.0.1:0', certFile: 'server.pem', keyFile: 'server-key.pem' },
      http: { listen: '127.0.0.1:0' },
      identity: { trustBundles: [{ trustDomain: TD, bundleFile: 'bundle.pem' }], admins: [OPERATOR] },
      policy: { dir: 'policies' },
      store: { kind: 'redis', url: redisUrl, keyPrefix },
      audit: { file: `audit-${keyPrefix.replace(/\W/g, '')}.log`, hmacKeyFile: 'audit-hmac.key' },
      providers: { [PROVIDER]: { kind: 'oauth-jwt', issuer: 'https://warrant.bench.example', audience: 'https://orders.bench.example', scopes: ['orders:read'], signingKeyFile: 'signing-key.pem' } },
    }),
  );
  return file;
}

async function start(configFile: string): Promise<{ running: RunningServer; seconds: number }> {
  const t = performance.now();
  const running = await startServer(loadServerConfig(configFile), { log: pino({ level: 'warn' }) });
  return { running, seconds: (performance.now() - t) / 1000 };
}

export async function runRevocationBench(o: RevocationBenchOptions): Promise<RevocationBenchReport> {
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'warrant-bench-revocation-'));
  const { url, child } = await startRedis(dir);
  const authority = await DevAuthority.create(TD);
  const verdicts: string[] = [];
  const report: { -readonly [K in keyof RevocationBenchReport]: RevocationBenchReport[K] } = { floor: { evalshaPerSecond: 0, evalshaPipelinedPerSecond: 0 }, verdicts };
  const verdict = (what: string, value: number, target: number, unit: string, lowerIsBetter = true) => {
    const ok = lowerIsBetter ? value <= target : value >= target;
    const line = `${ok ? 'MEETS ' : 'MISSES'} ${what}: ${value.toLocaleString('en-US', { maximumFractionDigits: 3 })} ${unit} (target ${lowerIsBetter ? '≤' : '≥'} ${target} ${unit})`;
    verdicts.push(line);
    log(line);
  };
  try {
    log(`revocation bench on redis ${url}`);
    report.floor = await measureFloor(url);
    log(`floor: EVALSHA ${report.floor.evalshaPerSecond.toLocaleString('en-US')}/s with 64 in flight, ${report.floor.evalshaPipelinedPerSecond.toLocaleString('en-US')}/s pipelined by 500`);

    if (o.mass > 0) {
      const keyPrefix = 'bench:{mass}:';
      const store = await RedisLeaseStore.open(await createRedisClient(url), { keyPrefix, closeClient: true });
      const before = await usedMemory(url);
      log(`seeding ${o.mass.toLocaleString('en-US')} live leases for the mass revocation …`);
      await seed(store, { count: o.mass, taskPrefix: 'mass', expiresAt: (_i, now) => now + 3_600_000 }, log);
      const feed = await eventFeedMemory(url, keyPrefix);
      const bytes = (await usedMemory(url)) - before;
      report.memory = { leases: o.mass, bytesPerLease: Math.round((bytes - feed) / o.mass), eventFeedBytes: feed };
      log(`memory: ${report.memory.bytesPerLease} bytes per live lease (hash + indexes), plus ${Math.round(feed / 1024)} KiB for the capped event feed`);
      verdict('Redis memory per lease', report.memory.bytesPerLease, TARGETS.bytesPerLease, 'bytes');

      const configFile = await writeConfig(dir, url, keyPrefix, authority);
      const { running } = await start(configFile);
      const svid = await authority.issueX509Svid(OPERATOR);
      const client = new WarrantClient({ server: `127.0.0.1:${running.grpcPort}`, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: authority.certPem, serverId: SERVER_ID });
      await resetCommandStats(url);
      const t = performance.now();
      const cpu0 = { redis: cpuSecondsOf(child.pid ?? 0), node: process.cpuUsage() };
      const summary = await client.revokeMatching({ selector: { all: true }, reason: 'bench', confirm_timeout: { seconds: '600', nanos: 0 } }, () => undefined);
      const seconds = (performance.now() - t) / 1000;
      const redisCpu = (cpuSecondsOf(child.pid ?? 0) ?? Number.NaN) - (cpu0.redis ?? Number.NaN);
      const nodeCpu = cpuTotal(process.cpuUsage(cpu0.node));
      client.close();
      await running.close();
      await store.close();
      if (Number(summary.revoked) !== o.mass) throw new Error(`mass revocation confirmed ${summary.revoked} of ${o.mass}`);
      const perSecond = o.mass / seconds;
      report.mass = { leases: o.mass, seconds, leasesPerSecond: Math.round(perSecond), ratioToEvalsha: perSecond / report.floor.evalshaPerSecond };
      log(`mass revocation: ${o.mass.toLocaleString('en-US')} oauth-jwt leases revoked and confirmed in ${seconds.toFixed(2)} s (${report.mass.leasesPerSecond.toLocaleString('en-US')}/s = ${report.mass.ratioToEvalsha.toFixed(2)}× the EVALSHA floor; an oauth-jwt lease goes straight to revoked in its selection script: its provider's revocation is local)`);
      log(`  CPU during it: Redis ${redisCpu.toFixed(2)} s (${Math.round((redisCpu / o.mass) * 1e6)} µs a lease), warrant and its client ${nodeCpu.toFixed(2)} s (${Math.round((nodeCpu / o.mass) * 1e6)} µs a lease)`);
      log(`  Redis time a lease by command (µs, inside scripts too): ${(await commandTimes(url, o.mass)).join(', ')}`);
      verdict('mass revocation end to end', seconds, TARGETS.massSeconds, 's');
    }

    if (o.live > 0) {
      const keyPrefix = 'bench:{live}:';
      const store = await RedisLeaseStore.open(await createRedisClient(url), { keyPrefix, closeClient: true });
      const expiring = Math.min(10_000, Math.floor(o.live / 10));
      log(`seeding ${o.live.toLocaleString('en-US')} live leases, ${expiring.toLocaleString('en-US')} of them expiring over 10 s once seeded …`);
      await seed(store, { count: o.live - expiring, taskPrefix: 'live', expiresAt: (_i, now) => now + 3_600_000 }, log);
      const configFile = await writeConfig(dir, url, keyPrefix, authority);
      const { running } = await start(configFile);
      const from = Date.now() + 3000;
      const ids = await seed(store, { count: expiring, taskPrefix: 'expiring', expiresAt: (i) => from + Math.floor((i * 10_000) / expiring) }, log);
      const deadline = Date.now() + 120_000;
      while ((await store.revocationStats(Date.now())).queued > 0 || Date.now() < from + 10_500) {
        if (Date.now() > deadline) throw new Error('the reaper did not finish in time');
        await new Promise((r) => setTimeout(r, 250));
      }
      const lags: number[] = [];
      for (let i = 0; i < ids.length; i += 1000) {
        for (const lease of await store.getMany(ids.slice(i, i + 1000))) {
          if (lease?.revokedAt !== undefined) lags.push((lease.revokedAt - lease.expiresAt) / 1000);
        }
      }
      await running.close();
      await store.close();
      if (lags.length !== expiring) throw new Error(`only ${lags.length} of ${expiring} expiring leases were revoked`);
      lags.sort((a, b) => a - b);
      report.reaper = { live: o.live, expiring, p50Seconds: percentile(lags, 50), p99Seconds: percentile(lags, 99), maxSeconds: lags[lags.length - 1]! };
      log(`reaper lag at ${o.live.toLocaleString('en-US')} live leases (${expiring.toLocaleString('en-US')} expiring at ${(expiring / 10).toLocaleString('en-US')}/s): p50 ${report.reaper.p50Seconds.toFixed(3)} s, p99 ${report.reaper.p99Seconds.toFixed(3)} s, max ${report.reaper.maxSeconds.toFixed(3)} s (expiry → provider confirmed)`);
      verdict('reaper lag p99', report.reaper.p99Seconds, TARGETS.reaperP99Seconds, 's');
    }

    if (o.startup > 0) {
      const keyPrefix = 'bench:{startup}:';
      const emptyPrefix = 'bench:{empty}:';
      const store = await RedisLeaseStore.open(await createRedisClient(url), { keyPrefix, closeClient: true });
      log(`seeding ${o.startup.toLocaleString('en-US')} leases for the start-up measurement …`);
      await seed(store, { count: o.startup, taskPrefix: 'startup', expiresAt: (_i, now) => now + 3_600_000 }, log);
      await store.close();
      const emptyConfig = await writeConfig(dir, url, emptyPrefix, authority);
      const loadedConfig = await writeConfig(dir, url, keyPrefix, authority);
      // A first start warms module loading and the policy engine's wasm, as any earlier start would.
      await (await start(emptyConfig)).running.close();
      const emptyRuns: number[] = [];
      const loadedRuns: number[] = [];
      for (let i = 0; i < 3; i++) {
        for (const [config, runs] of [[emptyConfig, emptyRuns], [loadedConfig, loadedRuns]] as const) {
          const started = await start(config);
          runs.push(started.seconds);
          await started.running.close();
        }
      }
      const median = (runs: number[]) => [...runs].sort((a, b) => a - b)[1]!;
      report.startup = { leases: o.startup, emptySeconds: median(emptyRuns), loadedSeconds: median(loadedRuns) };
      log(
        `start-up (median of 3): ${report.startup.loadedSeconds.toFixed(3)} s with ${o.startup.toLocaleString('en-US')} leases in Redis, ` +
          `${report.startup.emptySeconds.toFixed(3)} s with none (nothing is loaded at start; the rest is policy, providers, TLS)`,
      );
      verdict('start-up with leases in Redis', report.startup.loadedSeconds, TARGETS.startupSeconds, 's');
      const bytes = await usedMemory(url);
      log(`memory with every part seeded: ${(bytes / 2 ** 20).toFixed(0)} MiB in Redis`);
    }
    return report;
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mass: { type: 'string', default: '100000' },
      live: { type: 'string', default: '100000' },
      startup: { type: 'string', default: '1000000' },
      json: { type: 'string' },
    },
  });
  const report = await runRevocationBench({ mass: Number(values.mass), live: Number(values.live), startup: Number(values.startup) });
  if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`revocation bench failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
