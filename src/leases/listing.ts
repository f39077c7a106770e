// How `list` orders, filters and pages leases; shared so every store pages identically.
import { WarrantError, isLeaseId, type Lease } from '../core/index.js';
import type { LeaseFilter } from './store.js';

/** A place in the newest-first order: the last lease a page held. */
export interface ListPosition {
  readonly issuedAt: number;
  readonly id: string;
}

const CURSOR_RE = /^(\d{1,16})\.([0-9a-z]{26})$/;

export function encodeListCursor(position: ListPosition): string {
  return Buffer.from(`${position.issuedAt}.${position.id}`, 'utf8').toString('base64url');
}

export function decodeListCursor(cursor: string): ListPosition {
  const match = typeof cursor === 'string' && cursor.length <= 64
    ? CURSOR_RE.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null;
  const issuedAt = match === null ? NaN : Number(match[1]);
  const id = match?.[2] ?? '';
  if (!Number.isSafeInteger(issuedAt) || !isLeaseId(id)) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', 'invalid list cursor');
  }
  return { issuedAt, id };
}

/** Newest first; leases issued in the same millisecond go by id, highest first. */
export function compareNewestFirst(a: ListPosition, b: ListPosition): number {
  if (a.issuedAt !== b.issuedAt) return b.issuedAt - a.issuedAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** true when `lease` comes strictly after `position` in newest-first order. */
export function isAfterPosition(lease: ListPosition, position: ListPosition): boolean {
  return compareNewestFirst(lease, position) > 0;
}

export function matchesFilter(lease: Lease, filter: LeaseFilter): boolean {
  if (filter.owner !== undefined && lease.owner !== filter.owner) return false;
  if (filter.taskId !== undefined && lease.taskId !== filter.taskId) return false;
  if (filter.provider !== undefined && lease.provider !== filter.provider) return false;
  if (filter.states !== undefined && filter.states.length > 0 && !filter.states.includes(lease.state)) return false;
  return true;
}

/** Order of `listByTask`: oldest first, then by id. */
export function compareOldestFirst(a: ListPosition, b: ListPosition): number {
  return -compareNewestFirst(a, b);
}
