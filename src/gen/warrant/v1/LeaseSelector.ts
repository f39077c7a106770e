// Original file: proto/warrant/v1/types.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { LeaseState as _warrant_v1_LeaseState, LeaseState__Output as _warrant_v1_LeaseState__Output } from '../../warrant/v1/LeaseState.js';

/**
 * Which leases an operation applies to. Fields combine with AND; repeated values with OR.
 */
export interface LeaseSelector {
  'lease_ids'?: (string)[];
  'task_id'?: (string);
  'spiffe_id'?: (string);
  /**
   * Matches the SPIFFE ID and every ID under it as a path prefix ("spiffe://td/agents" matches
   * "spiffe://td/agents/a", not "spiffe://td/agentsmith").
   */
  'spiffe_id_prefix'?: (string);
  'trust_domain'?: (string);
  'provider'?: (string);
  'issued_before'?: (_google_protobuf_Timestamp | null);
  'issued_after'?: (_google_protobuf_Timestamp | null);
  /**
   * Must be set to select every lease; an empty selector selects nothing.
   */
  'all'?: (boolean);
  'states'?: (_warrant_v1_LeaseState)[];
}

/**
 * Which leases an operation applies to. Fields combine with AND; repeated values with OR.
 */
export interface LeaseSelector__Output {
  'lease_ids': (string)[];
  'task_id': (string);
  'spiffe_id': (string);
  /**
   * Matches the SPIFFE ID and every ID under it as a path prefix ("spiffe://td/agents" matches
   * "spiffe://td/agents/a", not "spiffe://td/agentsmith").
   */
  'spiffe_id_prefix': (string);
  'trust_domain': (string);
  'provider': (string);
  'issued_before': (_google_protobuf_Timestamp__Output | null);
  'issued_after': (_google_protobuf_Timestamp__Output | null);
  /**
   * Must be set to select every lease; an empty selector selects nothing.
   */
  'all': (boolean);
  'states': (_warrant_v1_LeaseState__Output)[];
}
