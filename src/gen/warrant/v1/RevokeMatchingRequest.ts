// Original file: proto/warrant/v1/admin_service.proto

import type { LeaseSelector as _warrant_v1_LeaseSelector, LeaseSelector__Output as _warrant_v1_LeaseSelector__Output } from '../../warrant/v1/LeaseSelector.js';
import type { Trigger as _warrant_v1_Trigger, Trigger__Output as _warrant_v1_Trigger__Output } from '../../warrant/v1/Trigger.js';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';

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
  /**
   * Why: TRIGGER_OPERATOR (the default), or, for an external system such as a SIEM,
   * TRIGGER_DEVIATION or TRIGGER_IDENTITY. Recorded on every lease and in the audit.
   */
  'trigger'?: (_warrant_v1_Trigger);
  /**
   * How long the stream waits for the providers to confirm after every match was accepted
   * (default 60s, at most 10m). Unconfirmed revocations go on in the background either way.
   */
  'confirm_timeout'?: (_google_protobuf_Duration | null);
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
  /**
   * Why: TRIGGER_OPERATOR (the default), or, for an external system such as a SIEM,
   * TRIGGER_DEVIATION or TRIGGER_IDENTITY. Recorded on every lease and in the audit.
   */
  'trigger': (_warrant_v1_Trigger__Output);
  /**
   * How long the stream waits for the providers to confirm after every match was accepted
   * (default 60s, at most 10m). Unconfirmed revocations go on in the background either way.
   */
  'confirm_timeout': (_google_protobuf_Duration__Output | null);
}
