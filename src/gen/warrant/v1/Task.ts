// Original file: proto/warrant/v1/types.proto

import type { Tool as _warrant_v1_Tool, Tool__Output as _warrant_v1_Tool__Output } from '../../warrant/v1/Tool.js';
import type { TaskBudget as _warrant_v1_TaskBudget, TaskBudget__Output as _warrant_v1_TaskBudget__Output } from '../../warrant/v1/TaskBudget.js';

/**
 * A unit of agent work. Credentials are granted to a task, not to an identity.
 */
export interface Task {
  /**
   * Caller-chosen id, [A-Za-z0-9._:@/-]{1,128}. Task ids are one namespace per deployment: the
   * first workload to open an id owns the task; pick ids nobody else will (e.g. a UUID).
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
   * The task this one was delegated from, if any. A delegated task is created by DelegateTask;
   * its new owner then names it here (or just by id).
   */
  'parent_id'?: (string);
  /**
   * The providers this task will use, each with the most it will ask of it. A request for any
   * other provider, or beyond a declared scope, is refused and counted as a deviation. Empty: no
   * declaration (unless the server requires one); every provider is open to policy.
   */
  'tools'?: (_warrant_v1_Tool)[];
  /**
   * Limits of the task. Unset fields take the server's defaults; beyond its maximum: INVALID_ARGUMENT.
   */
  'budget'?: (_warrant_v1_TaskBudget | null);
}

/**
 * A unit of agent work. Credentials are granted to a task, not to an identity.
 */
export interface Task__Output {
  /**
   * Caller-chosen id, [A-Za-z0-9._:@/-]{1,128}. Task ids are one namespace per deployment: the
   * first workload to open an id owns the task; pick ids nobody else will (e.g. a UUID).
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
   * The task this one was delegated from, if any. A delegated task is created by DelegateTask;
   * its new owner then names it here (or just by id).
   */
  'parent_id': (string);
  /**
   * The providers this task will use, each with the most it will ask of it. A request for any
   * other provider, or beyond a declared scope, is refused and counted as a deviation. Empty: no
   * declaration (unless the server requires one); every provider is open to policy.
   */
  'tools': (_warrant_v1_Tool__Output)[];
  /**
   * Limits of the task. Unset fields take the server's defaults; beyond its maximum: INVALID_ARGUMENT.
   */
  'budget': (_warrant_v1_TaskBudget__Output | null);
}
