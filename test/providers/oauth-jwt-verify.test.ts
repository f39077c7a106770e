import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/index.js';
import type { OAuthJwtProvider } from '../../src/providers/index.js';
import { ISSUER, OWNER, TASK, makeProvider, mintRequest, withTempDir } from './oauth-jwt-fixtures.js';

// The provider's key is one the test wrote, so the test can forge tokens with the very same key.
let dir: string;
let privateKey: KeyObject;
let publicKey: KeyObject;
let provider: OAuthJwtProvider;
let clock: ManualClock;
let token: string;
let claims: Record<string, unknown>;
let kid: string;

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warrant-providers-verify-'));
  ({ privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const file = join(dir, 'key.pem');
  await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  ({ provider, clock } = await makeProvider({ signingKeyFile: file }));
  const { credential } = await provider.mint(mintRequest(clock, { scope: ['orders:read', 'orders:write'] }));
  token = (credential as { accessToken: string }).accessToken;
  claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  kid = provider.jwks().keys[0]!.kid;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function forge(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', ...header }).sign(privateKey);
}

describe('oauth-jwt verifyAccessToken', () => {
  it('returns the claims of its own valid token', async () => {
    expect(await provider.verifyAccessToken(token, clock.now())).toStrictEqual({
      iss: ISSUER,
      sub: OWNER,
      aud: 'https://orders.example.test',
      exp: claims['exp'],
      iat: claims['iat'],
      jti: claims['jti'],
      client_id: OWNER,
      scope: 'orders:read orders:write',
      task_id: TASK,
    });
  });

  it('accepts a token forged with its own key and standard fields (control for the cases below)', async () => {
    expect(await provider.verifyAccessToken(await forge({ typ: 'at+jwt', kid }, claims), clock.now())).toBeDefined();
    expect(await provider.verifyAccessToken(await forge({ typ: 'application/at+jwt', kid }, claims), clock.now())).toBeDefined();
  });

  it('rejects a token signed by another key', async () => {
    const other = await makeProvider({}, clock);
    const { credential } = await other.provider.mint(mintRequest(clock));
    expect(await provider.verifyAccessToken((credential as { accessToken: string }).accessToken, clock.now())).toBeUndefined();
  });

  it('rejects a tampered payload', async () => {
    const [header, , signature] = token.split('.');
    const widened = b64({ ...claims, scope: 'orders:read orders:write invoices:read' });
    expect(await provider.verifyAccessToken(`${header}.${widened}.${signature}`, clock.now())).toBeUndefined();
  });

  it('rejects alg none', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims)}.`;
    expect(await provider.verifyAccessToken(unsigned, clock.now())).toBeUndefined();
  });

  it('rejects HS256 keyed with the public key', async () => {
    const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64(claims)}`;
    for (const secret of [
      publicKey.export({ type: 'spki', format: 'pem' }),
      publicKey.export({ type: 'spki', format: 'der' }),
      JSON.stringify(provider.jwks().keys[0]),
    ]) {
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      expect(await provider.verifyAccessToken(`${input}.${mac}`, clock.now())).toBeUndefined();
    }
  });

  it.each([['JWT'], ['jwt'], [undefined]])('rejects typ %s', async (typ) => {
    const header = typ === undefined ? { kid } : { typ, kid };
    expect(await provider.verifyAccessToken(await forge(header, claims), clock.now())).toBeUndefined();
  });

  it('rejects an expired token, from the second exp names', async () => {
    const exp = claims['exp'] as number;
    expect(await provider.verifyAccessToken(token, exp * 1000 - 1)).toBeDefined();
    expect(await provider.verifyAccessToken(token, exp * 1000)).toBeUndefined();
    expect(await provider.verifyAccessToken(token, exp * 1000 + 3_600_000)).toBeUndefined();
  });

  it('rejects another issuer, even under its own key', async () => {
    const forged = await forge({ typ: 'at+jwt', kid }, { ...claims, iss: 'https://evil.example.test' });
    expect(await provider.verifyAccessToken(forged, clock.now())).toBeUndefined();
    await withTempDir(async (otherDir) => {
      const file = join(otherDir, 'key.pem');
      await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const sameKey = await makeProvider({ signingKeyFile: file, issuer: 'https://other.example.test' }, clock);
      expect(await sameKey.provider.verifyAccessToken(token, clock.now())).toBeUndefined();
    });
  });

  it.each([['task_id'], ['client_id'], ['jti'], ['sub'], ['aud'], ['iat']])('rejects a token without %s', async (claim) => {
    const { [claim]: _dropped, ...rest } = claims;
    expect(await provider.verifyAccessToken(await forge({ typ: 'at+jwt', kid }, rest), clock.now())).toBeUndefined();
  });

  it('rejects claims of the wrong type', async () => {
    for (const bad of [{ task_id: 7 }, { scope: ['orders:read'] }, { aud: [1] }, { client_id: null }]) {
      expect(await provider.verifyAccessToken(await forge({ typ: 'at+jwt', kid }, { ...claims, ...bad }), clock.now())).toBeUndefined();
    }
  });

  it('rejects garbage without throwing', async () => {
    for (const junk of ['', 'a.b.c', 'not a token', `${token}x`, 'x'.repeat(20_000), token.split('.').slice(0, 2).join('.')]) {
      expect(await provider.verifyAccessToken(junk, clock.now())).toBeUndefined();
    }
  });
});
