import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call.js';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import { WarrantError, type Clock } from '../core/index.js';
import { SvidError, verifyX509Svid, type TrustBundleSet, type Workload } from '../identity/index.js';

interface Verdict {
  readonly generation: number;
  readonly workload?: Workload;
  readonly error?: WarrantError;
}

/** Walks grpc-js's call wrappers to the HTTP/2 session the call arrived on. */
function sessionOf(call: ServerSurfaceCall): object | undefined {
  let c: unknown = (call as unknown as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && c !== null && typeof c === 'object'; depth++) {
    const stream = (c as { stream?: { session?: unknown } }).stream;
    if (stream?.session !== undefined && stream.session !== null) return stream.session as object;
    c = (c as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

function chainOf(peer: DetailedPeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  let cert: DetailedPeerCertificate | undefined = peer;
  const seen = new Set<string>();
  while (cert !== undefined && cert.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    const issuer: DetailedPeerCertificate | undefined = cert.issuerCertificate;
    if (issuer === undefined || issuer === cert) break;
    cert = issuer;
  }
  return chain;
}

/**
 * The caller's identity, derived once per TLS connection and cached on it: reading and parsing the
 * peer certificate costs tens of microseconds, a lookup costs nothing. The cache entry is checked
 * against the SVID's expiry on every call and dropped when the trust bundles change.
 */
export class PeerIdentity {
  readonly #byConnection = new WeakMap<object, Verdict>();
  readonly #bundles: () => TrustBundleSet;
  readonly #clock: Clock;

  constructor(bundles: () => TrustBundleSet, clock: Clock) {
    this.#bundles = bundles;
    this.#clock = clock;
  }

  workloadOf(call: ServerSurfaceCall): Workload {
    const bundles = this.#bundles();
    const session = sessionOf(call);
    let verdict = session === undefined ? undefined : this.#byConnection.get(session);
    if (verdict === undefined || verdict.generation !== bundles.generation) {
      verdict = this.#verify(session, call, bundles);
      if (session !== undefined) this.#byConnection.set(session, verdict);
    }
    if (verdict.error !== undefined) throw verdict.error;
    const workload = verdict.workload!;
    if (workload.svidExpiresAt <= this.#clock.now()) {
      throw new WarrantError(
        'ERR_UNAUTHENTICATED',
        `the X.509-SVID for ${workload.spiffeId} expired at ${new Date(workload.svidExpiresAt).toISOString()}; reconnect with a fresh SVID`,
      );
    }
    return workload;
  }

  #verify(session: object | undefined, call: ServerSurfaceCall, bundles: TrustBundleSet): Verdict {
    let chain: Buffer[];
    const socket = (session as { socket?: unknown } | undefined)?.socket;
    if (socket instanceof TLSSocket) {
      const peer = socket.getPeerCertificate(true);
      chain = peer.raw === undefined ? [] : chainOf(peer);
    } else {
      // Fallback when the session is not reachable: the leaf alone, read per call.
      const leaf = call.getAuthContext()?.sslPeerCertificate?.raw;
      chain = leaf === undefined ? [] : [leaf];
    }
    if (chain.length === 0) {
      return {
        generation: bundles.generation,
        error: new WarrantError('ERR_UNAUTHENTICATED', 'no client certificate: connect with mTLS and present an X.509-SVID'),
      };
    }
    try {
      return { generation: bundles.generation, workload: verifyX509Svid(chain, bundles, this.#clock.now()) };
    } catch (err) {
      if (err instanceof SvidError) {
        return { generation: bundles.generation, error: new WarrantError('ERR_UNAUTHENTICATED', `X.509-SVID rejected: ${err.message}`) };
      }
      throw err;
    }
  }
}
