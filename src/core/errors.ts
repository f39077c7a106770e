// Every error warrant raises carries one of these codes. The table below is the only place that
// decides the gRPC status of a code and whether its message may be shown to the caller.

export type ErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_TTL_INVALID'
  | 'ERR_SCOPE_INVALID'
  | 'ERR_UNAUTHENTICATED'
  | 'ERR_PERMISSION_DENIED'
  | 'ERR_POLICY_DENIED'
  | 'ERR_NOT_OWNER'
  | 'ERR_PROVIDER_NOT_FOUND'
  | 'ERR_LEASE_NOT_FOUND'
  | 'ERR_TASK_NOT_FOUND'
  | 'ERR_LEASE_NOT_RENEWABLE'
  | 'ERR_LEASE_AT_MAX_TTL'
  | 'ERR_IDEMPOTENCY_CONFLICT'
  | 'ERR_IDEMPOTENCY_IN_PROGRESS'
  | 'ERR_ROTATION_UNSUPPORTED'
  | 'ERR_TASK_ENDED'
  | 'ERR_TASK_CONFLICT'
  | 'ERR_TASK_BUDGET_EXHAUSTED'
  | 'ERR_TOOL_NOT_DECLARED'
  | 'ERR_DELEGATION_DENIED'
  | 'ERR_APPROVAL_NOT_FOUND'
  | 'ERR_APPROVAL_EXPIRED'
  | 'ERR_APPROVAL_DENIED'
  | 'ERR_APPROVAL_USED'
  | 'ERR_APPROVAL_MISMATCH'
  | 'ERR_APPROVAL_DECIDED'
  | 'ERR_SELF_APPROVAL'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_PROVIDER_UNAVAILABLE'
  | 'ERR_PROVIDER_FAILED'
  | 'ERR_CONFIG'
  | 'ERR_INTERNAL';

/** Numeric gRPC status codes (google.rpc.Code); core depends on no transport library. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

interface CodeRule {
  readonly status: GrpcStatusCode;
  /** true: the message is written for the caller. false: the caller gets a generic message and a correlation id. */
  readonly expose: boolean;
  /** what the caller sees when expose is false */
  readonly generic?: string;
}

export const ERROR_RULES: Readonly<Record<ErrorCode, CodeRule>> = Object.freeze({
  ERR_INVALID_ARGUMENT: { status: GrpcStatus.INVALID_ARGUMENT, expose: true },
  ERR_TTL_INVALID: { status: GrpcStatus.INVALID_ARGUMENT, expose: true },
  ERR_SCOPE_INVALID: { status: GrpcStatus.INVALID_ARGUMENT, expose: true },
  ERR_UNAUTHENTICATED: { status: GrpcStatus.UNAUTHENTICATED, expose: true },
  ERR_PERMISSION_DENIED: { status: GrpcStatus.PERMISSION_DENIED, expose: true },
  ERR_POLICY_DENIED: { status: GrpcStatus.PERMISSION_DENIED, expose: true },
  ERR_NOT_OWNER: { status: GrpcStatus.PERMISSION_DENIED, expose: true },
  ERR_PROVIDER_NOT_FOUND: { status: GrpcStatus.NOT_FOUND, expose: true },
  ERR_LEASE_NOT_FOUND: { status: GrpcStatus.NOT_FOUND, expose: true },
  ERR_TASK_NOT_FOUND: { status: GrpcStatus.NOT_FOUND, expose: true },
  ERR_LEASE_NOT_RENEWABLE: { status: GrpcStatus.FAILED_PRECONDITION, expose: true },
  ERR_LEASE_AT_MAX_TTL: { status: GrpcStatus.FAILED_PRECONDITION, expose: true },
  ERR_IDEMPOTENCY_CONFLICT: { status: GrpcStatus.ALREADY_EXISTS, expose: true },
  ERR_IDEMPOTENCY_IN_PROGRESS: { status: GrpcStatus.ABORTED, expose: true },
  ERR_ROTATION_UNSUPPORTED: { status: GrpcStatus.FAILED_PRECONDITION, expose: true },
  ERR_TASK_ENDED: { status: GrpcStatus.FAILED_PRECONDITION, expose: true },
  ERR_TASK_CONFLICT: { status: GrpcStatus.ALREADY_EXISTS, expose: true },
  ERR_TASK_BUDGET_EXHAUSTED: { status: GrpcStatus.RESOURCE_EXHAUSTED, expose: true },
  ERR_TOOL_NOT_DECLARED: { status: GrpcStatus.PERMISSION_DENIED, expose: true },
  ERR_DELEGATION_DENIED: { status: GrpcStatus.PERMISSION_DENIED, expose: true },
  ERR_APPROVAL_NOT_FOUND: { status: GrpcStatus.NOT_FOUND, expose: true },
  ERR_APPROVAL_EXPIRED: { status: GrpcStatus.FAILED_PRECONDITION, expose: true },
  ERR_APPROVAL_DENIED: { status: GrpcStatus.PERMISSION_DENIED, expose: true },
  ERR_APPROVAL_USED: { status: GrpcStatus.FAILED_PRECONDITION, expose: true },
  ERR_APPROVAL_MISMATCH: { status: GrpcStatus.FAILED_PRECONDITION, expose: true },
  ERR_APPROVAL_DECIDED: { status: GrpcStatus.FAILED_PRECONDITION, expose: true },
  ERR_SELF_APPROVAL: { status: GrpcStatus.PERMISSION_DENIED, expose: true },
  ERR_STORE_UNAVAILABLE: {
    status: GrpcStatus.UNAVAILABLE,
    expose: false,
    generic: 'lease store unavailable; nothing was issued; retry later',
  },
  ERR_PROVIDER_UNAVAILABLE: {
    status: GrpcStatus.UNAVAILABLE,
    expose: false,
    generic: 'credential provider unavailable; nothing was issued; retry later',
  },
  ERR_PROVIDER_FAILED: { status: GrpcStatus.INTERNAL, expose: false, generic: 'credential provider failed' },
  ERR_CONFIG: { status: GrpcStatus.INTERNAL, expose: false, generic: 'server misconfigured' },
  ERR_INTERNAL: { status: GrpcStatus.INTERNAL, expose: false, generic: 'internal error' },
});

export interface WarrantErrorOptions {
  cause?: unknown;
  /** Safe structured facts for the log (never secrets). */
  details?: Readonly<Record<string, unknown>>;
}

export class WarrantError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: WarrantErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WarrantError';
    this.code = code;
    this.details = options.details;
  }

  get status(): GrpcStatusCode {
    return ERROR_RULES[this.code].status;
  }

  get expose(): boolean {
    return ERROR_RULES[this.code].expose;
  }
}

export function isWarrantError(err: unknown): err is WarrantError {
  return err instanceof WarrantError;
}

/** What a caller may see of an error: its own message when exposable, else a generic one with a correlation id. */
export function publicMessage(err: WarrantError, correlationId: string): string {
  const rule = ERROR_RULES[err.code];
  if (rule.expose) return err.message;
  return `${rule.generic ?? 'internal error'} (correlation id ${correlationId})`;
}
