// `npm run bench`: warrant's IssueTaskCredential and RenewLease throughput and latency, as a ratio to
// a bare grpc-js echo server driven the same way in the same run, a one-minute soak, and a CPU
// profile of one Issue run. The load comes from h2load (C) over kept-open mTLS connections, so the
// client is not what gets measured. Flags: --keep (leave the temp dir with logs and the profile),
// --quick (the table and the target only: no soak, no profile).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { WarrantClient } from '../../src/client/index.js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { summariseCpuProfile, type CpuProfile, type ProfileSummary } from './cpu-profile.js';
import { ISSUE_PATH, RENEW_PATH, issueRequestFrame, renewRequestFrame, type TaskBudget } from './grpc-frames.js';
import { latenciesOf, opsPerSecondByPeriod, runH2load, type ClientCertShim, type H2loadResult } from './h2load.js';
import { cpuSecondsOf, isRunning, machineCpuSeconds, mainThreadSchedSeconds, rssOf, startChild, stopAllChildren, stopChild, waitForLine, type Child } from './processes.js';

// ── what the bench does ──────────────────────────────────────────────────────────────────────
const CLIENTS = 4;
const STREAMS = 16;
const IN_FLIGHT = CLIENTS * STREAMS;
const WARMUP_S = 2;
/**
 * Each case is measured in ROUNDS runs of ≈ ROUND_S seconds. A round runs the echo floor, the
 * target case (IssueTaskCredential, warm), the echo floor again, then the other cases; one more
 * echo run follows the last round. A case's ratio in a round is to the floor measured on either
 * side of it (for the target case, the runs right before and right after it), so a phase of a
 * busy machine (other tenants, the hypervisor's steal) weighs on a case and its floor alike; the
 * target is judged on the median round. The machine's speed moves by half or more within a
 * minute here (the echo floor alone), so one round says little and the median of many is what is
 * steady.
 */
const ROUNDS = 9;
const ROUND_S = 3;
const SOAK_S = 60;
const PROFILE_S = 8;
/** First target: IssueTaskCredential at or above this share of the echo floor. */
const ISSUE_TARGET = 0.25;
/** The whole bench is aborted (and cleaned up) after this long. */
const BENCH_DEADLINE_MS = 8 * 60_000;
const LIVENESS_REQUESTS = 100;
/** The warm-cache Issue case opens a new task every this many calls (its budget allows exactly that). */
const CALLS_PER_WARM_TASK = 1000;
// A task holds at most max_concurrent_leases live leases (server maximum 1,000), and every call
// beyond its budget counts as a deviation that ends the task: so tasks rotate.
const BIG_TASK: TaskBudget = { maxCredentials: CALLS_PER_WARM_TASK, maxConcurrentLeases: CALLS_PER_WARM_TASK };

const PROVIDER = 'demo-api';
const SCOPE = ['orders:read'];
const SERVER_ID = 'spiffe://example.org/warrant';
const V8_FLAG = '--no-turbo-inline-js-wasm-calls';
const REDIS_URL = 'redis://127.0.0.1:6379';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));
const WARRANT_BIN = join(REPO, 'bin', 'warrant.js');
const ECHO_PATH = '/bench.v1.Echo/Echo';
const PLACEHOLDER = '~'.repeat(12);

const keep = process.argv.includes('--keep');
const quick = process.argv.includes('--quick');
const tag = randomBytes(4).toString('hex');
const keyPrefix = `warrant-bench:{b${tag}}:`;
const tmp = mkdtempSync(join(tmpdir(), 'warrant-bench-'));
const devDir = join(tmp, 'dev');
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
let openClient: WarrantClient | undefined;

function closeClient(): void {
  openClient?.close();
  openClient = undefined;
}

// ── small helpers ────────────────────────────────────────────────────────────────────────────
const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const int = (n: number) => nf0.format(n);
const ms = (us: number) => `${nf1.format(us / 1000)} ms`;
const pct = (x: number) => `${nf0.format(x * 100)} %`;
const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : `${nf0.format(bytes / 1048576)} MB`);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const say = (line = '') => process.stdout.write(`${line}\n`);

class BenchFailure extends Error {}

function fail(message: string): never {
  throw new BenchFailure(message);
}

/** Node flags for a server process: on Node 20 the V8 flag the warrant binary insists on. */
function serverNodeFlags(): string[] {
  return process.versions.node.startsWith('20.') ? [V8_FLAG] : [];
}

/** Child env without loader hooks from the bench's own runner, and without REDIS_URL (dev mode would use it). */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_OPTIONS'];
  delete env['REDIS_URL'];
  return env;
}

/** Polls until `read` returns the same value three times in a row (requests h2load abandoned have landed). */
async function settled(read: () => Promise<number>): Promise<number> {
  let last = await read();
  let same = 0;
  for (let i = 0; i < 50 && same < 3; i++) {
    await sleep(100);
    const v = await read();
    same = v === last ? same + 1 : 0;
    last = v;
  }
  return last;
}

// ── set-up ──────────────────────────────────────────────────────────────────────────────────
/** Runs `warrant dev` once (in-memory store) for its files: trust domain, SVIDs, policy, config. */
async function prepareDevFiles(): Promise<void> {
  const dev = startChild(
    'warrant dev (files)',
    process.execPath,
    [...serverNodeFlags(), WARRANT_BIN, 'dev', '--dir', devDir, '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0'],
    join(tmp, 'dev-files.log'),
    { env: serverEnv(), cwd: REPO },
  );
  await waitForLine(dev, /"msg":"warrant serving"/, 30_000);
  await stopChild(dev);
}

/** The dev config with the bench's Redis store and prefix, ports chosen by the OS, audit in the temp dir. */
function writeBenchConfig(): string {
  const config = parseYaml(readFileSync(join(devDir, 'config.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  config['grpc'] = { ...config['grpc'], listen: '127.0.0.1:0' };
  config['http'] = { ...config['http'], listen: '127.0.0.1:0' };
  config['store'] = { kind: 'redis', url: REDIS_URL, keyPrefix };
  config['audit'] = { ...config['audit'], file: 'bench-audit.log' };
  const file = join(devDir, 'bench-config.yaml');
  writeFileSync(file, stringifyYaml(config));
  return file;
}

function compileShim(): ClientCertShim {
  const library = join(tmp, 'h2load-client-cert.so');
  execFileSync('cc', ['-O2', '-Wall', '-shared', '-fPIC', '-o', library, join(HERE, 'h2load-client-cert.c'), '-ldl'], { stdio: 'inherit' });
  return { library, certFile: join(devDir, 'agent.pem'), keyFile: join(devDir, 'agent-key.pem') };
}

interface Warrant {
  readonly child: Child;
  readonly port: number;
}

async function startWarrant(name: string, configFile: string, extraNodeFlags: readonly string[] = []): Promise<Warrant> {
  const child = startChild(
    name,
    process.execPath,
    [...serverNodeFlags(), ...extraNodeFlags, WARRANT_BIN, 'serve', '--config', configFile],
    join(tmp, `${name.replace(/\W+/g, '-')}.log`),
    { env: serverEnv(), cwd: REPO },
  );
  const m = await waitForLine(child, /"grpc":"127\.0\.0\.1:(\d+)".*"msg":"warrant serving"/, 30_000);
  return { child, port: Number(m[1]) };
}

async function startEcho(): Promise<Warrant> {
  const child = startChild(
    'echo server',
    process.execPath,
    [...serverNodeFlags(), join(HERE, 'echo-server.mjs'), join(devDir, 'server.pem'), join(devDir, 'server-key.pem'), join(devDir, 'bundle.pem'), '127.0.0.1:0'],
    join(tmp, 'echo-server.log'),
    { env: serverEnv(), cwd: REPO },
  );
  const m = await waitForLine(child, /^port (\d+)$/, 15_000);
  return { child, port: Number(m[1]) };
}

async function echoCalls(echo: Warrant): Promise<number> {
  const answer = waitForLine(echo.child, /^count (\d+)$/, 5000);
  echo.child.process.stdin?.write('count\n');
  return Number((await answer)[1]);
}

/** The agent's client (warrant's own SDK), for the few calls whose answers the bench reads. */
function agentClient(port: number): WarrantClient {
  return WarrantClient.fromFiles({
    server: `127.0.0.1:${port}`,
    svidFile: join(devDir, 'agent.pem'),
    svidKeyFile: join(devDir, 'agent-key.pem'),
    bundleFile: join(devDir, 'bundle.pem'),
    serverId: SERVER_ID,
  });
}

/** Issues one lease and returns its id; a failure here shows warrant's own error message. */
async function issueOne(client: WarrantClient, taskId: string): Promise<string> {
  try {
    const res = await client.issueTaskCredential({
      task: { id: taskId, purpose: 'benchmark', attributes: {}, parent_id: '' },
      provider: PROVIDER,
      scope: SCOPE,
      idempotency_key: '',
    });
    // Only the lease id is read; the credential in the same reply is never printed.
    const id = res.lease?.id;
    if (typeof id !== 'string' || id === '') fail('IssueTaskCredential answered without a lease id');
    return id;
  } catch (err) {
    if (err instanceof BenchFailure) throw err;
    fail(`the first IssueTaskCredential failed: ${(err as Error).message}`);
  }
}

// ── counters that prove each h2load "success" was a gRPC success ──────────────────────────────
/** Every key of the bench's store: the prefix's hash tag, extended by a shard number in sharded layouts. */
const benchKeyPattern = `${keyPrefix.slice(0, keyPrefix.indexOf('}'))}*`;

async function scanKeys(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Leases in the store: the sum of every shard's `all` index (src/leases/redis). */
async function leaseCount(): Promise<number> {
  const keys = (await scanKeys(`${benchKeyPattern}:all`)).filter((k) => k.endsWith('}:all'));
  if (keys.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const k of keys) pipeline.zcard(k);
  const replies = (await pipeline.exec()) ?? [];
  return replies.reduce((sum, [err, n]) => {
    if (err !== null) throw err;
    return sum + Number(n);
  }, 0);
}

/** A lease's renewal count, read through the public API (GetLease). */
async function renewalsOf(client: WarrantClient, leaseId: string): Promise<number> {
  const res = await client.getLease(leaseId);
  return Number(res.lease?.renewals ?? Number.NaN);
}

async function deleteBenchKeys(): Promise<number> {
  const keys = await scanKeys(benchKeyPattern);
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 1000) deleted += await redis.unlink(...keys.slice(i, i + 1000));
  return deleted;
}

// ── one measured case ────────────────────────────────────────────────────────────────────────
interface Case {
  readonly name: string;
  readonly port: number;
  readonly path: string;
  /** Writes the request body for one h2load invocation (a fresh task id per invocation) and returns its file. */
  readonly body: (run: string) => string;
  /** A new task id every this many calls (the body's task id holds the placeholder). */
  readonly callsPerTask?: number;
  /** A server-side counter that moves by one per successful call. */
  readonly counter: () => Promise<number>;
  readonly serverPid: number;
}

interface Measured {
  readonly name: string;
  readonly h2: H2loadResult;
  readonly serverCpuSeconds: number;
  readonly redisCpuSeconds: number;
  /** CPU other processes used during the run (machine busy time minus server, h2load and Redis). */
  readonly othersCpuSeconds: number;
  readonly stealSeconds: number;
  /** The server's main thread: seconds on a CPU, and runnable but waiting for one (NaN where unknown). */
  readonly mainRunningSeconds: number;
  readonly mainWaitingSeconds: number;
  readonly counted: number;
  /** h2load's per-call logs, to read latencies from. */
  readonly logFiles: readonly string[];
}

/** The local Redis server's pid, to read its CPU time (undefined when it is not a local process). */
let redisPid: number | undefined;

let bodySeq = 0;

function writeBody(frame: Buffer): string {
  const file = join(tmp, `body-${++bodySeq}.bin`);
  writeFileSync(file, frame);
  return file;
}

function h2Base(c: Case, shim: ClientCertShim) {
  return {
    clients: CLIENTS,
    streams: STREAMS,
    shim,
    url: `https://127.0.0.1:${c.port}${c.path}`,
    ...(c.callsPerTask === undefined ? {} : { placeholderEvery: c.callsPerTask }),
  };
}

/** A short run before a case's first round; returns its rate, from which each round's count is set. */
async function warmUp(c: Case, shim: ClientCertShim): Promise<number> {
  const warm = await runH2load({
    ...h2Base(c, shim),
    label: `${c.name} warm-up`,
    bodyFile: c.body('w'),
    durationS: WARMUP_S,
    timeoutMs: (WARMUP_S + 20) * 1000,
    outputFile: join(tmp, `h2load-${bodySeq}.out`),
  });
  return warm.succeeded / warm.seconds;
}

/** One round of a case: a fixed count of calls, each proved a gRPC success by the server's counter. */
async function measureOnce(c: Case, shim: ClientCertShim, rate: number, round: number): Promise<Measured> {
  // A count, not a duration, so the server's counter must move by exactly that much.
  const requests = Math.max(IN_FLIGHT * 10, Math.round(rate * ROUND_S));
  const before = await settled(c.counter);
  const cpuBefore = cpuSecondsOf(c.serverPid) ?? Number.NaN;
  const schedBefore = mainThreadSchedSeconds(c.serverPid);
  const redisBefore = redisPid === undefined ? Number.NaN : (cpuSecondsOf(redisPid) ?? Number.NaN);
  const machineBefore = machineCpuSeconds();
  const logFile = join(tmp, `latency-${bodySeq}.tsv`);
  const h2 = await runH2load({
    ...h2Base(c, shim),
    label: `${c.name}, round ${round}`,
    bodyFile: c.body(`m${round}`),
    requests,
    logFile,
    timeoutMs: (ROUND_S * 4 + 20) * 1000,
    outputFile: join(tmp, `h2load-${bodySeq}.out`),
  });
  const cpuAfter = cpuSecondsOf(c.serverPid) ?? Number.NaN;
  const schedAfter = mainThreadSchedSeconds(c.serverPid);
  const redisAfter = redisPid === undefined ? Number.NaN : (cpuSecondsOf(redisPid) ?? Number.NaN);
  const machineAfter = machineCpuSeconds();
  const after = await settled(c.counter);
  const counted = after - before;
  if (h2.succeeded !== requests || counted !== requests) {
    fail(
      `${c.name}: h2load sent ${int(requests)}, counted ${int(h2.succeeded)} HTTP successes (${h2.failed} failed, ${h2.errored} errored), ` +
        `but the server's counter moved by ${int(counted)}: some calls ended with a gRPC error (HTTP 200 with grpc-status ≠ 0). Server log: ${tmp}`,
    );
  }
  if (c.callsPerTask !== undefined && h2.rewritten !== requests) {
    fail(`${c.name}: the shim rewrote ${String(h2.rewritten)} task ids for ${requests} requests`);
  }
  const serverCpuSeconds = cpuAfter - cpuBefore;
  const redisCpuSeconds = redisAfter - redisBefore;
  const othersCpuSeconds = machineAfter.busy - machineBefore.busy - serverCpuSeconds - h2.cpuSeconds - (Number.isNaN(redisCpuSeconds) ? 0 : redisCpuSeconds);
  const stealSeconds = machineAfter.steal - machineBefore.steal;
  const sched = (f: 'running' | 'waiting') => (schedBefore === undefined || schedAfter === undefined ? Number.NaN : schedAfter[f] - schedBefore[f]);
  return {
    name: c.name,
    h2,
    serverCpuSeconds,
    redisCpuSeconds,
    othersCpuSeconds,
    stealSeconds,
    mainRunningSeconds: sched('running'),
    mainWaitingSeconds: sched('waiting'),
    counted,
    logFiles: [logFile],
  };
}

/** A case's rounds as one run: counts, times and CPU summed, latencies over every call of every round. */
function combined(name: string, runs: readonly Measured[]): Measured {
  const sum = (f: (m: Measured) => number) => runs.reduce((total, m) => total + f(m), 0);
  const seconds = sum((m) => m.h2.seconds);
  const succeeded = sum((m) => m.h2.succeeded);
  const logFiles = runs.flatMap((m) => m.logFiles);
  const h2: H2loadResult = {
    seconds,
    started: sum((m) => m.h2.started),
    done: sum((m) => m.h2.done),
    succeeded,
    failed: sum((m) => m.h2.failed),
    errored: sum((m) => m.h2.errored),
    timedOut: sum((m) => m.h2.timedOut),
    status2xx: sum((m) => m.h2.status2xx),
    opsPerSec: succeeded / seconds,
    cpuSeconds: sum((m) => m.h2.cpuSeconds),
    latencies: latenciesOf(...logFiles),
  };
  return {
    name,
    h2,
    serverCpuSeconds: sum((m) => m.serverCpuSeconds),
    redisCpuSeconds: sum((m) => m.redisCpuSeconds),
    othersCpuSeconds: sum((m) => m.othersCpuSeconds),
    stealSeconds: sum((m) => m.stealSeconds),
    mainRunningSeconds: sum((m) => m.mainRunningSeconds),
    mainWaitingSeconds: sum((m) => m.mainWaitingSeconds),
    counted: sum((m) => m.counted),
    logFiles,
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
};

/** One table row; `share`: the case's median round against the echo floor (none for the floor itself). */
function row(m: Measured, share?: number): string {
  const lat = m.h2.latencies;
  const cols = [
    m.name.padEnd(40),
    int(m.h2.opsPerSec).padStart(7),
    (lat === undefined ? '-' : ms(lat.p50Us)).padStart(9),
    (lat === undefined ? '-' : ms(lat.p99Us)).padStart(9),
    pct(m.serverCpuSeconds / m.h2.seconds).padStart(7),
    int((m.serverCpuSeconds / m.counted) * 1e6).padStart(6),
    pct(m.h2.cpuSeconds / m.h2.seconds).padStart(7),
    (Number.isNaN(m.redisCpuSeconds) ? '?' : pct(m.redisCpuSeconds / m.h2.seconds)).padStart(7),
    pct(Math.max(0, m.othersCpuSeconds) / m.h2.seconds).padStart(7),
    pct(m.stealSeconds / m.h2.seconds).padStart(7),
    (share === undefined ? '' : pct(share)).padStart(7),
  ];
  return cols.join('  ');
}

function printProfile(title: string, s: ProfileSummary): void {
  say(`${title}: ${int(s.samples)} samples over ${nf1.format(s.windowMicros / 1e6)} s (self time, share of sampled time)`);
  say('  top functions');
  for (const f of s.functions) say(`    ${pct(f.share).padStart(5)}  ${nf1.format(f.micros / 1000).padStart(8)} ms  ${f.name}${f.where === '' ? '' : `  ${f.where}`}`);
  say('  by file / package (self time)');
  for (const f of s.files.slice(0, 10)) say(`    ${pct(f.share).padStart(5)}  ${nf1.format(f.micros / 1000).padStart(8)} ms  ${f.name}`);
  say('  our code by inclusive time (synchronous time on the stack, callees included)');
  for (const f of s.ours.slice(0, 12)) say(`    ${pct(f.share).padStart(5)}  ${nf1.format(f.micros / 1000).padStart(8)} ms  ${f.name}  ${f.where}`);
}

// ── the bench ───────────────────────────────────────────────────────────────────────────────
async function bench(): Promise<void> {
  const t0 = Date.now();
  say(`warrant bench  Node ${process.versions.node}, ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  say(`  Redis ${REDIS_URL}, key prefix ${keyPrefix}; temp dir ${tmp}`);

  for (const [tool, hint] of [['h2load', 'apt-get install nghttp2-client'], ['cc', 'apt-get install gcc']] as const) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      fail(`${tool} is not installed (${hint})`);
    }
  }
  await redis.connect();
  const pidMatch = (await redis.info('server')).match(/^process_id:(\d+)/m);
  redisPid = pidMatch?.[1] === undefined ? undefined : Number(pidMatch[1]);
  if ((await scanKeys(benchKeyPattern)).length > 0) fail(`keys matching ${benchKeyPattern} already exist`);
  await prepareDevFiles();
  const configFile = writeBenchConfig();
  const shim = compileShim();

  const [warrant, echo] = await Promise.all([startWarrant('warrant', configFile), startEcho()]);
  const rssStart = rssOf(warrant.child.pid);
  say(`  warrant (pid ${warrant.child.pid}) on 127.0.0.1:${warrant.port} with ${serverNodeFlags().join(' ') || 'no extra flags'}; echo server on 127.0.0.1:${echo.port}`);
  say(
    `  h2load: ${CLIENTS} connections × ${STREAMS} streams = ${IN_FLIGHT} calls in flight, mTLS kept open; ` +
      `each case: ${WARMUP_S} s warm-up, then ${ROUNDS} rounds of a fixed count ≈ ${ROUND_S} s of calls; each round runs the echo floor, IssueTaskCredential (1,000 calls/task), the echo floor, then the others; one more echo run ends the last round`,
  );

  const client = agentClient(warrant.port);
  openClient = client;
  const renewLease = await issueOne(client, `bench-renew-${tag}`);
  // The lease count reads the Redis layout of src/leases/redis; a changed layout fails here, not later.
  const firstCount = await leaseCount();
  if (firstCount !== 1) fail(`after one issue the store's "all" indexes under ${benchKeyPattern} hold ${firstCount} leases, not 1: has the Redis layout changed?`);
  const cases: Record<'echo' | 'issueWarm' | 'issueUnique' | 'renew', Case> = {
    echo: {
      name: 'echo floor (bare grpc-js, same TLS)',
      port: echo.port,
      path: ECHO_PATH,
      body: () => writeBody(issueRequestFrame(`bench-echo-${tag}`, PROVIDER, SCOPE, BIG_TASK)),
      counter: () => echoCalls(echo),
      serverPid: echo.child.pid,
    },
    issueWarm: {
      name: `IssueTaskCredential (${int(CALLS_PER_WARM_TASK)} calls/task)`,
      port: warrant.port,
      path: ISSUE_PATH,
      body: (run) => writeBody(issueRequestFrame(`bench-w${tag}-${run}${bodySeq}-${PLACEHOLDER}`, PROVIDER, SCOPE, BIG_TASK)),
      callsPerTask: CALLS_PER_WARM_TASK,
      counter: leaseCount,
      serverPid: warrant.child.pid,
    },
    issueUnique: {
      name: 'IssueTaskCredential (new task per call)',
      port: warrant.port,
      path: ISSUE_PATH,
      body: (run) => writeBody(issueRequestFrame(`bench-u${tag}-${run}${bodySeq}-${PLACEHOLDER}`, PROVIDER, SCOPE)),
      callsPerTask: 1,
      counter: leaseCount,
      serverPid: warrant.child.pid,
    },
    renew: {
      name: 'RenewLease (one lease)',
      port: warrant.port,
      path: RENEW_PATH,
      body: () => writeBody(renewRequestFrame(renewLease)),
      counter: () => renewalsOf(client, renewLease),
      serverPid: warrant.child.pid,
    },
  };

  const order = ['echo', 'issueWarm', 'issueUnique', 'renew'] as const;
  const rates = new Map<keyof typeof cases, number>();
  for (const name of order) rates.set(name, await warmUp(cases[name], shim));
  const runs = new Map<keyof typeof cases, Measured[]>(order.map((name) => [name, []]));
  const once = async (name: keyof typeof cases, round: number) => runs.get(name)!.push(await measureOnce(cases[name], shim, rates.get(name)!, round));
  // Echo runs 2i and 2i + 1 bracket round i's target case; 2i + 1 and 2i + 2 bracket its other cases.
  const roundOrder = ['echo', 'issueWarm', 'echo', 'issueUnique', 'renew'] as const;
  for (let round = 1; round <= ROUNDS; round++) for (const name of roundOrder) await once(name, round);
  await once('echo', ROUNDS + 1);
  const echoRuns = runs.get('echo')!;
  /** A case's share of the floor in each round: to the mean of the echo runs just before and after it. */
  const shares = (name: keyof typeof cases) => {
    const first = name === 'issueWarm' ? 0 : 1;
    return runs.get(name)!.map((m, i) => m.h2.opsPerSec / ((echoRuns[2 * i + first]!.h2.opsPerSec + echoRuns[2 * i + first + 1]!.h2.opsPerSec) / 2));
  };
  const echo1 = combined('echo floor (bare grpc-js, same TLS)', echoRuns);
  const issueWarm = combined(cases.issueWarm.name, runs.get('issueWarm')!);
  const issueUnique = combined(cases.issueUnique.name, runs.get('issueUnique')!);
  const renew = combined(cases.renew.name, runs.get('renew')!);
  const floor = echo1.h2.opsPerSec;
  const medianShare = { issueWarm: median(shares('issueWarm')), issueUnique: median(shares('issueUnique')), renew: median(shares('renew')) };

  say();
  say(`${'case'.padEnd(40)}  ${'ops/s'.padStart(7)}  ${'p50'.padStart(9)}  ${'p99'.padStart(9)}  ${'srv CPU'.padStart(7)}  ${'µs/op'.padStart(6)}  ${'h2load'.padStart(7)}  ${'redis'.padStart(7)}  ${'others'.padStart(7)}  ${'steal'.padStart(7)}  ${'/floor'.padStart(7)}`);
  say(row(echo1));
  say(row(issueWarm, medianShare.issueWarm));
  say(row(issueUnique, medianShare.issueUnique));
  say(row(renew, medianShare.renew));
  say(`  (each row: every round of the case together. srv CPU: server process CPU over the runs, 100 % = one core; µs/op: server CPU per call;
  h2load, redis: their CPU over the runs; others: every other process on the machine; steal: CPU the hypervisor took; all of it competes
  for the same ${availableParallelism()} cores; /floor: the median round's ops/s over the echo floor measured on either side of it)`);
  say(`  every run verified: h2load's count = ${['echo calls served', 'leases created in Redis', 'leases created in Redis', 'the lease\'s renewal counter'].join(' / ')}`);
  say();
  const echoRates = echoRuns.map((m) => m.h2.opsPerSec);
  say(`echo floor ${int(floor)} ops/s over ${echoRuns.length} runs (${echoRates.map(int).join(', ')})`);
  const spread = (Math.max(...echoRates) - Math.min(...echoRates)) / floor;
  if (spread > 0.15) say(`  the echo runs differ by up to ${pct(spread)}: the machine's speed changed during the bench; each round is compared with the floor on either side of it`);
  const busiest = Math.max(...[...runs.values()].flat().map((m) => m.othersCpuSeconds / m.h2.seconds));
  if (busiest > 0.5) say(`  WARNING: other processes used up to ${pct(busiest)} of a core during a run; every figure is lower than on a quiet machine, and "µs/op" is the steadiest of them`);
  const report = (label: string, name: 'issueWarm' | 'issueUnique' | 'renew', m: Measured) => {
    say(
      `${label} ${int(m.h2.opsPerSec)} ops/s; ${pct(medianShare[name])} of the echo floor in the median round (rounds ${shares(name).map(pct).join(', ')})` +
        `   p50 ${ms(m.h2.latencies?.p50Us ?? NaN)}  p99 ${ms(m.h2.latencies?.p99Us ?? NaN)}`,
    );
  };
  report('IssueTaskCredential', 'issueWarm', issueWarm);
  say(
    `  ${int(CALLS_PER_WARM_TASK)} calls per task id (budget max_credentials = max_concurrent_leases = ${int(CALLS_PER_WARM_TASK)}): ` +
      `the policy decision cache is warm (decisions are cached per principal/action/resource/context for a minute; one miss per task)`,
  );
  report('IssueTaskCredential, new task per call', 'issueUnique', issueUnique);
  say(`  a distinct task id in every call (rewritten in flight by the shim): every call opens a task, and every decision is a cache miss that runs Cedar`);
  report('RenewLease', 'renew', renew);
  // Server CPU per call barely depends on how much CPU other processes leave over: a steadier ratio.
  const perCall = (m: Measured) => m.serverCpuSeconds / m.counted;
  const echoCpu = perCall(echo1);
  say(
    `server CPU per call: echo ${int(echoCpu * 1e6)} µs; IssueTaskCredential ${int(perCall(issueWarm) * 1e6)} µs (${pct(echoCpu / perCall(issueWarm))} of echo's rate), ` +
      `new task per call ${int(perCall(issueUnique) * 1e6)} µs (${pct(echoCpu / perCall(issueUnique))}), RenewLease ${int(perCall(renew) * 1e6)} µs (${pct(echoCpu / perCall(renew))})`,
  );
  // A main thread that is runnable but not running waits for a CPU that the server's other threads,
  // Redis, h2load or other tenants hold: on a machine this small, that bounds a server as much as its own work.
  const mainThread = (m: Measured) => `on a CPU ${pct(m.mainRunningSeconds / m.h2.seconds)}, waiting for one ${pct(m.mainWaitingSeconds / m.h2.seconds)}`;
  if (!Number.isNaN(issueWarm.mainWaitingSeconds)) {
    say(`server main thread over the runs (schedstat): echo ${mainThread(echo1)}; IssueTaskCredential ${mainThread(issueWarm)}`);
  }
  const issueShare = medianShare.issueWarm;
  const pass = issueShare >= ISSUE_TARGET;
  say(`target IssueTaskCredential ≥ ${pct(ISSUE_TARGET)} of the echo floor (median round): ${pass ? 'PASS' : 'MISS'} (${nf1.format(issueShare * 100)} %)`);
  if (quick) {
    closeClient();
    await Promise.all([stopChild(warrant.child), stopChild(echo.child)]);
    return;
  }

  // ── soak: Cedar on every call, for a minute ──
  say();
  const rssBefore = rssOf(warrant.child.pid);
  const soakBody = writeBody(issueRequestFrame(`bench-soak-${tag}-${PLACEHOLDER}`, PROVIDER, SCOPE));
  const soakLog = join(tmp, 'latency-soak.tsv');
  const leasesBefore = await settled(leaseCount);
  const rssSeries: (number | undefined)[] = [];
  const rssSampler = setInterval(() => rssSeries.push(rssOf(warrant.child.pid)), 10_000);
  const soakCpu0 = { server: cpuSecondsOf(warrant.child.pid) ?? Number.NaN, machine: machineCpuSeconds() };
  const soak = await runH2load({
    label: 'soak',
    url: `https://127.0.0.1:${warrant.port}${ISSUE_PATH}`,
    bodyFile: soakBody,
    clients: CLIENTS,
    streams: STREAMS,
    durationS: SOAK_S,
    logFile: soakLog,
    shim,
    placeholderEvery: 1,
    timeoutMs: (SOAK_S + 30) * 1000,
    outputFile: join(tmp, 'h2load-soak.out'),
  });
  clearInterval(rssSampler);
  const soakCpu1 = { server: cpuSecondsOf(warrant.child.pid) ?? Number.NaN, machine: machineCpuSeconds() };
  const soakLeases = (await settled(leaseCount)) - leasesBefore;
  const alive = isRunning(warrant.child);
  const rssAfter = rssOf(warrant.child.pid);
  if (!alive) fail(`warrant died during the soak (${await warrant.child.exited}); last output:\n${warrant.child.recent.join('\n')}`);
  // h2load abandons the calls in flight when its time is up; the server may still finish them.
  if (soakLeases < soak.succeeded || soakLeases > soak.started) {
    fail(`soak: h2load counted ${int(soak.succeeded)} successes of ${int(soak.started)} started, but ${int(soakLeases)} leases were created`);
  }
  const liveBefore = await settled(leaseCount);
  const live = await runH2load({
    label: 'after soak',
    url: `https://127.0.0.1:${warrant.port}${ISSUE_PATH}`,
    bodyFile: writeBody(issueRequestFrame(`bench-after-soak-${tag}-${PLACEHOLDER}`, PROVIDER, SCOPE)),
    clients: 1,
    streams: 1,
    requests: LIVENESS_REQUESTS,
    shim,
    placeholderEvery: 1,
    timeoutMs: 20_000,
    outputFile: join(tmp, 'h2load-after-soak.out'),
  });
  const liveLeases = (await settled(leaseCount)) - liveBefore;
  if (live.succeeded !== LIVENESS_REQUESTS || liveLeases !== LIVENESS_REQUESTS) {
    fail(`after the soak warrant answered ${live.succeeded}/${LIVENESS_REQUESTS} calls and created ${liveLeases} leases`);
  }
  const periods = opsPerSecondByPeriod(soakLog, 10);
  say(
    `soak: ${SOAK_S} s of IssueTaskCredential with a new task per call (Cedar evaluated on every call): ` +
      `${int(soak.opsPerSec)} ops/s, p50 ${ms(soak.latencies?.p50Us ?? NaN)}, p99 ${ms(soak.latencies?.p99Us ?? NaN)}, max ${ms(soak.latencies?.maxUs ?? NaN)}; ` +
      `${int(soakLeases)} leases created for ${int(soak.succeeded)} h2load successes (+${int(soakLeases - soak.succeeded)} of ${int(soak.started - soak.succeeded)} abandoned at the end)`,
  );
  say(`  ops/s per 10 s: ${periods.map(int).join(', ')}`);
  const soakServer = soakCpu1.server - soakCpu0.server;
  const soakOthers = soakCpu1.machine.busy - soakCpu0.machine.busy - soakServer - soak.cpuSeconds;
  say(
    `  server CPU ${pct(soakServer / soak.seconds)} of a core, ${int((soakServer / soakLeases) * 1e6)} µs per call; ` +
      `everything else on the machine (Redis included) ${pct(soakOthers / soak.seconds)}, steal ${pct((soakCpu1.machine.steal - soakCpu0.machine.steal) / soak.seconds)}`,
  );
  say(`  still alive and answering afterwards: ${LIVENESS_REQUESTS}/${LIVENESS_REQUESTS} calls, ${liveLeases} leases`);
  say(`  warrant RSS: ${mb(rssStart)} at start, ${mb(rssBefore)} before the soak, ${mb(rssAfter)} after it (every 10 s during it: ${rssSeries.map(mb).join(', ')})`);
  closeClient();
  const logged = warnings(join(tmp, 'warrant.log'));
  await Promise.all([stopChild(warrant.child), stopChild(echo.child)]);

  // ── profile: a separate warrant with --cpu-prof, so the figures above are unprofiled ──
  say();
  const profDir = join(tmp, 'profile');
  const profiled = await startWarrant('warrant-profiled', configFile, ['--cpu-prof', '--cpu-prof-dir', profDir]);
  const window = async (label: string, body: string, callsPerTask: number) => {
    const from = nowUs();
    const r = await runH2load({
      label,
      url: `https://127.0.0.1:${profiled.port}${ISSUE_PATH}`,
      bodyFile: body,
      clients: CLIENTS,
      streams: STREAMS,
      durationS: PROFILE_S,
      shim,
      placeholderEvery: callsPerTask,
      timeoutMs: (PROFILE_S + 20) * 1000,
      outputFile: join(tmp, `h2load-${label}.out`),
    });
    // The first half second holds the handshakes; the profile window starts after it.
    return { from: from + 500_000, to: nowUs(), r };
  };
  const profBody = (name: string, budget?: TaskBudget) => writeBody(issueRequestFrame(`bench-${name}-${tag}-${PLACEHOLDER}`, PROVIDER, SCOPE, budget));
  await window('profile-warmup', profBody('pw', BIG_TASK), CALLS_PER_WARM_TASK);
  const profWarm = await window('profile-warm', profBody('pm', BIG_TASK), CALLS_PER_WARM_TASK);
  const profUnique = await window('profile-unique', profBody('pu'), 1);
  const stopped = await stopChild(profiled.child, 15_000);
  const profileFile = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (profileFile === undefined) fail(`the profiled warrant (${stopped}) wrote no .cpuprofile`);
  const profile = JSON.parse(readFileSync(join(profDir, profileFile), 'utf8')) as CpuProfile;
  // V8's profiler and process.hrtime read the same monotonic clock; if not, the whole profile is used.
  const inRange = profWarm.from >= profile.startTime && profUnique.to <= profile.endTime + 1_000_000;
  if (!inRange) say('  (the profile clock does not line up with the bench clock: summarising the whole profile)');
  printProfile(
    `CPU profile, IssueTaskCredential with ${int(CALLS_PER_WARM_TASK)} calls per task (${int(profWarm.r.opsPerSec)} ops/s while profiled)`,
    summariseCpuProfile(profile, inRange ? { fromUs: profWarm.from, toUs: profWarm.to } : undefined),
  );
  say();
  printProfile(
    `CPU profile, IssueTaskCredential with a new task per call (${int(profUnique.r.opsPerSec)} ops/s while profiled)`,
    summariseCpuProfile(profile, inRange ? { fromUs: profUnique.from, toUs: profUnique.to } : undefined),
  );

  say();
  const noisy = [...logged.entries()];
  say(`warrant logged ${noisy.length === 0 ? 'no warnings or errors' : noisy.map(([msg, n]) => `${n}× "${msg}"`).join(', ')} during the runs`);
  say(`bench took ${nf0.format((Date.now() - t0) / 1000)} s; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

/** Warning and error lines (pino level ≥ 40) the server logged, counted by message. */
function warnings(logFile: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= 40 && entry.msg !== undefined && !entry.msg.startsWith('lease store')) {
        counts.set(entry.msg, (counts.get(entry.msg) ?? 0) + 1);
      }
    } catch {
      // not a log record
    }
  }
  return counts;
}

async function cleanUp(): Promise<void> {
  closeClient();
  await stopAllChildren();
  try {
    if (redis.status === 'ready') {
      const n = await deleteBenchKeys();
      say(`cleaned up: ${int(n)} Redis keys matching ${benchKeyPattern}`);
    }
  } catch (err) {
    process.stderr.write(`bench: could not delete the Redis keys under ${keyPrefix}: ${(err as Error).message}\n`);
  }
  redis.disconnect();
  if (keep) say(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

let cleaning: Promise<void> | undefined;
const cleanOnce = () => (cleaning ??= cleanUp());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}, cleaning up\n`);
    void cleanOnce().finally(() => process.exit(130));
  });
}
const deadline = setTimeout(() => {
  process.stderr.write(`bench: still running after ${BENCH_DEADLINE_MS / 60_000} minutes; aborting\n`);
  void cleanOnce().finally(() => process.exit(1));
}, BENCH_DEADLINE_MS);

try {
  // A MISS is a finding, not a failure: the exit code is non-zero only when the bench itself failed.
  await bench();
} catch (err) {
  process.stderr.write(`\nBENCH FAILED: ${err instanceof BenchFailure ? err.message : ((err as Error).stack ?? String(err))}\n`);
  process.exitCode = 2;
} finally {
  clearTimeout(deadline);
  await cleanOnce();
}
