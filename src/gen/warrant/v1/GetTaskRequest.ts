// Original file: proto/warrant/v1/credential_service.proto


export interface GetTaskRequest {
  'task_id'?: (string);
}

export interface GetTaskRequest__Output {
  'task_id': (string);
}
