// Original file: proto/warrant/v1/credential_service.proto


export interface CompleteTaskRequest {
  'task_id'?: (string);
}

export interface CompleteTaskRequest__Output {
  'task_id': (string);
}
