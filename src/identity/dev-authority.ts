// An X.509 authority for `warrant dev` and for tests: ECDSA P-256 keys and SHA-256 signatures made
// with node's webcrypto through @peculiar/x509. Its issuing options can break every X509-SVID rule
// on purpose, so tests can mint the bad certificates a verifier must refuse. Never for production.
import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  webcrypto,
  X509Certificate as NodeX509Certificate,
} from 'node:crypto';
// @peculiar/x509 wires itself up with tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { inspect } from 'node:util';
import { KeyUsageBit, readCertificateFields, type CertificateFields } from './certificate-fields.js';
import { IdentityError } from './identity-error.js';
import { parseSpiffeId, parseTrustDomain } from './spiffe-id.js';

export type DevAuthorityRule = 'authority-certificate' | 'authority-key' | 'options';

export class DevAuthorityError extends IdentityError<DevAuthorityRule> {
  override readonly name = 'DevAuthorityError';
}

export type DevKeyUsage = 'digitalSignature' | 'keyEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';

export interface DevAuthorityOptions {
  /** default 365 days: `warrant dev` keeps its authority across runs */
  ttlMs?: number;
  /** ms since the epoch the validity starts from; default now */
  now?: number;
}

export interface IssueX509SvidOptions {
  /** default 24 hours; never past the issuing authority's own notAfter */
  ttlMs?: number;
  /** exact notBefore (ms); default one minute ago, for clock skew between hosts */
  notBefore?: number;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** further URI SANs after the SPIFFE ID (an SVID must have exactly one: tests only) */
  extraUris?: string[];
  /** leave out the SPIFFE ID URI SAN (tests only) */
  omitUriSan?: boolean;
  /** basicConstraints cA (tests only); default false */
  isCa?: boolean;
  /** default ['digitalSignature']; [] leaves the key usage extension out */
  keyUsage?: DevKeyUsage[];
  /** mark key usage critical, as X509-SVID §4.3 requires; default true (false: tests only) */
  keyUsageCritical?: boolean;
  /** leave the subject empty (tests only); the SAN stays non-critical unless subjectAltNameCritical */
  emptySubject?: boolean;
  /** mark subjectAltName critical; default false */
  subjectAltNameCritical?: boolean;
  /** extKeyUsage id-kp-serverAuth; default true */
  serverAuth?: boolean;
  /** extKeyUsage id-kp-clientAuth; default true */
  clientAuth?: boolean;
}

export interface IssueIntermediateOptions {
  /** default: the issuing authority's remaining lifetime */
  ttlMs?: number;
  notBefore?: number;
  /** the trust domain the intermediate serves; default the issuer's (another one: cross-domain signing) */
  trustDomain?: string;
  /** basicConstraints cA; default true (false: tests only) */
  isCa?: boolean;
  /** default ['keyCertSign', 'cRLSign']; [] leaves the key usage extension out */
  keyUsage?: DevKeyUsage[];
  pathLenConstraint?: number;
}

export interface IssuedSvid {
  certPem: string;
  /** PKCS#8 PEM */
  keyPem: string;
  /** the leaf, then every intermediate up to (not including) the root: what a TLS peer presents */
  chainPem: string;
  spiffeId: string;
  /** ms since the epoch */
  notAfter: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_AUTHORITY_TTL_MS = 365 * DAY_MS;
const DEFAULT_SVID_TTL_MS = DAY_MS;
const CLOCK_SKEW_MS = 60_000;
const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const CRYPTO = webcrypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

const USAGE_FLAGS: Readonly<Record<DevKeyUsage, number>> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
};

function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** A positive 128-bit serial with no leading zero octet, as RFC 5280 §4.1.2.2 asks. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function checkTtl(ttlMs: number | undefined, what: string): void {
  if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new DevAuthorityError('options', `${what} must be a positive number of milliseconds`);
  }
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return CRYPTO.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await CRYPTO.subtle.exportKey('pkcs8', key));
  const keyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return keyObject.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function keyUsageExtension(usages: readonly DevKeyUsage[], critical = true): x509.Extension[] {
  if (usages.length === 0) return [];
  const flags = usages.reduce((acc, u) => acc | USAGE_FLAGS[u], 0);
  // X509-SVID §4.3: key usage is critical on every SVID.
  return [new x509.KeyUsagesExtension(flags, critical)];
}

function isSelfSigned(cert: NodeX509Certificate): boolean {
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

interface AuthorityState {
  trustDomain: string;
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
  keyPem: string;
  /** this authority's certificate and its ancestors, root excluded */
  chain: readonly string[];
}

export class DevAuthority {
  readonly trustDomain: string;
  readonly certPem: string;
  /** PKCS#8 PEM: a secret, kept out of toJSON */
  readonly keyPem: string;
  /** ms since the epoch */
  readonly notAfter: number;
  readonly #certificate: x509.X509Certificate;
  readonly #privateKey: CryptoKey;
  readonly #chain: readonly string[];

  private constructor(state: AuthorityState) {
    this.trustDomain = state.trustDomain;
    this.certPem = withNewline(state.certificate.toString('pem'));
    this.keyPem = state.keyPem;
    this.notAfter = state.certificate.notAfter.getTime();
    this.#certificate = state.certificate;
    this.#privateKey = state.privateKey;
    this.#chain = state.chain;
    Object.freeze(this);
  }

  /** A new self-signed root authority for `trustDomain`, whose certificate is the trust bundle. */
  static async create(trustDomain: string, opts: DevAuthorityOptions = {}): Promise<DevAuthority> {
    parseTrustDomain(trustDomain);
    checkTtl(opts.ttlMs, 'ttlMs');
    if (opts.now !== undefined && !Number.isFinite(opts.now)) {
      throw new DevAuthorityError('options', 'now must be a number of milliseconds since the epoch');
    }
    const now = opts.now ?? Date.now();
    const keys = await newKeyPair();
    const name = `O=warrant dev, CN=${trustDomain} authority`;
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serialNumber(),
        subject: name,
        issuer: name,
        notBefore: new Date(now - CLOCK_SKEW_MS),
        notAfter: new Date(now + (opts.ttlMs ?? DEFAULT_AUTHORITY_TTL_MS)),
        publicKey: keys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(true, undefined, true),
          ...keyUsageExtension(['keyCertSign', 'cRLSign']),
          // X509-SVID §3.2: a signing certificate's SPIFFE ID is its trust domain's, without a path.
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }]),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, CRYPTO),
        ],
      },
      CRYPTO,
    );
    return new DevAuthority({
      trustDomain,
      certificate,
      privateKey: keys.privateKey,
      keyPem: await pkcs8Pem(keys.privateKey),
      chain: [],
    });
  }

  /**
   * Loads an authority saved earlier. `certPem` holds its certificate first, then (for an
   * intermediate) its issuers; `keyPem` its private key (PKCS#8 or SEC1 PEM).
   */
  static async load(certPem: string, keyPem: string): Promise<DevAuthority> {
    const blocks = certPem.match(CERTIFICATE_BLOCK) ?? [];
    const own = blocks[0];
    if (own === undefined) {
      throw new DevAuthorityError('authority-certificate', 'the authority certificate PEM holds no CERTIFICATE block');
    }
    let nodeCertificate: NodeX509Certificate;
    let fields: CertificateFields;
    try {
      nodeCertificate = new NodeX509Certificate(own);
      fields = readCertificateFields(nodeCertificate.raw);
    } catch (err) {
      throw new DevAuthorityError('authority-certificate', 'the authority certificate is not a readable X.509 certificate', {
        cause: err,
      });
    }
    const maySign = ((fields.keyUsage ?? KeyUsageBit.keyCertSign) & KeyUsageBit.keyCertSign) !== 0;
    if (fields.basicConstraints?.ca !== true || !maySign) {
      throw new DevAuthorityError('authority-certificate', 'the authority certificate is not a CA that may sign certificates');
    }
    const trustDomain = fields.uriSans
      .map((uri) => {
        try {
          const id = parseSpiffeId(uri);
          return id.path === '' ? id.trustDomain : undefined;
        } catch {
          return undefined;
        }
      })
      .find((td) => td !== undefined);
    if (trustDomain === undefined) {
      throw new DevAuthorityError(
        'authority-certificate',
        'the authority certificate has no URI SAN spiffe://<trust domain> naming the trust domain it serves',
      );
    }

    let privateKey: CryptoKey;
    let normalizedKeyPem: string;
    try {
      const keyObject = createPrivateKey(keyPem);
      if (keyObject.asymmetricKeyType !== 'ec' || keyObject.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new DevAuthorityError('authority-key', 'the authority key must be an ECDSA P-256 private key');
      }
      const matches = createPublicKey(keyObject)
        .export({ type: 'spki', format: 'der' })
        .equals(nodeCertificate.publicKey.export({ type: 'spki', format: 'der' }));
      if (!matches) {
        throw new DevAuthorityError('authority-key', 'the authority key does not belong to the authority certificate');
      }
      const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
      privateKey = await CRYPTO.subtle.importKey('pkcs8', pkcs8, EC_KEY, true, ['sign']);
      normalizedKeyPem = keyObject.export({ type: 'pkcs8', format: 'pem' }).toString();
    } catch (err) {
      if (err instanceof DevAuthorityError) throw err;
      // The key's own parse error could quote key material; say only what was wrong.
      throw new DevAuthorityError('authority-key', 'the authority key is not a readable PEM private key');
    }

    const chain = blocks.filter((pem) => !isSelfSigned(new NodeX509Certificate(pem))).map(withNewline);
    return new DevAuthority({
      trustDomain,
      certificate: new x509.X509Certificate(own),
      privateKey,
      keyPem: normalizedKeyPem,
      chain,
    });
  }

  /**
   * Issues an X509-SVID for `spiffeId`. The ID is written as given, not validated, so tests can
   * mint SVIDs a verifier must reject; by default the result meets every X509-SVID rule.
   */
  async issueX509Svid(spiffeId: string, opts: IssueX509SvidOptions = {}): Promise<IssuedSvid> {
    checkTtl(opts.ttlMs, 'ttlMs');
    const keys = await newKeyPair();
    const uris = [...(opts.omitUriSan === true ? [] : [spiffeId]), ...(opts.extraUris ?? [])];
    const names: x509.JsonGeneralNames = [
      ...uris.map((value) => ({ type: 'url' as const, value })),
      ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ];
    const eku = [
      ...(opts.serverAuth === false ? [] : [x509.ExtendedKeyUsage.serverAuth]),
      ...(opts.clientAuth === false ? [] : [x509.ExtendedKeyUsage.clientAuth]),
    ];
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(opts.isCa === true, undefined, true),
      ...keyUsageExtension(opts.keyUsage ?? ['digitalSignature'], opts.keyUsageCritical !== false),
      ...(eku.length > 0 ? [new x509.ExtendedKeyUsageExtension(eku, false)] : []),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, opts.subjectAltNameCritical === true)] : []),
    ];
    const ttlMs = opts.ttlMs ?? DEFAULT_SVID_TTL_MS;
    const subject = opts.emptySubject === true ? '' : 'O=warrant dev, OU=x509-svid';
    const certificate = await this.#sign(keys.publicKey, subject, extensions, opts.notBefore, ttlMs);
    const certPem = withNewline(certificate.toString('pem'));
    return {
      certPem,
      keyPem: await pkcs8Pem(keys.privateKey),
      chainPem: [certPem, ...this.#chain].join(''),
      spiffeId,
      notAfter: certificate.notAfter.getTime(),
    };
  }

  /** Issues an intermediate authority signed by this one; its SVIDs chain through it to this root. */
  async issueIntermediate(opts: IssueIntermediateOptions = {}): Promise<DevAuthority> {
    checkTtl(opts.ttlMs, 'ttlMs');
    const trustDomain = parseTrustDomain(opts.trustDomain ?? this.trustDomain);
    const pathLen = opts.pathLenConstraint;
    if (pathLen !== undefined && !(Number.isInteger(pathLen) && pathLen >= 0)) {
      throw new DevAuthorityError('options', 'pathLenConstraint must be a non-negative integer');
    }
    const keys = await newKeyPair();
    // A distinct subject per intermediate, so no two certificates on a path look self-issued.
    const name = `O=warrant dev, CN=${trustDomain} intermediate authority ${randomBytes(4).toString('hex')}`;
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(opts.isCa ?? true, opts.pathLenConstraint, true),
      ...keyUsageExtension(opts.keyUsage ?? ['keyCertSign', 'cRLSign']),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, CRYPTO),
    ];
    const ttlMs = opts.ttlMs ?? Math.max(this.notAfter - Date.now(), 1);
    const certificate = await this.#sign(keys.publicKey, name, extensions, opts.notBefore, ttlMs);
    const certPem = withNewline(certificate.toString('pem'));
    return new DevAuthority({
      trustDomain,
      certificate,
      privateKey: keys.privateKey,
      keyPem: await pkcs8Pem(keys.privateKey),
      chain: [certPem, ...this.#chain],
    });
  }

  /** Keeps the private key out of anything that serialises this object by accident. */
  toJSON(): { trustDomain: string; certPem: string; notAfter: number } {
    return { trustDomain: this.trustDomain, certPem: this.certPem, notAfter: this.notAfter };
  }

  /** Keeps the private key out of console.log and logger output too. */
  [inspect.custom](): string {
    const notAfter = new Date(this.notAfter).toISOString();
    return `DevAuthority { trustDomain: '${this.trustDomain}', notAfter: ${notAfter}, key: [hidden] }`;
  }

  async #sign(
    publicKey: CryptoKey,
    subject: string,
    extensions: x509.Extension[],
    notBefore: number | undefined,
    ttlMs: number,
  ): Promise<x509.X509Certificate> {
    const start = notBefore ?? Date.now();
    const notAfter = Math.min(start + ttlMs, this.notAfter);
    const from = notBefore ?? start - CLOCK_SKEW_MS;
    if (notAfter <= from) {
      throw new DevAuthorityError('options', 'the requested validity ends before it starts (the authority may have expired)');
    }
    const authorityKeyId = this.#certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    return x509.X509CertificateGenerator.create(
      {
        serialNumber: serialNumber(),
        subject,
        issuer: this.#certificate.subjectName,
        notBefore: new Date(from),
        notAfter: new Date(notAfter),
        publicKey,
        signingKey: this.#privateKey,
        signingAlgorithm: SIGNING,
        extensions: [
          ...extensions,
          ...(authorityKeyId === undefined ? [] : [new x509.AuthorityKeyIdentifierExtension(authorityKeyId)]),
        ],
      },
      CRYPTO,
    );
  }
}
