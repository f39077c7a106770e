import { z } from 'zod';
import { formatDuration, parseDuration } from '../../core/index.js';
import {
  configError,
  configErrorFromIssues,
  configPathSuffix,
  durationField,
  envName,
  nonEmptyString,
  requiredOr,
} from '../config-fields.js';
import { quoteForMessage } from '../message-text.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_BITS, PASSWORD_CHARSETS, passwordBits } from './password.js';
import {
  GRANTABLE_PRIVILEGES,
  formatObjectPrivilege,
  objectNameProblem,
  parseScopeEntry,
  privilegeProblem,
  checkWithinCeiling,
  type DatabaseCeiling,
  type DatabaseEngine,
} from './scope.js';
import { LEASE_ID_LENGTH, MAX_USER_NAME_LENGTH } from './user-name.js';

/** Where and as whom warrant connects to administer logins. Never holds a password. */
export interface AdminEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** PostgreSQL: the database whose objects are granted (required). MySQL: optional default schema. */
  readonly database: string;
  /** PostgreSQL only: sslmode and sslrootcert, passed to the driver as given. */
  readonly tlsParams: Readonly<Record<string, string>>;
}

/** A validated postgres or mysql provider config; durations in milliseconds. Frozen. */
export interface DatabaseProviderConfig {
  readonly kind: DatabaseEngine;
  readonly admin: AdminEndpoint;
  readonly adminPasswordFile?: string;
  readonly adminPasswordEnv?: string;
  /** The ceiling: privileges a credential may ever get, per `schema.object`. */
  readonly ceiling: DatabaseCeiling;
  /** Resolved, canonical entries (one privilege each). */
  readonly defaultScope: readonly string[];
  readonly userPrefix: string;
  /** MySQL only: the host part of every minted account. */
  readonly userHost: string;
  readonly passwordLength: number;
  readonly passwordCharset: string;
  readonly poolMax: number;
  readonly poolIdleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** Concurrent sessions one minted login may open. */
  readonly userConnectionLimit: number;
  /** Where agents connect; defaults to the admin host and port. */
  readonly credentialHost: string;
  readonly credentialPort: number;
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  readonly renewable: boolean;
  /** Connect at start: a wrong URL, password or server fails start-up instead of the first mint. */
  readonly verifyConnection: boolean;
}

const DEFAULTS = {
  userPrefix: 'w_',
  userHost: '%',
  passwordLength: 32,
  passwordCharset: 'alphanumeric',
  poolMax: 4,
  poolIdleTimeout: '30s',
  connectTimeout: '5s',
  statementTimeout: '10s',
  userConnectionLimit: 10,
  defaultTtl: '15m',
  maxTtl: '1h',
} as const;

const DEFAULT_PORT: Readonly<Record<DatabaseEngine, number>> = { postgres: 5432, mysql: 3306 };
const URL_SCHEMES: Readonly<Record<DatabaseEngine, readonly string[]>> = {
  postgres: ['postgres:', 'postgresql:'],
  mysql: ['mysql:', 'mariadb:'],
};
const PG_TLS_PARAMS = new Set(['sslmode', 'sslrootcert']);
const PG_SSLMODES = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']);
const USER_PREFIX_RE = /^[a-z][a-z0-9_]*$/;
const USER_HOST_RE = /^[A-Za-z0-9.%_:-]{1,255}$/;
const HOST_RE = /^(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]{1,253})$/;

const integer = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const baseShape = {
  adminUrl: nonEmptyString('a connection URL'),
  adminPasswordFile: nonEmptyString('a file path').optional(),
  adminPasswordEnv: envName().optional(),
  grants: z.record(z.string(), z.array(z.string({ error: 'must be a privilege name' }), { error: 'must be a list of privileges' }), {
    error: requiredOr('a mapping of schema.object to a list of privileges'),
  }),
  defaultScope: z.array(z.string({ error: 'must be a scope string' }), { error: 'must be a list of scopes' }).optional(),
  userPrefix: z.string({ error: 'must be a string' }).optional(),
  password: z
    .strictObject({
      length: integer(8, MAX_PASSWORD_LENGTH).optional(),
      charset: nonEmptyString('a character set name or the characters to use').optional(),
    })
    .optional(),
  pool: z
    .strictObject({
      max: integer(1, 100).optional(),
      idleTimeout: durationField(100).optional(),
      connectTimeout: durationField(100).optional(),
    })
    .optional(),
  statementTimeout: durationField(100).optional(),
  userConnectionLimit: integer(1, 10_000).optional(),
  credentialHost: nonEmptyString('a host name').regex(HOST_RE, { error: 'must be a host name or IP address' }).optional(),
  credentialPort: integer(1, 65_535).optional(),
  defaultTtl: durationField(1000).optional(),
  maxTtl: durationField(1000).optional(),
  renewable: z.boolean({ error: 'must be true or false' }).optional(),
  verifyConnection: z.boolean({ error: 'must be true or false' }).optional(),
};

const SCHEMAS = {
  postgres: z.strictObject({ kind: z.literal('postgres', { error: requiredOr("'postgres'") }), ...baseShape }),
  mysql: z.strictObject({
    kind: z.literal('mysql', { error: requiredOr("'mysql'") }),
    ...baseShape,
    userHost: z.string({ error: 'must be a string' }).regex(USER_HOST_RE, { error: "must be a MySQL host pattern such as '%' or '10.0.%'" }).optional(),
  }),
} as const;

/**
 * Validates one `providers.<name>` entry of kind postgres or mysql. `path` is that entry's config
 * path; every error names the bad key below it.
 */
export function parseDatabaseConfig(raw: unknown, path: string, engine: DatabaseEngine): DatabaseProviderConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw configError(path, 'must be a mapping');
  const schema = SCHEMAS[engine];
  const result = schema.safeParse(raw);
  if (!result.success) throw configErrorFromIssues(path, result.error.issues, Object.keys(schema.shape).join(', '));
  const parsed = result.data;

  if (parsed.adminPasswordFile !== undefined && parsed.adminPasswordEnv !== undefined) {
    throw configError(`${path}.adminPasswordEnv`, 'set adminPasswordFile or adminPasswordEnv, not both');
  }
  const admin = parseAdminUrl(parsed.adminUrl, `${path}.adminUrl`, engine);
  const ceiling = parseCeiling(parsed.grants, `${path}.grants`, engine);
  const name = path.replace(/^providers\./, '');
  const defaultScope: string[] = [];
  for (const [i, entry] of (parsed.defaultScope ?? []).entries()) {
    try {
      for (const p of parseScopeEntry(entry, engine, name)) {
        checkWithinCeiling(p, ceiling, name, entry);
        const canonical = formatObjectPrivilege(p);
        if (!defaultScope.includes(canonical)) defaultScope.push(canonical);
      }
    } catch (err) {
      throw configError(`${path}.defaultScope[${i}]`, (err as Error).message);
    }
  }

  const userPrefix = parsed.userPrefix ?? DEFAULTS.userPrefix;
  const prefixMax = MAX_USER_NAME_LENGTH[engine] - LEASE_ID_LENGTH;
  if (!USER_PREFIX_RE.test(userPrefix)) {
    throw configError(`${path}.userPrefix`, `${quoteForMessage(userPrefix)} must be lower-case letters, digits and '_', starting with a letter`);
  }
  if (userPrefix.length > prefixMax) {
    throw configError(
      `${path}.userPrefix`,
      `${quoteForMessage(userPrefix)} is too long: with the 26-character lease id a user name must fit ${MAX_USER_NAME_LENGTH[engine]} characters (at most ${prefixMax} for the prefix${engine === 'mysql' ? '; MySQL, unlike MariaDB, allows only 32 in all' : ''})`,
    );
  }

  const passwordLength = parsed.password?.length ?? DEFAULTS.passwordLength;
  const charsetText = parsed.password?.charset ?? DEFAULTS.passwordCharset;
  const passwordCharset = PASSWORD_CHARSETS[charsetText] ?? customCharset(charsetText, `${path}.password.charset`);
  if (passwordBits(passwordLength, passwordCharset) < MIN_PASSWORD_BITS) {
    throw configError(
      `${path}.password.length`,
      `${passwordLength} characters from a set of ${passwordCharset.length} give ${Math.floor(passwordBits(passwordLength, passwordCharset))} bits; at least ${MIN_PASSWORD_BITS} are required`,
    );
  }

  const defaultTtlMs = parsed.defaultTtl ?? parseDuration(DEFAULTS.defaultTtl)!;
  const maxTtlMs = parsed.maxTtl ?? parseDuration(DEFAULTS.maxTtl)!;
  if (defaultTtlMs > maxTtlMs) {
    throw configError(`${path}.defaultTtl`, `${formatDuration(defaultTtlMs)} is longer than maxTtl (${formatDuration(maxTtlMs)})`);
  }

  return Object.freeze({
    kind: engine,
    admin,
    ...(parsed.adminPasswordFile === undefined ? {} : { adminPasswordFile: parsed.adminPasswordFile }),
    ...(parsed.adminPasswordEnv === undefined ? {} : { adminPasswordEnv: parsed.adminPasswordEnv }),
    ceiling,
    defaultScope: Object.freeze(defaultScope),
    userPrefix,
    userHost: ('userHost' in parsed ? parsed.userHost : undefined) ?? DEFAULTS.userHost,
    passwordLength,
    passwordCharset,
    poolMax: parsed.pool?.max ?? DEFAULTS.poolMax,
    poolIdleTimeoutMs: parsed.pool?.idleTimeout ?? parseDuration(DEFAULTS.poolIdleTimeout)!,
    connectTimeoutMs: parsed.pool?.connectTimeout ?? parseDuration(DEFAULTS.connectTimeout)!,
    statementTimeoutMs: parsed.statementTimeout ?? parseDuration(DEFAULTS.statementTimeout)!,
    userConnectionLimit: parsed.userConnectionLimit ?? DEFAULTS.userConnectionLimit,
    credentialHost: parsed.credentialHost ?? admin.host.replace(/^\[(.*)\]$/, '$1'),
    credentialPort: parsed.credentialPort ?? admin.port,
    defaultTtlMs,
    maxTtlMs,
    renewable: parsed.renewable ?? true,
    verifyConnection: parsed.verifyConnection ?? true,
  });
}

function parseAdminUrl(text: string, key: string, engine: DatabaseEngine): AdminEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError(key, `is not a URL (e.g. ${engine === 'postgres' ? 'postgres://warrant_admin@db.example:5432/sales' : 'mysql://warrant_admin@db.example:3306'})`);
  }
  if (!URL_SCHEMES[engine].includes(url.protocol)) {
    throw configError(key, `must start with ${URL_SCHEMES[engine].map((s) => `${s}//`).join(' or ')}`);
  }
  // The password never sits in config: it comes from adminPasswordFile or adminPasswordEnv.
  if (url.password !== '') throw configError(key, 'must not hold a password; use adminPasswordFile or adminPasswordEnv');
  if (url.hostname === '' || !HOST_RE.test(url.hostname)) throw configError(key, 'must name the server host');
  const user = decodeURIComponent(url.username);
  if (user === '') throw configError(key, 'must name the admin user (e.g. postgres://warrant_admin@host/db)');
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (path.includes('/')) throw configError(key, 'must name at most one database');
  if (engine === 'postgres' && path === '') throw configError(key, 'must name the database whose objects are granted (…/dbname)');
  if (path !== '' && objectNameProblem(`${path}.x`, engine) !== undefined) {
    throw configError(key, `database name ${quoteForMessage(path)} must be letters, digits and '_'`);
  }
  if (url.hash !== '') throw configError(key, 'must not have a fragment');
  const tlsParams: Record<string, string> = {};
  for (const [param, value] of url.searchParams) {
    if (engine !== 'postgres' || !PG_TLS_PARAMS.has(param)) {
      throw configError(key, `unknown parameter ${quoteForMessage(param)}${engine === 'postgres' ? ' (allowed: sslmode, sslrootcert)' : ' (none are allowed)'}`);
    }
    if (param === 'sslmode' && !PG_SSLMODES.has(value)) {
      throw configError(key, `sslmode ${quoteForMessage(value)} must be one of ${[...PG_SSLMODES].join(', ')}`);
    }
    tlsParams[param] = value;
  }
  return Object.freeze({
    host: url.hostname,
    port: url.port === '' ? DEFAULT_PORT[engine] : Number(url.port),
    user,
    database: path,
    tlsParams: Object.freeze(tlsParams),
  });
}

function parseCeiling(grants: Record<string, string[]>, key: string, engine: DatabaseEngine): DatabaseCeiling {
  const ceiling = new Map<string, ReadonlySet<string>>();
  const entries = Object.entries(grants);
  if (entries.length === 0) throw configError(key, 'must grant at least one privilege on one object');
  for (const [object, privileges] of entries) {
    const objectKey = `${key}${configPathSuffix([object])}`;
    const problem = objectNameProblem(object, engine);
    if (problem !== undefined) throw configError(objectKey, problem);
    if (privileges.length === 0) throw configError(objectKey, `must list at least one of ${GRANTABLE_PRIVILEGES[engine].join(', ')}`);
    const allowed = new Set<string>();
    for (const [i, word] of privileges.entries()) {
      const why = privilegeProblem(word, engine);
      if (why !== undefined) throw configError(`${objectKey}[${i}]`, why);
      allowed.add(word.toUpperCase());
    }
    ceiling.set(object, allowed);
  }
  return ceiling;
}

function customCharset(text: string, key: string): string {
  const chars = [...new Set(text)];
  if (chars.some((c) => c < '!' || c > '~')) {
    throw configError(
      key,
      `must be one of ${Object.keys(PASSWORD_CHARSETS).join(', ')}, or the characters to draw from (printable ASCII, no spaces)`,
    );
  }
  if (chars.length < 16) throw configError(key, `has ${chars.length} distinct characters; use at least 16`);
  return chars.join('');
}
