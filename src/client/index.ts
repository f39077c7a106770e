export {
  ConflictError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
  WarrantClientError,
  fromServiceError,
} from './errors.js';
export { WarrantClient, type FileSource, type WarrantClientOptions } from './warrant-client.js';
