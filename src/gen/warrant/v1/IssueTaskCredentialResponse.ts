// Original file: proto/warrant/v1/credential_service.proto

import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';
import type { Credential as _warrant_v1_Credential, Credential__Output as _warrant_v1_Credential__Output } from '../../warrant/v1/Credential.js';

export interface IssueTaskCredentialResponse {
  'lease'?: (_warrant_v1_Lease | null);
  'credential'?: (_warrant_v1_Credential | null);
}

export interface IssueTaskCredentialResponse__Output {
  'lease': (_warrant_v1_Lease__Output | null);
  'credential': (_warrant_v1_Credential__Output | null);
}
