import { z } from 'zod';
import { formatDuration, parseDuration } from '../../core/index.js';
import {
  configError,
  configErrorFromIssues,
  configPathSuffix,
  durationField,
  envName,
  httpUrl,
  nonEmptyString,
  requiredOr,
} from '../config-fields.js';
import { quoteForMessage } from '../message-text.js';
import type { BaseCredentialSource } from './base-credentials.js';
import { actionProblem, arnProblem, resolveAwsScope, type AwsCeiling, type AwsScopeEntry } from './scope.js';

/** A validated aws-sts provider config; durations in milliseconds. Frozen. */
export interface AwsStsConfig {
  readonly kind: 'aws-sts';
  readonly roleArn: string;
  /** The last path segment of roleArn: what IAM calls take. */
  readonly roleName: string;
  /** Unset: the SDK's default chain decides (AWS_REGION, the profile's region, …). */
  readonly region?: string;
  readonly endpoint?: string;
  readonly iamEndpoint?: string;
  readonly credentials: BaseCredentialSource;
  readonly ceiling: AwsCeiling;
  /** Canonical entries used when a request names no scope. */
  readonly defaultScope: readonly string[];
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  /** The role's inline policy that holds the denies of revoked sessions. */
  readonly revocationPolicyName: string;
  /** Characters that policy may use (IAM: 10,240 for all inline policies of a role together). */
  readonly revocationPolicySizeLimit: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
}

/** AWS's shortest and longest AssumeRole session. */
export const MIN_SESSION_MS = 900_000;
export const MAX_SESSION_MS = 43_200_000;
const DEFAULTS = {
  defaultTtl: '15m',
  maxTtl: '1h',
  policyName: 'warrant-revocations',
  policySizeLimit: 10_240,
  timeout: '10s',
  maxAttempts: 3,
} as const;

const ROLE_ARN_RE = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;
const POLICY_NAME_RE = /^[\w+=,.@-]{1,128}$/;
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const integer = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const schema = z.strictObject({
  kind: z.literal('aws-sts', { error: requiredOr("'aws-sts'") }),
  roleArn: nonEmptyString('a role ARN').regex(ROLE_ARN_RE, { error: 'must be a role ARN, arn:aws:iam::123456789012:role/NAME' }),
  region: nonEmptyString('an AWS region').regex(REGION_RE, { error: 'must be an AWS region such as eu-west-1' }).optional(),
  endpoint: httpUrl(true).optional(),
  iamEndpoint: httpUrl(true).optional(),
  accessKeyIdEnv: envName().optional(),
  secretAccessKeyEnv: envName().optional(),
  sessionTokenEnv: envName().optional(),
  credentialsFile: nonEmptyString('a file path').optional(),
  profile: nonEmptyString('a profile name').optional(),
  ceiling: z.record(z.string(), z.array(z.string({ error: 'must be an action name' }), { error: 'must be a list of actions' }), {
    error: requiredOr('a mapping of resource ARN to a list of actions'),
  }),
  defaultScope: z.array(z.string({ error: 'must be a scope entry' }), { error: 'must be a list of scope entries' }).optional(),
  defaultTtl: durationField(1000).optional(),
  maxTtl: durationField(1000).optional(),
  revocation: z
    .strictObject({
      policyName: nonEmptyString('a policy name').regex(POLICY_NAME_RE, { error: 'must be 1-128 characters of letters, digits and +=,.@_-' }).optional(),
      policySizeLimit: integer(1024, 10_240).optional(),
    })
    .optional(),
  timeout: durationField(100).optional(),
  maxAttempts: integer(1, 10).optional(),
});

const ALLOWED_KEYS = Object.keys(schema.shape).join(', ');

/**
 * Validates one `providers.<name>` entry of kind aws-sts. `path` is that entry's config path; every
 * error names the bad key below it.
 */
export function parseAwsStsConfig(raw: unknown, path: string): AwsStsConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw configError(path, 'must be a mapping');
  const result = schema.safeParse(raw);
  if (!result.success) throw configErrorFromIssues(path, result.error.issues, ALLOWED_KEYS);
  const parsed = result.data;
  const name = path.replace(/^providers\./, '');

  const ceiling = parseCeiling(parsed.ceiling, `${path}.ceiling`);
  const defaultScope: string[] = [];
  for (const [i, entry] of (parsed.defaultScope ?? []).entries()) {
    try {
      for (const canonical of resolveAwsScope([entry], ceiling, [], name)) if (!defaultScope.includes(canonical)) defaultScope.push(canonical);
    } catch (err) {
      throw configError(`${path}.defaultScope[${i}]`, (err as Error).message);
    }
  }
  if (defaultScope.length > 0) {
    try {
      resolveAwsScope(defaultScope, ceiling, [], name);
    } catch (err) {
      throw configError(`${path}.defaultScope`, (err as Error).message);
    }
  }

  const defaultTtlMs = parsed.defaultTtl ?? parseDuration(DEFAULTS.defaultTtl)!;
  const maxTtlMs = parsed.maxTtl ?? parseDuration(DEFAULTS.maxTtl)!;
  for (const [key, ms] of [['defaultTtl', defaultTtlMs], ['maxTtl', maxTtlMs]] as const) {
    if (ms < MIN_SESSION_MS) throw configError(`${path}.${key}`, `must be at least ${formatDuration(MIN_SESSION_MS)}, AWS's shortest session`);
    if (ms > MAX_SESSION_MS) throw configError(`${path}.${key}`, `must be at most ${formatDuration(MAX_SESSION_MS)}, AWS's longest session`);
  }
  if (defaultTtlMs > maxTtlMs) {
    throw configError(`${path}.defaultTtl`, `${formatDuration(defaultTtlMs)} is longer than maxTtl (${formatDuration(maxTtlMs)})`);
  }

  return Object.freeze({
    kind: parsed.kind,
    roleArn: parsed.roleArn,
    roleName: ROLE_ARN_RE.exec(parsed.roleArn)![2]!,
    ...(parsed.region === undefined ? {} : { region: parsed.region }),
    ...(parsed.endpoint === undefined ? {} : { endpoint: parsed.endpoint }),
    ...(parsed.iamEndpoint === undefined ? {} : { iamEndpoint: parsed.iamEndpoint }),
    credentials: credentialSource(parsed, path),
    ceiling,
    defaultScope: Object.freeze(defaultScope),
    defaultTtlMs,
    maxTtlMs,
    revocationPolicyName: parsed.revocation?.policyName ?? DEFAULTS.policyName,
    revocationPolicySizeLimit: parsed.revocation?.policySizeLimit ?? DEFAULTS.policySizeLimit,
    requestTimeoutMs: parsed.timeout ?? parseDuration(DEFAULTS.timeout)!,
    maxAttempts: parsed.maxAttempts ?? DEFAULTS.maxAttempts,
  });
}

function parseCeiling(raw: Record<string, string[]>, key: string): AwsCeiling {
  const entries = Object.entries(raw);
  if (entries.length === 0) throw configError(key, 'must allow at least one action on one resource');
  const ceiling: AwsScopeEntry[] = [];
  for (const [resource, actions] of entries) {
    const resourceKey = `${key}${configPathSuffix([resource])}`;
    const problem = arnProblem(resource);
    if (problem !== undefined) throw configError(resourceKey, `${quoteForMessage(resource)} is not a resource ARN: ${problem}`);
    if (actions.length === 0) throw configError(resourceKey, 'must list at least one action');
    const normalised: string[] = [];
    for (const [i, action] of actions.entries()) {
      const why = actionProblem(action);
      if (why !== undefined) throw configError(`${resourceKey}[${i}]`, `${quoteForMessage(action)}: ${why}`);
      const colon = action.indexOf(':');
      normalised.push(`${action.slice(0, colon).toLowerCase()}${action.slice(colon)}`);
    }
    ceiling.push(Object.freeze({ resource, actions: Object.freeze(normalised) }));
  }
  return Object.freeze(ceiling);
}

type CredentialsInput = {
  accessKeyIdEnv?: string | undefined;
  secretAccessKeyEnv?: string | undefined;
  sessionTokenEnv?: string | undefined;
  credentialsFile?: string | undefined;
  profile?: string | undefined;
};

function credentialSource(c: CredentialsInput, path: string): BaseCredentialSource {
  const fromEnv = c.accessKeyIdEnv !== undefined || c.secretAccessKeyEnv !== undefined || c.sessionTokenEnv !== undefined;
  if (fromEnv) {
    if (c.credentialsFile !== undefined || c.profile !== undefined) {
      throw configError(
        `${path}.${c.credentialsFile !== undefined ? 'credentialsFile' : 'profile'}`,
        'name environment variables (accessKeyIdEnv, secretAccessKeyEnv) or a credentials file and profile, not both',
      );
    }
    if (c.accessKeyIdEnv === undefined) throw configError(`${path}.accessKeyIdEnv`, 'is required with secretAccessKeyEnv');
    if (c.secretAccessKeyEnv === undefined) throw configError(`${path}.secretAccessKeyEnv`, 'is required with accessKeyIdEnv');
    return {
      source: 'env',
      accessKeyIdEnv: c.accessKeyIdEnv,
      secretAccessKeyEnv: c.secretAccessKeyEnv,
      ...(c.sessionTokenEnv === undefined ? {} : { sessionTokenEnv: c.sessionTokenEnv }),
    };
  }
  if (c.credentialsFile !== undefined) return { source: 'file', file: c.credentialsFile, profile: c.profile ?? 'default' };
  return { source: 'default-chain', ...(c.profile === undefined ? {} : { profile: c.profile }) };
}
