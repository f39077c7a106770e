// Tasks and approvals as Redis hash fields, and back. Lists and maps are JSON; numbers are decimal
// text. Decoding checks every field, so a corrupted record fails loudly instead of granting anything.
import { TRIGGERS, type Trigger } from '../../core/index.js';
import { APPROVAL_STATES, type Approval, type ApprovalState, type NewApproval } from '../approval.js';
import { DEVIATION_KINDS, TASK_STATES, type Deviation, type NewTask, type TaskRecord, type TaskState, type ToolGrant } from '../task.js';
import { unexpectedReply } from './redis-failure.js';

type Fields = Record<string, string>;

export function taskFields(task: NewTask): string[] {
  const f: string[] = [
    'id', task.id,
    'owner', task.owner,
    'trustDomain', task.trustDomain,
    'purpose', task.purpose,
    'attributes', JSON.stringify(task.attributes),
    'tools', JSON.stringify(task.tools.map((t) => ({ provider: t.provider, scope: [...t.scope] }))),
    'maxCredentials', String(task.budget.maxCredentials),
    'maxConcurrentLeases', String(task.budget.maxConcurrentLeases),
    'maxLifetimeMs', String(task.budget.maxLifetimeMs),
    'ancestors', JSON.stringify(task.ancestors),
    'chain', JSON.stringify(task.chain),
    'openedAt', String(task.openedAt),
    'expiresAt', String(task.expiresAt),
  ];
  if (task.parentId !== undefined) f.push('parentId', task.parentId);
  return f;
}

export function approvalFields(a: NewApproval): string[] {
  return [
    'id', a.id,
    'requester', a.requester,
    'taskId', a.taskId,
    'purpose', a.purpose,
    'attributes', JSON.stringify(a.attributes),
    'provider', a.provider,
    'scope', JSON.stringify(a.scope),
    'ttlMs', String(a.ttlMs),
    'requestDigest', a.requestDigest,
    'policies', JSON.stringify(a.policies),
    'policyVersion', a.policyVersion,
    'createdAt', String(a.createdAt),
    'expiresAt', String(a.expiresAt),
  ];
}

/** Field/value pairs from a script reply, starting at `from`, up to the end or a `|` separator. */
export function pairs(reply: readonly unknown[], from: number, operation: string): { fields: Fields; next: number } {
  const fields: Fields = {};
  let i = from;
  while (i < reply.length && reply[i] !== '|') {
    const k = reply[i];
    const v = reply[i + 1];
    if (typeof k !== 'string' || typeof v !== 'string') throw unexpectedReply(operation);
    fields[k] = v;
    i += 2;
  }
  return { fields, next: i };
}

/** A list a script packed as one JSON array: far cheaper for the client to read than a nested reply. */
export function packedList(value: unknown, operation: string): unknown[] {
  if (typeof value !== 'string') throw unexpectedReply(operation);
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch {
    throw unexpectedReply(operation);
  }
  if (!Array.isArray(list)) throw unexpectedReply(operation);
  return list;
}

/** The fields of a hash a script packed as one JSON array (field, value, …). */
export function packedFields(value: unknown, operation: string): Fields {
  return pairs(packedList(value, operation), 0, operation).fields;
}

export function hgetallFields(value: unknown, operation: string): Fields | undefined {
  if (value === null || typeof value !== 'object') throw unexpectedReply(operation);
  const fields = value as Fields;
  return Object.keys(fields).length === 0 ? undefined : fields;
}

/** Typed reads of a hash reply's fields; anything missing or malformed is an unexpected reply. */
function fieldReader(f: Fields, operation: string) {
  const bad = () => unexpectedReply(operation);
  const text = (k: string): string => {
    const v = f[k];
    if (v === undefined) throw bad();
    return v;
  };
  const int = (k: string): number => {
    const n = Number(text(k));
    if (!Number.isSafeInteger(n)) throw bad();
    return n;
  };
  const json = <T>(k: string, check: (v: unknown) => v is T): T => {
    let v: unknown;
    try {
      v = JSON.parse(text(k));
    } catch {
      throw bad();
    }
    if (!check(v)) throw bad();
    return v;
  };
  return { bad, text, int, json };
}

export function decodeTask(f: Fields, liveLeases: number, operation: string): TaskRecord {
  const { bad, text, int, json } = fieldReader(f, operation);
  const state = text('state');
  if (!(TASK_STATES as readonly string[]).includes(state)) throw bad();
  const trigger = f['trigger'];
  if (trigger !== undefined && !(TRIGGERS as readonly string[]).includes(trigger)) throw bad();
  const record: TaskRecord = {
    id: text('id'),
    owner: text('owner'),
    trustDomain: text('trustDomain'),
    purpose: text('purpose'),
    attributes: Object.freeze(json('attributes', isStringMap)),
    tools: Object.freeze(json('tools', isTools).map((t) => Object.freeze({ provider: t.provider, scope: Object.freeze([...t.scope]) }))),
    budget: Object.freeze({ maxCredentials: int('maxCredentials'), maxConcurrentLeases: int('maxConcurrentLeases'), maxLifetimeMs: int('maxLifetimeMs') }),
    ancestors: Object.freeze(json('ancestors', isStrings)),
    chain: Object.freeze(json('chain', isStrings)),
    openedAt: int('openedAt'),
    expiresAt: int('expiresAt'),
    state: state as TaskState,
    credentialsIssued: int('credentialsIssued'),
    liveLeases,
    deviations: int('deviations'),
    ...(f['parentId'] === undefined ? {} : { parentId: f['parentId'] }),
    ...(f['endedAt'] === undefined ? {} : { endedAt: int('endedAt') }),
    ...(trigger === undefined ? {} : { trigger: trigger as Trigger }),
    ...(f['reason'] === undefined ? {} : { reason: f['reason'] }),
  };
  return Object.freeze(record);
}

export function decodeApproval(f: Fields, operation: string): Approval {
  const { bad, text, int, json } = fieldReader(f, operation);
  const state = text('state');
  if (!(APPROVAL_STATES as readonly string[]).includes(state)) throw bad();
  return Object.freeze({
    id: text('id'),
    requester: text('requester'),
    taskId: text('taskId'),
    purpose: text('purpose'),
    attributes: Object.freeze(json('attributes', isStringMap)),
    provider: text('provider'),
    scope: Object.freeze(json('scope', isStrings)),
    ttlMs: int('ttlMs'),
    requestDigest: text('requestDigest'),
    policies: Object.freeze(json('policies', isStrings)),
    policyVersion: text('policyVersion'),
    createdAt: int('createdAt'),
    expiresAt: int('expiresAt'),
    state: state as ApprovalState,
    ...(f['decidedBy'] === undefined ? {} : { decidedBy: f['decidedBy'] }),
    ...(f['decidedAt'] === undefined ? {} : { decidedAt: int('decidedAt') }),
    ...(f['reason'] === undefined ? {} : { reason: f['reason'] }),
    ...(f['usedAt'] === undefined ? {} : { usedAt: int('usedAt') }),
    ...(f['leaseId'] === undefined ? {} : { leaseId: f['leaseId'] }),
    ...(f['idempotencyKey'] === undefined ? {} : { idempotencyKey: f['idempotencyKey'] }),
  });
}

export function encodeDeviation(d: Deviation): string {
  return JSON.stringify({ kind: d.kind, provider: d.provider, scope: d.scope, at: d.at, detail: d.detail });
}

export function decodeDeviation(text: unknown, operation: string): Deviation {
  let v: unknown;
  try {
    v = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    v = undefined;
  }
  const d = v as Partial<Deviation> | undefined;
  if (
    d === undefined ||
    d === null ||
    !(DEVIATION_KINDS as readonly unknown[]).includes(d.kind) ||
    typeof d.provider !== 'string' ||
    !isStrings(d.scope) ||
    typeof d.at !== 'number' ||
    typeof d.detail !== 'string'
  ) {
    throw unexpectedReply(operation);
  }
  return Object.freeze({ kind: d.kind!, provider: d.provider, scope: Object.freeze([...d.scope]), at: d.at, detail: d.detail });
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string');
}

function isTools(v: unknown): v is ToolGrant[] {
  return Array.isArray(v) && v.every((t) => typeof t === 'object' && t !== null && typeof (t as ToolGrant).provider === 'string' && isStrings((t as ToolGrant).scope));
}
