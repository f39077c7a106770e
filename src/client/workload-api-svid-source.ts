import { WorkloadApiClient, firstX509Svid, type WorkloadApiError, type X509SvidUpdate } from '../identity/index.js';
import type { SvidSource, X509Material } from './svid-source.js';

export interface WorkloadApiSourceOptions {
  /** `unix:///path/to/agent.sock` or `tcp://IP:port` (SPIFFE Workload Endpoint). */
  readonly address: string;
  /** The warrant server's SPIFFE ID: only its trust domain's bundle is trusted for the connection. */
  readonly serverId: string;
  /** How long material() waits for the first SVID (default 30s). */
  readonly timeoutMs?: number;
}

function trustDomainId(spiffeId: string): string {
  return `spiffe://${spiffeId.replace(/^spiffe:\/\//, '').split('/')[0]!}`;
}

/**
 * The SVID from the SPIFFE Workload API (a SPIRE agent's socket): one FetchX509SVID stream, each
 * rotation handed to the client. The bundle is that of the server's trust domain alone (its own
 * or a federated one), so no other trust domain's authority can vouch for the server.
 */
export class WorkloadApiSvidSource implements SvidSource {
  readonly #api: WorkloadApiClient;
  readonly #serverDomain: string;
  readonly #first: Promise<X509Material>;
  #current: X509Material | undefined;
  #stop: (() => void) | undefined;
  #closed = false;
  readonly #changeListeners = new Set<(m: X509Material) => void>();
  readonly #errorListeners = new Set<(err: Error) => void>();

  /** Connects now; throws WorkloadApiAddressError for an address the standard does not allow. */
  constructor(options: WorkloadApiSourceOptions) {
    this.#api = new WorkloadApiClient({ address: options.address });
    this.#serverDomain = trustDomainId(options.serverId);
    this.#first = firstX509Svid(this.#api, { onUpdate: (u) => this.#update(u), onError: (e) => this.#error(e) }, options.timeoutMs ?? 30_000).then(({ first, stop }) => {
      if (this.#closed) stop();
      this.#stop = stop;
      // A rotation may have arrived while this callback was queued: keep the newer one.
      this.#current ??= this.#material(first);
      return this.#current;
    });
    this.#first.catch(() => undefined);
  }

  material(): Promise<X509Material> {
    return this.#first;
  }

  onChange(listener: (m: X509Material) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  onError(listener: (err: Error) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  close(): void {
    this.#closed = true;
    this.#stop?.();
    this.#api.close();
    this.#changeListeners.clear();
    this.#errorListeners.clear();
  }

  #material(u: X509SvidUpdate): X509Material {
    const own = trustDomainId(u.svid.spiffeId);
    const bundlePem = own === this.#serverDomain ? u.bundlePem : u.federatedBundles.get(this.#serverDomain);
    if (bundlePem === undefined) {
      throw new Error(`the Workload API gives no bundle for the server's trust domain ${this.#serverDomain} (this workload is in ${own}); federate the two trust domains`);
    }
    return { svidPem: u.svid.chainPem, svidKeyPem: u.svid.keyPem, bundlePem };
  }

  #update(u: X509SvidUpdate): void {
    if (this.#closed) return;
    let m: X509Material;
    try {
      m = this.#material(u);
    } catch (err) {
      for (const l of this.#errorListeners) l(err as Error);
      return;
    }
    const c = this.#current;
    if (c === undefined) {
      this.#current = m;
      return;
    }
    if (c.svidPem === m.svidPem && c.svidKeyPem === m.svidKeyPem && c.bundlePem === m.bundlePem) return;
    this.#current = m;
    for (const l of this.#changeListeners) l(m);
  }

  #error(e: WorkloadApiError): void {
    for (const l of this.#errorListeners) l(e);
  }
}
