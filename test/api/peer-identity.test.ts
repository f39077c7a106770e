// The caller's X.509-SVID over a real mTLS connection: chains through intermediates, and the rules
// TLS alone does not enforce.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarrantClient, type WarrantClientError } from '../../src/client/index.js';
import type { DevAuthority, IssueX509SvidOptions } from '../../src/identity/index.js';
import { AGENT_ID, SERVER_ID, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function clientWith(issuer: DevAuthority, id: string, opts: IssueX509SvidOptions = {}): Promise<WarrantClient> {
  const svid = await issuer.issueX509Svid(id, opts);
  return new WarrantClient({ server: h.grpcAddress, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: h.authority.certPem, serverId: SERVER_ID });
}

const issue = (c: WarrantClient) =>
  c.issueTaskCredential({ task: { id: 't-peer', purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api' });

describe('peer X.509-SVID', () => {
  it('accepts an SVID issued through an intermediate authority', async () => {
    const intermediate = await h.authority.issueIntermediate();
    const c = await clientWith(intermediate, AGENT_ID);
    expect((await issue(c)).lease!.owner).toBe(AGENT_ID);
    c.close();
  });

  it.each([
    ['an expired SVID', { notBefore: Date.now() - 7_200_000, ttlMs: 3_600_000 }, /expired/],
    ['a CA certificate as the leaf', { isCa: true, keyUsage: ['digitalSignature', 'keyCertSign'] as const }, /CA/],
    ['two URI SANs', { extraUris: ['spiffe://test.example/agents/other'] }, /URI SAN/],
  ])('rejects %s with UNAUTHENTICATED', async (_name, opts, message) => {
    const c = await clientWith(h.authority, AGENT_ID, opts as IssueX509SvidOptions);
    const err = (await issue(c).catch((e: unknown) => e)) as WarrantClientError;
    c.close();
    expect(err.grpcCode).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.message).toMatch(/^X\.509-SVID rejected: /);
    expect(err.message).toMatch(message);
  });
});
