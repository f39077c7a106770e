// Original file: proto/warrant/v1/types.proto

import type { LeaseState as _warrant_v1_LeaseState, LeaseState__Output as _warrant_v1_LeaseState__Output } from '../../warrant/v1/LeaseState.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Trigger as _warrant_v1_Trigger, Trigger__Output as _warrant_v1_Trigger__Output } from '../../warrant/v1/Trigger.js';

/**
 * warrant's record of one minted credential. Never holds a secret.
 */
export interface Lease {
  'id'?: (string);
  'state'?: (_warrant_v1_LeaseState);
  /**
   * SPIFFE ID of the workload that obtained it.
   */
  'owner'?: (string);
  'trust_domain'?: (string);
  'task_id'?: (string);
  'provider'?: (string);
  /**
   * aws-sts, oauth-jwt, oauth-client, postgres, mysql
   */
  'provider_kind'?: (string);
  /**
   * What the credential may do, in the provider's terms.
   */
  'scope'?: (string)[];
  'issued_at'?: (_google_protobuf_Timestamp | null);
  'expires_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Renewals never move expires_at past this.
   */
  'max_expires_at'?: (_google_protobuf_Timestamp | null);
  'renewals'?: (number);
  'revoked_at'?: (_google_protobuf_Timestamp | null);
  'trigger'?: (_warrant_v1_Trigger);
  'reason'?: (string);
  /**
   * Failed attempts to revoke at the provider so far (while revoking or revocation failed).
   */
  'revocation_attempts'?: (number);
  /**
   * Error code of the last failed attempt, e.g. ERR_PROVIDER_UNAVAILABLE.
   */
  'revocation_error'?: (string);
}

/**
 * warrant's record of one minted credential. Never holds a secret.
 */
export interface Lease__Output {
  'id': (string);
  'state': (_warrant_v1_LeaseState__Output);
  /**
   * SPIFFE ID of the workload that obtained it.
   */
  'owner': (string);
  'trust_domain': (string);
  'task_id': (string);
  'provider': (string);
  /**
   * aws-sts, oauth-jwt, oauth-client, postgres, mysql
   */
  'provider_kind': (string);
  /**
   * What the credential may do, in the provider's terms.
   */
  'scope': (string)[];
  'issued_at': (_google_protobuf_Timestamp__Output | null);
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Renewals never move expires_at past this.
   */
  'max_expires_at': (_google_protobuf_Timestamp__Output | null);
  'renewals': (number);
  'revoked_at': (_google_protobuf_Timestamp__Output | null);
  'trigger': (_warrant_v1_Trigger__Output);
  'reason': (string);
  /**
   * Failed attempts to revoke at the provider so far (while revoking or revocation failed).
   */
  'revocation_attempts': (number);
  /**
   * Error code of the last failed attempt, e.g. ERR_PROVIDER_UNAVAILABLE.
   */
  'revocation_error': (string);
}
