// Original file: proto/warrant/v1/admin_service.proto

import type { Approval as _warrant_v1_Approval, Approval__Output as _warrant_v1_Approval__Output } from '../../warrant/v1/Approval.js';

export interface ListApprovalsResponse {
  'approvals'?: (_warrant_v1_Approval)[];
  'next_page_token'?: (string);
}

export interface ListApprovalsResponse__Output {
  'approvals': (_warrant_v1_Approval__Output)[];
  'next_page_token': (string);
}
