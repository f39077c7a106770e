// The one place that names Redis keys. Scripts receive every key through KEYS and never build one,
// so Redis Cluster can route each script to the slot its keys hash to.
import { createHash } from 'node:crypto';
import { WarrantError } from '../../core/index.js';

export const DEFAULT_KEY_PREFIX = 'warrant:{w}:';

/** Task ids that are safe to put in a key as they are; anything else is hashed. */
const PLAIN_TASK_ID = /^[A-Za-z0-9._:@/-]{1,128}$/;

export interface LeaseStoreKeys {
  readonly prefix: string;
  /** Hash: one lease's fields. */
  lease(id: string): string;
  /** Sorted set: lease ids of one task, scored +inf while live and by purge time once terminal. */
  task(taskId: string): string;
  /** Hash: the lease an (owner, idempotency key) pair produced, with the request digest. */
  idempotency(owner: string, key: string): string;
  /** Sorted set: active lease ids by expiresAt. */
  readonly expiry: string;
  /** Sorted set: pending lease ids by issuedAt. */
  readonly pending: string;
  /** Sorted set: revoking lease ids by revokeRequestedAt. */
  readonly revoking: string;
  /** Sorted set: every retained lease id by issuedAt, for paging. */
  readonly all: string;
  /** Sorted set: terminal lease ids by the time their retention ends. */
  readonly retired: string;
}

/**
 * The hash tag of a prefix: the text between its first `{` and the next `}`. Every key of a store
 * starts with the prefix, so all of them hash to the tag's slot.
 */
export function hashTagOf(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  if (open === -1) return undefined;
  const close = prefix.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return undefined;
  return prefix.slice(open + 1, close);
}

export function leaseStoreKeys(prefix: string = DEFAULT_KEY_PREFIX): LeaseStoreKeys {
  if (typeof prefix !== 'string' || hashTagOf(prefix) === undefined || prefix.length > 256) {
    throw new WarrantError(
      'ERR_CONFIG',
      'Redis key prefix must contain a non-empty hash tag such as "warrant:{w}:" so every key of the store shares one slot',
    );
  }
  return Object.freeze({
    prefix,
    lease: (id: string) => `${prefix}lease:${id}`,
    // A `~` never occurs in a plain task id, so a hashed id cannot collide with a plain one.
    task: (taskId: string) =>
      `${prefix}task:${PLAIN_TASK_ID.test(taskId) ? taskId : `~${sha256(taskId)}`}`,
    idempotency: (owner: string, key: string) => `${prefix}idem:${sha256(`${owner}\n${key}`)}`,
    expiry: `${prefix}expiry`,
    pending: `${prefix}pending`,
    revoking: `${prefix}revoking`,
    all: `${prefix}all`,
    retired: `${prefix}retired`,
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
