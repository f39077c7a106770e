export {
  ConflictError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
  WarrantClientError,
  fromServiceError,
} from './errors.js';
export {
  WarrantClient,
  type CallOptions,
  type ClientStats,
  type FileSource,
  type RotatedEvent,
  type WarrantClientEvents,
  type WarrantClientOptions,
  type WorkloadApiConnection,
} from './warrant-client.js';
export {
  CredentialHandle,
  type ApprovalOptions,
  type ApprovalPendingEvent,
  type CredentialHandleEvents,
  type CredentialRequest,
  type ExpiringEvent,
  type HandleState,
  type ReissuedEvent,
  type RenewedEvent,
  type RetryInfo,
  type RevokedEvent,
  type TaskSpec,
} from './credential-handle.js';
export {
  credentialFromPb,
  isEnding,
  leaseEventFromPb,
  leaseFromPb,
  type AwsSessionCredential,
  type Credential,
  type DatabaseLoginCredential,
  type Lease,
  type LeaseEvent,
  type LeaseEventType,
  type LeaseState,
  type OAuthTokenCredential,
  type Trigger,
} from './lease-view.js';
export { approvalFromPb, pendingApprovalFromPb, type Approval, type ApprovalState, type PendingApproval } from './approval-view.js';
export { approvalRefusal, approvalTimeout, type ApprovalWaitOptions } from './approval-wait.js';
export { StaticSvidSource, type SvidSource, type X509Material } from './svid-source.js';
export { FileSvidSource, SvidSourceError, type SvidFiles } from './file-svid-source.js';
export { WorkloadApiSvidSource, type WorkloadApiSourceOptions } from './workload-api-svid-source.js';
export type { TaskSubscriber } from './task-watch.js';
