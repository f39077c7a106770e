export {
  ERROR_RULES,
  GrpcStatus,
  WarrantError,
  isWarrantError,
  publicMessage,
  type ErrorCode,
  type GrpcStatusCode,
  type WarrantErrorOptions,
} from './errors.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export { isLeaseId, leaseIdTime, newCorrelationId, newLeaseId } from './ids.js';
export {
  LEASE_STATES,
  PROVIDER_KINDS,
  TRIGGERS,
  isTerminal,
  type Lease,
  type LeaseState,
  type ProviderKind,
  type Trigger,
} from './lease.js';
export type {
  AwsSessionCredential,
  Credential,
  DatabaseLoginCredential,
  OAuthTokenCredential,
} from './credential.js';
export { formatDuration, parseDuration } from './duration.js';
export { Batcher } from './batcher.js';
export { sha256Hex } from './digest.js';
