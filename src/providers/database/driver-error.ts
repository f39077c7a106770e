import { WarrantError, isWarrantError } from '../../core/index.js';

/** What of a driver error may reach a log: codes and a scrubbed message, never the SQL it ran. */
export interface DriverFailure {
  readonly name: string;
  readonly code?: string;
  readonly sqlState?: string;
  readonly errno?: number;
  readonly message: string;
}

const MAX_MESSAGE = 300;

/**
 * Copies the safe fields of a driver error. mysql2 attaches the statement text (`sql`), and a
 * server's syntax error quotes the statement back, so the statement is dropped and every secret
 * still found in the message is replaced.
 */
export function driverFailure(err: unknown, secrets: readonly string[]): DriverFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  let message = typeof e['message'] === 'string' ? e['message'] : String(err);
  for (const secret of secrets) if (secret !== '') message = message.split(secret).join('[redacted]');
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}…`;
  const code = typeof e['code'] === 'string' ? e['code'] : undefined;
  const sqlState = typeof e['sqlState'] === 'string' ? e['sqlState'] : undefined;
  const errno = typeof e['errno'] === 'number' ? e['errno'] : undefined;
  return {
    name: typeof e['name'] === 'string' ? e['name'] : 'Error',
    ...(code === undefined ? {} : { code }),
    ...(sqlState === undefined ? {} : { sqlState }),
    ...(errno === undefined ? {} : { errno }),
    message,
  };
}

// Socket-level failures: the server could not be reached or the connection broke.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Wraps a driver error as ERR_PROVIDER_UNAVAILABLE (the server is unreachable or busy: retry) or
 * ERR_PROVIDER_FAILED (anything else). The cause is the scrubbed copy, never the driver's object.
 */
export function providerError(
  err: unknown,
  providerName: string,
  operation: string,
  secrets: readonly string[],
  isServerBusy: (failure: DriverFailure) => boolean,
): WarrantError {
  if (isWarrantError(err)) return err;
  const failure = driverFailure(err, secrets);
  const unavailable = (failure.code !== undefined && NETWORK_CODES.has(failure.code)) || isServerBusy(failure);
  const detail = [failure.code, failure.message].filter((s) => s !== undefined && s !== '').join(': ');
  return new WarrantError(
    unavailable ? 'ERR_PROVIDER_UNAVAILABLE' : 'ERR_PROVIDER_FAILED',
    `provider '${providerName}' could not ${operation}${unavailable ? ' (server unreachable or busy)' : ''}: ${detail}`,
    { cause: failure },
  );
}
