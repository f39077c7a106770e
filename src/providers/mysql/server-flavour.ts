import { WarrantError } from '../../core/index.js';

/** MySQL or MariaDB, and the version: they differ in user name length, password hashing and syntax. */
export interface ServerFlavour {
  readonly mariadb: boolean;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Longest user name the server accepts. */
  readonly maxUserNameLength: number;
  readonly label: string;
}

// Oldest releases with ACCOUNT LOCK, DROP USER IF EXISTS and PASSWORD EXPIRE NEVER.
const MIN_MYSQL = [5, 7, 8] as const;
const MIN_MARIADB = [10, 4, 3] as const;

/** Reads `SELECT VERSION()` text (e.g. "8.0.36" or "10.11.6-MariaDB-0+deb12u1"). */
export function serverFlavour(version: string, configKey: string): ServerFlavour {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (m === null) throw new WarrantError('ERR_CONFIG', `${configKey}: cannot read the server version ${JSON.stringify(version.slice(0, 60))}`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const mariadb = /mariadb/i.test(version);
  const min = mariadb ? MIN_MARIADB : MIN_MYSQL;
  const label = `${mariadb ? 'MariaDB' : 'MySQL'} ${major}.${minor}.${patch}`;
  if (compare([major, minor, patch], min) < 0) {
    throw new WarrantError('ERR_CONFIG', `${configKey}: ${label} is too old; warrant needs ${mariadb ? 'MariaDB' : 'MySQL'} ${min.join('.')} or newer`);
  }
  return Object.freeze({ mariadb, major, minor, patch, maxUserNameLength: mariadb ? 80 : 32, label });
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
