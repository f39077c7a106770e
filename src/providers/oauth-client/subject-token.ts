import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
// Presented once, right away: short enough that a copy is useless soon after.
const SUBJECT_TOKEN_LIFETIME_S = 60;

export interface SubjectClaims {
  /** iss: the issuer the authorization server trusts for warrant's key. */
  readonly issuer: string;
  /** aud: the authorization server's issuer identifier. */
  readonly audience: string;
  /** sub: the workload's SPIFFE ID. */
  readonly subject: string;
  readonly taskId: string;
  /** jti: one subject token per lease, so a server that tracks jti sees a replay. */
  readonly leaseId: string;
  readonly nowMs: number;
}

/**
 * The RFC 8693 subject token: a short-lived JWT signed by warrant that says which workload the
 * requested token is for. It stands in for the workload's JWT-SVID, which warrant never holds.
 */
export function signSubjectToken(key: KeyObject, kid: string, c: SubjectClaims): Promise<string> {
  const iat = Math.floor(c.nowMs / 1000);
  return new SignJWT({ task_id: c.taskId })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(c.issuer)
    .setSubject(c.subject)
    .setAudience(c.audience)
    .setJti(c.leaseId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + SUBJECT_TOKEN_LIFETIME_S)
    .sign(key);
}
