// A task is what authority is granted to: a declared unit of agent work with its tools, budget and
// place in a delegation tree. Records never hold a secret.
import type { Trigger } from '../core/index.js';

export const TASK_STATES = ['open', 'completed', 'revoked', 'expired'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** A provider the task declares it will use, and the most it may ask of it. */
export interface ToolGrant {
  readonly provider: string;
  /** The scope ceiling for this provider within the task; empty: the provider's own ceiling. */
  readonly scope: readonly string[];
}

export interface TaskBudget {
  /** Credentials the task (and, counted with it, every task delegated from it) may obtain in all. */
  readonly maxCredentials: number;
  /** Leases of the task and its descendants that may be live at once. */
  readonly maxConcurrentLeases: number;
  /** From opening; every lease of the task ends by then. */
  readonly maxLifetimeMs: number;
}

/** A task as written when it is opened or delegated. */
export interface NewTask {
  readonly id: string;
  /** SPIFFE ID of the workload the task belongs to. */
  readonly owner: string;
  readonly trustDomain: string;
  readonly purpose: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Empty: the task declared no tools, and every provider is open to it (policy still decides). */
  readonly tools: readonly ToolGrant[];
  readonly budget: TaskBudget;
  readonly parentId?: string;
  /** Ancestor task ids, root first; empty for a task opened directly. */
  readonly ancestors: readonly string[];
  /** SPIFFE IDs of the workloads that delegated it, root first (the owners of `ancestors`). */
  readonly chain: readonly string[];
  readonly openedAt: number;
  /** openedAt + budget.maxLifetimeMs, never past the parent's expiry. */
  readonly expiresAt: number;
}

export interface TaskRecord extends NewTask {
  readonly state: TaskState;
  readonly endedAt?: number;
  readonly trigger?: Trigger;
  readonly reason?: string;
  /** Credentials obtained by the task and its descendants. */
  readonly credentialsIssued: number;
  /** Leases of the task and its descendants not yet revoked or expired. */
  readonly liveLeases: number;
  /** Requests outside the declaration: undeclared tools, scope beyond the task, over budget, policy denials. */
  readonly deviations: number;
}

export const DEVIATION_KINDS = ['undeclared_tool', 'scope_outside_task', 'over_budget', 'policy_denied'] as const;
export type DeviationKind = (typeof DEVIATION_KINDS)[number];

/** One request that counted against the task; the audit shows these when the task is revoked. */
export interface Deviation {
  readonly kind: DeviationKind;
  readonly provider: string;
  readonly scope: readonly string[];
  readonly at: number;
  /** What was refused, in a line (no secret): the limit hit, the policies that denied. */
  readonly detail: string;
}

/** The task's depth in its delegation tree: 0 for a task opened directly. */
export function taskDepth(task: Pick<NewTask, 'ancestors'>): number {
  return task.ancestors.length;
}

/** The state as of `now`: an open task past its expiry is expired, even before anything wrote it so. */
export function taskStateAt(task: Pick<TaskRecord, 'state' | 'expiresAt'>, now: number): TaskState {
  return task.state === 'open' && now >= task.expiresAt ? 'expired' : task.state;
}

/** Why a reservation was refused, and at which task of the chain (the task itself or an ancestor). */
export type ReserveRefusal = 'ended' | 'expired' | 'max_credentials' | 'max_concurrent_leases';

export type ReserveOutcome =
  | { readonly ok: true; readonly task: TaskRecord }
  | { readonly ok: false; readonly refusal: ReserveRefusal; readonly at: TaskRecord; readonly task: TaskRecord };

export type OpenOutcome =
  | { readonly outcome: 'created'; readonly task: TaskRecord }
  | { readonly outcome: 'existing'; readonly task: TaskRecord };

export type DelegateOutcome =
  | { readonly outcome: 'created'; readonly task: TaskRecord }
  /** No parent task by that id. */
  | { readonly outcome: 'no_parent' }
  /** The parent is not the delegator's, or not open at `now`. */
  | { readonly outcome: 'parent_refused'; readonly parent: TaskRecord }
  /** A task with the child's id exists already. */
  | { readonly outcome: 'taken'; readonly task: TaskRecord };

export interface EndInput {
  readonly state: 'completed' | 'revoked' | 'expired';
  readonly trigger: Trigger;
  readonly reason?: string;
  readonly now: number;
}

export type EndOutcome =
  /** The task was open (or past its expiry) and is now ended as asked. */
  | { readonly outcome: 'ended'; readonly task: TaskRecord }
  /** It had already ended; left as it was. */
  | { readonly outcome: 'unchanged'; readonly task: TaskRecord }
  | { readonly outcome: 'not_found' };
