// Original file: proto/warrant/v1/credential_service.proto


export interface WatchLeasesRequest {
  /**
   * Either a task or lease ids (or both).
   */
  'task_id'?: (string);
  'lease_ids'?: (string)[];
}

export interface WatchLeasesRequest__Output {
  /**
   * Either a task or lease ids (or both).
   */
  'task_id': (string);
  'lease_ids': (string)[];
}
