// An approval is a human decision a policy requires before a high-impact credential is minted. It
// binds to one exact request (its digest) from one requester, expires, and is used at most once.

export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired', 'used'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** A request waiting for a decision, as written when policy first asks for approval. */
export interface NewApproval {
  readonly id: string;
  /** SPIFFE ID of the workload whose request needs the approval. */
  readonly requester: string;
  readonly taskId: string;
  /** The task's purpose and attributes when the request was made, for the approver to read. */
  readonly purpose: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly provider: string;
  readonly scope: readonly string[];
  readonly ttlMs: number;
  /** Digest of (requester, task, provider, scope, ttl): the approval is good for this request only. */
  readonly requestDigest: string;
  /** The permits that asked for approval. */
  readonly policies: readonly string[];
  readonly policyVersion: string;
  readonly createdAt: number;
  /** Pending approvals expire then; an approved one gets a new expiry when decided. */
  readonly expiresAt: number;
}

export interface Approval extends NewApproval {
  readonly state: ApprovalState;
  /** SPIFFE ID of who approved or denied it. */
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  /** The approver's reason (required for a denial). */
  readonly reason?: string;
  readonly usedAt?: number;
  /** The lease the approval was used for. */
  readonly leaseId?: string;
  /** The idempotency key of the request that used it: a retry of that request finds its lease, not a new approval. */
  readonly idempotencyKey?: string;
}

/** The state as of `now`: a pending or approved approval past its expiry is expired. */
export function approvalStateAt(approval: Pick<Approval, 'state' | 'expiresAt'>, now: number): ApprovalState {
  return (approval.state === 'pending' || approval.state === 'approved') && now >= approval.expiresAt ? 'expired' : approval.state;
}

export type RequestApprovalOutcome =
  | { readonly outcome: 'created'; readonly approval: Approval }
  /** The same requester already has a live approval (pending, approved or denied, unexpired) for the same request. */
  | { readonly outcome: 'existing'; readonly approval: Approval };

export interface DecideInput {
  readonly decision: 'approved' | 'denied';
  readonly approver: string;
  readonly reason?: string;
  readonly now: number;
  /** An approved approval may be used until then. */
  readonly usableUntil: number;
}

export type DecideOutcome =
  | { readonly outcome: 'decided'; readonly approval: Approval }
  | { readonly outcome: 'not_found' }
  /** Not pending at `now` (decided, used or expired), or the approver is the requester: unchanged. */
  | { readonly outcome: 'refused'; readonly approval: Approval };

export interface ConsumeInput {
  readonly requester: string;
  readonly requestDigest: string;
  readonly leaseId: string;
  readonly now: number;
  readonly idempotencyKey?: string;
}

export type ConsumeOutcome =
  | { readonly outcome: 'used'; readonly approval: Approval }
  | { readonly outcome: 'not_found' }
  /** Not approved and unexpired at `now`, or bound to another requester or request: unchanged. */
  | { readonly outcome: 'refused'; readonly approval: Approval };

export interface ApprovalFilter {
  /** Empty or absent: every state. States are as of `now`. */
  readonly states?: readonly ApprovalState[];
  readonly taskId?: string;
  readonly requester?: string;
}

export interface ApprovalPage {
  readonly approvals: readonly Approval[];
  /** Opaque; absent on the last page. */
  readonly cursor?: string;
}
