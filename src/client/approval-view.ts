// Approvals as the SDK hands them to callers: camelCase, times in ms since the Unix epoch, states as
// lower-case words (see lease-view.ts for leases).
import type { Approval__Output } from '../gen/warrant/v1/Approval.js';
import type { PendingApproval__Output } from '../gen/warrant/v1/PendingApproval.js';
import { timeOf } from './lease-view.js';

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'used' | 'unspecified';

/** What IssueTaskCredential answers instead of a credential when policy requires a human approval first. */
export interface PendingApproval {
  readonly approvalId: string;
  /** A decision after this comes too late: the request must be sent again. */
  readonly expiresAt: number;
  /** The permits that require the approval. */
  readonly policies: readonly string[];
}

/** One approval of one of this workload's requests, as GetApproval shows it. */
export interface Approval {
  readonly id: string;
  readonly state: ApprovalState;
  readonly requester: string;
  readonly taskId: string;
  readonly provider: string;
  readonly scope: readonly string[];
  readonly policies: readonly string[];
  readonly createdAt: number;
  /** Pending: until a decision is due; approved: until it must be used. */
  readonly expiresAt: number;
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  /** The approver's reason (always given for a denial). */
  readonly reason?: string;
  /** The lease it was used for. */
  readonly leaseId?: string;
}

export function pendingApprovalFromPb(p: PendingApproval__Output): PendingApproval {
  return { approvalId: p.approval_id, expiresAt: timeOf(p.expires_at), policies: [...p.policies] };
}

export function approvalFromPb(a: Approval__Output): Approval {
  const state = a.state.startsWith('APPROVAL_STATE_') ? a.state.slice('APPROVAL_STATE_'.length).toLowerCase() : 'unspecified';
  return {
    id: a.id,
    state: state as ApprovalState,
    requester: a.requester,
    taskId: a.task_id,
    provider: a.provider,
    scope: [...a.scope],
    policies: [...a.policies],
    createdAt: timeOf(a.created_at),
    expiresAt: timeOf(a.expires_at),
    ...(a.decided_by === '' ? {} : { decidedBy: a.decided_by, decidedAt: timeOf(a.decided_at) }),
    ...(a.reason === '' ? {} : { reason: a.reason }),
    ...(a.lease_id === '' ? {} : { leaseId: a.lease_id }),
  };
}
