// Original file: proto/warrant/v1/admin_service.proto

import type { TaskInfo as _warrant_v1_TaskInfo, TaskInfo__Output as _warrant_v1_TaskInfo__Output } from '../../warrant/v1/TaskInfo.js';
import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from '../../warrant/v1/Lease.js';

export interface RevokeTaskResponse {
  'task'?: (_warrant_v1_TaskInfo | null);
  /**
   * The task's own leases.
   */
  'leases'?: (_warrant_v1_Lease)[];
  /**
   * Ids of every task delegated from it, revoked with it.
   */
  'revoked_tasks'?: (string)[];
}

export interface RevokeTaskResponse__Output {
  'task': (_warrant_v1_TaskInfo__Output | null);
  /**
   * The task's own leases.
   */
  'leases': (_warrant_v1_Lease__Output)[];
  /**
   * Ids of every task delegated from it, revoked with it.
   */
  'revoked_tasks': (string)[];
}
