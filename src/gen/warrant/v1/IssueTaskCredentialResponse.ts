// Original file: proto/warrant/v1/credential_service.proto

import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';
import type { Credential as _warrant_v1_Credential, Credential__Output as _warrant_v1_Credential__Output } from '../../warrant/v1/Credential.js';
import type { PendingApproval as _warrant_v1_PendingApproval, PendingApproval__Output as _warrant_v1_PendingApproval__Output } from '../../warrant/v1/PendingApproval.js';

export interface IssueTaskCredentialResponse {
  /**
   * Set when a credential was issued.
   */
  'lease'?: (_warrant_v1_Lease | null);
  'credential'?: (_warrant_v1_Credential | null);
  /**
   * Set instead when policy requires a human approval first: wait for it (GetApproval), then
   * send the same request again.
   */
  'pending_approval'?: (_warrant_v1_PendingApproval | null);
}

export interface IssueTaskCredentialResponse__Output {
  /**
   * Set when a credential was issued.
   */
  'lease': (_warrant_v1_Lease__Output | null);
  'credential': (_warrant_v1_Credential__Output | null);
  /**
   * Set instead when policy requires a human approval first: wait for it (GetApproval), then
   * send the same request again.
   */
  'pending_approval': (_warrant_v1_PendingApproval__Output | null);
}
