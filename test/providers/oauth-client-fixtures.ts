import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { newLeaseId, type Clock } from '../../src/core/index.js';
import { OAuthClientProvider, parseOAuthClientConfig, type MintRequest, type ProviderNotice } from '../../src/providers/index.js';
import { TOKEN_EXCHANGE, startAuthorizationServer, type AuthorizationServer } from '../support/oidc-server.js';

export const RESOURCE = 'https://orders.example.test';
export const ASSERTION_ISSUER = 'https://warrant.test.example';
// Test-only secrets, known to the authorization server started below.
export const CLIENT_SECRET = 'warrant-client-secret-for-tests-0123456789';
export const RS_CLIENT = { id: 'orders-rs', secret: 'orders-resource-server-secret-0123456789' };
export const OWNER = 'spiffe://example.test/agents/planner';

export interface OAuthWorld {
  readonly server: AuthorizationServer;
  readonly clientKeyFile: string;
  readonly assertionKeyFile: string;
}

/** An EC P-256 key written as PEM, and its public JWK for the server to trust. */
export async function writeKey(file: string): Promise<JWK> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: await calculateJwkThumbprint(jwk, 'sha256'), alg: 'ES256', use: 'sig' };
}

/**
 * Starts oidc-provider with three clients: warrant with a secret, warrant with private_key_jwt
 * (both may use client_credentials and token exchange), and a resource server that introspects.
 */
export async function startOAuthWorld(
  dir: string,
  options: { revocation?: boolean; ttl?: number; port?: number; clientScope?: string } = {},
): Promise<OAuthWorld> {
  const clientKeyFile = join(dir, 'client-key.pem');
  const assertionKeyFile = join(dir, 'assertion-key.pem');
  const clientJwk = await writeKey(clientKeyFile);
  const assertionJwk = await writeKey(assertionKeyFile);
  const grants = ['client_credentials', TOKEN_EXCHANGE];
  const scope = options.clientScope ?? 'orders:read orders:write';
  const server = await startAuthorizationServer({
    clients: [
      { client_id: 'warrant', client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_basic', grant_types: grants, scope },
      { client_id: 'warrant-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientJwk] }, grant_types: grants, scope },
      { client_id: RS_CLIENT.id, client_secret: RS_CLIENT.secret, token_endpoint_auth_method: 'client_secret_basic', grant_types: [], scope: '' },
    ],
    resources: { [RESOURCE]: { scope: 'orders:read orders:write', ttl: options.ttl ?? 300 } },
    subjectTokens: { issuer: ASSERTION_ISSUER, publicJwk: assertionJwk },
    ...(options.revocation === undefined ? {} : { revocation: options.revocation }),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  return { server, clientKeyFile, assertionKeyFile };
}

export function oauthRaw(world: OAuthWorld, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'oauth-client',
    issuer: world.server.issuer,
    clientId: 'warrant',
    clientAuth: 'client_secret_basic',
    clientSecretEnv: 'WARRANT_TEST_CLIENT_SECRET',
    scopes: ['orders:read', 'orders:write', 'orders:admin'],
    defaultScopes: ['orders:read'],
    resource: RESOURCE,
    ...overrides,
  };
}

export async function makeOAuthProvider(
  world: OAuthWorld,
  overrides: Record<string, unknown> = {},
  clock: Clock = { now: () => Date.now() },
): Promise<{ provider: OAuthClientProvider; notices: ProviderNotice[] }> {
  const notices: ProviderNotice[] = [];
  const config = parseOAuthClientConfig(oauthRaw(world, overrides), 'providers.orders');
  const provider = await OAuthClientProvider.create('orders', config, {
    clock,
    env: { WARRANT_TEST_CLIENT_SECRET: CLIENT_SECRET },
    notify: (n) => notices.push(n),
  });
  return { provider, notices };
}

export function oauthMint(overrides: Partial<MintRequest> = {}, ttlMs = 120_000): MintRequest {
  const issuedAt = Date.now();
  return {
    leaseId: newLeaseId(issuedAt),
    owner: OWNER,
    trustDomain: 'example.test',
    taskId: 'task-42',
    scope: ['orders:read'],
    issuedAt,
    expiresAt: issuedAt + ttlMs,
    ...overrides,
  };
}
