import type { Credential, Lease, LeaseState, Trigger } from '../core/index.js';
import type { BudgetInput, ToolInput } from './task-types.js';

export interface TaskInput {
  readonly id: string;
  readonly purpose: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The task this one was delegated from; '' for none. A delegated task is created by DelegateTask. */
  readonly parentId: string;
  /** The providers the task will use; absent or empty: none declared. */
  readonly tools?: readonly ToolInput[];
  readonly budget?: BudgetInput;
}

export interface IssueInput {
  readonly task: TaskInput;
  readonly provider: string;
  readonly scope: readonly string[];
  /** Undefined: the provider's default. */
  readonly ttlMs: number | undefined;
  readonly idempotencyKey: string;
  /** The approval this request was granted; absent or '': looked up by the request itself. */
  readonly approvalId?: string;
}

export interface IssueOutput {
  readonly lease: Lease;
  /** Absent when a retried request finds a lease whose credential cannot be delivered again. */
  readonly credential: Credential | undefined;
}

export interface RenewOutput {
  readonly lease: Lease;
  readonly credential: Credential | undefined;
}

export interface LeaseSelector {
  readonly leaseIds: readonly string[];
  readonly taskId: string;
  readonly spiffeId: string;
  readonly spiffeIdPrefix: string;
  readonly trustDomain: string;
  readonly provider: string;
  readonly issuedBefore: number | undefined;
  readonly issuedAfter: number | undefined;
  readonly all: boolean;
  readonly states: readonly LeaseState[];
}

export interface RevokeMatchingOptions {
  /** Count and sample only. */
  readonly dryRun: boolean;
  /** operator (default), deviation or identity. */
  readonly trigger?: Trigger;
  /** How long to wait for provider confirmations once everything is accepted (default 60 s). */
  readonly confirmTimeoutMs?: number;
  /** Ends the wait early (the caller went away); the revocation itself goes on. */
  readonly signal?: AbortSignal;
}

export interface RevokeProgress {
  readonly matched: number;
  /** Moved to revoking by this request. */
  readonly accepted: number;
  /** Matched but already revoking for an earlier reason. */
  readonly alreadyRevoking: number;
  /** Confirmed by the provider (revoked or expired). */
  readonly revoked: number;
  /** Accepted, not yet confirmed: retried in the background. */
  readonly revoking: number;
  /** Given up on: revocation_failed. */
  readonly failed: number;
  readonly sample: readonly Lease[];
  readonly failures: readonly string[];
  /** The durable operation ('' for a dry run). */
  readonly operationId: string;
  readonly selecting: boolean;
  readonly done: boolean;
}

/** RFC 7662 §2.2 response. */
export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly scope?: string;
      readonly client_id: string;
      readonly sub: string;
      readonly aud: string | string[];
      readonly iss: string;
      readonly exp: number;
      readonly iat: number;
      readonly jti: string;
      readonly token_type: 'Bearer';
      readonly task_id: string;
      /** RFC 8693 §4.1: the delegation a token of a delegated task carries. */
      readonly act?: IntrospectionActor;
    };

export interface IntrospectionActor {
  readonly sub: string;
  readonly act?: IntrospectionActor;
}
