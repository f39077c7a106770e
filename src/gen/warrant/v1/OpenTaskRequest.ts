// Original file: proto/warrant/v1/credential_service.proto

import type { Task as _warrant_v1_Task, Task__Output as _warrant_v1_Task__Output } from '../../warrant/v1/Task.js';

export interface OpenTaskRequest {
  'task'?: (_warrant_v1_Task | null);
}

export interface OpenTaskRequest__Output {
  'task': (_warrant_v1_Task__Output | null);
}
