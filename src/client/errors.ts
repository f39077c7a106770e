import { status, type ServiceError } from '@grpc/grpc-js';

/** One class per gRPC status a caller acts on differently. `code` is the server's ERR_* code when it sent one. */
export class WarrantClientError extends Error {
  readonly grpcCode: status;
  readonly code: string | undefined;
  readonly correlationId: string | undefined;
  constructor(message: string, grpcCode: status, code: string | undefined, correlationId: string | undefined) {
    super(message);
    this.name = new.target.name;
    this.grpcCode = grpcCode;
    this.code = code;
    this.correlationId = correlationId;
  }
}
export class InvalidArgumentError extends WarrantClientError {}
export class UnauthenticatedError extends WarrantClientError {}
export class PermissionDeniedError extends WarrantClientError {}
export class NotFoundError extends WarrantClientError {}
export class FailedPreconditionError extends WarrantClientError {}
export class UnavailableError extends WarrantClientError {}
/** ALREADY_EXISTS (idempotency key reused for another request) and ABORTED (first request still minting: retry). */
export class ConflictError extends WarrantClientError {}
/** The call's deadline passed; the server may or may not have acted on it. */
export class DeadlineExceededError extends WarrantClientError {}
/** A fault on the server's side; `correlationId` finds the detail in the server's log. */
export class InternalError extends WarrantClientError {}

const BY_STATUS: Partial<Record<status, typeof WarrantClientError>> = {
  [status.INVALID_ARGUMENT]: InvalidArgumentError,
  [status.UNAUTHENTICATED]: UnauthenticatedError,
  [status.PERMISSION_DENIED]: PermissionDeniedError,
  [status.NOT_FOUND]: NotFoundError,
  [status.FAILED_PRECONDITION]: FailedPreconditionError,
  [status.UNAVAILABLE]: UnavailableError,
  [status.ALREADY_EXISTS]: ConflictError,
  [status.ABORTED]: ConflictError,
  [status.DEADLINE_EXCEEDED]: DeadlineExceededError,
  [status.INTERNAL]: InternalError,
  [status.UNKNOWN]: InternalError,
};

export function fromServiceError(err: ServiceError): WarrantClientError {
  const code = err.metadata?.get('warrant-error-code')[0];
  const corr = err.metadata?.get('warrant-correlation-id')[0];
  const Cls = BY_STATUS[err.code] ?? WarrantClientError;
  return new Cls(err.details || err.message, err.code, typeof code === 'string' ? code : undefined, typeof corr === 'string' ? corr : undefined);
}
