// Health and reflection answer without a client certificate, as probes and grpcurl expect.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TD, startHarness, type Harness } from '../support/harness.js';

const require = createRequire(import.meta.url);
let h: Harness;
let creds: grpc.ChannelCredentials;
const opts = { 'grpc.ssl_target_name_override': TD };

beforeAll(async () => {
  h = await startHarness();
  creds = grpc.credentials.createSsl(Buffer.from(h.authority.certPem), null, null, { checkServerIdentity: () => undefined });
});
afterAll(async () => {
  await h.close();
});

function load(file: string, includeDir: string) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, { keepCase: true, enums: String, includeDirs: [includeDir] })) as Record<string, any>;
}

describe('standard services', () => {
  it('grpc.health.v1.Health reports SERVING for the server and each service', async () => {
    const healthDir = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
    const pkg = load('health/v1/health.proto', healthDir);
    const client = new pkg['grpc']['health']['v1']['Health'](h.grpcAddress, creds, opts);
    for (const service of ['', 'warrant.v1.CredentialService', 'warrant.v1.AdminService']) {
      const res = await new Promise<{ status: string }>((resolve, reject) =>
        client.Check({ service }, (err: Error | null, r: { status: string }) => (err ? reject(err) : resolve(r))),
      );
      expect(res.status).toBe('SERVING');
    }
    client.close();
  });

  it('server reflection lists warrant services', async () => {
    const reflDir = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
    const pkg = load('grpc/reflection/v1/reflection.proto', reflDir);
    const client = new pkg['grpc']['reflection']['v1']['ServerReflection'](h.grpcAddress, creds, opts);
    const stream = client.ServerReflectionInfo();
    const names = await new Promise<string[]>((resolve, reject) => {
      stream.on('data', (r: { list_services_response?: { service: { name: string }[] } }) => {
        resolve((r.list_services_response?.service ?? []).map((s) => s.name));
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ list_services: '' });
    });
    client.close();
    expect(names).toEqual(expect.arrayContaining(['warrant.v1.CredentialService', 'warrant.v1.AdminService']));
  });
});
