// The signing thread: ES256 signatures made on a worker thread when requests come together, and on
// the calling thread when one comes alone, when the worker fails, or after close(). Every signature
// is checked against the public key and against its own input.
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SigningThread } from '../../src/providers/oauth-jwt/signing-thread.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function verifies(key: KeyObject, input: string, signature: string): boolean {
  const raw = Buffer.from(signature, 'base64url');
  return raw.length === 64 && verify('sha256', Buffer.from(input, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, raw);
}

const inputs = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(`${tag}-${i}`).toString('base64url')}`);

/** A worker that exits as soon as it is sent anything, before it answers. */
const EXITS_AT_ONCE = `require('node:worker_threads').parentPort.on('message', () => process.exit(3));`;

const open: SigningThread[] = [];
const thread = (...args: ConstructorParameters<typeof SigningThread>) => {
  const t = new SigningThread(...args);
  open.push(t);
  return t;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe('SigningThread', () => {
  it('signs requests made together on the worker, each signature over its own input', async () => {
    const t = thread(privateKey, { minBatch: 1, maxBatch: 8 });
    const batch = inputs(100, 'together');
    const signatures = await Promise.all(batch.map((input) => t.sign(input)));
    expect(t.threaded).toBe(true);
    signatures.forEach((signature, i) => expect(verifies(publicKey, batch[i]!, signature)).toBe(true));
    // Each answer belongs to its own request: no signature verifies another request's input.
    expect(verifies(publicKey, batch[1]!, signatures[0]!)).toBe(false);
    expect(new Set(signatures).size).toBe(100);
  });

  it('signs a lone request here while the worker is idle, and starts no thread for it', async () => {
    const t = thread(privateKey);
    const [input] = inputs(1, 'alone');
    expect(verifies(publicKey, input!, await t.sign(input!))).toBe(true);
    expect(t.threaded).toBe(false);
  });

  it('with inline: true never starts a thread', async () => {
    const t = thread(privateKey, { inline: true, minBatch: 1 });
    const batch = inputs(20, 'inline');
    const signatures = await Promise.all(batch.map((input) => t.sign(input)));
    expect(t.threaded).toBe(false);
    signatures.forEach((signature, i) => expect(verifies(publicKey, batch[i]!, signature)).toBe(true));
  });

  it('a worker that exits hands its batches back to be signed here; the next batch gets a new worker; after maxFailures none', async () => {
    const t = thread(privateKey, { minBatch: 1, maxFailures: 2, workerSource: EXITS_AT_ONCE });
    for (let round = 0; round < 4; round++) {
      const batch = inputs(10, `exit-${round}`);
      const signatures = await Promise.all(batch.map((input) => t.sign(input)));
      signatures.forEach((signature, i) => expect(verifies(publicKey, batch[i]!, signature)).toBe(true));
      expect(t.threaded).toBe(false);
    }
  });

  it('a worker that cannot sign fails the batch with a message that names the thread and holds no key', async () => {
    const t = thread(generateKeyPairSync('ed25519').privateKey, { minBatch: 1 });
    const failures = await Promise.all(inputs(3, 'bad-key').map((input) => t.sign(input).then(() => undefined, (err: Error) => err.message)));
    for (const message of failures) {
      expect(message).toMatch(/^the signing thread could not sign: /);
      expect(message).not.toMatch(/PRIVATE KEY|"d":/);
    }
  });

  it('refuses an input with a line break (batches travel one input a line), and signs the rest of its batch', async () => {
    const t = thread(privateKey, { minBatch: 1 });
    const batch = inputs(4, 'lines');
    const answers = await Promise.allSettled([...batch, `${batch[0]!}\n${batch[1]!}`].map((input) => t.sign(input)));
    expect(answers[4]).toMatchObject({ status: 'rejected', reason: { message: 'a signing input holds no line break' } });
    answers.slice(0, 4).forEach((a, i) => expect(a.status === 'fulfilled' && verifies(publicKey, batch[i]!, a.value)).toBe(true));
  });

  it('close() stops the worker; what it owed and what comes later is signed here', async () => {
    const t = thread(privateKey, { minBatch: 1 });
    const owed = inputs(30, 'owed');
    const pending = Promise.all(owed.map((input) => t.sign(input)));
    // The batch goes out at the end of this turn; close once it is at the worker.
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.threaded).toBe(true);
    await t.close();
    expect(t.threaded).toBe(false);
    (await pending).forEach((signature, i) => expect(verifies(publicKey, owed[i]!, signature)).toBe(true));
    const later = inputs(5, 'later');
    const signatures = await Promise.all(later.map((input) => t.sign(input)));
    expect(t.threaded).toBe(false);
    signatures.forEach((signature, i) => expect(verifies(publicKey, later[i]!, signature)).toBe(true));
  });
});
