// Tokens this process minted, kept in its memory only until they expire, because RFC 7009 revokes
// a token by its value and the value is never stored anywhere else (not in the lease, not in
// Redis, not in the audit log). A restart, or a revocation handled by another replica, finds
// nothing here: that token then lives until its expiry, which maxTtl bounds.

export type Held =
  | { readonly state: 'held'; readonly token: string; readonly expiresAt: number }
  /** The server cannot revoke it: only its expiry is kept, for the audit notice. */
  | { readonly state: 'unrevocable'; readonly expiresAt: number }
  /** Revoked (or reported as unrevocable) already; kept until expiry so a repeat is a no-op. */
  | { readonly state: 'done'; readonly expiresAt: number };

export class HeldTokens {
  readonly #tokens = new Map<string, Held>();

  get size(): number {
    return this.#tokens.size;
  }

  hold(leaseId: string, held: Held): void {
    this.#tokens.set(leaseId, held);
  }

  get(leaseId: string, nowMs: number): Held | undefined {
    const held = this.#tokens.get(leaseId);
    if (held === undefined) return undefined;
    if (held.expiresAt <= nowMs) {
      this.#tokens.delete(leaseId);
      return undefined;
    }
    return held;
  }

  /** Drops the token, remembering until its expiry that its revocation is done. */
  done(leaseId: string): void {
    const held = this.#tokens.get(leaseId);
    if (held !== undefined) this.#tokens.set(leaseId, { state: 'done', expiresAt: held.expiresAt });
  }

  /** Drops expired entries from the oldest end; minting order is close to expiry order, so this is cheap. */
  sweep(nowMs: number): void {
    for (const [leaseId, held] of this.#tokens) {
      if (held.expiresAt > nowMs) break;
      this.#tokens.delete(leaseId);
    }
  }

  clear(): void {
    this.#tokens.clear();
  }
}
