export { OAuthClientProvider, type OAuthClientDeps } from './provider.js';
export { parseOAuthClientConfig, type OAuthClientConfig } from './config.js';
