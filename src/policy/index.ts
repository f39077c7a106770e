export { PolicyEngine } from './engine.js';
export { PolicyLoadError } from './load-error.js';
export { WARRANT_SCHEMA } from './schema.js';
export {
  POLICY_ACTIONS,
  type Decision,
  type PolicyAction,
  type PolicyEngineOptions,
  type PolicyEngineStats,
  type PolicyInfo,
  type PolicyInput,
  type PolicyPrincipal,
  type PolicyTask,
} from './decision.js';
export type { GroupConfig } from './groups.js';
export { PolicyReloader, type PolicyReloaderOptions, type ReloadResult, type ReloadTrigger } from './reloader.js';
