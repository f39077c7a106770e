import type { Logger } from 'pino';
import { isTerminal, type Clock, type Lease, type Trigger } from '../core/index.js';
import type { LeaseEventBus, LeaseStore } from '../leases/index.js';
import type { CredentialProvider } from '../providers/index.js';

export interface ProviderLookup {
  get(name: string): CredentialProvider | undefined;
}

export interface RevokeOptions {
  readonly trigger: Trigger;
  readonly reason?: string;
  /** When set, the lease must belong to this SPIFFE ID. */
  readonly owner?: string;
}

export interface RevokerDeps {
  readonly store: LeaseStore;
  readonly providers: ProviderLookup;
  readonly events: LeaseEventBus;
  readonly clock: Clock;
  readonly log: Logger;
}

/**
 * Carries a revocation from "accepted" to "confirmed by the provider". Accepting is one atomic
 * store step (→ revoking), so a crash or a provider outage after it loses nothing: the reaper
 * finds the lease in the revoking index and retries until the provider confirms.
 */
export class Revoker {
  readonly #d: RevokerDeps;

  constructor(deps: RevokerDeps) {
    this.#d = deps;
  }

  /** Accepts the revocation durably, then tries the provider once. Returns the lease as it stands. */
  async revoke(id: string, options: RevokeOptions): Promise<Lease> {
    const before = await this.#d.store.get(id);
    const lease = await this.#d.store.beginRevoke(id, {
      trigger: options.trigger,
      now: this.#d.clock.now(),
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      ...(options.owner === undefined ? {} : { owner: options.owner }),
    });
    if (lease.state !== 'revoking') return lease;
    if (before?.state !== 'revoking') this.#d.events.publish({ type: 'revoking', lease, at: this.#d.clock.now() });
    return this.confirm(lease);
  }

  /** Revokes a revoking lease at its provider and records the confirmation; leaves it revoking on failure. */
  async confirm(lease: Lease): Promise<Lease> {
    if (isTerminal(lease.state)) return lease;
    const provider = this.#d.providers.get(lease.provider);
    if (provider === undefined) {
      // The provider was removed from config; keep the lease revoking so it is not forgotten.
      this.#d.log.error({ leaseId: lease.id, provider: lease.provider }, 'cannot revoke: provider is not configured');
      return lease;
    }
    try {
      await provider.revoke({ leaseId: lease.id, handle: lease.handle });
    } catch (err) {
      this.#d.log.warn(
        { leaseId: lease.id, provider: lease.provider, err: errorSummary(err) },
        'provider did not confirm revocation; will retry',
      );
      return lease;
    }
    const done = await this.#d.store.finishRevoke(lease.id, this.#d.clock.now());
    this.#d.events.publish({ type: done.state === 'expired' ? 'expired' : 'revoked', lease: done, at: this.#d.clock.now() });
    return done;
  }
}

/** Error text for logs: code and message, never the whole object (which may carry request data). */
export function errorSummary(err: unknown): { code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? { code, message: err.message } : { message: err.message };
  }
  return { message: String(err) };
}
