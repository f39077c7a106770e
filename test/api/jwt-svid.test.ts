// JWT-SVIDs as `authorization: Bearer` over real gRPC (TLS without a client certificate, or beside
// one): every JWT-SVID rule refused with UNAUTHENTICATED and the rule it broke, and leases capped
// at the token's exp unless the provider says otherwise.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerIdentity, loadWarrantProto } from '../../src/api/index.js';
import { WarrantClient, type WarrantClientError } from '../../src/client/index.js';
import { systemClock } from '../../src/core/index.js';
import { DevAuthority, DevJwtAuthority, JwtSvidVerifier, TrustBundleSet } from '../../src/identity/index.js';
import { AGENT_ID, OTHER_AGENT_ID, SERVER_ID, TD, readAudit, startHarness, type Harness } from '../support/harness.js';

const OTHER_TD = 'other.example';
const OTHER_ID = `spiffe://${OTHER_TD}/agents/gamma`;
const ALLOWED = 'RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512';
let h: Harness;
let jwt: DevJwtAuthority;
let otherJwt: DevJwtAuthority;
const tokens: string[] = [];

const ordersApi = {
  kind: 'oauth-jwt',
  issuer: 'https://warrant.test.example',
  audience: 'https://orders.test.example',
  scopes: ['orders:read'],
  defaultTtl: '5m',
  maxTtl: '1h',
  signingKeyFile: 'orders-api-key.pem',
};
const POLICY = `
@id("agents-may-use-anything")
permit (principal, action == Action::"issue", resource)
when { principal.path like "/agents/*" && context.ttlSeconds <= 3600 };
`;

beforeAll(async () => {
  otherJwt = DevJwtAuthority.create();
  h = await startHarness({
    policy: POLICY,
    providers: { 'orders-api': ordersApi, 'long-api': { ...ordersApi, signingKeyFile: 'long-api-key.pem', capToSvidExpiry: false } },
    identity: { jwt: { maxClockSkew: '10s' }, federated: [{ authority: await DevAuthority.create(OTHER_TD), jwtAuthority: otherJwt }] },
  });
  jwt = h.jwtAuthority!;
});
afterAll(async () => {
  const everything = h.logs.join('') + JSON.stringify(readAudit(h));
  for (const t of tokens) expect(everything).not.toContain(t.split('.')[2] ?? t);
  await h.close();
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ sub: AGENT_ID, aud: SERVER_ID, exp: now() + 300, iat: now(), ...extra });
const mint = (sub: string = AGENT_ID, opts: Partial<Parameters<DevJwtAuthority['issueJwtSvid']>[1]> = {}) => {
  const t = jwt.issueJwtSvid(sub, { audience: SERVER_ID, ...opts });
  tokens.push(t);
  return t;
};
const task = (id: string) => ({ id, purpose: 'p', attributes: {}, parent_id: '' });

function bearerClient(token: string, x509?: { svidPem: string; svidKeyPem: string }): WarrantClient {
  return new WarrantClient({ server: h.grpcAddress, bundlePem: h.authority.certPem, serverId: SERVER_ID, jwtSvid: token, retry: { maxAttempts: 1 }, ...x509 });
}

async function issueWith(c: WarrantClient, provider = 'orders-api', ttlSeconds?: number) {
  try {
    return await c.issueTaskCredential({
      task: task(`t-${Math.random().toString(36).slice(2, 8)}`),
      provider,
      ...(ttlSeconds === undefined ? {} : { ttl: { seconds: String(ttlSeconds), nanos: 0 } }),
    });
  } finally {
    c.close();
  }
}

async function refusal(c: WarrantClient): Promise<{ grpcCode: number; code: string | undefined; message: string }> {
  try {
    await issueWith(c);
  } catch (err) {
    const e = err as WarrantClientError;
    return { grpcCode: e.grpcCode, code: e.code, message: e.message };
  }
  throw new Error('expected the call to be refused');
}

/** A call with exactly this metadata, over TLS without a client certificate. */
async function rawCall(metadata: grpc.Metadata): Promise<grpc.ServiceError> {
  const { warrant } = loadWarrantProto();
  const creds = grpc.credentials.createSsl(Buffer.from(h.authority.certPem), null, null, { checkServerIdentity: () => undefined });
  const stub = new warrant.CredentialService(h.grpcAddress, creds, { 'grpc.ssl_target_name_override': TD });
  try {
    return await new Promise((resolve) => stub.IssueTaskCredential({ task: task('t-raw'), provider: 'orders-api' }, metadata, (e) => resolve(e!)));
  } finally {
    stub.close();
  }
}

describe('JWT-SVID callers: accepted', () => {
  it('a JWT-SVID alone; the lease is capped at the token\'s exp', async () => {
    const exp = now() + 120;
    const res = await issueWith(bearerClient(mint(AGENT_ID, { claims: { exp } })), 'orders-api', 600);
    expect(res.lease!.owner).toBe(AGENT_ID);
    expect(Number(res.lease!.expires_at!.seconds)).toBe(exp);
    expect(Number(res.lease!.max_expires_at!.seconds)).toBe(exp);
  });

  it('a provider whose config says capToSvidExpiry: false lets the lease outlive the token', async () => {
    const exp = now() + 120;
    const res = await issueWith(bearerClient(mint(AGENT_ID, { claims: { exp } })), 'long-api', 600);
    expect(Number(res.lease!.expires_at!.seconds)).toBeGreaterThanOrEqual(exp + 400);
  });

  it('a JWT-SVID of a federated trust domain, signed by that domain\'s own JWT authority', async () => {
    const token = otherJwt.issueJwtSvid(OTHER_ID, { audience: SERVER_ID });
    tokens.push(token);
    const res = await issueWith(bearerClient(token));
    expect([res.lease!.owner, res.lease!.trust_domain]).toEqual([OTHER_ID, OTHER_TD]);
  });

  it('an X.509-SVID and a JWT-SVID of the same workload; the lease ends with the earlier of the two', async () => {
    const svid = await h.authority.issueX509Svid(AGENT_ID);
    const exp = now() + 90;
    const res = await issueWith(bearerClient(mint(AGENT_ID, { claims: { exp } }), { svidPem: svid.chainPem, svidKeyPem: svid.keyPem }), 'orders-api', 600);
    expect(Number(res.lease!.expires_at!.seconds)).toBe(exp);
  });

  it('the same bearer on many calls of one channel', async () => {
    const c = bearerClient(mint());
    for (let i = 0; i < 5; i++) expect((await c.issueTaskCredential({ task: task(`t-same-${i}`), provider: 'orders-api' })).lease!.owner).toBe(AGENT_ID);
    c.close();
  });
});

describe('JWT-SVID callers: refused with UNAUTHENTICATED naming the rule', () => {
  const A = `JWT-SVID for ${AGENT_ID} rejected:`;
  const cases: [string, () => string, string | RegExp][] = [
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`, `JWT-SVID rejected: its header has alg "none" (an unsigned token proves nothing); allowed: ${ALLOWED} (JWT-SVID §2.1)`],
    [
      'HS256 keyed with the authority\'s public key',
      () => {
        const input = `${b64({ alg: 'HS256', kid: jwt.keyId, typ: 'JWT' })}.${b64(claims())}`;
        return `${input}.${createHmac('sha256', jwt.publicKey.export({ type: 'spki', format: 'pem' })).update(input).digest('base64url')}`;
      },
      `JWT-SVID rejected: its header has alg "HS256" (a MAC with a shared secret is not an SVID); allowed: ${ALLOWED} (JWT-SVID §2.1)`,
    ],
    [
      'RS256 named on the EC authority key',
      () => {
        const input = `${b64({ alg: 'RS256', kid: jwt.keyId })}.${b64(claims())}`;
        return `${input}.${sign('sha256', Buffer.from(input), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey).toString('base64url')}`;
      },
      `${A} alg RS256 does not fit key "{kid}": RS256 needs an RSA key and the key is ec (JWT-SVID §2.1, RFC 7518 §3)`,
    ],
    ['EdDSA', () => mint(AGENT_ID, { header: { alg: 'EdDSA' } }), `JWT-SVID rejected: its header has alg "EdDSA"; allowed: ${ALLOWED} (JWT-SVID §2.1)`],
    ['a wrong audience', () => mint(AGENT_ID, { audience: `spiffe://${TD}/reports` }), `${A} its audience "spiffe://${TD}/reports" does not include this server's ("${SERVER_ID}") (JWT-SVID §3.2)`],
    ['no audience', () => mint(AGENT_ID, { claims: { aud: undefined } }), `${A} it has no aud claim; aud is required (JWT-SVID §3.2)`],
    ['no exp', () => mint(AGENT_ID, { claims: { exp: undefined } }), `${A} it has no exp claim; exp is required (JWT-SVID §3.3)`],
    ['an expired token', () => mint(AGENT_ID, { now: Date.now() - 600_000, ttlMs: 300_000 }), new RegExp(`^${A} it expired at \\S+Z \\(now \\S+Z, allowed clock skew 10s\\) \\(JWT-SVID §3\\.3\\)$`)],
    ['nbf in the future', () => mint(AGENT_ID, { claims: { nbf: now() + 120 } }), new RegExp(`^${A} it is not valid before \\S+Z \\(now \\S+Z, allowed clock skew 10s\\) \\(RFC 7519 §4\\.1\\.5\\)$`)],
    ['iat in the future', () => mint(AGENT_ID, { now: Date.now() + 120_000 }), new RegExp(`^${A} it claims to be issued at \\S+Z, in the future`)],
    ['an unknown kid', () => mint(AGENT_ID, { header: { kid: 'retired-key' } }), `${A} no JWT authority of trust domain "${TD}" has key ID "retired-key" (JWT-SVID §6)`],
    ['no kid', () => mint(AGENT_ID, { header: { kid: undefined } }), "JWT-SVID rejected: its header has no kid; the signing key is found by key ID among the JWT authorities of the subject's trust domain (JWT-SVID §6)"],
    [
      'a key of another trust domain',
      () => {
        const t = otherJwt.issueJwtSvid(AGENT_ID, { audience: SERVER_ID });
        tokens.push(t);
        return t;
      },
      `${A} no JWT authority of trust domain "${TD}" has key ID "{other-kid}" (JWT-SVID §6)`,
    ],
    ['a sub that is not a SPIFFE ID', () => mint('agent-alpha'), 'JWT-SVID rejected: its sub claim is not a SPIFFE ID: invalid SPIFFE ID "agent-alpha": it must start with "spiffe://" (JWT-SVID §3.1)'],
    ['a sub of a trust domain without a bundle', () => mint('spiffe://nowhere.example/agents/x'), 'JWT-SVID for spiffe://nowhere.example/agents/x rejected: trust domain "nowhere.example" has no trust bundle here, so nothing can vouch for it (SPIFFE Workload API §6.3)'],
    ['a sub without a path', () => mint(`spiffe://${TD}`), `JWT-SVID for spiffe://${TD} rejected: sub is a trust domain's own ID; a JWT-SVID names a workload, whose ID has a path (JWT-SVID §3.1)`],
    [
      'a tampered payload (another sub)',
      () => {
        const [hd, , s] = mint().split('.');
        return `${hd}.${b64(claims({ sub: OTHER_AGENT_ID }))}.${s}`;
      },
      `JWT-SVID for ${OTHER_AGENT_ID} rejected: the signature does not verify with key "{kid}" of trust domain "${TD}" (JWT-SVID §4, RFC 7515 §5.2)`,
    ],
    ['a header that names its own key (jku)', () => mint(AGENT_ID, { header: { jku: 'https://evil.example/jwks' } }), 'JWT-SVID rejected: its header has "jku"; only alg, kid and typ are allowed (JWT-SVID §2)'],
    ['typ at+jwt', () => mint(AGENT_ID, { header: { typ: 'at+jwt' } }), 'JWT-SVID rejected: its header has typ "at+jwt"; when set, typ is JWT or JOSE (JWT-SVID §2.3)'],
    ['two parts instead of three', () => mint().split('.').slice(0, 2).join('.'), 'JWT-SVID rejected: it has 2 dot-separated parts; a JWS Compact Serialization has 3 (JWT-SVID §5.1, RFC 7515 §3.1)'],
  ];

  it.each(cases)('%s', async (_name, make, expected) => {
    const f = await refusal(bearerClient(make()));
    expect(f.grpcCode).toBe(grpc.status.UNAUTHENTICATED);
    expect(f.code).toBe('ERR_UNAUTHENTICATED');
    if (typeof expected === 'string') expect(f.message).toBe(expected.replace('{kid}', jwt.keyId).replace('{other-kid}', otherJwt.keyId));
    else expect(f.message).toMatch(expected);
  });

  it('an authorization header that is not Bearer, never echoed', async () => {
    const md = new grpc.Metadata();
    md.set('authorization', 'Basic dXNlcjpodW50ZXIy');
    const err = await rawCall(md);
    expect([err.code, err.details]).toEqual([grpc.status.UNAUTHENTICATED, 'the authorization metadata is not "Bearer <JWT-SVID>" (JWT-SVID §5.3, RFC 6750 §2.1)']);
  });

  it('two authorization values (Go clients can send them; grpc-js and node:http2 clients cannot, so the call is built here)', () => {
    const identity = new PeerIdentity(() => TrustBundleSet.fromPem([]), systemClock, new JwtSvidVerifier({ audiences: [SERVER_ID], maxClockSkewMs: 0 }));
    const headers = { authorization: ['Bearer a', 'Bearer b'] } as unknown as Parameters<typeof grpc.Metadata.fromHttp2Headers>[0];
    const metadata = grpc.Metadata.fromHttp2Headers(headers);
    const call = { metadata, getAuthContext: () => ({}) } as unknown as Parameters<PeerIdentity['workloadOf']>[0];
    expect(() => identity.workloadOf(call)).toThrow('the authorization metadata appears more than once; send one "Bearer <JWT-SVID>"');
  });

  it('no certificate and no bearer on a server that takes JWT-SVIDs', async () => {
    const err = await rawCall(new grpc.Metadata());
    expect([err.code, err.details]).toEqual([
      grpc.status.UNAUTHENTICATED,
      'no client certificate and no JWT-SVID: connect with mTLS and present an X.509-SVID, or send the metadata authorization: Bearer <JWT-SVID>',
    ]);
  });

  it('a valid X.509-SVID with a valid JWT-SVID of another workload', async () => {
    const svid = await h.authority.issueX509Svid(AGENT_ID);
    const f = await refusal(bearerClient(mint(OTHER_AGENT_ID), { svidPem: svid.chainPem, svidKeyPem: svid.keyPem }));
    expect([f.grpcCode, f.message]).toEqual([
      grpc.status.UNAUTHENTICATED,
      `the X.509-SVID names ${AGENT_ID} and the JWT-SVID names ${OTHER_AGENT_ID}; a caller proves one identity, so send the JWT-SVID of the same workload or none`,
    ]);
  });

  it('a valid X.509-SVID with an invalid JWT-SVID: the bearer must hold up too', async () => {
    const svid = await h.authority.issueX509Svid(AGENT_ID);
    const f = await refusal(bearerClient(mint(AGENT_ID, { audience: 'elsewhere' }), { svidPem: svid.chainPem, svidKeyPem: svid.keyPem }));
    expect(f.message).toBe(`JWT-SVID for ${AGENT_ID} rejected: its audience "elsewhere" does not include this server's ("${SERVER_ID}") (JWT-SVID §3.2)`);
  });

  it('an invalid X.509-SVID with a valid JWT-SVID: a presented certificate must hold up on its own', async () => {
    const svid = await h.authority.issueX509Svid(AGENT_ID, { keyUsage: [] });
    const f = await refusal(bearerClient(mint(), { svidPem: svid.chainPem, svidKeyPem: svid.keyPem }));
    expect(f.message).toMatch(/^X509-SVID spiffe:\/\/test\.example\/agents\/alpha rejected: the leaf certificate's key usage has no key usage extension;/);
  });
});
