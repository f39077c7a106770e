// Original file: proto/warrant/v1/types.proto

export const LeaseState = {
  LEASE_STATE_UNSPECIFIED: 'LEASE_STATE_UNSPECIFIED',
  /**
   * Written before the credential is minted; a crash here is cleaned up by the reaper.
   */
  LEASE_STATE_PENDING: 'LEASE_STATE_PENDING',
  LEASE_STATE_ACTIVE: 'LEASE_STATE_ACTIVE',
  /**
   * Revocation accepted and durable; waiting for the provider to confirm.
   */
  LEASE_STATE_REVOKING: 'LEASE_STATE_REVOKING',
  LEASE_STATE_REVOKED: 'LEASE_STATE_REVOKED',
  /**
   * Reached its expiry and was revoked at the provider.
   */
  LEASE_STATE_EXPIRED: 'LEASE_STATE_EXPIRED',
  /**
   * The provider never confirmed within the give-up window; needs an operator.
   */
  LEASE_STATE_REVOCATION_FAILED: 'LEASE_STATE_REVOCATION_FAILED',
} as const;

export type LeaseState =
  | 'LEASE_STATE_UNSPECIFIED'
  | 0
  /**
   * Written before the credential is minted; a crash here is cleaned up by the reaper.
   */
  | 'LEASE_STATE_PENDING'
  | 1
  | 'LEASE_STATE_ACTIVE'
  | 2
  /**
   * Revocation accepted and durable; waiting for the provider to confirm.
   */
  | 'LEASE_STATE_REVOKING'
  | 3
  | 'LEASE_STATE_REVOKED'
  | 4
  /**
   * Reached its expiry and was revoked at the provider.
   */
  | 'LEASE_STATE_EXPIRED'
  | 5
  /**
   * The provider never confirmed within the give-up window; needs an operator.
   */
  | 'LEASE_STATE_REVOCATION_FAILED'
  | 6

export type LeaseState__Output = typeof LeaseState[keyof typeof LeaseState]
