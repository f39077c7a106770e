// A JWT-SVID authority for `warrant dev` and for tests: one ES256 key whose public half goes into
// the SPIFFE bundle under its key ID. Its options can break JWT-SVID rules on purpose, so tests can
// mint the bad tokens a verifier must refuse. Never for production.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { DevAuthorityError } from './dev-authority.js';

export interface IssueJwtSvidOptions {
  /** the `aud` claim: one audience (the standard's strong recommendation) or several */
  readonly audience: string | readonly string[];
  /** default 5 minutes */
  readonly ttlMs?: number;
  /** ms since the epoch for `iat` and the start of `exp`; default now */
  readonly now?: number;
  /** claims added or replaced; a member set to undefined is left out (tests only) */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** header members added or replaced; a member set to undefined is left out (tests only) */
  readonly header?: Readonly<Record<string, unknown>>;
}

const DEFAULT_TTL_MS = 5 * 60_000;

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** RFC 7638 JWK thumbprint of an EC public key: a key ID that is stable and says nothing else. */
function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

export class DevJwtAuthority {
  /** the `kid` of its tokens and of its bundle entry */
  readonly keyId: string;
  readonly publicKey: KeyObject;
  readonly #privateKey: KeyObject;

  private constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey;
    this.publicKey = createPublicKey(privateKey);
    this.keyId = thumbprint(this.publicKey);
    Object.freeze(this);
  }

  /** A new ES256 (P-256) authority. */
  static create(): DevJwtAuthority {
    return new DevJwtAuthority(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  }

  /** Loads an authority saved with `keyPem` (PKCS#8 or SEC1 PEM of a P-256 key). */
  static load(keyPem: string): DevJwtAuthority {
    let key: KeyObject;
    try {
      key = createPrivateKey(keyPem);
    } catch {
      // The parser's own message could quote key material; say only what was wrong.
      throw new DevAuthorityError('authority-key', 'the JWT authority key is not a readable PEM private key');
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new DevAuthorityError('authority-key', 'the JWT authority key must be an ECDSA P-256 private key (ES256)');
    }
    return new DevJwtAuthority(key);
  }

  /** PKCS#8 PEM of the private key: a secret, for a 0600 file. */
  get keyPem(): string {
    return this.#privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /**
   * Issues a JWT-SVID for `spiffeId` (written as given, so tests can mint invalid ones). By
   * default the token meets every JWT-SVID rule: ES256, kid, typ JWT, sub, aud, exp, iat.
   */
  issueJwtSvid(spiffeId: string, opts: IssueJwtSvidOptions): string {
    const ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
    if (!Number.isFinite(ttlMs)) throw new DevAuthorityError('options', 'ttlMs must be a number of milliseconds');
    const now = opts.now ?? Date.now();
    const header = withoutUndefined({ alg: 'ES256', kid: this.keyId, typ: 'JWT', ...opts.header });
    const audience = typeof opts.audience === 'string' ? opts.audience : [...opts.audience];
    const claims = withoutUndefined({
      sub: spiffeId,
      aud: audience,
      exp: Math.floor((now + ttlMs) / 1000),
      iat: Math.floor(now / 1000),
      ...opts.claims,
    });
    const signingInput = `${base64urlJson(header)}.${base64urlJson(claims)}`;
    const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), { key: this.#privateKey, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  /** Keeps the private key out of anything that serialises this object by accident. */
  toJSON(): { keyId: string } {
    return { keyId: this.keyId };
  }

  [inspect.custom](): string {
    return `DevJwtAuthority { keyId: '${this.keyId}', key: [hidden] }`;
  }
}
