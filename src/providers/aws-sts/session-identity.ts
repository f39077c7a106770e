import { createHash } from 'node:crypto';
import { isLeaseId } from '../../core/index.js';

// What CloudTrail shows about a session: its name, source identity and tags tie each call to the
// workload, task and lease that obtained it.

export const SESSION_NAME_PREFIX = 'warrant-';
const SOURCE_IDENTITY_RE = /^[\w+=,.@-]{2,64}$/;
const MAX_TAG_VALUE = 256;

/** The role session name of a lease: `warrant-<lease id>` (34 characters; AWS allows 64 of [\w+=,.@-]). */
export function sessionNameFor(leaseId: string): string {
  return `${SESSION_NAME_PREFIX}${leaseId}`;
}

/** The lease id a session name was derived from, or undefined when it is not one of ours. */
export function leaseIdOfSessionName(name: string): string | undefined {
  if (!name.startsWith(SESSION_NAME_PREFIX)) return undefined;
  const id = name.slice(SESSION_NAME_PREFIX.length);
  return isLeaseId(id) ? id : undefined;
}

/**
 * SourceIdentity allows only [\w+=,.@-] and 64 characters, so the SPIFFE ID is written without
 * its scheme and with '/' as '+' (which no SPIFFE ID contains): spiffe://example.org/agents/a →
 * example.org+agents+a. A longer ID becomes `spiffe-sha256=` and its hash; the session tags and
 * the audit log still carry it in full.
 */
export function sourceIdentityFor(spiffeId: string): string {
  const compact = spiffeId.replace(/^spiffe:\/\//, '').replaceAll('/', '+');
  if (SOURCE_IDENTITY_RE.test(compact)) return compact;
  return `spiffe-sha256=${createHash('sha256').update(spiffeId).digest('base64url')}`;
}

export interface SessionTag {
  readonly Key: string;
  readonly Value: string;
}

/**
 * Session tags (principal tags inside AWS: usable as aws:PrincipalTag/warrant:task in policies).
 * A delegated task adds the SPIFFE IDs that delegated it, root first, separated by spaces.
 */
export function sessionTagsFor(t: {
  spiffeId: string;
  trustDomain: string;
  taskId: string;
  leaseId: string;
  provider: string;
  actorChain?: readonly string[] | undefined;
}): SessionTag[] {
  const tags = [
    { Key: 'warrant:spiffe-id', Value: tagValue(t.spiffeId) },
    { Key: 'warrant:trust-domain', Value: tagValue(t.trustDomain) },
    { Key: 'warrant:task', Value: tagValue(t.taskId) },
    { Key: 'warrant:lease', Value: t.leaseId },
    { Key: 'warrant:provider', Value: t.provider },
  ];
  if (t.actorChain !== undefined && t.actorChain.length > 0) tags.push({ Key: 'warrant:delegated-by', Value: tagValue(t.actorChain.join(' ')) });
  return tags;
}

// SPIFFE IDs and task ids use only characters tags allow; only the length can be too much.
function tagValue(text: string): string {
  if (text.length <= MAX_TAG_VALUE) return text;
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
