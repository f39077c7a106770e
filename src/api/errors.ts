import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { WarrantError, isWarrantError, newCorrelationId, publicMessage } from '../core/index.js';

/** The one place an error becomes a gRPC status. Internal detail goes to the log, never to the caller. */
export function toServiceError(err: unknown, log: Logger, method: string): Partial<grpc.StatusObject> {
  const werr = isWarrantError(err) ? err : new WarrantError('ERR_INTERNAL', 'unexpected error', { cause: err });
  const correlationId = newCorrelationId();
  if (!werr.expose) {
    const cause = werr.cause instanceof Error ? { name: werr.cause.name, message: werr.cause.message, stack: werr.cause.stack } : werr.cause;
    log.error({ method, code: werr.code, correlationId, err: { message: werr.message, cause }, details: werr.details }, 'request failed');
  } else {
    log.debug({ method, code: werr.code }, werr.message);
  }
  const metadata = new grpc.Metadata();
  metadata.set('warrant-error-code', werr.code);
  if (!werr.expose) metadata.set('warrant-correlation-id', correlationId);
  return { code: werr.status as number as grpc.status, details: publicMessage(werr, correlationId), metadata };
}
