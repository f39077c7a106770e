// Where the sidecar puts a credential: a file replaced atomically (write a temporary file in the
// same folder, fsync, rename) with a restrictive mode, and/or a command run on each change.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmod, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export type SinkEvent = 'issued' | 'renewed' | 'reissued' | 'removed';

/** Writes `content` to `file` so a reader sees the old file or the new one, never a mix. */
export async function writeFileAtomic(file: string, content: string, mode: number): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // The umask may have narrowed the mode given to open; set exactly what was asked.
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export async function removeFile(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export interface CommandResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** Why it could not start (e.g. ENOENT). */
  readonly error: string | undefined;
}

const COMMAND_TIMEOUT_MS = 30_000;

/**
 * Runs a sink's command without a shell. The credential, if any, goes to stdin, never to argv or
 * the environment (both are visible to other processes); the environment names the event. Its
 * output is discarded: a program may echo what it was given.
 */
export function runCommand(argv: readonly string[], env: Record<string, string>, stdin: string | undefined): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, ...env } });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, COMMAND_TIMEOUT_MS);
    let error: string | undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? 'error';
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, timedOut, error });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}
