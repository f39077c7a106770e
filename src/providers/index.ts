export type {
  CredentialProvider,
  MintRequest,
  MintResult,
  ProviderLimits,
  RenewRequest,
  RenewResult,
  RevokeRequest,
} from './provider.js';
export { availableProviderKinds, buildProvider, validateProviderConfig, type ProviderDeps } from './registry.js';
export {
  OAuthJwtProvider,
  parseOAuthJwtConfig,
  type AccessTokenClaims,
  type OAuthJwtConfig,
  type OAuthJwtDeps,
  type PublicJwk,
} from './oauth-jwt/index.js';
