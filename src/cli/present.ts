// How leases and credentials are shown: JSON for scripts, short lines for people.
import type { Credential__Output } from '../gen/warrant/v1/Credential.js';
import type { Lease__Output } from '../gen/warrant/v1/Lease.js';
import type { Timestamp__Output } from '../gen/google/protobuf/Timestamp.js';

/** A proto Timestamp as ISO 8601 text, for JSON and human output. */
export function iso(ts: Timestamp__Output | null): string | null {
  if (ts === null) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6)).toISOString();
}

export function leaseJson(l: Lease__Output | null): Record<string, unknown> | null {
  if (l === null) return null;
  return {
    id: l.id,
    state: l.state.replace('LEASE_STATE_', '').toLowerCase(),
    owner: l.owner,
    trustDomain: l.trust_domain,
    taskId: l.task_id,
    provider: l.provider,
    providerKind: l.provider_kind,
    scope: l.scope,
    issuedAt: iso(l.issued_at),
    expiresAt: iso(l.expires_at),
    maxExpiresAt: iso(l.max_expires_at),
    renewals: l.renewals,
    ...(l.revoked_at === null ? {} : { revokedAt: iso(l.revoked_at) }),
    ...(l.trigger === 'TRIGGER_UNSPECIFIED' ? {} : { trigger: l.trigger.replace('TRIGGER_', '').toLowerCase() }),
    ...(l.reason === '' ? {} : { reason: l.reason }),
    ...(l.revocation_attempts === 0 ? {} : { revocationAttempts: l.revocation_attempts }),
    ...(l.revocation_error === '' ? {} : { revocationError: l.revocation_error }),
  };
}

export function credentialJson(c: Credential__Output | null): Record<string, unknown> | null {
  if (c === null) return null;
  if (c.oauth_token) {
    const t = c.oauth_token;
    return { kind: 'oauth_token', accessToken: t.access_token, tokenType: t.token_type, expiresAt: iso(t.expires_at), scope: t.scope, audience: t.audience };
  }
  if (c.database_login) {
    const d = c.database_login;
    return { kind: 'database_login', engine: d.engine, host: d.host, port: d.port, database: d.database, username: d.username, password: d.password, validUntil: iso(d.valid_until) };
  }
  if (c.aws_session) {
    const a = c.aws_session;
    return { kind: 'aws_session', accessKeyId: a.access_key_id, secretAccessKey: a.secret_access_key, sessionToken: a.session_token, expiresAt: iso(a.expires_at), region: a.region, assumedRoleArn: a.assumed_role_arn };
  }
  return null;
}

export function leaseLines(l: Lease__Output | null): string {
  const j = leaseJson(l);
  if (j === null) return '(no lease)';
  const rows: [string, unknown][] = [
    ['lease', j['id']],
    ['state', j['state']],
    ['owner', j['owner']],
    ['task', j['taskId']],
    ['provider', `${String(j['provider'])} (${String(j['providerKind'])})`],
    ['scope', (j['scope'] as string[]).join(' ') || '(none)'],
    ['issued', j['issuedAt']],
    ['expires', j['expiresAt']],
    ['max expiry', j['maxExpiresAt']],
    ['renewals', j['renewals']],
  ];
  if (j['trigger'] !== undefined) rows.push(['trigger', j['trigger']]);
  if (j['revokedAt'] !== undefined) rows.push(['revoked', j['revokedAt']]);
  if (j['reason'] !== undefined) rows.push(['reason', j['reason']]);
  if (j['revocationAttempts'] !== undefined) rows.push(['attempts', `${String(j['revocationAttempts'])} failed (last: ${String(j['revocationError'] ?? '?')})`]);
  return rows.map(([k, v]) => `${k.padEnd(11)} ${String(v)}`).join('\n');
}
