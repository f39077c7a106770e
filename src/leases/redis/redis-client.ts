// ioredis clients tuned for a credential broker: when Redis is unreachable a call fails within a
// bounded time as ERR_STORE_UNAVAILABLE instead of queueing, and nothing is ever resent blindly.
// One server (redis:// URL), a Sentinel-managed primary, or a Redis Cluster.
import { Cluster, Redis } from 'ioredis';
import { WarrantError } from '../../core/index.js';
import { redisFailure } from './redis-failure.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 2000;

export interface RedisClientOptions {
  /** A command without a reply after this long fails (default 2000 ms). */
  readonly commandTimeoutMs?: number;
  /** How long the first connection may take to become ready (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** Reconnect backoff doubles from 50 ms up to this cap (default 2000 ms). */
  readonly maxReconnectDelayMs?: number;
  /** Shown in CLIENT LIST. */
  readonly connectionName?: string;
  /** Receives connection errors after the client is up; they are also visible as failed calls. */
  readonly onError?: (err: Error) => void;
}

/** Credentials and TLS for cluster and Sentinel connections (a URL carries its own). */
export interface RedisAuthOptions {
  readonly username?: string;
  readonly password?: string;
  /** Connect with TLS (rediss). */
  readonly tls?: boolean;
}

export interface SentinelOptions extends RedisAuthOptions {
  /** The name Sentinel monitors the primary under. */
  readonly masterName: string;
  /** host:port of each Sentinel. */
  readonly sentinels: readonly string[];
  /** Password of the Sentinels themselves, when they require one. */
  readonly sentinelPassword?: string;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new WarrantError('ERR_CONFIG', `${name} must be a positive integer of milliseconds`);
  }
  return value;
}

/** The URL's password and user name: strings no message may contain. */
export function urlSecrets(url: URL): string[] {
  const decoded = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  return secretsOf([url.password, decoded(url.password), url.username, decoded(url.username)]);
}

function secretsOf(values: readonly (string | undefined)[]): string[] {
  return values.filter((s): s is string => typeof s === 'string' && s.length > 0).sort((a, b) => b.length - a.length);
}

/** host:port of a Redis URL, for messages: never the credentials. */
export function describeRedisUrl(url: URL): string {
  return `${url.protocol}//${url.hostname}:${url.port === '' ? '6379' : url.port}`;
}

function parseRedisUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not echoed: the text may hold a password.
    throw new WarrantError('ERR_CONFIG', 'Redis URL is not a valid URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new WarrantError('ERR_CONFIG', 'Redis URL must start with redis:// or rediss://');
  }
  return url;
}

/** "host:port" → { host, port }; ERR_CONFIG naming the bad entry otherwise. */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535) {
    throw new WarrantError('ERR_CONFIG', `${what} "${text}" must be host:port`);
  }
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

interface Tuning {
  readonly commandTimeout: number;
  readonly connectTimeout: number;
  readonly retryStrategy: (times: number) => number;
}

function tuning(options: RedisClientOptions): Tuning {
  const maxDelay = positive('maxReconnectDelayMs', options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS);
  return {
    commandTimeout: positive('commandTimeoutMs', options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS),
    connectTimeout: positive('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 16), maxDelay) + Math.floor(Math.random() * 50),
  };
}

/** What every node connection shares: fail fast, never resend a command whose outcome is unknown. */
function nodeOptions(t: Tuning, options: RedisClientOptions) {
  return {
    maxRetriesPerRequest: 1,
    commandTimeout: t.commandTimeout,
    connectTimeout: t.connectTimeout,
    // A command in flight when the connection drops may or may not have run: report it as
    // unavailable rather than run a lease change twice.
    autoResendUnfulfilledCommands: false as const,
    // No automatic pipelining: each flush builds a pipeline object that copies every defined script
    // onto itself, which cost more than it saved once the stores batch their hot writes themselves
    // (one script per shard for the requests of a turn of the event loop).
    enableAutoPipelining: false,
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
  };
}

/**
 * Waits until the client is ready, then switches the offline queue off so a call made while the
 * connection is down fails at once. Shuts the client down when it is not ready in time, so no
 * reconnect loop is left behind.
 */
async function ready<C extends Redis | Cluster>(
  client: C,
  t: Tuning,
  options: RedisClientOptions,
  describe: string,
  secrets: readonly string[],
): Promise<C> {
  let lastError: Error | undefined;
  const onConnectError = (err: Error): void => {
    lastError = err;
  };
  client.on('error', onConnectError);
  let timer: NodeJS.Timeout | undefined;
  const connecting = client.connect();
  try {
    await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not ready within ${t.connectTimeout} ms`)), t.connectTimeout);
      }),
    ]);
  } catch (err) {
    connecting.catch(() => undefined);
    client.on('error', () => undefined);
    client.disconnect();
    throw redisFailure(lastError ?? err, `connect to ${describe}`, secrets);
  } finally {
    clearTimeout(timer);
    client.off('error', onConnectError);
  }
  client.options.enableOfflineQueue = false;
  // ioredis prints errors nobody listens to; the calls that fail report them anyway.
  client.on('error', options.onError ?? (() => undefined));
  return client;
}

/**
 * Connects to Redis at `url` (redis:// or rediss://, credentials and db in the URL) and resolves once
 * the server is ready. Rejects with ERR_STORE_UNAVAILABLE when it is not ready within the connect
 * timeout.
 */
export async function createRedisClient(url: string, options: RedisClientOptions = {}): Promise<Redis> {
  const parsed = parseRedisUrl(url);
  const t = tuning(options);
  const client = new Redis(url, {
    ...nodeOptions(t, options),
    lazyConnect: true,
    // Queued only until the first ready; switched off then.
    enableOfflineQueue: true,
    retryStrategy: t.retryStrategy,
  });
  return ready(client, t, options, describeRedisUrl(parsed), urlSecrets(parsed));
}

/** Connects to the primary a set of Sentinels names, and follows it through failovers. */
export async function createRedisSentinelClient(sentinel: SentinelOptions, options: RedisClientOptions = {}): Promise<Redis> {
  if (sentinel.sentinels.length === 0) throw new WarrantError('ERR_CONFIG', 'Sentinel needs at least one host:port');
  const sentinels = sentinel.sentinels.map((s) => parseHostPort(s, 'sentinel'));
  const t = tuning(options);
  const client = new Redis({
    ...nodeOptions(t, options),
    sentinels,
    name: sentinel.masterName,
    role: 'master',
    lazyConnect: true,
    enableOfflineQueue: true,
    retryStrategy: t.retryStrategy,
    sentinelRetryStrategy: t.retryStrategy,
    // A failover makes the old primary READONLY; reconnect to the new one instead of failing on.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    ...(sentinel.username === undefined ? {} : { username: sentinel.username }),
    ...(sentinel.password === undefined ? {} : { password: sentinel.password }),
    ...(sentinel.sentinelPassword === undefined ? {} : { sentinelPassword: sentinel.sentinelPassword }),
    ...(sentinel.tls === true ? { tls: {}, enableTLSForSentinelMode: true } : {}),
  });
  const describe = `sentinel ${sentinel.masterName} (${sentinel.sentinels.join(', ')})`;
  return ready(client, t, options, describe, secretsOf([sentinel.password, sentinel.username, sentinel.sentinelPassword]));
}

/** Connects to a Redis Cluster through any of its nodes (host:port) and learns the rest. */
export async function createRedisCluster(
  nodes: readonly string[],
  auth: RedisAuthOptions = {},
  options: RedisClientOptions = {},
): Promise<Cluster> {
  if (nodes.length === 0) throw new WarrantError('ERR_CONFIG', 'a Redis Cluster needs at least one host:port');
  const startup = nodes.map((n) => parseHostPort(n, 'cluster node'));
  const t = tuning(options);
  const client = new Cluster(startup, {
    lazyConnect: true,
    enableOfflineQueue: true,
    scaleReads: 'master',
    clusterRetryStrategy: t.retryStrategy,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: t.connectTimeout,
    redisOptions: {
      ...nodeOptions(t, options),
      ...(auth.username === undefined ? {} : { username: auth.username }),
      ...(auth.password === undefined ? {} : { password: auth.password }),
      ...(auth.tls === true ? { tls: {} } : {}),
    },
  });
  return ready(client, t, options, `cluster ${nodes.join(', ')}`, secretsOf([auth.password, auth.username]));
}

/** Bulk work (sweeps, queue batches, mass revocation) may wait this long for a reply (default 10 s). */
export const DEFAULT_BULK_COMMAND_TIMEOUT_MS = 10_000;

/**
 * A second connection like `client`, for bulk work: its long pipelines then never queue in front of
 * a request's command on the same socket. Its commands may take longer before they count as failed.
 */
export async function duplicateForBulk(
  client: Redis | Cluster,
  commandTimeoutMs: number = DEFAULT_BULK_COMMAND_TIMEOUT_MS,
): Promise<Redis | Cluster> {
  let copy: Redis | Cluster;
  if ((client as Cluster).isCluster === true) {
    const cluster = client as Cluster;
    // A new object: the original's node options must not change with the copy's.
    const redisOptions = Object.assign({}, cluster.options.redisOptions, { commandTimeout: commandTimeoutMs, connectionName: 'warrant-bulk' });
    copy = cluster.duplicate(undefined, { redisOptions: redisOptions as NonNullable<NonNullable<Parameters<Cluster['duplicate']>[1]>['redisOptions']> });
  } else {
    copy = (client as Redis).duplicate({ commandTimeout: commandTimeoutMs, connectionName: 'warrant-bulk', lazyConnect: true });
  }
  copy.on('error', () => undefined);
  if (copy.status === 'wait') await copy.connect();
  else await new Promise<void>((resolve, reject) => {
    copy.once('ready', () => resolve());
    copy.once('end', () => reject(new Error('bulk connection closed before it was ready')));
  });
  copy.options.enableOfflineQueue = false;
  return copy;
}
