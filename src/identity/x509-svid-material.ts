// warrant's own X509-SVID and key, as TLS will serve them. Whatever delivers them (files written by
// spiffe-helper, the Workload API), the pair is checked here before it replaces the one in use: a
// half-written rotation (new certificate, old key) must never reach the TLS layer.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CertificateFormatError, readCertificateFields } from './certificate-fields.js';
import { watchFiles, type FileWatch, type FileWatchOptions } from './file-watch.js';
import { IdentityError, quoteInput } from './identity-error.js';
import { parseSpiffeId, SpiffeIdError } from './spiffe-id.js';

export type X509SvidMaterialRule = 'file' | 'certificate' | 'key' | 'key-mismatch' | 'spiffe-id' | 'expired';

export class X509SvidMaterialError extends IdentityError<X509SvidMaterialRule> {
  override readonly name = 'X509SvidMaterialError';
}

/** A checked certificate chain and private key, ready for TLS. */
export interface X509SvidMaterial {
  /** leaf first, then intermediates */
  readonly chainPem: string;
  /** PKCS#8 PEM: a secret */
  readonly keyPem: string;
  readonly spiffeId: string;
  /** ms since the epoch */
  readonly notAfter: number;
  /** SHA-256 fingerprint of the leaf, for logs */
  readonly fingerprint256: string;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/**
 * Checks an SVID chain and its key: the certificates parse, the leaf names exactly one SPIFFE ID,
 * the key is the leaf's, and the leaf has not expired. Chains may be PEM text or DER certificates.
 */
export function checkX509SvidMaterial(chain: string | readonly Uint8Array[], key: string | KeyObject, nowMs: number): X509SvidMaterial {
  let certificates: X509Certificate[];
  try {
    certificates = typeof chain === 'string' ? (chain.match(CERTIFICATE_BLOCK) ?? []).map((pem) => new X509Certificate(pem)) : chain.map((der) => new X509Certificate(der));
  } catch (err) {
    throw new X509SvidMaterialError('certificate', 'the SVID certificate chain holds a certificate that does not parse', { cause: err });
  }
  const leaf = certificates[0];
  if (leaf === undefined) throw new X509SvidMaterialError('certificate', 'the SVID certificate chain holds no certificate');
  let privateKey: KeyObject;
  try {
    privateKey = typeof key === 'string' ? createPrivateKey(key) : key;
  } catch {
    // The parser's message could quote key material; say only what was wrong.
    throw new X509SvidMaterialError('key', 'the SVID key is not a readable private key (PEM, PKCS#8 or SEC1)');
  }
  if (privateKey.type !== 'private') throw new X509SvidMaterialError('key', 'the SVID key is not a private key');
  if (!spki(createPublicKey(privateKey)).equals(spki(leaf.publicKey))) {
    throw new X509SvidMaterialError(
      'key-mismatch',
      'the SVID key does not belong to the leaf certificate (a rotation may be half-written); the previous SVID stays in use',
    );
  }
  let uris: readonly string[];
  let notAfter: number;
  try {
    const fields = readCertificateFields(leaf.raw);
    uris = fields.uriSans;
    notAfter = fields.notAfter;
  } catch (err) {
    const why = err instanceof CertificateFormatError ? err.message : 'it cannot be read';
    throw new X509SvidMaterialError('certificate', `the SVID leaf certificate cannot be used: ${why}`, { cause: err });
  }
  if (uris.length !== 1) {
    throw new X509SvidMaterialError('spiffe-id', `the SVID leaf certificate has ${uris.length} URI SANs; an X509-SVID has exactly one, its SPIFFE ID (X509-SVID §2)`);
  }
  let spiffeId: string;
  try {
    spiffeId = parseSpiffeId(uris[0]!).toString();
  } catch (err) {
    const why = err instanceof SpiffeIdError ? err.message : `invalid SPIFFE ID ${quoteInput(uris[0]!)}`;
    throw new X509SvidMaterialError('spiffe-id', `the SVID leaf certificate's URI SAN is not a SPIFFE ID: ${why}`, { cause: err });
  }
  if (notAfter <= nowMs) {
    throw new X509SvidMaterialError('expired', `the SVID for ${spiffeId} expired at ${new Date(notAfter).toISOString()}`);
  }
  return Object.freeze({
    chainPem: certificates.map((c) => (c.toString().endsWith('\n') ? c.toString() : `${c.toString()}\n`)).join(''),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    spiffeId,
    notAfter,
    fingerprint256: leaf.fingerprint256,
  });
}

export interface X509SvidFileHandlers {
  /** A new SVID was read and checked. Awaited before the next reload. */
  onUpdate(svid: X509SvidMaterial): Promise<void> | void;
  /** The files changed but their content was refused; the SVID in use stays. */
  onRejected(error: X509SvidMaterialError): void;
}

async function readPair(certFile: string, keyFile: string): Promise<[string, string]> {
  try {
    return await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    const path = (err as NodeJS.ErrnoException).path ?? `${certFile} or ${keyFile}`;
    throw new X509SvidMaterialError('file', `cannot read the SVID file ${path}: ${code}`, { cause: err });
  }
}

/**
 * warrant's own SVID from a certificate file and a key file, as spiffe-helper writes them: the
 * files are watched, and a pair that checks out replaces the one in use without a restart.
 */
export class X509SvidFileSource {
  #current: X509SvidMaterial;
  readonly #certFile: string;
  readonly #keyFile: string;
  readonly #handlers: X509SvidFileHandlers;
  #watch: FileWatch | undefined;
  #queue: Promise<void> = Promise.resolve();

  private constructor(current: X509SvidMaterial, certFile: string, keyFile: string, handlers: X509SvidFileHandlers) {
    this.#current = current;
    this.#certFile = certFile;
    this.#keyFile = keyFile;
    this.#handlers = handlers;
  }

  /** Reads and checks the pair (failure throws: the server cannot start without an SVID), then watches both files. */
  static async open(certFile: string, keyFile: string, options: FileWatchOptions, handlers: X509SvidFileHandlers): Promise<X509SvidFileSource> {
    const [chain, key] = await readPair(certFile, keyFile);
    const source = new X509SvidFileSource(checkX509SvidMaterial(chain, key, Date.now()), certFile, keyFile, handlers);
    source.#watch = await watchFiles([certFile, keyFile], options, () => source.reload());
    return source;
  }

  get current(): X509SvidMaterial {
    return this.#current;
  }

  /** Reads both files again; applies them if they changed and check out. */
  reload(): Promise<void> {
    const run = this.#queue.then(async () => {
      let next: X509SvidMaterial;
      try {
        const [chain, key] = await readPair(this.#certFile, this.#keyFile);
        next = checkX509SvidMaterial(chain, key, Date.now());
      } catch (err) {
        if (err instanceof X509SvidMaterialError) {
          this.#handlers.onRejected(err);
          return;
        }
        throw err;
      }
      if (next.chainPem === this.#current.chainPem && next.keyPem === this.#current.keyPem) return;
      try {
        await this.#handlers.onUpdate(next);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        this.#handlers.onRejected(new X509SvidMaterialError('certificate', `the new SVID for ${next.spiffeId} was refused: ${why}`, { cause: err }));
        return;
      }
      this.#current = next;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.#watch?.close();
  }
}
