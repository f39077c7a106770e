// What the task store tells callers when Redis fails. Messages name the operation and the error's
// kind only: ioredis messages can quote command arguments, and a handshake's are a password.
import { WarrantError, isWarrantError } from '../../core/index.js';

/** Replies that mean "not now" rather than "wrong": loading, failover, busy script, cluster trouble. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MOVED|ASK|OOM)\b/;

export function taskStoreFailure(err: unknown, operation: string): WarrantError {
  if (isWarrantError(err)) return err;
  const name = err instanceof Error ? err.name : 'Error';
  const code = (err as { code?: unknown } | null)?.code;
  const kind = typeof code === 'string' ? `${name} ${code}` : name;
  const cause = new Error(kind);
  const definite = err instanceof TypeError || err instanceof RangeError || (name === 'ReplyError' && !TRANSIENT_REPLY.test((err as Error).message));
  if (definite) return new WarrantError('ERR_INTERNAL', `task store failed during ${operation} (${kind})`, { cause });
  return new WarrantError('ERR_STORE_UNAVAILABLE', `task store unavailable during ${operation} (${kind})`, { cause });
}

export function unexpectedReply(operation: string): WarrantError {
  return new WarrantError('ERR_INTERNAL', `task store gave an unexpected reply to ${operation}`);
}
