import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AdminProto } from '../gen/admin_service.js';
import type { ProtoGrpcType as CredentialProto } from '../gen/credential_service.js';
import type { AdminServiceClient } from '../gen/warrant/v1/AdminService.js';
import type { CredentialServiceClient } from '../gen/warrant/v1/CredentialService.js';
import type { X509Material } from './svid-source.js';

const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

type Services = (CredentialProto & AdminProto)['warrant']['v1'];
let services: Services | undefined;

// Parsing the proto costs milliseconds: once per process, not once per client or rotation.
function loadServices(): Services {
  if (services === undefined) {
    const definition = protoLoader.loadSync(['warrant/v1/credential_service.proto', 'warrant/v1/admin_service.proto'], {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [PROTO_DIR],
    });
    services = (grpc.loadPackageDefinition(definition) as unknown as CredentialProto & AdminProto).warrant.v1;
  }
  return services;
}

function uriSans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}

export interface Stubs {
  readonly credentials: CredentialServiceClient;
  readonly admin: AdminServiceClient;
}

/** How calls prove the workload besides (or instead of) its X.509-SVID. */
export interface ChannelAuth {
  /** A JWT-SVID for every call, as `authorization: Bearer …` (JWT-SVID §5.3); called per call, so it may rotate. */
  readonly bearer?: () => string;
  /** false: TLS without a client certificate (the JWT-SVID alone proves the workload). Default true. */
  readonly clientCertificate?: boolean;
}

/** One set of channels built from one material. Calls hold it while they run. */
export interface Generation {
  readonly number: number;
  readonly stubs: Stubs;
}

interface GenerationState extends Generation {
  active: number;
  retired: boolean;
}

/**
 * The gRPC channels to warrant. grpc-js channel credentials are immutable, so a rotated SVID or
 * bundle gets a new generation of channels: new calls use it at once, calls already running finish
 * on the old one, which closes when its last call ends.
 */
export class ChannelSet {
  readonly #server: string;
  readonly #serverId: string;
  readonly #auth: ChannelAuth;
  #current: GenerationState;
  readonly #retired = new Set<GenerationState>();
  #closed = false;

  constructor(server: string, serverId: string, material: X509Material, auth: ChannelAuth = {}) {
    this.#server = server;
    this.#serverId = serverId;
    this.#auth = auth;
    this.#current = this.#build(material, 1);
  }

  get generation(): number {
    return this.#current.number;
  }

  /** The generation a new call should use; pair with release(). */
  acquire(): Generation {
    this.#current.active++;
    return this.#current;
  }

  release(g: Generation): void {
    const state = g as GenerationState;
    state.active--;
    if (state.retired && state.active <= 0) this.#closeGeneration(state);
  }

  /** Builds channels from new material; throws (and keeps the old ones) when it cannot. */
  rotate(material: X509Material): number {
    const next = this.#build(material, this.#current.number + 1);
    const old = this.#current;
    this.#current = next;
    old.retired = true;
    if (old.active <= 0) this.#closeGeneration(old);
    else this.#retired.add(old);
    return next.number;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeGeneration(this.#current);
    for (const g of this.#retired) this.#closeGeneration(g);
  }

  #closeGeneration(g: GenerationState): void {
    this.#retired.delete(g);
    g.stubs.credentials.close();
    g.stubs.admin.close();
  }

  #build(material: X509Material, number: number): GenerationState {
    const pkg = loadServices();
    const serverId = this.#serverId;
    // The server is identified by its SPIFFE ID, not its host name.
    const withCertificate = this.#auth.clientCertificate !== false;
    const ssl = grpc.credentials.createSsl(
      Buffer.from(material.bundlePem),
      withCertificate ? Buffer.from(material.svidKeyPem) : null,
      withCertificate ? Buffer.from(material.svidPem) : null,
      {
        checkServerIdentity: (_host, cert) => {
          const ids = uriSans(new X509Certificate(cert.raw));
          return ids.length === 1 && ids[0] === serverId
            ? undefined
            : new Error(`server presented ${ids.join(', ') || 'no SPIFFE ID'}; expected ${serverId}`);
        },
      },
    );
    const bearer = this.#auth.bearer;
    const creds =
      bearer === undefined
        ? ssl
        : grpc.credentials.combineChannelCredentials(
            ssl,
            grpc.credentials.createFromMetadataGenerator((_params, callback) => {
              const metadata = new grpc.Metadata();
              try {
                metadata.set('authorization', `Bearer ${bearer()}`);
              } catch (err) {
                callback(err as Error);
                return;
              }
              callback(null, metadata);
            }),
          );
    // SNI must be a host name, not an IP literal; the server is checked by SPIFFE ID above anyway.
    const sni = serverId.replace(/^spiffe:\/\//, '').split('/')[0]!;
    const options = { 'grpc.keepalive_time_ms': 60_000, 'grpc.ssl_target_name_override': sni };
    return {
      number,
      stubs: { credentials: new pkg.CredentialService(this.#server, creds, options), admin: new pkg.AdminService(this.#server, creds, options) },
      active: 0,
      retired: false,
    };
  }
}
