import { WarrantError, isLeaseId } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';

export const LEASE_ID_LENGTH = 26;

/** Longest user name each kind may mint: PostgreSQL 63 bytes; MariaDB 80 characters (MySQL: 32, checked once the server is known). */
export const MAX_USER_NAME_LENGTH = Object.freeze({ postgres: 63, mysql: 80 });

const PREFIX_RE = /^[a-z][a-z0-9_]*$/;

/**
 * The login name of a lease: the configured prefix and the lease id. Pure, so a lease left pending
 * by a crash can be found and revoked from its id alone.
 */
export function userNameFor(prefix: string, leaseId: string): string {
  if (!isLeaseId(leaseId)) throw new WarrantError('ERR_INTERNAL', `${quoteForMessage(leaseId)} is not a lease id`);
  return `${prefix}${leaseId}`;
}

/**
 * The login name a lease's handle holds, checked to be one this kind of provider mints for that
 * lease: the prefix may have changed in config since, the lease id may not. So a damaged lease
 * record can never make revoke drop another account.
 */
export function userNameFromHandle(handle: string, leaseId: string, providerName: string): string {
  const prefix = handle.slice(0, Math.max(0, handle.length - leaseId.length));
  if (!isLeaseId(leaseId) || !handle.endsWith(leaseId) || !PREFIX_RE.test(prefix)) {
    throw new WarrantError('ERR_PROVIDER_FAILED', `lease ${leaseId}: handle ${quoteForMessage(handle)} is not a login provider '${providerName}' mints`);
  }
  return handle;
}
