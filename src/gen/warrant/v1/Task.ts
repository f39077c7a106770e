// Original file: proto/warrant/v1/types.proto


/**
 * A unit of agent work. Credentials are granted to a task, not to an identity.
 */
export interface Task {
  /**
   * Caller-chosen id, unique per workload: [A-Za-z0-9._:@/-]{1,128}.
   */
  'id'?: (string);
  /**
   * What the agent is doing, for people and policy (at most 1024 characters).
   */
  'purpose'?: (string);
  /**
   * Environment, data sensitivity, ticket, … (at most 32 entries; keys [a-z0-9_.-]{1,64},
   * values at most 256 characters). Cedar sees them as tags on the Task entity.
   */
  'attributes'?: ({[key: string]: string});
  /**
   * The task this one was delegated from, if any.
   */
  'parent_id'?: (string);
}

/**
 * A unit of agent work. Credentials are granted to a task, not to an identity.
 */
export interface Task__Output {
  /**
   * Caller-chosen id, unique per workload: [A-Za-z0-9._:@/-]{1,128}.
   */
  'id': (string);
  /**
   * What the agent is doing, for people and policy (at most 1024 characters).
   */
  'purpose': (string);
  /**
   * Environment, data sensitivity, ticket, … (at most 32 entries; keys [a-z0-9_.-]{1,64},
   * values at most 256 characters). Cedar sees them as tags on the Task entity.
   */
  'attributes': ({[key: string]: string});
  /**
   * The task this one was delegated from, if any.
   */
  'parent_id': (string);
}
