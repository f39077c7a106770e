import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WarrantError } from '../../core/index.js';

export interface AdminPasswordSource {
  readonly adminPasswordFile?: string;
  readonly adminPasswordEnv?: string;
}

/**
 * The admin password from its file (trailing newline dropped) or environment variable; undefined
 * when neither is configured (trust, peer or certificate authentication). Errors name the key,
 * never the content.
 */
export async function readAdminPassword(
  source: AdminPasswordSource,
  env: Readonly<Record<string, string | undefined>>,
  path: string,
): Promise<string | undefined> {
  if (source.adminPasswordFile !== undefined) {
    let text: string;
    try {
      text = await readFile(source.adminPasswordFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new WarrantError('ERR_CONFIG', `${path}.adminPasswordFile: cannot read ${JSON.stringify(source.adminPasswordFile)} (${code})`);
    }
    const password = text.replace(/\r?\n$/, '');
    if (password === '') throw new WarrantError('ERR_CONFIG', `${path}.adminPasswordFile: ${JSON.stringify(source.adminPasswordFile)} is empty`);
    return password;
  }
  if (source.adminPasswordEnv !== undefined) {
    const password = env[source.adminPasswordEnv];
    if (password === undefined || password === '') {
      throw new WarrantError('ERR_CONFIG', `${path}.adminPasswordEnv: environment variable ${source.adminPasswordEnv} is not set`);
    }
    return password;
  }
  return undefined;
}

/** Where a rotation keeps the new password until the server has it: beside the file. */
export function nextPasswordFile(file: string): string {
  return `${file}.next`;
}

/** The password an interrupted rotation left behind, if any. */
export async function readNextPassword(file: string): Promise<string | undefined> {
  try {
    const text = await readFile(nextPasswordFile(file), 'utf8');
    const password = text.replace(/\r?\n$/, '');
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

/** After a restart: the server has the new password (promote it) or never got it (discard it). */
export async function settleNextPassword(file: string, serverHasIt: boolean): Promise<void> {
  if (serverHasIt) {
    await rename(nextPasswordFile(file), file);
    await syncDirectory(dirname(file));
  } else {
    await unlink(nextPasswordFile(file)).catch(() => undefined);
  }
}

/**
 * Replaces the admin password in `file` with `password`, which `apply` sets at the server. The new
 * password is written and synced beside the file first, so a crash at any point leaves the
 * password the server has on disk: in the file, or in `<file>.next` until the next start settles it.
 */
export async function rotatePasswordFile(file: string, password: string, apply: () => Promise<void>, configKey: string): Promise<void> {
  const next = nextPasswordFile(file);
  try {
    const handle = await open(next, 'w', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(`${password}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await unlink(next).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new WarrantError('ERR_PROVIDER_FAILED', `${configKey}: cannot write ${JSON.stringify(next)} (${code}); the admin password was not changed`);
  }
  try {
    await apply();
  } catch (err) {
    await unlink(next).catch(() => undefined);
    throw err;
  }
  try {
    await rename(next, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new WarrantError(
      'ERR_PROVIDER_FAILED',
      `${configKey}: the server has the new admin password, but it could not replace ${JSON.stringify(file)} (${code}); it is in ${JSON.stringify(next)} and the next start uses it`,
    );
  }
  await syncDirectory(dirname(file));
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable; not every platform lets a directory be fsync'ed.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
