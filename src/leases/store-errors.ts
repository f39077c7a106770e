// The errors every lease store raises, built in one place so each backend says exactly the same thing.
import { WarrantError, formatDuration, type Lease } from '../core/index.js';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function leaseNotFound(id: string): WarrantError {
  return new WarrantError('ERR_LEASE_NOT_FOUND', `lease ${id} not found`);
}

/** Names only the caller's own identity: a non-owner learns nothing about the lease. */
export function notOwner(id: string, caller: string): WarrantError {
  return new WarrantError('ERR_NOT_OWNER', `lease ${id} is not owned by ${caller}`);
}

export function notRenewable(lease: Lease): WarrantError {
  return new WarrantError(
    'ERR_LEASE_NOT_RENEWABLE',
    `lease ${lease.id} is ${lease.state}; only an active lease can be renewed`,
    { details: { leaseId: lease.id, state: lease.state } },
  );
}

export function renewExpired(lease: Lease): WarrantError {
  return new WarrantError(
    'ERR_LEASE_NOT_RENEWABLE',
    `lease ${lease.id} expired at ${iso(lease.expiresAt)}; an expired lease cannot be renewed`,
    { details: { leaseId: lease.id, state: lease.state, expiresAt: lease.expiresAt } },
  );
}

export function atMaxTtl(lease: Lease): WarrantError {
  return new WarrantError(
    'ERR_LEASE_AT_MAX_TTL',
    `lease ${lease.id} is already at its max TTL (${formatDuration(lease.maxExpiresAt - lease.issuedAt)}, until ${iso(lease.maxExpiresAt)})`,
    { details: { leaseId: lease.id, maxExpiresAt: lease.maxExpiresAt } },
  );
}

export function notActivatable(lease: Lease): WarrantError {
  return new WarrantError(
    'ERR_LEASE_NOT_RENEWABLE',
    `lease ${lease.id} is ${lease.state}; only a pending lease can be activated`,
    { details: { leaseId: lease.id, state: lease.state } },
  );
}

export function notRevoking(lease: Lease): WarrantError {
  return new WarrantError(
    'ERR_LEASE_NOT_RENEWABLE',
    `lease ${lease.id} is ${lease.state}; only a revoking lease can finish revocation`,
    { details: { leaseId: lease.id, state: lease.state } },
  );
}

/** Lease ids are random ULIDs: a second write of one id is a caller bug, never a retry. */
export function leaseIdTaken(id: string): WarrantError {
  return new WarrantError('ERR_INTERNAL', `lease ${id} already exists`, { details: { leaseId: id } });
}

/** An idempotent create whose id did not come from the store's newLeaseId for that request. */
export function wrongPlacement(id: string): WarrantError {
  return new WarrantError('ERR_INTERNAL', `lease id ${id} was not made by the store's newLeaseId for this idempotency key`, {
    details: { leaseId: id },
  });
}

export function storeClosed(): WarrantError {
  return new WarrantError('ERR_STORE_UNAVAILABLE', 'lease store is closed');
}
