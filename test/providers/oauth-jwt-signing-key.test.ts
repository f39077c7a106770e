import { generateKeyPairSync } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { makeProvider, mintRequest, warrantErrorOf, withTempDir } from './oauth-jwt-fixtures.js';

const KEY_SETTING = 'providers.orders-api.signingKeyFile';

describe('oauth-jwt signing key', () => {
  it('generates a missing key file with mode 0600 and reloads the same key from it', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'orders-api.pem');
      const first = await makeProvider({ signingKeyFile: file });
      const info = await stat(file);
      expect(info.mode & 0o777).toBe(0o600);
      expect((await readFile(file, 'utf8')).startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
      expect(await readdir(dir)).toStrictEqual(['orders-api.pem']);

      const { credential } = await first.provider.mint(mintRequest(first.clock));
      const second = await makeProvider({ signingKeyFile: file });
      expect(second.provider.jwks()).toStrictEqual(first.provider.jwks());
      const token = (credential as { accessToken: string }).accessToken;
      expect(await second.provider.verifyAccessToken(token, second.clock.now())).toBeDefined();
    });
  });

  it('uses an operator-supplied PKCS#8 P-256 key with its RFC 7638 thumbprint as kid', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'key.pem');
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const { provider } = await makeProvider({ signingKeyFile: file });
      const jwk = publicKey.export({ format: 'jwk' });
      const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! }, 'sha256');
      expect(provider.jwks().keys).toStrictEqual([{ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' }]);
    });
  });

  it('generates a fresh in-memory key per provider when no file is configured', async () => {
    const a = await makeProvider();
    const b = await makeProvider();
    expect(a.provider.jwks().keys[0]!.kid).not.toBe(b.provider.jwks().keys[0]!.kid);
  });

  it('rejects a key on another curve without echoing the key', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'p384.pem');
      const pem = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await writeFile(file, pem, { mode: 0o600 });
      const error = await warrantErrorOf(() => makeProvider({ signingKeyFile: file }));
      const body = pem.split('\n')[1]!;
      expect(error.message).not.toContain(body);
      expect(error).toStrictEqual({
        code: 'ERR_CONFIG',
        message: `${KEY_SETTING}: ${JSON.stringify(file)} holds a key of type ec (secp384r1); ES256 needs an EC P-256 key`,
      });
    });
  });

  it('rejects a key that is not EC', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'ed25519.pem');
      const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
      await writeFile(file, pem, { mode: 0o600 });
      expect(await warrantErrorOf(() => makeProvider({ signingKeyFile: file }))).toStrictEqual({
        code: 'ERR_CONFIG',
        message: `${KEY_SETTING}: ${JSON.stringify(file)} holds a key of type ed25519; ES256 needs an EC P-256 key`,
      });
    });
  });

  it('rejects a file that holds no private key, and keeps its text out of the error', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'broken.pem');
      const marker = 'c2VjcmV0LWtleS1tYXRlcmlhbA';
      await writeFile(file, `-----BEGIN PRIVATE KEY-----\n${marker}\n-----END PRIVATE KEY-----\n`, { mode: 0o600 });
      const err = await makeProvider({ signingKeyFile: file }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeDefined();
      expect({ code: (err as { code?: string }).code, message: err!.message }).toStrictEqual({
        code: 'ERR_CONFIG',
        message: `${KEY_SETTING}: ${JSON.stringify(file)} does not hold an unencrypted PEM private key`,
      });
      expect(JSON.stringify({ message: err!.message, cause: err!.cause, stack: err!.stack })).not.toContain(marker);
    });
  });

  it('names the setting when the key file cannot be created', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'missing-dir', 'key.pem');
      expect(await warrantErrorOf(() => makeProvider({ signingKeyFile: file }))).toStrictEqual({
        code: 'ERR_CONFIG',
        message: `${KEY_SETTING}: cannot create ${JSON.stringify(file)} (ENOENT)`,
      });
    });
  });

  it('keeps the first key when two providers create the same file at once', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'shared.pem');
      const [a, b] = await Promise.all([makeProvider({ signingKeyFile: file }), makeProvider({ signingKeyFile: file })]);
      expect(a.provider.jwks()).toStrictEqual(b.provider.jwks());
      const reloaded = await makeProvider({ signingKeyFile: file });
      expect(reloaded.provider.jwks()).toStrictEqual(a.provider.jwks());
      expect(await readdir(dir)).toStrictEqual(['shared.pem']);
    });
  });
});
