// Original file: proto/warrant/v1/admin_service.proto

import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';

export interface GetLeaseResponse {
  'lease'?: (_warrant_v1_Lease | null);
}

export interface GetLeaseResponse__Output {
  'lease': (_warrant_v1_Lease__Output | null);
}
