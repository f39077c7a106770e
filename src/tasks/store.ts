import type {
  Approval,
  ApprovalFilter,
  ApprovalPage,
  ConsumeInput,
  ConsumeOutcome,
  DecideInput,
  DecideOutcome,
  NewApproval,
  RequestApprovalOutcome,
} from './approval.js';
import type { DelegateOutcome, Deviation, EndInput, EndOutcome, NewTask, OpenOutcome, ReserveOutcome, TaskRecord } from './task.js';

/**
 * Where tasks live. Every method is atomic on its own (a Redis implementation runs each change as
 * one Lua script). Task ids are one namespace per deployment: the first workload to open an id owns
 * it. Errors are WarrantErrors: ERR_STORE_UNAVAILABLE when the backend cannot be reached (the caller
 * must then treat the outcome as unknown), ERR_INTERNAL for anything else.
 *
 * Counters are kept for the whole subtree: a credential of a delegated task counts against the
 * budget of every ancestor, so delegating never multiplies what the root task may obtain.
 */
/** A lease that ended, and the task it counted against. */
export interface EndedLeaseRef {
  readonly taskId: string;
  readonly leaseId: string;
}

export interface TaskStore {
  /**
   * How long a record is kept after its task ends or expires. A record read while its task was open
   * therefore stands, with its id, owner and declaration, for at least this long after the read.
   */
  readonly retentionMs: number;

  /** Writes the task if no task has its id; otherwise returns the stored one, untouched. */
  open(task: NewTask): Promise<OpenOutcome>;

  /**
   * Writes a delegated task (`task.parentId` set) and records it as its parent's child, provided
   * the parent exists, belongs to `delegator` and is open at `now`, and no task has the child's id.
   */
  delegate(task: NewTask, delegator: string, now: number): Promise<DelegateOutcome>;

  get(id: string): Promise<TaskRecord | undefined>;

  /** Ids of the tasks delegated directly from this one. */
  children(id: string): Promise<string[]>;

  /**
   * Counts one credential (lease `leaseId`) against the task and each ancestor, if every one of
   * them is open at `now` and within its maxCredentials and maxConcurrentLeases; otherwise changes
   * nothing and says which task refused and why. Reserving a lease id already reserved changes nothing.
   */
  reserve(id: string, leaseId: string, now: number): Promise<ReserveOutcome>;

  /** The lease is no longer live for the task and its ancestors; `refund` also gives back its credential count. */
  release(id: string, leaseId: string, refund: boolean): Promise<void>;

  /**
   * release() without refund for many leases that ended, of any tasks: what the revocation of a
   * whole selection tells the budgets. A lease of a task that no longer exists is passed over.
   */
  releaseEnded(ended: readonly EndedLeaseRef[]): Promise<void>;

  /** Ids of the leases the task counts as live (its own and its descendants'). */
  liveLeaseIds(id: string): Promise<string[]>;

  /** Drops lease ids found to have ended from the task's live leases (for events that were missed). */
  prune(id: string, leaseIds: readonly string[]): Promise<void>;

  /** Counts a deviation and keeps it (the latest `keep` are kept); returns the task's new deviation count. */
  recordDeviation(id: string, deviation: Deviation, keep: number): Promise<number>;

  /** The deviations kept for the task, oldest first. */
  deviations(id: string): Promise<Deviation[]>;

  /**
   * Ends an open task. A task already past its expiry ends as `expired` (trigger `expired`) whatever
   * was asked. The record is kept for the retention period after it ends.
   */
  end(id: string, input: EndInput): Promise<EndOutcome>;

  /** Resolves when the backend answers; ERR_STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/** Where approvals live; atomic per method, like TaskStore. */
export interface ApprovalStore {
  /**
   * Writes a pending approval, unless the requester already has a live approval for the same
   * request digest (pending, approved or denied, not expired at `now`): that one is returned instead.
   */
  request(approval: NewApproval, now: number): Promise<RequestApprovalOutcome>;

  get(id: string): Promise<Approval | undefined>;

  /**
   * The requester's latest approval for a request digest, unless it expired by `now`: pending,
   * approved, denied, or used (a used one stands until its expiry, for retries of the request that used it).
   */
  findLive(requester: string, requestDigest: string, now: number): Promise<Approval | undefined>;

  /** Newest first. States in the filter are compared as of `now`. */
  list(filter: ApprovalFilter, limit: number, now: number, cursor?: string): Promise<ApprovalPage>;

  /** pending → approved|denied, if it is pending at `now` and the approver is not the requester. */
  decide(id: string, input: DecideInput): Promise<DecideOutcome>;

  /** approved → used, if it is approved and unexpired at `now` and bound to this requester and request; records the lease and idempotency key. */
  consume(id: string, input: ConsumeInput): Promise<ConsumeOutcome>;

  /** pending|approved past its expiry → expired; returns the approval and whether this call changed it. */
  expire(id: string, now: number): Promise<{ readonly changed: boolean; readonly approval: Approval } | undefined>;

  ping(): Promise<void>;

  close(): Promise<void>;
}
