import { WarrantError } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';

// A database scope entry is `PRIV[,PRIV…]:schema.object`, e.g. `SELECT,INSERT:sales.orders`.
// Privileges are matched case-insensitively and written upper-case; identifiers are case-sensitive
// and limited to letters, digits and '_' so that no request can carry quoting or SQL syntax.
// A resolved scope holds one privilege per entry (`SELECT:sales.orders`), so a Cedar policy can
// compare it with a plain set.

export type DatabaseEngine = 'postgres' | 'mysql';

/** Table-level privileges a credential may ever hold; no ALL, no GRANT OPTION, nothing server-wide. */
export const GRANTABLE_PRIVILEGES: Readonly<Record<DatabaseEngine, readonly string[]>> = Object.freeze({
  postgres: Object.freeze(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES']),
  mysql: Object.freeze(['SELECT', 'INSERT', 'UPDATE', 'DELETE']),
});

/** Longest identifier each server accepts (PostgreSQL NAMEDATALEN-1 bytes; MySQL 64 characters). */
export const MAX_IDENTIFIER_LENGTH: Readonly<Record<DatabaseEngine, number>> = Object.freeze({ postgres: 63, mysql: 64 });

export const SCOPE_GRAMMAR = 'PRIV[,PRIV…]:schema.object (e.g. SELECT:sales.orders)';

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PRIVILEGE_WORD_RE = /^[A-Za-z]+$/;
// Words an operator or caller may reach for that must never be granted; named in the error.
const NEVER_GRANTED = new Set(['ALL', 'GRANT', 'OPTION', 'SUPER', 'USAGE', 'CREATE', 'DROP', 'ALTER', 'EXECUTE', 'FILE', 'PROCESS', 'RELOAD', 'SHUTDOWN']);

/** One table-level privilege on one object. */
export interface ObjectPrivilege {
  readonly privilege: string;
  readonly schema: string;
  readonly object: string;
}

/** Privileges grouped by object, in the order they were first named. */
export interface ObjectGrant {
  readonly schema: string;
  readonly object: string;
  readonly privileges: readonly string[];
}

/** The most a credential of one provider may get: allowed privileges per `schema.object`. */
export type DatabaseCeiling = ReadonlyMap<string, ReadonlySet<string>>;

/** Why `name` is not a usable identifier, or undefined when it is one. */
export function identifierProblem(name: string, engine: DatabaseEngine): string | undefined {
  if (name.length === 0) return 'it is empty';
  const max = MAX_IDENTIFIER_LENGTH[engine];
  if (name.length > max) return `it is longer than ${max} characters`;
  if (!IDENTIFIER_RE.test(name)) return "use letters, digits and '_', not starting with a digit";
  return undefined;
}

/** Why `word` is not a privilege this engine grants, or undefined; the word is upper-cased first. */
export function privilegeProblem(word: string, engine: DatabaseEngine): string | undefined {
  const allowed = GRANTABLE_PRIVILEGES[engine];
  const upper = word.toUpperCase();
  if (allowed.includes(upper)) return undefined;
  const shown = quoteForMessage(word);
  const why = NEVER_GRANTED.has(upper) ? `${shown} is never granted` : `${shown} is not a table privilege warrant grants`;
  return `${why} (allowed: ${allowed.join(', ')})`;
}

/** Why `text` is not a `schema.object` name, or undefined when it is one. */
export function objectNameProblem(text: string, engine: DatabaseEngine): string | undefined {
  const parts = text.split('.');
  if (parts.length !== 2) return `${quoteForMessage(text)} is not schema.object`;
  for (const [i, part] of parts.entries()) {
    const problem = identifierProblem(part, engine);
    if (problem !== undefined) return `${i === 0 ? 'schema' : 'object'} name ${quoteForMessage(part)}: ${problem}`;
  }
  return undefined;
}

/** Parses one entry of the grammar into its privileges (upper-case, deduplicated); throws ERR_SCOPE_INVALID naming it. */
export function parseScopeEntry(entry: string, engine: DatabaseEngine, providerName: string): ObjectPrivilege[] {
  function fail(why: string): never {
    throw new WarrantError(
      'ERR_SCOPE_INVALID',
      `scope ${quoteForMessage(String(entry))} for provider '${providerName}' is invalid: ${why}; write ${SCOPE_GRAMMAR}`,
    );
  }
  // Typed as a string, but a caller outside TypeScript may still slip anything in.
  if (typeof entry !== 'string') fail('it is not a string');
  const colon = entry.indexOf(':');
  if (colon < 0) fail("it has no ':' between the privileges and the object");
  const privText = entry.slice(0, colon);
  const objectText = entry.slice(colon + 1);
  if (privText === '') fail('it names no privilege');
  const objectProblem = objectNameProblem(objectText, engine);
  if (objectProblem !== undefined) fail(objectProblem);
  const [schema, object] = objectText.split('.') as [string, string];
  const out: ObjectPrivilege[] = [];
  for (const word of privText.split(',')) {
    if (!PRIVILEGE_WORD_RE.test(word)) fail(`privilege ${quoteForMessage(word)} is not a word of letters`);
    const problem = privilegeProblem(word, engine);
    if (problem !== undefined) fail(problem);
    const privilege = word.toUpperCase();
    if (!out.some((p) => p.privilege === privilege)) out.push({ privilege, schema, object });
  }
  return out;
}

/** The canonical one-privilege entry, e.g. `SELECT:sales.orders`. */
export function formatObjectPrivilege(p: ObjectPrivilege): string {
  return `${p.privilege}:${p.schema}.${p.object}`;
}

/**
 * Checks a requested scope against the ceiling and returns it in canonical form: one privilege per
 * entry, first occurrence wins. An empty request yields the defaults; with no defaults it is refused.
 */
export function resolveDatabaseScope(
  requested: readonly string[],
  ceiling: DatabaseCeiling,
  defaults: readonly string[],
  engine: DatabaseEngine,
  providerName: string,
): readonly string[] {
  if (requested.length === 0) {
    if (defaults.length > 0) return [...defaults];
    throw new WarrantError(
      'ERR_SCOPE_INVALID',
      `provider '${providerName}' has no default scope: name the privileges you need as ${SCOPE_GRAMMAR}`,
    );
  }
  const seen = new Set<string>();
  for (const entry of requested) {
    for (const p of parseScopeEntry(entry, engine, providerName)) {
      checkWithinCeiling(p, ceiling, providerName, entry);
      seen.add(formatObjectPrivilege(p));
    }
  }
  return [...seen];
}

/** Throws ERR_SCOPE_INVALID unless the ceiling allows `p`; `entry` is what the caller wrote. */
export function checkWithinCeiling(p: ObjectPrivilege, ceiling: DatabaseCeiling, providerName: string, entry: string): void {
  const allowed = ceiling.get(`${p.schema}.${p.object}`);
  if (allowed === undefined) {
    throw new WarrantError(
      'ERR_SCOPE_INVALID',
      `scope ${quoteForMessage(entry)}: object ${quoteForMessage(`${p.schema}.${p.object}`)} is outside the ceiling of provider '${providerName}'`,
    );
  }
  if (!allowed.has(p.privilege)) {
    throw new WarrantError(
      'ERR_SCOPE_INVALID',
      `scope ${quoteForMessage(entry)}: ${p.privilege} on ${p.schema}.${p.object} is outside the ceiling of provider '${providerName}' (allowed there: ${[...allowed].join(', ')})`,
    );
  }
}

/**
 * Re-checks a resolved scope (the last line before SQL is written) and groups it by object.
 * Anything not canonical or outside the ceiling throws ERR_SCOPE_INVALID.
 */
export function grantsFor(scope: readonly string[], ceiling: DatabaseCeiling, engine: DatabaseEngine, providerName: string): ObjectGrant[] {
  const byObject = new Map<string, { schema: string; object: string; privileges: string[] }>();
  for (const entry of scope) {
    const parsed = parseScopeEntry(entry, engine, providerName);
    const [p] = parsed;
    if (parsed.length !== 1 || p === undefined || formatObjectPrivilege(p) !== entry) {
      throw new WarrantError('ERR_SCOPE_INVALID', `scope ${quoteForMessage(entry)} for provider '${providerName}' is not in resolved form`);
    }
    checkWithinCeiling(p, ceiling, providerName, entry);
    const key = `${p.schema}.${p.object}`;
    const grant = byObject.get(key) ?? { schema: p.schema, object: p.object, privileges: [] };
    if (!grant.privileges.includes(p.privilege)) grant.privileges.push(p.privilege);
    byObject.set(key, grant);
  }
  return [...byObject.values()];
}
