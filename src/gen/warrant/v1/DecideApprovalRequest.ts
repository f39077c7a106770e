// Original file: proto/warrant/v1/admin_service.proto

import type { ApprovalDecision as _warrant_v1_ApprovalDecision, ApprovalDecision__Output as _warrant_v1_ApprovalDecision__Output } from '../../warrant/v1/ApprovalDecision.js';

export interface DecideApprovalRequest {
  'approval_id'?: (string);
  'decision'?: (_warrant_v1_ApprovalDecision);
  /**
   * Required to deny; recorded in the audit and shown to the requester.
   */
  'reason'?: (string);
}

export interface DecideApprovalRequest__Output {
  'approval_id': (string);
  'decision': (_warrant_v1_ApprovalDecision__Output);
  /**
   * Required to deny; recorded in the audit and shown to the requester.
   */
  'reason': (string);
}
