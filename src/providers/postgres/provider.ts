import pg from 'pg';
import { WarrantError, type Clock, type DatabaseLoginCredential } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';
import type {
  AdminRotation,
  CredentialProvider,
  MintRequest,
  MintResult,
  ProviderLimits,
  RenewRequest,
  RenewResult,
  RevokeRequest,
} from '../provider.js';
import { readAdminPassword, readNextPassword, rotatePasswordFile, settleNextPassword } from '../database/admin-password.js';
import type { DatabaseProviderConfig } from '../database/config.js';
import { providerError, type DriverFailure } from '../database/driver-error.js';
import { generatePassword } from '../database/password.js';
import { grantsFor, resolveDatabaseScope } from '../database/scope.js';
import { renewalExpiry } from '../database/renewal.js';
import { userNameFor, userNameFromHandle } from '../database/user-name.js';
import { scramSha256Verifier } from './scram-verifier.js';
import { createLoginSql, disableLoginSql, dropLoginSql, renewLoginSql, setAdminPasswordSql, terminateSessionsSql } from './statements.js';

interface AdminFacts {
  readonly superuser: boolean;
  readonly createrole: boolean;
  readonly version: number;
}

export interface DatabaseProviderDeps {
  readonly clock: Clock;
  /** Environment variables, for adminPasswordEnv; passed in by the composition root. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

// SQLSTATEs that mean "not now" rather than "wrong": connection exceptions (08…), shutdown or
// start-up (57P01-03), too many connections, statement or lock timeout, deadlock, serialization.
const BUSY_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '55P03', '40001', '40P01']);
const BUSY_MESSAGE_RE = /timeout exceeded when trying to connect|connection terminated|connection timeout|query read timeout|not queryable/i;
const UNDEFINED_OBJECT = '42704';
const AUTH_FAILED = new Set(['28P01', '28000']);
// How long a revocation waits for each ended session to be gone (PostgreSQL 14+).
const TERMINATE_WAIT_MS = 5000;

function isBusy(f: DriverFailure): boolean {
  if (f.code !== undefined && (f.code.startsWith('08') || BUSY_SQLSTATES.has(f.code))) return true;
  return f.code === undefined && BUSY_MESSAGE_RE.test(f.message);
}

/**
 * Mints a PostgreSQL login per lease: a role named from the lease id, with a password, VALID UNTIL
 * the lease expiry and exactly the granted table privileges. Revocation ends the role's sessions
 * and drops it, which is what ends a live session: VALID UNTIL only stops new logins.
 */
export class PostgresProvider implements CredentialProvider {
  readonly name: string;
  readonly kind = 'postgres' as const;
  readonly limits: ProviderLimits;

  readonly #config: DatabaseProviderConfig;
  readonly #clock: Clock;
  readonly #pool: pg.Pool;
  #adminPassword: string;
  #admin: Promise<AdminFacts> | undefined;
  #rotation: Promise<AdminRotation> | undefined;
  #closed = false;

  private constructor(name: string, config: DatabaseProviderConfig, clock: Clock, adminPassword: string) {
    this.name = name;
    this.#config = config;
    this.#clock = clock;
    this.#adminPassword = adminPassword;
    this.limits = Object.freeze({ defaultTtlMs: config.defaultTtlMs, maxTtlMs: config.maxTtlMs, renewable: config.renewable });
    const { admin } = config;
    const url = new URL(`postgres://${admin.host}`);
    url.port = String(admin.port);
    // The setters percent-encode what needs it.
    url.username = admin.user;
    url.pathname = `/${admin.database}`;
    for (const [k, v] of Object.entries(admin.tlsParams)) url.searchParams.set(k, v);
    this.#pool = new pg.Pool({
      connectionString: url.toString(),
      // A function, so the driver never falls back to PGPASSWORD or ~/.pgpass, and rotation takes effect.
      password: async () => this.#adminPassword,
      ...(admin.tlsParams['sslmode'] === undefined ? { ssl: false } : {}),
      max: config.poolMax,
      idleTimeoutMillis: config.poolIdleTimeoutMs,
      connectionTimeoutMillis: config.connectTimeoutMs,
      statement_timeout: config.statementTimeoutMs,
      lock_timeout: config.statementTimeoutMs,
      query_timeout: config.statementTimeoutMs + 1000,
      application_name: `warrant:${name}`,
    });
    // An idle connection the server closed is dropped by the pool; without a listener it would crash the process.
    this.#pool.on('error', () => undefined);
  }

  /** Reads the admin password; with verifyConnection, checks the server, the admin's rights and the ceiling's objects. */
  static async create(name: string, config: DatabaseProviderConfig, deps: DatabaseProviderDeps): Promise<PostgresProvider> {
    const password = await readAdminPassword(config, deps.env ?? {}, `providers.${name}`);
    const file = config.adminPasswordFile;
    const next = file === undefined ? undefined : await readNextPassword(file);
    const provider = new PostgresProvider(name, config, deps.clock, next ?? password ?? '');
    if (file !== undefined && next !== undefined) {
      // A rotation was interrupted: the server has either the new password or the old one.
      let serverHasNext: boolean;
      try {
        await provider.#adminFacts();
        serverHasNext = true;
      } catch (err) {
        const code = ((err as WarrantError).cause as DriverFailure | undefined)?.code;
        if (code === undefined || !AUTH_FAILED.has(code)) {
          await provider.close();
          throw new WarrantError(
            'ERR_CONFIG',
            `providers.${name}.adminPasswordFile: a rotation of the admin password was interrupted (${JSON.stringify(`${file}.next`)} exists) and the server cannot be reached to tell which password it has; start again once it can be reached`,
          );
        }
        serverHasNext = false;
        provider.#adminPassword = password ?? '';
      }
      await settleNextPassword(file, serverHasNext);
    }
    if (config.verifyConnection) {
      try {
        await provider.#verify();
      } catch (err) {
        await provider.close();
        throw err;
      }
    }
    return provider;
  }

  handleFor(leaseId: string): string {
    return userNameFor(this.#config.userPrefix, leaseId);
  }

  resolveScope(requested: readonly string[]): readonly string[] {
    return resolveDatabaseScope(requested, this.#config.ceiling, this.#config.defaultScope, 'postgres', this.name);
  }

  async mint(request: MintRequest): Promise<MintResult> {
    this.#assertOpen();
    const grants = grantsFor(request.scope, this.#config.ceiling, 'postgres', this.name);
    const now = this.#clock.now();
    const validUntil = Math.min(request.expiresAt, request.issuedAt + this.#config.maxTtlMs);
    if (validUntil <= now) {
      throw new WarrantError('ERR_TTL_INVALID', `lease ${request.leaseId}: provider '${this.name}' cannot mint a login that is already expired`);
    }
    const user = this.handleFor(request.leaseId);
    const password = generatePassword(this.#config.passwordLength, this.#config.passwordCharset);
    const verifier = await scramSha256Verifier(password);
    const { superuser } = await this.#adminFacts();
    const sql = createLoginSql({
      user,
      passwordVerifier: verifier,
      validUntil,
      connectionLimit: this.#config.userConnectionLimit,
      database: this.#config.admin.database,
      grants,
      // A non-superuser admin needs the role's privileges to DROP OWNED it at revocation.
      adminJoins: !superuser,
      comment: `warrant lease ${request.leaseId} for task ${request.taskId} of ${request.owner}`,
    });
    await this.#withClient(`create the login of lease ${request.leaseId}`, [password, verifier], (client) => client.query(sql));
    const credential: DatabaseLoginCredential = {
      kind: 'database_login',
      engine: 'postgres',
      host: this.#config.credentialHost,
      port: this.#config.credentialPort,
      database: this.#config.admin.database,
      username: user,
      password,
      validUntil,
    };
    return { credential, expiresAt: validUntil };
  }

  async renew(request: RenewRequest): Promise<RenewResult> {
    this.#assertOpen();
    const { lease } = request;
    const validUntil = renewalExpiry(lease, request.expiresAt, this.#config, 'postgres', this.name, this.#clock.now());
    const user = userNameFromHandle(lease.handle, lease.id, this.name);
    const extended = await this.#withClient(`extend the login of lease ${lease.id}`, [], async (client) => {
      try {
        await client.query(renewLoginSql(user, validUntil));
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code === UNDEFINED_OBJECT) return false;
        throw err;
      }
    });
    if (!extended) throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `lease ${lease.id}: its login no longer exists at provider '${this.name}'`);
    return { expiresAt: validUntil };
  }

  /**
   * Idempotent: blocks new logins, ends every session of the role, drops what it owns and the
   * role itself. A role that is already gone is success.
   */
  async revoke(request: RevokeRequest): Promise<void> {
    this.#assertOpen();
    const user = userNameFromHandle(request.handle, request.leaseId, this.name);
    const waits = (await this.#adminFacts()).version >= 140_000;
    await this.#withClient(`revoke the login of lease ${request.leaseId}`, [], async (client) => {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
      if (exists.rowCount === 0) return;
      await ignoreMissing(client.query(disableLoginSql(user)));
      await client.query(terminateSessionsSql(waits), waits ? [user, TERMINATE_WAIT_MS] : [user]);
      await ignoreMissing(client.query(dropLoginSql(user)));
    });
  }

  /**
   * Gives the admin role a new random password, kept in adminPasswordFile (written beside it and
   * synced before the server changes, moved into place after). Connections already open stay open;
   * new ones use the new password. One rotation at a time.
   */
  async rotateAdminCredential(): Promise<AdminRotation> {
    this.#assertOpen();
    const file = this.#config.adminPasswordFile;
    if (file === undefined) {
      throw new WarrantError(
        'ERR_ROTATION_UNSUPPORTED',
        this.#config.adminPasswordEnv === undefined
          ? `provider '${this.name}' has no admin password to rotate (set adminPasswordFile)`
          : `provider '${this.name}' reads its admin password from ${this.#config.adminPasswordEnv}, which warrant cannot update; use adminPasswordFile to let warrant rotate it`,
      );
    }
    this.#rotation ??= (async () => {
      const password = generatePassword(this.#config.passwordLength, this.#config.passwordCharset);
      const verifier = await scramSha256Verifier(password);
      await rotatePasswordFile(
        file,
        password,
        async () => {
          await this.#withClient('rotate the admin password', [password, verifier], (client) => client.query(setAdminPasswordSql(verifier)));
          this.#adminPassword = password;
        },
        `providers.${this.name}.adminPasswordFile`,
      );
      return { rotatedAt: this.#clock.now(), storedIn: file };
    })().finally(() => {
      this.#rotation = undefined;
    });
    return this.#rotation;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #verify(): Promise<void> {
    const key = `providers.${this.name}`;
    const { admin } = this.#config;
    let row: AdminFacts;
    try {
      row = await this.#adminFacts();
    } catch (err) {
      const detail = (err as WarrantError).message.replace(/^provider '[^']*' could not connect[^:]*: /, '');
      throw new WarrantError('ERR_CONFIG', `${key}.adminUrl: cannot connect to PostgreSQL at ${admin.host}:${admin.port} as ${admin.user}: ${detail}`);
    }
    if (!row.superuser && !row.createrole) {
      throw new WarrantError('ERR_CONFIG', `${key}.adminUrl: user ${admin.user} may not create roles (needs CREATEROLE or superuser)`);
    }
    const objects = [...this.#config.ceiling.keys()];
    const found = await this.#withClient('check the granted objects', [], (client) =>
      client.query<{ name: string }>(
        `SELECT o.name FROM unnest($1::text[], $2::text[], $3::text[]) AS o(name, schema_name, object_name)
          WHERE to_regclass(quote_ident(o.schema_name) || '.' || quote_ident(o.object_name)) IS NOT NULL`,
        [objects, objects.map((o) => o.split('.')[0]), objects.map((o) => o.split('.')[1])],
      ),
    );
    const present = new Set(found.rows.map((r) => r.name));
    const missing = objects.find((o) => !present.has(o));
    if (missing !== undefined) {
      throw new WarrantError('ERR_CONFIG', `${key}.grants[${quoteForMessage(missing)}]: no such table or view in database ${quoteForMessage(admin.database)}`);
    }
  }

  /** Who the admin is and what the server runs; read once. */
  #adminFacts(): Promise<AdminFacts> {
    this.#admin ??= this.#withClient('connect', [], async (client) => {
      const r = await client.query<AdminFacts>(
        `SELECT rolsuper AS superuser, rolcreaterole AS createrole, current_setting('server_version_num')::int AS version
           FROM pg_roles WHERE rolname = current_user`,
      );
      return r.rows[0] ?? { superuser: false, createrole: false, version: 0 };
    }).catch((err: unknown) => {
      this.#admin = undefined;
      throw err;
    });
    return this.#admin;
  }

  /** Runs `fn` on a pooled admin connection; every failure becomes UNAVAILABLE or FAILED, scrubbed of `secrets`. */
  async #withClient<T>(operation: string, secrets: readonly string[], fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw providerError(err, this.name, operation, [...secrets, this.#adminPassword], isBusy);
    }
    // A connection that breaks while checked out is reported to the running query; without this
    // listener the client's own 'error' event would also crash the process.
    const onError = () => undefined;
    client.on('error', onError);
    try {
      const result = await fn(client);
      client.release();
      return result;
    } catch (err) {
      // The connection may be mid-statement or broken: never hand it to the next caller.
      client.release(true);
      throw providerError(err, this.name, operation, [...secrets, this.#adminPassword], isBusy);
    } finally {
      client.off('error', onError);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${this.name}' is closed`);
  }
}

/** A role dropped concurrently (another revocation) is what we wanted. */
async function ignoreMissing(query: Promise<unknown>): Promise<void> {
  try {
    await query;
  } catch (err) {
    if ((err as { code?: unknown }).code !== UNDEFINED_OBJECT) throw err;
  }
}
