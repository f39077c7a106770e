// Original file: proto/warrant/v1/credential_service.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface PendingApproval {
  'approval_id'?: (string);
  /**
   * A decision after this comes too late: the request must be sent again.
   */
  'expires_at'?: (_google_protobuf_Timestamp | null);
  /**
   * The permits that require the approval.
   */
  'policies'?: (string)[];
}

export interface PendingApproval__Output {
  'approval_id': (string);
  /**
   * A decision after this comes too late: the request must be sent again.
   */
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * The permits that require the approval.
   */
  'policies': (string)[];
}
