import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import { WarrantError } from '../../core/index.js';
import { GRANTABLE_PRIVILEGES, type ObjectGrant } from '../database/scope.js';
import type { ServerFlavour } from './server-flavour.js';

// Every identifier and literal goes through the driver's escaping. mysql2 escapes with
// backslashes, so each admin session turns NO_BACKSLASH_ESCAPES off first (see provider.ts).
const ident = (name: string) => mysql.escapeId(name);
const literal = (text: string) => mysql.escape(text);

export function accountSql(user: string, host: string): string {
  return `${literal(user)}@${literal(host)}`;
}

/**
 * MariaDB gets the mysql_native_password hash, so the clear password is never in a statement the
 * server might log; MySQL rewrites passwords out of its logs itself and its default plugin needs
 * the clear text.
 */
export function createUserSql(account: string, password: string, connectionLimit: number, flavour: ServerFlavour): string {
  if (!Number.isSafeInteger(connectionLimit) || connectionLimit < 1) {
    throw new WarrantError('ERR_INTERNAL', 'connection limit must be a positive integer');
  }
  const auth = flavour.mariadb ? `IDENTIFIED BY PASSWORD ${literal(nativePasswordHash(password))}` : `IDENTIFIED BY ${literal(password)}`;
  return `CREATE USER ${account} ${auth} WITH MAX_USER_CONNECTIONS ${connectionLimit} PASSWORD EXPIRE NEVER`;
}

/**
 * The admin's own password. MariaDB gets the hash through SET PASSWORD (its ALTER USER
 * CURRENT_USER() leaves the password unchanged); MySQL gets ALTER USER with the password.
 */
export function setAdminPasswordSql(password: string, flavour: ServerFlavour): string {
  if (flavour.mariadb) return `SET PASSWORD = ${literal(nativePasswordHash(password))}`;
  return `ALTER USER CURRENT_USER() IDENTIFIED BY ${literal(password)}`;
}

export function grantSql(account: string, grant: ObjectGrant): string {
  const allowed = GRANTABLE_PRIVILEGES.mysql;
  for (const p of grant.privileges) {
    // Keywords cannot be quoted; only words from the allow-list are ever written.
    if (!allowed.includes(p)) throw new WarrantError('ERR_SCOPE_INVALID', `privilege ${JSON.stringify(p)} is not grantable`);
  }
  return `GRANT ${grant.privileges.join(', ')} ON ${ident(grant.schema)}.${ident(grant.object)} TO ${account}`;
}

export function lockUserSql(account: string): string {
  return `ALTER USER IF EXISTS ${account} ACCOUNT LOCK`;
}

export function dropUserSql(account: string): string {
  return `DROP USER IF EXISTS ${account}`;
}

export const SESSIONS_OF_USER_SQL = 'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()';

export function killSql(threadId: number): string {
  if (!Number.isSafeInteger(threadId) || threadId < 0) throw new WarrantError('ERR_INTERNAL', 'thread id must be a non-negative integer');
  return `KILL CONNECTION ${threadId}`;
}

/** mysql_native_password: "*" and the upper-case hex of SHA1(SHA1(password)). */
export function nativePasswordHash(password: string): string {
  const inner = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
}
