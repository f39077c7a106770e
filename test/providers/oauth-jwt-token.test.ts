import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { OAuthTokenCredential } from '../../src/core/index.js';
import {
  ISSUER,
  OWNER,
  START,
  TASK,
  decodeSegment,
  leaseFor,
  makeProvider,
  mintRequest,
  warrantErrorOf,
} from './oauth-jwt-fixtures.js';

function tokenOf(credential: unknown): OAuthTokenCredential {
  const c = credential as OAuthTokenCredential;
  expect(c.kind).toBe('oauth_token');
  return c;
}

describe('oauth-jwt access tokens (RFC 9068)', () => {
  it('has the at+jwt header with ES256 and the key thumbprint as kid', async () => {
    const { provider, clock } = await makeProvider();
    const { credential } = await provider.mint(mintRequest(clock));
    const token = tokenOf(credential).accessToken;
    const jwk = provider.jwks().keys[0]!;
    expect(token.split('.')).toHaveLength(3);
    expect(decodeSegment(token, 0)).toStrictEqual({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid });
    expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256'));
  });

  it('carries exactly the RFC 9068 claims plus task_id, in whole seconds', async () => {
    const { provider, clock } = await makeProvider();
    clock.advance(1_500); // not on a second boundary: iat floors
    const request = mintRequest(clock, { scope: ['orders:read', 'invoices:read'], expiresAt: clock.now() + 299_700 });
    const result = await provider.mint(request);
    const iat = Math.floor(clock.now() / 1000);
    const exp = Math.floor(request.expiresAt / 1000);
    expect(decodeSegment(tokenOf(result.credential).accessToken, 1)).toStrictEqual({
      iss: ISSUER,
      sub: OWNER,
      aud: 'https://orders.example.test',
      exp,
      iat,
      jti: request.leaseId,
      client_id: OWNER,
      scope: 'orders:read invoices:read',
      task_id: TASK,
    });
    expect(result.expiresAt).toBe(exp * 1000);
    expect(result.credential).toStrictEqual({
      kind: 'oauth_token',
      accessToken: tokenOf(result.credential).accessToken,
      tokenType: 'Bearer',
      expiresAt: exp * 1000,
      scope: ['orders:read', 'invoices:read'],
      audience: ['https://orders.example.test'],
    });
  });

  it('puts several audiences in an array and omits scope when there is none', async () => {
    const { provider, clock } = await makeProvider({ audience: ['https://a.example.test', 'https://b.example.test'] });
    const { credential } = await provider.mint(mintRequest(clock, { scope: [] }));
    const payload = decodeSegment(tokenOf(credential).accessToken, 1) as Record<string, unknown>;
    expect(payload['aud']).toStrictEqual(['https://a.example.test', 'https://b.example.test']);
    expect('scope' in payload).toBe(false);
    expect(tokenOf(credential).audience).toStrictEqual(['https://a.example.test', 'https://b.example.test']);
    expect(tokenOf(credential).scope).toStrictEqual([]);
  });

  it('is a standard JWS: jose verifies it against jwks()', async () => {
    const { provider, clock } = await makeProvider();
    const request = mintRequest(clock);
    const { credential } = await provider.mint(request);
    const { payload, protectedHeader } = await jwtVerify(tokenOf(credential).accessToken, createLocalJWKSet({ keys: [...provider.jwks().keys] }), {
      algorithms: ['ES256'],
      typ: 'at+jwt',
      issuer: ISSUER,
      audience: 'https://orders.example.test',
      currentDate: new Date(clock.now()),
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.jti).toBe(request.leaseId);
  });

  it('publishes only the public key in jwks()', async () => {
    const { provider } = await makeProvider();
    const jwks = provider.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(Object.keys(jwks.keys[0]!).sort()).toStrictEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  });

  it('never lets a token outlive maxTtl from issue', async () => {
    const { provider, clock } = await makeProvider({ maxTtl: '10m', defaultTtl: '5m' });
    const request = mintRequest(clock, { expiresAt: clock.now() + 3_600_000 });
    const result = await provider.mint(request);
    expect(result.expiresAt).toBe(START + 600_000);
  });

  it('refuses to mint a token that would already be expired', async () => {
    const { provider, clock } = await makeProvider();
    const request = mintRequest(clock, { expiresAt: clock.now() + 999 });
    expect(await warrantErrorOf(() => provider.mint(request))).toStrictEqual({
      code: 'ERR_TTL_INVALID',
      message: `lease ${request.leaseId}: provider 'orders-api' cannot mint a token that is already expired`,
    });
  });

  it('refuses to mint a scope outside the ceiling even when handed one', async () => {
    const { provider, clock } = await makeProvider();
    expect(await warrantErrorOf(() => provider.mint(mintRequest(clock, { scope: ['orders:read', 'admin'] })))).toStrictEqual({
      code: 'ERR_SCOPE_INVALID',
      message: `scope "admin" is outside the ceiling of provider 'orders-api'`,
    });
  });

  it('exposes its limits, handle and kind', async () => {
    const { provider } = await makeProvider({ defaultTtl: '2m', maxTtl: '30m', renewable: false });
    expect(provider.kind).toBe('oauth-jwt');
    expect(provider.name).toBe('orders-api');
    expect(provider.limits).toStrictEqual({ defaultTtlMs: 120_000, maxTtlMs: 1_800_000, renewable: false });
    expect(provider.handleFor('01jh0000000000000000000000')).toBe('01jh0000000000000000000000');
  });
});

describe('oauth-jwt renew and revoke', () => {
  it('renews with a fresh token that keeps jti and moves exp', async () => {
    const { provider, clock } = await makeProvider();
    const request = mintRequest(clock);
    const minted = await provider.mint(request);
    clock.advance(240_000);
    const renewed = await provider.renew({ lease: leaseFor(request, 'orders-api'), expiresAt: clock.now() + 300_000 });
    const before = decodeSegment(tokenOf(minted.credential).accessToken, 1) as Record<string, unknown>;
    const after = decodeSegment(tokenOf(renewed.credential).accessToken, 1) as Record<string, unknown>;
    expect(after['jti']).toBe(before['jti']);
    expect(after['iat']).toBe(Math.floor(clock.now() / 1000));
    expect(after['exp']).toBe(Math.floor((START + 540_000) / 1000));
    expect(renewed.expiresAt).toBe(START + 540_000);
    expect({ ...after, iat: 0, exp: 0 }).toStrictEqual({ ...before, iat: 0, exp: 0 });
    expect(await provider.verifyAccessToken(tokenOf(renewed.credential).accessToken, clock.now())).toBeDefined();
  });

  it('caps a renewal at the lease max expiry', async () => {
    const { provider, clock } = await makeProvider();
    const request = mintRequest(clock);
    clock.advance(3_000_000);
    const lease = leaseFor(request, 'orders-api', { maxExpiresAt: START + 3_200_000 });
    const renewed = await provider.renew({ lease, expiresAt: clock.now() + 300_000 });
    expect(renewed.expiresAt).toBe(START + 3_200_000);
  });

  it('refuses a renewal once the lease is at its maximum lifetime', async () => {
    const { provider, clock } = await makeProvider();
    const request = mintRequest(clock);
    clock.advance(3_600_000);
    const lease = leaseFor(request, 'orders-api');
    expect(await warrantErrorOf(() => provider.renew({ lease, expiresAt: clock.now() + 300_000 }))).toStrictEqual({
      code: 'ERR_LEASE_AT_MAX_TTL',
      message: `lease ${lease.id} has reached its maximum lifetime`,
    });
  });

  it('refuses to renew when the provider is not renewable', async () => {
    const { provider, clock } = await makeProvider({ renewable: false });
    const request = mintRequest(clock);
    expect(await warrantErrorOf(() => provider.renew({ lease: leaseFor(request, 'orders-api'), expiresAt: clock.now() + 60_000 }))).toStrictEqual({
      code: 'ERR_LEASE_NOT_RENEWABLE',
      message: `provider 'orders-api' does not renew tokens; request a new credential`,
    });
  });

  it('refuses to renew a scope the ceiling no longer holds', async () => {
    const { provider, clock } = await makeProvider();
    const request = mintRequest(clock, { scope: ['orders:read', 'reports:read'] });
    const lease = leaseFor(request, 'orders-api');
    expect(await warrantErrorOf(() => provider.renew({ lease, expiresAt: clock.now() + 60_000 }))).toStrictEqual({
      code: 'ERR_LEASE_NOT_RENEWABLE',
      message: `lease ${lease.id}: scope "reports:read" is no longer within the ceiling of provider 'orders-api'`,
    });
  });

  it('revokes idempotently without touching anything', async () => {
    const { provider, clock } = await makeProvider();
    const request = mintRequest(clock);
    await provider.mint(request);
    const handle = provider.handleFor(request.leaseId);
    await expect(provider.revoke({ leaseId: request.leaseId, handle })).resolves.toBeUndefined();
    await expect(provider.revoke({ leaseId: request.leaseId, handle })).resolves.toBeUndefined();
  });

  it('refuses to mint after close', async () => {
    const { provider, clock } = await makeProvider();
    await provider.close();
    expect(await warrantErrorOf(() => provider.mint(mintRequest(clock)))).toStrictEqual({
      code: 'ERR_PROVIDER_UNAVAILABLE',
      message: `provider 'orders-api' is closed`,
    });
  });
});
