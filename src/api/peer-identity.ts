import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call.js';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import { WarrantError, type Clock } from '../core/index.js';
import { JwtSvidError, SvidError, verifyX509Svid, type JwtSvidVerifier, type TrustBundleSet, type Workload } from '../identity/index.js';

interface Verdict {
  readonly generation: number;
  /** false when the peer sent no client certificate */
  readonly presented: boolean;
  readonly workload?: Workload;
  readonly error?: WarrantError;
}

/** RFC 6750 §2.1: `Bearer` (any case), one space, a b64token. */
const BEARER = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

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
 * The caller's identity. An X.509-SVID is derived once per TLS connection and cached on it:
 * reading and parsing the peer certificate costs tens of microseconds, a lookup costs nothing. The
 * cache entry is checked against the SVID's expiry on every call and dropped when the trust bundles
 * change. A JWT-SVID (`authorization: Bearer …`, JWT-SVID §5.3) is checked per call, through the
 * verifier's cache of tokens it already verified.
 */
export class PeerIdentity {
  readonly #byConnection = new WeakMap<object, Verdict>();
  readonly #bundles: () => TrustBundleSet;
  readonly #clock: Clock;
  readonly #jwt: JwtSvidVerifier | undefined;

  /** Without `jwt`, JWT-SVIDs are refused (identity.jwt is not configured). */
  constructor(bundles: () => TrustBundleSet, clock: Clock, jwt?: JwtSvidVerifier) {
    this.#bundles = bundles;
    this.#clock = clock;
    this.#jwt = jwt;
  }

  workloadOf(call: ServerSurfaceCall): Workload {
    const bundles = this.#bundles();
    const session = sessionOf(call);
    let verdict = session === undefined ? undefined : this.#byConnection.get(session);
    if (verdict === undefined || verdict.generation !== bundles.generation) {
      verdict = this.#verify(session, call, bundles);
      if (session !== undefined) this.#byConnection.set(session, verdict);
    }
    const token = this.#bearer(call);
    // A certificate, once presented, must hold up on its own: a bearer token does not excuse a bad one.
    if (verdict.error !== undefined) throw verdict.error;
    const now = this.#clock.now();
    if (!verdict.presented) {
      if (token === undefined) {
        throw new WarrantError(
          'ERR_UNAUTHENTICATED',
          this.#jwt === undefined
            ? 'no client certificate: connect with mTLS and present an X.509-SVID'
            : 'no client certificate and no JWT-SVID: connect with mTLS and present an X.509-SVID, or send the metadata authorization: Bearer <JWT-SVID>',
        );
      }
      return this.#verifyJwt(token, bundles, now);
    }
    const workload = verdict.workload!;
    if (workload.svidExpiresAt <= now) {
      throw new WarrantError(
        'ERR_UNAUTHENTICATED',
        `the X.509-SVID for ${workload.spiffeId} expired at ${new Date(workload.svidExpiresAt).toISOString()}; reconnect with a fresh SVID`,
      );
    }
    if (token === undefined) return workload;
    const bearer = this.#verifyJwt(token, bundles, now);
    if (bearer.spiffeId !== workload.spiffeId) {
      throw new WarrantError(
        'ERR_UNAUTHENTICATED',
        `the X.509-SVID names ${workload.spiffeId} and the JWT-SVID names ${bearer.spiffeId}; a caller proves one identity, so send the JWT-SVID of the same workload or none`,
      );
    }
    // Both proofs name the caller; nothing obtained with them may outlive either.
    return bearer.svidExpiresAt >= workload.svidExpiresAt ? workload : Object.freeze({ ...workload, svidExpiresAt: bearer.svidExpiresAt });
  }

  /** The bearer token of `authorization` metadata, if any; a malformed header is refused, never ignored. */
  #bearer(call: ServerSurfaceCall): string | undefined {
    const values = call.metadata.get('authorization');
    if (values.length === 0) return undefined;
    if (values.length > 1) {
      throw new WarrantError('ERR_UNAUTHENTICATED', 'the authorization metadata appears more than once; send one "Bearer <JWT-SVID>"');
    }
    const value = values[0];
    const match = typeof value === 'string' ? BEARER.exec(value) : null;
    if (match === null) {
      // Never echo the header: whatever scheme it is, it may carry a secret.
      throw new WarrantError(
        'ERR_UNAUTHENTICATED',
        'the authorization metadata is not "Bearer <JWT-SVID>" (JWT-SVID §5.3, RFC 6750 §2.1)',
      );
    }
    return match[1]!;
  }

  #verifyJwt(token: string, bundles: TrustBundleSet, now: number): Workload {
    if (this.#jwt === undefined) {
      throw new WarrantError('ERR_UNAUTHENTICATED', 'this server does not accept JWT-SVIDs (identity.jwt is not configured); connect with mTLS and present an X.509-SVID');
    }
    try {
      return this.#jwt.verify(token, bundles, now);
    } catch (err) {
      if (err instanceof JwtSvidError) throw new WarrantError('ERR_UNAUTHENTICATED', err.message);
      throw err;
    }
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
    if (chain.length === 0) return { generation: bundles.generation, presented: false };
    try {
      return { generation: bundles.generation, presented: true, workload: verifyX509Svid(chain, bundles, this.#clock.now()) };
    } catch (err) {
      if (err instanceof SvidError) {
        return { generation: bundles.generation, presented: true, error: new WarrantError('ERR_UNAUTHENTICATED', err.message) };
      }
      throw err;
    }
  }
}
