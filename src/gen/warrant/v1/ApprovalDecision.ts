// Original file: proto/warrant/v1/admin_service.proto

export const ApprovalDecision = {
  APPROVAL_DECISION_UNSPECIFIED: 'APPROVAL_DECISION_UNSPECIFIED',
  APPROVAL_DECISION_APPROVE: 'APPROVAL_DECISION_APPROVE',
  APPROVAL_DECISION_DENY: 'APPROVAL_DECISION_DENY',
} as const;

export type ApprovalDecision =
  | 'APPROVAL_DECISION_UNSPECIFIED'
  | 0
  | 'APPROVAL_DECISION_APPROVE'
  | 1
  | 'APPROVAL_DECISION_DENY'
  | 2

export type ApprovalDecision__Output = typeof ApprovalDecision[keyof typeof ApprovalDecision]
