// Trust bundles and warrant's own SVID change under a running server: no restart, no dropped
// connections. A good bundle swaps in, a malformed one keeps the old, a removed trust domain takes
// its leases with it (trigger identity); the server's SVID rotates from files and from the SPIFFE
// Workload API while a client keeps its channel and its WatchLeases stream open.
import { randomBytes } from 'node:crypto';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarrantClient, type WarrantClientError } from '../../src/client/index.js';
import { DevAuthority, DevJwtAuthority, checkX509SvidMaterial, formatSpiffeBundle, type IssuedSvid } from '../../src/identity/index.js';
import { AGENT_ID, OPERATOR_ID, SERVER_ID, TD, eventually, readAudit, startHarness, type Harness } from '../support/harness.js';
import { startTestWorkloadApi, type TestWorkloadApi } from '../support/workload-api-server.js';

const RELOAD = { debounce: '20ms', pollInterval: '200ms' };
const OTHER_TD = 'other.example';
const OTHER_AGENT = `spiffe://${OTHER_TD}/agents/gamma`;

/** Writes beside and renames, as a provisioning system does. */
function replace(file: string, text: string): void {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The fingerprint of the certificate a new TLS handshake sees (no client certificate needed for that). */
function serverFingerprint(h: Harness, caPem = h.authority.certPem): Promise<string> {
  const [host, port] = h.grpcAddress.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), ca: caPem, servername: TD, ALPNProtocols: ['h2'], checkServerIdentity: () => undefined }, () => {
      const fp = socket.getPeerX509Certificate()?.fingerprint256;
      socket.end();
      if (fp === undefined) reject(new Error('no server certificate'));
      else resolve(fp);
    });
    socket.on('error', reject);
  });
}

const task = (id: string) => ({ id, purpose: 'p', attributes: {}, parent_id: '' });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect((err as WarrantClientError).grpcCode).toBe(grpc.status.UNAUTHENTICATED);
    return (err as WarrantClientError).message;
  }
  throw new Error('expected UNAUTHENTICATED');
}

function clientFor(h: Harness, svid: IssuedSvid): WarrantClient {
  return new WarrantClient({ server: h.grpcAddress, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: h.authority.certPem, serverId: SERVER_ID, retry: { maxAttempts: 1 } });
}

describe('trust bundle hot reload', () => {
  let h: Harness;
  let other: DevAuthority;
  let otherJwt: DevJwtAuthority;
  const clients: WarrantClient[] = [];
  /** leases of other.example workloads issued by earlier tests */
  const otherLeases: string[] = [];

  beforeAll(async () => {
    other = await DevAuthority.create(OTHER_TD);
    otherJwt = DevJwtAuthority.create();
    h = await startHarness({ identity: { jwt: {}, reload: RELOAD, federated: [{ authority: other, jwtAuthority: otherJwt }] } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await h.close();
  });

  it('a new root and a new JWT key swap in; connections already open are checked again', async () => {
    const newRoot = await DevAuthority.create(TD);
    const newJwt = DevJwtAuthority.create();
    const c = clientFor(h, await newRoot.issueX509Svid(AGENT_ID));
    clients.push(c);
    expect(await refusal(c.issueTaskCredential({ task: task('t-root'), provider: 'orders-api' }))).toBe(
      `X509-SVID ${AGENT_ID} rejected: the presented certificates do not chain to an authority of trust domain "${TD}" (X509-SVID §5.1)`,
    );
    const token = newJwt.issueJwtSvid(AGENT_ID, { audience: SERVER_ID });
    const bearer = new WarrantClient({ server: h.grpcAddress, bundlePem: h.authority.certPem, jwtSvid: token, serverId: SERVER_ID, retry: { maxAttempts: 1 } });
    clients.push(bearer);
    expect(await refusal(bearer.issueTaskCredential({ task: task('t-jwt'), provider: 'orders-api' }))).toMatch(/no JWT authority of trust domain "test\.example" has key ID/);

    replace(h.bundleFile(TD), formatSpiffeBundle({ x509Authorities: [h.authority.certPem, newRoot.certPem], jwtAuthorities: [h.jwtAuthority!, newJwt], sequence: 2 }));
    const lease = await eventually(() => c.issueTaskCredential({ task: task('t-root'), provider: 'orders-api' }).catch(() => undefined));
    expect(lease.lease!.owner).toBe(AGENT_ID);
    expect((await bearer.issueTaskCredential({ task: task('t-jwt'), provider: 'orders-api' })).lease!.owner).toBe(AGENT_ID);
    expect(h.logs.join('')).toMatch(/"msg":"trust bundles reloaded"/);
  });

  it('a malformed bundle keeps the previous one and the log says why', async () => {
    const c = clientFor(h, await other.issueX509Svid(OTHER_AGENT));
    clients.push(c);
    replace(h.bundleFile(OTHER_TD), '{"keys": [{"kty": "EC", "use": "jwt-svid"}]}');
    await eventually(async () => (h.logs.some((l) => l.includes('trust bundle change refused')) ? true : undefined));
    const line = JSON.parse(h.logs.find((l) => l.includes('trust bundle change refused'))!) as { rule: string; reason: string };
    expect(line).toMatchObject({
      rule: 'spiffe-bundle',
      reason: `trust bundle file ${h.bundleFile(OTHER_TD)} for trust domain "${OTHER_TD}" is not a usable SPIFFE bundle: keys[0]: a jwt-svid entry must set kid to a non-empty string (JWT-SVID §6.1)`,
    });
    // Still trusted, over a new connection and a new handshake.
    const lease = (await c.issueTaskCredential({ task: task('t-other'), provider: 'orders-api' })).lease!;
    expect(lease.owner).toBe(OTHER_AGENT);
    otherLeases.push(lease.id);
    replace(h.bundleFile(OTHER_TD), formatSpiffeBundle({ x509Authorities: [other.certPem], jwtAuthorities: [otherJwt] }));
  });

  it('a removed trust domain: its leases are revoked with trigger identity, audited, and its workloads refused', async () => {
    const c = clientFor(h, await other.issueX509Svid(OTHER_AGENT));
    clients.push(c);
    const token = otherJwt.issueJwtSvid(`spiffe://${OTHER_TD}/agents/delta`, { audience: SERVER_ID });
    const bearer = new WarrantClient({ server: h.grpcAddress, bundlePem: h.authority.certPem, jwtSvid: token, serverId: SERVER_ID, retry: { maxAttempts: 1 } });
    clients.push(bearer);
    const held = [(await c.issueTaskCredential({ task: task('t-gone'), provider: 'orders-api' })).lease!, (await bearer.issueTaskCredential({ task: task('t-gone-2'), provider: 'orders-api' })).lease!];
    const mine = (await (await h.client(AGENT_ID)).issueTaskCredential({ task: task('t-stays'), provider: 'orders-api' })).lease!;
    const operator = await h.client(OPERATOR_ID);

    unlinkSync(h.bundleFile(OTHER_TD));
    for (const l of held) {
      const revoked = await eventually(async () => {
        const got = (await operator.getLease(l.id)).lease!;
        return got.state === 'LEASE_STATE_REVOKED' ? got : undefined;
      });
      expect(revoked.trigger).toBe('TRIGGER_IDENTITY');
      expect(revoked.reason).toBe(`trust domain "${OTHER_TD}" was removed from the trust bundles`);
    }
    expect((await operator.getLease(mine.id)).lease!.state).toBe('LEASE_STATE_ACTIVE');
    expect(await refusal(c.issueTaskCredential({ task: task('t-gone'), provider: 'orders-api' }))).toBe(
      `X509-SVID ${OTHER_AGENT} rejected: trust domain "${OTHER_TD}" has no trust bundle here, so nothing can vouch for it (SPIFFE-ID §3)`,
    );
    expect(await refusal(bearer.issueTaskCredential({ task: task('t-gone-2'), provider: 'orders-api' }))).toMatch(/trust domain "other\.example" has no trust bundle here/);

    // Polled rather than flushed: the records are written by the time they are read back.
    const records = await eventually(async () => {
      const found = readAudit(h).filter((r) => r['action'] === 'trust_domain_removed');
      return found.length === 2 ? found : undefined;
    });
    expect(records.map((r) => [r['phase'], r['trigger'], r['trustDomain']])).toEqual([
      ['start', 'identity', OTHER_TD],
      ['done', 'identity', OTHER_TD],
    ]);
    const count = held.length + otherLeases.length;
    // Accepted durably at once; the providers' confirmations follow (checked per lease above).
    expect(records[1]).toMatchObject({ matched: count, accepted: count, failed: 0 });
    for (const id of otherLeases) expect((await operator.getLease(id)).lease!.trigger).toBe('TRIGGER_IDENTITY');
  });
});

describe('server SVID rotation from files', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ identity: { reload: RELOAD } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('an open channel and its WatchLeases stream keep working; new handshakes see the new certificate', async () => {
    const agent = await h.client(AGENT_ID);
    const before = await serverFingerprint(h);
    const events: string[] = [];
    const watch = agent.watchLeases({ taskId: 't-rotate' }, (e) => events.push(e.type));
    let streamEnded = false;
    void watch.done.finally(() => (streamEnded = true));
    // The stream subscribes asynchronously: issue until it has seen one event.
    await eventually(async () => {
      await agent.issueTaskCredential({ task: task('t-rotate'), provider: 'orders-api' });
      return events.length > 0 ? true : undefined;
    });
    const seenBefore = events.length;

    const next = await h.authority.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
    replace(`${h.dir}/server-key.pem`, next.keyPem); // half-written: a new key under the old certificate
    replace(`${h.dir}/server.pem`, next.chainPem);
    const expected = checkX509SvidMaterial(next.chainPem, next.keyPem, Date.now()).fingerprint256;
    await eventually(async () => ((await serverFingerprint(h)) === expected ? true : undefined));
    expect(expected).not.toBe(before);

    await agent.issueTaskCredential({ task: task('t-rotate'), provider: 'orders-api' });
    await eventually(async () => (events.length > seenBefore ? true : undefined));
    expect(new Set(events)).toEqual(new Set(['LEASE_EVENT_TYPE_ISSUED']));
    expect(streamEnded).toBe(false);
    expect(h.logs.join('')).toMatch(/"msg":"server SVID rotated \(files\)"/);
    expect(h.logs.join('')).not.toMatch(/BEGIN PRIVATE KEY/);
    watch.cancel();
  });
});

describe('server SVID rotation from the SPIFFE Workload API', () => {
  let h: Harness;
  let api: TestWorkloadApi;
  let authority: DevAuthority;

  beforeAll(async () => {
    authority = await DevAuthority.create(TD);
    api = await startTestWorkloadApi();
    const first = await authority.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'] });
    api.serve({ spiffeId: SERVER_ID, chainPem: first.chainPem, keyPem: first.keyPem, bundlePem: authority.certPem });
    h = await startHarness({ identity: { workloadApiSocket: api.address } });
  });
  afterAll(async () => {
    await h.close();
    await api.close();
  });

  it('serves the Workload API\'s SVID, and rotates to each new one under an open channel', async () => {
    expect(api.requests[0]).toEqual({ method: 'FetchX509SVID', header: 'true' });
    const agentSvid = await h.authority.issueX509Svid(AGENT_ID);
    const agent = new WarrantClient({ server: h.grpcAddress, svidPem: agentSvid.chainPem, svidKeyPem: agentSvid.keyPem, bundlePem: authority.certPem, serverId: SERVER_ID });
    const events: string[] = [];
    const watch = agent.watchLeases({ taskId: 't-wl' }, (e) => events.push(e.type));
    let streamEnded = false;
    void watch.done.finally(() => (streamEnded = true));
    await eventually(async () => {
      await agent.issueTaskCredential({ task: task('t-wl'), provider: 'orders-api' });
      return events.length > 0 ? true : undefined;
    });
    const seenBefore = events.length;
    const before = await serverFingerprint(h, authority.certPem);

    const next = await authority.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'] });
    api.serve({ spiffeId: SERVER_ID, chainPem: next.chainPem, keyPem: next.keyPem, bundlePem: authority.certPem });
    const expected = checkX509SvidMaterial(next.chainPem, next.keyPem, Date.now()).fingerprint256;
    await eventually(async () => ((await serverFingerprint(h, authority.certPem)) === expected ? true : undefined));
    expect(before).not.toBe(expected);

    await agent.issueTaskCredential({ task: task('t-wl'), provider: 'orders-api' });
    await eventually(async () => (events.length > seenBefore ? true : undefined));
    expect(streamEnded).toBe(false);
    expect(h.logs.join('')).toMatch(/"msg":"server SVID rotated \(Workload API\)"/);
    watch.cancel();
    agent.close();
  });
});

describe('server SVID source from SPIFFE_ENDPOINT_SOCKET', () => {
  it('with no certFile/keyFile and no workloadApi, the Workload API at SPIFFE_ENDPOINT_SOCKET is used', async () => {
    const authority = await DevAuthority.create(TD);
    const api = await startTestWorkloadApi();
    try {
      const svid = await authority.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'] });
      api.serve({ spiffeId: SERVER_ID, chainPem: svid.chainPem, keyPem: svid.keyPem, bundlePem: authority.certPem });
      const h = await startHarness({ identity: { spiffeEndpointSocketEnv: api.address } });
      try {
        expect(await serverFingerprint(h, authority.certPem)).toBe(checkX509SvidMaterial(svid.chainPem, svid.keyPem, Date.now()).fingerprint256);
        expect(api.requests).toEqual([{ method: 'FetchX509SVID', header: 'true' }]);
      } finally {
        await h.close();
      }
    } finally {
      await api.close();
    }
  });

  it('with no SVID source at all, start-up fails naming what to set', async () => {
    await expect(startHarness({ identity: { spiffeEndpointSocketEnv: '' } })).rejects.toThrow(
      'grpc: set certFile and keyFile, or workloadApi, or the SPIFFE_ENDPOINT_SOCKET environment variable',
    );
  });
});
