// The tasks area's public face: task and approval records, the TaskStore and ApprovalStore
// contracts, and their memory and Redis backends.
export {
  DEVIATION_KINDS,
  TASK_STATES,
  taskDepth,
  taskStateAt,
  type DelegateOutcome,
  type Deviation,
  type DeviationKind,
  type EndInput,
  type EndOutcome,
  type NewTask,
  type OpenOutcome,
  type ReserveOutcome,
  type ReserveRefusal,
  type TaskBudget,
  type TaskRecord,
  type TaskState,
  type ToolGrant,
} from './task.js';
export {
  APPROVAL_STATES,
  approvalStateAt,
  type Approval,
  type ApprovalFilter,
  type ApprovalPage,
  type ApprovalState,
  type ConsumeInput,
  type ConsumeOutcome,
  type DecideInput,
  type DecideOutcome,
  type NewApproval,
  type RequestApprovalOutcome,
} from './approval.js';
export type { ApprovalStore, EndedLeaseRef, TaskStore } from './store.js';
export { DEFAULT_DEVIATIONS_KEPT, DEFAULT_TASK_RETENTION_MS } from './retention.js';
export { MemoryTaskStore, type MemoryTaskStoreOptions } from './memory/memory-task-store.js';
export { MemoryApprovalStore, type MemoryApprovalStoreOptions } from './memory/memory-approval-store.js';
export { DEFAULT_TASK_KEY_PREFIX, RedisTaskStore, type RedisTaskStoreOptions } from './redis/redis-task-store.js';
export { RedisApprovalStore, type RedisApprovalStoreOptions } from './redis/redis-approval-store.js';
