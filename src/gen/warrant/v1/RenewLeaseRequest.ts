// Original file: proto/warrant/v1/credential_service.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';

export interface RenewLeaseRequest {
  'lease_id'?: (string);
  /**
   * How far from now to extend; unset: the provider's default TTL. Clamped to the lease's max.
   */
  'increment'?: (_google_protobuf_Duration | null);
}

export interface RenewLeaseRequest__Output {
  'lease_id': (string);
  /**
   * How far from now to extend; unset: the provider's default TTL. Clamped to the lease's max.
   */
  'increment': (_google_protobuf_Duration__Output | null);
}
