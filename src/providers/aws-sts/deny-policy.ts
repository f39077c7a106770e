import { leaseIdTime } from '../../core/index.js';
import { SESSION_NAME_PREFIX, leaseIdOfSessionName } from './session-identity.js';

// The role's inline policy that revokes STS sessions (which AWS cannot delete). Each statement
// denies everything to a set of sessions until a time its Sid carries, so warrant can prune it
// once those sessions have expired anyway:
//   WarrantRevokedUntil202611231805          sessions by aws:userid "*:warrant-<lease id>"
//   WarrantRevokedIssuedBefore20261123175133 every warrant session issued before that instant
// Statements with other Sids are not warrant's and are kept exactly as they are.

const UNTIL_SID = 'WarrantRevokedUntil';
const BEFORE_SID = 'WarrantRevokedIssuedBefore';
const UNTIL_RE = /^WarrantRevokedUntil(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const BEFORE_RE = /^WarrantRevokedIssuedBefore(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
/** Prune times are rounded up to this, so one statement serves all sessions ending in the same slot. */
export const BUCKET_MS = 5 * 60_000;
/** AWS's longest AssumeRole session: after this, nothing issued before a role-wide deny is alive. */
export const MAX_AWS_SESSION_MS = 12 * 3_600_000;

export interface DenyPolicy {
  /** Prune time (ms, a multiple of BUCKET_MS) → aws:userid patterns of the sessions denied until then. */
  readonly buckets: Map<number, Set<string>>;
  /** Every warrant session issued before this instant (ms, whole seconds) is denied. */
  issuedBefore: number | undefined;
  /** Statements warrant did not write. */
  readonly foreign: unknown[];
}

export class DenyPolicyFormatError extends Error {}

export function emptyDenyPolicy(): DenyPolicy {
  return { buckets: new Map(), issuedBefore: undefined, foreign: [] };
}

/** aws:userid of an assumed-role session is "<role id>:<session name>"; the role is implied. */
export function userIdPattern(sessionName: string): string {
  return `*:${sessionName}`;
}

export function parseDenyPolicy(document: string | undefined): DenyPolicy {
  const policy = emptyDenyPolicy();
  if (document === undefined) return policy;
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw new DenyPolicyFormatError('it is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) {
    throw new DenyPolicyFormatError('it has no Statement');
  }
  const raw = (parsed as { Statement: unknown }).Statement;
  const statements = Array.isArray(raw) ? raw : [raw];
  for (const statement of statements) {
    const sid = typeof statement === 'object' && statement !== null ? (statement as { Sid?: unknown }).Sid : undefined;
    const until = typeof sid === 'string' ? UNTIL_RE.exec(sid) : null;
    const before = typeof sid === 'string' ? BEFORE_RE.exec(sid) : null;
    if (until !== null) {
      const at = utc(until.slice(1));
      const patterns = (statement as { Condition?: { StringLike?: Record<string, unknown> } }).Condition?.StringLike?.['aws:userid'];
      const list = typeof patterns === 'string' ? [patterns] : Array.isArray(patterns) ? patterns : undefined;
      if (list === undefined || !list.every((p): p is string => typeof p === 'string')) {
        throw new DenyPolicyFormatError(`statement ${sid as string} has no aws:userid list`);
      }
      const bucket = policy.buckets.get(at) ?? new Set<string>();
      for (const p of list) bucket.add(p);
      policy.buckets.set(at, bucket);
    } else if (before !== null) {
      const at = utc(before.slice(1));
      policy.issuedBefore = Math.max(policy.issuedBefore ?? 0, at);
    } else {
      policy.foreign.push(statement);
    }
  }
  return policy;
}

export interface CoverOptions {
  /** How long after its lease's issue time a session can still have been issued at AWS (clock skew included). */
  readonly mintWindowMs: number;
  /** How far warrant's clock may be from AWS's. */
  readonly skewMs: number;
}

/** Whether the policy already denies this session (by name, or as issued before a role-wide deny). */
export function isDenied(policy: DenyPolicy, sessionName: string, options: CoverOptions): boolean {
  const pattern = userIdPattern(sessionName);
  for (const bucket of policy.buckets.values()) if (bucket.has(pattern)) return true;
  return surelyIssuedBefore(sessionName, policy.issuedBefore, options);
}

/** Denies the session until `untilMs` (rounded up to the bucket). */
export function addDeny(policy: DenyPolicy, sessionName: string, untilMs: number): void {
  const at = Math.ceil(untilMs / BUCKET_MS) * BUCKET_MS;
  const bucket = policy.buckets.get(at) ?? new Set<string>();
  bucket.add(userIdPattern(sessionName));
  policy.buckets.set(at, bucket);
}

/** Drops what can no longer matter: denies of sessions that have expired, names a role-wide deny covers. */
export function pruneDenies(policy: DenyPolicy, nowMs: number, options: CoverOptions): void {
  if (policy.issuedBefore !== undefined && policy.issuedBefore + MAX_AWS_SESSION_MS <= nowMs) policy.issuedBefore = undefined;
  for (const [at, bucket] of policy.buckets) {
    if (at <= nowMs) {
      policy.buckets.delete(at);
      continue;
    }
    for (const pattern of bucket) {
      if (surelyIssuedBefore(pattern.replace(/^\*:/, ''), policy.issuedBefore, options)) bucket.delete(pattern);
    }
    if (bucket.size === 0) policy.buckets.delete(at);
  }
}

/** The policy document, or undefined when nothing is left in it (the policy is then deleted). */
export function renderDenyPolicy(policy: DenyPolicy): string | undefined {
  const statements: unknown[] = [...policy.foreign];
  if (policy.issuedBefore !== undefined) {
    const at = new Date(policy.issuedBefore);
    statements.push({
      Sid: `${BEFORE_SID}${stamp(at, 14)}`,
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: {
        DateLessThan: { 'aws:TokenIssueTime': at.toISOString().replace(/\.\d{3}Z$/, 'Z') },
        StringLike: { 'aws:userid': userIdPattern(`${SESSION_NAME_PREFIX}*`) },
      },
    });
  }
  for (const at of [...policy.buckets.keys()].sort((a, b) => a - b)) {
    const patterns = [...policy.buckets.get(at)!].sort();
    statements.push({
      Sid: `${UNTIL_SID}${stamp(new Date(at), 12)}`,
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringLike: { 'aws:userid': patterns.length === 1 ? patterns[0] : patterns } },
    });
  }
  if (statements.length === 0) return undefined;
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** IAM counts a policy's size in characters other than white space. */
export function policySize(document: string): number {
  return document.replace(/\s/g, '').length;
}

/**
 * Makes the policy fit `limit` characters. First statements are merged (a merged set is denied
 * until the later of the two times: safe, only longer). If that is not enough, the revocation is
 * widened to a role-wide deny of every warrant session issued before now (less the clock skew, so
 * no session issued from now on is touched), keeping by name only the sessions too recent to be
 * sure AWS saw them issued before that. If even those do not fit, the deny reaches ahead to
 * now + mint window: every session issued until then is denied, so the caller must stop minting
 * until that instant ('widened-ahead').
 */
export function fitDenyPolicy(policy: DenyPolicy, limit: number, nowMs: number, options: CoverOptions): 'fits' | 'widened' | 'widened-ahead' {
  const fits = () => policySize(renderDenyPolicy(policy) ?? '') <= limit;
  while (!fits() && policy.buckets.size > 1) {
    const [first, second] = [...policy.buckets.keys()].sort((a, b) => a - b) as [number, number];
    const merged = policy.buckets.get(second)!;
    for (const p of policy.buckets.get(first)!) merged.add(p);
    policy.buckets.delete(first);
  }
  if (fits()) return 'fits';
  policy.issuedBefore = Math.max(policy.issuedBefore ?? 0, Math.floor((nowMs - options.skewMs) / 1000) * 1000);
  pruneDenies(policy, nowMs, options);
  if (fits()) return 'widened';
  policy.issuedBefore = Math.ceil((nowMs + options.mintWindowMs) / 1000) * 1000;
  policy.buckets.clear();
  return 'widened-ahead';
}

function surelyIssuedBefore(sessionName: string, issuedBefore: number | undefined, options: CoverOptions): boolean {
  if (issuedBefore === undefined) return false;
  const leaseId = leaseIdOfSessionName(sessionName);
  return leaseId !== undefined && leaseIdTime(leaseId) + options.mintWindowMs < issuedBefore;
}

function utc(parts: readonly string[]): number {
  const [y, mo, d, h, mi, s] = parts.map(Number) as [number, number, number, number, number, number | undefined];
  return Date.UTC(y, mo - 1, d, h, mi, s ?? 0);
}

function stamp(at: Date, digits: 12 | 14): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, digits);
}
