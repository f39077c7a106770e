// The identity area: SPIFFE IDs, trust bundles, SVID verification, and a dev authority.
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
  type TrustBundleRule,
  type TrustBundleSource,
} from './trust-bundle.js';
export { MAX_INTERMEDIATES, SvidError, verifyX509Svid, type SvidRule } from './x509-svid.js';
export type { SvidMethod, Workload } from './workload.js';
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
