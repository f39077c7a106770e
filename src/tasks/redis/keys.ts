// The one place that names the task store's Redis keys. Every key starts with the store's prefix,
// whose {hash tag} puts all of them in one Redis Cluster slot: delegation and budget scripts touch a
// task and all its ancestors at once. Scripts get every key through KEYS and never build one.
import { createHash } from 'node:crypto';
import { WarrantError } from '../../core/index.js';

export interface TaskKeys {
  readonly prefix: string;
  /** Hash: one task's declaration, state and counters. */
  task(id: string): string;
  /** Set: ids of the live leases counted against the task (its own and its descendants'). */
  live(id: string): string;
  /** Set: ids of the tasks delegated directly from it. */
  children(id: string): string;
  /** List: the latest deviations, as JSON. */
  deviations(id: string): string;
  /** Hash: one approval. */
  approval(id: string): string;
  /** String: the id of a requester's latest approval for one request digest. */
  approvalRequest(requester: string, digest: string): string;
  /** Sorted set (all scores 0, ordered by id = by time): every approval still kept. */
  readonly approvals: string;
}

/** The hash tag of a prefix (text between the first `{` and the next `}`), if it has one. */
export function prefixHashTag(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  if (open === -1) return undefined;
  const close = prefix.indexOf('}', open + 1);
  return close === -1 || close === open + 1 ? undefined : prefix.slice(open + 1, close);
}

export function taskKeys(prefix: string): TaskKeys {
  if (typeof prefix !== 'string' || prefixHashTag(prefix) === undefined || prefix.length > 256) {
    throw new WarrantError('ERR_CONFIG', 'the task store key prefix must contain a non-empty hash tag such as "warrant:{w}:tasks:"');
  }
  // The kind comes before the id, so no task id (which may hold ":") can make one key look like another.
  return Object.freeze({
    prefix,
    task: (id: string) => `${prefix}task:${id}`,
    live: (id: string) => `${prefix}task-live:${id}`,
    children: (id: string) => `${prefix}task-children:${id}`,
    deviations: (id: string) => `${prefix}task-deviations:${id}`,
    approval: (id: string) => `${prefix}approval:${id}`,
    approvalRequest: (requester: string, digest: string) =>
      `${prefix}approval-request:${createHash('sha256').update(`${requester}\n${digest}`).digest('hex')}`,
    approvals: `${prefix}approvals`,
  });
}
