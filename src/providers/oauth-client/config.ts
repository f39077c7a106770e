import { z } from 'zod';
import { formatDuration, parseDuration } from '../../core/index.js';
import {
  configError,
  configErrorFromIssues,
  durationField,
  envName,
  firstDuplicate,
  httpUrl,
  nonEmptyString,
  requiredOr,
} from '../config-fields.js';
import { quoteForMessage } from '../message-text.js';
import { scopeTokenProblem } from '../oauth-scope.js';

export type ClientAuthMethod = 'client_secret_basic' | 'private_key_jwt';
export type OAuthGrant = 'client_credentials' | 'token_exchange';

/** A validated oauth-client provider config; durations in milliseconds. Frozen. */
export interface OAuthClientConfig {
  readonly kind: 'oauth-client';
  /** The authorization server's issuer identifier; its metadata is discovered from it. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientAuth: ClientAuthMethod;
  readonly clientSecretFile?: string;
  readonly clientSecretEnv?: string;
  /** private_key_jwt: PEM EC P-256 key, created (0600) when missing; register its public half. */
  readonly clientKeyFile?: string;
  readonly grant: OAuthGrant;
  /** token_exchange: key that signs subject tokens (created when missing) and their issuer. */
  readonly assertionKeyFile?: string;
  readonly assertionIssuer?: string;
  /** The ceiling of scopes. */
  readonly scopes: readonly string[];
  readonly defaultScopes: readonly string[];
  /** RFC 8707 resource indicators sent with every request. */
  readonly resource: readonly string[];
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  /** When the server cannot revoke tokens, no token may live longer than this. */
  readonly expiryOnlyMaxTtlMs: number;
  readonly timeoutMs: number;
}

const DEFAULTS = { defaultTtl: '5m', maxTtl: '15m', expiryOnlyMaxTtl: '5m', timeout: '5s' } as const;

const scopeToken = z.string({ error: 'must be a string' }).superRefine((text, ctx) => {
  const problem = scopeTokenProblem(text);
  if (problem !== undefined) {
    ctx.addIssue({ code: 'custom', message: `${quoteForMessage(text)} is not a valid OAuth scope token: ${problem}` });
  }
});

// RFC 8707 §2: an absolute URI without a fragment.
const resourceIndicator = nonEmptyString('an absolute URI').superRefine((text, ctx) => {
  let ok = false;
  try {
    ok = new URL(text).protocol !== '' && !text.includes('#');
  } catch {
    ok = false;
  }
  if (!ok) ctx.addIssue({ code: 'custom', message: `${quoteForMessage(text)} must be an absolute URI without a fragment (RFC 8707)` });
});

const schema = z.strictObject({
  kind: z.literal('oauth-client', { error: requiredOr("'oauth-client'") }),
  issuer: httpUrl(false),
  clientId: nonEmptyString('a client id').max(256, { error: 'must be at most 256 characters' }),
  clientAuth: z.enum(['client_secret_basic', 'private_key_jwt'], { error: requiredOr('client_secret_basic or private_key_jwt') }),
  clientSecretFile: nonEmptyString('a file path').optional(),
  clientSecretEnv: envName().optional(),
  clientKeyFile: nonEmptyString('a file path').optional(),
  grant: z.enum(['client_credentials', 'token_exchange'], { error: 'must be client_credentials or token_exchange' }).optional(),
  assertionKeyFile: nonEmptyString('a file path').optional(),
  assertionIssuer: nonEmptyString('a URI').optional(),
  scopes: z.array(scopeToken, { error: requiredOr('a list of scopes') }),
  defaultScopes: z.array(scopeToken, { error: 'must be a list of scopes' }).optional(),
  resource: z.union([resourceIndicator, z.array(resourceIndicator)], { error: 'must be a URI or a list of URIs' }).optional(),
  defaultTtl: durationField(1000).optional(),
  maxTtl: durationField(1000).optional(),
  expiryOnlyMaxTtl: durationField(1000).optional(),
  timeout: durationField(100).optional(),
});

const ALLOWED_KEYS = Object.keys(schema.shape).join(', ');

/**
 * Validates one `providers.<name>` entry of kind oauth-client. `path` is that entry's config path;
 * every error names the bad key below it. Secrets are never in config: only where to read them.
 */
export function parseOAuthClientConfig(raw: unknown, path: string): OAuthClientConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw configError(path, 'must be a mapping');
  const result = schema.safeParse(raw);
  if (!result.success) throw configErrorFromIssues(path, result.error.issues, ALLOWED_KEYS);
  const p = result.data;

  if (p.clientAuth === 'client_secret_basic') {
    if (p.clientSecretFile === undefined && p.clientSecretEnv === undefined) {
      throw configError(`${path}.clientSecretFile`, 'client_secret_basic needs clientSecretFile or clientSecretEnv');
    }
    if (p.clientSecretFile !== undefined && p.clientSecretEnv !== undefined) {
      throw configError(`${path}.clientSecretEnv`, 'set clientSecretFile or clientSecretEnv, not both');
    }
    if (p.clientKeyFile !== undefined) throw configError(`${path}.clientKeyFile`, 'is for private_key_jwt only');
  } else {
    if (p.clientKeyFile === undefined) throw configError(`${path}.clientKeyFile`, 'private_key_jwt needs clientKeyFile');
    const secretKey = p.clientSecretFile !== undefined ? 'clientSecretFile' : p.clientSecretEnv !== undefined ? 'clientSecretEnv' : undefined;
    if (secretKey !== undefined) throw configError(`${path}.${secretKey}`, 'is for client_secret_basic only');
  }

  const grant = p.grant ?? 'client_credentials';
  if (grant === 'token_exchange') {
    if (p.assertionIssuer === undefined) throw configError(`${path}.assertionIssuer`, 'token_exchange needs the issuer of the subject tokens warrant signs');
  } else {
    if (p.assertionKeyFile !== undefined) throw configError(`${path}.assertionKeyFile`, 'is for grant token_exchange only');
    if (p.assertionIssuer !== undefined) throw configError(`${path}.assertionIssuer`, 'is for grant token_exchange only');
  }

  const duplicateScope = firstDuplicate(p.scopes);
  if (duplicateScope !== undefined) {
    throw configError(`${path}.scopes[${duplicateScope}]`, `duplicate scope ${quoteForMessage(p.scopes[duplicateScope]!)}`);
  }
  const ceiling = new Set(p.scopes);
  const defaultScopes = p.defaultScopes ?? [];
  for (const [i, scope] of defaultScopes.entries()) {
    if (!ceiling.has(scope)) throw configError(`${path}.defaultScopes[${i}]`, `scope ${quoteForMessage(scope)} is not in scopes`);
  }
  const resource = p.resource === undefined ? [] : typeof p.resource === 'string' ? [p.resource] : p.resource;
  const duplicateResource = firstDuplicate(resource);
  if (duplicateResource !== undefined) {
    throw configError(`${path}.resource[${duplicateResource}]`, `duplicate resource ${quoteForMessage(resource[duplicateResource]!)}`);
  }

  const defaultTtlMs = p.defaultTtl ?? parseDuration(DEFAULTS.defaultTtl)!;
  const maxTtlMs = p.maxTtl ?? parseDuration(DEFAULTS.maxTtl)!;
  const expiryOnlyMaxTtlMs = p.expiryOnlyMaxTtl ?? Math.min(parseDuration(DEFAULTS.expiryOnlyMaxTtl)!, maxTtlMs);
  if (defaultTtlMs > maxTtlMs) {
    throw configError(`${path}.defaultTtl`, `${formatDuration(defaultTtlMs)} is longer than maxTtl (${formatDuration(maxTtlMs)})`);
  }
  if (expiryOnlyMaxTtlMs > maxTtlMs) {
    throw configError(`${path}.expiryOnlyMaxTtl`, `${formatDuration(expiryOnlyMaxTtlMs)} is longer than maxTtl (${formatDuration(maxTtlMs)})`);
  }

  return Object.freeze({
    kind: p.kind,
    issuer: p.issuer,
    clientId: p.clientId,
    clientAuth: p.clientAuth,
    ...(p.clientSecretFile === undefined ? {} : { clientSecretFile: p.clientSecretFile }),
    ...(p.clientSecretEnv === undefined ? {} : { clientSecretEnv: p.clientSecretEnv }),
    ...(p.clientKeyFile === undefined ? {} : { clientKeyFile: p.clientKeyFile }),
    grant,
    ...(p.assertionKeyFile === undefined ? {} : { assertionKeyFile: p.assertionKeyFile }),
    ...(p.assertionIssuer === undefined ? {} : { assertionIssuer: p.assertionIssuer }),
    scopes: Object.freeze([...p.scopes]),
    defaultScopes: Object.freeze([...new Set(defaultScopes)]),
    resource: Object.freeze([...resource]),
    defaultTtlMs,
    maxTtlMs,
    expiryOnlyMaxTtlMs,
    timeoutMs: p.timeout ?? parseDuration(DEFAULTS.timeout)!,
  });
}
