import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as AdminProto } from '../gen/admin_service.js';
import type { ProtoGrpcType as CredentialProto } from '../gen/credential_service.js';
import type { AdminServiceClient } from '../gen/warrant/v1/AdminService.js';
import type { CompleteTaskResponse__Output } from '../gen/warrant/v1/CompleteTaskResponse.js';
import type { CredentialServiceClient } from '../gen/warrant/v1/CredentialService.js';
import type { GetLeaseResponse__Output } from '../gen/warrant/v1/GetLeaseResponse.js';
import type { IssueTaskCredentialRequest } from '../gen/warrant/v1/IssueTaskCredentialRequest.js';
import type { IssueTaskCredentialResponse__Output } from '../gen/warrant/v1/IssueTaskCredentialResponse.js';
import type { LeaseEvent__Output } from '../gen/warrant/v1/LeaseEvent.js';
import type { ListLeasesRequest } from '../gen/warrant/v1/ListLeasesRequest.js';
import type { ListLeasesResponse__Output } from '../gen/warrant/v1/ListLeasesResponse.js';
import type { RenewLeaseResponse__Output } from '../gen/warrant/v1/RenewLeaseResponse.js';
import type { RevokeLeaseResponse__Output } from '../gen/warrant/v1/RevokeLeaseResponse.js';
import type { RevokeMatchingProgress__Output } from '../gen/warrant/v1/RevokeMatchingProgress.js';
import type { RevokeMatchingRequest } from '../gen/warrant/v1/RevokeMatchingRequest.js';
import { fromServiceError } from './errors.js';

const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

export interface WarrantClientOptions {
  /** host:port of the warrant gRPC endpoint. */
  readonly server: string;
  /** PEM: this workload's X.509-SVID (leaf first, then intermediates) and its key. */
  readonly svidPem: string;
  readonly svidKeyPem: string;
  /** PEM: the authorities that vouch for the server. */
  readonly bundlePem: string;
  /** The SPIFFE ID the server must present; without it, any ID of the bundle's trust domain is not enough — it is required. */
  readonly serverId: string;
  /** Default deadline per call. */
  readonly timeoutMs?: number;
}

export interface FileSource {
  readonly server: string;
  readonly svidFile: string;
  readonly svidKeyFile: string;
  readonly bundleFile: string;
  readonly serverId: string;
  readonly timeoutMs?: number;
}

function uriSans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}

/** A typed client for CredentialService and AdminService over mTLS. */
export class WarrantClient {
  readonly credentials: CredentialServiceClient;
  readonly admin: AdminServiceClient;
  readonly #timeoutMs: number;

  constructor(options: WarrantClientOptions) {
    const definition = protoLoader.loadSync(['warrant/v1/credential_service.proto', 'warrant/v1/admin_service.proto'], {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [PROTO_DIR],
    });
    const pkg = (grpc.loadPackageDefinition(definition) as unknown as CredentialProto & AdminProto).warrant.v1;
    const serverId = options.serverId;
    // The server is identified by its SPIFFE ID, not its host name.
    const creds = grpc.credentials.createSsl(Buffer.from(options.bundlePem), Buffer.from(options.svidKeyPem), Buffer.from(options.svidPem), {
      checkServerIdentity: (_host, cert) => {
        const x = new X509Certificate(cert.raw);
        const ids = uriSans(x);
        return ids.length === 1 && ids[0] === serverId
          ? undefined
          : new Error(`server presented ${ids.join(', ') || 'no SPIFFE ID'}; expected ${serverId}`);
      },
    });
    // SNI must be a host name, not an IP literal; the server is checked by SPIFFE ID above anyway.
    const sni = serverId.replace(/^spiffe:\/\//, '').split('/')[0]!;
    const channelOptions = { 'grpc.keepalive_time_ms': 60_000, 'grpc.ssl_target_name_override': sni };
    this.credentials = new pkg.CredentialService(options.server, creds, channelOptions);
    this.admin = new pkg.AdminService(options.server, creds, channelOptions);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  static fromFiles(source: FileSource): WarrantClient {
    return new WarrantClient({
      server: source.server,
      svidPem: readFileSync(source.svidFile, 'utf8'),
      svidKeyPem: readFileSync(source.svidKeyFile, 'utf8'),
      bundlePem: readFileSync(source.bundleFile, 'utf8'),
      serverId: source.serverId,
      ...(source.timeoutMs === undefined ? {} : { timeoutMs: source.timeoutMs }),
    });
  }

  #call<Req, Res>(
    fn: (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => unknown,
    req: Req,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + this.#timeoutMs }, (err, res) => {
        if (err) reject(fromServiceError(err));
        else resolve(res!);
      });
    });
  }

  issueTaskCredential(req: IssueTaskCredentialRequest): Promise<IssueTaskCredentialResponse__Output> {
    return this.#call(this.credentials.IssueTaskCredential.bind(this.credentials), req);
  }

  renewLease(leaseId: string, incrementSeconds?: number): Promise<RenewLeaseResponse__Output> {
    return this.#call(this.credentials.RenewLease.bind(this.credentials), {
      lease_id: leaseId,
      ...(incrementSeconds === undefined ? {} : { increment: { seconds: String(Math.floor(incrementSeconds)), nanos: 0 } }),
    });
  }

  revokeLease(leaseId: string, reason = ''): Promise<RevokeLeaseResponse__Output> {
    return this.#call(this.credentials.RevokeLease.bind(this.credentials), { lease_id: leaseId, reason });
  }

  completeTask(taskId: string): Promise<CompleteTaskResponse__Output> {
    return this.#call(this.credentials.CompleteTask.bind(this.credentials), { task_id: taskId });
  }

  getLease(leaseId: string): Promise<GetLeaseResponse__Output> {
    return this.#call(this.admin.GetLease.bind(this.admin), { lease_id: leaseId });
  }

  listLeases(req: ListLeasesRequest): Promise<ListLeasesResponse__Output> {
    return this.#call(this.admin.ListLeases.bind(this.admin), req);
  }

  /** Streams lease events until `signal` aborts or the server ends the stream. */
  watchLeases(
    filter: { taskId?: string; leaseIds?: string[] },
    onEvent: (e: LeaseEvent__Output) => void,
  ): { cancel: () => void; done: Promise<void> } {
    const stream = this.credentials.WatchLeases({ task_id: filter.taskId ?? '', lease_ids: filter.leaseIds ?? [] });
    stream.on('data', onEvent);
    const done = new Promise<void>((resolve, reject) => {
      stream.on('end', () => resolve());
      stream.on('error', (err: grpc.ServiceError) => (err.code === grpc.status.CANCELLED ? resolve() : reject(fromServiceError(err))));
    });
    return { cancel: () => stream.cancel(), done };
  }

  revokeMatching(req: RevokeMatchingRequest, onProgress: (p: RevokeMatchingProgress__Output) => void): Promise<RevokeMatchingProgress__Output> {
    return new Promise((resolve, reject) => {
      const stream = this.admin.RevokeMatching(req);
      let last: RevokeMatchingProgress__Output | undefined;
      stream.on('data', (p: RevokeMatchingProgress__Output) => {
        last = p;
        onProgress(p);
      });
      stream.on('end', () => (last?.done ? resolve(last) : reject(new Error('stream ended without a final summary'))));
      stream.on('error', (err: grpc.ServiceError) => reject(fromServiceError(err)));
    });
  }

  close(): void {
    this.credentials.close();
    this.admin.close();
  }
}
