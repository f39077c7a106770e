// The emulator's SigV4 check is what makes the other aws-sts tests mean something: requests the real
// SDK signs pass, and anything altered after signing, or signed with another secret, is refused.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsEmulator } from '../support/aws-emulator.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, startEmulator } from './aws-sts-fixtures.js';

let emulator: AwsEmulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

/** A proxy in front of the emulator that may rewrite a request after the SDK signed it. */
async function tamperingProxy(rewrite: (headers: Record<string, string | string[] | undefined>, body: string) => { headers?: Record<string, string | string[] | undefined>; body: string }): Promise<{ url: string; server: Server }> {
  const target = new URL(emulator.endpoint);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const out = rewrite({ ...req.headers }, Buffer.concat(chunks).toString('utf8'));
      const headers = { ...(out.headers ?? req.headers), 'content-length': String(Buffer.byteLength(out.body)) };
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function sts(endpoint: string, secretAccessKey = SECRET_ACCESS_KEY): STSClient {
  return new STSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey }, maxAttempts: 1 });
}

async function callerIdentity(client: STSClient): Promise<{ ok: true; arn: string } | { ok: false; code: string; status: number | undefined }> {
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    return { ok: true, arn: out.Arn ?? '' };
  } catch (err) {
    const e = err as { Code?: string; name: string; $metadata?: { httpStatusCode?: number } };
    return { ok: false, code: e.Code ?? e.name, status: e.$metadata?.httpStatusCode };
  } finally {
    client.destroy();
  }
}

describe('the STS/IAM emulator', () => {
  it('accepts a request the real SDK signed, also through a proxy that changes nothing', async () => {
    expect(await callerIdentity(sts(emulator.endpoint))).toStrictEqual({ ok: true, arn: 'arn:aws:iam::123456789012:user/warrant' });
    const proxy = await tamperingProxy((headers, body) => ({ headers, body }));
    try {
      expect(await callerIdentity(sts(proxy.url))).toStrictEqual({ ok: true, arn: 'arn:aws:iam::123456789012:user/warrant' });
    } finally {
      proxy.server.close();
    }
  });

  it('rejects a signature made with another secret', async () => {
    expect(await callerIdentity(sts(emulator.endpoint, 'not-the-secret'))).toStrictEqual({ ok: false, code: 'SignatureDoesNotMatch', status: 403 });
    expect(emulator.calls.at(-1)).toMatchObject({ action: 'GetCallerIdentity', status: 403, error: 'SignatureDoesNotMatch' });
  });

  it('rejects a body changed after signing, whether or not its declared hash is kept', async () => {
    const keepHash = await tamperingProxy((headers, body) => ({ headers, body: body.replace('Version=2011-06-15', 'Version=2011-06-15&X=1') }));
    const dropHash = await tamperingProxy((headers, body) => {
      const { ['x-amz-content-sha256']: _hash, ...rest } = headers;
      return { headers: rest, body: body.replace('Version=2011-06-15', 'Version=2011-06-15&X=1') };
    });
    try {
      expect(await callerIdentity(sts(keepHash.url))).toStrictEqual({ ok: false, code: 'SignatureDoesNotMatch', status: 403 });
      expect(await callerIdentity(sts(dropHash.url))).toStrictEqual({ ok: false, code: 'SignatureDoesNotMatch', status: 403 });
    } finally {
      keepHash.server.close();
      dropHash.server.close();
    }
  });

  it('rejects a signed header changed after signing, and a request without a signature', async () => {
    const changed = await tamperingProxy((headers, body) => ({ headers: { ...headers, 'amz-sdk-invocation-id': '00000000-0000-4000-8000-000000000000' }, body }));
    const unsigned = await tamperingProxy((headers, body) => {
      const { authorization: _auth, ...rest } = headers;
      return { headers: rest, body };
    });
    try {
      expect(await callerIdentity(sts(changed.url))).toStrictEqual({ ok: false, code: 'SignatureDoesNotMatch', status: 403 });
      expect(await callerIdentity(sts(unsigned.url))).toStrictEqual({ ok: false, code: 'MissingAuthenticationToken', status: 403 });
    } finally {
      changed.server.close();
      unsigned.server.close();
    }
  });
});
