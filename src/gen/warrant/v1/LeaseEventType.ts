// Original file: proto/warrant/v1/credential_service.proto

export const LeaseEventType = {
  LEASE_EVENT_TYPE_UNSPECIFIED: 'LEASE_EVENT_TYPE_UNSPECIFIED',
  LEASE_EVENT_TYPE_ISSUED: 'LEASE_EVENT_TYPE_ISSUED',
  LEASE_EVENT_TYPE_RENEWED: 'LEASE_EVENT_TYPE_RENEWED',
  LEASE_EVENT_TYPE_REVOKING: 'LEASE_EVENT_TYPE_REVOKING',
  LEASE_EVENT_TYPE_REVOKED: 'LEASE_EVENT_TYPE_REVOKED',
  LEASE_EVENT_TYPE_EXPIRED: 'LEASE_EVENT_TYPE_EXPIRED',
  /**
   * The provider never confirmed within the give-up window; needs an operator.
   */
  LEASE_EVENT_TYPE_REVOCATION_FAILED: 'LEASE_EVENT_TYPE_REVOCATION_FAILED',
} as const;

export type LeaseEventType =
  | 'LEASE_EVENT_TYPE_UNSPECIFIED'
  | 0
  | 'LEASE_EVENT_TYPE_ISSUED'
  | 1
  | 'LEASE_EVENT_TYPE_RENEWED'
  | 2
  | 'LEASE_EVENT_TYPE_REVOKING'
  | 3
  | 'LEASE_EVENT_TYPE_REVOKED'
  | 4
  | 'LEASE_EVENT_TYPE_EXPIRED'
  | 5
  /**
   * The provider never confirmed within the give-up window; needs an operator.
   */
  | 'LEASE_EVENT_TYPE_REVOCATION_FAILED'
  | 6

export type LeaseEventType__Output = typeof LeaseEventType[keyof typeof LeaseEventType]
