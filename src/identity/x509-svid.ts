// Verifies a peer's X509-SVID (github.com/spiffe/spiffe standards/X509-SVID.md) and says which
// workload it proves. Called once per TLS connection; the TLS layer has already checked the chain
// against every trusted authority, this pins it to the authorities of the SVID's own trust domain
// and applies the SVID rules TLS does not know.
import { X509Certificate, type KeyObject } from 'node:crypto';
import { CertificateFormatError, KeyUsageBit, readCertificateFields, type CertificateFields } from './certificate-fields.js';
import { IdentityError, quoteInput } from './identity-error.js';
import { parseSpiffeId, SpiffeIdError, type SpiffeId } from './spiffe-id.js';
import { x509AnchorsFor, type TrustBundleSet, type X509Anchor } from './trust-bundle.js';
import type { Workload } from './workload.js';

export type SvidRule =
  | 'no-certificate'
  | 'chain-length'
  | 'malformed'
  | 'uri-san-count'
  | 'spiffe-id'
  | 'spiffe-id-no-path'
  | 'leaf-is-ca'
  | 'key-usage'
  | 'extended-key-usage'
  | 'subject-alt-name'
  | 'critical-extension'
  | 'expired'
  | 'not-yet-valid'
  | 'untrusted-trust-domain'
  | 'chain'
  | 'intermediate-not-ca'
  | 'intermediate-key-usage'
  | 'intermediate-spiffe-id'
  | 'path-length';

export class SvidError extends IdentityError<SvidRule> {
  override readonly name = 'SvidError';
  /** the SVID's SPIFFE ID when it was read before the failure */
  readonly spiffeId: string | undefined;

  constructor(rule: SvidRule, message: string, spiffeId?: string, options?: { cause?: unknown }) {
    super(rule, message, options);
    this.spiffeId = spiffeId;
  }
}

/** Intermediates accepted after the leaf; real SPIFFE deployments use two or three at most. */
export const MAX_INTERMEDIATES = 8;

interface Presented {
  readonly x509: X509Certificate;
  readonly fields: CertificateFields;
  /** "the leaf certificate" or "certificate N of the presented chain" */
  readonly label: string;
}

interface Issuer {
  readonly x509: X509Certificate;
  readonly fields: CertificateFields;
  readonly publicKey: KeyObject;
}

const NAME_CONSTRAINTS_OID = '2.5.29.30';
const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_ANY = '2.5.29.37.0';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function labelFor(index: number): string {
  return index === 0 ? 'the leaf certificate' : `certificate ${index + 1} of the presented chain`;
}

function parsePresented(cert: unknown, index: number): Presented {
  const label = labelFor(index);
  if (!(cert instanceof X509Certificate) && !(cert instanceof Uint8Array)) {
    throw new SvidError('malformed', `X509-SVID rejected: ${label} is neither DER bytes nor an X509Certificate`);
  }
  try {
    const x509 = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
    return { x509, fields: readCertificateFields(x509.raw), label };
  } catch (err) {
    const why = err instanceof CertificateFormatError ? err.message : 'it is not a parseable X.509 certificate';
    throw new SvidError('malformed', `X509-SVID rejected: ${label} cannot be read: ${why}`, undefined, { cause: err });
  }
}

/** "X509-SVID spiffe://…" for messages; the ID is valid by now, so only its length needs a bound. */
function named(id: SpiffeId | undefined): string {
  if (id === undefined) return 'X509-SVID';
  const text = id.toString();
  return `X509-SVID ${text.length > 256 ? `${text.slice(0, 256)}…` : text}`;
}

/** RFC 5280 §4.1.2.5 and X509-SVID §5.1: every certificate on the path must be valid now. */
function validityProblem(
  fields: CertificateFields,
  label: () => string,
  nowMs: number,
  id: SpiffeId,
): SvidError | undefined {
  if (nowMs < fields.notBefore) {
    return new SvidError(
      'not-yet-valid',
      `${named(id)} rejected: ${label()} is not valid before ${iso(fields.notBefore)} (now ${iso(nowMs)})`,
      id.toString(),
    );
  }
  if (nowMs > fields.notAfter) {
    return new SvidError(
      'expired',
      `${named(id)} rejected: ${label()} expired at ${iso(fields.notAfter)} (now ${iso(nowMs)})`,
      id.toString(),
    );
  }
  return undefined;
}

function criticalExtensionProblem(cert: Presented, id: SpiffeId): SvidError | undefined {
  // RFC 5280 §4.2: a certificate with a critical extension the verifier does not process is rejected.
  const oid = cert.fields.unhandledCritical[0];
  if (oid === undefined) return undefined;
  const hint = oid === NAME_CONSTRAINTS_OID ? ' (name constraints are not supported yet)' : '';
  return new SvidError(
    'critical-extension',
    `${named(id)} rejected: ${cert.label} has critical extension ${oid}, which this verifier does not process${hint}`,
    id.toString(),
  );
}

function checkLeaf(leaf: Presented, nowMs: number): SpiffeId {
  // X509-SVID §2 and §5.2: exactly one URI SAN, and it is the SPIFFE ID.
  const uris = leaf.fields.uriSans;
  if (uris.length !== 1) {
    throw new SvidError(
      'uri-san-count',
      `X509-SVID rejected: the leaf certificate has ${uris.length} URI SANs; exactly one, the SPIFFE ID, is required (X509-SVID §2)`,
    );
  }
  let id: SpiffeId;
  try {
    id = parseSpiffeId(uris[0]!);
  } catch (err) {
    const why = err instanceof SpiffeIdError ? err.message : `invalid SPIFFE ID ${quoteInput(uris[0]!)}`;
    throw new SvidError(
      'spiffe-id',
      `X509-SVID rejected: the leaf certificate's URI SAN is not a SPIFFE ID: ${why} (X509-SVID §2)`,
      undefined,
      { cause: err },
    );
  }
  // RFC 5280 §4.1.2.6, X509-SVID §3.1: without a subject, the SAN carrying the ID must be critical.
  if (leaf.fields.subjectEmpty && !leaf.fields.subjectAltNameCritical) {
    throw new SvidError(
      'subject-alt-name',
      `${named(id)} rejected: the leaf certificate has an empty subject and a non-critical subjectAltName; without a subject the URI SAN must be critical (X509-SVID §3.1, RFC 5280 §4.1.2.6)`,
      id.toString(),
    );
  }
  // X509-SVID §3.1 and §5.2: a leaf names a workload, so its ID has a path.
  if (id.path === '') {
    throw new SvidError(
      'spiffe-id-no-path',
      `${named(id)} rejected: a leaf SVID's SPIFFE ID must have a path; this is a trust domain's own ID (X509-SVID §3.1, §5.2)`,
      id.toString(),
    );
  }
  // X509-SVID §4.1 and §5.2: a signing certificate must not authenticate.
  if (leaf.fields.basicConstraints?.ca === true) {
    throw new SvidError(
      'leaf-is-ca',
      `${named(id)} rejected: the leaf certificate is a CA (basicConstraints cA is true); only a leaf SVID may authenticate (X509-SVID §4.1, §5.2)`,
      id.toString(),
    );
  }
  // X509-SVID §4.3 and §5.2: digitalSignature set; keyCertSign and cRLSign not set.
  const usage = leaf.fields.keyUsage;
  let keyUsageProblem: string | undefined;
  if (usage === undefined) keyUsageProblem = 'has no key usage extension';
  else if (usage & KeyUsageBit.keyCertSign) keyUsageProblem = 'sets keyCertSign';
  else if (usage & KeyUsageBit.cRLSign) keyUsageProblem = 'sets cRLSign';
  else if ((usage & KeyUsageBit.digitalSignature) === 0) keyUsageProblem = 'lacks digitalSignature';
  if (keyUsageProblem !== undefined) {
    throw new SvidError(
      'key-usage',
      `${named(id)} rejected: the leaf certificate's key usage ${keyUsageProblem}; a leaf SVID must set digitalSignature and must not set keyCertSign or cRLSign (X509-SVID §4.3, §5.2)`,
      id.toString(),
    );
  }
  // X509-SVID §4.3: the key usage extension is critical on every SVID.
  if (!leaf.fields.keyUsageCritical) {
    throw new SvidError(
      'key-usage',
      `${named(id)} rejected: the leaf certificate's key usage extension is not marked critical; it must be on every SVID (X509-SVID §4.3)`,
      id.toString(),
    );
  }
  // X509-SVID §4.4: extended key usage is optional, but when present names both TLS roles.
  const eku = leaf.fields.extKeyUsage;
  if (eku !== undefined && !eku.includes(EKU_ANY)) {
    const missing = [
      ...(eku.includes(EKU_SERVER_AUTH) ? [] : ['id-kp-serverAuth']),
      ...(eku.includes(EKU_CLIENT_AUTH) ? [] : ['id-kp-clientAuth']),
    ];
    if (missing.length > 0) {
      throw new SvidError(
        'extended-key-usage',
        `${named(id)} rejected: the leaf certificate's extended key usage lacks ${missing.join(' and ')}; when present it must hold both id-kp-serverAuth and id-kp-clientAuth (X509-SVID §4.4)`,
        id.toString(),
      );
    }
  }
  const problem = criticalExtensionProblem(leaf, id) ?? validityProblem(leaf.fields, () => leaf.label, nowMs, id);
  if (problem !== undefined) throw problem;
  return id;
}

/** The rules an intermediate must meet once it is known to have signed the certificate below it. */
function intermediateProblem(cert: Presented, below: number, nowMs: number, id: SpiffeId): SvidError | undefined {
  const prefix = `${named(id)} rejected: ${cert.label} signed the certificate below it but`;
  // X509-SVID §3.2 and §4.1: a signing certificate is a CA.
  if (cert.fields.basicConstraints?.ca !== true) {
    return new SvidError('intermediate-not-ca', `${prefix} is not a CA (basicConstraints cA is not true) (X509-SVID §3.2, §4.1)`, id.toString());
  }
  // X509-SVID §3.2 and §4.3: a signing certificate sets keyCertSign.
  const usage = cert.fields.keyUsage;
  if (usage === undefined || (usage & KeyUsageBit.keyCertSign) === 0) {
    const what = usage === undefined ? 'has no key usage extension' : 'its key usage lacks keyCertSign';
    return new SvidError('intermediate-key-usage', `${prefix} ${what} (X509-SVID §3.2, §4.3)`, id.toString());
  }
  // X509-SVID §4.3: a signing certificate that is itself an SVID marks key usage critical.
  if (!cert.fields.keyUsageCritical && cert.fields.uriSans.some((uri) => uri.startsWith('spiffe://'))) {
    return new SvidError(
      'intermediate-key-usage',
      `${prefix} it is an SVID whose key usage extension is not marked critical (X509-SVID §4.3)`,
      id.toString(),
    );
  }
  // X509-SVID §3.2: a signing certificate's SPIFFE ID, if any, has no path.
  for (const uri of cert.fields.uriSans) {
    if (!uri.startsWith('spiffe://')) continue;
    let problem: string | undefined;
    try {
      if (parseSpiffeId(uri).path !== '') problem = 'has a path; a signing certificate\'s ID must not';
    } catch (err) {
      problem = `is invalid: ${err instanceof SpiffeIdError ? err.message : 'unparseable'}`;
    }
    if (problem !== undefined) {
      return new SvidError('intermediate-spiffe-id', `${prefix} its SPIFFE ID ${quoteInput(uri)} ${problem} (X509-SVID §3.2)`, id.toString());
    }
  }
  const pathLen = cert.fields.basicConstraints.pathLen;
  if (pathLen !== undefined && below > pathLen) {
    return new SvidError(
      'path-length',
      `${prefix} its pathLenConstraint allows ${pathLen} intermediates below it and the path has ${below} (RFC 5280 §4.2.1.9)`,
      id.toString(),
    );
  }
  return criticalExtensionProblem(cert, id) ?? validityProblem(cert.fields, () => cert.label, nowMs, id);
}

function anchorLabel(anchor: X509Anchor): string {
  return `the trust bundle authority ${quoteInput(anchor.certificate.subject.split('\n').join(', '), 128)}`;
}

function anchorProblem(anchor: X509Anchor, below: number, nowMs: number, id: SpiffeId): SvidError | undefined {
  const pathLen = anchor.fields.basicConstraints?.pathLen;
  if (pathLen !== undefined && below > pathLen) {
    return new SvidError(
      'path-length',
      `${named(id)} rejected: the pathLenConstraint of ${anchorLabel(anchor)} allows ${pathLen} intermediates below it and the path has ${below} (RFC 5280 §4.2.1.9)`,
      id.toString(),
    );
  }
  return validityProblem(anchor.fields, () => anchorLabel(anchor), nowMs, id);
}

interface PathSearch {
  /** leaf at 0, then the presented intermediates */
  readonly presented: readonly Presented[];
  readonly anchors: readonly X509Anchor[];
  readonly used: boolean[];
  readonly nowMs: number;
  readonly id: SpiffeId;
  /** signature checks already made, by "child>issuer" (issuer "aN" is anchor N) */
  readonly signatures: Map<string, boolean>;
  /** certificates left to try; bounds the search whatever the peer sends */
  budget: number;
  /** the first rule a signing certificate broke, reported if no path succeeds */
  failure: SvidError | undefined;
}

/** Tries each certificate at most this many times across the whole search. */
const SEARCH_BUDGET = 64;

/** True when presented certificate `child` names `issuer` as its issuer and carries its signature. */
function signedBy(search: PathSearch, child: number, key: string, issuer: Issuer): boolean {
  const memo = `${child}>${key}`;
  let signed = search.signatures.get(memo);
  if (signed === undefined) {
    const cert = search.presented[child]!;
    // Exact name bytes first; checkIssued covers equal names encoded differently.
    const namesChain =
      Buffer.compare(cert.fields.issuerDer, issuer.fields.subjectDer) === 0 || cert.x509.checkIssued(issuer.x509);
    signed = namesChain && cert.x509.verify(issuer.publicKey);
    search.signatures.set(memo, signed);
  }
  return signed;
}

/**
 * Depth-first search from presented certificate `current` up to an anchor, trying each presented
 * certificate once per path, so the order the peer sent them in does not matter. `below` counts the
 * intermediates already on the path. Returns the earliest notAfter above `current` on the path found.
 */
function findPath(search: PathSearch, current: number, below: number): number | undefined {
  for (let a = 0; a < search.anchors.length; a++) {
    const anchor = search.anchors[a]!;
    const issuer = { x509: anchor.certificate, fields: anchor.fields, publicKey: anchor.publicKey };
    if (!signedBy(search, current, `a${a}`, issuer)) continue;
    const problem = anchorProblem(anchor, below, search.nowMs, search.id);
    if (problem === undefined) return anchor.fields.notAfter;
    search.failure ??= problem;
  }
  for (let i = 1; i < search.presented.length; i++) {
    if (search.used[i] || search.budget <= 0) continue;
    search.budget--;
    const candidate = search.presented[i]!;
    if (!signedBy(search, current, String(i), { ...candidate, publicKey: candidate.x509.publicKey })) continue;
    const problem = intermediateProblem(candidate, below, search.nowMs, search.id);
    if (problem !== undefined) {
      search.failure ??= problem;
      continue;
    }
    search.used[i] = true;
    const above = findPath(search, i, below + 1);
    search.used[i] = false;
    if (above !== undefined) return Math.min(above, candidate.fields.notAfter);
  }
  return undefined;
}

/**
 * Verifies an X509-SVID chain (leaf first, then the intermediates the peer presented, in any order)
 * against the bundle of the trust domain named in the leaf's SPIFFE ID, never another trust
 * domain's. Each certificate is DER bytes, or an X509Certificate the TLS layer already parsed
 * (node's parse is the costly step, so pass what `getPeerX509Certificate()` returned).
 * Returns the workload it proves; throws SvidError naming the broken rule.
 */
export function verifyX509Svid(
  chain: readonly (Uint8Array | X509Certificate)[],
  bundles: TrustBundleSet,
  nowMs: number,
): Workload {
  // NaN would pass every validity comparison; a wrong clock is a bug in the caller, not in the SVID.
  if (!Number.isFinite(nowMs)) throw new TypeError('verifyX509Svid: nowMs must be a finite number of ms since the epoch');
  if (chain.length === 0) {
    throw new SvidError('no-certificate', 'X509-SVID rejected: no certificate was presented; an X509-SVID is required');
  }
  if (chain.length > MAX_INTERMEDIATES + 1) {
    throw new SvidError(
      'chain-length',
      `X509-SVID rejected: ${chain.length} certificates were presented; at most ${MAX_INTERMEDIATES + 1} (leaf and intermediates) are accepted`,
    );
  }
  const leaf = parsePresented(chain[0], 0);
  const id = checkLeaf(leaf, nowMs);
  const presented = [leaf, ...chain.slice(1).map((cert, i) => parsePresented(cert, i + 1))];

  // SPIFFE-ID §3 and X509-SVID §5.1: trust is rooted in the ID's own trust domain.
  const anchors = x509AnchorsFor(bundles, id.trustDomain);
  if (anchors.length === 0) {
    throw new SvidError(
      'untrusted-trust-domain',
      `${named(id)} rejected: trust domain "${id.trustDomain}" has no trust bundle here, so nothing can vouch for it (SPIFFE-ID §3)`,
      id.toString(),
    );
  }
  const search: PathSearch = {
    presented,
    anchors,
    used: presented.map(() => false),
    nowMs,
    id,
    signatures: new Map(),
    budget: SEARCH_BUDGET,
    failure: undefined,
  };
  const pathNotAfter = findPath(search, 0, 0);
  if (pathNotAfter === undefined) {
    throw (
      search.failure ??
      new SvidError(
        'chain',
        `${named(id)} rejected: the presented certificates do not chain to an authority of trust domain "${id.trustDomain}" (X509-SVID §5.1)`,
        id.toString(),
      )
    );
  }
  return Object.freeze({
    spiffeId: id.toString(),
    trustDomain: id.trustDomain,
    path: id.path,
    method: 'x509-svid' as const,
    svidExpiresAt: Math.min(leaf.fields.notAfter, pathNotAfter),
  });
}
