// An ioredis client tuned for a credential broker: when Redis is unreachable a call fails within
// a bounded time as ERR_STORE_UNAVAILABLE instead of queueing, and nothing is ever resent blindly.
import { Redis } from 'ioredis';
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
  return [url.password, decoded(url.password), url.username, decoded(url.username)]
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length);
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

/**
 * Connects to Redis at `url` (redis:// or rediss://, credentials and db in the URL) and resolves once
 * the server is ready. Rejects with ERR_STORE_UNAVAILABLE when it is not ready within the connect
 * timeout; the client is then shut down, so no reconnect loop is left behind.
 */
export async function createRedisClient(url: string, options: RedisClientOptions = {}): Promise<Redis> {
  const parsed = parseRedisUrl(url);
  const secrets = urlSecrets(parsed);
  const commandTimeout = positive('commandTimeoutMs', options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  const connectTimeout = positive('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const maxDelay = positive('maxReconnectDelayMs', options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS);

  const client = new Redis(url, {
    lazyConnect: true,
    // Queued only until the first ready; switched off below.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    commandTimeout,
    connectTimeout,
    // A command in flight when the connection drops may or may not have run: report it as
    // unavailable rather than run a lease change twice.
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 16), maxDelay) + Math.floor(Math.random() * 50),
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
  });

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
        timer = setTimeout(
          () => reject(new Error(`not ready within ${connectTimeout} ms`)),
          connectTimeout,
        );
      }),
    ]);
  } catch (err) {
    connecting.catch(() => undefined);
    client.on('error', () => undefined);
    client.disconnect();
    const failure = redisFailure(lastError ?? err, `connect to ${describeRedisUrl(parsed)}`, secrets);
    throw failure;
  } finally {
    clearTimeout(timer);
    client.off('error', onConnectError);
  }

  // From here on a call made while the connection is down fails at once instead of waiting.
  client.options.enableOfflineQueue = false;
  // ioredis prints errors nobody listens to; the calls that fail report them anyway.
  client.on('error', options.onError ?? (() => undefined));
  return client;
}
