import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DevAuthority,
  MAX_INTERMEDIATES,
  SvidError,
  TrustBundleSet,
  verifyX509Svid,
  type IssuedSvid,
  type SvidRule,
} from '../../src/identity/index.js';
// After the identity index, which installs the Reflect metadata @peculiar/x509 needs.
import * as x509 from '@peculiar/x509';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** Fixed reference time for the certificates whose validity a test depends on. */
const T = Math.floor(Date.now() / 1000) * 1000;
const iso = (ms: number): string => new Date(ms).toISOString();

function derChain(pem: string): Buffer[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p).raw);
}

function rejection(chain: readonly (Uint8Array | X509Certificate)[], bundles: TrustBundleSet, now = Date.now()): SvidError {
  try {
    verifyX509Svid(chain, bundles, now);
  } catch (err) {
    if (err instanceof SvidError) return err;
    throw err;
  }
  throw new Error('expected the SVID to be rejected');
}

function expectRejected(
  svid: IssuedSvid | readonly (Uint8Array | X509Certificate)[],
  rule: SvidRule,
  message: string,
  now = Date.now(),
): SvidError {
  const chain = Array.isArray(svid) ? svid : derChain((svid as IssuedSvid).chainPem);
  const err = rejection(chain, bundles, now);
  expect({ rule: err.rule, message: err.message }).toEqual({ rule, message });
  expect(err.name).toBe('SvidError');
  return err;
}

let caA: DevAuthority;
let caB: DevAuthority;
let caC: DevAuthority;
let bundles: TrustBundleSet;

beforeAll(async () => {
  caA = await DevAuthority.create('a.example', { now: T });
  caB = await DevAuthority.create('b.example', { now: T });
  caC = await DevAuthority.create('c.example', { now: T });
  bundles = TrustBundleSet.fromPem([
    { trustDomain: 'a.example', pem: caA.certPem },
    { trustDomain: 'b.example', pem: caB.certPem },
  ]);
});

describe('verifyX509Svid accepts', () => {
  it('a leaf issued by its trust domain authority', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/agent/one', { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const workload = verifyX509Svid(derChain(svid.chainPem), bundles, Date.now());
    expect(workload).toEqual({
      spiffeId: 'spiffe://a.example/agent/one',
      trustDomain: 'a.example',
      path: '/agent/one',
      method: 'x509-svid',
      svidExpiresAt: svid.notAfter,
    });
    expect(Object.isFrozen(workload)).toBe(true);
  });

  it('a leaf passed as node X509Certificate objects', async () => {
    const svid = await caB.issueX509Svid('spiffe://b.example/agent/two');
    const workload = verifyX509Svid([new X509Certificate(svid.certPem)], bundles, Date.now());
    expect(workload.spiffeId).toBe('spiffe://b.example/agent/two');
  });

  it('a leaf issued through an intermediate', async () => {
    const intermediate = await caA.issueIntermediate();
    const svid = await intermediate.issueX509Svid('spiffe://a.example/via/intermediate');
    expect(derChain(svid.chainPem)).toHaveLength(2);
    const workload = verifyX509Svid(derChain(svid.chainPem), bundles, Date.now());
    expect(workload.spiffeId).toBe('spiffe://a.example/via/intermediate');
    expect(workload.svidExpiresAt).toBe(Math.min(svid.notAfter, intermediate.notAfter, caA.notAfter));
  });

  it('two intermediates presented in any order, with an unrelated certificate among them', async () => {
    const first = await caA.issueIntermediate();
    const second = await first.issueIntermediate();
    const svid = await second.issueX509Svid('spiffe://a.example/deep');
    const [leaf, i2, i1] = derChain(svid.chainPem);
    const stray = derChain(caC.certPem)[0]!;
    const workload = verifyX509Svid([leaf!, stray, i1!, i2!], bundles, Date.now());
    expect(workload.path).toBe('/deep');
  });

  it('a chain that also carries the root', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/with-root');
    expect(verifyX509Svid(derChain(svid.chainPem + caA.certPem), bundles, Date.now()).path).toBe('/with-root');
  });
});

describe('verifyX509Svid rejects', () => {
  it('a CA certificate as the leaf', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/ca-leaf', { isCa: true });
    expectRejected(
      svid,
      'leaf-is-ca',
      'X509-SVID spiffe://a.example/ca-leaf rejected: the leaf certificate is a CA (basicConstraints cA is true); only a leaf SVID may authenticate (X509-SVID §4.1, §5.2)',
    );
  });

  it('two URI SANs', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/one', { extraUris: ['spiffe://a.example/two'] });
    expectRejected(
      svid,
      'uri-san-count',
      'X509-SVID rejected: the leaf certificate has 2 URI SANs; exactly one, the SPIFFE ID, is required (X509-SVID §2)',
    );
  });

  it('a URI SAN that is not a SPIFFE ID', async () => {
    const svid = await caA.issueX509Svid('https://a.example/agent');
    const err = expectRejected(
      svid,
      'spiffe-id',
      'X509-SVID rejected: the leaf certificate\'s URI SAN is not a SPIFFE ID: invalid SPIFFE ID "https://a.example/agent": it must start with "spiffe://" (X509-SVID §2)',
    );
    expect(err.spiffeId).toBeUndefined();
  });

  it('no URI SAN', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/none', { omitUriSan: true, dnsNames: ['a.example'] });
    expectRejected(
      svid,
      'uri-san-count',
      'X509-SVID rejected: the leaf certificate has 0 URI SANs; exactly one, the SPIFFE ID, is required (X509-SVID §2)',
    );
  });

  it('a leaf whose SPIFFE ID has no path', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example');
    expectRejected(
      svid,
      'spiffe-id-no-path',
      "X509-SVID spiffe://a.example rejected: a leaf SVID's SPIFFE ID must have a path; this is a trust domain's own ID (X509-SVID §3.1, §5.2)",
    );
  });

  it('an expired leaf', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/old', { notBefore: T - 2 * HOUR, ttlMs: HOUR });
    expect(svid.notAfter).toBe(T - HOUR);
    const err = expectRejected(
      svid,
      'expired',
      `X509-SVID spiffe://a.example/old rejected: the leaf certificate expired at ${iso(T - HOUR)} (now ${iso(T)})`,
      T,
    );
    expect(err.spiffeId).toBe('spiffe://a.example/old');
  });

  it('a leaf that is not yet valid', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/future', { notBefore: T + HOUR });
    expectRejected(
      svid,
      'not-yet-valid',
      `X509-SVID spiffe://a.example/future rejected: the leaf certificate is not valid before ${iso(T + HOUR)} (now ${iso(T)})`,
      T,
    );
  });

  it.each([
    [['digitalSignature', 'keyCertSign'], 'sets keyCertSign'],
    [['digitalSignature', 'cRLSign'], 'sets cRLSign'],
    [['keyAgreement'], 'lacks digitalSignature'],
    [[], 'has no key usage extension'],
  ] as const)('leaf key usage %j', async (keyUsage, problem) => {
    const svid = await caA.issueX509Svid('spiffe://a.example/ku', { keyUsage: [...keyUsage] });
    expectRejected(
      svid,
      'key-usage',
      `X509-SVID spiffe://a.example/ku rejected: the leaf certificate's key usage ${problem}; a leaf SVID must set digitalSignature and must not set keyCertSign or cRLSign (X509-SVID §4.3, §5.2)`,
    );
  });

  it("a leaf of trust domain A signed by B's authority, though both bundles are loaded", async () => {
    const svid = await caB.issueX509Svid('spiffe://a.example/impostor');
    // TLS would accept it: B's authority is among the client CAs.
    expect(bundles.allAuthoritiesPem()).toContain(caB.certPem.trim());
    expectRejected(
      svid,
      'chain',
      'X509-SVID spiffe://a.example/impostor rejected: the presented certificates do not chain to an authority of trust domain "a.example" (X509-SVID §5.1)',
    );
  });

  it("a leaf of A issued through an intermediate for A that B's authority signed", async () => {
    const crossSigned = await caB.issueIntermediate({ trustDomain: 'a.example' });
    const svid = await crossSigned.issueX509Svid('spiffe://a.example/cross');
    expectRejected(
      svid,
      'chain',
      'X509-SVID spiffe://a.example/cross rejected: the presented certificates do not chain to an authority of trust domain "a.example" (X509-SVID §5.1)',
    );
  });

  it('an intermediate without the CA flag', async () => {
    const notCa = await caA.issueIntermediate({ isCa: false });
    const svid = await notCa.issueX509Svid('spiffe://a.example/under-non-ca');
    expectRejected(
      svid,
      'intermediate-not-ca',
      'X509-SVID spiffe://a.example/under-non-ca rejected: certificate 2 of the presented chain signed the certificate below it but is not a CA (basicConstraints cA is not true) (X509-SVID §3.2, §4.1)',
    );
  });

  it('an intermediate without keyCertSign', async () => {
    const noSign = await caA.issueIntermediate({ keyUsage: ['cRLSign'] });
    const svid = await noSign.issueX509Svid('spiffe://a.example/under-no-sign');
    expectRejected(
      svid,
      'intermediate-key-usage',
      'X509-SVID spiffe://a.example/under-no-sign rejected: certificate 2 of the presented chain signed the certificate below it but its key usage lacks keyCertSign (X509-SVID §3.2, §4.3)',
    );
  });

  it('an intermediate that is not yet valid', async () => {
    const later = await caA.issueIntermediate({ notBefore: T + HOUR, ttlMs: DAY });
    const svid = await later.issueX509Svid('spiffe://a.example/early', { notBefore: T - HOUR, ttlMs: DAY });
    expectRejected(
      svid,
      'not-yet-valid',
      `X509-SVID spiffe://a.example/early rejected: certificate 2 of the presented chain is not valid before ${iso(T + HOUR)} (now ${iso(T)})`,
      T,
    );
  });

  it("more intermediates than an intermediate's pathLenConstraint allows", async () => {
    const limited = await caA.issueIntermediate({ pathLenConstraint: 0 });
    const below = await limited.issueIntermediate();
    const svid = await below.issueX509Svid('spiffe://a.example/too-deep');
    expectRejected(
      svid,
      'path-length',
      'X509-SVID spiffe://a.example/too-deep rejected: certificate 3 of the presented chain signed the certificate below it but its pathLenConstraint allows 0 intermediates below it and the path has 1 (RFC 5280 §4.2.1.9)',
    );
  });

  it("more intermediates than a bundle authority's pathLenConstraint allows", async () => {
    const limited = await caA.issueIntermediate({ pathLenConstraint: 0 });
    const below = await limited.issueIntermediate();
    const svid = await below.issueX509Svid('spiffe://a.example/under-anchor');
    // The bundle may hold an intermediate as the authority; its constraints still apply.
    const pinned = TrustBundleSet.fromPem([{ trustDomain: 'a.example', pem: limited.certPem }]);
    const subject = new X509Certificate(limited.certPem).subject.split('\n').join(', ');
    const err = rejection(derChain(svid.chainPem), pinned);
    expect({ rule: err.rule, message: err.message }).toEqual({
      rule: 'path-length',
      message: `X509-SVID spiffe://a.example/under-anchor rejected: the pathLenConstraint of the trust bundle authority "${subject}" allows 0 intermediates below it and the path has 1 (RFC 5280 §4.2.1.9)`,
    });
    // With one intermediate fewer the same authority accepts it.
    const direct = await limited.issueX509Svid('spiffe://a.example/direct');
    expect(verifyX509Svid(derChain(direct.chainPem), pinned, Date.now()).path).toBe('/direct');
  });

  it('a chain missing its intermediate', async () => {
    const intermediate = await caA.issueIntermediate();
    const svid = await intermediate.issueX509Svid('spiffe://a.example/orphan');
    expectRejected(
      [derChain(svid.certPem)[0]!],
      'chain',
      'X509-SVID spiffe://a.example/orphan rejected: the presented certificates do not chain to an authority of trust domain "a.example" (X509-SVID §5.1)',
    );
  });

  it('an unknown trust domain', async () => {
    const svid = await caC.issueX509Svid('spiffe://c.example/stranger');
    expectRejected(
      svid,
      'untrusted-trust-domain',
      'X509-SVID spiffe://c.example/stranger rejected: trust domain "c.example" has no trust bundle here, so nothing can vouch for it (SPIFFE-ID §3)',
    );
  });

  it('an empty chain', () => {
    expectRejected([], 'no-certificate', 'X509-SVID rejected: no certificate was presented; an X509-SVID is required');
  });

  it('bytes that are not a certificate', () => {
    expectRejected(
      [Buffer.from('not a certificate')],
      'malformed',
      'X509-SVID rejected: the leaf certificate cannot be read: it is not a parseable X.509 certificate',
    );
  });

  it('too many certificates', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/long');
    const leaf = derChain(svid.certPem)[0]!;
    const chain = Array.from({ length: MAX_INTERMEDIATES + 2 }, () => leaf);
    expectRejected(
      chain,
      'chain-length',
      `X509-SVID rejected: ${MAX_INTERMEDIATES + 2} certificates were presented; at most ${MAX_INTERMEDIATES + 1} (leaf and intermediates) are accepted`,
    );
  });

  it('a clock that is not a number, as a programming error', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/nan');
    expect(() => verifyX509Svid(derChain(svid.chainPem), bundles, Number.NaN)).toThrow(
      new TypeError('verifyX509Svid: nowMs must be a finite number of ms since the epoch'),
    );
  });
});

describe('verifyX509Svid rejects certificates DevAuthority will not mint', () => {
  const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

  /** Signs a certificate with exactly the extensions given; by default a leaf under a.example's authority. */
  async function craft(
    extensions: x509.Extension[],
    opts: { subject?: string; issuer?: string | x509.Name; signingKey?: webcrypto.CryptoKey; publicKey?: webcrypto.CryptoKey } = {},
  ): Promise<Buffer> {
    const keyDer = createPrivateKey(caA.keyPem).export({ type: 'pkcs8', format: 'der' });
    const signingKey = opts.signingKey ?? (await webcrypto.subtle.importKey('pkcs8', keyDer, EC, false, ['sign']));
    const publicKey = opts.publicKey ?? (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])).publicKey;
    const cert = await x509.X509CertificateGenerator.create(
      {
        subject: opts.subject ?? 'O=crafted',
        issuer: opts.issuer ?? new x509.X509Certificate(caA.certPem).subjectName,
        notBefore: new Date(T - HOUR),
        notAfter: new Date(T + HOUR),
        publicKey,
        signingKey,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        extensions,
      },
      webcrypto,
    );
    return Buffer.from(cert.rawData);
  }

  const basics = (): x509.Extension[] => [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  ];

  it('an unknown critical extension', async () => {
    const der = await craft([
      ...basics(),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://a.example/crafted' }]),
      new x509.Extension('1.3.6.1.4.1.99999.1', true, new Uint8Array([0x05, 0x00])),
    ]);
    expectRejected(
      [der],
      'critical-extension',
      'X509-SVID spiffe://a.example/crafted rejected: the leaf certificate has critical extension 1.3.6.1.4.1.99999.1, which this verifier does not process',
      T,
    );
  });

  it('a second subjectAltName extension smuggling a second SPIFFE ID', async () => {
    const der = await craft([
      ...basics(),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://a.example/first' }]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://a.example/second' }]),
    ]);
    expectRejected(
      [der],
      'malformed',
      'X509-SVID rejected: the leaf certificate cannot be read: certificate is not valid DER: extension 2.5.29.17 appears twice',
      T,
    );
  });

  it('a SAN with other name forms is fine; only URIs count', async () => {
    const der = await craft([
      ...basics(),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'agent.a.example' },
        { type: 'email', value: 'agent@a.example' },
        { type: 'url', value: 'spiffe://a.example/named' },
        { type: 'ip', value: '10.0.0.1' },
      ]),
    ]);
    expect(verifyX509Svid([der], bundles, T).spiffeId).toBe('spiffe://a.example/named');
  });

  it('intermediates that all sign one another, without an endless search', async () => {
    // Eight self-issued CA certificates sharing one key: every one verifies as the issuer of every other.
    const loopKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
    const caExtensions = (): x509.Extension[] => [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ];
    const loop = { subject: 'O=loop', issuer: 'O=loop', signingKey: loopKeys.privateKey, publicKey: loopKeys.publicKey };
    const intermediates = await Promise.all(Array.from({ length: MAX_INTERMEDIATES }, () => craft(caExtensions(), loop)));
    const leaf = await craft(
      [...basics(), new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://a.example/looped' }])],
      { issuer: 'O=loop', signingKey: loopKeys.privateKey },
    );
    expectRejected(
      [leaf, ...intermediates],
      'chain',
      'X509-SVID spiffe://a.example/looped rejected: the presented certificates do not chain to an authority of trust domain "a.example" (X509-SVID §5.1)',
      T,
    );
  });
});
