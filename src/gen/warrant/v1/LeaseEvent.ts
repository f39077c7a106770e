// Original file: proto/warrant/v1/credential_service.proto

import type { LeaseEventType as _warrant_v1_LeaseEventType, LeaseEventType__Output as _warrant_v1_LeaseEventType__Output } from '../../warrant/v1/LeaseEventType.js';
import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface LeaseEvent {
  'type'?: (_warrant_v1_LeaseEventType);
  'lease'?: (_warrant_v1_Lease | null);
  'at'?: (_google_protobuf_Timestamp | null);
}

export interface LeaseEvent__Output {
  'type': (_warrant_v1_LeaseEventType__Output);
  'lease': (_warrant_v1_Lease__Output | null);
  'at': (_google_protobuf_Timestamp__Output | null);
}
