export { OAuthJwtProvider, type OAuthJwtDeps } from './provider.js';
export { parseOAuthJwtConfig, type OAuthJwtConfig } from './config.js';
export type { AccessTokenClaims } from './access-token.js';
export type { PublicJwk } from '../signing-key.js';
