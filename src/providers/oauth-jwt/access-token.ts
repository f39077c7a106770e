import type { KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { SigningThread } from './signing-thread.js';

/** The claims of a JWT access token warrant signs (RFC 9068 §2.2), as introspection reports them. */
export interface AccessTokenClaims {
  readonly iss: string;
  /** SPIFFE ID of the workload the token was minted for. */
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  /** The lease id: introspection looks the lease up by it. */
  readonly jti: string;
  readonly client_id: string;
  /** Space-separated; absent when the token carries no scope. */
  readonly scope?: string;
  readonly task_id: string;
  /** RFC 8693 §4.1: for a delegated task, who acts (outermost: the token's holder; nested: earlier delegates). */
  readonly act?: ActorClaim;
}

/** One actor of an RFC 8693 `act` claim; `act` inside it is the actor before it. */
export interface ActorClaim {
  readonly sub: string;
  readonly act?: ActorClaim;
}

/**
 * The subject and `act` claim of a delegated task's token (RFC 8693 §4.1): the subject is the
 * workload at the root of the delegation, on whose behalf everyone acts; the current actor is the
 * token's holder, and each nested `act` names the delegate before it, down to the root's first
 * delegate. Undefined for a task that was not delegated.
 */
export function actorClaims(holder: string, chain: readonly string[] | undefined): { sub: string; act: ActorClaim } | undefined {
  if (chain === undefined || chain.length === 0) return undefined;
  let act: ActorClaim | undefined;
  for (const actor of chain.slice(1)) act = act === undefined ? { sub: actor } : { sub: actor, act };
  return { sub: chain[0]!, act: act === undefined ? { sub: holder } : { sub: holder, act } };
}

export const ACCESS_TOKEN_TYP = 'at+jwt';
const ALG = 'ES256';
// Longer than any token we mint by far; refuse to parse arbitrarily large input.
const MAX_TOKEN_LENGTH = 16_384;
const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'task_id'];

/**
 * Signs access tokens as compact JWS by hand: a pre-encoded header, and one crypto.sign per token
 * with a pre-imported key, made on the signing thread when tokens are asked for together.
 */
export class AccessTokenSigner {
  readonly #encodedHeader: string;
  readonly #thread: SigningThread;

  constructor(privateKey: KeyObject, kid: string) {
    this.#encodedHeader = base64url(JSON.stringify({ alg: ALG, typ: ACCESS_TOKEN_TYP, kid }));
    this.#thread = new SigningThread(privateKey);
  }

  async sign(claims: AccessTokenClaims): Promise<string> {
    const signingInput = `${this.#encodedHeader}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${await this.#thread.sign(signingInput)}`;
  }

  close(): Promise<void> {
    return this.#thread.close();
  }
}

/**
 * Verifies a token against one public key and issuer at `nowMs`. Returns undefined for every
 * failure alike: introspection answers `active: false` without saying why.
 */
export async function verifyAccessTokenWith(
  token: string,
  publicKey: KeyObject,
  issuer: string,
  nowMs: number,
): Promise<AccessTokenClaims | undefined> {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [ALG],
      typ: ACCESS_TOKEN_TYP,
      issuer,
      currentDate: new Date(nowMs),
      requiredClaims: REQUIRED_CLAIMS,
    });
    return toClaims(payload);
  } catch {
    return undefined;
  }
}

function toClaims(payload: Readonly<Record<string, unknown>>): AccessTokenClaims | undefined {
  const { iss, sub, aud, exp, iat, jti, client_id: clientId, scope, task_id: taskId, act } = payload;
  if (typeof iss !== 'string' || typeof sub !== 'string' || typeof jti !== 'string') return undefined;
  if (typeof clientId !== 'string' || typeof taskId !== 'string') return undefined;
  if (typeof exp !== 'number' || typeof iat !== 'number') return undefined;
  if (scope !== undefined && typeof scope !== 'string') return undefined;
  const audience = typeof aud === 'string' ? aud : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? [...aud] : undefined;
  if (audience === undefined) return undefined;
  const actor = act === undefined ? undefined : toActor(act, 0);
  if (act !== undefined && actor === undefined) return undefined;
  const claims = { iss, sub, aud: audience, exp, iat, jti, client_id: clientId, task_id: taskId };
  return Object.freeze({ ...claims, ...(scope === undefined ? {} : { scope }), ...(actor === undefined ? {} : { act: actor }) });
}

/** An `act` claim as we sign them: nested objects with a string `sub`, no deeper than delegation goes. */
function toActor(value: unknown, depth: number): ActorClaim | undefined {
  if (depth > 32 || typeof value !== 'object' || value === null) return undefined;
  const { sub, act } = value as { sub?: unknown; act?: unknown };
  if (typeof sub !== 'string') return undefined;
  if (act === undefined) return { sub };
  const inner = toActor(act, depth + 1);
  return inner === undefined ? undefined : { sub, act: inner };
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
