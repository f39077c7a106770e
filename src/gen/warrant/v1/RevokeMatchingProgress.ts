// Original file: proto/warrant/v1/admin_service.proto

import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';
import type { Long } from '@grpc/proto-loader';

export interface RevokeMatchingProgress {
  'matched'?: (number | string | Long);
  'revoked'?: (number | string | Long);
  'failed'?: (number | string | Long);
  /**
   * Up to 20 leases of the match (dry run) or the leases that failed.
   */
  'sample'?: (_warrant_v1_Lease)[];
  'done'?: (boolean);
  /**
   * Per-lease failures: "<lease id>: <reason>".
   */
  'failures'?: (string)[];
  /**
   * Moved to revoking by this request (matched leases already revoking are not counted here).
   */
  'accepted'?: (number | string | Long);
  /**
   * Matched but already revoking for an earlier reason.
   */
  'already_revoking'?: (number | string | Long);
  /**
   * Accepted but not yet confirmed by the provider: retried in the background until confirmed.
   */
  'revoking'?: (number | string | Long);
  /**
   * The durable operation carrying this request; it survives a restart of the server.
   */
  'operation_id'?: (string);
  /**
   * true while matching leases are still being selected.
   */
  'selecting'?: (boolean);
}

export interface RevokeMatchingProgress__Output {
  'matched': (string);
  'revoked': (string);
  'failed': (string);
  /**
   * Up to 20 leases of the match (dry run) or the leases that failed.
   */
  'sample': (_warrant_v1_Lease__Output)[];
  'done': (boolean);
  /**
   * Per-lease failures: "<lease id>: <reason>".
   */
  'failures': (string)[];
  /**
   * Moved to revoking by this request (matched leases already revoking are not counted here).
   */
  'accepted': (string);
  /**
   * Matched but already revoking for an earlier reason.
   */
  'already_revoking': (string);
  /**
   * Accepted but not yet confirmed by the provider: retried in the background until confirmed.
   */
  'revoking': (string);
  /**
   * The durable operation carrying this request; it survives a restart of the server.
   */
  'operation_id': (string);
  /**
   * true while matching leases are still being selected.
   */
  'selecting': (boolean);
}
