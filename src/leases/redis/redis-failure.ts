// Turns what ioredis throws into WarrantErrors: connection trouble becomes ERR_STORE_UNAVAILABLE
// (the outcome is unknown, so the caller mints nothing), anything else ERR_INTERNAL. The cause is
// attached as a scrubbed copy: ioredis errors carry the failed command's arguments, which for a
// handshake include the password.
import { WarrantError, isWarrantError } from '../../core/index.js';

/** Server replies that mean "not now" rather than "wrong": loading, failover, busy script, cluster trouble. */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MOVED|ASK|OOM)\b/;

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('***');
  }
  // Credentials in any URL the text happens to quote.
  return out.replace(/(rediss?:\/\/)[^@\s/]*@/gi, '$1***@');
}

/** A copy of the error with only its name, message and socket code, all scrubbed. */
export function scrubbedCause(err: unknown, secrets: readonly string[]): Error {
  const source = err instanceof Error ? err : new Error(String(err));
  const copy = new Error(scrub(source.message, secrets));
  copy.name = source.name;
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string') (copy as Error & { code?: string }).code = code;
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}

/** A reply the server gave on purpose, or a programming error: neither is about reaching the server. */
function isDefiniteFailure(err: unknown): boolean {
  if (err instanceof TypeError || err instanceof RangeError) return true;
  return err instanceof Error && err.name === 'ReplyError' && !UNAVAILABLE_REPLIES.test(err.message);
}

/**
 * The WarrantError for a failed Redis call. `operation` names what was attempted (e.g. "renew"),
 * `secrets` are strings that must never appear in the result (the Redis password).
 */
export function redisFailure(err: unknown, operation: string, secrets: readonly string[]): WarrantError {
  if (isWarrantError(err)) return err;
  const cause = scrubbedCause(err, secrets);
  if (isDefiniteFailure(err)) {
    return new WarrantError('ERR_INTERNAL', `lease store failed during ${operation}: ${cause.message}`, { cause });
  }
  return new WarrantError('ERR_STORE_UNAVAILABLE', `lease store unavailable during ${operation}: ${cause.message}`, {
    cause,
  });
}
