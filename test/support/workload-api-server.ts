// A SPIFFE Workload API server for tests, on a unix socket in a temp dir: it serves FetchX509SVID
// as the standard says (security header required, a complete message per change, streams kept
// open) and lets a test rotate the SVID, drop the streams, or send broken messages.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_DIR = join(import.meta.dirname, '..', '..', 'proto');
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

/** The wire shape of one X509SVID message (keepCase). */
export interface X509SvidMessage {
  spiffe_id: string;
  x509_svid: Buffer;
  x509_svid_key: Buffer;
  bundle: Buffer;
  hint: string;
}

export interface X509SvidResponseMessage {
  svids: X509SvidMessage[];
  crl: Buffer[];
  federated_bundles: Record<string, Buffer>;
}

export interface SvidToServe {
  readonly spiffeId: string;
  /** leaf first, then intermediates */
  readonly chainPem: string;
  readonly keyPem: string;
  readonly bundlePem: string;
}

export interface TestWorkloadApi {
  /** `unix:///…/agent.sock` */
  readonly address: string;
  /** Every request: its method and the value of the workload.spiffe.io header. */
  readonly requests: { method: string; header: string | undefined }[];
  /** Sends this SVID now on every open stream, and first on every stream opened later. */
  serve(svid: SvidToServe): void;
  /** Sends a raw response (tests of broken messages); it does not become the one later streams get. */
  sendRaw(response: X509SvidResponseMessage): void;
  /** Ends every open stream with `code` (OK: a clean end, which clients answer by reconnecting at once). */
  dropStreams(code?: grpc.status): void;
  /** From now on, refuse FetchX509SVID with PERMISSION_DENIED (true) or serve again (false). */
  deny(denied: boolean): void;
  openStreams(): number;
  close(): Promise<void>;
}

function derOf(pem: string): Buffer {
  return Buffer.concat((pem.match(CERTIFICATE_BLOCK) ?? []).map((block) => new X509Certificate(block).raw));
}

export function x509SvidMessage(svid: SvidToServe): X509SvidMessage {
  return {
    spiffe_id: svid.spiffeId,
    x509_svid: derOf(svid.chainPem),
    x509_svid_key: createPrivateKey(svid.keyPem).export({ type: 'pkcs8', format: 'der' }),
    bundle: derOf(svid.bundlePem),
    hint: '',
  };
}

export async function startTestWorkloadApi(): Promise<TestWorkloadApi> {
  const dir = mkdtempSync(join(tmpdir(), 'warrant-wl-'));
  const address = `unix://${join(dir, 'agent.sock')}`;
  const definition = protoLoader.loadSync('spiffe/workload/workload.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [PROTO_DIR],
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { SpiffeWorkloadAPI: { service: grpc.ServiceDefinition } };
  const requests: { method: string; header: string | undefined }[] = [];
  const streams = new Set<grpc.ServerWritableStream<unknown, X509SvidResponseMessage>>();
  let current: X509SvidResponseMessage | undefined;
  let denied = false;

  const server = new grpc.Server();
  server.addService(pkg.SpiffeWorkloadAPI.service, {
    FetchX509SVID: (call: grpc.ServerWritableStream<unknown, X509SvidResponseMessage>) => {
      const header = call.metadata.get('workload.spiffe.io')[0];
      requests.push({ method: 'FetchX509SVID', header: typeof header === 'string' ? header : undefined });
      // SPIFFE Workload Endpoint §3 and §6: no security header, InvalidArgument.
      if (header !== 'true') {
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'security header missing from request' });
        return;
      }
      if (denied) {
        call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: 'no identity issued' });
        return;
      }
      streams.add(call);
      call.on('cancelled', () => streams.delete(call));
      call.on('close', () => streams.delete(call));
      if (current !== undefined) call.write(current);
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );

  return {
    address,
    requests,
    serve(svid) {
      current = { svids: [x509SvidMessage(svid)], crl: [], federated_bundles: {} };
      for (const s of streams) s.write(current);
    },
    sendRaw(response) {
      for (const s of streams) s.write(response);
    },
    dropStreams(code = grpc.status.UNAVAILABLE) {
      for (const s of [...streams]) {
        streams.delete(s);
        if (code === grpc.status.OK) s.end();
        else s.emit('error', { code, details: 'dropped by the test' });
      }
    },
    deny(value) {
      denied = value;
    },
    openStreams: () => streams.size,
    async close() {
      for (const s of streams) s.end();
      streams.clear();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
