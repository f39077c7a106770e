// Trust bundles and warrant's own SVID reload from files: a good change swaps, a bad one keeps the
// previous content and says why, a deleted bundle file removes its trust domain after the grace.
import { mkdtemp, rm, unlink, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DevAuthority,
  DevJwtAuthority,
  TrustBundleWatcher,
  X509SvidFileSource,
  checkX509SvidMaterial,
  formatSpiffeBundle,
  type TrustBundleChange,
  type TrustBundleError,
  type X509SvidMaterial,
  type X509SvidMaterialError,
} from '../../src/identity/index.js';
import { eventually } from '../support/harness.js';

const WATCH = { debounceMs: 20, pollIntervalMs: 100, missingGraceMs: 300 };
let dir: string;
let caA: DevAuthority;
let caA2: DevAuthority;
let caB: DevAuthority;
const closers: (() => void)[] = [];

beforeAll(async () => {
  caA = await DevAuthority.create('a.example');
  caA2 = await DevAuthority.create('a.example');
  caB = await DevAuthority.create('b.example');
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warrant-reload-'));
});
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await rm(dir, { recursive: true, force: true });
});

/** Writes beside and renames, as provisioning systems should (SPIFFE Filesystem Delivery §2.2). */
async function replace(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

async function openWatcher(): Promise<{ watcher: TrustBundleWatcher; changes: TrustBundleChange[]; rejected: TrustBundleError[]; missing: string[] }> {
  const fileA = join(dir, 'a.pem');
  const fileB = join(dir, 'b.json');
  await writeFile(fileA, caA.certPem);
  await writeFile(fileB, formatSpiffeBundle({ x509Authorities: [caB.certPem], jwtAuthorities: [] }));
  const changes: TrustBundleChange[] = [];
  const rejected: TrustBundleError[] = [];
  const missing: string[] = [];
  const watcher = await TrustBundleWatcher.open(
    [
      { trustDomain: 'a.example', bundleFile: fileA },
      { trustDomain: 'b.example', bundleFile: fileB, format: 'spiffe' },
    ],
    WATCH,
    { onChange: (c) => void changes.push(c), onRejected: (e) => void rejected.push(e), onMissing: (f) => void missing.push(f) },
  );
  closers.push(() => watcher.close());
  return { watcher, changes, rejected, missing };
}

describe('TrustBundleWatcher', () => {
  it('swaps in a changed bundle with the next generation', async () => {
    const { watcher, changes } = await openWatcher();
    expect(watcher.bundles.generation).toBe(1);
    await replace(join(dir, 'a.pem'), caA.certPem + caA2.certPem);
    const change = await eventually(async () => changes[0]);
    expect(change.bundles.generation).toBe(2);
    expect(change.changed).toEqual(['a.example']);
    expect(change.added).toEqual([]);
    expect(change.removed).toEqual([]);
    expect(watcher.bundles.authoritiesFor('a.example')).toHaveLength(2);
  });

  it('keeps the previous content of a malformed file, says why, and still applies the others', async () => {
    const { watcher, changes, rejected } = await openWatcher();
    const jwt = DevJwtAuthority.create();
    await replace(join(dir, 'a.pem'), caA.keyPem);
    await replace(join(dir, 'b.json'), formatSpiffeBundle({ x509Authorities: [caB.certPem], jwtAuthorities: [jwt] }));
    await eventually(async () => (rejected.length > 0 && changes.length > 0 ? true : undefined));
    expect(rejected[0]!.rule).toBe('pem');
    expect(rejected[0]!.message).toBe(`trust bundle file ${join(dir, 'a.pem')} for trust domain "a.example" holds a "PRIVATE KEY" PEM block; a trust bundle holds only CERTIFICATE blocks`);
    expect(rejected[0]!.message).not.toContain(caA.keyPem.split('\n')[1]!);
    expect(watcher.bundles.authoritiesFor('a.example')).toHaveLength(1);
    expect(watcher.bundles.bundleFor('b.example')!.jwtAuthorities.map((k) => k.keyId)).toEqual([jwt.keyId]);
  });

  it('removes the trust domain of a file that stays deleted, and brings it back when it returns', async () => {
    const { watcher, changes, missing } = await openWatcher();
    await unlink(join(dir, 'b.json'));
    const removal = await eventually(async () => changes.find((c) => c.removed.length > 0));
    expect(missing).toEqual([join(dir, 'b.json')]);
    expect(removal.removed).toEqual(['b.example']);
    expect(watcher.bundles.trustDomains()).toEqual(['a.example']);
    await replace(join(dir, 'b.json'), formatSpiffeBundle({ x509Authorities: [caB.certPem], jwtAuthorities: [] }));
    const back = await eventually(async () => changes.find((c) => c.added.length > 0));
    expect(back.added).toEqual(['b.example']);
  });

  it('a file that is deleted and written again within the grace removes nothing', async () => {
    const { watcher, changes } = await openWatcher();
    await unlink(join(dir, 'a.pem'));
    await watcher.reload();
    await writeFile(join(dir, 'a.pem'), caA.certPem + caA2.certPem);
    const change = await eventually(async () => changes[0]);
    expect(change.removed).toEqual([]);
    expect(change.changed).toEqual(['a.example']);
  });

  it('refuses to start on a bad bundle', async () => {
    await writeFile(join(dir, 'bad.json'), '{"keys": 1}');
    await expect(TrustBundleWatcher.open([{ trustDomain: 'a.example', bundleFile: join(dir, 'bad.json'), format: 'spiffe' }], WATCH, { onChange: () => undefined, onRejected: () => undefined })).rejects.toThrow(
      `trust bundle file ${join(dir, 'bad.json')} for trust domain "a.example" is not a usable SPIFFE bundle: it has no "keys" array (SPIFFE Trust Domain and Bundle §4.1.3)`,
    );
  });
});

describe('X509SvidFileSource', () => {
  it('rotates to a new pair, refuses a half-written one, and never a mismatched key', async () => {
    const certFile = join(dir, 'svid.pem');
    const keyFile = join(dir, 'svid-key.pem');
    const first = await caA.issueX509Svid('spiffe://a.example/warrant');
    await writeFile(certFile, first.chainPem);
    await writeFile(keyFile, first.keyPem);
    const updates: X509SvidMaterial[] = [];
    const rejected: X509SvidMaterialError[] = [];
    const source = await X509SvidFileSource.open(certFile, keyFile, WATCH, { onUpdate: (s) => void updates.push(s), onRejected: (e) => void rejected.push(e) });
    closers.push(() => source.close());
    expect(source.current.spiffeId).toBe('spiffe://a.example/warrant');

    const second = await caA.issueX509Svid('spiffe://a.example/warrant');
    await replace(certFile, second.chainPem); // the key still the old one: half-written
    await eventually(async () => rejected[0]);
    expect(rejected[0]!.rule).toBe('key-mismatch');
    expect(rejected[0]!.message).toBe('the SVID key does not belong to the leaf certificate (a rotation may be half-written); the previous SVID stays in use');
    expect(source.current.fingerprint256).toBe(checkX509SvidMaterial(first.chainPem, first.keyPem, Date.now()).fingerprint256);

    await replace(keyFile, second.keyPem);
    const update = await eventually(async () => updates[0]);
    expect(update.fingerprint256).toBe(checkX509SvidMaterial(second.chainPem, second.keyPem, Date.now()).fingerprint256);
    expect(source.current).toBe(update);
  });

  it('checkX509SvidMaterial refuses what TLS must not serve', async () => {
    const svid = await caA.issueX509Svid('spiffe://a.example/warrant');
    const expired = await caA.issueX509Svid('spiffe://a.example/warrant', { notBefore: Date.now() - 7_200_000, ttlMs: 3_600_000 });
    const noId = await caA.issueX509Svid('spiffe://a.example/warrant', { omitUriSan: true, dnsNames: ['localhost'] });
    const cases: [string, string, string][] = [
      ['', svid.keyPem, 'the SVID certificate chain holds no certificate'],
      [svid.chainPem, 'not a key', 'the SVID key is not a readable private key (PEM, PKCS#8 or SEC1)'],
      [expired.chainPem, expired.keyPem, `the SVID for spiffe://a.example/warrant expired at ${new Date(expired.notAfter).toISOString()}`],
      [noId.chainPem, noId.keyPem, 'the SVID leaf certificate has 0 URI SANs; an X509-SVID has exactly one, its SPIFFE ID (X509-SVID §2)'],
    ];
    for (const [chain, key, message] of cases) expect(() => checkX509SvidMaterial(chain, key, Date.now())).toThrow(message);
  });
});
