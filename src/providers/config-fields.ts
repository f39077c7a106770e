import { z } from 'zod';
import { WarrantError, formatDuration, parseDuration } from '../core/index.js';
import { quoteForMessage } from './message-text.js';

// Building blocks for provider config schemas: every error names the key below `providers.<name>`.

type IssueInput = { readonly input?: unknown };

/** "is required" when the key is missing, else "must be <expected>". */
export const requiredOr = (expected: string) => (issue: IssueInput) =>
  issue.input === undefined ? 'is required' : `must be ${expected}`;

export const nonEmptyString = (expected: string) =>
  z.string({ error: requiredOr(expected) }).min(1, { error: 'must not be empty' });

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const envName = () =>
  nonEmptyString('an environment variable name').regex(ENV_NAME_RE, {
    error: 'must be an environment variable name (letters, digits, _)',
  });

/** A duration ("90s", "5m", "1h30m" or seconds) in milliseconds, at least `minMs`. */
export const durationField = (minMs: number) =>
  z.union([z.string(), z.number()], { error: 'must be a duration such as "90s", "5m" or "1h"' }).transform((value, ctx) => {
    const text = String(value);
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${quoteForMessage(text)} is not a duration (use e.g. "90s", "5m", "1h30m")` });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(minMs)}` });
      return z.NEVER;
    }
    return ms;
  });

/** An http(s) URL without user info or fragment; `allowQuery` false also refuses a query. */
export function httpUrlProblem(text: string, allowQuery: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${quoteForMessage(text)} is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.hash !== '' || text.includes('#')) return 'must not have a fragment';
  if (!allowQuery && (url.search !== '' || text.includes('?'))) return 'must not have a query or fragment';
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  return undefined;
}

export const httpUrl = (allowQuery = false) =>
  nonEmptyString('an http(s) URL').superRefine((text, ctx) => {
    const problem = httpUrlProblem(text, allowQuery);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

export function firstDuplicate(items: readonly string[]): number | undefined {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (seen.has(item)) return i;
    seen.add(item);
  }
  return undefined;
}

/** The first zod issue as ERR_CONFIG naming its key; an unknown key is reported before anything else. */
export function configErrorFromIssues(path: string, issues: readonly z.core.$ZodIssue[], allowedKeys: string): WarrantError {
  // An unknown key is usually a typo that also explains a "required" error.
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (issue === undefined) return configError(path, 'is invalid');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const allowed = issue.path.length === 0 ? ` (allowed: ${allowedKeys})` : '';
    return configError(`${path}${configPathSuffix([...issue.path, key])}`, `unknown key${allowed}`);
  }
  return configError(`${path}${configPathSuffix(issue.path)}`, issue.message);
}

export function configPathSuffix(segments: readonly PropertyKey[]): string {
  return segments
    .map((s) => {
      if (typeof s === 'number') return `[${s}]`;
      const key = String(s);
      return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `.${key}` : `[${quoteForMessage(key)}]`;
    })
    .join('');
}

export function configError(key: string, problem: string): WarrantError {
  return new WarrantError('ERR_CONFIG', `${key}: ${problem}`);
}
