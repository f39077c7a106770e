import { WarrantError } from '../core/index.js';
import { quoteForMessage } from './message-text.js';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ); the length cap is ours.
export const MAX_SCOPE_TOKEN_LENGTH = 128;
const SCOPE_TOKEN_CHARS_RE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Why text is not an RFC 6749 scope-token, or undefined when it is one. */
export function scopeTokenProblem(text: string): string | undefined {
  if (text.length === 0) return 'it is empty';
  if (text.length > MAX_SCOPE_TOKEN_LENGTH) return `it is longer than ${MAX_SCOPE_TOKEN_LENGTH} characters`;
  if (!SCOPE_TOKEN_CHARS_RE.test(text)) return `only printable ASCII other than space, '"' and '\\' is allowed`;
  return undefined;
}

/**
 * Checks requested scopes against the ceiling: each must be a scope-token and in the ceiling.
 * Duplicates are dropped, first occurrence wins; an empty request yields the defaults.
 */
export function resolveScopeWithin(
  requested: readonly string[],
  ceiling: ReadonlySet<string>,
  defaults: readonly string[],
  providerName: string,
): readonly string[] {
  if (requested.length === 0) return [...defaults];
  const seen = new Set<string>();
  for (const scope of requested) {
    // Typed as strings, but a caller outside TypeScript may still slip anything in.
    if (typeof scope !== 'string') {
      throw new WarrantError('ERR_SCOPE_INVALID', `every scope requested from provider '${providerName}' must be a string`);
    }
    const text = scope;
    const problem = scopeTokenProblem(text);
    if (problem !== undefined) {
      throw new WarrantError(
        'ERR_SCOPE_INVALID',
        `scope ${quoteForMessage(text)} is not a valid OAuth scope token for provider '${providerName}': ${problem}`,
      );
    }
    if (!ceiling.has(text)) {
      throw new WarrantError(
        'ERR_SCOPE_INVALID',
        `scope ${quoteForMessage(text)} is outside the ceiling of provider '${providerName}'`,
      );
    }
    seen.add(text);
  }
  return [...seen];
}
