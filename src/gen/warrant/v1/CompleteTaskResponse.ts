// Original file: proto/warrant/v1/credential_service.proto

import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';

export interface CompleteTaskResponse {
  /**
   * The task's own leases. Tasks delegated from it are revoked with it (GetTask shows them).
   */
  'leases'?: (_warrant_v1_Lease)[];
}

export interface CompleteTaskResponse__Output {
  /**
   * The task's own leases. Tasks delegated from it are revoked with it (GetTask shows them).
   */
  'leases': (_warrant_v1_Lease__Output)[];
}
