// How a lease is laid out in its Redis hash. Field names are one or two letters and values that can
// be derived are left out (the id is in the key, the trust domain in the owner's SPIFFE ID, the
// handle is usually the id): a lease costs memory for as long as it lives, and there may be millions.
// Reading checks every field, so a damaged record fails loudly.
import {
  LEASE_STATES,
  leaseIdTime,
  PROVIDER_KINDS,
  TRIGGERS,
  WarrantError,
  type Lease,
  type LeaseState,
  type ProviderKind,
  type Trigger,
} from '../../core/index.js';
import type { NewLease, RevocationItem } from '../store.js';

/** Field names, in one place; the Lua scripts use the same letters. */
export const F = {
  state: 's',
  owner: 'o',
  /** Only when it differs from the owner's trust domain. */
  trustDomain: 'd',
  taskId: 't',
  provider: 'p',
  providerKind: 'k',
  scope: 'c',
  /** Only when it differs from the lease id. */
  handle: 'h',
  /** Only when it differs from the time in the lease id (a ULID made at issue). */
  issuedAt: 'i',
  expiresAt: 'e',
  maxExpiresAt: 'm',
  /** Absent while 0. */
  renewals: 'n',
  idempotencyKey: 'y',
  trigger: 'g',
  reason: 'r',
  revokeRequestedAt: 'q',
  revokedAt: 'x',
  /** Failed revocation attempts (while revoking or revocation_failed). */
  attempts: 'a',
  /** Error code of the last failed attempt. */
  lastError: 'z',
  /** Start of the give-up window after an operator's retry (else the request time). */
  queuedAt: 'w',
  /** When the revocation was given up on. */
  failedAt: 'f',
  /** The mass revocation that accepted it. */
  operation: 'op',
} as const;

/** The trust domain in a SPIFFE ID, or undefined when it is not one. */
export function trustDomainOf(spiffeId: string): string | undefined {
  const match = /^spiffe:\/\/([^/]+)/.exec(spiffeId);
  return match?.[1];
}

/** Field/value pairs of a lease in its first, pending, state, ready for HSET. */
export function pendingLeaseFields(lease: NewLease): string[] {
  const fields: string[] = [
    F.state, 'pending',
    F.owner, lease.owner,
    F.taskId, lease.taskId,
    F.provider, lease.provider,
    F.providerKind, lease.providerKind,
    F.scope, JSON.stringify(lease.scope),
    F.expiresAt, String(lease.expiresAt),
    F.maxExpiresAt, String(lease.maxExpiresAt),
  ];
  if (leaseIdTime(lease.id) !== lease.issuedAt) fields.push(F.issuedAt, String(lease.issuedAt));
  if (trustDomainOf(lease.owner) !== lease.trustDomain) fields.push(F.trustDomain, lease.trustDomain);
  if (lease.handle !== lease.id) fields.push(F.handle, lease.handle);
  if (lease.idempotencyKey !== undefined) fields.push(F.idempotencyKey, lease.idempotencyKey);
  return fields;
}

/** A flat [field, value, …] reply (HGETALL inside a script) as a record. */
export function fieldsFromFlatReply(reply: readonly unknown[], start: number): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = start; i + 1 < reply.length; i += 2) {
    const field = reply[i];
    const value = reply[i + 1];
    if (typeof field === 'string' && typeof value === 'string') record[field] = value;
  }
  return record;
}

/** The fields of a hash a script packed as one JSON array (lua/include/packed.lua) at reply[at]. */
export function fieldsFromPackedReply(reply: readonly unknown[], at: number): Record<string, string> {
  const text = reply[at];
  if (typeof text !== 'string') return {};
  let flat: unknown;
  try {
    flat = JSON.parse(text);
  } catch {
    return {};
  }
  return Array.isArray(flat) ? fieldsFromFlatReply(flat, 0) : {};
}

function malformed(id: string, field: string): WarrantError {
  return new WarrantError('ERR_INTERNAL', `lease record ${id} is malformed (field ${field})`, {
    details: { leaseId: id, field },
  });
}

/** Typed readers over one hash, each failing with the lease id and field name. */
function reader(id: string, fields: Readonly<Record<string, string>>) {
  const text = (name: string): string => {
    const value = fields[name];
    if (value === undefined) throw malformed(id, name);
    return value;
  };
  const time = (name: string): number => {
    const value = Number(text(name));
    if (!Number.isSafeInteger(value)) throw malformed(id, name);
    return value;
  };
  const optionalTime = (name: string): number | undefined => (fields[name] === undefined ? undefined : time(name));
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const value = text(name);
    if (!(allowed as readonly string[]).includes(value)) throw malformed(id, name);
    return value as T;
  };
  const trustDomain = (): string => {
    const domain = fields[F.trustDomain] ?? trustDomainOf(text(F.owner));
    if (domain === undefined) throw malformed(id, F.trustDomain);
    return domain;
  };
  return { text, time, optionalTime, oneOf, trustDomain };
}

/** The frozen Lease a hash holds. */
export function leaseFromFields(id: string, fields: Readonly<Record<string, string>>): Lease {
  const r = reader(id, fields);
  let scope: unknown;
  try {
    scope = JSON.parse(r.text(F.scope));
  } catch {
    throw malformed(id, F.scope);
  }
  if (!Array.isArray(scope) || !scope.every((s): s is string => typeof s === 'string')) throw malformed(id, F.scope);

  const revokeRequestedAt = r.optionalTime(F.revokeRequestedAt);
  const revokedAt = r.optionalTime(F.revokedAt);
  const attempts = r.optionalTime(F.attempts);
  const trigger = fields[F.trigger] === undefined ? undefined : r.oneOf<Trigger>(F.trigger, TRIGGERS);
  const reason = fields[F.reason];
  const idempotencyKey = fields[F.idempotencyKey];
  const lastError = fields[F.lastError];
  const lease: Lease = {
    id,
    state: r.oneOf<LeaseState>(F.state, LEASE_STATES),
    owner: r.text(F.owner),
    trustDomain: r.trustDomain(),
    taskId: r.text(F.taskId),
    provider: r.text(F.provider),
    providerKind: r.oneOf<ProviderKind>(F.providerKind, PROVIDER_KINDS),
    scope: Object.freeze(scope),
    handle: fields[F.handle] ?? id,
    issuedAt: fields[F.issuedAt] === undefined ? leaseIdTime(id) : r.time(F.issuedAt),
    expiresAt: r.time(F.expiresAt),
    maxExpiresAt: r.time(F.maxExpiresAt),
    renewals: r.optionalTime(F.renewals) ?? 0,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(revokeRequestedAt === undefined ? {} : { revokeRequestedAt }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
    ...(trigger === undefined ? {} : { trigger }),
    ...(reason === undefined ? {} : { reason }),
    ...(attempts === undefined || attempts === 0 ? {} : { revocationAttempts: attempts }),
    ...(lastError === undefined ? {} : { revocationError: lastError }),
  };
  return Object.freeze(lease);
}

/** What a revocation worker needs, from a claimed lease's hash. */
export function revocationItemFromFields(id: string, fields: Readonly<Record<string, string>>): RevocationItem {
  const r = reader(id, fields);
  const requested = r.time(F.revokeRequestedAt);
  const reason = fields[F.reason];
  const operation = fields[F.operation];
  return {
    leaseId: id,
    provider: r.text(F.provider),
    providerKind: r.oneOf<ProviderKind>(F.providerKind, PROVIDER_KINDS),
    handle: fields[F.handle] ?? id,
    owner: r.text(F.owner),
    taskId: r.text(F.taskId),
    trigger: r.oneOf<Trigger>(F.trigger, TRIGGERS),
    expiresAt: r.time(F.expiresAt),
    revokeRequestedAt: requested,
    queuedAt: r.optionalTime(F.queuedAt) ?? requested,
    attempts: r.optionalTime(F.attempts) ?? 0,
    ...(reason === undefined ? {} : { reason }),
    ...(operation === undefined ? {} : { operation }),
  };
}
