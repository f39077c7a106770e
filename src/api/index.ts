export { startGrpcServer, type GrpcServerDeps, type RunningGrpcServer } from './grpc-server.js';
export { startHttpServer, type HttpServerDeps, type IntrospectionClient, type RunningHttpServer } from './http-server.js';
export { PeerIdentity } from './peer-identity.js';
export { LOADER_OPTIONS, PROTO_DIR, PROTO_FILES, loadWarrantProto } from './proto.js';
export { TlsSource } from './tls-source.js';
export { credentialToPb, leaseToPb } from './convert.js';
export { Counter, Gauge, Histogram, MetricsRegistry } from './metrics.js';
