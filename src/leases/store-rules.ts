// Limits, defaults and argument checks every lease store applies, so each backend rejects the same
// input with the same error.
import { LEASE_STATES, PROVIDER_KINDS, TRIGGERS, WarrantError, isLeaseId, type Lease, type LeaseState } from '../core/index.js';
import type { BulkRevokeInput, IdempotencyClaim, LeaseFilter, LeasePlacement, LeaseSelection, NewLease, RenewInput, RevokeInput } from './store.js';

/** How long a revoked or expired lease stays readable before it is forgotten. */
export const DEFAULT_TERMINAL_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Largest page `list` returns; larger limits are reduced to it. */
export const MAX_LIST_LIMIT = 1000;
/** Largest batch of ids `dueForExpiry`, `stalePending` and `revoking` return. */
export const MAX_ID_BATCH = 10_000;
/** Operator reasons are short human text; anything longer is a mistake or an abuse. */
export const MAX_REASON_LENGTH = 1024;
const MAX_TEXT_LENGTH = 2048;
const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

function invalid(message: string): WarrantError {
  return new WarrantError('ERR_INVALID_ARGUMENT', message);
}

export function checkLeaseId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !isLeaseId(id)) {
    throw invalid('lease id must be a 26-character lower-case ULID');
  }
}

export function checkTime(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} must be a non-negative integer of milliseconds since the Unix epoch`);
  }
}

function checkText(name: string, value: unknown, max = MAX_TEXT_LENGTH): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalid(`${name} must be a non-empty string of at most ${max} characters`);
  }
}

export function checkOwner(owner: string | undefined): void {
  if (owner !== undefined) checkText('owner', owner);
}

export function checkTaskId(taskId: unknown): asserts taskId is string {
  checkText('task id', taskId);
}

/** What every store holds once it wrote a new lease: pending, never renewed, frozen (scope too). */
export function pendingLease(lease: NewLease): Lease {
  return Object.freeze({
    id: lease.id,
    state: 'pending',
    owner: lease.owner,
    trustDomain: lease.trustDomain,
    taskId: lease.taskId,
    provider: lease.provider,
    providerKind: lease.providerKind,
    scope: Object.freeze([...lease.scope]),
    handle: lease.handle,
    issuedAt: lease.issuedAt,
    expiresAt: lease.expiresAt,
    maxExpiresAt: lease.maxExpiresAt,
    renewals: 0,
    ...(lease.idempotencyKey === undefined ? {} : { idempotencyKey: lease.idempotencyKey }),
  });
}

export function checkNewLease(lease: NewLease): void {
  checkLeaseId(lease.id);
  checkText('owner', lease.owner);
  checkText('trust domain', lease.trustDomain);
  checkTaskId(lease.taskId);
  checkText('provider', lease.provider);
  if (!(PROVIDER_KINDS as readonly string[]).includes(lease.providerKind)) {
    throw invalid(`provider kind must be one of ${PROVIDER_KINDS.join(', ')}`);
  }
  if (!Array.isArray(lease.scope) || !lease.scope.every((s) => typeof s === 'string')) {
    throw invalid('scope must be a list of strings');
  }
  checkText('handle', lease.handle);
  checkTime('issuedAt', lease.issuedAt);
  checkTime('expiresAt', lease.expiresAt);
  checkTime('maxExpiresAt', lease.maxExpiresAt);
  if (lease.expiresAt > lease.maxExpiresAt) throw invalid('expiresAt must not be after maxExpiresAt');
  if (lease.maxExpiresAt < lease.issuedAt) throw invalid('maxExpiresAt must not be before issuedAt');
  if (lease.idempotencyKey !== undefined) checkText('idempotency key', lease.idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH);
}

export function checkIdempotencyClaim(claim: IdempotencyClaim): void {
  checkText('idempotency key', claim.key, MAX_IDEMPOTENCY_KEY_LENGTH);
  checkText('request digest', claim.requestDigest);
  if (!Number.isSafeInteger(claim.ttlMs) || claim.ttlMs <= 0) {
    throw invalid('idempotency ttl must be a positive integer of milliseconds');
  }
}

export function checkRenewInput(input: RenewInput): void {
  checkOwner(input.owner);
  checkTime('expiresAt', input.expiresAt);
  checkTime('now', input.now);
}

function checkTriggerAndReason(input: { readonly trigger: string; readonly reason?: string | undefined }): void {
  if (!(TRIGGERS as readonly string[]).includes(input.trigger)) {
    throw invalid(`trigger must be one of ${TRIGGERS.join(', ')}`);
  }
  if (input.reason !== undefined && (typeof input.reason !== 'string' || input.reason.length > MAX_REASON_LENGTH)) {
    throw invalid(`reason must be a string of at most ${MAX_REASON_LENGTH} characters`);
  }
}

export function checkRevokeInput(input: RevokeInput): void {
  checkTriggerAndReason(input);
  checkTime('now', input.now);
  checkOwner(input.owner);
}

export function checkBulkRevokeInput(input: BulkRevokeInput): void {
  checkTriggerAndReason(input);
  checkTime('now', input.now);
  if (input.claimUntil !== undefined) checkTime('claimUntil', input.claimUntil);
}

/** Largest number of ids one batch call takes. */
export const MAX_BULK_IDS = 100_000;

export function checkLeaseIds(ids: readonly string[]): void {
  if (!Array.isArray(ids) || ids.length > MAX_BULK_IDS) throw invalid(`a batch holds at most ${MAX_BULK_IDS} lease ids`);
  for (const id of ids) checkLeaseId(id);
}

export function checkPlacement(placement: LeasePlacement): void {
  checkText('owner', placement.owner);
  checkTaskId(placement.taskId);
  if (placement.idempotencyKey !== undefined) checkText('idempotency key', placement.idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH);
}

/** What decides a new lease's place: its idempotency key when it has one (retries must meet), else its task. */
export function placementKey(placement: LeasePlacement): string {
  return placement.idempotencyKey === undefined
    ? `task\n${placement.taskId}`
    : `idem\n${placement.owner}\n${placement.idempotencyKey}`;
}

export function checkSelection(selection: LeaseSelection): void {
  if (selection.leaseIds !== undefined) checkLeaseIds(selection.leaseIds);
  if (selection.taskId !== undefined) checkTaskId(selection.taskId);
  if (selection.owner !== undefined) checkText('owner', selection.owner);
  if (selection.ownerPrefix !== undefined) checkText('owner prefix', selection.ownerPrefix);
  if (selection.trustDomain !== undefined) checkText('trust domain', selection.trustDomain);
  if (selection.provider !== undefined) checkText('provider', selection.provider);
  if (selection.issuedBefore !== undefined) checkTime('issuedBefore', selection.issuedBefore);
  if (selection.issuedAfter !== undefined) checkTime('issuedAfter', selection.issuedAfter);
  for (const state of selection.states ?? []) {
    if (!(LEASE_STATES as readonly string[]).includes(state)) {
      throw invalid(`lease state must be one of ${LEASE_STATES.join(', ')}`);
    }
  }
}

/** A positive integer; values above `max` are reduced to it. */
export function checkLimit(limit: unknown, max: number): number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0) {
    throw invalid('limit must be a positive integer');
  }
  return Math.min(limit, max);
}

export function checkFilter(filter: LeaseFilter): void {
  checkOwner(filter.owner);
  if (filter.taskId !== undefined) checkTaskId(filter.taskId);
  if (filter.provider !== undefined) checkText('provider', filter.provider);
  for (const state of filter.states ?? []) {
    if (!(LEASE_STATES as readonly string[]).includes(state)) {
      throw invalid(`lease state must be one of ${LEASE_STATES.join(', ')}`);
    }
  }
}

export function isLeaseState(value: string): value is LeaseState {
  return (LEASE_STATES as readonly string[]).includes(value);
}
