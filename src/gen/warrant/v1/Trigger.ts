// Original file: proto/warrant/v1/types.proto

/**
 * Why a lease was revoked.
 */
export const Trigger = {
  TRIGGER_UNSPECIFIED: 'TRIGGER_UNSPECIFIED',
  TRIGGER_TASK_COMPLETED: 'TRIGGER_TASK_COMPLETED',
  TRIGGER_EXPIRED: 'TRIGGER_EXPIRED',
  TRIGGER_OPERATOR: 'TRIGGER_OPERATOR',
  TRIGGER_OWNER: 'TRIGGER_OWNER',
  TRIGGER_DEVIATION: 'TRIGGER_DEVIATION',
  TRIGGER_IDENTITY: 'TRIGGER_IDENTITY',
  TRIGGER_PARENT_REVOKED: 'TRIGGER_PARENT_REVOKED',
} as const;

/**
 * Why a lease was revoked.
 */
export type Trigger =
  | 'TRIGGER_UNSPECIFIED'
  | 0
  | 'TRIGGER_TASK_COMPLETED'
  | 1
  | 'TRIGGER_EXPIRED'
  | 2
  | 'TRIGGER_OPERATOR'
  | 3
  | 'TRIGGER_OWNER'
  | 4
  | 'TRIGGER_DEVIATION'
  | 5
  | 'TRIGGER_IDENTITY'
  | 6
  | 'TRIGGER_PARENT_REVOKED'
  | 7

/**
 * Why a lease was revoked.
 */
export type Trigger__Output = typeof Trigger[keyof typeof Trigger]
