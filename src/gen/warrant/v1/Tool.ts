// Original file: proto/warrant/v1/types.proto


/**
 * A provider a task declares, and its scope ceiling within the task (empty: the provider's own,
 * or for a delegated task, the parent's).
 */
export interface Tool {
  'provider'?: (string);
  'scope'?: (string)[];
}

/**
 * A provider a task declares, and its scope ceiling within the task (empty: the provider's own,
 * or for a delegated task, the parent's).
 */
export interface Tool__Output {
  'provider': (string);
  'scope': (string)[];
}
