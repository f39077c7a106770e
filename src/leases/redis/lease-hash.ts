// How a lease is laid out in its Redis hash: numbers as decimal strings, scope as a JSON array,
// optional fields absent rather than empty. Reading checks every field, so a damaged record fails loudly.
import {
  LEASE_STATES,
  PROVIDER_KINDS,
  TRIGGERS,
  WarrantError,
  type Lease,
  type LeaseState,
  type ProviderKind,
  type Trigger,
} from '../../core/index.js';
import type { NewLease } from '../store.js';

/** Field/value pairs of a lease in its first, pending, state, ready for HSET. */
export function pendingLeaseFields(lease: NewLease): string[] {
  const fields = [
    'id', lease.id,
    'state', 'pending',
    'owner', lease.owner,
    'trustDomain', lease.trustDomain,
    'taskId', lease.taskId,
    'provider', lease.provider,
    'providerKind', lease.providerKind,
    'scope', JSON.stringify(lease.scope),
    'handle', lease.handle,
    'issuedAt', String(lease.issuedAt),
    'expiresAt', String(lease.expiresAt),
    'maxExpiresAt', String(lease.maxExpiresAt),
    'renewals', '0',
  ];
  if (lease.idempotencyKey !== undefined) fields.push('idempotencyKey', lease.idempotencyKey);
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

function malformed(id: string, field: string): WarrantError {
  return new WarrantError('ERR_INTERNAL', `lease record ${id} is malformed (field ${field})`, {
    details: { leaseId: id, field },
  });
}

/** The frozen Lease a hash holds. */
export function leaseFromFields(fields: Readonly<Record<string, string>>): Lease {
  const id = fields['id'] ?? '?';
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

  let scope: unknown;
  try {
    scope = JSON.parse(text('scope'));
  } catch {
    throw malformed(id, 'scope');
  }
  if (!Array.isArray(scope) || !scope.every((s): s is string => typeof s === 'string')) throw malformed(id, 'scope');

  const revokeRequestedAt = optionalTime('revokeRequestedAt');
  const revokedAt = optionalTime('revokedAt');
  const trigger = fields['trigger'] === undefined ? undefined : oneOf<Trigger>('trigger', TRIGGERS);
  const reason = fields['reason'];
  const idempotencyKey = fields['idempotencyKey'];
  const lease: Lease = {
    id: text('id'),
    state: oneOf<LeaseState>('state', LEASE_STATES),
    owner: text('owner'),
    trustDomain: text('trustDomain'),
    taskId: text('taskId'),
    provider: text('provider'),
    providerKind: oneOf<ProviderKind>('providerKind', PROVIDER_KINDS),
    scope: Object.freeze(scope),
    handle: text('handle'),
    issuedAt: time('issuedAt'),
    expiresAt: time('expiresAt'),
    maxExpiresAt: time('maxExpiresAt'),
    renewals: time('renewals'),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(revokeRequestedAt === undefined ? {} : { revokeRequestedAt }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
    ...(trigger === undefined ? {} : { trigger }),
    ...(reason === undefined ? {} : { reason }),
  };
  return Object.freeze(lease);
}
