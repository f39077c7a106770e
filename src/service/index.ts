export { Authority, matchesPattern, type SidecarGrant, type Standing } from './authority.js';
export type {
  IntrospectionResponse,
  IssueInput,
  IssueOutput,
  LeaseSelector,
  RenewOutput,
  RevokeMatchingOptions,
  RevokeProgress,
  TaskInput,
} from './types.js';
export type { ApprovalQuery, BudgetInput, ChildTaskInput, DelegateInput, IssueOutcome, ToolInput } from './task-types.js';
export { DEFAULT_TASK_RULES, type TaskRules } from './task-input.js';
export { stampPolicyVersion } from './audit-stamp.js';
// Task and approval records as the use cases return them, for the adapters above the service.
export { APPROVAL_STATES, TASK_STATES, type Approval, type ApprovalState, type TaskRecord, type TaskState } from '../tasks/index.js';
export { WarrantService, compileSelection, compileSelector, type ServiceDeps } from './warrant-service.js';
