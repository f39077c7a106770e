// Original file: proto/warrant/v1/credential_service.proto

import type { Approval as _warrant_v1_Approval, Approval__Output as _warrant_v1_Approval__Output } from '../../warrant/v1/Approval.js';

export interface GetApprovalResponse {
  'approval'?: (_warrant_v1_Approval | null);
}

export interface GetApprovalResponse__Output {
  'approval': (_warrant_v1_Approval__Output | null);
}
