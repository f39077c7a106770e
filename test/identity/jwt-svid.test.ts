// JWT-SVID verification, rule by rule (JWT-SVID §2–§6), with exact codes and messages.
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DevAuthority,
  DevJwtAuthority,
  JwtSvidError,
  JwtSvidVerifier,
  TrustBundleSet,
  formatSpiffeBundle,
  verifyJwtSvid,
  type JwtSvidRule,
} from '../../src/identity/index.js';

const T = Date.UTC(2026, 2, 1, 12, 0, 0);
const AUD = 'spiffe://a.example/warrant';
const POLICY = { audiences: [AUD], maxClockSkewMs: 30_000 };
const ID = 'spiffe://a.example/agents/one';

let a: DevJwtAuthority;
let b: DevJwtAuthority;
let rsa: { privateKey: KeyObject; publicKey: KeyObject };
let p384: { privateKey: KeyObject; publicKey: KeyObject };
let bundles: TrustBundleSet;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Signs header.claims with node:crypto as the given JWS algorithm would. */
function jws(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const alg = String(header['alg']);
  const hash = `sha${alg.slice(2)}`;
  const sig = alg.startsWith('ES')
    ? sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : alg.startsWith('PS')
      ? sign(hash, Buffer.from(input), { key, padding: 6, saltLength: Number(alg.slice(2)) / 8 })
      : sign(hash, Buffer.from(input), key);
  return `${input}.${sig.toString('base64url')}`;
}

const claims = (extra: Record<string, unknown> = {}) => ({ sub: ID, aud: AUD, exp: T / 1000 + 300, iat: T / 1000, ...extra });

function rejection(token: string, now = T, policy = POLICY): JwtSvidError {
  try {
    verifyJwtSvid(token, bundles, policy, now);
  } catch (err) {
    if (err instanceof JwtSvidError) return err;
    throw err;
  }
  throw new Error('expected the JWT-SVID to be rejected');
}

function expectRejected(token: string, rule: JwtSvidRule, message: string, now = T): void {
  const err = rejection(token, now);
  expect({ rule: err.rule, message: err.message }).toEqual({ rule, message });
  if (token.length > 8) expect(err.message).not.toContain(token);
}

beforeAll(async () => {
  const caA = await DevAuthority.create('a.example');
  const caC = await DevAuthority.create('c.example');
  a = DevJwtAuthority.create();
  b = DevJwtAuthority.create();
  rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  bundles = TrustBundleSet.fromTexts([
    {
      trustDomain: 'a.example',
      format: 'spiffe',
      text: formatSpiffeBundle({
        x509Authorities: [caA.certPem],
        jwtAuthorities: [a, { keyId: 'rsa-1', publicKey: rsa.publicKey }, { keyId: 'ec384', publicKey: p384.publicKey }],
      }),
    },
    { trustDomain: 'b.example', format: 'spiffe', text: formatSpiffeBundle({ x509Authorities: [], jwtAuthorities: [b] }) },
    { trustDomain: 'c.example', format: 'pem', text: caC.certPem },
  ]);
});

describe('verifyJwtSvid accepts', () => {
  it('an ES256 token of the subject\'s trust domain, reporting exp as the SVID expiry', () => {
    const token = a.issueJwtSvid(ID, { audience: AUD, now: T });
    expect(verifyJwtSvid(token, bundles, POLICY, T)).toEqual({
      spiffeId: ID,
      trustDomain: 'a.example',
      path: '/agents/one',
      method: 'jwt-svid',
      svidExpiresAt: T + 300_000,
    });
  });

  it.each(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])('%s with an RSA key', (alg) => {
    const token = jws({ alg, kid: 'rsa-1', typ: 'JWT' }, claims(), rsa.privateKey);
    expect(verifyJwtSvid(token, bundles, POLICY, T).spiffeId).toBe(ID);
  });

  it('ES384 with a P-384 key, typ JOSE, several audiences, no iat', () => {
    const token = jws({ alg: 'ES384', kid: 'ec384', typ: 'JOSE' }, claims({ aud: ['other', AUD], iat: undefined }), p384.privateKey);
    expect(verifyJwtSvid(token, bundles, POLICY, T).spiffeId).toBe(ID);
  });

  it('a token just past exp, within the allowed clock skew', () => {
    const token = a.issueJwtSvid(ID, { audience: AUD, now: T, ttlMs: 60_000 });
    expect(verifyJwtSvid(token, bundles, POLICY, T + 60_000 + 29_000).svidExpiresAt).toBe(T + 60_000);
  });
});

describe('verifyJwtSvid rejects', () => {
  it('alg none (an unsigned token)', () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    expectRejected(token, 'algorithm', 'JWT-SVID rejected: its header has alg "none" (an unsigned token proves nothing); allowed: RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512 (JWT-SVID §2.1)');
  });

  it('HS256 keyed with the public key (algorithm confusion)', () => {
    const input = `${b64({ alg: 'HS256', kid: a.keyId, typ: 'JWT' })}.${b64(claims())}`;
    const pem = a.publicKey.export({ type: 'spki', format: 'pem' });
    const token = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expectRejected(token, 'algorithm', 'JWT-SVID rejected: its header has alg "HS256" (a MAC with a shared secret is not an SVID); allowed: RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512 (JWT-SVID §2.1)');
  });

  it('EdDSA, and a missing alg', () => {
    expect(rejection(jws({ alg: 'ES256', kid: a.keyId }, claims(), p384.privateKey).replace(/^[^.]+/, b64({ alg: 'EdDSA', kid: a.keyId }))).rule).toBe('algorithm');
    expect(rejection(`${b64({ kid: a.keyId })}.${b64(claims())}.AA`).message).toBe(
      'JWT-SVID rejected: its header has no alg; allowed: RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512 (JWT-SVID §2.1)',
    );
  });

  it('a header member JWT-SVID §2 does not allow (an embedded key)', () => {
    const token = a.issueJwtSvid(ID, { audience: AUD, now: T, header: { jwk: a.publicKey.export({ format: 'jwk' }) } });
    expectRejected(token, 'header', 'JWT-SVID rejected: its header has "jwk"; only alg, kid and typ are allowed (JWT-SVID §2)');
  });

  it('typ other than JWT or JOSE', () => {
    expectRejected(a.issueJwtSvid(ID, { audience: AUD, now: T, header: { typ: 'at+jwt' } }), 'typ', 'JWT-SVID rejected: its header has typ "at+jwt"; when set, typ is JWT or JOSE (JWT-SVID §2.3)');
  });

  it('no kid', () => {
    expectRejected(
      a.issueJwtSvid(ID, { audience: AUD, now: T, header: { kid: undefined } }),
      'key-id',
      "JWT-SVID rejected: its header has no kid; the signing key is found by key ID among the JWT authorities of the subject's trust domain (JWT-SVID §6)",
    );
  });

  it('an unknown kid', () => {
    expectRejected(
      a.issueJwtSvid(ID, { audience: AUD, now: T, header: { kid: 'nope' } }),
      'unknown-key',
      'JWT-SVID for spiffe://a.example/agents/one rejected: no JWT authority of trust domain "a.example" has key ID "nope" (JWT-SVID §6)',
    );
  });

  it('a key of another trust domain (b.example signs for a.example)', () => {
    expectRejected(
      b.issueJwtSvid(ID, { audience: AUD, now: T }),
      'unknown-key',
      `JWT-SVID for spiffe://a.example/agents/one rejected: no JWT authority of trust domain "a.example" has key ID "${b.keyId}" (JWT-SVID §6)`,
    );
  });

  it('another trust domain\'s kid reused on a token signed by a key it does not hold', () => {
    const token = jws({ alg: 'ES256', kid: a.keyId }, claims({ sub: 'spiffe://b.example/agents/x' }), p384.privateKey);
    expect(rejection(token).rule).toBe('unknown-key');
  });

  it('a trust domain without JWT authorities', () => {
    expectRejected(
      a.issueJwtSvid('spiffe://c.example/agents/x', { audience: AUD, now: T }),
      'unknown-key',
      'JWT-SVID for spiffe://c.example/agents/x rejected: trust domain "c.example" publishes no JWT authorities (JWT-SVID §6.2)',
    );
  });

  it('an unknown trust domain', () => {
    expectRejected(
      a.issueJwtSvid('spiffe://z.example/agents/x', { audience: AUD, now: T }),
      'untrusted-trust-domain',
      'JWT-SVID for spiffe://z.example/agents/x rejected: trust domain "z.example" has no trust bundle here, so nothing can vouch for it (SPIFFE Workload API §6.3)',
    );
  });

  it('alg that does not fit the key (RS256 named on the EC key, ES256 on a P-384 key)', () => {
    const rs = jws({ alg: 'RS256', kid: a.keyId }, claims(), rsa.privateKey);
    expectRejected(rs, 'key-mismatch', `JWT-SVID for spiffe://a.example/agents/one rejected: alg RS256 does not fit key "${a.keyId}": RS256 needs an RSA key and the key is ec (JWT-SVID §2.1, RFC 7518 §3)`);
    const es = jws({ alg: 'ES256', kid: 'ec384' }, claims(), p384.privateKey);
    expectRejected(es, 'key-mismatch', 'JWT-SVID for spiffe://a.example/agents/one rejected: alg ES256 does not fit key "ec384": ES256 needs curve prime256v1 and the key is on secp384r1 (JWT-SVID §2.1, RFC 7518 §3)');
  });

  it('a tampered payload', () => {
    const [h, , s] = a.issueJwtSvid(ID, { audience: AUD, now: T }).split('.');
    expectRejected(
      `${h}.${b64(claims({ sub: 'spiffe://a.example/agents/admin' }))}.${s}`,
      'signature',
      `JWT-SVID for spiffe://a.example/agents/admin rejected: the signature does not verify with key "${a.keyId}" of trust domain "a.example" (JWT-SVID §4, RFC 7515 §5.2)`,
    );
  });

  it('a sub that is not a SPIFFE ID, none, or a trust domain\'s own ID', () => {
    expectRejected(
      a.issueJwtSvid('https://a.example/agents/one', { audience: AUD, now: T }),
      'subject',
      'JWT-SVID rejected: its sub claim is not a SPIFFE ID: invalid SPIFFE ID "https://a.example/agents/one": it must start with "spiffe://" (JWT-SVID §3.1)',
    );
    expectRejected(a.issueJwtSvid(ID, { audience: AUD, now: T, claims: { sub: undefined } }), 'subject', "JWT-SVID rejected: it has no sub claim; sub is the workload's SPIFFE ID (JWT-SVID §3.1)");
    expectRejected(
      a.issueJwtSvid('spiffe://a.example', { audience: AUD, now: T }),
      'subject',
      "JWT-SVID for spiffe://a.example rejected: sub is a trust domain's own ID; a JWT-SVID names a workload, whose ID has a path (JWT-SVID §3.1)",
    );
  });

  it('a wrong audience, none, or an empty one', () => {
    expectRejected(
      a.issueJwtSvid(ID, { audience: 'spiffe://a.example/reports', now: T }),
      'audience',
      'JWT-SVID for spiffe://a.example/agents/one rejected: its audience "spiffe://a.example/reports" does not include this server\'s ("spiffe://a.example/warrant") (JWT-SVID §3.2)',
    );
    expectRejected(a.issueJwtSvid(ID, { audience: AUD, now: T, claims: { aud: undefined } }), 'audience', 'JWT-SVID for spiffe://a.example/agents/one rejected: it has no aud claim; aud is required (JWT-SVID §3.2)');
    expectRejected(
      a.issueJwtSvid(ID, { audience: [], now: T }),
      'audience',
      'JWT-SVID for spiffe://a.example/agents/one rejected: its aud claim must be a string or a non-empty array of strings (JWT-SVID §3.2, RFC 7519 §4.1.3)',
    );
  });

  it('no exp, or an exp that is not a number', () => {
    expectRejected(a.issueJwtSvid(ID, { audience: AUD, now: T, claims: { exp: undefined } }), 'expiry', 'JWT-SVID for spiffe://a.example/agents/one rejected: it has no exp claim; exp is required (JWT-SVID §3.3)');
    expectRejected(a.issueJwtSvid(ID, { audience: AUD, now: T, claims: { exp: '2030-01-01' } }), 'expiry', 'JWT-SVID for spiffe://a.example/agents/one rejected: its exp claim is not a NumericDate (RFC 7519 §4.1.4)');
  });

  it('an expired token, past the clock skew', () => {
    expectRejected(
      a.issueJwtSvid(ID, { audience: AUD, now: T, ttlMs: 60_000 }),
      'expired',
      'JWT-SVID for spiffe://a.example/agents/one rejected: it expired at 2026-03-01T12:01:00.000Z (now 2026-03-01T12:01:30.000Z, allowed clock skew 30s) (JWT-SVID §3.3)',
      T + 90_000,
    );
  });

  it('nbf or iat in the future, past the clock skew', () => {
    expectRejected(
      a.issueJwtSvid(ID, { audience: AUD, now: T, claims: { nbf: T / 1000 + 60 } }),
      'not-yet-valid',
      'JWT-SVID for spiffe://a.example/agents/one rejected: it is not valid before 2026-03-01T12:01:00.000Z (now 2026-03-01T12:00:00.000Z, allowed clock skew 30s) (RFC 7519 §4.1.5)',
    );
    expectRejected(
      a.issueJwtSvid(ID, { audience: AUD, now: T + 120_000 }),
      'issued-in-future',
      'JWT-SVID for spiffe://a.example/agents/one rejected: it claims to be issued at 2026-03-01T12:02:00.000Z, in the future (now 2026-03-01T12:00:00.000Z, allowed clock skew 30s) (RFC 7519 §4.1.6)',
    );
  });

  it('tokens that are not JWS Compact Serialization', () => {
    const good = a.issueJwtSvid(ID, { audience: AUD, now: T });
    expectRejected('', 'malformed', 'JWT-SVID rejected: the token is empty');
    expectRejected(`${good}.x`, 'malformed', 'JWT-SVID rejected: it has 4 dot-separated parts; a JWS Compact Serialization has 3 (JWT-SVID §5.1, RFC 7515 §3.1)');
    expectRejected(good.replace(/^[^.]+/, 'e30='), 'malformed', 'JWT-SVID rejected: its header is not base64url (JWS Compact Serialization, RFC 7515 §3.1)');
    expectRejected(good.replace(/^[^.]+/, Buffer.from('[1]').toString('base64url')), 'malformed', 'JWT-SVID rejected: its header is not a JSON object');
    expectRejected(good.replace(/\.[^.]+\./, `.${Buffer.from('{').toString('base64url')}.`), 'malformed', 'JWT-SVID rejected: its payload is not JSON');
    expectRejected('x'.repeat(9000), 'malformed', 'JWT-SVID rejected: the token is 9000 characters; at most 8192 are accepted');
  });

  it('a signature of the wrong length for its curve', () => {
    const [h, p] = a.issueJwtSvid(ID, { audience: AUD, now: T }).split('.');
    expect(rejection(`${h}.${p}.${Buffer.alloc(63).toString('base64url')}`).rule).toBe('signature');
  });

  it('never throws anything but JwtSvidError for mangled tokens', () => {
    const good = a.issueJwtSvid(ID, { audience: AUD, now: T });
    for (let i = 0; i < good.length; i += 3) {
      const mangled = `${good.slice(0, i)}${good[i] === 'A' ? 'B' : 'A'}${good.slice(i + 1)}`;
      if (mangled === good) continue;
      expect(rejection(mangled)).toBeInstanceOf(JwtSvidError);
    }
  });
});

describe('JwtSvidVerifier', () => {
  it('remembers a verified token until the trust bundles change', () => {
    const verifier = new JwtSvidVerifier(POLICY);
    const token = a.issueJwtSvid(ID, { audience: AUD, now: T });
    const first = verifier.verify(token, bundles, T);
    expect(verifier.verify(token, bundles, T + 1000)).toBe(first);
    expect(verifier.cached).toBe(1);
    const reloaded = TrustBundleSet.fromTexts([{ trustDomain: 'b.example', format: 'spiffe', text: formatSpiffeBundle({ x509Authorities: [], jwtAuthorities: [b] }) }], bundles);
    expect(() => verifier.verify(token, reloaded, T + 2000)).toThrow(
      'JWT-SVID for spiffe://a.example/agents/one rejected: trust domain "a.example" has no trust bundle here, so nothing can vouch for it (SPIFFE Workload API §6.3)',
    );
    expect(verifier.cached).toBe(0);
  });

  it('verifies a remembered token again once it expired, so the caller hears why', () => {
    const verifier = new JwtSvidVerifier(POLICY);
    const token = a.issueJwtSvid(ID, { audience: AUD, now: T, ttlMs: 60_000 });
    verifier.verify(token, bundles, T);
    expect(() => verifier.verify(token, bundles, T + 90_000)).toThrow(/rejected: it expired at 2026-03-01T12:01:00.000Z/);
  });

  it('keeps at most cacheSize tokens, dropping the least recently used', () => {
    const verifier = new JwtSvidVerifier({ ...POLICY, cacheSize: 2 });
    const tokens = [1, 2, 3].map((n) => a.issueJwtSvid(`${ID}${n}`, { audience: AUD, now: T }));
    verifier.verify(tokens[0]!, bundles, T);
    verifier.verify(tokens[1]!, bundles, T);
    verifier.verify(tokens[0]!, bundles, T);
    verifier.verify(tokens[2]!, bundles, T);
    expect(verifier.cached).toBe(2);
  });

  it('refuses an empty audience list', () => {
    expect(() => new JwtSvidVerifier({ audiences: [], maxClockSkewMs: 0 })).toThrow('JwtSvidVerifier: audiences must be a non-empty list of non-empty strings');
  });
});
