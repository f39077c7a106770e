import type { Lease, ProviderKind, Trigger } from '../core/index.js';

/** A lease as written in its first, `pending`, state. */
export interface NewLease {
  readonly id: string;
  readonly owner: string;
  readonly trustDomain: string;
  readonly taskId: string;
  readonly provider: string;
  readonly providerKind: ProviderKind;
  readonly scope: readonly string[];
  readonly handle: string;
  readonly issuedAt: number;
  /** The expiry the caller asked for; fixed when the lease turns active. */
  readonly expiresAt: number;
  readonly maxExpiresAt: number;
  readonly idempotencyKey?: string;
}

/** Retry protection: the same owner sending the same key gets the same lease back. */
export interface IdempotencyClaim {
  readonly key: string;
  /** Digest of the request (task, provider, scope, ttl); a different request under the same key is a conflict. */
  readonly requestDigest: string;
  /** How long the key is remembered. */
  readonly ttlMs: number;
}

export type CreateResult =
  | { readonly outcome: 'created'; readonly lease: Lease }
  | { readonly outcome: 'existing'; readonly lease: Lease }
  | { readonly outcome: 'conflict'; readonly lease: Lease };

export interface RenewInput {
  /** When set, the lease must belong to this SPIFFE ID (ERR_NOT_OWNER otherwise). */
  readonly owner?: string;
  /** The expiry asked for; the store clamps it to the lease's maxExpiresAt. */
  readonly expiresAt: number;
  readonly now: number;
}

export interface RevokeInput {
  readonly trigger: Trigger;
  readonly reason?: string;
  readonly now: number;
  /** When set, the lease must belong to this SPIFFE ID (ERR_NOT_OWNER otherwise). */
  readonly owner?: string;
}

export interface LeaseFilter {
  readonly owner?: string;
  readonly taskId?: string;
  readonly provider?: string;
  readonly states?: readonly string[];
}

export interface LeasePage {
  readonly leases: readonly Lease[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  readonly cursor?: string;
}

/**
 * Where leases live. Every method is atomic on its own: a Redis implementation runs each
 * state change as one Lua script. Errors are WarrantErrors: ERR_LEASE_NOT_FOUND, ERR_NOT_OWNER,
 * ERR_LEASE_NOT_RENEWABLE, ERR_LEASE_AT_MAX_TTL, and ERR_STORE_UNAVAILABLE when the backend
 * cannot be reached (the caller must then treat the outcome as unknown and mint nothing).
 */
export interface LeaseStore {
  /**
   * Writes a lease in state `pending`. With an idempotency claim, atomically checks
   * (owner, key): an existing lease for the same digest is returned as `existing`; for a different
   * digest as `conflict`; nothing is written in either case.
   */
  createPending(lease: NewLease, idempotency?: IdempotencyClaim): Promise<CreateResult>;

  /** pending → active with the expiry the provider confirmed. ERR_LEASE_NOT_RENEWABLE if not pending. */
  activate(id: string, expiresAt: number, now: number): Promise<Lease>;

  get(id: string): Promise<Lease | undefined>;

  /**
   * Extends an active, unexpired lease to min(input.expiresAt, maxExpiresAt) and counts the renewal.
   * ERR_LEASE_NOT_RENEWABLE if it is not active or already expired; ERR_LEASE_AT_MAX_TTL if it is
   * already at its max expiry.
   */
  renew(id: string, input: RenewInput): Promise<Lease>;

  /**
   * pending|active → revoking, recording trigger, reason and time. A lease already revoking or
   * terminal is returned unchanged (revocation is idempotent; the first trigger wins).
   */
  beginRevoke(id: string, input: RevokeInput): Promise<Lease>;

  /**
   * revoking → revoked (or `expired` when the trigger was `expired`) once the provider confirmed.
   * A lease already terminal is returned unchanged.
   */
  finishRevoke(id: string, now: number): Promise<Lease>;

  /** Every lease of a task, any state. */
  listByTask(taskId: string): Promise<Lease[]>;

  /** Ids of active leases whose expiresAt <= now, oldest first. */
  dueForExpiry(now: number, limit: number): Promise<string[]>;

  /** Ids of leases still pending that were written at or before `writtenBefore`. */
  stalePending(writtenBefore: number, limit: number): Promise<string[]>;

  /** Ids of leases in state `revoking`, oldest request first (work left by a crash or a failed provider). */
  revoking(limit: number): Promise<string[]>;

  /** Leases newest first, filtered, paged. */
  list(filter: LeaseFilter, limit: number, cursor?: string): Promise<LeasePage>;

  /** Resolves when the backend answers; ERR_STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
