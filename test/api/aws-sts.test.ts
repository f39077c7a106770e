// aws-sts end to end over real gRPC: the server assumes the role at the STS/IAM emulator (through the
// real AWS SDK), and revokes the session by denying it in the role's inline policy.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient, WarrantClientError } from '../../src/client/index.js';
import type { AwsEmulator } from '../support/aws-emulator.js';
import { AGENT_ID, OPERATOR_ID, eventually, readAudit, startHarness, type Harness } from '../support/harness.js';
import { ACCESS_KEY_ID, ROLE, SECRET_ACCESS_KEY, awsRaw, startEmulator } from '../providers/aws-sts-fixtures.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const POLICY = `
@id("agents-may-read-reports")
permit (principal, action == Action::"issue", resource == Provider::"reports")
when { principal.path like "/agents/*" && context.ttlSeconds <= 3600 };
`;
const task = (id: string) => ({ id, purpose: 'summarise the quarterly reports', attributes: {}, parent_id: '' });

let emulator: AwsEmulator;
let h: Harness;
let agent: WarrantClient;
let operator: WarrantClient;

beforeAll(async () => {
  emulator = await startEmulator();
  // Only the composition root reads the environment; the config names these variables.
  process.env['WARRANT_TEST_AWS_KEY_ID'] = ACCESS_KEY_ID;
  process.env['WARRANT_TEST_AWS_SECRET'] = SECRET_ACCESS_KEY;
  h = await startHarness({ redisUrl: REDIS_URL, policy: POLICY, providers: { reports: awsRaw(emulator, { maxAttempts: 1, timeout: '2s' }) } });
  agent = await h.client(AGENT_ID);
  operator = await h.client(OPERATOR_ID);
});
afterAll(async () => {
  await h?.close();
  await emulator?.close();
  delete process.env['WARRANT_TEST_AWS_KEY_ID'];
  delete process.env['WARRANT_TEST_AWS_SECRET'];
});

describe('aws-sts over gRPC', () => {
  it('issues a session for the task, and CompleteTask makes AWS deny it', async () => {
    const issued = await agent.issueTaskCredential({
      task: task('t-aws-life'),
      provider: 'reports',
      scope: ['s3:GetObject=arn:aws:s3:::reports/2026/*'],
      ttl: { seconds: '1200', nanos: 0 },
    });
    const lease = issued.lease!;
    const session = issued.credential!.aws_session!;
    expect(lease).toMatchObject({ state: 'LEASE_STATE_ACTIVE', provider: 'reports', provider_kind: 'aws-sts', scope: ['s3:GetObject=arn:aws:s3:::reports/2026/*'] });
    const emulated = emulator.sessions.get(session.access_key_id)!;
    expect(session).toMatchObject({
      secret_access_key: emulated.secretAccessKey,
      session_token: emulated.sessionToken,
      region: 'us-east-1',
      assumed_role_arn: `arn:aws:sts::123456789012:assumed-role/${ROLE}/warrant-${lease.id}`,
    });
    // The lease ends exactly when the session does.
    expect(Number(lease.expires_at!.seconds) * 1000).toBe(emulated.expiresAt);
    expect(Number(session.expires_at!.seconds) * 1000).toBe(emulated.expiresAt);
    expect(emulated.tags).toStrictEqual({
      'warrant:spiffe-id': AGENT_ID,
      'warrant:trust-domain': 'test.example',
      'warrant:task': 't-aws-life',
      'warrant:lease': lease.id,
      'warrant:provider': 'reports',
    });
    expect(emulated.sourceIdentity).toBe('test.example+agents+alpha');
    expect(emulator.authorize(session.access_key_id, 's3:GetObject', 'arn:aws:s3:::reports/2026/q1.csv')).toBe('allowed');

    const completed = await agent.completeTask('t-aws-life');
    expect(completed.leases.map((l) => [l.id, l.state, l.trigger])).toEqual([[lease.id, 'LEASE_STATE_REVOKED', 'TRIGGER_TASK_COMPLETED']]);
    expect(emulator.authorize(session.access_key_id, 's3:GetObject', 'arn:aws:s3:::reports/2026/q1.csv')).toBe('revoked');

    await h.server.audit.flush();
    const forLease = readAudit(h).filter((r) => JSON.stringify(r).includes(lease.id));
    expect(forLease.map((r) => r['type'])).toEqual(['issue', 'revoke', 'complete']);
    expect(typeof forLease[0]!['credentialHmac']).toBe('string');
    const everything = readFileSync(h.auditFile, 'utf8') + h.logs.join('') + (await h.redisDump());
    for (const secret of [session.secret_access_key, session.session_token, SECRET_ACCESS_KEY]) expect(everything).not.toContain(secret);
  });

  it('refuses a scope outside the ceiling with INVALID_ARGUMENT naming the entry, and asks AWS nothing', async () => {
    const before = emulator.callsOf('AssumeRole').length;
    const err = (await agent
      .issueTaskCredential({ task: task('t-aws-scope'), provider: 'reports', scope: ['s3:PutObject=arn:aws:s3:::reports/2026/x'] })
      .catch((e: unknown) => e)) as WarrantClientError;
    expect(err.grpcCode).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.code).toBe('ERR_SCOPE_INVALID');
    expect(err.message).toBe(
      `scope entry "s3:PutObject=arn:aws:s3:::reports/2026/x" for provider 'reports': action "s3:PutObject" on "arn:aws:s3:::reports/2026/x" is outside the ceiling`,
    );
    expect(emulator.callsOf('AssumeRole').length).toBe(before);
  });

  it('answers UNAVAILABLE when AWS is down and leaves nothing active; the revocation completes once AWS is back', async () => {
    await emulator.stop();
    const err = (await agent
      .issueTaskCredential({ task: task('t-aws-down'), provider: 'reports', scope: ['s3:GetObject=arn:aws:s3:::reports/2026/*'] })
      .catch((e: unknown) => e)) as WarrantClientError;
    expect(err.grpcCode).toBe(grpc.status.UNAVAILABLE);
    expect(err.code).toBe('ERR_PROVIDER_UNAVAILABLE');
    expect(err.message).toMatch(/^credential provider unavailable; nothing was issued; retry later \(correlation id [0-9a-f-]{36}\)$/);
    const [lease] = (await operator.listLeases({ selector: { task_id: 't-aws-down' } })).leases;
    expect(lease?.state).not.toBe('LEASE_STATE_ACTIVE');

    await emulator.restart();
    // The reaper retries the revocation the outage left unconfirmed.
    const done = await eventually(async () => {
      const l = (await operator.getLease(lease!.id)).lease!;
      return l.state === 'LEASE_STATE_EXPIRED' || l.state === 'LEASE_STATE_REVOKED' ? l : undefined;
    }, 20_000);
    expect(done.id).toBe(lease!.id);
  });
});
