import { z } from 'zod';
import { WarrantError, formatDuration, parseDuration } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';
import { scopeTokenProblem } from '../oauth-scope.js';

/** A validated oauth-jwt provider config; durations are in milliseconds. Frozen. */
export interface OAuthJwtConfig {
  readonly kind: 'oauth-jwt';
  /** Goes into `iss` verbatim; resource servers compare it as a string. */
  readonly issuer: string;
  readonly audience: readonly string[];
  /** The ceiling: every scope a token from this provider may ever carry. */
  readonly scopes: readonly string[];
  readonly defaultScopes: readonly string[];
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  readonly renewable: boolean;
  /** PEM private key (EC P-256); generated and written there (mode 0600) when the file is missing. */
  readonly signingKeyFile?: string;
}

const DEFAULT_TTL = '5m';
const MAX_TTL = '1h';
// exp and iat are whole seconds, so a shorter lifetime could round to a token that is born expired.
const MIN_TTL_MS = 1000;

type IssueInput = { readonly input?: unknown };
const requiredOr = (expected: string) => (issue: IssueInput) =>
  issue.input === undefined ? 'is required' : `must be ${expected}`;

const nonEmptyString = (expected: string) =>
  z.string({ error: requiredOr(expected) }).min(1, { error: 'must not be empty' });

const scopeToken = z.string({ error: 'must be a string' }).superRefine((text, ctx) => {
  const problem = scopeTokenProblem(text);
  if (problem !== undefined) {
    ctx.addIssue({ code: 'custom', message: `${quoteForMessage(text)} is not a valid OAuth scope token: ${problem}` });
  }
});

const duration = z
  .union([z.string(), z.number()], { error: 'must be a duration such as "90s", "5m" or "1h"' })
  .transform((value, ctx) => {
    const text = String(value);
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${quoteForMessage(text)} is not a duration (use e.g. "90s", "5m", "1h30m")`,
      });
      return z.NEVER;
    }
    if (ms < MIN_TTL_MS) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(MIN_TTL_MS)}` });
      return z.NEVER;
    }
    return ms;
  });

const issuer = nonEmptyString('an http(s) URL').superRefine((text, ctx) => {
  const problem = issuerProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const audience = z.union([nonEmptyString('a string'), z.array(nonEmptyString('a string')).min(1, { error: 'must not be empty' })], {
  error: requiredOr('a string or a non-empty list of strings'),
});

const schema = z.strictObject({
  kind: z.literal('oauth-jwt', { error: requiredOr("'oauth-jwt'") }),
  issuer,
  audience,
  scopes: z.array(scopeToken, { error: requiredOr('a list of scopes') }),
  defaultScopes: z.array(scopeToken, { error: 'must be a list of scopes' }).optional(),
  defaultTtl: duration.optional(),
  maxTtl: duration.optional(),
  renewable: z.boolean({ error: 'must be true or false' }).optional(),
  signingKeyFile: nonEmptyString('a file path').optional(),
});

const ALLOWED_KEYS = Object.keys(schema.shape).join(', ');

/**
 * Validates one `providers.<name>` entry of kind oauth-jwt. `path` is that entry's config path
 * (e.g. "providers.api"); every error names the bad key below it.
 */
export function parseOAuthJwtConfig(raw: unknown, path: string): OAuthJwtConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw configError(path, 'must be a mapping');
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw fromIssues(path, result.error.issues);
  const parsed = result.data;

  const audienceList = typeof parsed.audience === 'string' ? [parsed.audience] : parsed.audience;
  const duplicateAudience = firstDuplicate(audienceList);
  if (duplicateAudience !== undefined) {
    throw configError(`${path}.audience[${duplicateAudience}]`, `duplicate audience ${quoteForMessage(audienceList[duplicateAudience]!)}`);
  }
  const duplicateScope = firstDuplicate(parsed.scopes);
  if (duplicateScope !== undefined) {
    throw configError(`${path}.scopes[${duplicateScope}]`, `duplicate scope ${quoteForMessage(parsed.scopes[duplicateScope]!)}`);
  }
  const ceiling = new Set(parsed.scopes);
  const defaultScopes = parsed.defaultScopes ?? [];
  for (const [i, scope] of defaultScopes.entries()) {
    if (!ceiling.has(scope)) {
      throw configError(`${path}.defaultScopes[${i}]`, `scope ${quoteForMessage(scope)} is not in scopes`);
    }
  }
  const defaultTtlMs = parsed.defaultTtl ?? parseDuration(DEFAULT_TTL)!;
  const maxTtlMs = parsed.maxTtl ?? parseDuration(MAX_TTL)!;
  if (defaultTtlMs > maxTtlMs) {
    throw configError(
      `${path}.defaultTtl`,
      `${formatDuration(defaultTtlMs)} is longer than maxTtl (${formatDuration(maxTtlMs)})`,
    );
  }

  return Object.freeze({
    kind: parsed.kind,
    issuer: parsed.issuer,
    audience: Object.freeze([...audienceList]),
    scopes: Object.freeze([...parsed.scopes]),
    defaultScopes: Object.freeze([...new Set(defaultScopes)]),
    defaultTtlMs,
    maxTtlMs,
    renewable: parsed.renewable ?? true,
    ...(parsed.signingKeyFile === undefined ? {} : { signingKeyFile: parsed.signingKeyFile }),
  });
}

function issuerProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${quoteForMessage(text)} is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  // RFC 8414 §2: an issuer has no query or fragment; userinfo would leak into every token.
  if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) {
    return 'must not have a query or fragment';
  }
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  return undefined;
}

function firstDuplicate(items: readonly string[]): number | undefined {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (seen.has(item)) return i;
    seen.add(item);
  }
  return undefined;
}

function fromIssues(path: string, issues: readonly z.core.$ZodIssue[]): WarrantError {
  // An unknown key is reported first: it is usually a typo that also explains a "required" error.
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (issue === undefined) return configError(path, 'is invalid');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return configError(`${path}${pathSuffix([...issue.path, key])}`, `unknown key (allowed: ${ALLOWED_KEYS})`);
  }
  return configError(`${path}${pathSuffix(issue.path)}`, issue.message);
}

function pathSuffix(segments: readonly PropertyKey[]): string {
  return segments
    .map((s) => {
      if (typeof s === 'number') return `[${s}]`;
      const key = String(s);
      return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `.${key}` : `[${quoteForMessage(key)}]`;
    })
    .join('');
}

function configError(key: string, problem: string): WarrantError {
  return new WarrantError('ERR_CONFIG', `${key}: ${problem}`);
}
