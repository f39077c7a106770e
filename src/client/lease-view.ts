// The plain shapes the SDK hands to callers: camelCase, times in ms since the Unix epoch, enums as
// lower-case words. The generated proto types stay available for the low-level calls.
import type { Timestamp__Output } from '../gen/google/protobuf/Timestamp.js';
import type { Credential__Output } from '../gen/warrant/v1/Credential.js';
import type { Lease__Output } from '../gen/warrant/v1/Lease.js';
import type { LeaseEvent__Output } from '../gen/warrant/v1/LeaseEvent.js';

export type LeaseState = 'pending' | 'active' | 'revoking' | 'revoked' | 'expired' | 'revocation_failed' | 'unspecified';
export type Trigger = 'task_completed' | 'expired' | 'operator' | 'owner' | 'deviation' | 'identity' | 'parent_revoked';
export type LeaseEventType = 'issued' | 'renewed' | 'revoking' | 'revoked' | 'expired' | 'revocation_failed';

/** warrant's record of one credential. Never holds a secret. */
export interface Lease {
  readonly id: string;
  readonly state: LeaseState;
  readonly owner: string;
  readonly trustDomain: string;
  readonly taskId: string;
  readonly provider: string;
  readonly providerKind: string;
  readonly scope: readonly string[];
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Renewals never move expiresAt past this. */
  readonly maxExpiresAt: number;
  readonly renewals: number;
  readonly revokedAt?: number;
  readonly trigger?: Trigger;
  readonly reason?: string;
}

export interface AwsSessionCredential {
  readonly kind: 'aws_session';
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiresAt: number;
  readonly region: string;
  readonly assumedRoleArn: string;
}

export interface OAuthTokenCredential {
  readonly kind: 'oauth_token';
  readonly accessToken: string;
  readonly tokenType: string;
  readonly expiresAt: number;
  readonly scope: readonly string[];
  readonly audience: readonly string[];
}

export interface DatabaseLoginCredential {
  readonly kind: 'database_login';
  readonly engine: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  readonly validUntil: number;
}

/** The secret part of a grant. Keep it out of logs. */
export type Credential = AwsSessionCredential | OAuthTokenCredential | DatabaseLoginCredential;

export interface LeaseEvent {
  readonly type: LeaseEventType;
  readonly lease: Lease;
  readonly at: number;
}

export function timeOf(ts: Timestamp__Output | null | undefined): number {
  if (ts === null || ts === undefined) return 0;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

function lowerAfter(prefix: string, value: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length).toLowerCase() : value.toLowerCase();
}

export function leaseFromPb(l: Lease__Output): Lease {
  const trigger = lowerAfter('TRIGGER_', l.trigger);
  return {
    id: l.id,
    state: lowerAfter('LEASE_STATE_', l.state) as LeaseState,
    owner: l.owner,
    trustDomain: l.trust_domain,
    taskId: l.task_id,
    provider: l.provider,
    providerKind: l.provider_kind,
    scope: [...l.scope],
    issuedAt: timeOf(l.issued_at),
    expiresAt: timeOf(l.expires_at),
    maxExpiresAt: timeOf(l.max_expires_at),
    renewals: l.renewals,
    ...(l.revoked_at === null ? {} : { revokedAt: timeOf(l.revoked_at) }),
    ...(trigger === 'unspecified' ? {} : { trigger: trigger as Trigger }),
    ...(l.reason === '' ? {} : { reason: l.reason }),
  };
}

export function credentialFromPb(c: Credential__Output | null | undefined): Credential | undefined {
  if (c === null || c === undefined) return undefined;
  if (c.oauth_token) {
    const t = c.oauth_token;
    return { kind: 'oauth_token', accessToken: t.access_token, tokenType: t.token_type, expiresAt: timeOf(t.expires_at), scope: [...t.scope], audience: [...t.audience] };
  }
  if (c.database_login) {
    const d = c.database_login;
    return {
      kind: 'database_login',
      engine: d.engine,
      host: d.host,
      port: d.port,
      database: d.database,
      username: d.username,
      password: d.password,
      validUntil: timeOf(d.valid_until),
    };
  }
  if (c.aws_session) {
    const a = c.aws_session;
    return {
      kind: 'aws_session',
      accessKeyId: a.access_key_id,
      secretAccessKey: a.secret_access_key,
      sessionToken: a.session_token,
      expiresAt: timeOf(a.expires_at),
      region: a.region,
      assumedRoleArn: a.assumed_role_arn,
    };
  }
  return undefined;
}

export function leaseEventFromPb(e: LeaseEvent__Output): LeaseEvent | undefined {
  if (e.lease === null) return undefined;
  const type = lowerAfter('LEASE_EVENT_TYPE_', e.type);
  if (type === 'unspecified') return undefined;
  return { type: type as LeaseEventType, lease: leaseFromPb(e.lease), at: timeOf(e.at) };
}

/** States after which a lease's credential must not be used any more. */
export function isEnding(state: LeaseState): boolean {
  return state === 'revoking' || state === 'revoked' || state === 'expired' || state === 'revocation_failed';
}
