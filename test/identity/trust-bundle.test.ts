import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevAuthority, TrustBundleError, TrustBundleSet, verifyX509Svid, type TrustBundleRule } from '../../src/identity/index.js';

let dir: string;
let caA: DevAuthority;
let caA2: DevAuthority;
let caB: DevAuthority;
let leafPem: string;

function bundleError(build: () => unknown): TrustBundleError {
  try {
    build();
  } catch (err) {
    if (err instanceof TrustBundleError) return err;
    throw err;
  }
  throw new Error('expected a TrustBundleError');
}

async function bundleErrorAsync(build: () => Promise<unknown>): Promise<TrustBundleError> {
  try {
    await build();
  } catch (err) {
    if (err instanceof TrustBundleError) return err;
    throw err;
  }
  throw new Error('expected a TrustBundleError');
}

function expectError(err: TrustBundleError, rule: TrustBundleRule, message: string): void {
  expect({ rule: err.rule, message: err.message }).toEqual({ rule, message });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warrant-identity-bundle-'));
  caA = await DevAuthority.create('a.example');
  caA2 = await DevAuthority.create('a.example'); // a rotated-in second root for the same domain
  caB = await DevAuthority.create('b.example');
  leafPem = (await caA.issueX509Svid('spiffe://a.example/leaf')).certPem;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TrustBundleSet.fromFiles', () => {
  it('reads files holding several certificates, per trust domain', async () => {
    const fileA = join(dir, 'a.pem');
    const fileB = join(dir, 'b.pem');
    // Text around the blocks, as `openssl x509 -text` leaves it, is ignored.
    await writeFile(fileA, `# a.example roots\n${caA.certPem}subject=whatever\n${caA2.certPem}`);
    await writeFile(fileB, caB.certPem.replace(/\n/g, '\r\n'));
    const set = await TrustBundleSet.fromFiles([
      { trustDomain: 'b.example', bundleFile: fileB },
      { trustDomain: 'a.example', bundleFile: fileA },
    ]);
    expect(set.generation).toBe(1);
    expect(set.trustDomains()).toEqual(['a.example', 'b.example']);
    expect(set.authoritiesFor('a.example').map((c) => c.fingerprint256)).toEqual([
      new X509Certificate(caA.certPem).fingerprint256,
      new X509Certificate(caA2.certPem).fingerprint256,
    ]);
    expect(set.authoritiesFor('b.example')).toHaveLength(1);
    expect(set.authoritiesFor('a.example')[0]).toBeInstanceOf(X509Certificate);
    expect(set.bundleFor('b.example')?.trustDomain).toBe('b.example');

    // Both of a.example's roots anchor its SVIDs.
    const fromSecond = await caA2.issueX509Svid('spiffe://a.example/second');
    expect(verifyX509Svid([new X509Certificate(fromSecond.certPem)], set, Date.now()).path).toBe('/second');

    const all = set.allAuthoritiesPem();
    expect(all.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    for (const ca of [caA, caA2, caB]) expect(all).toContain(new X509Certificate(ca.certPem).toString().trim());
  });

  it('numbers each reload after the set it replaces, leaving that one untouched', async () => {
    const file = join(dir, 'reload.pem');
    await writeFile(file, caA.certPem);
    const first = await TrustBundleSet.fromFiles([{ trustDomain: 'a.example', bundleFile: file }]);
    await writeFile(file, caA2.certPem);
    const second = await TrustBundleSet.fromFiles([{ trustDomain: 'a.example', bundleFile: file }], first);
    const third = TrustBundleSet.fromPem([{ trustDomain: 'a.example', pem: caA.certPem }], second);
    expect([first.generation, second.generation, third.generation]).toEqual([1, 2, 3]);
    expect(first.authoritiesFor('a.example')[0]?.fingerprint256).toBe(new X509Certificate(caA.certPem).fingerprint256);
    expect(second.authoritiesFor('a.example')[0]?.fingerprint256).toBe(new X509Certificate(caA2.certPem).fingerprint256);
  });

  it('names a file it cannot read', async () => {
    const missing = join(dir, 'missing.pem');
    const err = await bundleErrorAsync(() => TrustBundleSet.fromFiles([{ trustDomain: 'a.example', bundleFile: missing }]));
    expectError(err, 'file', `cannot read the trust bundle file ${missing} for trust domain "a.example": ENOENT`);
  });

  it('rejects a file holding a leaf certificate, naming the file', async () => {
    const file = join(dir, 'leaf.pem');
    await writeFile(file, caA.certPem + leafPem);
    const err = await bundleErrorAsync(() => TrustBundleSet.fromFiles([{ trustDomain: 'a.example', bundleFile: file }]));
    expectError(
      err,
      'not-ca',
      `trust bundle file ${file} for trust domain "a.example": certificate 2 of 2 (subject "O=warrant dev, OU=x509-svid") is not a CA certificate (basicConstraints cA is not true); a bundle holds only X.509 authorities`,
    );
  });
});

describe('TrustBundleSet.fromPem', () => {
  it('merges sources for one trust domain and drops duplicates', () => {
    const set = TrustBundleSet.fromPem([
      { trustDomain: 'a.example', pem: caA.certPem },
      { trustDomain: 'a.example', pem: caA.certPem + caA2.certPem },
    ]);
    expect(set.authoritiesFor('a.example')).toHaveLength(2);
  });

  it('is immutable and answers for unknown trust domains', () => {
    const set = TrustBundleSet.fromPem([{ trustDomain: 'a.example', pem: caA.certPem }]);
    expect(Object.isFrozen(set)).toBe(true);
    expect(Object.isFrozen(set.authoritiesFor('a.example'))).toBe(true);
    expect(Object.isFrozen(set.trustDomains())).toBe(true);
    expect(set.authoritiesFor('z.example')).toEqual([]);
    expect(set.has('z.example')).toBe(false);
    expect(set.bundleFor('z.example')).toBeUndefined();
  });

  it('accepts an empty list', () => {
    const set = TrustBundleSet.fromPem([]);
    expect(set.trustDomains()).toEqual([]);
    expect(set.allAuthoritiesPem()).toBe('');
  });

  it('rejects a certificate that is not a CA', () => {
    expectError(
      bundleError(() => TrustBundleSet.fromPem([{ trustDomain: 'a.example', pem: leafPem }])),
      'not-ca',
      'trust bundle entry 1 for trust domain "a.example": certificate 1 of 1 (subject "O=warrant dev, OU=x509-svid") is not a CA certificate (basicConstraints cA is not true); a bundle holds only X.509 authorities',
    );
  });

  it('rejects a CA certificate that may not sign certificates', async () => {
    const crlOnly = await caA.issueIntermediate({ keyUsage: ['cRLSign'] });
    const err = bundleError(() => TrustBundleSet.fromPem([{ trustDomain: 'a.example', pem: crlOnly.certPem }]));
    expect(err.rule).toBe('not-ca');
    expect(err.message).toMatch(
      /^trust bundle entry 1 for trust domain "a\.example": certificate 1 of 1 \(subject "O=warrant dev, CN=a\.example intermediate authority [0-9a-f]{8}"\) may not sign certificates \(key usage lacks keyCertSign\)$/,
    );
  });

  it('rejects a private key without echoing it', () => {
    const err = bundleError(() => TrustBundleSet.fromPem([{ trustDomain: 'a.example', pem: caA.certPem + caA.keyPem }]));
    expectError(
      err,
      'pem',
      'trust bundle entry 1 for trust domain "a.example" holds a "PRIVATE KEY" PEM block; a trust bundle holds only CERTIFICATE blocks',
    );
    const body = caA.keyPem.split('\n')[1]!;
    expect(err.message).not.toContain(body);
  });

  it('rejects text with no certificate', () => {
    expectError(
      bundleError(() => TrustBundleSet.fromPem([{ trustDomain: 'a.example', pem: 'nothing here' }])),
      'no-certificate',
      'trust bundle entry 1 for trust domain "a.example" holds no PEM CERTIFICATE block',
    );
  });

  it('rejects a block without an END line', () => {
    expectError(
      bundleError(() => TrustBundleSet.fromPem([{ trustDomain: 'a.example', pem: caA.certPem.replace('-----END CERTIFICATE-----', '') }])),
      'pem',
      'trust bundle entry 1 for trust domain "a.example" has a PEM block without a matching END line',
    );
  });

  it('rejects a certificate block that does not parse', () => {
    expectError(
      bundleError(() =>
        TrustBundleSet.fromPem([{ trustDomain: 'a.example', pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }]),
      ),
      'malformed',
      'trust bundle entry 1 for trust domain "a.example": certificate 1 of 1 cannot be used: it is not a parseable X.509 certificate',
    );
  });

  it('rejects an invalid trust domain name', () => {
    expectError(
      bundleError(() => TrustBundleSet.fromPem([{ trustDomain: 'spiffe://a.example', pem: caA.certPem }])),
      'trust-domain',
      'trust bundle entry 1: invalid trust domain "spiffe://a.example": the trust domain has character ":"; trust domains use only a-z 0-9 . - _',
    );
  });
});
