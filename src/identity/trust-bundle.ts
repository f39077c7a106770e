// The X.509 and JWT authorities of every trusted trust domain (SPIFFE Trust Domain and Bundle
// standard), kept per trust domain so an SVID is only ever checked against its own domain's
// authorities. A set never changes: a reload builds a new set with the next generation number.
import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CertificateFormatError, KeyUsageBit, readCertificateFields, type CertificateFields } from './certificate-fields.js';
import { IdentityError, quoteInput } from './identity-error.js';
import { parseSpiffeBundle, SpiffeBundleError, type JwtAuthority } from './spiffe-bundle.js';
import { parseTrustDomain, SpiffeIdError } from './spiffe-id.js';

export type TrustBundleRule =
  | 'trust-domain'
  | 'file'
  | 'pem'
  | 'no-certificate'
  | 'malformed'
  | 'not-ca'
  | 'spiffe-bundle'
  | 'no-authority'
  | 'duplicate-key-id';

/** `pem`: one or more CERTIFICATE blocks. `spiffe`: a SPIFFE bundle (JWK Set, Trust Domain and Bundle §4). */
export type TrustBundleFormat = 'pem' | 'spiffe';

export class TrustBundleError extends IdentityError<TrustBundleRule> {
  override readonly name = 'TrustBundleError';
}

/** One trust domain's authorities as PEM text; a PEM text may hold several certificates. */
export interface TrustBundleSource {
  readonly trustDomain: string;
  readonly pem: string;
}

/** One trust domain's bundle as text in either format. */
export interface TrustBundleText {
  readonly trustDomain: string;
  readonly format: TrustBundleFormat;
  readonly text: string;
  /** names the source in messages, e.g. `file /run/spiffe/bundle.json`; default `entry N` */
  readonly origin?: string;
}

export interface TrustBundleFile {
  readonly trustDomain: string;
  readonly bundleFile: string;
  /** default `pem` */
  readonly format?: TrustBundleFormat | undefined;
}

/** One trust domain's bundle. */
export interface TrustBundle {
  readonly trustDomain: string;
  readonly x509Authorities: readonly X509Certificate[];
  readonly jwtAuthorities: readonly JwtAuthority[];
  /** the highest `spiffe_sequence` among its SPIFFE bundle sources, if any set one */
  readonly sequence: number | undefined;
  /** the shortest `spiffe_refresh_hint` (seconds) among its SPIFFE bundle sources, if any set one */
  readonly refreshHintSeconds: number | undefined;
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

interface LabelledSource extends TrustBundleText {
  readonly origin: string;
}

/** What one source contributed, before sources of the same trust domain are merged. */
interface SourceContent {
  readonly anchors: readonly X509Anchor[];
  readonly jwt: readonly JwtAuthority[];
  readonly sequence: number | undefined;
  readonly refreshHintSeconds: number | undefined;
  readonly ignored: readonly string[];
}

/** Everything the set keeps for one trust domain. */
interface DomainEntry {
  readonly anchors: readonly X509Anchor[];
  readonly jwtByKeyId: ReadonlyMap<string, JwtAuthority>;
  readonly bundle: TrustBundle;
}

function oneLine(subject: string): string {
  return subject.split('\n').filter(Boolean).join(', ');
}

function sourceLabel(source: LabelledSource, trustDomain: string): string {
  return `trust bundle ${source.origin} for trust domain "${trustDomain}"`;
}

/** A bundle holds authorities only: CA certificates that may sign certificates. */
function checkAuthority(certificate: X509Certificate, fields: CertificateFields, where: string, position: string): void {
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
}

function parseSourcePem(source: LabelledSource, trustDomain: string): SourceContent {
  const where = sourceLabel(source, trustDomain);
  const begins = source.text.split('-----BEGIN ').length - 1;
  const blocks = [...source.text.matchAll(PEM_BLOCK)];
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
    checkAuthority(certificate, fields, where, position);
    anchors.push({ certificate, publicKey: certificate.publicKey, fields });
  });
  return { anchors, jwt: [], sequence: undefined, refreshHintSeconds: undefined, ignored: [] };
}

function parseSourceSpiffe(source: LabelledSource, trustDomain: string): SourceContent {
  const where = sourceLabel(source, trustDomain);
  let parsed;
  try {
    parsed = parseSpiffeBundle(source.text);
  } catch (err) {
    if (!(err instanceof SpiffeBundleError)) throw err;
    const rule = err.rule === 'malformed' ? 'malformed' : 'spiffe-bundle';
    throw new TrustBundleError(rule, `${where} is not a usable SPIFFE bundle: ${err.message}`, { cause: err });
  }
  const anchors = parsed.x509Authorities.map(({ certificate, fields }, index) => {
    checkAuthority(certificate, fields, where, `x509-svid authority ${index + 1} of ${parsed.x509Authorities.length}`);
    return { certificate, publicKey: certificate.publicKey, fields };
  });
  return {
    anchors,
    jwt: parsed.jwtAuthorities,
    sequence: parsed.sequence,
    refreshHintSeconds: parsed.refreshHintSeconds,
    ignored: parsed.ignored.map((line) => `${where}: ${line}`),
  };
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}

let entryOf: (set: TrustBundleSet, trustDomain: string) => DomainEntry | undefined;

/** The X.509 and JWT authorities this verifier trusts, by trust domain. Immutable. */
export class TrustBundleSet {
  /** 1 for the first set, previous + 1 for each reload; lets caches keyed on a set notice a reload. */
  readonly generation: number;
  /** entries skipped as the standards require (unknown key type or use, …), for the log */
  readonly ignored: readonly string[];
  readonly #entries: ReadonlyMap<string, DomainEntry>;
  readonly #trustDomains: readonly string[];
  #allPem: string | undefined;

  // The verifiers read the pre-parsed entries; nothing outside this area sees them.
  static {
    entryOf = (set, trustDomain) => set.#entries.get(trustDomain);
  }

  private constructor(entries: Map<string, DomainEntry>, ignored: readonly string[], generation: number) {
    this.generation = generation;
    this.ignored = Object.freeze([...ignored]);
    this.#entries = entries;
    this.#trustDomains = Object.freeze([...entries.keys()].sort());
    Object.freeze(this);
  }

  /**
   * Builds a set from PEM texts. Several sources may name the same trust domain; their authorities
   * are merged and duplicates dropped. Pass the set being replaced to number this one after it.
   */
  static fromPem(sources: readonly TrustBundleSource[], previous?: TrustBundleSet): TrustBundleSet {
    return TrustBundleSet.#build(
      sources.map((s, i) => ({ trustDomain: s.trustDomain, format: 'pem', text: s.pem, origin: `entry ${i + 1}` })),
      previous,
    );
  }

  /** Builds a set from texts in either format (PEM or SPIFFE bundle), merged per trust domain. */
  static fromTexts(sources: readonly TrustBundleText[], previous?: TrustBundleSet): TrustBundleSet {
    return TrustBundleSet.#build(
      sources.map((s, i) => ({ ...s, origin: s.origin ?? `entry ${i + 1}` })),
      previous,
    );
  }

  /** Reads each bundle file (PEM certificates, or a SPIFFE bundle) and builds a set from them. */
  static async fromFiles(files: readonly TrustBundleFile[], previous?: TrustBundleSet): Promise<TrustBundleSet> {
    const sources = await Promise.all(
      files.map(async ({ trustDomain, bundleFile, format }): Promise<LabelledSource> => {
        try {
          return { trustDomain, format: format ?? 'pem', text: await readFile(bundleFile, 'utf8'), origin: `file ${bundleFile}` };
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
    const jwt = new Map<string, Map<string, JwtAuthority>>();
    const sequences = new Map<string, number>();
    const hints = new Map<string, number>();
    const ignored: string[] = [];
    for (const source of sources) {
      let trustDomain: string;
      try {
        trustDomain = parseTrustDomain(source.trustDomain);
      } catch (err) {
        const why = err instanceof SpiffeIdError ? err.message : 'invalid trust domain';
        throw new TrustBundleError('trust-domain', `trust bundle ${source.origin}: ${why}`, { cause: err });
      }
      const content = source.format === 'spiffe' ? parseSourceSpiffe(source, trustDomain) : parseSourcePem(source, trustDomain);
      if (content.anchors.length === 0 && content.jwt.length === 0) {
        throw new TrustBundleError(
          'no-authority',
          `${sourceLabel(source, trustDomain)} holds no usable X.509 or JWT authority; keep at least one (SPIFFE Trust Domain and Bundle §3)`,
        );
      }
      ignored.push(...content.ignored);
      const list = anchors.get(trustDomain) ?? [];
      const fingerprints = seen.get(trustDomain) ?? new Set<string>();
      for (const anchor of content.anchors) {
        if (fingerprints.has(anchor.certificate.fingerprint256)) continue;
        fingerprints.add(anchor.certificate.fingerprint256);
        list.push(anchor);
      }
      anchors.set(trustDomain, list);
      seen.set(trustDomain, fingerprints);
      const keys = jwt.get(trustDomain) ?? new Map<string, JwtAuthority>();
      for (const authority of content.jwt) {
        const existing = keys.get(authority.keyId);
        // A key ID must name one key: a token's `kid` would otherwise be ambiguous.
        if (existing !== undefined && !sameKey(existing.publicKey, authority.publicKey)) {
          throw new TrustBundleError(
            'duplicate-key-id',
            `${sourceLabel(source, trustDomain)}: key ID ${quoteInput(authority.keyId)} names two different JWT authorities of the trust domain`,
          );
        }
        keys.set(authority.keyId, authority);
      }
      jwt.set(trustDomain, keys);
      if (content.sequence !== undefined) sequences.set(trustDomain, Math.max(content.sequence, sequences.get(trustDomain) ?? 0));
      if (content.refreshHintSeconds !== undefined) {
        hints.set(trustDomain, Math.min(content.refreshHintSeconds, hints.get(trustDomain) ?? Number.MAX_SAFE_INTEGER));
      }
    }
    const entries = new Map<string, DomainEntry>();
    for (const [trustDomain, list] of anchors) {
      const frozenAnchors = Object.freeze(list);
      const keys = jwt.get(trustDomain) ?? new Map<string, JwtAuthority>();
      const bundle: TrustBundle = Object.freeze({
        trustDomain,
        x509Authorities: Object.freeze(list.map((a) => a.certificate)),
        jwtAuthorities: Object.freeze([...keys.values()].map((k) => Object.freeze({ ...k }))),
        sequence: sequences.get(trustDomain),
        refreshHintSeconds: hints.get(trustDomain),
      });
      entries.set(trustDomain, { anchors: frozenAnchors, jwtByKeyId: keys, bundle });
    }
    return new TrustBundleSet(entries, ignored, previous === undefined ? 1 : previous.generation + 1);
  }

  /** Trust domains with a bundle, sorted. */
  trustDomains(): readonly string[] {
    return this.#trustDomains;
  }

  has(trustDomain: string): boolean {
    return this.#entries.has(trustDomain);
  }

  bundleFor(trustDomain: string): TrustBundle | undefined {
    return this.#entries.get(trustDomain)?.bundle;
  }

  /** The X.509 authorities of one trust domain; empty for an unknown one. */
  authoritiesFor(trustDomain: string): readonly X509Certificate[] {
    return this.#entries.get(trustDomain)?.bundle.x509Authorities ?? NO_CERTIFICATES;
  }

  /**
   * Every authority of every trust domain as one PEM text, for a TLS server's client-CA list. TLS
   * only proves "some trusted authority"; verifyX509Svid then pins the SVID to its own domain.
   */
  allAuthoritiesPem(): string {
    if (this.#allPem === undefined) {
      const unique = new Map<string, string>();
      for (const { anchors } of this.#entries.values()) {
        for (const { certificate } of anchors) unique.set(certificate.fingerprint256, certificate.toString());
      }
      this.#allPem = [...unique.values()].map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
    }
    return this.#allPem;
  }
}

/** The pre-parsed X.509 anchors of one trust domain (empty if it has no bundle). Not exported by index. */
export function x509AnchorsFor(set: TrustBundleSet, trustDomain: string): readonly X509Anchor[] {
  return entryOf(set, trustDomain)?.anchors ?? NO_ANCHORS;
}

/** The JWT authority of `trustDomain` with key ID `keyId`, if its bundle has one. Not exported by index. */
export function jwtAuthorityFor(set: TrustBundleSet, trustDomain: string, keyId: string): JwtAuthority | undefined {
  return entryOf(set, trustDomain)?.jwtByKeyId.get(keyId);
}
