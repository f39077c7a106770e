import type {
  CaCertificateUpdateListener,
  CertificateProvider,
  IdentityCertificateUpdateListener,
} from '@grpc/grpc-js/build/src/certificate-provider.js';
import { createSecureContext } from 'node:tls';

/**
 * Feeds grpc-js the server's certificate and the trusted authorities. Pushing new material
 * (a rotated SVID, a reloaded bundle) swaps the TLS context for new handshakes without dropping
 * open connections.
 */
export class TlsSource implements CertificateProvider {
  #ca: Buffer;
  #cert: Buffer;
  #key: Buffer;
  readonly #caListeners = new Set<CaCertificateUpdateListener>();
  readonly #idListeners = new Set<IdentityCertificateUpdateListener>();

  constructor(caPem: string, certPem: string, keyPem: string) {
    this.#ca = Buffer.from(caPem);
    this.#cert = Buffer.from(certPem);
    this.#key = Buffer.from(keyPem);
  }

  setAuthorities(caPem: string): void {
    this.#ca = Buffer.from(caPem);
    for (const l of this.#caListeners) l({ caCertificate: this.#ca });
  }

  /**
   * Replaces the server's certificate and key. Throws (keeping the current pair) if TLS would refuse
   * them: grpc-js drops every new connection when a pushed context fails to load.
   */
  setIdentity(certPem: string, keyPem: string): void {
    try {
      createSecureContext({ cert: certPem, key: keyPem });
    } catch (err) {
      // The TLS library's reason names the problem (e.g. "key values mismatch"), never the key.
      throw new Error(`TLS refuses the certificate and key: ${(err as Error).message}`, { cause: err });
    }
    this.#cert = Buffer.from(certPem);
    this.#key = Buffer.from(keyPem);
    for (const l of this.#idListeners) l({ certificate: this.#cert, privateKey: this.#key });
  }

  addCaCertificateListener(listener: CaCertificateUpdateListener): void {
    this.#caListeners.add(listener);
    // grpc-js registers its own watcher only after adding listeners: deliver on the next tick.
    queueMicrotask(() => {
      if (this.#caListeners.has(listener)) listener({ caCertificate: this.#ca });
    });
  }

  removeCaCertificateListener(listener: CaCertificateUpdateListener): void {
    this.#caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityCertificateUpdateListener): void {
    this.#idListeners.add(listener);
    queueMicrotask(() => {
      if (this.#idListeners.has(listener)) listener({ certificate: this.#cert, privateKey: this.#key });
    });
  }

  removeIdentityCertificateListener(listener: IdentityCertificateUpdateListener): void {
    this.#idListeners.delete(listener);
  }
}
