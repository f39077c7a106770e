// The caller's X.509-SVID over a real mTLS connection: chains through intermediates, federation,
// and every X509-SVID rule TLS alone does not enforce, each refused with the rule it broke.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarrantClient, type WarrantClientError } from '../../src/client/index.js';
import { DevAuthority, type IssueX509SvidOptions } from '../../src/identity/index.js';
import { AGENT_ID, SERVER_ID, TD, startHarness, type Harness } from '../support/harness.js';

const OTHER_TD = 'other.example';
let h: Harness;
let other: DevAuthority;

beforeAll(async () => {
  other = await DevAuthority.create(OTHER_TD);
  h = await startHarness({ identity: { federated: [{ authority: other }] } });
});
afterAll(async () => {
  await h.close();
});

async function clientWith(issuer: DevAuthority, id: string, opts: IssueX509SvidOptions = {}): Promise<WarrantClient> {
  const svid = await issuer.issueX509Svid(id, opts);
  return new WarrantClient({ server: h.grpcAddress, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: h.authority.certPem, serverId: SERVER_ID, retry: { maxAttempts: 1 } });
}

let taskCount = 0;
// Tasks belong to the workload that opened them: a fresh id per call.
const issue = (c: WarrantClient) =>
  c.issueTaskCredential({ task: { id: `t-peer-${++taskCount}`, purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api' });

async function rejectionOf(c: WarrantClient): Promise<{ grpcCode: number; code: string | undefined; message: string }> {
  try {
    await issue(c);
  } catch (err) {
    const e = err as WarrantClientError;
    return { grpcCode: e.grpcCode, code: e.code, message: e.message };
  } finally {
    c.close();
  }
  throw new Error('expected the call to be refused');
}

const A = `X509-SVID ${AGENT_ID} rejected:`;
const LEAF_KU = 'a leaf SVID must set digitalSignature and must not set keyCertSign or cRLSign (X509-SVID §4.3, §5.2)';

describe('peer X.509-SVID: accepted', () => {
  it('an SVID issued through an intermediate authority', async () => {
    const intermediate = await h.authority.issueIntermediate();
    const c = await clientWith(intermediate, AGENT_ID);
    expect((await issue(c)).lease!.owner).toBe(AGENT_ID);
    c.close();
  });

  it('an SVID of a federated trust domain, checked against that domain\'s own bundle', async () => {
    const c = await clientWith(other, `spiffe://${OTHER_TD}/agents/gamma`);
    const lease = (await issue(c)).lease!;
    expect([lease.owner, lease.trust_domain]).toEqual([`spiffe://${OTHER_TD}/agents/gamma`, OTHER_TD]);
    c.close();
  });
});

describe('peer X.509-SVID: refused with UNAUTHENTICATED naming the rule', () => {
  const cases: [string, () => Promise<WarrantClient>, string | RegExp][] = [
    ['a CA certificate as the leaf', () => clientWith(h.authority, AGENT_ID, { isCa: true, keyUsage: ['digitalSignature', 'keyCertSign'] }), `${A} the leaf certificate is a CA (basicConstraints cA is true); only a leaf SVID may authenticate (X509-SVID §4.1, §5.2)`],
    ['two URI SANs', () => clientWith(h.authority, AGENT_ID, { extraUris: [`spiffe://${TD}/agents/other`] }), 'X509-SVID rejected: the leaf certificate has 2 URI SANs; exactly one, the SPIFFE ID, is required (X509-SVID §2)'],
    ['no URI SAN at all', () => clientWith(h.authority, AGENT_ID, { omitUriSan: true, dnsNames: ['agent.test.example'] }), 'X509-SVID rejected: the leaf certificate has 0 URI SANs; exactly one, the SPIFFE ID, is required (X509-SVID §2)'],
    ['a URI SAN that is not a SPIFFE ID', () => clientWith(h.authority, `https://${TD}/agents/alpha`), `X509-SVID rejected: the leaf certificate's URI SAN is not a SPIFFE ID: invalid SPIFFE ID "https://${TD}/agents/alpha": it must start with "spiffe://" (X509-SVID §2)`],
    ['an upper-case trust domain', () => clientWith(h.authority, 'spiffe://Test.example/agents/alpha'), `X509-SVID rejected: the leaf certificate's URI SAN is not a SPIFFE ID: invalid SPIFFE ID "spiffe://Test.example/agents/alpha": the trust domain has character "T"; trust domains are lower case (X509-SVID §2)`],
    ['a trust domain\'s own ID as a leaf', () => clientWith(h.authority, `spiffe://${TD}`), `X509-SVID spiffe://${TD} rejected: a leaf SVID's SPIFFE ID must have a path; this is a trust domain's own ID (X509-SVID §3.1, §5.2)`],
    ['an expired SVID', () => clientWith(h.authority, AGENT_ID, { notBefore: Date.now() - 7_200_000, ttlMs: 3_600_000 }), new RegExp(`^${A} the leaf certificate expired at \\S+Z \\(now \\S+Z\\)$`)],
    ['an SVID not yet valid', () => clientWith(h.authority, AGENT_ID, { notBefore: Date.now() + 3_600_000, ttlMs: 3_600_000 }), new RegExp(`^${A} the leaf certificate is not valid before \\S+Z \\(now \\S+Z\\)$`)],
    ['key usage without digitalSignature', () => clientWith(h.authority, AGENT_ID, { keyUsage: ['keyAgreement'] }), `${A} the leaf certificate's key usage lacks digitalSignature; ${LEAF_KU}`],
    ['key usage with keyCertSign on a leaf', () => clientWith(h.authority, AGENT_ID, { keyUsage: ['digitalSignature', 'keyCertSign'] }), `${A} the leaf certificate's key usage sets keyCertSign; ${LEAF_KU}`],
    ['key usage with cRLSign on a leaf', () => clientWith(h.authority, AGENT_ID, { keyUsage: ['digitalSignature', 'cRLSign'] }), `${A} the leaf certificate's key usage sets cRLSign; ${LEAF_KU}`],
    ['no key usage extension', () => clientWith(h.authority, AGENT_ID, { keyUsage: [] }), `${A} the leaf certificate's key usage has no key usage extension; ${LEAF_KU}`],
    ['key usage not marked critical', () => clientWith(h.authority, AGENT_ID, { keyUsageCritical: false }), `${A} the leaf certificate's key usage extension is not marked critical; it must be on every SVID (X509-SVID §4.3)`],
    ['extended key usage without id-kp-serverAuth', () => clientWith(h.authority, AGENT_ID, { serverAuth: false }), `${A} the leaf certificate's extended key usage lacks id-kp-serverAuth; when present it must hold both id-kp-serverAuth and id-kp-clientAuth (X509-SVID §4.4)`],
    ['an empty subject with a non-critical SAN', () => clientWith(h.authority, AGENT_ID, { emptySubject: true }), `${A} the leaf certificate has an empty subject and a non-critical subjectAltName; without a subject the URI SAN must be critical (X509-SVID §3.1, RFC 5280 §4.1.2.6)`],
    ['an SVID chained to another trust domain\'s authority', () => clientWith(other, AGENT_ID), `${A} the presented certificates do not chain to an authority of trust domain "${TD}" (X509-SVID §5.1)`],
    [
      'an intermediate of another trust domain signed by this one\'s root',
      async () => clientWith(await h.authority.issueIntermediate({ trustDomain: OTHER_TD }), `spiffe://${OTHER_TD}/agents/gamma`),
      `X509-SVID spiffe://${OTHER_TD}/agents/gamma rejected: the presented certificates do not chain to an authority of trust domain "${OTHER_TD}" (X509-SVID §5.1)`,
    ],
    ['an authority in no bundle', async () => clientWith(await DevAuthority.create(TD), AGENT_ID), `${A} the presented certificates do not chain to an authority of trust domain "${TD}" (X509-SVID §5.1)`],
    ['a trust domain without a bundle', async () => clientWith(await DevAuthority.create('nowhere.example'), 'spiffe://nowhere.example/agents/x'), 'X509-SVID spiffe://nowhere.example/agents/x rejected: trust domain "nowhere.example" has no trust bundle here, so nothing can vouch for it (SPIFFE-ID §3)'],
    [
      'an intermediate without the CA flag',
      async () => clientWith(await h.authority.issueIntermediate({ isCa: false }), AGENT_ID),
      `${A} certificate 2 of the presented chain signed the certificate below it but is not a CA (basicConstraints cA is not true) (X509-SVID §3.2, §4.1)`,
    ],
    [
      // Node's TLS layer links a peer's chain with OpenSSL's issuer check, which drops an issuer
      // that may not sign certificates; the verifier then sees no path (test/identity has the precise rule).
      'an intermediate without keyCertSign',
      async () => clientWith(await h.authority.issueIntermediate({ keyUsage: ['cRLSign'] }), AGENT_ID),
      `${A} the presented certificates do not chain to an authority of trust domain "${TD}" (X509-SVID §5.1)`,
    ],
    [
      'a path longer than an intermediate\'s pathLenConstraint',
      async () => clientWith(await (await h.authority.issueIntermediate({ pathLenConstraint: 0 })).issueIntermediate(), AGENT_ID),
      `${A} certificate 3 of the presented chain signed the certificate below it but its pathLenConstraint allows 0 intermediates below it and the path has 1 (RFC 5280 §4.2.1.9)`,
    ],
    [
      'an SVID under an expired intermediate (the leaf, capped at it, expired too)',
      async () => clientWith(await h.authority.issueIntermediate({ notBefore: Date.now() - 7_200_000, ttlMs: 3_600_000 }), AGENT_ID, { notBefore: Date.now() - 7_200_000 + 1000, ttlMs: 3_000_000 }),
      new RegExp(`^${A} the leaf certificate expired at `),
    ],
  ];

  it.each(cases)('%s', async (_name, make, message) => {
    const f = await rejectionOf(await make());
    expect(f.grpcCode).toBe(grpc.status.UNAUTHENTICATED);
    expect(f.code).toBe('ERR_UNAUTHENTICATED');
    if (typeof message === 'string') expect(f.message).toBe(message);
    else expect(f.message).toMatch(message);
  });

  it('no client certificate (this server takes no JWT-SVIDs)', async () => {
    const { warrant } = (await import('../../src/api/index.js')).loadWarrantProto();
    const creds = grpc.credentials.createSsl(Buffer.from(h.authority.certPem), null, null, { checkServerIdentity: () => undefined });
    const bare = new warrant.CredentialService(h.grpcAddress, creds, { 'grpc.ssl_target_name_override': TD });
    const err = await new Promise<grpc.ServiceError>((resolve) => bare.IssueTaskCredential({ task: { id: 't', purpose: '', attributes: {}, parent_id: '' }, provider: 'orders-api' }, (e) => resolve(e!)));
    bare.close();
    expect([err.code, err.details]).toEqual([grpc.status.UNAUTHENTICATED, 'no client certificate: connect with mTLS and present an X.509-SVID']);
  });

  it('a server that refused every bad SVID still serves a good one, and logged no key', async () => {
    const c = await clientWith(h.authority, AGENT_ID);
    expect((await issue(c)).lease!.state).toBe('LEASE_STATE_ACTIVE');
    c.close();
    expect(h.logs.join('')).not.toMatch(/PRIVATE KEY/);
  });
});
