import { WarrantError, type Lease } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';
import type { DatabaseProviderConfig } from './config.js';
import { checkWithinCeiling, parseScopeEntry, type DatabaseEngine } from './scope.js';

/**
 * The expiry a database login may be renewed to, after the checks both engines share: the provider
 * renews, the ceiling still covers what the lease was granted, and the lease has time left.
 */
export function renewalExpiry(
  lease: Lease,
  requestedExpiresAt: number,
  config: DatabaseProviderConfig,
  engine: DatabaseEngine,
  providerName: string,
  now: number,
): number {
  if (!config.renewable) {
    throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `provider '${providerName}' does not renew logins; request a new credential`);
  }
  // The ceiling may have shrunk since the lease was issued; a renewal never extends what it dropped.
  for (const entry of lease.scope) {
    try {
      for (const p of parseScopeEntry(entry, engine, providerName)) checkWithinCeiling(p, config.ceiling, providerName, entry);
    } catch {
      throw new WarrantError(
        'ERR_LEASE_NOT_RENEWABLE',
        `lease ${lease.id}: scope ${quoteForMessage(entry)} is no longer within the ceiling of provider '${providerName}'`,
      );
    }
  }
  const validUntil = Math.min(requestedExpiresAt, lease.maxExpiresAt, lease.issuedAt + config.maxTtlMs);
  if (validUntil <= now) throw new WarrantError('ERR_LEASE_AT_MAX_TTL', `lease ${lease.id} has reached its maximum lifetime`);
  return validUntil;
}
