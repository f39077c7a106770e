import { describe, expect, it } from 'vitest';
import { parseAwsStsConfig, validateProviderConfig } from '../../src/providers/index.js';
import { warrantErrorOf } from './oauth-jwt-fixtures.js';

const base = {
  kind: 'aws-sts',
  roleArn: 'arn:aws:iam::123456789012:role/agents/warrant-agents',
  region: 'eu-west-1',
  accessKeyIdEnv: 'AWS_KEY',
  secretAccessKeyEnv: 'AWS_SECRET',
  ceiling: { 'arn:aws:s3:::reports/*': ['s3:GetObject', 'S3:ListBucket'] },
};
const parse = (overrides: Record<string, unknown>) => parseAwsStsConfig({ ...base, ...overrides }, 'providers.reports');
const configError = (message: string) => ({ code: 'ERR_CONFIG', message });

describe('aws-sts config', () => {
  it('fills defaults and derives the role name', () => {
    expect(parse({})).toStrictEqual({
      kind: 'aws-sts',
      roleArn: base.roleArn,
      roleName: 'warrant-agents',
      region: 'eu-west-1',
      credentials: { source: 'env', accessKeyIdEnv: 'AWS_KEY', secretAccessKeyEnv: 'AWS_SECRET' },
      ceiling: [{ resource: 'arn:aws:s3:::reports/*', actions: ['s3:GetObject', 's3:ListBucket'] }],
      defaultScope: [],
      defaultTtlMs: 900_000,
      maxTtlMs: 3_600_000,
      revocationPolicyName: 'warrant-revocations',
      revocationPolicySizeLimit: 10_240,
      requestTimeoutMs: 10_000,
      maxAttempts: 3,
    });
  });

  it('takes the SDK default chain, a named profile, or a credentials file', () => {
    const { accessKeyIdEnv: _a, secretAccessKeyEnv: _s, ...bare } = base;
    expect(parseAwsStsConfig(bare, 'providers.reports').credentials).toStrictEqual({ source: 'default-chain' });
    expect(parseAwsStsConfig({ ...bare, profile: 'warrant' }, 'providers.reports').credentials).toStrictEqual({ source: 'default-chain', profile: 'warrant' });
    expect(parseAwsStsConfig({ ...bare, credentialsFile: '/etc/warrant/aws' }, 'providers.reports').credentials).toStrictEqual({
      source: 'file',
      file: '/etc/warrant/aws',
      profile: 'default',
    });
  });

  it('canonicalises the default scope against the ceiling', () => {
    expect(parse({ defaultScope: ['S3:GetObject=arn:aws:s3:::reports/a', 's3:ListBucket=arn:aws:s3:::reports/a'] }).defaultScope).toStrictEqual([
      's3:GetObject=arn:aws:s3:::reports/a',
      's3:ListBucket=arn:aws:s3:::reports/a',
    ]);
  });

  it.each([
    [{ roleArn: 'arn:aws:iam::123456789012:user/bob' }, 'providers.reports.roleArn: must be a role ARN, arn:aws:iam::123456789012:role/NAME'],
    [{ roleArn: undefined }, 'providers.reports.roleArn: is required'],
    [{ region: 'Europe' }, 'providers.reports.region: must be an AWS region such as eu-west-1'],
    [{ endpoint: 'ftp://sts.local' }, 'providers.reports.endpoint: must be an http(s) URL'],
    [{ ceiling: {} }, 'providers.reports.ceiling: must allow at least one action on one resource'],
    [{ ceiling: { 'reports/*': ['s3:GetObject'] } }, 'providers.reports.ceiling["reports/*"]: "reports/*" is not a resource ARN: a resource is an ARN, arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, or *'],
    [{ ceiling: { 'arn:aws:s3:::x': [] } }, 'providers.reports.ceiling["arn:aws:s3:::x"]: must list at least one action'],
    [{ ceiling: { 'arn:aws:s3:::x': ['*'] } }, 'providers.reports.ceiling["arn:aws:s3:::x"][0]: "*": an action is service:Action, e.g. s3:GetObject'],
    [
      { defaultScope: ['s3:PutObject=arn:aws:s3:::reports/a'] },
      `providers.reports.defaultScope[0]: scope entry "s3:PutObject=arn:aws:s3:::reports/a" for provider 'reports': action "s3:PutObject" on "arn:aws:s3:::reports/a" is outside the ceiling`,
    ],
    [{ defaultTtl: '5m' }, "providers.reports.defaultTtl: must be at least 15m, AWS's shortest session"],
    [{ maxTtl: '13h' }, "providers.reports.maxTtl: must be at most 12h, AWS's longest session"],
    [{ defaultTtl: '2h', maxTtl: '1h' }, 'providers.reports.defaultTtl: 2h is longer than maxTtl (1h)'],
    [{ secretAccessKeyEnv: undefined }, 'providers.reports.secretAccessKeyEnv: is required with accessKeyIdEnv'],
    [{ accessKeyIdEnv: 'AWS-KEY' }, 'providers.reports.accessKeyIdEnv: must be an environment variable name (letters, digits, _)'],
    [
      { credentialsFile: '/etc/aws' },
      'providers.reports.credentialsFile: name environment variables (accessKeyIdEnv, secretAccessKeyEnv) or a credentials file and profile, not both',
    ],
    [{ revocation: { policySizeLimit: 20_000 } }, 'providers.reports.revocation.policySizeLimit: must be at most 10240'],
    [{ revocation: { policyName: 'has space' } }, 'providers.reports.revocation.policyName: must be 1-128 characters of letters, digits and +=,.@_-'],
    [{ revocation: { name: 'x' } }, 'providers.reports.revocation.name: unknown key'],
    [{ secretAccessKey: 'inline' }, 'providers.reports.secretAccessKey: unknown key (allowed: kind, roleArn, region, endpoint, iamEndpoint, accessKeyIdEnv, secretAccessKeyEnv, sessionTokenEnv, credentialsFile, profile, ceiling, defaultScope, defaultTtl, maxTtl, revocation, timeout, maxAttempts)'],
  ])('refuses %j', async (overrides, message) => {
    expect(await warrantErrorOf(() => parse(overrides))).toStrictEqual(configError(message));
  });

  it('is checked by validateProviderConfig without reading any environment', () => {
    expect(() => validateProviderConfig('reports', base)).not.toThrow();
  });
});
