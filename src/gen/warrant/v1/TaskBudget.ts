// Original file: proto/warrant/v1/types.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';

export interface TaskBudget {
  /**
   * Credentials the task and every task delegated from it may obtain in all.
   */
  'max_credentials'?: (number);
  /**
   * Leases of the task and its descendants live at once.
   */
  'max_concurrent_leases'?: (number);
  /**
   * From opening; the task and all its leases end then.
   */
  'max_lifetime'?: (_google_protobuf_Duration | null);
}

export interface TaskBudget__Output {
  /**
   * Credentials the task and every task delegated from it may obtain in all.
   */
  'max_credentials': (number);
  /**
   * Leases of the task and its descendants live at once.
   */
  'max_concurrent_leases': (number);
  /**
   * From opening; the task and all its leases end then.
   */
  'max_lifetime': (_google_protobuf_Duration__Output | null);
}
