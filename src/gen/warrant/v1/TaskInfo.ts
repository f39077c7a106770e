// Original file: proto/warrant/v1/types.proto

import type { Task as _warrant_v1_Task, Task__Output as _warrant_v1_Task__Output } from '../../warrant/v1/Task.js';
import type { TaskState as _warrant_v1_TaskState, TaskState__Output as _warrant_v1_TaskState__Output } from '../../warrant/v1/TaskState.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Trigger as _warrant_v1_Trigger, Trigger__Output as _warrant_v1_Trigger__Output } from '../../warrant/v1/Trigger.js';

/**
 * warrant's record of a task: its declaration as in force, its place in a delegation tree, its counters.
 */
export interface TaskInfo {
  /**
   * id, purpose, attributes, parent_id, tools and budget as in force (attributes of a delegated
   * task include its parent's).
   */
  'task'?: (_warrant_v1_Task | null);
  /**
   * SPIFFE ID of the workload the task belongs to.
   */
  'owner'?: (string);
  'state'?: (_warrant_v1_TaskState);
  /**
   * 0 for a task opened directly; parent's depth + 1 for a delegated one.
   */
  'depth'?: (number);
  /**
   * SPIFFE IDs of the workloads that delegated it, root first.
   */
  'delegation_chain'?: (string)[];
  'opened_at'?: (_google_protobuf_Timestamp | null);
  'expires_at'?: (_google_protobuf_Timestamp | null);
  'ended_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Why it ended: TASK_COMPLETED, OPERATOR, DEVIATION, PARENT_REVOKED or EXPIRED.
   */
  'trigger'?: (_warrant_v1_Trigger);
  'reason'?: (string);
  /**
   * Counted for the task and every task delegated from it.
   */
  'credentials_issued'?: (number);
  'live_leases'?: (number);
  /**
   * Requests refused as outside the task: undeclared tools, scope beyond the task, over budget, policy denials.
   */
  'deviations'?: (number);
}

/**
 * warrant's record of a task: its declaration as in force, its place in a delegation tree, its counters.
 */
export interface TaskInfo__Output {
  /**
   * id, purpose, attributes, parent_id, tools and budget as in force (attributes of a delegated
   * task include its parent's).
   */
  'task': (_warrant_v1_Task__Output | null);
  /**
   * SPIFFE ID of the workload the task belongs to.
   */
  'owner': (string);
  'state': (_warrant_v1_TaskState__Output);
  /**
   * 0 for a task opened directly; parent's depth + 1 for a delegated one.
   */
  'depth': (number);
  /**
   * SPIFFE IDs of the workloads that delegated it, root first.
   */
  'delegation_chain': (string)[];
  'opened_at': (_google_protobuf_Timestamp__Output | null);
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  'ended_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Why it ended: TASK_COMPLETED, OPERATOR, DEVIATION, PARENT_REVOKED or EXPIRED.
   */
  'trigger': (_warrant_v1_Trigger__Output);
  'reason': (string);
  /**
   * Counted for the task and every task delegated from it.
   */
  'credentials_issued': (number);
  'live_leases': (number);
  /**
   * Requests refused as outside the task: undeclared tools, scope beyond the task, over budget, policy denials.
   */
  'deviations': (number);
}
