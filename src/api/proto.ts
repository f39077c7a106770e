import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AdminProto } from '../gen/admin_service.js';
import type { ProtoGrpcType as CredentialProto } from '../gen/credential_service.js';

/** The proto directory ships beside src/ and dist/. */
export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

/** The same options scripts/gen-proto.sh gives the type generator. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export const PROTO_FILES = ['warrant/v1/credential_service.proto', 'warrant/v1/admin_service.proto'];

let cached: { definition: protoLoader.PackageDefinition; warrant: (CredentialProto & AdminProto)['warrant']['v1'] } | undefined;

export function loadWarrantProto() {
  if (cached === undefined) {
    const definition = protoLoader.loadSync(PROTO_FILES, LOADER_OPTIONS);
    const root = grpc.loadPackageDefinition(definition) as unknown as CredentialProto & AdminProto;
    cached = { definition, warrant: root.warrant.v1 };
  }
  return cached;
}
