// How a credential is written for the program that reads it: AWS shared credentials/config
// profiles, a libpq .pgpass line, a MySQL option file, a bare bearer token, an env file, JSON, or a
// template. Every value is escaped for its format; a value that cannot be expressed is refused.
import type { Credential, Lease } from '../../client/index.js';

export const FORMATS = ['aws-credentials', 'aws-config', 'pgpass', 'my-cnf', 'token', 'env', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export interface RenderOptions {
  readonly format?: Format | undefined;
  readonly template?: string | undefined;
  readonly profile?: string | undefined;
  readonly prefix?: string | undefined;
}

/** A credential that does not fit the sink's format; the message never holds a secret. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
}

export const TEMPLATE_FIELDS: readonly string[] = [
  'lease_id',
  'task_id',
  'provider',
  'lease_expires_at',
  'kind',
  'access_token',
  'token_type',
  'scope',
  'audience',
  'expires_at',
  'engine',
  'host',
  'port',
  'database',
  'username',
  'password',
  'valid_until',
  'access_key_id',
  'secret_access_key',
  'session_token',
  'region',
  'assumed_role_arn',
];

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

export function templateFields(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : '');

function fieldsOf(c: Credential, lease: Lease): Record<string, string> {
  const common = { lease_id: lease.id, task_id: lease.taskId, provider: lease.provider, lease_expires_at: iso(lease.expiresAt), kind: c.kind };
  switch (c.kind) {
    case 'oauth_token':
      return { ...common, access_token: c.accessToken, token_type: c.tokenType, scope: c.scope.join(' '), audience: c.audience.join(' '), expires_at: iso(c.expiresAt) };
    case 'database_login':
      return {
        ...common,
        engine: c.engine,
        host: c.host,
        port: String(c.port),
        database: c.database,
        username: c.username,
        password: c.password,
        valid_until: iso(c.validUntil),
      };
    case 'aws_session':
      return {
        ...common,
        access_key_id: c.accessKeyId,
        secret_access_key: c.secretAccessKey,
        session_token: c.sessionToken,
        region: c.region,
        assumed_role_arn: c.assumedRoleArn,
        expires_at: iso(c.expiresAt),
      };
  }
}

function need<K extends Credential['kind']>(c: Credential, kind: K, format: string): Extract<Credential, { kind: K }> {
  if (c.kind !== kind) throw new RenderError(`format ${format} needs a ${kind} credential; the provider issued ${c.kind}`);
  return c as Extract<Credential, { kind: K }>;
}

function oneLine(value: string, what: string, format: string): string {
  if (/[\r\n\0]/.test(value)) throw new RenderError(`${what} holds a line break, which ${format} cannot express`);
  return value;
}

/** libpq: `:` and `\` inside a field are escaped with `\`. */
export function pgpassField(value: string, what: string): string {
  return oneLine(value, what, 'pgpass').replace(/[\\:]/g, (ch) => `\\${ch}`);
}

/** MySQL option files: a double-quoted value with backslash escapes. */
function myCnfValue(value: string, what: string): string {
  if (value.includes('\0')) throw new RenderError(`${what} holds a NUL byte, which my-cnf cannot express`);
  const escaped = value.replace(/[\\"\n\r\t\b]/g, (ch) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b' })[ch]!);
  return `"${escaped}"`;
}

/** Unquoted when only safe characters (so Docker's --env-file reads it too); else single-quoted for sh. */
export function envValue(value: string, what: string): string {
  if (value.includes('\0')) throw new RenderError(`${what} holds a NUL byte, which an env file cannot express`);
  if (/^[A-Za-z0-9_./:@+=,%-]*$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function iniProfile(header: string, rows: [string, string][]): string {
  return `[${header}]\n${rows.map(([k, v]) => `${k} = ${oneLine(v, k, 'an AWS profile')}`).join('\n')}\n`;
}

function envLines(prefix: string, rows: [string, string][]): string {
  return rows.map(([k, v]) => `${prefix}${k}=${envValue(v, `${prefix}${k}`)}`).join('\n') + '\n';
}

function envRows(c: Credential): [string, string][] {
  switch (c.kind) {
    case 'oauth_token':
      return [
        ['ACCESS_TOKEN', c.accessToken],
        ['TOKEN_TYPE', c.tokenType],
      ];
    case 'aws_session':
      return [
        ['AWS_ACCESS_KEY_ID', c.accessKeyId],
        ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
        ['AWS_SESSION_TOKEN', c.sessionToken],
        ...(c.region === '' ? [] : ([['AWS_REGION', c.region]] as [string, string][])),
      ];
    case 'database_login':
      return c.engine === 'mysql'
        ? [
            ['MYSQL_HOST', c.host],
            ['MYSQL_TCP_PORT', String(c.port)],
            ['MYSQL_DATABASE', c.database],
            ['MYSQL_USER', c.username],
            ['MYSQL_PWD', c.password],
          ]
        : [
            ['PGHOST', c.host],
            ['PGPORT', String(c.port)],
            ['PGDATABASE', c.database],
            ['PGUSER', c.username],
            ['PGPASSWORD', c.password],
          ];
  }
}

function json(c: Credential, lease: Lease): string {
  const { kind, ...rest } = c;
  return `${JSON.stringify({ kind, leaseId: lease.id, taskId: lease.taskId, provider: lease.provider, leaseExpiresAt: iso(lease.expiresAt), ...rest }, null, 2)}\n`;
}

/** The file content for one sink. */
export function renderCredential(c: Credential, lease: Lease, opts: RenderOptions): string {
  if (opts.template !== undefined) {
    const fields = fieldsOf(c, lease);
    return opts.template.replace(PLACEHOLDER, (_m, name: string) => {
      const v = fields[name];
      if (v === undefined) throw new RenderError(`template placeholder {{${name}}} has no value for a ${c.kind} credential`);
      return v;
    });
  }
  const format = opts.format ?? 'json';
  switch (format) {
    case 'aws-credentials': {
      const a = need(c, 'aws_session', format);
      return iniProfile(opts.profile ?? 'default', [
        ['aws_access_key_id', a.accessKeyId],
        ['aws_secret_access_key', a.secretAccessKey],
        ['aws_session_token', a.sessionToken],
      ]);
    }
    case 'aws-config': {
      const a = need(c, 'aws_session', format);
      // In the config file every profile but default is written `[profile name]`.
      const profile = opts.profile ?? 'default';
      return iniProfile(profile === 'default' ? 'default' : `profile ${profile}`, [
        ...(a.region === '' ? [] : ([['region', a.region]] as [string, string][])),
        ['aws_access_key_id', a.accessKeyId],
        ['aws_secret_access_key', a.secretAccessKey],
        ['aws_session_token', a.sessionToken],
      ]);
    }
    case 'pgpass': {
      const d = need(c, 'database_login', format);
      return `${[
        pgpassField(d.host, 'host'),
        String(d.port),
        pgpassField(d.database, 'database'),
        pgpassField(d.username, 'username'),
        pgpassField(d.password, 'password'),
      ].join(':')}\n`;
    }
    case 'my-cnf': {
      const d = need(c, 'database_login', format);
      return `[client]\nhost=${myCnfValue(d.host, 'host')}\nport=${d.port}\ndatabase=${myCnfValue(d.database, 'database')}\nuser=${myCnfValue(d.username, 'username')}\npassword=${myCnfValue(d.password, 'password')}\n`;
    }
    case 'token':
      return need(c, 'oauth_token', format).accessToken;
    case 'env':
      return envLines(opts.prefix ?? '', envRows(c));
    case 'json':
      return json(c, lease);
  }
}
