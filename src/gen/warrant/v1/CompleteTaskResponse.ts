// Original file: proto/warrant/v1/credential_service.proto

import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';

export interface CompleteTaskResponse {
  'leases'?: (_warrant_v1_Lease)[];
}

export interface CompleteTaskResponse__Output {
  'leases': (_warrant_v1_Lease__Output)[];
}
