// Original file: proto/warrant/v1/credential_service.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';

export interface GetApprovalRequest {
  'approval_id'?: (string);
  /**
   * Block up to this long (at most the server's limit, 5m by default) for a decision.
   */
  'wait'?: (_google_protobuf_Duration | null);
}

export interface GetApprovalRequest__Output {
  'approval_id': (string);
  /**
   * Block up to this long (at most the server's limit, 5m by default) for a decision.
   */
  'wait': (_google_protobuf_Duration__Output | null);
}
