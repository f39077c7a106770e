// Original file: proto/warrant/v1/credential_service.proto

import type { Task as _warrant_v1_Task, Task__Output as _warrant_v1_Task__Output } from '../../warrant/v1/Task.js';

export interface DelegateTaskRequest {
  /**
   * A task of the caller's, open.
   */
  'parent_task_id'?: (string);
  /**
   * SPIFFE ID of the workload that receives the task.
   */
  'delegate_spiffe_id'?: (string);
  /**
   * The child: id (empty: one is made), purpose (empty: the parent's), attributes (added to the
   * parent's, which cannot change), tools (within the parent's; empty: the parent's) and budget
   * (within the parent's; unset fields: the parent's). parent_id is ignored.
   */
  'task'?: (_warrant_v1_Task | null);
}

export interface DelegateTaskRequest__Output {
  /**
   * A task of the caller's, open.
   */
  'parent_task_id': (string);
  /**
   * SPIFFE ID of the workload that receives the task.
   */
  'delegate_spiffe_id': (string);
  /**
   * The child: id (empty: one is made), purpose (empty: the parent's), attributes (added to the
   * parent's, which cannot change), tools (within the parent's; empty: the parent's) and budget
   * (within the parent's; unset fields: the parent's). parent_id is ignored.
   */
  'task': (_warrant_v1_Task__Output | null);
}
