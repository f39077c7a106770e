// Original file: proto/warrant/v1/types.proto

export const ApprovalState = {
  APPROVAL_STATE_UNSPECIFIED: 'APPROVAL_STATE_UNSPECIFIED',
  APPROVAL_STATE_PENDING: 'APPROVAL_STATE_PENDING',
  APPROVAL_STATE_APPROVED: 'APPROVAL_STATE_APPROVED',
  APPROVAL_STATE_DENIED: 'APPROVAL_STATE_DENIED',
  APPROVAL_STATE_EXPIRED: 'APPROVAL_STATE_EXPIRED',
  /**
   * Approved and spent on one credential; never good again.
   */
  APPROVAL_STATE_USED: 'APPROVAL_STATE_USED',
} as const;

export type ApprovalState =
  | 'APPROVAL_STATE_UNSPECIFIED'
  | 0
  | 'APPROVAL_STATE_PENDING'
  | 1
  | 'APPROVAL_STATE_APPROVED'
  | 2
  | 'APPROVAL_STATE_DENIED'
  | 3
  | 'APPROVAL_STATE_EXPIRED'
  | 4
  /**
   * Approved and spent on one credential; never good again.
   */
  | 'APPROVAL_STATE_USED'
  | 5

export type ApprovalState__Output = typeof ApprovalState[keyof typeof ApprovalState]
