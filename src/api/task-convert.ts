// proto ⇄ service shapes for tasks, delegation and approvals. No rules here: field mapping only.
import { WarrantError, type Trigger } from '../core/index.js';
import type { Approval as PbApproval } from '../gen/warrant/v1/Approval.js';
import type { ApprovalState__Output } from '../gen/warrant/v1/ApprovalState.js';
import type { DelegateTaskRequest__Output } from '../gen/warrant/v1/DelegateTaskRequest.js';
import type { IssueTaskCredentialRequest__Output } from '../gen/warrant/v1/IssueTaskCredentialRequest.js';
import type { ListApprovalsRequest__Output } from '../gen/warrant/v1/ListApprovalsRequest.js';
import type { PendingApproval } from '../gen/warrant/v1/PendingApproval.js';
import type { Task__Output } from '../gen/warrant/v1/Task.js';
import type { TaskBudget__Output } from '../gen/warrant/v1/TaskBudget.js';
import type { TaskInfo } from '../gen/warrant/v1/TaskInfo.js';
import type { Trigger as PbTrigger } from '../gen/warrant/v1/Trigger.js';
import {
  APPROVAL_STATES,
  type Approval,
  type ApprovalQuery,
  type ApprovalState,
  type BudgetInput,
  type DelegateInput,
  type IssueInput,
  type TaskInput,
  type TaskRecord,
  type TaskState,
} from '../service/index.js';
import { fromDuration, issueInputFromPb, timestamp } from './convert.js';

export function taskInputFromPb(task: Task__Output | null): TaskInput {
  if (task === null) throw new WarrantError('ERR_INVALID_ARGUMENT', 'task is required');
  return {
    id: task.id,
    purpose: task.purpose,
    attributes: task.attributes,
    parentId: task.parent_id,
    tools: task.tools.map((t) => ({ provider: t.provider, scope: t.scope })),
    ...(task.budget === null ? {} : { budget: budgetFromPb(task.budget) }),
  };
}

function budgetFromPb(b: TaskBudget__Output): BudgetInput {
  const lifetime = fromDuration(b.max_lifetime, 'task.budget.max_lifetime');
  return {
    maxCredentials: b.max_credentials,
    maxConcurrentLeases: b.max_concurrent_leases,
    ...(lifetime === undefined ? {} : { maxLifetimeMs: lifetime }),
  };
}

/** IssueTaskCredential with what tasks add: declared tools, budget, the approval presented. */
export function issueRequestFromPb(req: IssueTaskCredentialRequest__Output): IssueInput {
  return { ...issueInputFromPb(req), task: taskInputFromPb(req.task), approvalId: req.approval_id };
}

export function delegateInputFromPb(req: DelegateTaskRequest__Output): DelegateInput {
  const task = taskInputFromPb(req.task);
  return {
    parentTaskId: req.parent_task_id,
    delegate: req.delegate_spiffe_id,
    task: {
      id: task.id,
      purpose: task.purpose,
      attributes: task.attributes,
      ...(task.tools === undefined ? {} : { tools: task.tools }),
      ...(task.budget === undefined ? {} : { budget: task.budget }),
    },
  };
}

const TASK_STATE_TO_PB: Readonly<Record<TaskState, NonNullable<TaskInfo['state']>>> = {
  open: 'TASK_STATE_OPEN',
  completed: 'TASK_STATE_COMPLETED',
  revoked: 'TASK_STATE_REVOKED',
  expired: 'TASK_STATE_EXPIRED',
};

function triggerToPb(t: Trigger | undefined): PbTrigger {
  return t === undefined ? 'TRIGGER_UNSPECIFIED' : (`TRIGGER_${t.toUpperCase()}` as PbTrigger);
}

function durationToPb(ms: number): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function taskInfoToPb(t: TaskRecord, now: number): TaskInfo {
  const state = t.state === 'open' && now >= t.expiresAt ? 'expired' : t.state;
  return {
    task: {
      id: t.id,
      purpose: t.purpose,
      attributes: { ...t.attributes },
      parent_id: t.parentId ?? '',
      tools: t.tools.map((tool) => ({ provider: tool.provider, scope: [...tool.scope] })),
      budget: {
        max_credentials: t.budget.maxCredentials,
        max_concurrent_leases: t.budget.maxConcurrentLeases,
        max_lifetime: durationToPb(t.budget.maxLifetimeMs),
      },
    },
    owner: t.owner,
    state: TASK_STATE_TO_PB[state],
    depth: t.ancestors.length,
    delegation_chain: [...t.chain],
    opened_at: timestamp(t.openedAt),
    expires_at: timestamp(t.expiresAt),
    ended_at: timestamp(t.endedAt ?? (state === 'expired' ? t.expiresAt : undefined)),
    trigger: triggerToPb(t.trigger ?? (state === 'expired' ? 'expired' : undefined)),
    reason: t.reason ?? '',
    credentials_issued: t.credentialsIssued,
    live_leases: t.liveLeases,
    deviations: t.deviations,
  };
}

export function approvalToPb(a: Approval): PbApproval {
  return {
    id: a.id,
    state: `APPROVAL_STATE_${a.state.toUpperCase()}` as NonNullable<PbApproval['state']>,
    requester: a.requester,
    task_id: a.taskId,
    purpose: a.purpose,
    attributes: { ...a.attributes },
    provider: a.provider,
    scope: [...a.scope],
    ttl: durationToPb(a.ttlMs),
    request_digest: a.requestDigest,
    policies: [...a.policies],
    policy_version: a.policyVersion,
    created_at: timestamp(a.createdAt),
    expires_at: timestamp(a.expiresAt),
    decided_by: a.decidedBy ?? '',
    decided_at: timestamp(a.decidedAt),
    reason: a.reason ?? '',
    lease_id: a.leaseId ?? '',
    used_at: timestamp(a.usedAt),
  };
}

export function pendingApprovalToPb(a: Approval): PendingApproval {
  return { approval_id: a.id, expires_at: timestamp(a.expiresAt), policies: [...a.policies] };
}

function approvalStateFromPb(s: ApprovalState__Output): ApprovalState {
  const state = s.replace('APPROVAL_STATE_', '').toLowerCase();
  if (!(APPROVAL_STATES as readonly string[]).includes(state)) throw new WarrantError('ERR_INVALID_ARGUMENT', `states: ${s} is not an approval state`);
  return state as ApprovalState;
}

export function approvalQueryFromPb(req: ListApprovalsRequest__Output): ApprovalQuery {
  return { states: req.states.map(approvalStateFromPb), taskId: req.task_id, requester: req.requester };
}
