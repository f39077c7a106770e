// The SPIFFE bundle format (SPIFFE Trust Domain and Bundle standard §4): an RFC 7517 JWK Set whose
// entries are X.509 authorities (`use: x509-svid`, X509-SVID §6) and JWT authorities
// (`use: jwt-svid`, JWT-SVID §6). Parsing yields public material only; a private key found in a
// bundle fails the bundle without its value ever reaching a message.
import { createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { CertificateFormatError, readCertificateFields, type CertificateFields } from './certificate-fields.js';
import { IdentityError, quoteInput } from './identity-error.js';

export type SpiffeBundleRule = 'json' | 'jwk-set' | 'jwk' | 'private-key' | 'malformed';

/** Raised while reading a SPIFFE bundle; the trust bundle layer rewraps it with the file's name. */
export class SpiffeBundleError extends IdentityError<SpiffeBundleRule> {
  override readonly name = 'SpiffeBundleError';
}

/** The JWS algorithms JWT-SVID §2.1 allows (RFC 7518 §3.3, §3.4, §3.5); nothing else is ever accepted. */
export const JWT_SVID_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'] as const;
export type JwtSvidAlgorithm = (typeof JWT_SVID_ALGORITHMS)[number];

/** One JWT-SVID signing key of a trust domain (JWT-SVID §6). */
export interface JwtAuthority {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** the JWK's own `alg`, when it names one: a token must then use exactly that */
  readonly alg: JwtSvidAlgorithm | undefined;
}

export interface ParsedX509Authority {
  readonly certificate: X509Certificate;
  readonly fields: CertificateFields;
}

export interface ParsedSpiffeBundle {
  readonly x509Authorities: readonly ParsedX509Authority[];
  readonly jwtAuthorities: readonly JwtAuthority[];
  /** §4.1.1 `spiffe_sequence`, when present */
  readonly sequence: number | undefined;
  /** §4.1.2 `spiffe_refresh_hint` in seconds, when present */
  readonly refreshHintSeconds: number | undefined;
  /** entries ignored as the standards require (unknown `kty` or `use`, an empty `x5c`), one line each */
  readonly ignored: readonly string[];
}

/** JWK members that only a private or symmetric key carries (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const JWT_CURVES: Readonly<Record<string, string>> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const MIN_RSA_BITS = 2048;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Bounds the work one bundle may cause, whatever a file holds. */
const MAX_KEYS = 256;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** The public part of a JWK, as node:crypto takes it: only the members of its key type. */
function publicJwk(jwk: Json): JsonWebKey {
  const members = jwk['kty'] === 'RSA' ? ['kty', 'n', 'e'] : ['kty', 'crv', 'x', 'y'];
  return Object.fromEntries(members.filter((m) => jwk[m] !== undefined).map((m) => [m, jwk[m]])) as JsonWebKey;
}

function hasKeyMembers(jwk: Json): boolean {
  return ['n', 'e', 'crv', 'x', 'y'].some((m) => jwk[m] !== undefined);
}

function importJwk(jwk: Json, where: string): KeyObject {
  try {
    return createPublicKey({ key: publicJwk(jwk), format: 'jwk' });
  } catch (err) {
    throw new SpiffeBundleError('jwk', `${where} is not a usable ${String(jwk['kty'])} public key`, { cause: err });
  }
}

function x509Entry(jwk: Json, where: string, ignored: string[]): ParsedX509Authority | undefined {
  const x5c = jwk['x5c'];
  // X509-SVID §6.2: an x509-svid entry without x5c, or with an empty one, is ignored.
  if (x5c === undefined || (Array.isArray(x5c) && x5c.length === 0)) {
    ignored.push(`${where}: use "x509-svid" without an x5c certificate (X509-SVID §6.2)`);
    return undefined;
  }
  if (!Array.isArray(x5c) || typeof x5c[0] !== 'string' || !BASE64.test(x5c[0])) {
    throw new SpiffeBundleError('jwk', `${where}: x5c must be an array whose first value is a base64 DER certificate (RFC 7517 §4.7)`);
  }
  let certificate: X509Certificate;
  let fields: CertificateFields;
  try {
    // X509-SVID §6.2: only the first value counts; the rest are ignored.
    certificate = new X509Certificate(Buffer.from(x5c[0], 'base64'));
    fields = readCertificateFields(certificate.raw);
  } catch (err) {
    const why = err instanceof CertificateFormatError ? err.message : 'it is not a parseable X.509 certificate';
    throw new SpiffeBundleError('malformed', `${where}: x5c[0] cannot be used: ${why}`, { cause: err });
  }
  // RFC 7517 §4.7: key members beside x5c must describe the certificate's own key.
  if (hasKeyMembers(jwk) && !spki(importJwk(jwk, where)).equals(spki(certificate.publicKey))) {
    throw new SpiffeBundleError('jwk', `${where}: its key members do not match the public key of its x5c certificate (RFC 7517 §4.7)`);
  }
  if (jwk['kid'] !== undefined) ignored.push(`${where}: an x509-svid entry should not set kid (X509-SVID §6.1); kid ignored`);
  return { certificate, fields };
}

function jwtEntry(jwk: Json, where: string, ignored: string[]): JwtAuthority | undefined {
  const kid = jwk['kid'];
  // JWT-SVID §6.1: every JWT authority has a key ID, which is how a token names its key.
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new SpiffeBundleError('jwk', `${where}: a jwt-svid entry must set kid to a non-empty string (JWT-SVID §6.1)`);
  }
  const kty = jwk['kty'];
  if (kty === 'EC') {
    const crv = jwk['crv'];
    if (typeof crv !== 'string' || JWT_CURVES[crv] === undefined) {
      ignored.push(`${where} (kid ${quoteInput(kid)}): EC curve ${quoteInput(String(crv))} has no JWT-SVID algorithm (JWT-SVID §2.1)`);
      return undefined;
    }
  } else if (kty !== 'RSA') {
    ignored.push(`${where} (kid ${quoteInput(kid)}): key type ${quoteInput(String(kty))} has no JWT-SVID algorithm (JWT-SVID §2.1)`);
    return undefined;
  }
  const alg = jwk['alg'];
  if (alg !== undefined && !(JWT_SVID_ALGORITHMS as readonly unknown[]).includes(alg)) {
    throw new SpiffeBundleError('jwk', `${where} (kid ${quoteInput(kid)}): alg ${quoteInput(String(alg))} is not a JWT-SVID algorithm (JWT-SVID §2.1)`);
  }
  const publicKey = importJwk(jwk, `${where} (kid ${quoteInput(kid)})`);
  const bits = publicKey.asymmetricKeyDetails?.modulusLength;
  if (kty === 'RSA' && (bits === undefined || bits < MIN_RSA_BITS)) {
    throw new SpiffeBundleError('jwk', `${where} (kid ${quoteInput(kid)}): an RSA key of ${bits ?? 0} bits is too weak; at least ${MIN_RSA_BITS} are required`);
  }
  return { keyId: kid, publicKey, alg: alg as JwtSvidAlgorithm | undefined };
}

/**
 * Parses a SPIFFE bundle (JSON text). Entries whose `kty` or `use` is unknown, and x509-svid entries
 * without a certificate, are skipped as the standards require and listed in `ignored`; anything
 * malformed throws SpiffeBundleError.
 */
export function parseSpiffeBundle(text: string): ParsedSpiffeBundle {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SpiffeBundleError('json', 'it is not valid JSON');
  }
  if (!isObject(doc)) throw new SpiffeBundleError('json', 'it is not a JSON object (a JWK Set)');
  const keys = doc['keys'];
  if (!Array.isArray(keys)) {
    throw new SpiffeBundleError('jwk-set', 'it has no "keys" array (SPIFFE Trust Domain and Bundle §4.1.3)');
  }
  if (keys.length > MAX_KEYS) throw new SpiffeBundleError('jwk-set', `it has ${keys.length} keys; at most ${MAX_KEYS} are accepted`);
  const sequence = doc['spiffe_sequence'];
  if (sequence !== undefined && !isNonNegativeInteger(sequence)) {
    throw new SpiffeBundleError('jwk-set', 'spiffe_sequence must be a non-negative integer (SPIFFE Trust Domain and Bundle §4.1.1)');
  }
  const refreshHint = doc['spiffe_refresh_hint'];
  if (refreshHint !== undefined && !isNonNegativeInteger(refreshHint)) {
    throw new SpiffeBundleError('jwk-set', 'spiffe_refresh_hint must be a non-negative integer of seconds (SPIFFE Trust Domain and Bundle §4.1.2)');
  }

  const x509Authorities: ParsedX509Authority[] = [];
  const jwtAuthorities: JwtAuthority[] = [];
  const ignored: string[] = [];
  keys.forEach((jwk: unknown, index) => {
    const where = `keys[${index}]`;
    if (!isObject(jwk)) throw new SpiffeBundleError('jwk', `${where} is not a JSON object`);
    for (const member of PRIVATE_MEMBERS) {
      if (jwk[member] !== undefined) {
        // Name the member, never its value: a leaked key must not travel on into a log.
        throw new SpiffeBundleError('private-key', `${where} holds private or symmetric key material ("${member}"); a bundle holds public keys only`);
      }
    }
    const kty = jwk['kty'];
    if (typeof kty !== 'string' || kty === '') {
      throw new SpiffeBundleError('jwk', `${where} has no kty (SPIFFE Trust Domain and Bundle §4.2.1)`);
    }
    const use = jwk['use'];
    if (typeof use !== 'string' || use === '') {
      throw new SpiffeBundleError('jwk', `${where} has no use (SPIFFE Trust Domain and Bundle §4.2.2)`);
    }
    if (kty !== 'EC' && kty !== 'RSA' && kty !== 'OKP') {
      ignored.push(`${where}: unknown key type ${quoteInput(kty)} (SPIFFE Trust Domain and Bundle §4.2.1)`);
      return;
    }
    if (use === 'x509-svid') {
      const authority = x509Entry(jwk, where, ignored);
      if (authority !== undefined) x509Authorities.push(authority);
    } else if (use === 'jwt-svid') {
      const authority = jwtEntry(jwk, where, ignored);
      if (authority !== undefined) jwtAuthorities.push(authority);
    } else {
      ignored.push(`${where}: unknown use ${quoteInput(use)} (SPIFFE Trust Domain and Bundle §4.2.2)`);
    }
  });
  return {
    x509Authorities,
    jwtAuthorities,
    sequence: sequence as number | undefined,
    refreshHintSeconds: refreshHint as number | undefined,
    ignored,
  };
}

export interface SpiffeBundleContent {
  /** PEM certificates: each becomes one x509-svid entry */
  readonly x509Authorities: readonly string[];
  readonly jwtAuthorities: readonly { readonly keyId: string; readonly publicKey: KeyObject }[];
  readonly sequence?: number;
  readonly refreshHintSeconds?: number;
}

/** Writes a SPIFFE bundle as JSON text (for dev mode and tests); public keys only. */
export function formatSpiffeBundle(content: SpiffeBundleContent): string {
  const keys: Json[] = [];
  for (const pem of content.x509Authorities) {
    const certificate = new X509Certificate(pem);
    keys.push({ use: 'x509-svid', ...certificate.publicKey.export({ format: 'jwk' }), x5c: [certificate.raw.toString('base64')] });
  }
  for (const { keyId, publicKey } of content.jwtAuthorities) {
    if (publicKey.type !== 'public') throw new TypeError('formatSpiffeBundle: JWT authorities must be public keys');
    keys.push({ use: 'jwt-svid', kid: keyId, ...publicKey.export({ format: 'jwk' }) });
  }
  const doc: Json = {
    ...(content.sequence === undefined ? {} : { spiffe_sequence: content.sequence }),
    ...(content.refreshHintSeconds === undefined ? {} : { spiffe_refresh_hint: content.refreshHintSeconds }),
    keys,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
