// Original file: proto/warrant/v1/admin_service.proto


export interface RevokeTaskRequest {
  'task_id'?: (string);
  /**
   * Required: recorded on the task, its leases and in the audit.
   */
  'reason'?: (string);
}

export interface RevokeTaskRequest__Output {
  'task_id': (string);
  /**
   * Required: recorded on the task, its leases and in the audit.
   */
  'reason': (string);
}
