import mysql from 'mysql2/promise';
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
import { LEASE_ID_LENGTH, userNameFor, userNameFromHandle } from '../database/user-name.js';
import { serverFlavour, type ServerFlavour } from './server-flavour.js';
import {
  SESSIONS_OF_USER_SQL,
  accountSql,
  createUserSql,
  dropUserSql,
  grantSql,
  killSql,
  lockUserSql,
  nativePasswordHash,
  setAdminPasswordSql,
} from './statements.js';

export interface MysqlProviderDeps {
  readonly clock: Clock;
  /** Environment variables, for adminPasswordEnv; passed in by the composition root. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

// Error codes that mean "not now" rather than "wrong": the connection broke or timed out, the
// server is shutting down or full, or a lock could not be had in time.
const BUSY_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_STATEMENT_TIMEOUT',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED',
  'ER_NET_READ_ERROR',
  'ER_NET_ERROR_ON_WRITE',
]);
const ER_NO_SUCH_THREAD = 1094;
// MariaDB answers a wrong password with either.
const AUTH_FAILED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR']);

function isBusy(f: DriverFailure): boolean {
  if (f.code !== undefined && BUSY_CODES.has(f.code)) return true;
  return f.code === undefined && /connection (is in closed state|lost)|pool is closed|timeout/i.test(f.message);
}

/**
 * Mints a MySQL or MariaDB account per lease: a user named from the lease id with exactly the
 * granted table privileges. MySQL has no VALID UNTIL: the lease's revocation (on completion, by
 * an operator, or by the reaper at expiry) locks the account, kills its connections and drops it.
 */
export class MysqlProvider implements CredentialProvider {
  readonly name: string;
  readonly kind = 'mysql' as const;
  readonly limits: ProviderLimits;

  readonly #config: DatabaseProviderConfig;
  readonly #clock: Clock;
  #pool: mysql.Pool;
  // After a rotation the old pool is ended once the operations still using it are done.
  readonly #inUse = new Map<mysql.Pool, number>();
  readonly #retired = new Set<mysql.Pool>();
  readonly #prepared = new WeakSet<object>();
  #adminPassword: string;
  #flavour: Promise<ServerFlavour> | undefined;
  #rotation: Promise<AdminRotation> | undefined;
  #closed = false;

  private constructor(name: string, config: DatabaseProviderConfig, clock: Clock, adminPassword: string) {
    this.name = name;
    this.#config = config;
    this.#clock = clock;
    this.#adminPassword = adminPassword;
    this.limits = Object.freeze({ defaultTtlMs: config.defaultTtlMs, maxTtlMs: config.maxTtlMs, renewable: config.renewable });
    this.#pool = this.#createPool(adminPassword);
  }

  #createPool(adminPassword: string): mysql.Pool {
    const config = this.#config;
    const { admin } = config;
    return mysql.createPool({
      host: admin.host.replace(/^\[(.*)\]$/, '$1'),
      port: admin.port,
      user: admin.user,
      password: adminPassword,
      ...(admin.database === '' ? {} : { database: admin.database }),
      connectionLimit: config.poolMax,
      maxIdle: config.poolMax,
      idleTimeout: config.poolIdleTimeoutMs,
      connectTimeout: config.connectTimeoutMs,
      waitForConnections: true,
      queueLimit: 0,
      enableKeepAlive: true,
      // Statements are only ever one at a time: a smuggled ';' can never start a second one.
      multipleStatements: false,
      connectAttributes: { program_name: `warrant:${this.name}` },
    });
  }

  /** Reads the admin password; with verifyConnection, detects the server, checks the admin's rights and the ceiling's tables. */
  static async create(name: string, config: DatabaseProviderConfig, deps: MysqlProviderDeps): Promise<MysqlProvider> {
    const password = await readAdminPassword(config, deps.env ?? {}, `providers.${name}`);
    const file = config.adminPasswordFile;
    const next = file === undefined ? undefined : await readNextPassword(file);
    const provider = new MysqlProvider(name, config, deps.clock, next ?? password ?? '');
    if (file !== undefined && next !== undefined) {
      // A rotation was interrupted: the server has either the new password or the old one.
      let serverHasNext: boolean;
      try {
        await provider.#withConnection('connect', [], (conn) => conn.query('SELECT 1'));
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
        provider.#usePassword(password ?? '');
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
    return resolveDatabaseScope(requested, this.#config.ceiling, this.#config.defaultScope, 'mysql', this.name);
  }

  /** The server detected at start (or at first use when verifyConnection is off). */
  flavour(): Promise<ServerFlavour> {
    this.#flavour ??= this.#withConnection('detect the server', [], async (conn) => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>({ sql: 'SELECT VERSION() AS v', timeout: this.#config.statementTimeoutMs });
      const flavour = serverFlavour(String(rows[0]?.['v'] ?? ''), `providers.${this.name}`);
      const longest = this.#config.userPrefix.length + LEASE_ID_LENGTH;
      if (longest > flavour.maxUserNameLength) {
        throw new WarrantError(
          'ERR_CONFIG',
          `providers.${this.name}.userPrefix: ${quoteForMessage(this.#config.userPrefix)} makes ${longest}-character user names; ${flavour.label} allows ${flavour.maxUserNameLength} (use at most ${flavour.maxUserNameLength - LEASE_ID_LENGTH} characters)`,
        );
      }
      return flavour;
    }).catch((err: unknown) => {
      this.#flavour = undefined;
      throw err;
    });
    return this.#flavour;
  }

  async mint(request: MintRequest): Promise<MintResult> {
    this.#assertOpen();
    const grants = grantsFor(request.scope, this.#config.ceiling, 'mysql', this.name);
    const now = this.#clock.now();
    const validUntil = Math.min(request.expiresAt, request.issuedAt + this.#config.maxTtlMs);
    if (validUntil <= now) {
      throw new WarrantError('ERR_TTL_INVALID', `lease ${request.leaseId}: provider '${this.name}' cannot mint a login that is already expired`);
    }
    const flavour = await this.flavour();
    const user = this.handleFor(request.leaseId);
    const account = accountSql(user, this.#config.userHost);
    const password = generatePassword(this.#config.passwordLength, this.#config.passwordCharset);
    const secrets = [password, nativePasswordHash(password)];
    const operation = `create the login of lease ${request.leaseId}`;
    await this.#withConnection(operation, secrets, (conn) =>
      this.#run(conn, createUserSql(account, password, this.#config.userConnectionLimit, flavour)),
    );
    // DDL commits one statement at a time: a failed grant leaves a user behind, so drop it now
    // (best effort; the service revokes the lease by its handle as well).
    try {
      await this.#withConnection(operation, secrets, async (conn) => {
        for (const grant of grants) await this.#run(conn, grantSql(account, grant));
      });
    } catch (err) {
      await this.#withConnection('clean up a half-created login', [], (conn) => this.#run(conn, dropUserSql(account))).catch(() => undefined);
      throw err;
    }
    const schemas = new Set(grants.map((g) => g.schema));
    const credential: DatabaseLoginCredential = {
      kind: 'database_login',
      engine: 'mysql',
      host: this.#config.credentialHost,
      port: this.#config.credentialPort,
      database: schemas.size === 1 ? [...schemas][0]! : this.#config.admin.database,
      username: user,
      password,
      validUntil,
    };
    return { credential, expiresAt: validUntil };
  }

  /** Nothing changes at the server (MySQL has no VALID UNTIL): the lease's new expiry is what the reaper enforces. */
  async renew(request: RenewRequest): Promise<RenewResult> {
    this.#assertOpen();
    const { lease } = request;
    const validUntil = renewalExpiry(lease, request.expiresAt, this.#config, 'mysql', this.name, this.#clock.now());
    return { expiresAt: validUntil };
  }

  /**
   * Idempotent: locks the account so no new session starts, kills every session it has (DROP USER
   * alone leaves them running), then drops it. An account that is already gone is success.
   */
  async revoke(request: RevokeRequest): Promise<void> {
    this.#assertOpen();
    const user = userNameFromHandle(request.handle, request.leaseId, this.name);
    const account = accountSql(user, this.#config.userHost);
    await this.#withConnection(`revoke the login of lease ${request.leaseId}`, [], async (conn) => {
      await this.#run(conn, lockUserSql(account));
      const [sessions] = await conn.query<mysql.RowDataPacket[]>({ sql: SESSIONS_OF_USER_SQL, values: [user], timeout: this.#config.statementTimeoutMs });
      for (const row of sessions) {
        try {
          await this.#run(conn, killSql(Number(row['id'])));
        } catch (err) {
          // The session ended on its own in the meantime.
          if ((err as { errno?: unknown }).errno !== ER_NO_SUCH_THREAD) throw err;
        }
      }
      await this.#run(conn, dropUserSql(account));
    });
  }

  /**
   * Gives the admin account a new random password, kept in adminPasswordFile (written beside it and
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
      const flavour = await this.flavour();
      const password = generatePassword(this.#config.passwordLength, this.#config.passwordCharset);
      await rotatePasswordFile(
        file,
        password,
        () =>
          this.#withConnection('rotate the admin password', [password, nativePasswordHash(password)], async (conn) => {
            await this.#run(conn, setAdminPasswordSql(password, flavour));
            this.#usePassword(password);
          }),
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
    const pools = [this.#pool, ...this.#retired];
    this.#retired.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  }

  /** New admin connections use `password`; the old pool ends once nothing uses it. */
  #usePassword(password: string): void {
    this.#adminPassword = password;
    const old = this.#pool;
    this.#pool = this.#createPool(password);
    if ((this.#inUse.get(old) ?? 0) === 0) void old.end().catch(() => undefined);
    else this.#retired.add(old);
  }

  async #verify(): Promise<void> {
    const key = `providers.${this.name}`;
    const { admin } = this.#config;
    let flavour: ServerFlavour;
    try {
      flavour = await this.flavour();
    } catch (err) {
      if (err instanceof WarrantError && err.code === 'ERR_CONFIG') throw err;
      const detail = (err as Error).message.replace(/^provider '[^']*' could not detect the server[^:]*: /, '');
      throw new WarrantError('ERR_CONFIG', `${key}.adminUrl: cannot connect to MySQL at ${admin.host}:${admin.port} as ${admin.user}: ${detail}`);
    }
    const privileges = await this.#withConnection('read the admin privileges', [], async (conn) => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>({
        sql: `SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES
               WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')`,
        timeout: this.#config.statementTimeoutMs,
      });
      return new Set(rows.map((r) => String(r['p'])));
    });
    const missing = [
      privileges.has('CREATE USER') ? undefined : 'CREATE USER',
      // Without PROCESS the process list shows only the admin's own sessions, and a revoked login's would survive.
      privileges.has('PROCESS') ? undefined : 'PROCESS',
      ['SUPER', 'CONNECTION_ADMIN', 'CONNECTION ADMIN'].some((p) => privileges.has(p)) ? undefined : flavour.mariadb ? 'CONNECTION ADMIN' : 'CONNECTION_ADMIN',
    ].filter((p) => p !== undefined);
    if (missing.length > 0) {
      throw new WarrantError('ERR_CONFIG', `${key}.adminUrl: user ${admin.user} lacks the global privilege(s) ${missing.join(', ')} (${flavour.label})`);
    }
    const objects = [...this.#config.ceiling.keys()];
    const present = await this.#withConnection('check the granted objects', [], async (conn) => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>({
        sql: `SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS name FROM information_schema.TABLES WHERE CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) IN (?)`,
        values: [objects],
        timeout: this.#config.statementTimeoutMs,
      });
      return new Set(rows.map((r) => String(r['name'])));
    });
    const absent = objects.find((o) => !present.has(o));
    if (absent !== undefined) throw new WarrantError('ERR_CONFIG', `${key}.grants[${quoteForMessage(absent)}]: no such table or view`);
  }

  async #run(conn: mysql.PoolConnection, sql: string): Promise<void> {
    await conn.query({ sql, timeout: this.#config.statementTimeoutMs });
  }

  /** Runs `fn` on a pooled admin connection; every failure becomes UNAVAILABLE or FAILED, scrubbed of `secrets`. */
  async #withConnection<T>(operation: string, secrets: readonly string[], fn: (conn: mysql.PoolConnection) => Promise<T>): Promise<T> {
    const scrub = [...secrets, this.#adminPassword];
    const pool = this.#pool;
    this.#inUse.set(pool, (this.#inUse.get(pool) ?? 0) + 1);
    try {
      let conn: mysql.PoolConnection;
      try {
        conn = await pool.getConnection();
      } catch (err) {
        throw providerError(err, this.name, operation, scrub, isBusy);
      }
      try {
        await this.#prepare(conn);
        const result = await fn(conn);
        conn.release();
        return result;
      } catch (err) {
        // The connection may be mid-statement or broken: never hand it to the next caller.
        conn.destroy();
        throw providerError(err, this.name, operation, scrub, isBusy);
      }
    } finally {
      const left = (this.#inUse.get(pool) ?? 1) - 1;
      if (left > 0) this.#inUse.set(pool, left);
      else {
        this.#inUse.delete(pool);
        if (this.#retired.delete(pool)) void pool.end().catch(() => undefined);
      }
    }
  }

  /**
   * Once per connection: mysql2 escapes with backslashes, which NO_BACKSLASH_ESCAPES would turn
   * into literal text, so that mode is switched off; DDL waits for locks no longer than a statement may take.
   */
  async #prepare(conn: mysql.PoolConnection): Promise<void> {
    const core = conn.connection as object;
    if (this.#prepared.has(core)) return;
    const timeout = this.#config.statementTimeoutMs;
    const [rows] = await conn.query<mysql.RowDataPacket[]>({ sql: 'SELECT @@SESSION.sql_mode AS mode', timeout });
    const mode = String(rows[0]?.['mode'] ?? '')
      .split(',')
      .filter((m) => m !== '' && m !== 'NO_BACKSLASH_ESCAPES')
      .join(',');
    await conn.query({
      sql: 'SET SESSION sql_mode = ?, SESSION lock_wait_timeout = ?',
      values: [mode, Math.max(1, Math.ceil(timeout / 1000))],
      timeout,
    });
    this.#prepared.add(core);
  }

  #assertOpen(): void {
    if (this.#closed) throw new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${this.name}' is closed`);
  }
}
