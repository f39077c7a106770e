import pg from 'pg';
import { WarrantError } from '../../core/index.js';
import { GRANTABLE_PRIVILEGES, type ObjectGrant } from '../database/scope.js';

// Every identifier and literal goes through the driver's escaping, even though the scope grammar
// already admits only letters, digits and '_': the grammar may widen one day, the quoting stays.
const ident = (name: string) => pg.escapeIdentifier(name);
const literal = (text: string) => pg.escapeLiteral(text);

// Concurrent GRANTs (and DROP OWNED) on one object race on its catalogue row and fail with "tuple
// concurrently updated"; every warrant replica takes this transaction lock before touching ACLs.
const ACL_LOCK = 'SELECT pg_advisory_xact_lock(2003133042, 1634629748)';

export interface CreateLogin {
  readonly user: string;
  /** SCRAM verifier, not the clear password. */
  readonly passwordVerifier: string;
  readonly validUntil: number;
  readonly connectionLimit: number;
  readonly database: string;
  readonly grants: readonly ObjectGrant[];
  /** Makes the admin a member of the new role, so a non-superuser admin may later DROP OWNED BY it. */
  readonly adminJoins: boolean;
  readonly comment: string;
}

/**
 * One multi-statement simple query: PostgreSQL runs it as one implicit transaction, so a failure
 * anywhere leaves no role behind, and it costs one round trip.
 */
export function createLoginSql(c: CreateLogin): string {
  if (!Number.isSafeInteger(c.connectionLimit) || c.connectionLimit < 1) {
    throw new WarrantError('ERR_INTERNAL', 'connection limit must be a positive integer');
  }
  const role = ident(c.user);
  const statements = [
    ACL_LOCK,
    `CREATE ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS ` +
      `CONNECTION LIMIT ${c.connectionLimit} PASSWORD ${literal(c.passwordVerifier)} VALID UNTIL ${literal(new Date(c.validUntil).toISOString())}`,
    `GRANT CONNECT ON DATABASE ${ident(c.database)} TO ${role}`,
  ];
  if (c.adminJoins) statements.push(`GRANT ${role} TO CURRENT_USER`);
  for (const schema of new Set(c.grants.map((g) => g.schema))) statements.push(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${role}`);
  for (const g of c.grants) {
    statements.push(`GRANT ${privilegeList(g.privileges)} ON TABLE ${ident(g.schema)}.${ident(g.object)} TO ${role}`);
  }
  statements.push(`COMMENT ON ROLE ${role} IS ${literal(c.comment)}`);
  return `${statements.join(';\n')};`;
}

export function renewLoginSql(user: string, validUntil: number): string {
  return `ALTER ROLE ${ident(user)} VALID UNTIL ${literal(new Date(validUntil).toISOString())}`;
}

/** The admin's own password, as a SCRAM verifier (never the clear password). */
export function setAdminPasswordSql(verifier: string): string {
  return `ALTER ROLE CURRENT_USER PASSWORD ${literal(verifier)}`;
}

/** Committed on its own before sessions are ended, so none can log in again in between. */
export function disableLoginSql(user: string): string {
  return `ALTER ROLE ${ident(user)} NOLOGIN`;
}

/** $1 is the role name. PostgreSQL 14+ waits (up to $2 ms) for each backend to be gone. */
export function terminateSessionsSql(waits: boolean): string {
  const call = waits ? 'pg_terminate_backend(pid, $2::bigint)' : 'pg_terminate_backend(pid)';
  return `SELECT count(*)::int AS sessions FROM (SELECT ${call} FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()) ended`;
}

/** Drops what the role owns in this database and the privileges granted to it, then the role. */
export function dropLoginSql(user: string): string {
  const role = ident(user);
  return `${ACL_LOCK};\nDROP OWNED BY ${role};\nDROP ROLE IF EXISTS ${role};`;
}

function privilegeList(privileges: readonly string[]): string {
  const allowed = GRANTABLE_PRIVILEGES.postgres;
  for (const p of privileges) {
    // Keywords cannot be quoted; only words from the allow-list are ever written.
    if (!allowed.includes(p)) throw new WarrantError('ERR_SCOPE_INVALID', `privilege ${JSON.stringify(p)} is not grantable`);
  }
  return privileges.join(', ');
}
