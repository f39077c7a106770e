import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { WarrantError } from '../core/index.js';

/** The public half of the signing key as published in the JWKS. */
export interface PublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

/**
 * Loads the ES256 signing key from `file`, or generates one. A missing file is created with mode
 * 0600; with no file at all the key lives only in memory. `configKey` names the setting in errors.
 */
export async function loadSigningKey(file: string | undefined, configKey: string): Promise<SigningKey> {
  if (file === undefined) return describeKey(generatePrivateKey());
  const existing = await readKeyFile(file, configKey);
  if (existing !== undefined) return describeKey(parsePrivateKey(existing, file, configKey));
  return describeKey(await writeNewKeyFile(file, configKey));
}

function generatePrivateKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

async function readKeyFile(file: string, configKey: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw new WarrantError('ERR_CONFIG', `${configKey}: cannot read ${JSON.stringify(file)} (${errorCode(err) ?? 'error'})`, {
      cause: err,
    });
  }
}

function parsePrivateKey(pem: string, file: string, configKey: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    // The parser's own message is left out: the key file's text must never reach an error.
    throw new WarrantError('ERR_CONFIG', `${configKey}: ${JSON.stringify(file)} does not hold an unencrypted PEM private key`, {
      cause: err instanceof Error ? { name: err.name, code: errorCode(err) } : undefined,
    });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const found = `${key.asymmetricKeyType ?? 'unknown'}${curve === undefined ? '' : ` (${curve})`}`;
    throw new WarrantError('ERR_CONFIG', `${configKey}: ${JSON.stringify(file)} holds a key of type ${found}; ES256 needs an EC P-256 key`);
  }
  return key;
}

/**
 * Writes a new key next to `file` and links it into place. Unlike rename, link refuses to replace
 * a key another replica wrote first; the loser then uses the winner's key.
 */
async function writeNewKeyFile(file: string, configKey: string): Promise<KeyObject> {
  const key = generatePrivateKey();
  const pem = key.export({ type: 'pkcs8', format: 'pem' });
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fail = (err: unknown, what: string): WarrantError =>
    new WarrantError('ERR_CONFIG', `${configKey}: cannot ${what} ${JSON.stringify(file)} (${errorCode(err) ?? 'error'})`, {
      cause: err,
    });
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(pem, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw fail(err, 'create');
  }
  try {
    await placeFile(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    if (errorCode(err) !== 'EEXIST') throw fail(err, 'create');
    const winner = await readKeyFile(file, configKey);
    if (winner === undefined) throw fail(err, 'create');
    return parsePrivateKey(winner, file, configKey);
  }
  await unlink(temp).catch(() => undefined);
  await syncDirectory(dir);
  return key;
}

async function placeFile(temp: string, file: string): Promise<void> {
  try {
    await link(temp, file);
  } catch (err) {
    const code = errorCode(err);
    // Some file systems have no hard links; there a rename (which may replace) is the best we have.
    if (code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EPERM') throw err;
    await rename(temp, file);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the new directory entry durable; not every platform lets a directory be fsync'ed.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

async function describeKey(privateKey: KeyObject): Promise<SigningKey> {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new WarrantError('ERR_INTERNAL', 'signing key is not an EC P-256 key');
  }
  const thumbprint = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } as const;
  // RFC 7638: the kid is the SHA-256 thumbprint, so the same key always gets the same kid.
  const kid = await calculateJwkThumbprint(thumbprint, 'sha256');
  const publicJwk: PublicJwk = Object.freeze({ ...thumbprint, kid, alg: 'ES256', use: 'sig' });
  return Object.freeze({ privateKey, publicKey, publicJwk });
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
