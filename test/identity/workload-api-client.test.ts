// The Workload API client against a Workload API server the test runs on a unix socket.
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DevAuthority,
  WorkloadApiClient,
  firstX509Svid,
  workloadApiTarget,
  type IssuedSvid,
  type WorkloadApiError,
  type X509SvidUpdate,
} from '../../src/identity/index.js';
import { eventually } from '../support/harness.js';
import { startTestWorkloadApi, x509SvidMessage, type TestWorkloadApi } from '../support/workload-api-server.js';

const ID = 'spiffe://a.example/warrant';
let ca: DevAuthority;
let api: TestWorkloadApi;
let client: WorkloadApiClient;
let svid: IssuedSvid;

const serve = (s: IssuedSvid) => api.serve({ spiffeId: s.spiffeId, chainPem: s.chainPem, keyPem: s.keyPem, bundlePem: ca.certPem });

beforeAll(async () => {
  ca = await DevAuthority.create('a.example');
  svid = await (await ca.issueIntermediate()).issueX509Svid(ID);
});
beforeEach(async () => {
  api = await startTestWorkloadApi();
  client = new WorkloadApiClient({ address: api.address, initialBackoffMs: 20, maxBackoffMs: 200 });
});
afterEach(async () => {
  client.close();
  await api.close();
});

function collect(): { updates: X509SvidUpdate[]; errors: WorkloadApiError[]; stop: () => void } {
  const updates: X509SvidUpdate[] = [];
  const errors: WorkloadApiError[] = [];
  const watch = client.watchX509Svids({ onUpdate: (u) => void updates.push(u), onError: (e) => void errors.push(e) });
  return { updates, errors, stop: () => watch.stop() };
}

describe('WorkloadApiClient', () => {
  it('streams FetchX509SVID with the security header and hands over the default SVID, chain and bundle', async () => {
    serve(svid);
    const { first, stop } = await firstX509Svid(client, { onUpdate: () => undefined, onError: () => undefined }, 5000);
    stop();
    expect(api.requests).toEqual([{ method: 'FetchX509SVID', header: 'true' }]);
    expect(first.svid.spiffeId).toBe(ID);
    expect(first.svid.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(first.svid.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(first.bundlePem).toBe(ca.certPem);
  });

  it('delivers each rotation on the open stream', async () => {
    serve(svid);
    const { updates, stop } = collect();
    await eventually(async () => updates[0]);
    const next = await ca.issueX509Svid(ID);
    serve(next);
    const rotated = await eventually(async () => updates[1]);
    expect(rotated.svid.chainPem).toBe(next.chainPem);
    expect(api.requests).toHaveLength(1);
    stop();
  });

  it('reconnects when the server ends the stream or drops it', async () => {
    serve(svid);
    const { updates, errors, stop } = collect();
    await eventually(async () => updates[0]);
    api.dropStreams(grpc.status.OK);
    await eventually(async () => updates[1]);
    api.dropStreams(grpc.status.UNAVAILABLE);
    await eventually(async () => updates[2]);
    expect(api.requests.length).toBe(3);
    expect(errors.map((e) => [e.rule, e.retrying])).toEqual([['unavailable', true]]);
    expect(errors[0]!.message).toBe('the SPIFFE Workload API stream ended: UNAVAILABLE dropped by the test; retrying with backoff');
    stop();
  });

  it('retries with backoff while denied, and picks up once an SVID is issued', async () => {
    api.deny(true);
    const { updates, errors, stop } = collect();
    await eventually(async () => (errors.length >= 2 ? true : undefined));
    expect(errors[0]!.rule).toBe('permission-denied');
    api.deny(false);
    serve(svid);
    await eventually(async () => updates[0]);
    stop();
  });

  it('stops for good on InvalidArgument (SPIFFE Workload Endpoint §6)', async () => {
    serve(svid);
    const { updates, errors } = collect();
    await eventually(async () => updates[0]);
    api.dropStreams(grpc.status.INVALID_ARGUMENT);
    const fatal = await eventually(async () => errors[0]);
    expect(fatal.retrying).toBe(false);
    expect(fatal.message).toBe('the SPIFFE Workload API refused the request as invalid (dropped by the test); not retrying (SPIFFE Workload Endpoint §6)');
    expect(api.requests).toHaveLength(1);
  });

  it('discards messages that break the standard, keeping the stream', async () => {
    serve(svid);
    const { updates, errors, stop } = collect();
    await eventually(async () => updates[0]);
    const other = await ca.issueX509Svid(ID);
    const good = x509SvidMessage({ spiffeId: ID, chainPem: svid.chainPem, keyPem: svid.keyPem, bundlePem: ca.certPem });
    api.sendRaw({ svids: [], crl: [], federated_bundles: {} });
    api.sendRaw({ svids: [{ ...good, bundle: Buffer.alloc(0) }], crl: [], federated_bundles: {} });
    api.sendRaw({ svids: [{ ...good, x509_svid_key: x509SvidMessage({ spiffeId: ID, chainPem: other.chainPem, keyPem: other.keyPem, bundlePem: ca.certPem }).x509_svid_key }], crl: [], federated_bundles: {} });
    api.sendRaw({ svids: [{ ...good, spiffe_id: 'spiffe://a.example/other' }], crl: [], federated_bundles: {} });
    await eventually(async () => (errors.length === 4 ? true : undefined));
    expect(errors.map((e) => e.message)).toEqual([
      'a FetchX509SVID response has no SVID (SPIFFE Workload API §5.2.1); discarded',
      "a FetchX509SVID response's SVID has no bundle, a mandatory field (SPIFFE Workload API §4.5, §5.2.1); discarded",
      'a FetchX509SVID response was discarded: the SVID key does not belong to the leaf certificate (a rotation may be half-written); the previous SVID stays in use',
      'a FetchX509SVID response was discarded: spiffe_id "spiffe://a.example/other" is not the leaf certificate\'s SPIFFE ID spiffe://a.example/warrant',
    ]);
    expect(updates).toHaveLength(1);
    stop();
  });

  it('gives up waiting for the first SVID after the timeout', async () => {
    await expect(firstX509Svid(client, { onUpdate: () => undefined, onError: () => undefined }, 200)).rejects.toThrow(
      'no X509-SVID from the SPIFFE Workload API within 200 ms (no answer)',
    );
  });
});

describe('workloadApiTarget (SPIFFE Workload Endpoint §4)', () => {
  it.each([
    ['unix:///run/spire/agent.sock', 'unix:///run/spire/agent.sock'],
    ['tcp://127.0.0.1:8081', 'ipv4:127.0.0.1:8081'],
    ['tcp://[::1]:8081', 'ipv6:[::1]:8081'],
  ])('accepts %s', (address, target) => {
    expect(workloadApiTarget(address)).toBe(target);
  });

  it.each([
    ['', 'it is empty'],
    ['/run/spire/agent.sock', 'the scheme must be unix or tcp'],
    ['unix:/run/spire/agent.sock', 'a unix address is unix:// followed by an absolute path'],
    ['unix://host/run/agent.sock', 'a unix address must not have an authority (host)'],
    ['unix:///run/agent.sock?x=1', 'a query or fragment is not allowed'],
    ['tcp://localhost:8081', 'the host must be an IP address, not a name'],
    ['tcp://127.0.0.1:8081/foo', 'a tcp address has no path'],
    ['tcp://127.0.0.1', 'a tcp address is tcp://<IP>:<port>'],
    ['tcp://127.0.0.1:0', 'the port must be 1-65535'],
    ['http://127.0.0.1:8081', 'the scheme must be unix or tcp'],
  ])('refuses %j', (address, why) => {
    expect(() => workloadApiTarget(address)).toThrow(
      `invalid SPIFFE Workload API address ${JSON.stringify(address)}: ${why}; use unix:///path/to/socket or tcp://<IP>:<port> (SPIFFE Workload Endpoint §4)`,
    );
  });
});
