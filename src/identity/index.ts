// The identity area: SPIFFE IDs, trust bundles, SVID verification, warrant's own SVID, and dev authorities.
export { IdentityError } from './identity-error.js';
export {
  MAX_SPIFFE_ID_BYTES,
  MAX_TRUST_DOMAIN_BYTES,
  SpiffeIdError,
  parseSpiffeId,
  parseTrustDomain,
  spiffeIdFromSegments,
  type SpiffeId,
  type SpiffeIdRule,
} from './spiffe-id.js';
export {
  TrustBundleError,
  TrustBundleSet,
  type TrustBundle,
  type TrustBundleFile,
  type TrustBundleFormat,
  type TrustBundleRule,
  type TrustBundleSource,
  type TrustBundleText,
} from './trust-bundle.js';
export {
  JWT_SVID_ALGORITHMS,
  SpiffeBundleError,
  formatSpiffeBundle,
  parseSpiffeBundle,
  type JwtAuthority,
  type JwtSvidAlgorithm,
  type ParsedSpiffeBundle,
  type SpiffeBundleContent,
  type SpiffeBundleRule,
} from './spiffe-bundle.js';
export {
  TrustBundleWatcher,
  type TrustBundleChange,
  type TrustBundleWatcherHandlers,
  type TrustBundleWatcherOptions,
} from './trust-bundle-watcher.js';
export type { FileWatchOptions } from './file-watch.js';
export { MAX_INTERMEDIATES, SvidError, verifyX509Svid, type SvidRule } from './x509-svid.js';
export { JwtSvidError, MAX_JWT_SVID_LENGTH, verifyJwtSvid, type JwtSvidPolicy, type JwtSvidRule } from './jwt-svid.js';
export { JwtSvidVerifier, type JwtSvidVerifierOptions } from './jwt-svid-verifier.js';
export type { SvidMethod, Workload } from './workload.js';
export {
  X509SvidFileSource,
  X509SvidMaterialError,
  checkX509SvidMaterial,
  type X509SvidFileHandlers,
  type X509SvidMaterial,
  type X509SvidMaterialRule,
} from './x509-svid-material.js';
export { SPIFFE_ENDPOINT_SOCKET, WorkloadApiAddressError, workloadApiTarget } from './workload-api-address.js';
export {
  WorkloadApiClient,
  WorkloadApiError,
  firstX509Svid,
  splitDerCertificates,
  type WorkloadApiClientOptions,
  type WorkloadApiRule,
  type X509SvidUpdate,
  type X509SvidWatchHandlers,
} from './workload-api-client.js';
export {
  DevAuthority,
  DevAuthorityError,
  type DevAuthorityOptions,
  type DevAuthorityRule,
  type DevKeyUsage,
  type IssueIntermediateOptions,
  type IssueX509SvidOptions,
  type IssuedSvid,
} from './dev-authority.js';
export { DevJwtAuthority, type IssueJwtSvidOptions } from './dev-jwt-authority.js';
