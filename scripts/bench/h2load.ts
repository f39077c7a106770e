// Runs h2load (with the client-certificate shim preloaded) against one gRPC method and reads back
// what it counted, its per-request latencies and the CPU time it used.
import { readFileSync } from 'node:fs';
import { cpuSecondsOf, startChild, stopChild } from './processes.js';

export interface H2loadRun {
  readonly label: string;
  readonly url: string;
  readonly bodyFile: string;
  readonly clients: number;
  readonly streams: number;
  /** Exactly one of: a fixed count of requests, or a fixed duration. */
  readonly requests?: number;
  readonly durationS?: number;
  /** Per-request latencies are read back from this file when set. */
  readonly logFile?: string;
  readonly shim: ClientCertShim;
  /** Rewrite the twelve-'~' placeholder in each request with (request number / this): a new task id every this many requests. */
  readonly placeholderEvery?: number;
  /** The run is killed and fails after this long. */
  readonly timeoutMs: number;
  readonly outputFile: string;
}

export interface ClientCertShim {
  readonly library: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface Latencies {
  readonly count: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

export interface H2loadResult {
  readonly seconds: number;
  readonly started: number;
  readonly done: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly errored: number;
  readonly timedOut: number;
  readonly status2xx: number;
  /** Successful requests per second over the whole run. */
  readonly opsPerSec: number;
  readonly latencies?: Latencies;
  /** CPU seconds h2load used (sampled; misses at most the last sampling period). */
  readonly cpuSeconds: number;
  /** Placeholders the shim rewrote, when asked to. */
  readonly rewritten?: number;
}

const CPU_SAMPLE_MS = 100;

function count(output: string, pattern: RegExp, what: string): number {
  const m = output.match(pattern);
  if (m?.[1] === undefined) throw new Error(`cannot read ${what} from h2load's output:\n${output}`);
  return Number(m[1]);
}

export async function runH2load(run: H2loadRun): Promise<H2loadResult> {
  const args = [
    '-c', String(run.clients),
    '-m', String(run.streams),
    '-t', '1',
    '-H', 'content-type: application/grpc',
    '-H', 'te: trailers',
    '-d', run.bodyFile,
  ];
  if (run.durationS !== undefined) args.push('-D', String(run.durationS));
  else if (run.requests !== undefined) args.push('-n', String(run.requests));
  else throw new Error(`${run.label}: give requests or durationS`);
  if (run.logFile !== undefined) args.push('--log-file', run.logFile);
  args.push(run.url);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LD_PRELOAD: run.shim.library,
    H2LOAD_CLIENT_CERT: run.shim.certFile,
    H2LOAD_CLIENT_KEY: run.shim.keyFile,
    H2LOAD_PLACEHOLDER_EVERY: String(run.placeholderEvery ?? 0),
  };
  const child = startChild(`h2load (${run.label})`, 'h2load', args, run.outputFile, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let cpu = 0;
  const sampler = setInterval(() => {
    cpu = cpuSecondsOf(child.pid) ?? cpu;
  }, CPU_SAMPLE_MS);
  const killer = setTimeout(() => void stopChild(child, 1000), run.timeoutMs);
  const how = await child.exited;
  clearInterval(sampler);
  clearTimeout(killer);
  const output = readFileSync(run.outputFile, 'utf8');
  if (how !== 'exit code 0') throw new Error(`h2load (${run.label}) ended with ${how}:\n${output.slice(-3000)}`);

  const took = output.match(/finished in ([\d.]+)(s|ms|us),/);
  if (took?.[1] === undefined) throw new Error(`cannot read the duration from h2load's output:\n${output}`);
  const seconds = Number(took[1]) / (took[2] === 'ms' ? 1e3 : took[2] === 'us' ? 1e6 : 1);
  const succeeded = count(output, /(\d+) succeeded/, 'succeeded');
  const result: H2loadResult = {
    seconds,
    started: count(output, /(\d+) started/, 'started'),
    done: count(output, /(\d+) done/, 'done'),
    succeeded,
    failed: count(output, /(\d+) failed/, 'failed'),
    errored: count(output, /(\d+) errored/, 'errored'),
    timedOut: count(output, /(\d+) timeout/, 'timeout'),
    status2xx: count(output, /status codes: (\d+) 2xx/, '2xx'),
    opsPerSec: succeeded / seconds,
    cpuSeconds: cpu,
    ...(run.logFile === undefined ? {} : { latencies: latenciesOf(run.logFile) }),
    ...(run.placeholderEvery !== undefined ? { rewritten: count(output, /rewrote (\d+) placeholders/, 'the rewrite count') } : {}),
  };
  return result;
}

/** Percentiles of the successful (HTTP 200) rows of h2load --log-files, taken together. */
export function latenciesOf(...logFiles: readonly string[]): Latencies {
  const lines = logFiles.flatMap((file) => readFileSync(file, 'utf8').split('\n'));
  const values = new Float64Array(lines.length);
  let n = 0;
  for (const line of lines) {
    const [, status, micros] = line.split('\t');
    if (status === '200' && micros !== undefined) values[n++] = Number(micros);
  }
  const sorted = values.subarray(0, n).sort();
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? Number.NaN;
  return { count: n, p50Us: at(0.5), p99Us: at(0.99), maxUs: at(1) };
}

/** Successful requests per second in consecutive periods of an h2load --log-file (full periods only). */
export function opsPerSecondByPeriod(logFile: string, periodS: number): number[] {
  const starts: number[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const [start, status] = line.split('\t');
    if (status === '200' && start !== undefined) starts.push(Number(start));
  }
  if (starts.length === 0) return [];
  const first = starts.reduce((a, b) => Math.min(a, b));
  const last = starts.reduce((a, b) => Math.max(a, b));
  const periods = Math.floor((last - first) / (periodS * 1e6));
  const counts = new Array<number>(periods).fill(0);
  for (const s of starts) {
    const i = Math.floor((s - first) / (periodS * 1e6));
    if (i < periods) counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts.map((n) => n / periodS);
}
