// Original file: proto/warrant/v1/credential_service.proto

import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';
import type { Credential as _warrant_v1_Credential, Credential__Output as _warrant_v1_Credential__Output } from '../../warrant/v1/Credential.js';

export interface RenewLeaseResponse {
  'lease'?: (_warrant_v1_Lease | null);
  /**
   * Set when the provider issues a fresh credential on renewal (oauth-jwt: a token with the new
   * expiry and the same jti).
   */
  'credential'?: (_warrant_v1_Credential | null);
}

export interface RenewLeaseResponse__Output {
  'lease': (_warrant_v1_Lease__Output | null);
  /**
   * Set when the provider issues a fresh credential on renewal (oauth-jwt: a token with the new
   * expiry and the same jti).
   */
  'credential': (_warrant_v1_Credential__Output | null);
}
