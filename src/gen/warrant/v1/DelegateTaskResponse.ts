// Original file: proto/warrant/v1/credential_service.proto

import type { TaskInfo as _warrant_v1_TaskInfo, TaskInfo__Output as _warrant_v1_TaskInfo__Output } from '../../warrant/v1/TaskInfo.js';

export interface DelegateTaskResponse {
  'task'?: (_warrant_v1_TaskInfo | null);
}

export interface DelegateTaskResponse__Output {
  'task': (_warrant_v1_TaskInfo__Output | null);
}
