// SPIFFE bundles (Trust Domain and Bundle §4, X509-SVID §6, JWT-SVID §6) as trust bundles.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DevAuthority,
  DevJwtAuthority,
  TrustBundleError,
  TrustBundleSet,
  formatSpiffeBundle,
  parseSpiffeBundle,
  verifyX509Svid,
  type TrustBundleRule,
} from '../../src/identity/index.js';

let ca: DevAuthority;
let jwt: DevJwtAuthority;
let x509Entry: Record<string, unknown>;
let jwtEntry: Record<string, unknown>;

const bundle = (keys: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ ...extra, keys });

function refused(text: string): TrustBundleError {
  try {
    TrustBundleSet.fromTexts([{ trustDomain: 'a.example', format: 'spiffe', text, origin: 'file a.json' }]);
  } catch (err) {
    if (err instanceof TrustBundleError) return err;
    throw err;
  }
  throw new Error('expected the bundle to be refused');
}

function expectRefused(text: string, rule: TrustBundleRule, message: string): void {
  const err = refused(text);
  expect({ rule: err.rule, message: err.message }).toEqual({ rule, message });
}

const WHERE = 'trust bundle file a.json for trust domain "a.example" is not a usable SPIFFE bundle';

beforeAll(async () => {
  ca = await DevAuthority.create('a.example');
  jwt = DevJwtAuthority.create();
  const parsed = JSON.parse(formatSpiffeBundle({ x509Authorities: [ca.certPem], jwtAuthorities: [jwt] })) as { keys: Record<string, unknown>[] };
  [x509Entry, jwtEntry] = parsed.keys as [Record<string, unknown>, Record<string, unknown>];
});

describe('SPIFFE bundles', () => {
  it('round-trip: x509-svid entries anchor X509-SVIDs, jwt-svid entries are found by kid', async () => {
    const text = formatSpiffeBundle({ x509Authorities: [ca.certPem], jwtAuthorities: [jwt], sequence: 7, refreshHintSeconds: 300 });
    const doc = JSON.parse(text) as { spiffe_sequence: number; spiffe_refresh_hint: number; keys: Record<string, unknown>[] };
    expect(doc.spiffe_sequence).toBe(7);
    expect(doc.spiffe_refresh_hint).toBe(300);
    expect(doc.keys.map((k) => [k['use'], k['kty'], k['kid']])).toEqual([
      ['x509-svid', 'EC', undefined],
      ['jwt-svid', 'EC', jwt.keyId],
    ]);
    expect(doc.keys[0]!['x5c']).toEqual([new X509Certificate(ca.certPem).raw.toString('base64')]);
    expect(text).not.toMatch(/"d"\s*:/);

    const set = TrustBundleSet.fromTexts([{ trustDomain: 'a.example', format: 'spiffe', text }]);
    const b = set.bundleFor('a.example')!;
    expect(b.sequence).toBe(7);
    expect(b.refreshHintSeconds).toBe(300);
    expect(b.jwtAuthorities.map((k) => k.keyId)).toEqual([jwt.keyId]);
    const svid = await ca.issueX509Svid('spiffe://a.example/w');
    expect(verifyX509Svid([new X509Certificate(svid.certPem)], set, Date.now()).spiffeId).toBe('spiffe://a.example/w');
    expect(set.allAuthoritiesPem()).toContain(new X509Certificate(ca.certPem).toString().trim());
  });

  it('ignores, as the standards require, unknown key types and uses and x509-svid entries without x5c', () => {
    const parsed = parseSpiffeBundle(
      bundle([
        jwtEntry,
        { kty: 'EC', use: 'future-svid', crv: 'P-256', x: jwtEntry['x'], y: jwtEntry['y'] },
        { kty: 'XYZ', use: 'jwt-svid', kid: 'k' },
        { kty: 'EC', use: 'x509-svid', crv: 'P-256', x: jwtEntry['x'], y: jwtEntry['y'] },
        { kty: 'EC', use: 'x509-svid', x5c: [] },
        { kty: 'OKP', use: 'jwt-svid', kid: 'ed', crv: 'Ed25519', x: 'AAAA' },
      ]),
    );
    expect(parsed.jwtAuthorities.map((k) => k.keyId)).toEqual([jwt.keyId]);
    expect(parsed.x509Authorities).toEqual([]);
    expect(parsed.ignored).toEqual([
      'keys[1]: unknown use "future-svid" (SPIFFE Trust Domain and Bundle §4.2.2)',
      'keys[2]: unknown key type "XYZ" (SPIFFE Trust Domain and Bundle §4.2.1)',
      'keys[3]: use "x509-svid" without an x5c certificate (X509-SVID §6.2)',
      'keys[4]: use "x509-svid" without an x5c certificate (X509-SVID §6.2)',
      'keys[5] (kid "ed"): key type "OKP" has no JWT-SVID algorithm (JWT-SVID §2.1)',
    ]);
  });

  it('uses only the first x5c certificate', () => {
    const other = new X509Certificate(ca.certPem).raw.toString('base64');
    const set = TrustBundleSet.fromTexts([{ trustDomain: 'a.example', format: 'spiffe', text: bundle([{ ...x509Entry, x5c: [x509Entry['x5c'] as string[], other].flat() }]) }]);
    expect(set.authoritiesFor('a.example')).toHaveLength(1);
  });

  it('refuses a private key without echoing it', () => {
    const priv = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' });
    const text = bundle([{ ...priv, use: 'jwt-svid', kid: 'leak' }]);
    expectRefused(text, 'spiffe-bundle', `${WHERE}: keys[0] holds private or symmetric key material ("d"); a bundle holds public keys only`);
    expect(refused(text).message).not.toContain(String(priv.d));
    expectRefused(bundle([{ kty: 'oct', use: 'jwt-svid', kid: 'mac', k: 'c2VjcmV0' }]), 'spiffe-bundle', `${WHERE}: keys[0] holds private or symmetric key material ("k"); a bundle holds public keys only`);
  });

  it.each([
    ['not JSON', '{', 'it is not valid JSON'],
    ['not an object', '[]', 'it is not a JSON object (a JWK Set)'],
    ['no keys', '{}', 'it has no "keys" array (SPIFFE Trust Domain and Bundle §4.1.3)'],
    ['a bad spiffe_sequence', bundle([], { spiffe_sequence: -1 }), 'spiffe_sequence must be a non-negative integer (SPIFFE Trust Domain and Bundle §4.1.1)'],
    ['a bad spiffe_refresh_hint', bundle([], { spiffe_refresh_hint: '5m' }), 'spiffe_refresh_hint must be a non-negative integer of seconds (SPIFFE Trust Domain and Bundle §4.1.2)'],
    ['an entry without kty', bundle([{ use: 'jwt-svid', kid: 'x' }]), 'keys[0] has no kty (SPIFFE Trust Domain and Bundle §4.2.1)'],
    ['an entry without use', bundle([{ kty: 'EC' }]), 'keys[0] has no use (SPIFFE Trust Domain and Bundle §4.2.2)'],
  ])('refuses %s', (_name, text, why) => {
    const err = refused(text);
    expect(err.rule).toBe('spiffe-bundle');
    expect(err.message).toBe(`${WHERE}: ${why}`);
  });

  it('refuses a jwt-svid entry without kid, with a foreign alg, or an RSA key under 2048 bits', () => {
    expectRefused(bundle([{ ...jwtEntry, kid: undefined }]), 'spiffe-bundle', `${WHERE}: keys[0]: a jwt-svid entry must set kid to a non-empty string (JWT-SVID §6.1)`);
    expectRefused(bundle([{ ...jwtEntry, alg: 'HS256' }]), 'spiffe-bundle', `${WHERE}: keys[0] (kid "${jwt.keyId}"): alg "HS256" is not a JWT-SVID algorithm (JWT-SVID §2.1)`);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    expectRefused(bundle([{ ...weak, use: 'jwt-svid', kid: 'weak' }]), 'spiffe-bundle', `${WHERE}: keys[0] (kid "weak"): an RSA key of 1024 bits is too weak; at least 2048 are required`);
  });

  it('refuses an x509-svid entry whose key members contradict its certificate, or whose certificate is not a CA', async () => {
    expectRefused(
      bundle([{ ...x509Entry, x: jwtEntry['x'], y: jwtEntry['y'] }]),
      'spiffe-bundle',
      `${WHERE}: keys[0]: its key members do not match the public key of its x5c certificate (RFC 7517 §4.7)`,
    );
    const leaf = await ca.issueX509Svid('spiffe://a.example/leaf');
    const err = refused(bundle([{ kty: 'EC', use: 'x509-svid', x5c: [new X509Certificate(leaf.certPem).raw.toString('base64')] }]));
    expect(err.rule).toBe('not-ca');
    expect(err.message).toBe(
      'trust bundle file a.json for trust domain "a.example": x509-svid authority 1 of 1 (subject "O=warrant dev, OU=x509-svid") is not a CA certificate (basicConstraints cA is not true); a bundle holds only X.509 authorities',
    );
    expect(refused(bundle([{ kty: 'EC', use: 'x509-svid', x5c: ['bm90IGEgY2VydA=='] }])).rule).toBe('malformed');
  });

  it('refuses a bundle with no usable authority, and one key ID naming two keys', () => {
    expectRefused(bundle([]), 'no-authority', 'trust bundle file a.json for trust domain "a.example" holds no usable X.509 or JWT authority; keep at least one (SPIFFE Trust Domain and Bundle §3)');
    const other = DevJwtAuthority.create();
    const err = (() => {
      try {
        TrustBundleSet.fromTexts([
          { trustDomain: 'a.example', format: 'spiffe', text: formatSpiffeBundle({ x509Authorities: [], jwtAuthorities: [jwt] }) },
          { trustDomain: 'a.example', format: 'spiffe', text: formatSpiffeBundle({ x509Authorities: [], jwtAuthorities: [{ keyId: jwt.keyId, publicKey: other.publicKey }] }) },
        ]);
      } catch (e) {
        return e as TrustBundleError;
      }
      throw new Error('expected a refusal');
    })();
    expect({ rule: err.rule, message: err.message }).toEqual({
      rule: 'duplicate-key-id',
      message: `trust bundle entry 2 for trust domain "a.example": key ID "${jwt.keyId}" names two different JWT authorities of the trust domain`,
    });
  });
});
