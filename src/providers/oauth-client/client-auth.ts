import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
// A client assertion is good for one request; a minute covers clock skew.
const ASSERTION_LIFETIME_S = 60;

/** How warrant authenticates to the authorization server (RFC 6749 §2.3, RFC 7523 §2.2). */
export type ClientCredentials =
  | { readonly method: 'client_secret_basic'; readonly clientId: string; readonly secret: string }
  | { readonly method: 'private_key_jwt'; readonly clientId: string; readonly key: KeyObject; readonly kid: string };

/**
 * Adds client authentication to a request to one of the server's endpoints. A private_key_jwt
 * assertion names the issuer as its audience, which RFC 7523bis recommends and servers accept for
 * every endpoint.
 */
export async function authenticate(
  c: ClientCredentials,
  params: URLSearchParams,
  headers: Record<string, string>,
  issuer: string,
  nowMs: number,
): Promise<void> {
  if (c.method === 'client_secret_basic') {
    // RFC 6749 §2.3.1: both parts form-encoded before base64.
    headers['authorization'] = `Basic ${Buffer.from(`${formEncode(c.clientId)}:${formEncode(c.secret)}`).toString('base64')}`;
    return;
  }
  const iat = Math.floor(nowMs / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: c.kid, typ: 'JWT' })
    .setIssuer(c.clientId)
    .setSubject(c.clientId)
    .setAudience(issuer)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_S)
    .sign(c.key);
  params.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
  params.set('client_assertion', assertion);
}

function formEncode(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+');
}
