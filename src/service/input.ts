import { WarrantError, isLeaseId } from '../core/index.js';

// Bounds on what a caller may send. Everything here ends up in policy context, leases and audit,
// so sizes are capped and characters restricted before anything else looks at it.
const TASK_ID_RE = /^[A-Za-z0-9._:@/-]{1,128}$/;
const ATTR_KEY_RE = /^[a-z0-9_.-]{1,64}$/;
const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const PROVIDER_RE = /^[a-z][a-z0-9-]{0,62}$/;
const MAX_PURPOSE = 1024;
const MAX_ATTRS = 32;
const MAX_ATTR_VALUE = 256;
const MAX_SCOPES = 64;
const MAX_SCOPE_LEN = 256;
const MAX_REASON = 512;

/** A caller-supplied value quoted safely in an error message. */
export function quote(value: string, max = 64): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}

function bad(message: string): never {
  throw new WarrantError('ERR_INVALID_ARGUMENT', message);
}

export function checkTaskId(id: string, field = 'task.id'): string {
  if (id === '') bad(`${field} is required`);
  if (!TASK_ID_RE.test(id)) bad(`${field} ${quote(id)} must be 1-128 characters of A-Z a-z 0-9 . _ : @ / -`);
  return id;
}

export function checkLeaseId(id: string): string {
  if (id === '') bad('lease_id is required');
  if (!isLeaseId(id)) bad(`lease_id ${quote(id)} is not a lease id (26 lower-case base32 characters)`);
  return id;
}

export function checkProviderName(name: string): string {
  if (name === '') bad('provider is required');
  if (!PROVIDER_RE.test(name)) bad(`provider ${quote(name)} is not a provider name`);
  return name;
}

export function checkPurpose(purpose: string): string {
  if (purpose.length > MAX_PURPOSE) bad(`task.purpose is longer than ${MAX_PURPOSE} characters`);
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(purpose)) bad('task.purpose contains control characters');
  return purpose;
}

export function checkAttributes(attrs: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const entries = Object.entries(attrs);
  if (entries.length > MAX_ATTRS) bad(`task.attributes has ${entries.length} entries; at most ${MAX_ATTRS} are allowed`);
  for (const [k, v] of entries) {
    if (!ATTR_KEY_RE.test(k)) bad(`task.attributes key ${quote(k)} must be 1-64 characters of a-z 0-9 _ . -`);
    if (v.length > MAX_ATTR_VALUE) bad(`task.attributes[${quote(k)}] is longer than ${MAX_ATTR_VALUE} characters`);
    if (/[\u0000-\u001f\u007f]/.test(v)) bad(`task.attributes[${quote(k)}] contains control characters`);
  }
  return Object.freeze(Object.fromEntries(entries));
}

export function checkScope(scope: readonly string[]): readonly string[] {
  if (scope.length > MAX_SCOPES) bad(`scope has ${scope.length} entries; at most ${MAX_SCOPES} are allowed`);
  for (const s of scope) {
    if (s.length === 0) bad('scope entries must not be empty');
    if (s.length > MAX_SCOPE_LEN) bad(`scope entry ${quote(s)} is longer than ${MAX_SCOPE_LEN} characters`);
  }
  return scope;
}

export function checkIdempotencyKey(key: string): string | undefined {
  if (key === '') return undefined;
  if (!IDEMPOTENCY_KEY_RE.test(key)) bad(`idempotency_key ${quote(key)} must be 1-128 characters of A-Z a-z 0-9 . _ : -`);
  return key;
}

export function checkReason(reason: string, required: boolean): string | undefined {
  if (reason === '') {
    if (required) bad('reason is required');
    return undefined;
  }
  if (reason.length > MAX_REASON) bad(`reason is longer than ${MAX_REASON} characters`);
  if (/[\u0000-\u001f\u007f]/.test(reason)) bad('reason contains control characters');
  return reason;
}
