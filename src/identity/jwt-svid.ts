// Verifies a JWT-SVID (github.com/spiffe/spiffe standards/JWT-SVID.md) and says which workload it
// proves. The JWS is checked by hand with node:crypto, synchronously: the algorithm allow-list, the
// header, the key lookup by `kid` in the subject's own trust domain and the signature are each a
// few lines, and a library's generality (other algorithms, embedded keys, `crit`) is exactly what
// JWT-SVID §2 forbids.
import { constants, verify as verifySignature, type KeyObject } from 'node:crypto';
import { IdentityError, quoteInput } from './identity-error.js';
import { JWT_SVID_ALGORITHMS, type JwtAuthority, type JwtSvidAlgorithm } from './spiffe-bundle.js';
import { parseSpiffeId, SpiffeIdError, type SpiffeId } from './spiffe-id.js';
import { jwtAuthorityFor, type TrustBundleSet } from './trust-bundle.js';
import type { Workload } from './workload.js';

export type JwtSvidRule =
  | 'malformed'
  | 'header'
  | 'algorithm'
  | 'typ'
  | 'key-id'
  | 'subject'
  | 'untrusted-trust-domain'
  | 'unknown-key'
  | 'key-mismatch'
  | 'signature'
  | 'expiry'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'audience';

export class JwtSvidError extends IdentityError<JwtSvidRule> {
  override readonly name = 'JwtSvidError';
  /** the token's SPIFFE ID when it was read before the failure (unverified unless the rule comes after `signature`) */
  readonly spiffeId: string | undefined;

  constructor(rule: JwtSvidRule, message: string, spiffeId?: string, options?: { cause?: unknown }) {
    super(rule, message, options);
    this.spiffeId = spiffeId;
  }
}

export interface JwtSvidPolicy {
  /** the values warrant identifies with; a token's `aud` must contain at least one (JWT-SVID §3.2) */
  readonly audiences: readonly string[];
  /** leeway for `exp`, `nbf` and `iat` against this host's clock */
  readonly maxClockSkewMs: number;
}

/** Longest token accepted; JWT-SVIDs are a few hundred bytes, and every byte past this is an attack. */
export const MAX_JWT_SVID_LENGTH = 8192;
/** The only JOSE header members JWT-SVID §2 permits. */
const ALLOWED_HEADER = new Set(['alg', 'kid', 'typ']);
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface AlgorithmProfile {
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly family: 'rsa' | 'pss' | 'ec';
  /** EC: node's curve name and the raw r||s signature length (RFC 7518 §3.4) */
  readonly curve?: string;
  readonly signatureBytes?: number;
}

const PROFILES: Readonly<Record<JwtSvidAlgorithm, AlgorithmProfile>> = {
  RS256: { hash: 'sha256', family: 'rsa' },
  RS384: { hash: 'sha384', family: 'rsa' },
  RS512: { hash: 'sha512', family: 'rsa' },
  PS256: { hash: 'sha256', family: 'pss' },
  PS384: { hash: 'sha384', family: 'pss' },
  PS512: { hash: 'sha512', family: 'pss' },
  ES256: { hash: 'sha256', family: 'ec', curve: 'prime256v1', signatureBytes: 64 },
  ES384: { hash: 'sha384', family: 'ec', curve: 'secp384r1', signatureBytes: 96 },
  ES512: { hash: 'sha512', family: 'ec', curve: 'secp521r1', signatureBytes: 132 },
};
const SALT_BYTES = { sha256: 32, sha384: 48, sha512: 64 } as const;

type Json = Record<string, unknown>;

function isAllowedAlgorithm(alg: unknown): alg is JwtSvidAlgorithm {
  return typeof alg === 'string' && Object.hasOwn(PROFILES, alg);
}

/** Strict base64url: the alphabet, no padding, and only the canonical encoding of its bytes. */
function decodePart(part: string, what: string): Buffer {
  const bytes = BASE64URL.test(part) ? Buffer.from(part, 'base64url') : undefined;
  if (bytes === undefined || bytes.toString('base64url') !== part) {
    throw new JwtSvidError('malformed', `JWT-SVID rejected: its ${what} is not base64url (JWS Compact Serialization, RFC 7515 §3.1)`);
  }
  return bytes;
}

function decodeJson(part: string, what: string): Json {
  const bytes = decodePart(part, what);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new JwtSvidError('malformed', `JWT-SVID rejected: its ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtSvidError('malformed', `JWT-SVID rejected: its ${what} is not a JSON object`);
  }
  return value as Json;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** Why `key` cannot check a signature made with `alg`, or undefined when it can. */
function keyMismatch(alg: JwtSvidAlgorithm, authority: JwtAuthority): string | undefined {
  if (authority.alg !== undefined && authority.alg !== alg) return `the key is published for ${authority.alg} only`;
  const profile = PROFILES[alg];
  const key = authority.publicKey;
  if (profile.family === 'ec') {
    if (key.asymmetricKeyType !== 'ec') return `${alg} needs an EC key and the key is ${key.asymmetricKeyType ?? 'unknown'}`;
    if (key.asymmetricKeyDetails?.namedCurve !== profile.curve) return `${alg} needs curve ${profile.curve} and the key is on ${key.asymmetricKeyDetails?.namedCurve ?? 'another curve'}`;
    return undefined;
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    return `${alg} needs an RSA key and the key is ${key.asymmetricKeyType ?? 'unknown'}`;
  }
  return undefined;
}

function signatureHolds(alg: JwtSvidAlgorithm, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  const profile = PROFILES[alg];
  try {
    if (profile.family === 'ec') {
      // RFC 7518 §3.4: a JWS ECDSA signature is r||s of exactly twice the coordinate size.
      if (signature.length !== profile.signatureBytes) return false;
      return verifySignature(profile.hash, signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (profile.family === 'pss') {
      // RFC 7518 §3.5: the salt is as long as the hash.
      return verifySignature(
        profile.hash,
        signingInput,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: SALT_BYTES[profile.hash] },
        signature,
      );
    }
    return verifySignature(profile.hash, signingInput, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}

function named(id: SpiffeId): string {
  return `JWT-SVID for ${id.toString()}`;
}

function checkAudience(aud: unknown, accepted: readonly string[], id: SpiffeId): void {
  const prefix = `${named(id)} rejected:`;
  if (aud === undefined) {
    throw new JwtSvidError('audience', `${prefix} it has no aud claim; aud is required (JWT-SVID §3.2)`, id.toString());
  }
  const values = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
    throw new JwtSvidError(
      'audience',
      `${prefix} its aud claim must be a string or a non-empty array of strings (JWT-SVID §3.2, RFC 7519 §4.1.3)`,
      id.toString(),
    );
  }
  if (!values.some((v) => accepted.includes(v as string))) {
    const shown = values.slice(0, 4).map((v) => quoteInput(v as string)).join(', ');
    throw new JwtSvidError(
      'audience',
      `${prefix} its audience ${shown}${values.length > 4 ? ', …' : ''} does not include this server's (${accepted.map((a) => quoteInput(a)).join(', ')}) (JWT-SVID §3.2)`,
      id.toString(),
    );
  }
}

function checkTimes(payload: Json, policy: JwtSvidPolicy, nowMs: number, id: SpiffeId): number {
  const prefix = `${named(id)} rejected:`;
  const skew = policy.maxClockSkewMs;
  const exp = payload['exp'];
  if (exp === undefined) {
    throw new JwtSvidError('expiry', `${prefix} it has no exp claim; exp is required (JWT-SVID §3.3)`, id.toString());
  }
  if (!isNumericDate(exp)) {
    throw new JwtSvidError('expiry', `${prefix} its exp claim is not a NumericDate (RFC 7519 §4.1.4)`, id.toString());
  }
  const expMs = Math.floor(exp * 1000);
  if (nowMs >= expMs + skew) {
    throw new JwtSvidError(
      'expired',
      `${prefix} it expired at ${iso(expMs)} (now ${iso(nowMs)}, allowed clock skew ${skew / 1000}s) (JWT-SVID §3.3)`,
      id.toString(),
    );
  }
  const nbf = payload['nbf'];
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) {
      throw new JwtSvidError('not-yet-valid', `${prefix} its nbf claim is not a NumericDate (RFC 7519 §4.1.5)`, id.toString());
    }
    if (nowMs + skew < nbf * 1000) {
      throw new JwtSvidError(
        'not-yet-valid',
        `${prefix} it is not valid before ${iso(nbf * 1000)} (now ${iso(nowMs)}, allowed clock skew ${skew / 1000}s) (RFC 7519 §4.1.5)`,
        id.toString(),
      );
    }
  }
  const iat = payload['iat'];
  if (iat !== undefined) {
    if (!isNumericDate(iat)) {
      throw new JwtSvidError('issued-in-future', `${prefix} its iat claim is not a NumericDate (RFC 7519 §4.1.6)`, id.toString());
    }
    if (nowMs + skew < iat * 1000) {
      throw new JwtSvidError(
        'issued-in-future',
        `${prefix} it claims to be issued at ${iso(iat * 1000)}, in the future (now ${iso(nowMs)}, allowed clock skew ${skew / 1000}s) (RFC 7519 §4.1.6)`,
        id.toString(),
      );
    }
  }
  return expMs;
}

/**
 * Verifies a JWT-SVID in JWS Compact Serialization against the JWT authorities of the trust domain
 * named by its `sub`, never another trust domain's. Returns the workload it proves, whose
 * `svidExpiresAt` is the token's `exp`; throws JwtSvidError naming the broken rule. Messages never
 * hold the token or key material.
 */
export function verifyJwtSvid(token: string, bundles: TrustBundleSet, policy: JwtSvidPolicy, nowMs: number): Workload {
  if (!Number.isFinite(nowMs)) throw new TypeError('verifyJwtSvid: nowMs must be a finite number of ms since the epoch');
  if (typeof token !== 'string' || token.length === 0) {
    throw new JwtSvidError('malformed', 'JWT-SVID rejected: the token is empty');
  }
  if (token.length > MAX_JWT_SVID_LENGTH) {
    throw new JwtSvidError('malformed', `JWT-SVID rejected: the token is ${token.length} characters; at most ${MAX_JWT_SVID_LENGTH} are accepted`);
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new JwtSvidError(
      'malformed',
      `JWT-SVID rejected: it has ${parts.length} dot-separated parts; a JWS Compact Serialization has 3 (JWT-SVID §5.1, RFC 7515 §3.1)`,
    );
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart, 'header');

  // JWT-SVID §2: only alg, kid and typ may appear; jwk, jku, x5u, x5c, crit, … would let a token pick its own key.
  const extra = Object.keys(header).filter((name) => !ALLOWED_HEADER.has(name));
  if (extra.length > 0) {
    throw new JwtSvidError(
      'header',
      `JWT-SVID rejected: its header has ${extra.slice(0, 4).map((n) => quoteInput(n)).join(', ')}; only alg, kid and typ are allowed (JWT-SVID §2)`,
    );
  }
  // JWT-SVID §2.1 and §4: the algorithm is checked before anything else is trusted.
  const alg = header['alg'];
  if (!isAllowedAlgorithm(alg)) {
    const what = alg === undefined ? 'no alg' : `alg ${quoteInput(String(alg))}`;
    const hint =
      typeof alg === 'string' && alg.toLowerCase() === 'none'
        ? ' (an unsigned token proves nothing)'
        : typeof alg === 'string' && alg.startsWith('HS')
          ? ' (a MAC with a shared secret is not an SVID)'
          : '';
    throw new JwtSvidError(
      'algorithm',
      `JWT-SVID rejected: its header has ${what}${hint}; allowed: ${JWT_SVID_ALGORITHMS.join(', ')} (JWT-SVID §2.1)`,
    );
  }
  const typ = header['typ'];
  if (typ !== undefined && typ !== 'JWT' && typ !== 'JOSE') {
    throw new JwtSvidError('typ', `JWT-SVID rejected: its header has typ ${quoteInput(String(typ))}; when set, typ is JWT or JOSE (JWT-SVID §2.3)`);
  }
  const kid = header['kid'];
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new JwtSvidError(
      'key-id',
      'JWT-SVID rejected: its header has no kid; the signing key is found by key ID among the JWT authorities of the subject\'s trust domain (JWT-SVID §6)',
    );
  }

  const payload = decodeJson(payloadPart, 'payload');
  const sub = payload['sub'];
  if (typeof sub !== 'string') {
    throw new JwtSvidError('subject', 'JWT-SVID rejected: it has no sub claim; sub is the workload\'s SPIFFE ID (JWT-SVID §3.1)');
  }
  let id: SpiffeId;
  try {
    id = parseSpiffeId(sub);
  } catch (err) {
    const why = err instanceof SpiffeIdError ? err.message : `invalid SPIFFE ID ${quoteInput(sub)}`;
    throw new JwtSvidError('subject', `JWT-SVID rejected: its sub claim is not a SPIFFE ID: ${why} (JWT-SVID §3.1)`, undefined, { cause: err });
  }
  if (id.path === '') {
    throw new JwtSvidError(
      'subject',
      `${named(id)} rejected: sub is a trust domain's own ID; a JWT-SVID names a workload, whose ID has a path (JWT-SVID §3.1)`,
      id.toString(),
    );
  }

  // Workload API §6.3: the key comes from the bundle of the subject's trust domain, or nowhere.
  const bundle = bundles.bundleFor(id.trustDomain);
  if (bundle === undefined) {
    throw new JwtSvidError(
      'untrusted-trust-domain',
      `${named(id)} rejected: trust domain "${id.trustDomain}" has no trust bundle here, so nothing can vouch for it (SPIFFE Workload API §6.3)`,
      id.toString(),
    );
  }
  const authority = jwtAuthorityFor(bundles, id.trustDomain, kid);
  if (authority === undefined) {
    const why =
      bundle.jwtAuthorities.length === 0
        ? `trust domain "${id.trustDomain}" publishes no JWT authorities (JWT-SVID §6.2)`
        : `no JWT authority of trust domain "${id.trustDomain}" has key ID ${quoteInput(kid)} (JWT-SVID §6)`;
    throw new JwtSvidError('unknown-key', `${named(id)} rejected: ${why}`, id.toString());
  }
  const mismatch = keyMismatch(alg, authority);
  if (mismatch !== undefined) {
    throw new JwtSvidError(
      'key-mismatch',
      `${named(id)} rejected: alg ${alg} does not fit key ${quoteInput(kid)}: ${mismatch} (JWT-SVID §2.1, RFC 7518 §3)`,
      id.toString(),
    );
  }
  const signature = decodePart(signaturePart, 'signature');
  if (!signatureHolds(alg, authority.publicKey, Buffer.from(`${headerPart}.${payloadPart}`, 'ascii'), signature)) {
    throw new JwtSvidError(
      'signature',
      `${named(id)} rejected: the signature does not verify with key ${quoteInput(kid)} of trust domain "${id.trustDomain}" (JWT-SVID §4, RFC 7515 §5.2)`,
      id.toString(),
    );
  }

  // Claims are judged only once the signature says they are the issuer's.
  const expMs = checkTimes(payload, policy, nowMs, id);
  checkAudience(payload['aud'], policy.audiences, id);
  return Object.freeze({
    spiffeId: id.toString(),
    trustDomain: id.trustDomain,
    path: id.path,
    method: 'jwt-svid' as const,
    svidExpiresAt: expMs,
  });
}
