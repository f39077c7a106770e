// What the task, delegation and approval use cases take and give.
import type { Credential, Lease } from '../core/index.js';
import type { Approval, ApprovalState } from '../tasks/index.js';

export interface ToolInput {
  readonly provider: string;
  /** The most the task will ask of this provider; empty: the provider's (or, delegated, the parent's) ceiling. */
  readonly scope: readonly string[];
}

/** Unset or 0: the server's default. */
export interface BudgetInput {
  readonly maxCredentials?: number;
  readonly maxConcurrentLeases?: number;
  readonly maxLifetimeMs?: number;
}

/** What IssueTaskCredential answers: a credential, or an approval to wait for. */
export type IssueOutcome =
  /** credential: absent when a retried request finds a lease whose credential cannot be delivered again. */
  | { readonly kind: 'issued'; readonly lease: Lease; readonly credential: Credential | undefined }
  | { readonly kind: 'pending_approval'; readonly approval: Approval };

export interface DelegateInput {
  readonly parentTaskId: string;
  /** SPIFFE ID of the workload that receives the task. */
  readonly delegate: string;
  readonly task: ChildTaskInput;
}

/** A delegated task as its parent's owner describes it. */
export interface ChildTaskInput {
  /** '' to have one made. */
  readonly id: string;
  /** '' to take the parent's. */
  readonly purpose: string;
  /** Added to the parent's; a parent's attribute cannot be changed. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Within the parent's tools; absent or empty: the parent's. */
  readonly tools?: readonly ToolInput[];
  /** Within the parent's; unset fields: the parent's. */
  readonly budget?: BudgetInput;
}

export interface ApprovalQuery {
  readonly states: readonly ApprovalState[];
  readonly taskId: string;
  readonly requester: string;
}
