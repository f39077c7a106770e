// The bench's child processes: starting them, waiting until they serve, reading their CPU time and
// RSS from /proc, and stopping exactly the processes the bench started.
import { spawn, execFileSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** The last lines the child wrote (stdout and stderr), for error reports. */
  readonly recent: string[];
  /** Resolves once the child has exited and its output is in the log file, with its code or signal. */
  readonly exited: Promise<string>;
  /** Calls `onLine` for every line the child writes from now on; returns an unsubscribe function. */
  watch(onLine: (line: string) => void): () => void;
}

const RECENT_LINES = 40;
const started = new Set<Child>();

/** Starts a child whose output goes to `logFile` and is kept in memory for watching. */
export function startChild(name: string, command: string, args: readonly string[], logFile: string, options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}${spawnError === undefined ? '' : `: ${spawnError.message}`}`);
  const log = createWriteStream(logFile);
  const recent: string[] = [];
  const watchers = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      recent.push(line);
      if (recent.length > RECENT_LINES) recent.shift();
      for (const w of watchers) w(line);
    });
  }
  // 'close' comes after the child's output is fully read; the log file is flushed before resolving.
  const exited = new Promise<string>((resolve) => {
    child.on('close', (code, signal) => {
      started.delete(handle);
      log.end(() => resolve(signal === null ? `exit code ${String(code)}` : `signal ${signal}`));
    });
  });
  const handle: Child = {
    name,
    process: child,
    pid: child.pid,
    recent,
    exited,
    watch(onLine) {
      watchers.add(onLine);
      return () => watchers.delete(onLine);
    },
  };
  started.add(handle);
  return handle;
}

/** Waits for a line matching `pattern`; fails if the child exits first or `timeoutMs` passes. */
export function waitForLine(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopWatching();
      reject(new Error(`${child.name} did not report ready within ${timeoutMs} ms; last output:\n${child.recent.join('\n')}`));
    }, timeoutMs);
    const stopWatching = child.watch((line) => {
      const m = line.match(pattern);
      if (m === null) return;
      clearTimeout(timer);
      stopWatching();
      resolve(m);
    });
    void child.exited.then((how) => {
      clearTimeout(timer);
      stopWatching();
      reject(new Error(`${child.name} exited (${how}) before it was ready; last output:\n${child.recent.join('\n')}`));
    });
  });
}

export function isRunning(child: Child): boolean {
  return child.process.exitCode === null && child.process.signalCode === null;
}

/** SIGTERM, then SIGKILL after `graceMs`; only ever the child's own pid. */
export async function stopChild(child: Child, graceMs = 5000): Promise<string> {
  if (!isRunning(child)) return child.exited;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (isRunning(child)) child.process.kill('SIGKILL');
  }, graceMs);
  const how = await child.exited;
  clearTimeout(timer);
  return how;
}

/** Stops every child still running (the bench's cleanup, also on failure). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...started].map((c) => stopChild(c, 3000)));
}

let ticksPerSecond: number | undefined;

/** user + system CPU seconds the process has used so far, or undefined once it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * A process's main thread (whose thread id is the process id): its time on a CPU and its time
 * runnable but waiting for one (the scheduler's run queue), in seconds so far, from
 * /proc/<pid>/task/<pid>/schedstat; undefined once it is gone or where the kernel keeps no schedstat.
 */
export function mainThreadSchedSeconds(pid: number): { running: number; waiting: number } | undefined {
  try {
    const [running, waiting] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    if (running === undefined || waiting === undefined || Number.isNaN(running) || Number.isNaN(waiting)) return undefined;
    return { running: running / 1e9, waiting: waiting / 1e9 };
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes, or undefined once the process is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB$/m);
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Machine-wide CPU seconds: busy (user, nice, system, irq, softirq) and stolen by the hypervisor. */
export function machineCpuSeconds(): { busy: number; steal: number } {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0);
  return { busy: busy / ticksPerSecond, steal: (steal ?? 0) / ticksPerSecond };
}
