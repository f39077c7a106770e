// Original file: proto/warrant/v1/types.proto

import type { ApprovalState as _warrant_v1_ApprovalState, ApprovalState__Output as _warrant_v1_ApprovalState__Output } from '../../warrant/v1/ApprovalState.js';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

/**
 * A human decision a policy requires (a permit annotated @approval("required")) before a
 * credential is minted. It binds to one request of one workload, expires, and is used once.
 */
export interface Approval {
  'id'?: (string);
  'state'?: (_warrant_v1_ApprovalState);
  /**
   * SPIFFE ID of the workload whose request it is.
   */
  'requester'?: (string);
  'task_id'?: (string);
  /**
   * The task's purpose and attributes when it was asked, for the approver to read.
   */
  'purpose'?: (string);
  'attributes'?: ({[key: string]: string});
  'provider'?: (string);
  'scope'?: (string)[];
  'ttl'?: (_google_protobuf_Duration | null);
  /**
   * Digest of the request it binds to (requester, task, provider, scope, ttl).
   */
  'request_digest'?: (string);
  /**
   * The permits that asked for approval, and the policy version that decided.
   */
  'policies'?: (string)[];
  'policy_version'?: (string);
  'created_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Pending: until a decision is due; approved: until it must be used.
   */
  'expires_at'?: (_google_protobuf_Timestamp | null);
  /**
   * SPIFFE ID of who approved or denied it, and why.
   */
  'decided_by'?: (string);
  'decided_at'?: (_google_protobuf_Timestamp | null);
  'reason'?: (string);
  /**
   * The lease it was used for.
   */
  'lease_id'?: (string);
  'used_at'?: (_google_protobuf_Timestamp | null);
}

/**
 * A human decision a policy requires (a permit annotated @approval("required")) before a
 * credential is minted. It binds to one request of one workload, expires, and is used once.
 */
export interface Approval__Output {
  'id': (string);
  'state': (_warrant_v1_ApprovalState__Output);
  /**
   * SPIFFE ID of the workload whose request it is.
   */
  'requester': (string);
  'task_id': (string);
  /**
   * The task's purpose and attributes when it was asked, for the approver to read.
   */
  'purpose': (string);
  'attributes': ({[key: string]: string});
  'provider': (string);
  'scope': (string)[];
  'ttl': (_google_protobuf_Duration__Output | null);
  /**
   * Digest of the request it binds to (requester, task, provider, scope, ttl).
   */
  'request_digest': (string);
  /**
   * The permits that asked for approval, and the policy version that decided.
   */
  'policies': (string)[];
  'policy_version': (string);
  'created_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Pending: until a decision is due; approved: until it must be used.
   */
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * SPIFFE ID of who approved or denied it, and why.
   */
  'decided_by': (string);
  'decided_at': (_google_protobuf_Timestamp__Output | null);
  'reason': (string);
  /**
   * The lease it was used for.
   */
  'lease_id': (string);
  'used_at': (_google_protobuf_Timestamp__Output | null);
}
