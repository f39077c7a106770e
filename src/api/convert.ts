// proto ⇄ service shapes. No rules here: only field mapping and time conversion.
import type { Credential, Lease, LeaseState, Trigger } from '../core/index.js';
import type { Credential as PbCredential } from '../gen/warrant/v1/Credential.js';
import type { Duration__Output } from '../gen/google/protobuf/Duration.js';
import type { Lease as PbLease } from '../gen/warrant/v1/Lease.js';
import type { LeaseSelector__Output } from '../gen/warrant/v1/LeaseSelector.js';
import type { Timestamp, Timestamp__Output } from '../gen/google/protobuf/Timestamp.js';
import type { LeaseEvent as PbLeaseEvent } from '../gen/warrant/v1/LeaseEvent.js';
import type { RevokeMatchingProgress as PbRevokeMatchingProgress } from '../gen/warrant/v1/RevokeMatchingProgress.js';
import type { IssueTaskCredentialRequest__Output } from '../gen/warrant/v1/IssueTaskCredentialRequest.js';
import type { LeaseEvent } from '../leases/index.js';
import type { IssueInput, LeaseSelector, RevokeProgress } from '../service/index.js';
import { WarrantError } from '../core/index.js';

export function timestamp(ms: number | undefined): Timestamp | null {
  if (ms === undefined) return null;
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function fromTimestamp(ts: Timestamp__Output | null): number | undefined {
  if (ts === null) return undefined;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
}

/** Undefined when unset; INVALID_ARGUMENT when negative or malformed. */
export function fromDuration(d: Duration__Output | null, field: string): number | undefined {
  if (d === null) return undefined;
  const seconds = Number(d.seconds);
  if (!Number.isSafeInteger(seconds) || d.nanos < -999_999_999 || d.nanos > 999_999_999) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', `${field} is not a valid duration`);
  }
  const ms = seconds * 1000 + Math.trunc(d.nanos / 1_000_000);
  if (ms <= 0) throw new WarrantError('ERR_TTL_INVALID', `${field} must be positive`);
  return ms;
}

/** A wait from the wire: undefined when unset, 0 allowed; INVALID_ARGUMENT when negative or malformed. */
export function waitFromPb(d: Duration__Output | null, field: string): number | undefined {
  if (d === null) return undefined;
  const seconds = Number(d.seconds);
  const ms = seconds * 1000 + Math.trunc(d.nanos / 1_000_000);
  if (!Number.isSafeInteger(seconds) || d.nanos < -999_999_999 || d.nanos > 999_999_999 || ms < 0) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', `${field} must be a duration of zero or more`);
  }
  return ms;
}

const STATE_TO_PB: Readonly<Record<LeaseState, NonNullable<PbLease['state']>>> = {
  pending: 'LEASE_STATE_PENDING',
  active: 'LEASE_STATE_ACTIVE',
  revoking: 'LEASE_STATE_REVOKING',
  revoked: 'LEASE_STATE_REVOKED',
  expired: 'LEASE_STATE_EXPIRED',
  revocation_failed: 'LEASE_STATE_REVOCATION_FAILED',
};

const PB_TO_STATE: Readonly<Record<string, LeaseState>> = Object.fromEntries(
  Object.entries(STATE_TO_PB).map(([k, v]) => [v, k as LeaseState]),
);

const TRIGGER_TO_PB: Readonly<Record<Trigger, NonNullable<PbLease['trigger']>>> = {
  task_completed: 'TRIGGER_TASK_COMPLETED',
  expired: 'TRIGGER_EXPIRED',
  operator: 'TRIGGER_OPERATOR',
  owner: 'TRIGGER_OWNER',
  deviation: 'TRIGGER_DEVIATION',
  identity: 'TRIGGER_IDENTITY',
  parent_revoked: 'TRIGGER_PARENT_REVOKED',
};

export function leaseToPb(l: Lease): PbLease {
  return {
    id: l.id,
    state: STATE_TO_PB[l.state],
    owner: l.owner,
    trust_domain: l.trustDomain,
    task_id: l.taskId,
    provider: l.provider,
    provider_kind: l.providerKind,
    scope: [...l.scope],
    issued_at: timestamp(l.issuedAt),
    expires_at: timestamp(l.expiresAt),
    max_expires_at: timestamp(l.maxExpiresAt),
    renewals: l.renewals,
    revoked_at: timestamp(l.revokedAt),
    trigger: l.trigger === undefined ? 'TRIGGER_UNSPECIFIED' : TRIGGER_TO_PB[l.trigger],
    reason: l.reason ?? '',
    revocation_attempts: l.revocationAttempts ?? 0,
    revocation_error: l.revocationError ?? '',
  };
}

export function credentialToPb(c: Credential | undefined): PbCredential | null {
  if (c === undefined) return null;
  switch (c.kind) {
    case 'oauth_token':
      return {
        oauth_token: {
          access_token: c.accessToken,
          token_type: c.tokenType,
          expires_at: timestamp(c.expiresAt),
          scope: [...c.scope],
          audience: [...c.audience],
        },
      };
    case 'aws_session':
      return {
        aws_session: {
          access_key_id: c.accessKeyId,
          secret_access_key: c.secretAccessKey,
          session_token: c.sessionToken,
          expires_at: timestamp(c.expiresAt),
          region: c.region,
          assumed_role_arn: c.assumedRoleArn,
        },
      };
    case 'database_login':
      return {
        database_login: {
          engine: c.engine,
          host: c.host,
          port: c.port,
          database: c.database,
          username: c.username,
          password: c.password,
          valid_until: timestamp(c.validUntil),
        },
      };
  }
}

export function issueInputFromPb(req: IssueTaskCredentialRequest__Output): IssueInput {
  const task = req.task;
  if (task === null) throw new WarrantError('ERR_INVALID_ARGUMENT', 'task is required');
  return {
    task: { id: task.id, purpose: task.purpose, attributes: task.attributes, parentId: task.parent_id },
    provider: req.provider,
    scope: req.scope,
    ttlMs: fromDuration(req.ttl, 'ttl'),
    idempotencyKey: req.idempotency_key,
  };
}

export function selectorFromPb(s: LeaseSelector__Output | null): LeaseSelector {
  if (s === null) {
    return { leaseIds: [], taskId: '', spiffeId: '', spiffeIdPrefix: '', trustDomain: '', provider: '', issuedBefore: undefined, issuedAfter: undefined, all: false, states: [] };
  }
  const states = s.states.map((st) => {
    const state = PB_TO_STATE[st];
    if (state === undefined) throw new WarrantError('ERR_INVALID_ARGUMENT', `states: ${st} is not a lease state`);
    return state;
  });
  return {
    leaseIds: s.lease_ids,
    taskId: s.task_id,
    spiffeId: s.spiffe_id,
    spiffeIdPrefix: s.spiffe_id_prefix,
    trustDomain: s.trust_domain,
    provider: s.provider,
    issuedBefore: fromTimestamp(s.issued_before),
    issuedAfter: fromTimestamp(s.issued_after),
    all: s.all,
    states,
  };
}

const PB_TO_TRIGGER: Readonly<Record<string, Trigger>> = Object.fromEntries(
  Object.entries(TRIGGER_TO_PB).map(([k, v]) => [v, k as Trigger]),
);

/** A Trigger enum from the wire; undefined when unset. */
export function triggerFromPb(t: string | null | undefined): Trigger | undefined {
  if (t === undefined || t === null || t === '' || t === 'TRIGGER_UNSPECIFIED') return undefined;
  const trigger = PB_TO_TRIGGER[t];
  if (trigger === undefined) throw new WarrantError('ERR_INVALID_ARGUMENT', `trigger: ${t} is not a trigger`);
  return trigger;
}

const EVENT_TO_PB: Readonly<Record<LeaseEvent['type'], NonNullable<PbLeaseEvent['type']>>> = {
  issued: 'LEASE_EVENT_TYPE_ISSUED',
  renewed: 'LEASE_EVENT_TYPE_RENEWED',
  revoking: 'LEASE_EVENT_TYPE_REVOKING',
  revoked: 'LEASE_EVENT_TYPE_REVOKED',
  expired: 'LEASE_EVENT_TYPE_EXPIRED',
  revocation_failed: 'LEASE_EVENT_TYPE_REVOCATION_FAILED',
};

export function eventToPb(e: LeaseEvent): PbLeaseEvent {
  return { type: EVENT_TO_PB[e.type], lease: leaseToPb(e.lease), at: timestamp(e.at) };
}

export function revokeProgressToPb(p: RevokeProgress): PbRevokeMatchingProgress {
  return {
    matched: String(p.matched),
    revoked: String(p.revoked),
    failed: String(p.failed),
    accepted: String(p.accepted),
    already_revoking: String(p.alreadyRevoking),
    revoking: String(p.revoking),
    operation_id: p.operationId,
    selecting: p.selecting,
    sample: p.sample.map(leaseToPb),
    failures: [...p.failures],
    done: p.done,
  };
}
