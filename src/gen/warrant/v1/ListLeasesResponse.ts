// Original file: proto/warrant/v1/admin_service.proto

import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';

export interface ListLeasesResponse {
  'leases'?: (_warrant_v1_Lease)[];
  'next_page_token'?: (string);
}

export interface ListLeasesResponse__Output {
  'leases': (_warrant_v1_Lease__Output)[];
  'next_page_token': (string);
}
