import { newLeaseId, type Clock } from '../../src/core/index.js';
import { AwsStsProvider, parseAwsStsConfig, type MintRequest, type ProviderNotice } from '../../src/providers/index.js';
import { AwsEmulator } from '../support/aws-emulator.js';

export const ACCESS_KEY_ID = 'AKIAWARRANTTEST00001';
// A test-only secret: the emulator checks signatures made with it.
export const SECRET_ACCESS_KEY = 'warrant-test-secret-key-0123456789abcdefgh';
export const ENV = { WARRANT_TEST_AWS_KEY_ID: ACCESS_KEY_ID, WARRANT_TEST_AWS_SECRET: SECRET_ACCESS_KEY };
export const ROLE = 'warrant-agents';
export const OWNER = 'spiffe://example.test/agents/planner';

export const CEILING = {
  'arn:aws:s3:::reports/*': ['s3:GetObject', 's3:ListBucket'],
  'arn:aws:dynamodb:us-east-1:123456789012:table/orders': ['dynamodb:GetItem', 'dynamodb:Query'],
};

export function startEmulator(maxSessionDuration = 3600): Promise<AwsEmulator> {
  return AwsEmulator.start({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, roles: [{ name: ROLE, maxSessionDuration }] });
}

/** The config of an aws-sts provider that talks to the emulator. */
export function awsRaw(emulator: AwsEmulator, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'aws-sts',
    roleArn: emulator.roleArn(ROLE),
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    iamEndpoint: emulator.endpoint,
    accessKeyIdEnv: 'WARRANT_TEST_AWS_KEY_ID',
    secretAccessKeyEnv: 'WARRANT_TEST_AWS_SECRET',
    ceiling: CEILING,
    maxTtl: '1h',
    timeout: '2s',
    maxAttempts: 1,
    ...overrides,
  };
}

export async function makeAwsProvider(
  emulator: AwsEmulator,
  overrides: Record<string, unknown> = {},
  clock: Clock = { now: () => Date.now() },
  env: Record<string, string> = ENV,
): Promise<{ provider: AwsStsProvider; notices: ProviderNotice[] }> {
  const notices: ProviderNotice[] = [];
  const config = parseAwsStsConfig(awsRaw(emulator, overrides), 'providers.reports');
  const provider = await AwsStsProvider.create('reports', config, { clock, env, notify: (n) => notices.push(n) });
  return { provider, notices };
}

export function awsMint(provider: AwsStsProvider, overrides: Partial<MintRequest> = {}, ttlMs = 1_800_000): MintRequest {
  const issuedAt = Date.now();
  return {
    leaseId: newLeaseId(issuedAt),
    owner: OWNER,
    trustDomain: 'example.test',
    taskId: 'task-42',
    scope: provider.resolveScope(['s3:GetObject=arn:aws:s3:::reports/2026/*']),
    issuedAt,
    expiresAt: issuedAt + ttlMs,
    ...overrides,
  };
}
