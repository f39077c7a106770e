// The revocation area's public face: the revoker (durable queue worker), the reaper, and mass revocation.
export { Reaper, type ReapResult, type ReaperOptions } from './reaper.js';
export {
  Revoker,
  errorSummary,
  type DrainResult,
  type EndedLease,
  type ProviderLookup,
  type RevocationHooks,
  type RevokeOptions,
  type RevokerDeps,
  type RevokerOptions,
} from './revoker.js';
export {
  MassRevocation,
  type MassRevocationDeps,
  type MassRevocationOptions,
  type MassRevocationProgress,
  type MassRevocationRequest,
  type MassRevocationResult,
  type RunOptions,
} from './mass-revocation.js';
export { retryDelay, type BackoffOptions } from './backoff.js';
export { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js';
