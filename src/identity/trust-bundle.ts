// The X.509 authorities of every trusted trust domain (SPIFFE Trust Domain and Bundle standard),
// kept per trust domain so an SVID is only ever checked against its own domain's authorities.
// A set never changes: a reload builds a new set with the next generation number.
import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CertificateFormatError, KeyUsageBit, readCertificateFields, type CertificateFields } from './certificate-fields.js';
import { IdentityError, quoteInput } from './identity-error.js';
import { parseTrustDomain, SpiffeIdError } from './spiffe-id.js';

export type TrustBundleRule = 'trust-domain' | 'file' | 'pem' | 'no-certificate' | 'malformed' | 'not-ca';

export class TrustBundleError extends IdentityError<TrustBundleRule> {
  override readonly name = 'TrustBundleError';
}

/** One trust domain's authorities as PEM text; a PEM text may hold several certificates. */
export interface TrustBundleSource {
  readonly trustDomain: string;
  readonly pem: string;
}

export interface TrustBundleFile {
  readonly trustDomain: string;
  readonly bundleFile: string;
}

/** One trust domain's bundle. JWT authorities will sit beside the X.509 ones. */
export interface TrustBundle {
  readonly trustDomain: string;
  readonly x509Authorities: readonly X509Certificate[];
}

/** What verification needs of one authority, worked out once when the bundle loads. */
export interface X509Anchor {
  readonly certificate: X509Certificate;
  readonly publicKey: KeyObject;
  readonly fields: CertificateFields;
}

const NO_ANCHORS: readonly X509Anchor[] = Object.freeze([]);
const NO_CERTIFICATES: readonly X509Certificate[] = Object.freeze([]);
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

interface LabelledSource extends TrustBundleSource {
  /** names the source in messages: a file path, or the entry's position */
  readonly origin: string;
}

function oneLine(subject: string): string {
  return subject.split('\n').filter(Boolean).join(', ');
}

function parseSourcePem(source: LabelledSource, trustDomain: string): X509Anchor[] {
  const where = `trust bundle ${source.origin} for trust domain "${trustDomain}"`;
  const begins = source.pem.split('-----BEGIN ').length - 1;
  const blocks = [...source.pem.matchAll(PEM_BLOCK)];
  if (blocks.length !== begins) {
    throw new TrustBundleError('pem', `${where} has a PEM block without a matching END line`);
  }
  if (blocks.length === 0) {
    throw new TrustBundleError('no-certificate', `${where} holds no PEM CERTIFICATE block`);
  }
  const anchors: X509Anchor[] = [];
  blocks.forEach((block, index) => {
    const label = block[1] ?? '';
    const position = `certificate ${index + 1} of ${blocks.length}`;
    if (label !== 'CERTIFICATE') {
      // Say what was found but never echo its body: a misplaced private key must not reach a log.
      throw new TrustBundleError('pem', `${where} holds a "${label}" PEM block; a trust bundle holds only CERTIFICATE blocks`);
    }
    let certificate: X509Certificate;
    let fields: CertificateFields;
    try {
      certificate = new X509Certificate(block[0]);
      fields = readCertificateFields(certificate.raw);
    } catch (err) {
      const why = err instanceof CertificateFormatError ? err.message : 'it is not a parseable X.509 certificate';
      throw new TrustBundleError('malformed', `${where}: ${position} cannot be used: ${why}`, { cause: err });
    }
    const subject = quoteInput(oneLine(certificate.subject), 128);
    if (fields.basicConstraints?.ca !== true) {
      throw new TrustBundleError(
        'not-ca',
        `${where}: ${position} (subject ${subject}) is not a CA certificate (basicConstraints cA is not true); a bundle holds only X.509 authorities`,
      );
    }
    if (fields.keyUsage !== undefined && (fields.keyUsage & KeyUsageBit.keyCertSign) === 0) {
      throw new TrustBundleError(
        'not-ca',
        `${where}: ${position} (subject ${subject}) may not sign certificates (key usage lacks keyCertSign)`,
      );
    }
    anchors.push({ certificate, publicKey: certificate.publicKey, fields });
  });
  return anchors;
}

let anchorsOf: (set: TrustBundleSet, trustDomain: string) => readonly X509Anchor[];

/** The X.509 authorities this verifier trusts, by trust domain. Immutable. */
export class TrustBundleSet {
  /** 1 for the first set, previous + 1 for each reload; lets caches keyed on a set notice a reload. */
  readonly generation: number;
  readonly #anchors: ReadonlyMap<string, readonly X509Anchor[]>;
  readonly #bundles: ReadonlyMap<string, TrustBundle>;
  readonly #trustDomains: readonly string[];
  #allPem: string | undefined;

  // The verifier reads the pre-parsed anchors; nothing outside this area sees them.
  static {
    anchorsOf = (set, trustDomain) => set.#anchors.get(trustDomain) ?? NO_ANCHORS;
  }

  private constructor(anchors: Map<string, readonly X509Anchor[]>, generation: number) {
    this.generation = generation;
    this.#anchors = anchors;
    const bundles = new Map<string, TrustBundle>();
    for (const [trustDomain, list] of anchors) {
      bundles.set(
        trustDomain,
        Object.freeze({ trustDomain, x509Authorities: Object.freeze(list.map((a) => a.certificate)) }),
      );
    }
    this.#bundles = bundles;
    this.#trustDomains = Object.freeze([...anchors.keys()].sort());
    Object.freeze(this);
  }

  /**
   * Builds a set from PEM texts. Several sources may name the same trust domain; their authorities
   * are merged and duplicates dropped. Pass the set being replaced to number this one after it.
   */
  static fromPem(sources: readonly TrustBundleSource[], previous?: TrustBundleSet): TrustBundleSet {
    return TrustBundleSet.#build(
      sources.map((s, i) => ({ ...s, origin: `entry ${i + 1}` })),
      previous,
    );
  }

  /** Reads each bundle file (PEM, one or more CA certificates) and builds a set from them. */
  static async fromFiles(files: readonly TrustBundleFile[], previous?: TrustBundleSet): Promise<TrustBundleSet> {
    const sources = await Promise.all(
      files.map(async ({ trustDomain, bundleFile }): Promise<LabelledSource> => {
        try {
          return { trustDomain, pem: await readFile(bundleFile, 'utf8'), origin: `file ${bundleFile}` };
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? 'read error';
          throw new TrustBundleError(
            'file',
            `cannot read the trust bundle file ${bundleFile} for trust domain ${quoteInput(String(trustDomain))}: ${code}`,
            { cause: err },
          );
        }
      }),
    );
    return TrustBundleSet.#build(sources, previous);
  }

  static #build(sources: readonly LabelledSource[], previous: TrustBundleSet | undefined): TrustBundleSet {
    const anchors = new Map<string, X509Anchor[]>();
    const seen = new Map<string, Set<string>>();
    for (const source of sources) {
      let trustDomain: string;
      try {
        trustDomain = parseTrustDomain(source.trustDomain);
      } catch (err) {
        const why = err instanceof SpiffeIdError ? err.message : 'invalid trust domain';
        throw new TrustBundleError('trust-domain', `trust bundle ${source.origin}: ${why}`, { cause: err });
      }
      const list = anchors.get(trustDomain) ?? [];
      const fingerprints = seen.get(trustDomain) ?? new Set<string>();
      for (const anchor of parseSourcePem(source, trustDomain)) {
        if (fingerprints.has(anchor.certificate.fingerprint256)) continue;
        fingerprints.add(anchor.certificate.fingerprint256);
        list.push(anchor);
      }
      anchors.set(trustDomain, list);
      seen.set(trustDomain, fingerprints);
    }
    const frozen = new Map<string, readonly X509Anchor[]>();
    for (const [trustDomain, list] of anchors) frozen.set(trustDomain, Object.freeze(list));
    return new TrustBundleSet(frozen, previous === undefined ? 1 : previous.generation + 1);
  }

  /** Trust domains with a bundle, sorted. */
  trustDomains(): readonly string[] {
    return this.#trustDomains;
  }

  has(trustDomain: string): boolean {
    return this.#anchors.has(trustDomain);
  }

  bundleFor(trustDomain: string): TrustBundle | undefined {
    return this.#bundles.get(trustDomain);
  }

  /** The X.509 authorities of one trust domain; empty for an unknown one. */
  authoritiesFor(trustDomain: string): readonly X509Certificate[] {
    return this.#bundles.get(trustDomain)?.x509Authorities ?? NO_CERTIFICATES;
  }

  /**
   * Every authority of every trust domain as one PEM text, for a TLS server's client-CA list. TLS
   * only proves "some trusted authority"; verifyX509Svid then pins the SVID to its own domain.
   */
  allAuthoritiesPem(): string {
    if (this.#allPem === undefined) {
      const unique = new Map<string, string>();
      for (const list of this.#anchors.values()) {
        for (const { certificate } of list) unique.set(certificate.fingerprint256, certificate.toString());
      }
      this.#allPem = [...unique.values()].map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
    }
    return this.#allPem;
  }
}

/** The pre-parsed X.509 anchors of one trust domain (empty if it has no bundle). Not exported by index. */
export function x509AnchorsFor(set: TrustBundleSet, trustDomain: string): readonly X509Anchor[] {
  return anchorsOf(set, trustDomain);
}
