// Original file: proto/warrant/v1/types.proto

export const TaskState = {
  TASK_STATE_UNSPECIFIED: 'TASK_STATE_UNSPECIFIED',
  TASK_STATE_OPEN: 'TASK_STATE_OPEN',
  TASK_STATE_COMPLETED: 'TASK_STATE_COMPLETED',
  TASK_STATE_REVOKED: 'TASK_STATE_REVOKED',
  TASK_STATE_EXPIRED: 'TASK_STATE_EXPIRED',
} as const;

export type TaskState =
  | 'TASK_STATE_UNSPECIFIED'
  | 0
  | 'TASK_STATE_OPEN'
  | 1
  | 'TASK_STATE_COMPLETED'
  | 2
  | 'TASK_STATE_REVOKED'
  | 3
  | 'TASK_STATE_EXPIRED'
  | 4

export type TaskState__Output = typeof TaskState[keyof typeof TaskState]
