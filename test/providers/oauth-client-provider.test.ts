// The oauth-client provider against a real authorization server (node-oidc-provider on 127.0.0.1),
// and against a scripted one for answers a well-behaved server never gives.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthTokenCredential } from '../../src/core/index.js';
import type { OAuthClientProvider } from '../../src/providers/index.js';
import {
  ASSERTION_ISSUER,
  CLIENT_SECRET,
  OWNER,
  RESOURCE,
  RS_CLIENT,
  makeOAuthProvider,
  oauthMint,
  startOAuthWorld,
  type OAuthWorld,
} from './oauth-client-fixtures.js';
import { warrantErrorOf } from './oauth-jwt-fixtures.js';

let dir: string;
let world: OAuthWorld;
const open: OAuthClientProvider[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warrant-oauth-client-'));
  world = await startOAuthWorld(dir);
});
afterAll(async () => {
  for (const p of open) await p.close();
  await world.server.close();
  await rm(dir, { recursive: true, force: true });
});

async function provider(w: OAuthWorld, overrides: Record<string, unknown> = {}) {
  const made = await makeOAuthProvider(w, overrides);
  open.push(made.provider);
  return made;
}

const tokenOf = (c: unknown) => (c as OAuthTokenCredential).accessToken;

describe('oauth-client grants', () => {
  it('client_credentials with client_secret_basic: the narrowed scope and the resource indicator', async () => {
    const { provider: p } = await provider(world);
    const request = oauthMint({ scope: p.resolveScope(['orders:read']) });
    const before = world.server.tokenRequests.length;
    const { credential, expiresAt } = await p.mint(request);
    expect(world.server.tokenRequests.slice(before)).toStrictEqual([{ grant_type: 'client_credentials', scope: 'orders:read', resource: RESOURCE }]);
    expect(credential).toStrictEqual({
      kind: 'oauth_token',
      accessToken: tokenOf(credential),
      tokenType: 'Bearer',
      expiresAt: request.expiresAt,
      scope: ['orders:read'],
      audience: [RESOURCE],
    });
    expect(expiresAt).toBe(request.expiresAt);
    expect(await world.server.introspect(tokenOf(credential), RS_CLIENT)).toMatchObject({
      active: true,
      client_id: 'warrant',
      scope: 'orders:read',
      aud: RESOURCE,
      token_type: 'Bearer',
    });
  });

  it('client_credentials with private_key_jwt', async () => {
    const { provider: p } = await provider(world, { clientId: 'warrant-jwt', clientAuth: 'private_key_jwt', clientSecretEnv: undefined, clientKeyFile: world.clientKeyFile });
    const before = world.server.tokenRequests.length;
    const { credential } = await p.mint(oauthMint({ scope: ['orders:write'] }));
    expect(world.server.tokenRequests.slice(before)).toStrictEqual([
      {
        grant_type: 'client_credentials',
        scope: 'orders:write',
        resource: RESOURCE,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      },
    ]);
    expect(await world.server.introspect(tokenOf(credential), RS_CLIENT)).toMatchObject({ active: true, client_id: 'warrant-jwt', scope: 'orders:write' });
  });

  it('RFC 8693 token exchange: the token is for the workload named by warrant’s subject token', async () => {
    const { provider: p } = await provider(world, { grant: 'token_exchange', assertionKeyFile: world.assertionKeyFile, assertionIssuer: ASSERTION_ISSUER });
    const before = world.server.tokenRequests.length;
    const { credential } = await p.mint(oauthMint({ scope: ['orders:read'] }));
    expect(world.server.tokenRequests.slice(before)).toStrictEqual([
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        scope: 'orders:read',
        resource: RESOURCE,
      },
    ]);
    expect(await world.server.introspect(tokenOf(credential), RS_CLIENT)).toMatchObject({
      active: true,
      sub: OWNER,
      client_id: 'warrant',
      scope: 'orders:read',
      aud: RESOURCE,
    });
  });

  it('token exchange fails when the server does not trust the assertion key', async () => {
    const { provider: p } = await provider(world, { grant: 'token_exchange', assertionKeyFile: join(dir, 'untrusted.pem'), assertionIssuer: ASSERTION_ISSUER });
    expect(await warrantErrorOf(() => p.mint(oauthMint()))).toStrictEqual({
      code: 'ERR_PROVIDER_FAILED',
      message: `provider 'orders': token request refused: "invalid_grant": "grant request is invalid" (HTTP 400)`,
    });
  });

  it('passes the server’s own scope refusal on as a scope error', async () => {
    const { provider: p } = await provider(world, { grant: 'token_exchange', assertionKeyFile: world.assertionKeyFile, assertionIssuer: ASSERTION_ISSUER });
    expect(await warrantErrorOf(() => p.mint(oauthMint({ scope: ['orders:admin'] })))).toStrictEqual({
      code: 'ERR_SCOPE_INVALID',
      message: `the authorization server of provider 'orders' refused the scope: "invalid_scope": "requested scope is not allowed" (HTTP 400)`,
    });
  });

  it('refuses a scope outside the ceiling before asking the server', async () => {
    const { provider: p } = await provider(world);
    const before = world.server.tokenRequests.length;
    expect(await warrantErrorOf(() => p.resolveScope(['orders:delete']))).toStrictEqual({
      code: 'ERR_SCOPE_INVALID',
      message: `scope "orders:delete" is outside the ceiling of provider 'orders'`,
    });
    expect(await warrantErrorOf(() => p.mint(oauthMint({ scope: ['orders:delete'] })))).toStrictEqual({
      code: 'ERR_SCOPE_INVALID',
      message: `scope "orders:delete" is outside the ceiling of provider 'orders'`,
    });
    expect(world.server.tokenRequests.length).toBe(before);
  });

  it('names a missing secret variable, and reports a refused client without showing any secret', async () => {
    expect(await warrantErrorOf(() => provider(world, { clientSecretEnv: 'WARRANT_TEST_NO_SUCH_VARIABLE' }))).toStrictEqual({
      code: 'ERR_CONFIG',
      message: 'providers.orders.clientSecretEnv: environment variable WARRANT_TEST_NO_SUCH_VARIABLE is not set',
    });
    // The secret of client 'warrant' presented as client 'warrant-jwt' (which has none).
    const { provider: p } = await provider(world, { clientId: 'warrant-jwt' });
    const refused = await warrantErrorOf(() => p.mint(oauthMint()));
    expect(refused).toStrictEqual({
      code: 'ERR_PROVIDER_FAILED',
      message: `provider 'orders': token request refused: "invalid_client": "client authentication failed" (HTTP 401)`,
    });
    expect(JSON.stringify(refused)).not.toContain(CLIENT_SECRET);
  });
});

describe('oauth-client revocation', () => {
  it('revokes through RFC 7009: the token introspects inactive, and a repeat is a no-op', async () => {
    const { provider: p, notices } = await provider(world);
    const request = oauthMint();
    const { credential } = await p.mint(request);
    expect(await world.server.introspect(tokenOf(credential), RS_CLIENT)).toMatchObject({ active: true });
    await p.revoke({ leaseId: request.leaseId, handle: p.handleFor(request.leaseId), expiresAt: request.expiresAt });
    expect(await world.server.introspect(tokenOf(credential), RS_CLIENT)).toStrictEqual({ active: false });
    await p.revoke({ leaseId: request.leaseId, handle: request.leaseId });
    expect(notices).toStrictEqual([]);
  });

  it('says so when it no longer holds the token: it then lives until its expiry', async () => {
    const { provider: first } = await provider(world);
    const request = oauthMint();
    const { credential } = await first.mint(request);
    // A fresh process (a restart, or another replica) never saw the token.
    const { provider: second, notices } = await provider(world);
    await second.revoke({ leaseId: request.leaseId, handle: request.leaseId, expiresAt: request.expiresAt });
    expect(notices).toHaveLength(1);
    const latest = notices[0]!.details!['validUntilAtLatest'] as string;
    expect(notices[0]).toStrictEqual({
      provider: 'orders',
      operation: 'revoke',
      leaseId: request.leaseId,
      notice: 'revocation_expiry_only',
      message: `this process does not hold the token (it was minted before a restart or by another replica): the token stays valid at the authorization server until its expiry, at the latest ${latest}`,
      details: { validUntilAtLatest: latest },
    });
    expect(Date.parse(latest)).toBeGreaterThanOrEqual(request.issuedAt + 15 * 60_000);
    expect(await world.server.introspect(tokenOf(credential), RS_CLIENT)).toMatchObject({ active: true });
  });

  it('refuses a token the server issues for longer than maxTtl, and revokes it', async () => {
    const { provider: p } = await provider(world, { maxTtl: '4m', defaultTtl: '1m', expiryOnlyMaxTtl: '1m' });
    const before = world.server.requests.length;
    expect(await warrantErrorOf(() => p.mint(oauthMint()))).toStrictEqual({
      code: 'ERR_PROVIDER_FAILED',
      message: `provider 'orders': the authorization server issued a token for 5m, longer than the 4m allowed (maxTtl); shorten its token lifetime`,
    });
    expect(world.server.requests.slice(before).filter((r) => r.startsWith('POST'))).toStrictEqual(['POST /token 200', 'POST /token/revocation 200']);
  });

  it('is UNAVAILABLE while the server is down, discovered or not', async () => {
    const own = await startOAuthWorld(dir);
    const { provider: p } = await provider(own);
    await p.mint(oauthMint());
    const port = own.server.port;
    await own.server.close();
    expect(await warrantErrorOf(() => p.mint(oauthMint()))).toStrictEqual({
      code: 'ERR_PROVIDER_UNAVAILABLE',
      // A pooled connection may see the stop as a reset rather than a refusal.
      message: expect.stringMatching(new RegExp(`^provider 'orders': authorization server unreachable at http://127\\.0\\.0\\.1:${port}/token \\((ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)\\)$`)),
    });
    const { provider: fresh } = await provider(own);
    expect(await warrantErrorOf(() => fresh.mint(oauthMint()))).toStrictEqual({
      code: 'ERR_PROVIDER_UNAVAILABLE',
      message: `provider 'orders': authorization server unreachable at http://127.0.0.1:${port}/.well-known/oauth-authorization-server (ECONNREFUSED)`,
    });
  });
});

describe('oauth-client without a revocation endpoint', () => {
  let noRevoke: OAuthWorld;
  beforeAll(async () => {
    noRevoke = await startOAuthWorld(dir, { revocation: false, ttl: 240 });
  });
  afterAll(async () => {
    await noRevoke.server.close();
  });

  it('lets the lease end exactly when the token does, and the audit notice say so at issue and revoke', async () => {
    const { provider: p, notices } = await provider(noRevoke);
    const request = oauthMint({}, 60_000);
    const { credential, expiresAt } = await p.mint(request);
    expect(expiresAt).toBeGreaterThanOrEqual(request.issuedAt + 240_000);
    expect((credential as OAuthTokenCredential).expiresAt).toBe(expiresAt);
    const until = new Date(expiresAt).toISOString();
    expect(notices).toStrictEqual([
      {
        provider: 'orders',
        operation: 'issue',
        leaseId: request.leaseId,
        notice: 'revocation_expiry_only',
        message: `the authorization server has no revocation endpoint: the token cannot be revoked and dies at its expiry, ${until}`,
        details: { tokenExpiresAt: until },
      },
    ]);
    await p.revoke({ leaseId: request.leaseId, handle: request.leaseId, expiresAt });
    expect(notices[1]).toStrictEqual({
      provider: 'orders',
      operation: 'revoke',
      leaseId: request.leaseId,
      notice: 'revocation_expiry_only',
      message: `the authorization server has no revocation endpoint: the token stays valid at the authorization server until its expiry, at the latest ${until}`,
      details: { validUntilAtLatest: until },
    });
    expect(await noRevoke.server.introspect(tokenOf(credential), RS_CLIENT)).toMatchObject({ active: true });
  });

  it('refuses tokens that live longer than expiryOnlyMaxTtl', async () => {
    const { provider: p } = await provider(noRevoke, { expiryOnlyMaxTtl: '3m' });
    expect(await warrantErrorOf(() => p.mint(oauthMint()))).toStrictEqual({
      code: 'ERR_PROVIDER_FAILED',
      message: `provider 'orders': the authorization server issued a token for 4m, longer than the 3m allowed for a server that cannot revoke tokens (expiryOnlyMaxTtl); shorten its token lifetime`,
    });
  });
});

/** A scripted authorization server: metadata and token answers as the test says. */
async function scriptedServer(answer: (path: string, issuer: string) => { status: number; body: unknown }): Promise<{ issuer: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { status, body } = answer(req.url ?? '/', issuer);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function metadata(issuer: string): Record<string, unknown> {
  return { issuer, token_endpoint: `${issuer}/token`, revocation_endpoint: `${issuer}/revoke` };
}

describe('oauth-client against answers a good server never gives', () => {
  const cases: [string, (path: string, issuer: string) => { status: number; body: unknown }, { code: string; message: (issuer: string) => string }][] = [
    [
      'metadata for another issuer',
      (_p, issuer) => ({ status: 200, body: { ...metadata(issuer), issuer: 'https://evil.example' } }),
      { code: 'ERR_PROVIDER_FAILED', message: (i) => `provider 'orders': metadata names issuer "https://evil.example", not the configured ${i}` },
    ],
    [
      'no metadata at all',
      () => ({ status: 404, body: {} }),
      { code: 'ERR_PROVIDER_FAILED', message: (i) => `provider 'orders': no usable metadata at ${i}/.well-known/openid-configuration (HTTP 404)` },
    ],
    [
      'a token endpoint over plain http for an https issuer',
      (_p, issuer) => ({ status: 200, body: { ...metadata(issuer), token_endpoint: 'ftp://127.0.0.1/token' } }),
      { code: 'ERR_PROVIDER_FAILED', message: () => `provider 'orders': metadata token_endpoint must be an https URL` },
    ],
    [
      'more scope than asked',
      (p, issuer) => (p === '/token' ? { status: 200, body: { access_token: 'x'.repeat(40), token_type: 'Bearer', expires_in: 60, scope: 'orders:read orders:write' } } : p === '/revoke' ? { status: 200, body: {} } : { status: 200, body: metadata(issuer) }),
      { code: 'ERR_PROVIDER_FAILED', message: () => `provider 'orders': the authorization server granted scope "orders:write", which was not requested; the token was not delivered` },
    ],
    [
      'a token without expires_in',
      (p, issuer) => (p === '/token' ? { status: 200, body: { access_token: 'x'.repeat(40), token_type: 'Bearer' } } : { status: 200, body: metadata(issuer) }),
      { code: 'ERR_PROVIDER_FAILED', message: () => `provider 'orders': the token response has no expires_in; warrant only delivers tokens whose lifetime it knows` },
    ],
    [
      'a DPoP token',
      (p, issuer) => (p === '/token' ? { status: 200, body: { access_token: 'x'.repeat(40), token_type: 'DPoP', expires_in: 60 } } : { status: 200, body: metadata(issuer) }),
      { code: 'ERR_PROVIDER_FAILED', message: () => `provider 'orders': the token response has token_type "DPoP"; only Bearer tokens are delivered` },
    ],
    [
      'a busy token endpoint',
      (p, issuer) => (p === '/token' ? { status: 503, body: { error: 'temporarily_unavailable' } } : { status: 200, body: metadata(issuer) }),
      { code: 'ERR_PROVIDER_UNAVAILABLE', message: () => `provider 'orders': token endpoint answered "temporarily_unavailable" (HTTP 503)` },
    ],
    [
      'a scope the server refuses',
      (p, issuer) => (p === '/token' ? { status: 400, body: { error: 'invalid_scope', error_description: 'orders:read is not for this client' } } : { status: 200, body: metadata(issuer) }),
      { code: 'ERR_SCOPE_INVALID', message: () => `the authorization server of provider 'orders' refused the scope: "invalid_scope": "orders:read is not for this client" (HTTP 400)` },
    ],
    [
      'a grant it does not offer',
      (_p, issuer) => ({ status: 200, body: { ...metadata(issuer), grant_types_supported: ['authorization_code'] } }),
      { code: 'ERR_PROVIDER_FAILED', message: () => `provider 'orders': the authorization server does not offer the client_credentials grant` },
    ],
  ];

  it.each(cases)('%s', async (_title, answer, expected) => {
    const scripted = await scriptedServer((path, issuer) => {
      if (path === '/.well-known/oauth-authorization-server') return { status: 404, body: {} };
      return path === '/.well-known/openid-configuration' ? answer(path, issuer) : answer(path, issuer);
    });
    try {
      const fake: OAuthWorld = { server: { issuer: scripted.issuer } as OAuthWorld['server'], clientKeyFile: '', assertionKeyFile: '' };
      const { provider: p } = await provider(fake);
      expect(await warrantErrorOf(() => p.mint(oauthMint()))).toStrictEqual({ code: expected.code, message: expected.message(scripted.issuer) });
    } finally {
      scripted.server.close();
    }
  });
});
