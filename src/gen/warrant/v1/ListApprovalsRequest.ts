// Original file: proto/warrant/v1/admin_service.proto

import type { ApprovalState as _warrant_v1_ApprovalState, ApprovalState__Output as _warrant_v1_ApprovalState__Output } from '../../warrant/v1/ApprovalState.js';

export interface ListApprovalsRequest {
  /**
   * Empty: pending only.
   */
  'states'?: (_warrant_v1_ApprovalState)[];
  'task_id'?: (string);
  /**
   * SPIFFE ID of the requesting workload.
   */
  'requester'?: (string);
  /**
   * At most 1000; default 100.
   */
  'page_size'?: (number);
  'page_token'?: (string);
}

export interface ListApprovalsRequest__Output {
  /**
   * Empty: pending only.
   */
  'states': (_warrant_v1_ApprovalState__Output)[];
  'task_id': (string);
  /**
   * SPIFFE ID of the requesting workload.
   */
  'requester': (string);
  /**
   * At most 1000; default 100.
   */
  'page_size': (number);
  'page_token': (string);
}
