// Original file: proto/warrant/v1/admin_service.proto

import type { LeaseSelector as _warrant_v1_LeaseSelector, LeaseSelector__Output as _warrant_v1_LeaseSelector__Output } from '../../warrant/v1/LeaseSelector.js';

export interface ListLeasesRequest {
  'selector'?: (_warrant_v1_LeaseSelector | null);
  /**
   * At most 1000; default 100.
   */
  'page_size'?: (number);
  'page_token'?: (string);
}

export interface ListLeasesRequest__Output {
  'selector': (_warrant_v1_LeaseSelector__Output | null);
  /**
   * At most 1000; default 100.
   */
  'page_size': (number);
  'page_token': (string);
}
