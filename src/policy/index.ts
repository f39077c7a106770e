export { PolicyEngine } from './engine.js';
export { PolicyLoadError } from './load-error.js';
export { WARRANT_SCHEMA } from './schema.js';
export {
  POLICY_ACTIONS,
  type Decision,
  type PolicyAction,
  type PolicyEngineOptions,
  type PolicyEngineStats,
  type PolicyInput,
  type PolicyPrincipal,
} from './decision.js';
export type { GroupConfig } from './groups.js';
