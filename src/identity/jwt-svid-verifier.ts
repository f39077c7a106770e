// JWT-SVIDs arrive on every call, so a repeated bearer must cost a map lookup, not a signature
// check. Verified tokens are remembered by their exact text until they expire, in a bounded LRU
// that empties whenever the trust bundles change (a removed key must stop working at once).
import { verifyJwtSvid, type JwtSvidPolicy } from './jwt-svid.js';
import type { TrustBundleSet } from './trust-bundle.js';
import type { Workload } from './workload.js';

export interface JwtSvidVerifierOptions extends JwtSvidPolicy {
  /** verified tokens kept; default 10,000 */
  readonly cacheSize?: number;
}

const DEFAULT_CACHE_SIZE = 10_000;

export class JwtSvidVerifier {
  readonly #policy: JwtSvidPolicy;
  readonly #cacheSize: number;
  /** insertion order is recency order: a hit moves its entry to the end */
  readonly #verified = new Map<string, Workload>();
  #generation = -1;

  constructor(options: JwtSvidVerifierOptions) {
    if (options.audiences.length === 0 || options.audiences.some((a) => typeof a !== 'string' || a === '')) {
      throw new TypeError('JwtSvidVerifier: audiences must be a non-empty list of non-empty strings');
    }
    if (!Number.isFinite(options.maxClockSkewMs) || options.maxClockSkewMs < 0) {
      throw new TypeError('JwtSvidVerifier: maxClockSkewMs must be a non-negative number');
    }
    this.#policy = { audiences: Object.freeze([...options.audiences]), maxClockSkewMs: options.maxClockSkewMs };
    this.#cacheSize = Math.max(0, Math.floor(options.cacheSize ?? DEFAULT_CACHE_SIZE));
  }

  get audiences(): readonly string[] {
    return this.#policy.audiences;
  }

  /** Verifies `token` (see verifyJwtSvid), from the cache when it was verified under the same bundles. */
  verify(token: string, bundles: TrustBundleSet, nowMs: number): Workload {
    if (bundles.generation !== this.#generation) {
      this.#verified.clear();
      this.#generation = bundles.generation;
    }
    const hit = this.#verified.get(token);
    if (hit !== undefined) {
      this.#verified.delete(token);
      // Past its expiry a cached token is verified again, so the caller hears the exact reason.
      if (nowMs < hit.svidExpiresAt + this.#policy.maxClockSkewMs) {
        this.#verified.set(token, hit);
        return hit;
      }
    }
    const workload = verifyJwtSvid(token, bundles, this.#policy, nowMs);
    if (this.#cacheSize > 0) {
      if (this.#verified.size >= this.#cacheSize) {
        const oldest = this.#verified.keys().next();
        if (oldest.done !== true) this.#verified.delete(oldest.value);
      }
      this.#verified.set(token, workload);
    }
    return workload;
  }

  /** Tokens currently remembered (for tests and metrics). */
  get cached(): number {
    return this.#verified.size;
  }
}
