// The aws-sts provider against the local STS/IAM emulator, through the real AWS SDK over HTTP.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, newLeaseId, type AwsSessionCredential } from '../../src/core/index.js';
import type { AwsStsProvider } from '../../src/providers/index.js';
import { AwsEmulator } from '../support/aws-emulator.js';
import { ACCESS_KEY_ID, ENV, OWNER, ROLE, SECRET_ACCESS_KEY, awsMint, makeAwsProvider, startEmulator } from './aws-sts-fixtures.js';
import { leaseFor, warrantErrorOf, withTempDir } from './oauth-jwt-fixtures.js';

let emulator: AwsEmulator;
const open: AwsStsProvider[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});
afterEach(async () => {
  for (const p of open.splice(0)) await p.close();
  emulator.setInlinePolicy(ROLE, 'warrant-revocations', '{"Version":"2012-10-17","Statement":[]}');
  await emulator.restart();
});

async function provider(overrides: Record<string, unknown> = {}, clock?: { now(): number }) {
  const made = await makeAwsProvider(emulator, overrides, clock);
  open.push(made.provider);
  return made;
}

function session(credential: AwsSessionCredential) {
  const s = emulator.sessions.get(credential.accessKeyId);
  if (s === undefined) throw new Error('the emulator has no such session');
  return s;
}

describe('aws-sts mint', () => {
  it('assumes the role with a session named after the lease, the narrowed policy, tags, source identity and duration', async () => {
    const clock = new ManualClock(Date.now());
    const { provider: p } = await provider({}, clock);
    const request = awsMint(p, { scope: p.resolveScope(['s3:GetObject,s3:ListBucket=arn:aws:s3:::reports/2026/*']), issuedAt: clock.now(), expiresAt: clock.now() + 1_800_000 });
    const { credential, expiresAt } = await p.mint(request);
    const call = emulator.callsOf('AssumeRole').at(-1)!;
    expect(call.status).toBe(200);
    expect(call.params).toStrictEqual({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::123456789012:role/warrant-agents',
      RoleSessionName: `warrant-${request.leaseId}`,
      Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::reports/2026/*"}]}',
      DurationSeconds: '1800',
      SourceIdentity: 'example.test+agents+planner',
      'Tags.member.1.Key': 'warrant:spiffe-id',
      'Tags.member.1.Value': OWNER,
      'Tags.member.2.Key': 'warrant:trust-domain',
      'Tags.member.2.Value': 'example.test',
      'Tags.member.3.Key': 'warrant:task',
      'Tags.member.3.Value': 'task-42',
      'Tags.member.4.Key': 'warrant:lease',
      'Tags.member.4.Value': request.leaseId,
      'Tags.member.5.Key': 'warrant:provider',
      'Tags.member.5.Value': 'reports',
    });
    const s = session(credential as AwsSessionCredential);
    expect(credential).toStrictEqual({
      kind: 'aws_session',
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      sessionToken: s.sessionToken,
      expiresAt: s.expiresAt,
      region: 'us-east-1',
      assumedRoleArn: `arn:aws:sts::123456789012:assumed-role/warrant-agents/warrant-${request.leaseId}`,
    });
    // The lease takes the session's expiry exactly.
    expect(expiresAt).toBe(s.expiresAt);
    expect(s.tags['warrant:lease']).toBe(request.leaseId);
  });

  it('tags the session of a delegated task with the workloads that delegated it', async () => {
    const { provider: p } = await provider();
    const chain = ['spiffe://example.test/agents/root', 'spiffe://example.test/agents/middle'];
    const { credential } = await p.mint(awsMint(p, { actorChain: chain }));
    expect(session(credential as AwsSessionCredential).tags['warrant:delegated-by']).toBe(chain.join(' '));
  });

  it('delivers credentials that sign requests AWS accepts, and that can do only what the scope says', async () => {
    const { provider: p } = await provider();
    const { credential } = await p.mint(awsMint(p));
    const c = credential as AwsSessionCredential;
    const client = new STSClient({
      region: c.region,
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
      maxAttempts: 1,
    });
    try {
      expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe(c.assumedRoleArn);
    } finally {
      client.destroy();
    }
    expect(emulator.authorize(c.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/q3.csv')).toBe('allowed');
    expect(emulator.authorize(c.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2025/q3.csv')).toBe('denied-by-session-policy');
    expect(emulator.authorize(c.accessKeyId, 's3:PutObject', 'arn:aws:s3:::reports/2026/q3.csv')).toBe('denied-by-session-policy');
  });

  it.each([
    ['a request under 15 minutes gets AWS’s minimum', {}, 3600, 300_000, 900],
    ['a request is capped at the role’s maximum session', { maxTtl: '2h' }, 3600, 7_200_000, 3600],
    ['a request is capped at maxTtl', { maxTtl: '20m' }, 43_200, 7_200_000, 1200],
  ])('%s', async (_title, overrides, roleMax, ttlMs, expected) => {
    const own = await startEmulator(roleMax);
    try {
      const made = await makeAwsProvider(own, overrides);
      open.push(made.provider);
      const { credential, expiresAt } = await made.provider.mint(awsMint(made.provider, {}, ttlMs));
      expect(own.callsOf('AssumeRole')[0]!.params['DurationSeconds']).toBe(String(expected));
      expect(expiresAt).toBe(own.sessions.get((credential as AwsSessionCredential).accessKeyId)!.expiresAt);
    } finally {
      await own.close();
    }
  });

  it('refuses a scope outside the ceiling even when it skipped resolveScope, and never an empty one', async () => {
    const { provider: p } = await provider();
    const before = emulator.callsOf('AssumeRole').length;
    expect(await warrantErrorOf(() => p.mint(awsMint(p, { scope: ['s3:DeleteObject=arn:aws:s3:::reports/x'] })))).toStrictEqual({
      code: 'ERR_SCOPE_INVALID',
      message: `scope entry "s3:DeleteObject=arn:aws:s3:::reports/x" for provider 'reports': action "s3:DeleteObject" on "arn:aws:s3:::reports/x" is outside the ceiling`,
    });
    expect(await warrantErrorOf(() => p.mint(awsMint(p, { scope: [] })))).toStrictEqual({
      code: 'ERR_SCOPE_INVALID',
      message: "provider 'reports' never mints a session without a scope",
    });
    expect(emulator.callsOf('AssumeRole').length).toBe(before);
  });

  it('maps AWS refusals: a too large packed policy is a scope error, AccessDenied a provider failure with a hint', async () => {
    const { provider: p } = await provider();
    emulator.failNext('AssumeRole', 400, 'PackedPolicyTooLarge', 'Packed policy consumes 120% of allotted space');
    expect(await warrantErrorOf(() => p.mint(awsMint(p)))).toStrictEqual({
      code: 'ERR_SCOPE_INVALID',
      message: "AWS refused the session for provider 'reports': its policy and tags are too large when packed; request fewer scope entries",
    });
    emulator.failNext('AssumeRole', 403, 'AccessDenied', 'not authorized to perform sts:TagSession');
    expect(await warrantErrorOf(() => p.mint(awsMint(p)))).toStrictEqual({
      code: 'ERR_PROVIDER_FAILED',
      message:
        "provider 'reports': AWS refused AssumeRole: AccessDenied: \"not authorized to perform sts:TagSession\" (the role's trust policy must allow warrant's principal sts:AssumeRole, sts:TagSession and sts:SetSourceIdentity)",
    });
    emulator.failNext('AssumeRole', 400, 'Throttling', 'Rate exceeded');
    expect(await warrantErrorOf(() => p.mint(awsMint(p)))).toStrictEqual({
      code: 'ERR_PROVIDER_UNAVAILABLE',
      message: "provider 'reports': AWS unavailable during AssumeRole (Throttling)",
    });
  });

  it('is UNAVAILABLE while AWS cannot be reached', async () => {
    const { provider: p } = await provider();
    await emulator.stop();
    expect(await warrantErrorOf(() => p.mint(awsMint(p)))).toStrictEqual({
      code: 'ERR_PROVIDER_UNAVAILABLE',
      message: "provider 'reports': AWS unavailable during GetRole (ECONNREFUSED)",
    });
    await emulator.restart();
    await p.mint(awsMint(p));
    await emulator.stop();
    // A pooled connection may see the stop as a reset rather than a refusal.
    expect(await warrantErrorOf(() => p.mint(awsMint(p)))).toStrictEqual({
      code: 'ERR_PROVIDER_UNAVAILABLE',
      message: expect.stringMatching(/^provider 'reports': AWS unavailable during AssumeRole \((ECONNREFUSED|ECONNRESET)\)$/),
    });
  });

  it('reports its own bad credentials without ever showing them', async () => {
    const made = await makeAwsProvider(emulator, {}, undefined, { ...ENV, WARRANT_TEST_AWS_SECRET: 'wrong-secret-value-for-this-test' });
    open.push(made.provider);
    const err = await warrantErrorOf(() => made.provider.mint(awsMint(made.provider)));
    expect(err).toStrictEqual({
      code: 'ERR_PROVIDER_FAILED',
      message:
        "provider 'reports': AWS refused GetRole: SignatureDoesNotMatch: \"The request signature we calculated does not match the signature\"… (warrant's own AWS credentials are wrong or expired)",
    });
    expect(JSON.stringify(err)).not.toContain('wrong-secret-value-for-this-test');
    expect(JSON.stringify(err)).not.toContain(SECRET_ACCESS_KEY);
  });

  it('does not renew: a session cannot be extended', async () => {
    const { provider: p } = await provider();
    const request = awsMint(p);
    expect(p.limits.renewable).toBe(false);
    expect(await warrantErrorOf(() => p.renew({ lease: leaseFor(request, 'reports'), expiresAt: request.expiresAt + 60_000 }))).toStrictEqual({
      code: 'ERR_LEASE_NOT_RENEWABLE',
      message: `lease ${request.leaseId}: AWS STS sessions cannot be extended; request a new credential`,
    });
  });
});

describe('aws-sts revoke', () => {
  it('denies exactly the revoked session in the role’s inline policy, once', async () => {
    const { provider: p } = await provider();
    const a = awsMint(p);
    const b = awsMint(p);
    const sa = (await p.mint(a)).credential as AwsSessionCredential;
    const sb = (await p.mint(b)).credential as AwsSessionCredential;
    const puts = emulator.callsOf('PutRolePolicy').length;
    await p.revoke({ leaseId: a.leaseId, handle: p.handleFor(a.leaseId), expiresAt: sa.expiresAt });
    expect(emulator.authorize(sa.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('revoked');
    expect(emulator.authorize(sb.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('allowed');
    const document = emulator.inlinePolicy(ROLE, 'warrant-revocations')!;
    expect(document).toContain(`"aws:userid":"*:warrant-${a.leaseId}"`);
    // Idempotent: a second revocation finds the deny and writes nothing.
    await p.revoke({ leaseId: a.leaseId, handle: p.handleFor(a.leaseId), expiresAt: sa.expiresAt });
    expect(emulator.callsOf('PutRolePolicy').length).toBe(puts + 1);
  });

  it('writes nothing for a session that has surely expired', async () => {
    const { provider: p } = await provider();
    const old = Date.now() - 3 * 3_600_000;
    const leaseId = newLeaseId(old);
    const calls = emulator.calls.length;
    await p.revoke({ leaseId, handle: p.handleFor(leaseId), expiresAt: old + 900_000 });
    await p.revoke({ leaseId, handle: p.handleFor(leaseId) });
    expect(emulator.calls.length).toBe(calls);
  });

  it('carries many concurrent revocations in few policy writes, none lost', async () => {
    const { provider: p } = await provider();
    const requests = Array.from({ length: 40 }, () => awsMint(p));
    const minted = await Promise.all(requests.map(async (r) => ({ r, c: (await p.mint(r)).credential as AwsSessionCredential })));
    const puts = emulator.callsOf('PutRolePolicy').length;
    await Promise.all(minted.map(({ r, c }) => p.revoke({ leaseId: r.leaseId, handle: p.handleFor(r.leaseId), expiresAt: c.expiresAt })));
    for (const { c } of minted) expect(emulator.authorize(c.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('revoked');
    expect(emulator.callsOf('PutRolePolicy').length - puts).toBeLessThan(10);
  });

  it('widens to a role-wide aws:TokenIssueTime deny when the policy is full, and says so', async () => {
    const { provider: p, notices } = await provider({ revocation: { policySizeLimit: 1024 } });
    const recent = awsMint(p);
    const recentSession = (await p.mint(recent)).credential as AwsSessionCredential;
    await p.revoke({ leaseId: recent.leaseId, handle: p.handleFor(recent.leaseId), expiresAt: recentSession.expiresAt });
    // Sessions issued half an hour ago, still valid for a while: enough of them fill 1,024 characters.
    const oldIds = Array.from({ length: 30 }, () => newLeaseId(Date.now() - 30 * 60_000));
    for (const id of oldIds) await p.revoke({ leaseId: id, handle: p.handleFor(id), expiresAt: Date.now() + 20 * 60_000 });
    const widened = notices.filter((n) => n.notice === 'revocation_widened');
    expect(widened.length).toBeGreaterThan(0);
    const first = widened[0]!;
    const issuedBefore = first.details!['issuedBefore'] as string;
    expect(first).toStrictEqual({
      provider: 'reports',
      operation: 'revoke',
      leaseId: first.leaseId,
      notice: 'revocation_widened',
      message: `inline policy 'warrant-revocations' of arn:aws:iam::123456789012:role/warrant-agents had no room for one more session, so every warrant session of the role issued before ${issuedBefore} is now denied, including those of other leases`,
      details: { role: 'arn:aws:iam::123456789012:role/warrant-agents', policyName: 'warrant-revocations', issuedBefore, sizeLimit: 1024, mintingPaused: false },
    });
    const document = emulator.inlinePolicy(ROLE, 'warrant-revocations')!;
    expect(document.replace(/\s/g, '').length).toBeLessThanOrEqual(1024);
    expect(document).toContain(`"DateLessThan":{"aws:TokenIssueTime":"${issuedBefore.replace(/\.\d{3}Z$/, 'Z')}"}`);
    // The recent session is still denied by name; a session minted now is not touched.
    expect(emulator.authorize(recentSession.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('revoked');
    const fresh = (await p.mint(awsMint(p))).credential as AwsSessionCredential;
    expect(emulator.authorize(fresh.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('allowed');
  });

  it('when even the newest sessions do not fit, denies ahead and pauses minting until then', async () => {
    let offset = 0;
    const now = () => Date.now() + offset;
    const own = await AwsEmulator.start({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, roles: [{ name: ROLE }], now });
    try {
      const made = await makeAwsProvider(own, { revocation: { policySizeLimit: 1024 } }, { now });
      open.push(made.provider);
      const p = made.provider;
      const minted = await Promise.all(Array.from({ length: 40 }, async () => {
        const r = awsMint(p);
        return { r, c: (await p.mint(r)).credential as AwsSessionCredential };
      }));
      await Promise.all(minted.map(({ r, c }) => p.revoke({ leaseId: r.leaseId, handle: p.handleFor(r.leaseId), expiresAt: c.expiresAt })));
      for (const { c } of minted) expect(own.authorize(c.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('revoked');
      const notice = made.notices.find((n) => n.notice === 'revocation_widened')!;
      expect(notice.details!['mintingPaused']).toBe(true);
      const issuedBefore = Date.parse(notice.details!['issuedBefore'] as string);
      expect(issuedBefore).toBeGreaterThan(now());
      expect(await warrantErrorOf(() => p.mint(awsMint(p)))).toStrictEqual({
        code: 'ERR_PROVIDER_UNAVAILABLE',
        message: `provider 'reports': a role-wide revocation of ${own.roleArn(ROLE)} also denies sessions issued now; minting resumes at ${new Date(issuedBefore + 5_000).toISOString()}`,
      });
      offset = issuedBefore + 5_000 - Date.now();
      const after = (await p.mint(awsMint(p))).credential as AwsSessionCredential;
      expect(own.authorize(after.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('allowed');
    } finally {
      await own.close();
    }
  });

  it('leaves room for the role’s other inline policies when IAM says the role’s policies are too large', async () => {
    const { provider: p, notices } = await provider();
    const resources = Array.from({ length: 290 }, (_, i) => `arn:aws:s3:::ops-bucket-${String(i).padStart(4, '0')}`);
    emulator.setInlinePolicy(ROLE, 'ops', JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Ops', Effect: 'Allow', Action: 's3:ListBucket', Resource: resources }] }));
    try {
      const recent = awsMint(p);
      const recentSession = (await p.mint(recent)).credential as AwsSessionCredential;
      await p.revoke({ leaseId: recent.leaseId, handle: p.handleFor(recent.leaseId), expiresAt: recentSession.expiresAt });
      const oldIds = Array.from({ length: 30 }, () => newLeaseId(Date.now() - 30 * 60_000));
      for (const id of oldIds) await p.revoke({ leaseId: id, handle: p.handleFor(id), expiresAt: Date.now() + 20 * 60_000 });
      expect(emulator.callsOf('PutRolePolicy').some((c) => c.error === 'LimitExceeded')).toBe(true);
      expect(emulator.authorize(recentSession.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('revoked');
      const widened = notices.find((n) => n.notice === 'revocation_widened');
      expect(widened?.details?.['sizeLimit']).toBeLessThan(10_240);
      const total = [emulator.inlinePolicy(ROLE, 'ops')!, emulator.inlinePolicy(ROLE, 'warrant-revocations')!].join('').replace(/\s/g, '').length;
      expect(total).toBeLessThanOrEqual(10_240);
    } finally {
      emulator.setInlinePolicy(ROLE, 'ops', '{"Version":"2012-10-17","Statement":[]}');
    }
  });

  it('revokes every warrant session of the role at once, and none issued afterwards', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const { provider: p } = await provider({}, clock);
    const before = await Promise.all([awsMint(p), awsMint(p)].map(async (r) => (await p.mint(r)).credential as AwsSessionCredential));
    const at = await p.revokeAllSessions();
    expect(emulator.inlinePolicy(ROLE, 'warrant-revocations')).toContain(`"aws:TokenIssueTime":"${new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z')}"`);
    for (const c of before) expect(emulator.authorize(c.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('revoked');
    offset = 0;
    // A session issued in a later second than the deny's instant is untouched.
    while (Math.floor(Date.now() / 1000) * 1000 < at) await new Promise((r) => setTimeout(r, 50));
    const after = (await p.mint(awsMint(p))).credential as AwsSessionCredential;
    expect(emulator.authorize(after.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('allowed');
  });

  it('is UNAVAILABLE while IAM cannot be reached, and confirms once it is back', async () => {
    const { provider: p } = await provider();
    const r = awsMint(p);
    const c = (await p.mint(r)).credential as AwsSessionCredential;
    await emulator.stop();
    expect(await warrantErrorOf(() => p.revoke({ leaseId: r.leaseId, handle: p.handleFor(r.leaseId), expiresAt: c.expiresAt }))).toStrictEqual({
      code: 'ERR_PROVIDER_UNAVAILABLE',
      message: expect.stringMatching(/^provider 'reports': AWS unavailable during GetRolePolicy \((ECONNREFUSED|ECONNRESET)\)$/),
    });
    await emulator.restart();
    await p.revoke({ leaseId: r.leaseId, handle: p.handleFor(r.leaseId), expiresAt: c.expiresAt });
    expect(emulator.authorize(c.accessKeyId, 's3:GetObject', 'arn:aws:s3:::reports/2026/x')).toBe('revoked');
  });

  it('refuses to overwrite an inline policy of that name it cannot read', async () => {
    const { provider: p } = await provider();
    emulator.setInlinePolicy(ROLE, 'warrant-revocations', '{"Version":"2012-10-17"}');
    const id = newLeaseId();
    expect(await warrantErrorOf(() => p.revoke({ leaseId: id, handle: p.handleFor(id), expiresAt: Date.now() + 900_000 }))).toStrictEqual({
      code: 'ERR_PROVIDER_FAILED',
      message:
        "provider 'reports': inline policy 'warrant-revocations' of arn:aws:iam::123456789012:role/warrant-agents is not one warrant can extend (it has no Statement); fix or delete it",
    });
  });

  it('refuses a handle that is not the lease’s session name', async () => {
    const { provider: p } = await provider();
    const id = newLeaseId();
    expect(await warrantErrorOf(() => p.revoke({ leaseId: id, handle: 'warrant-other' }))).toStrictEqual({
      code: 'ERR_INTERNAL',
      message: `lease ${id}: handle "warrant-other" is not this lease's session name`,
    });
  });
});

describe('aws-sts base credentials', () => {
  it('reads them from a shared credentials file and profile', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'credentials');
      await writeFile(file, `[default]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other\n\n[warrant]\naws_access_key_id = ${ENV.WARRANT_TEST_AWS_KEY_ID}\naws_secret_access_key = ${SECRET_ACCESS_KEY}\n`);
      const made = await makeAwsProvider(emulator, { accessKeyIdEnv: undefined, secretAccessKeyEnv: undefined, credentialsFile: file, profile: 'warrant' }, undefined, {});
      open.push(made.provider);
      expect((await made.provider.mint(awsMint(made.provider))).credential.kind).toBe('aws_session');
      expect(await warrantErrorOf(() => makeAwsProvider(emulator, { accessKeyIdEnv: undefined, secretAccessKeyEnv: undefined, credentialsFile: file, profile: 'nobody' }, undefined, {}))).toStrictEqual({
        code: 'ERR_CONFIG',
        message: `providers.reports.credentialsFile: profile "nobody" in ${JSON.stringify(file)} has no aws_access_key_id and aws_secret_access_key`,
      });
    });
  });

  it('names the missing environment variable', async () => {
    expect(await warrantErrorOf(() => makeAwsProvider(emulator, {}, undefined, { WARRANT_TEST_AWS_KEY_ID: 'AKIA' }))).toStrictEqual({
      code: 'ERR_CONFIG',
      message: 'providers.reports.secretAccessKeyEnv: environment variable WARRANT_TEST_AWS_SECRET is not set',
    });
  });
});
