// A client of the SPIFFE Workload API (SPIFFE_Workload_API.md) for warrant's own X509-SVID: it
// keeps a FetchX509SVID stream open (§4.2), treats every message as the complete truth (§4.3),
// checks each SVID before handing it on, and reconnects with backoff when the stream ends or fails
// — except on InvalidArgument, which means this client is broken (Workload Endpoint §6).
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { IdentityError } from './identity-error.js';
import { workloadApiTarget } from './workload-api-address.js';
import { checkX509SvidMaterial, X509SvidMaterialError, type X509SvidMaterial } from './x509-svid-material.js';

export type WorkloadApiRule = 'invalid-argument' | 'unavailable' | 'permission-denied' | 'stream' | 'response';

export class WorkloadApiError extends IdentityError<WorkloadApiRule> {
  override readonly name = 'WorkloadApiError';
  /** false when the client stopped for good (InvalidArgument); true when it retries with backoff */
  readonly retrying: boolean;

  constructor(rule: WorkloadApiRule, message: string, retrying: boolean, options?: { cause?: unknown }) {
    super(rule, message, options);
    this.retrying = retrying;
  }
}

/** One FetchX509SVID message, checked: the default SVID (§5.3) and the bundles as PEM. */
export interface X509SvidUpdate {
  readonly svid: X509SvidMaterial;
  /** the X.509 bundle of the SVID's own trust domain */
  readonly bundlePem: string;
  /** other trust domains' X.509 bundles, by trust domain SPIFFE ID */
  readonly federatedBundles: ReadonlyMap<string, string>;
}

export interface WorkloadApiClientOptions {
  /** `unix:///path` or `tcp://IP:port` (SPIFFE Workload Endpoint §4) */
  readonly address: string;
  /** first reconnect delay; doubles up to maxBackoffMs. Default 500 ms */
  readonly initialBackoffMs?: number;
  /** default 30 s */
  readonly maxBackoffMs?: number;
}

export interface X509SvidWatchHandlers {
  onUpdate(update: X509SvidUpdate): void;
  onError(error: WorkloadApiError): void;
}

/** The wire shapes (keepCase), as the standard names them. */
interface X509SvidPb {
  spiffe_id: string;
  x509_svid: Buffer;
  x509_svid_key: Buffer;
  bundle: Buffer;
  hint: string;
}
interface X509SvidResponsePb {
  svids: X509SvidPb[];
  crl: Buffer[];
  federated_bundles: Record<string, Buffer>;
}
type StreamCall = grpc.ClientReadableStream<X509SvidResponsePb>;
interface WorkloadApiStub extends grpc.Client {
  FetchX509SVID(request: Record<string, never>, metadata: grpc.Metadata): StreamCall;
}

const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));
/** SPIFFE Workload Endpoint §3: every request carries this, against server-side request forgery. */
const SECURITY_HEADER = 'workload.spiffe.io';

let stubClass: (new (target: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => WorkloadApiStub) | undefined;

function workloadApiStub(): NonNullable<typeof stubClass> {
  if (stubClass === undefined) {
    const definition = protoLoader.loadSync('spiffe/workload/workload.proto', {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [PROTO_DIR],
    });
    stubClass = (grpc.loadPackageDefinition(definition) as unknown as { SpiffeWorkloadAPI: NonNullable<typeof stubClass> }).SpiffeWorkloadAPI;
  }
  return stubClass;
}

/** Splits concatenated DER certificates (how the Workload API sends chains and bundles). */
export function splitDerCertificates(der: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  const bytes = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (bytes[at] !== 0x30 || at + 2 > bytes.length) throw new Error('not a DER certificate sequence');
    const first = bytes[at + 1]!;
    let length = first;
    let header = 2;
    if (first >= 0x80) {
      const count = first & 0x7f;
      if (count === 0 || count > 4 || at + 2 + count > bytes.length) throw new Error('bad DER length');
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + bytes[at + 2 + i]!;
      header = 2 + count;
    }
    const end = at + header + length;
    if (end > bytes.length) throw new Error('truncated DER certificate');
    out.push(bytes.subarray(at, end));
    at = end;
  }
  return out;
}

function pemOf(ders: readonly Buffer[]): string {
  return ders.map((der) => new X509Certificate(der).toString()).map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
}

/** Checks one message; throws WorkloadApiError('response') so the caller discards it (§4.5). */
function toUpdate(res: X509SvidResponsePb, nowMs: number): X509SvidUpdate {
  const first = res.svids[0];
  if (first === undefined) throw new WorkloadApiError('response', 'a FetchX509SVID response has no SVID (SPIFFE Workload API §5.2.1); discarded', true);
  for (const field of ['spiffe_id', 'x509_svid', 'x509_svid_key', 'bundle'] as const) {
    if (first[field].length === 0) {
      throw new WorkloadApiError('response', `a FetchX509SVID response's SVID has no ${field}, a mandatory field (SPIFFE Workload API §4.5, §5.2.1); discarded`, true);
    }
  }
  let svid: X509SvidMaterial;
  let bundlePem: string;
  const federatedBundles = new Map<string, string>();
  try {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: first.x509_svid_key, format: 'der', type: 'pkcs8' });
    } catch {
      throw new X509SvidMaterialError('key', 'x509_svid_key is not an unencrypted PKCS#8 DER private key');
    }
    svid = checkX509SvidMaterial(splitDerCertificates(first.x509_svid), key, nowMs);
    if (svid.spiffeId !== first.spiffe_id) {
      throw new X509SvidMaterialError('spiffe-id', `spiffe_id "${first.spiffe_id.slice(0, 256)}" is not the leaf certificate's SPIFFE ID ${svid.spiffeId}`);
    }
    bundlePem = pemOf(splitDerCertificates(first.bundle));
    for (const [trustDomainId, der] of Object.entries(res.federated_bundles)) federatedBundles.set(trustDomainId, pemOf(splitDerCertificates(der)));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new WorkloadApiError('response', `a FetchX509SVID response was discarded: ${why}`, true, { cause: err });
  }
  return { svid, bundlePem, federatedBundles };
}

export class WorkloadApiClient {
  readonly #stub: WorkloadApiStub;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  #closed = false;
  readonly #calls = new Set<StreamCall>();
  readonly #timers = new Set<NodeJS.Timeout>();

  /** Throws WorkloadApiAddressError for an address the standard does not allow. */
  constructor(options: WorkloadApiClientOptions) {
    const Stub = workloadApiStub();
    // Workload Endpoint §3.1: no TLS; the socket's place on the host is the trust.
    this.#stub = new Stub(workloadApiTarget(options.address), grpc.credentials.createInsecure());
    this.#initialBackoffMs = options.initialBackoffMs ?? 500;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /**
   * Streams X509-SVID updates until stop() or close(). Each message is checked (mandatory fields,
   * parseable chain, key matching the leaf, spiffe_id matching the leaf) and discarded with an
   * error if it fails; the stream is re-opened with backoff whenever it ends.
   */
  watchX509Svids(handlers: X509SvidWatchHandlers): { stop(): void } {
    let stopped = false;
    let current: StreamCall | undefined;
    let failures = 0;

    const retryLater = () => {
      const base = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** Math.min(failures, 16));
      failures++;
      // ±20% jitter, so a fleet restarted at once does not reconnect at once.
      const delay = Math.round(base * (0.8 + Math.random() * 0.4));
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        open();
      }, delay);
      timer.unref();
      this.#timers.add(timer);
    };

    const open = () => {
      if (stopped || this.#closed) return;
      const metadata = new grpc.Metadata();
      metadata.set(SECURITY_HEADER, 'true');
      const call = this.#stub.FetchX509SVID({}, metadata);
      current = call;
      this.#calls.add(call);
      let received = false;
      call.on('data', (res: X509SvidResponsePb) => {
        let update: X509SvidUpdate;
        try {
          update = toUpdate(res, Date.now());
        } catch (err) {
          handlers.onError(err as WorkloadApiError);
          return;
        }
        received = true;
        failures = 0;
        handlers.onUpdate(update);
      });
      // Errors arrive again as the final status, which decides what happens next.
      call.on('error', () => undefined);
      call.on('status', (status: grpc.StatusObject) => {
        this.#calls.delete(call);
        if (current === call) current = undefined;
        if (stopped || this.#closed) return;
        if (status.code === grpc.status.INVALID_ARGUMENT) {
          stopped = true;
          handlers.onError(
            new WorkloadApiError(
              'invalid-argument',
              `the SPIFFE Workload API refused the request as invalid (${status.details}); not retrying (SPIFFE Workload Endpoint §6)`,
              false,
            ),
          );
          return;
        }
        if (status.code === grpc.status.OK && received) {
          // §4.2: the server may end the stream at any time; the client reconnects at once.
          failures = 0;
          open();
          return;
        }
        const rule: WorkloadApiRule =
          status.code === grpc.status.PERMISSION_DENIED ? 'permission-denied' : status.code === grpc.status.UNAVAILABLE ? 'unavailable' : 'stream';
        handlers.onError(
          new WorkloadApiError(rule, `the SPIFFE Workload API stream ended: ${grpc.status[status.code] ?? status.code} ${status.details}; retrying with backoff`, true),
        );
        retryLater();
      });
    };

    open();
    return {
      stop: () => {
        stopped = true;
        current?.cancel();
      },
    };
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const call of this.#calls) call.cancel();
    this.#calls.clear();
    this.#stub.close();
  }
}

/**
 * Waits for the first good X509-SVID update, then keeps streaming to `onUpdate`. Rejects after
 * `timeoutMs` without one, or at once when the server says the request is invalid.
 */
export function firstX509Svid(
  client: WorkloadApiClient,
  handlers: X509SvidWatchHandlers,
  timeoutMs: number,
): Promise<{ first: X509SvidUpdate; stop(): void }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let lastError: WorkloadApiError | undefined;
    const watch = client.watchX509Svids({
      onUpdate: (update) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve({ first: update, stop: () => watch.stop() });
          return;
        }
        handlers.onUpdate(update);
      },
      onError: (error) => {
        lastError = error;
        if (!settled && !error.retrying) {
          settled = true;
          clearTimeout(timer);
          watch.stop();
          reject(error);
          return;
        }
        handlers.onError(error);
      },
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      watch.stop();
      const why = lastError === undefined ? 'no answer' : lastError.message;
      reject(new WorkloadApiError('unavailable', `no X509-SVID from the SPIFFE Workload API within ${timeoutMs} ms (${why})`, false));
    }, timeoutMs);
  });
}
