// Original file: proto/warrant/v1/credential_service.proto

import type { Task as _warrant_v1_Task, Task__Output as _warrant_v1_Task__Output } from '../../warrant/v1/Task.js';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';

export interface IssueTaskCredentialRequest {
  'task'?: (_warrant_v1_Task | null);
  /**
   * Configured provider name, e.g. "orders-db".
   */
  'provider'?: (string);
  /**
   * What the credential should be able to do, in the provider's terms (OAuth scopes,
   * "SELECT:sales.orders", "s3:GetObject=arn:aws:s3:::bucket/*", …). Empty: the provider's default.
   */
  'scope'?: (string)[];
  /**
   * Unset: the provider's default. Beyond the provider's maximum: INVALID_ARGUMENT.
   */
  'ttl'?: (_google_protobuf_Duration | null);
  /**
   * A retried request with the same key from the same workload returns the same lease.
   * [A-Za-z0-9._:-]{1,128}.
   */
  'idempotency_key'?: (string);
  /**
   * The approval granted for this exact request. Empty: an approved approval for the same request
   * is found by the request itself, so resending it after approval works too.
   */
  'approval_id'?: (string);
}

export interface IssueTaskCredentialRequest__Output {
  'task': (_warrant_v1_Task__Output | null);
  /**
   * Configured provider name, e.g. "orders-db".
   */
  'provider': (string);
  /**
   * What the credential should be able to do, in the provider's terms (OAuth scopes,
   * "SELECT:sales.orders", "s3:GetObject=arn:aws:s3:::bucket/*", …). Empty: the provider's default.
   */
  'scope': (string)[];
  /**
   * Unset: the provider's default. Beyond the provider's maximum: INVALID_ARGUMENT.
   */
  'ttl': (_google_protobuf_Duration__Output | null);
  /**
   * A retried request with the same key from the same workload returns the same lease.
   * [A-Za-z0-9._:-]{1,128}.
   */
  'idempotency_key': (string);
  /**
   * The approval granted for this exact request. Empty: an approved approval for the same request
   * is found by the request itself, so resending it after approval works too.
   */
  'approval_id': (string);
}
