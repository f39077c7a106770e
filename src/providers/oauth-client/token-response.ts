import { WarrantError } from '../../core/index.js';
import { scopeTokenProblem } from '../oauth-scope.js';
import { quoteForMessage } from '../message-text.js';

export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1), checked. */
export interface TokenAnswer {
  readonly accessToken: string;
  readonly expiresInS: number;
  /** Absent when the server granted exactly what was asked (RFC 6749 §5.1). */
  readonly scope?: readonly string[];
}

const MAX_TOKEN_LENGTH = 16_384;

/**
 * Checks a token response. Errors never quote the response: it holds the token. A token of
 * unknown lifetime is refused, as no lease may outlive its max TTL.
 */
export function parseTokenResponse(json: Readonly<Record<string, unknown>> | undefined, provider: string, exchange: boolean): TokenAnswer {
  const bad = (problem: string) => new WarrantError('ERR_PROVIDER_FAILED', `provider '${provider}': the token response ${problem}`);
  if (json === undefined) throw bad('is not a JSON object');
  const token = json['access_token'];
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw bad('has no usable access_token');
  const type = json['token_type'];
  if (typeof type !== 'string' || type.toLowerCase() !== 'bearer') {
    throw bad(`has token_type ${quoteForMessage(String(type))}; only Bearer tokens are delivered`);
  }
  if (exchange && json['issued_token_type'] !== undefined && json['issued_token_type'] !== ACCESS_TOKEN_TYPE) {
    throw bad(`issued ${quoteForMessage(String(json['issued_token_type']))}, not an access token`);
  }
  const expiresIn = json['expires_in'];
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw bad('has no expires_in; warrant only delivers tokens whose lifetime it knows');
  }
  const scope = json['scope'];
  if (scope !== undefined && typeof scope !== 'string') throw bad('has a scope that is not a string');
  const granted = scope === undefined ? undefined : scope.split(' ').filter((s) => s !== '');
  if (granted?.some((s) => scopeTokenProblem(s) !== undefined)) throw bad('has a scope that is not RFC 6749 scope tokens');
  return { accessToken: token, expiresInS: expiresIn, ...(granted === undefined ? {} : { scope: granted }) };
}
