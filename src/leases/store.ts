import type { Lease, LeaseState, ProviderKind, Trigger } from '../core/index.js';
import type { LeaseEventType } from './events.js';

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

/** Where a new lease goes: a store may keep the leases of one task, or of one idempotency key, together. */
export interface LeasePlacement {
  readonly owner: string;
  readonly taskId: string;
  readonly idempotencyKey?: string;
}

export interface BulkRevokeInput {
  readonly trigger: Trigger;
  readonly reason?: string;
  readonly now: number;
  /**
   * When set, the revocations this call accepts are claimed by the caller until then: it attempts
   * them at once, and if it dies they return to the queue when the claim lapses.
   */
  readonly claimUntil?: number;
  /** When true, a `revocation_failed` lease is queued again (an operator's retry). */
  readonly requeueFailed?: boolean;
}

export type BulkRevokeOutcome =
  /** Now revoking; this call accepted it. */
  | { readonly id: string; readonly outcome: 'accepted'; readonly lease: Lease }
  /** Already revoking or terminal: left as it was. */
  | { readonly id: string; readonly outcome: 'unchanged'; readonly lease: Lease }
  | { readonly id: string; readonly outcome: 'not_found' };

/** What a worker needs to revoke one lease at its provider; no secret. */
export interface RevocationItem {
  readonly leaseId: string;
  readonly provider: string;
  readonly providerKind: ProviderKind;
  readonly handle: string;
  readonly owner: string;
  readonly taskId: string;
  readonly trigger: Trigger;
  readonly reason?: string;
  readonly expiresAt: number;
  readonly revokeRequestedAt: number;
  /** When the give-up window started: the request, or the operator's last retry. */
  readonly queuedAt: number;
  /** Failed attempts so far. */
  readonly attempts: number;
  /** The mass revocation that accepted it, if any. */
  readonly operation?: string;
  /** When the claim that handed it out lapses (the queue then hands it out again). */
  readonly claimedUntil?: number;
}

export interface ClaimOptions {
  readonly now: number;
  readonly limit: number;
  /** A claimed item returns to the queue at now + visibilityMs unless completed, deferred or parked first. */
  readonly visibilityMs: number;
  /** Providers whose items are not to be claimed now, with the time to put them off until. */
  readonly paused?: ReadonlyMap<string, number>;
}

export interface ClaimResult {
  readonly items: RevocationItem[];
  /** The earliest next-attempt time left in the queue (after this claim), if any. */
  readonly nextDueAt: number | undefined;
}

/** A revocation the provider confirmed. */
export interface ConfirmedRevocation {
  readonly leaseId: string;
  readonly taskId: string;
  readonly operation?: string;
}

/** A failed attempt to try again later. */
export interface DeferredRevocation {
  readonly leaseId: string;
  readonly retryAt: number;
  /** false when the item was put off without an attempt (open circuit, busy worker). */
  readonly attempted: boolean;
  /** Error code of the failed attempt (never a message: it may carry provider detail). */
  readonly error?: string;
  /** The caller's claim end: the item is put back only while that claim still holds (nobody else took it). */
  readonly heldUntil?: number;
}

/** A revocation given up on after the give-up window: the lease becomes `revocation_failed`. */
export interface ParkedRevocation {
  readonly leaseId: string;
  readonly error: string;
  readonly operation?: string;
}

export type FinishOutcome = { readonly leaseId: string; readonly state: LeaseState | undefined };

export interface SweepResult {
  /** Leases this call moved to revoking. */
  readonly accepted: number;
  /** true when the batch was full: call again. */
  readonly more: boolean;
  /** Earliest expiry still ahead (expireDue only). */
  readonly nextDueAt?: number;
}

export interface RevocationQueueStats {
  /** Revoking leases in the queue (due, scheduled or claimed). */
  readonly queued: number;
  /** Of those, due now and not claimed. */
  readonly due: number;
  /** Leases in state revocation_failed. */
  readonly failed: number;
}

/**
 * Which leases a mass revocation applies to. Fields combine with AND; an empty selection selects
 * every lease. `states` defaults to pending and active (revoking leases are counted as already
 * revoking); naming revocation_failed queues those again.
 */
export interface LeaseSelection {
  readonly leaseIds?: readonly string[];
  readonly taskId?: string;
  readonly owner?: string;
  /** The SPIFFE ID itself and every ID below it as a path. */
  readonly ownerPrefix?: string;
  readonly trustDomain?: string;
  readonly provider?: string;
  /** Exclusive bounds on issuedAt. */
  readonly issuedBefore?: number;
  readonly issuedAfter?: number;
  readonly states?: readonly LeaseState[];
}

export interface SelectionPage {
  readonly matched: number;
  /** Up to `sampleSize` ids of matched leases. */
  readonly sample: readonly string[];
  /** Opaque; absent when the whole selection has been counted. */
  readonly cursor?: string;
}

/** A mass revocation as recorded before it starts, so any replica can finish it. */
export interface RevocationOperation {
  readonly id: string;
  readonly selection: LeaseSelection;
  readonly trigger: Trigger;
  readonly reason: string;
  /** SPIFFE ID of who asked. */
  readonly requestedBy: string;
  readonly createdAt: number;
  /** Only leases issued at or before this are selected, so the operation has an end. */
  readonly upTo: number;
}

export interface OperationStep {
  /** true once every shard has been selected. */
  readonly done: boolean;
  /** Revocations this step accepted and claimed for the caller to attempt (see stepOperation). */
  readonly claimed: RevocationItem[];
  /** Leases this step took straight to their terminal state (see StepOptions.localProviders). */
  readonly revoked: LocallyRevoked[];
}

/** Revocations a step may claim for the caller: up to `max`, until `until`. */
export interface StepClaim {
  readonly until: number;
  readonly max: number;
}

export interface StepOptions {
  /** Up to `claim.max` of the revocations the step queues are claimed for the caller instead of queued as due. */
  readonly claim?: StepClaim;
  /**
   * Providers whose revocation is local (CredentialProvider.localRevocation), by name, with their
   * kind. A selected pending or active lease of one of them (same name and kind) is not queued:
   * the same step takes it straight to `revoked` (`expired` for the trigger `expired`) — the
   * store's write is the provider's confirmation — recording a `revoked` event and no `revoking`
   * one, and counting it as both accepted and confirmed. A revocation_failed lease an operator
   * selects again is queued like any other.
   */
  readonly localProviders?: ReadonlyMap<string, ProviderKind>;
  /**
   * Told the leases revoked at once as each part of the step (a page of one shard) is done, before
   * the step returns, so the caller can report them while the rest runs. They are in the step's
   * `revoked` as well.
   */
  readonly onRevoked?: (revoked: readonly LocallyRevoked[]) => void;
}

/** A lease a step revoked at once, as the revocation item it would have been, with its end. */
export interface LocallyRevoked extends RevocationItem {
  readonly state: 'revoked' | 'expired';
  readonly revokedAt: number;
}

export interface OperationProgress {
  readonly matched: number;
  /** Moved to revoking by this operation. */
  readonly accepted: number;
  /** Matched but already revoking for another reason. */
  readonly alreadyRevoking: number;
  /** Confirmed by the provider (revoked or expired). */
  readonly confirmed: number;
  /** Given up on: revocation_failed. */
  readonly failed: number;
  /** true while leases are still being selected. */
  readonly selecting: boolean;
}

/** A lease event as the store records it with the state change. */
export interface StoredLeaseEvent {
  readonly type: LeaseEventType;
  readonly leaseId: string;
  readonly taskId: string;
  readonly owner: string;
  readonly state: LeaseState;
  readonly trigger?: Trigger;
  readonly expiresAt?: number;
  readonly at: number;
}

export interface LeaseEventPage {
  readonly events: StoredLeaseEvent[];
  /** Pass back to read what follows. */
  readonly cursor: string;
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
 * state change as one Lua script (batch methods: one script per shard and batch, each lease's
 * change atomic). Errors are WarrantErrors: ERR_LEASE_NOT_FOUND, ERR_NOT_OWNER,
 * ERR_LEASE_NOT_RENEWABLE, ERR_LEASE_AT_MAX_TTL, and ERR_STORE_UNAVAILABLE when the backend
 * cannot be reached (the caller must then treat the outcome as unknown and mint nothing).
 *
 * Every state change also records a lease event (readEvents): issued, renewed, revoking, revoked,
 * expired, revocation_failed.
 */
export interface LeaseStore {
  /** An id for a new lease. createPending with an idempotency claim requires an id made here for the same placement. */
  newLeaseId(placement: LeasePlacement, now: number): string;

  /**
   * Writes a lease in state `pending`. With an idempotency claim, atomically checks
   * (owner, key): an existing lease for the same digest is returned as `existing`; for a different
   * digest as `conflict`; nothing is written in either case.
   */
  createPending(lease: NewLease, idempotency?: IdempotencyClaim): Promise<CreateResult>;

  /**
   * Removes a pending lease without an idempotency key, and every index entry of it, for a request
   * refused before its credential was minted. True when it was removed; false (nothing changes) when
   * there is no such lease, it is no longer pending, or a key's retries may still look for it.
   */
  discardPending(id: string): Promise<boolean>;

  /** pending → active with the expiry the provider confirmed. ERR_LEASE_NOT_RENEWABLE if not pending. */
  activate(id: string, expiresAt: number, now: number): Promise<Lease>;

  get(id: string): Promise<Lease | undefined>;

  /** Leases by id, in the same order; undefined where there is none. */
  getMany(ids: readonly string[]): Promise<(Lease | undefined)[]>;

  /**
   * Extends an active, unexpired lease to min(input.expiresAt, maxExpiresAt) and counts the renewal.
   * ERR_LEASE_NOT_RENEWABLE if it is not active or already expired; ERR_LEASE_AT_MAX_TTL if it is
   * already at its max expiry.
   */
  renew(id: string, input: RenewInput): Promise<Lease>;

  /**
   * pending|active → revoking, recording trigger, reason and time, and queues the revocation (due
   * now). A lease already revoking or terminal is returned unchanged (revocation is idempotent; the
   * first trigger wins).
   */
  beginRevoke(id: string, input: RevokeInput): Promise<Lease>;

  /** beginRevoke for many leases at once, without an owner check; optionally claimed by the caller. */
  beginRevokeMany(ids: readonly string[], input: BulkRevokeInput): Promise<BulkRevokeOutcome[]>;

  /**
   * revoking → revoked (or `expired` when the trigger was `expired`) once the provider confirmed,
   * and out of the queue. A lease already terminal is returned unchanged.
   */
  finishRevoke(id: string, now: number): Promise<Lease>;

  /** Every lease of a task, any state, oldest first. */
  listByTask(taskId: string): Promise<Lease[]>;

  /** Ids of active leases whose expiresAt <= now, oldest expiry first. */
  dueForExpiry(now: number, limit: number): Promise<string[]>;

  /** Ids of leases still pending that were written at or before `writtenBefore`, oldest first. */
  stalePending(writtenBefore: number, limit: number): Promise<string[]>;

  /** Ids of leases in state `revoking`, by the time of their next attempt (for a new revocation: its request). */
  revoking(limit: number): Promise<string[]>;

  /** Leases newest first, filtered, paged. */
  list(filter: LeaseFilter, limit: number, cursor?: string): Promise<LeasePage>;

  // ── the revocation queue ───────────────────────────────────────────────────────────────────

  /** Active leases past their expiry → revoking (trigger `expired`), queued; at most `limit`. */
  expireDue(now: number, limit: number): Promise<SweepResult>;

  /** Leases pending since `writtenBefore` or earlier (a crashed or failed mint) → revoking (trigger `expired`). */
  abandonStalePending(writtenBefore: number, now: number, limit: number, reason: string): Promise<SweepResult>;

  /** Claims due revocations for the caller until now + visibilityMs. */
  claimRevocations(options: ClaimOptions): Promise<ClaimResult>;

  /** Records provider confirmations: revoking → revoked/expired, out of the queue. */
  completeRevocations(done: readonly ConfirmedRevocation[], now: number): Promise<FinishOutcome[]>;

  /** Puts claimed revocations back in the queue for a later attempt. */
  deferRevocations(later: readonly DeferredRevocation[], now: number): Promise<void>;

  /** Gives up: revoking → revocation_failed, out of the queue, kept until an operator acts. */
  parkRevocations(parked: readonly ParkedRevocation[], now: number): Promise<FinishOutcome[]>;

  revocationStats(now: number): Promise<RevocationQueueStats>;

  // ── mass revocation ────────────────────────────────────────────────────────────────────────

  /** Counts what a selection matches, a page at a time (a dry run); changes nothing. */
  countSelection(selection: LeaseSelection, upTo: number, sampleSize: number, cursor?: string): Promise<SelectionPage>;

  /** Records an operation, claimed by `owner` until `claimUntil`. */
  createOperation(operation: RevocationOperation, owner: string, claimUntil: number): Promise<void>;

  /** Takes over an operation whose claim lapsed (its replica died), if there is one. */
  claimOperation(owner: string, now: number, claimUntil: number): Promise<RevocationOperation | undefined>;

  /** Extends the caller's claim; false when another replica has taken the operation over. */
  extendOperation(id: string, owner: string, claimUntil: number): Promise<boolean>;

  /**
   * Selects and accepts the next leases of the operation (at most about `budget` per shard).
   * Durable: a crash resumes where it stopped. With `options.claim`, up to `claim.max` of the
   * accepted revocations are claimed for the caller (it attempts them at once) instead of queued
   * as due; leases of `options.localProviders` are revoked in the same step (see StepOptions).
   */
  stepOperation(operation: RevocationOperation, budget: number, now: number, options?: StepOptions): Promise<OperationStep>;

  /** Marks the operation's selection done. */
  finishOperation(id: string, now: number): Promise<void>;

  operationProgress(id: string): Promise<OperationProgress | undefined>;

  /** Up to `limit` ids the operation accepted that the provider has not confirmed. */
  operationUnconfirmed(id: string, limit: number): Promise<string[]>;

  // ── events ────────────────────────────────────────────────────────────────────────────────

  /** Events after `cursor`; without a cursor, none, and a cursor at the current end. */
  readEvents(cursor: string | undefined, limit: number): Promise<LeaseEventPage>;

  /** Resolves when the backend answers; ERR_STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
