import type { Credential, Lease, LeaseState } from '../core/index.js';

export interface TaskInput {
  readonly id: string;
  readonly purpose: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly parentId: string;
}

export interface IssueInput {
  readonly task: TaskInput;
  readonly provider: string;
  readonly scope: readonly string[];
  /** Undefined: the provider's default. */
  readonly ttlMs: number | undefined;
  readonly idempotencyKey: string;
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

export interface RevokeProgress {
  readonly matched: number;
  readonly revoked: number;
  readonly failed: number;
  readonly sample: readonly Lease[];
  readonly failures: readonly string[];
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
    };
