// Original file: proto/warrant/v1/admin_service.proto

import type { LeaseSelector as _warrant_v1_LeaseSelector, LeaseSelector__Output as _warrant_v1_LeaseSelector__Output } from '../../warrant/v1/LeaseSelector.js';

export interface RevokeMatchingRequest {
  'selector'?: (_warrant_v1_LeaseSelector | null);
  /**
   * Required: recorded on every lease and in the audit.
   */
  'reason'?: (string);
  /**
   * Count and sample only; revoke nothing.
   */
  'dry_run'?: (boolean);
}

export interface RevokeMatchingRequest__Output {
  'selector': (_warrant_v1_LeaseSelector__Output | null);
  /**
   * Required: recorded on every lease and in the audit.
   */
  'reason': (string);
  /**
   * Count and sample only; revoke nothing.
   */
  'dry_run': (boolean);
}
