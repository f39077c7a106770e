// How `list` orders, filters and pages leases; shared so every store pages identically.
import { WarrantError, isLeaseId, type Lease } from '../core/index.js';
import type { LeaseFilter, LeaseSelection } from './store.js';

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

/**
 * How a lease stands towards a mass revocation's selection: `accept` (to be moved to revoking),
 * `already` (matched but already revoking) or `no`. select-n.lua applies the same rules in Redis.
 */
export function selectionVerdict(lease: Lease, s: LeaseSelection, upTo: number): 'accept' | 'already' | 'no' {
  const states = s.states ?? [];
  const wanted =
    states.length > 0
      ? states.includes(lease.state) && lease.state !== 'revoked' && lease.state !== 'expired'
      : lease.state === 'pending' || lease.state === 'active' || lease.state === 'revoking';
  if (!wanted) return 'no';
  if (s.leaseIds !== undefined && s.leaseIds.length > 0 && !s.leaseIds.includes(lease.id)) return 'no';
  if (s.taskId !== undefined && lease.taskId !== s.taskId) return 'no';
  if (s.owner !== undefined && lease.owner !== s.owner) return 'no';
  if (s.ownerPrefix !== undefined && lease.owner !== s.ownerPrefix && !lease.owner.startsWith(`${s.ownerPrefix}/`)) return 'no';
  if (s.trustDomain !== undefined && lease.trustDomain !== s.trustDomain) return 'no';
  if (s.provider !== undefined && lease.provider !== s.provider) return 'no';
  if (s.issuedAfter !== undefined && lease.issuedAt <= s.issuedAfter) return 'no';
  if (s.issuedBefore !== undefined && lease.issuedAt >= s.issuedBefore) return 'no';
  // Leases given by id or task are checked as they stand; a scan stops at the operation's start.
  if ((s.leaseIds === undefined || s.leaseIds.length === 0) && s.taskId === undefined && lease.issuedAt > upTo) return 'no';
  return lease.state === 'revoking' ? 'already' : 'accept';
}
