// A fault-injecting wrapper around a real provider: it counts every revocation that reached the
// provider (and, optionally, records it somewhere that outlives the process), can hold revocations
// back, slow them down or fail them, and tracks how many were in flight at once.
import { WarrantError } from '../../src/core/index.js';
import type { CredentialProvider, MintRequest, RevokeRequest } from '../../src/providers/index.js';

export class CountingProvider implements CredentialProvider {
  readonly inner: CredentialProvider;
  /** When set, every revocation fails with it (the provider is "down"). */
  failWith: WarrantError | undefined;
  /** Each revocation waits this long first. */
  delayMs = 0;
  /** Successful revocations per handle. */
  readonly revoked = new Map<string, number>();
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly #record: ((handle: string) => Promise<void>) | undefined;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  /** `record` is told each successful revocation before it is acknowledged (e.g. a counter in Redis). */
  constructor(inner: CredentialProvider, record?: (handle: string) => Promise<void>) {
    this.inner = inner;
    this.#record = record;
  }

  get name() {
    return this.inner.name;
  }
  get kind() {
    return this.inner.kind;
  }
  get limits() {
    return this.inner.limits;
  }
  handleFor(id: string) {
    return this.inner.handleFor(id);
  }
  resolveScope(s: readonly string[]) {
    return this.inner.resolveScope(s);
  }
  mint(r: MintRequest) {
    return this.inner.mint(r);
  }
  renew(r: Parameters<CredentialProvider['renew']>[0]) {
    return this.inner.renew(r);
  }
  close() {
    return this.inner.close();
  }

  /** Holds every revocation until release(). */
  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  /** Handles revoked more than once (a repeated revocation is harmless, but it is counted). */
  get repeats(): number {
    let n = 0;
    for (const count of this.revoked.values()) n += count - 1;
    return n;
  }

  async revoke(r: RevokeRequest): Promise<void> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.#gate !== undefined) await this.#gate;
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.failWith !== undefined) throw this.failWith;
      await this.inner.revoke(r);
      await this.#record?.(r.handle);
      this.revoked.set(r.handle, (this.revoked.get(r.handle) ?? 0) + 1);
    } finally {
      this.inFlight--;
    }
  }
}
