export type {
  AdminRotation,
  CredentialProvider,
  MintRequest,
  MintResult,
  ProviderLimits,
  ProviderNotice,
  RenewRequest,
  RenewResult,
  RevokeRequest,
} from './provider.js';
export {
  availableProviderKinds,
  buildProvider,
  commonProviderOptions,
  validateProviderConfig,
  type CommonProviderOptions,
  type ProviderDeps,
} from './registry.js';
export {
  OAuthJwtProvider,
  parseOAuthJwtConfig,
  type AccessTokenClaims,
  type OAuthJwtConfig,
  type OAuthJwtDeps,
  type PublicJwk,
} from './oauth-jwt/index.js';
export { PostgresProvider, scramVerifierAccepts, type DatabaseProviderDeps } from './postgres/index.js';
export { MysqlProvider, type MysqlProviderDeps } from './mysql/index.js';
export { parseDatabaseConfig, type DatabaseProviderConfig } from './database/config.js';
export { AwsStsProvider, parseAwsStsConfig, type AwsStsConfig, type AwsStsDeps } from './aws-sts/index.js';
export { OAuthClientProvider, parseOAuthClientConfig, type OAuthClientConfig, type OAuthClientDeps } from './oauth-client/index.js';
