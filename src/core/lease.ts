// The typed lease record shared by every area. A lease never holds a secret: only what is needed to
// find and revoke the credential at its provider (the handle), derivable from the lease id.

export const LEASE_STATES = ['pending', 'active', 'revoking', 'revoked', 'expired', 'revocation_failed'] as const;
export type LeaseState = (typeof LEASE_STATES)[number];

export const TRIGGERS = [
  'task_completed',
  'expired',
  'operator',
  'owner',
  'deviation',
  'identity',
  'parent_revoked',
] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const PROVIDER_KINDS = ['aws-sts', 'oauth-jwt', 'oauth-client', 'postgres', 'mysql'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export interface Lease {
  readonly id: string;
  readonly state: LeaseState;
  /** SPIFFE ID of the workload that obtained the lease. */
  readonly owner: string;
  readonly trustDomain: string;
  readonly taskId: string;
  readonly provider: string;
  readonly providerKind: ProviderKind;
  /** What the credential may do, in the provider's terms, after intersection with policy and ceiling. */
  readonly scope: readonly string[];
  /** Secret-free revocation handle (e.g. a database user name), derivable from the lease id. */
  readonly handle: string;
  /** All times are milliseconds since the Unix epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly maxExpiresAt: number;
  readonly renewals: number;
  readonly idempotencyKey?: string;
  readonly revokeRequestedAt?: number;
  readonly revokedAt?: number;
  readonly trigger?: Trigger;
  /** Human reason given with a revocation (operator text; never secret). */
  readonly reason?: string;
  /** Failed attempts to revoke at the provider so far (while revoking or revocation_failed). */
  readonly revocationAttempts?: number;
  /** Error code of the last failed attempt (a code only: provider messages may carry detail). */
  readonly revocationError?: string;
}

export function isTerminal(state: LeaseState): boolean {
  return state === 'revoked' || state === 'expired' || state === 'revocation_failed';
}
