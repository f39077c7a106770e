import { WarrantError } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';

// Scope entries for aws-sts: `ACTION[,ACTION…]=RESOURCE_ARN`, e.g. `s3:GetObject=arn:aws:s3:::reports/*`.
// The entry splits at its first '=': action names never hold one, an ARN may.

export const SCOPE_GRAMMAR = 'ACTION[,ACTION…]=RESOURCE_ARN (e.g. s3:GetObject=arn:aws:s3:::reports/*)';

/** One parsed entry: actions normalised (service prefix in lower case), duplicates dropped. */
export interface AwsScopeEntry {
  readonly actions: readonly string[];
  readonly resource: string;
}

/** The ceiling: per resource pattern, the action patterns a session may ever be allowed. */
export type AwsCeiling = readonly AwsScopeEntry[];

const SERVICE_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const ACTION_NAME_RE = /^[A-Za-z0-9*?]{1,128}$/;
const PARTITION_RE = /^aws(-[a-z]+)*$/;
const ARN_SERVICE_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const REGION_RE = /^[a-z0-9*?-]{0,64}$/;
// Empty, a 12-digit account id, or a pattern with wildcards.
const ACCOUNT_RE = /^(|\d{12}|(?=.*[*?])[0-9*?]{1,12})$/;
// Printable ASCII without space, quote, backslash and the characters of IAM policy variables (${…}).
const ARN_RESOURCE_RE = /^[\x21\x23\x25-\x5b\x5d-\x7a\x7c\x7e]+$/;
const MAX_ARN_LENGTH = 2048;
/** AWS's limit on the plaintext of an inline session policy. */
export const MAX_SESSION_POLICY_LENGTH = 2048;

/** Why `text` is not an IAM action name (`service:Action`, `*` and `?` allowed in the action part). */
export function actionProblem(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return 'an action is service:Action, e.g. s3:GetObject';
  const service = text.slice(0, colon);
  const action = text.slice(colon + 1);
  if (service === '*' || service.includes('*') || service.includes('?')) return 'the service prefix must be named, without wildcards';
  if (!SERVICE_RE.test(service.toLowerCase())) return 'the service prefix must be letters, digits and -';
  if (!ACTION_NAME_RE.test(action)) return 'the action name must be 1-128 letters and digits, with * and ? as wildcards';
  return undefined;
}

/** Why `text` is not a resource ARN (or `*`) warrant accepts. */
export function arnProblem(text: string): string | undefined {
  if (text === '*') return undefined;
  if (text.length > MAX_ARN_LENGTH) return `it is longer than ${MAX_ARN_LENGTH} characters`;
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return 'a resource is an ARN, arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, or *';
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  const resource = parts.slice(5).join(':');
  if (!PARTITION_RE.test(partition)) return `partition ${quoteForMessage(partition)} is not an AWS partition`;
  if (!ARN_SERVICE_RE.test(service)) return `service ${quoteForMessage(service)} must be lower-case letters, digits and -`;
  if (!REGION_RE.test(region)) return `region ${quoteForMessage(region)} must be lower-case letters, digits and -`;
  if (!ACCOUNT_RE.test(account)) return `account ${quoteForMessage(account)} must be a 12-digit account id`;
  if (resource === '') return 'the resource part is empty';
  if (!ARN_RESOURCE_RE.test(resource)) {
    return 'the resource part must be printable ASCII without spaces, quotes, backslashes or policy variables (${…})';
  }
  return undefined;
}

/**
 * Whether every string `text` can stand for is also matched by `pattern`. Both may hold IAM's
 * wildcards: a `*` in `text` is covered only by a `*` in `pattern`, a `?` by `*` or `?`. Sound, not
 * complete: a cover that needs reasoning across wildcards is refused, never granted by mistake.
 */
export function globCovers(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const pc = pattern[p];
    const tc = text[t]!;
    if (pc !== undefined && pc !== '*' && (pc === '?' ? tc !== '*' : pc === tc)) {
      p++;
      t++;
    } else if (pc === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      // Let the last `*` of the pattern absorb one more character, and retry from there.
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The lower-cased form actions are compared in: IAM action names are case-insensitive. */
function actionKey(action: string): string {
  return action.toLowerCase();
}

function normaliseAction(action: string): string {
  const colon = action.indexOf(':');
  return `${action.slice(0, colon).toLowerCase()}${action.slice(colon)}`;
}

/** Parses one entry; `fail` turns a problem into the caller's error. Duplicated actions are dropped. */
export function parseAwsScopeEntry(text: string, fail: (problem: string) => never): AwsScopeEntry {
  const eq = text.indexOf('=');
  if (eq < 0) fail(`it is not ${SCOPE_GRAMMAR}`);
  const actionsText = text.slice(0, eq);
  const resource = text.slice(eq + 1);
  if (actionsText === '') fail('it names no action before =');
  const actions: string[] = [];
  const seen = new Set<string>();
  for (const action of actionsText.split(',')) {
    if (action === '') fail('it has an empty action (two commas, or a comma at an end)');
    const problem = actionProblem(action);
    if (problem !== undefined) fail(`action ${quoteForMessage(action)}: ${problem}`);
    const key = actionKey(action);
    if (seen.has(key)) continue;
    seen.add(key);
    actions.push(normaliseAction(action));
  }
  const problem = arnProblem(resource);
  if (problem !== undefined) fail(`resource ${quoteForMessage(resource)}: ${problem}`);
  return Object.freeze({ actions: Object.freeze(actions), resource });
}

export function formatAwsScopeEntry(entry: AwsScopeEntry): string {
  return `${entry.actions.join(',')}=${entry.resource}`;
}

/**
 * The first action of `entry` that no ceiling entry allows on its resource, or undefined when
 * the ceiling covers all of it. An action is allowed when one ceiling entry covers both the
 * resource and the action.
 */
export function outsideCeiling(entry: AwsScopeEntry, ceiling: AwsCeiling): { action?: string } | undefined {
  const covering = ceiling.filter((c) => globCovers(c.resource, entry.resource));
  if (covering.length === 0) return {};
  for (const action of entry.actions) {
    const key = actionKey(action);
    if (!covering.some((c) => c.actions.some((allowed) => globCovers(actionKey(allowed), key)))) return { action };
  }
  return undefined;
}

/**
 * Checks requested entries against the ceiling and returns them in canonical form: entries for
 * the same resource merged, duplicates dropped, first appearance kept. An empty request yields the
 * defaults. Anything outside the ceiling is refused, never trimmed: the session can do exactly
 * what the caller was told.
 */
export function resolveAwsScope(
  requested: readonly string[],
  ceiling: AwsCeiling,
  defaults: readonly string[],
  providerName: string,
): readonly string[] {
  const texts = requested.length === 0 ? defaults : requested;
  if (texts.length === 0) {
    throw new WarrantError(
      'ERR_SCOPE_INVALID',
      `provider '${providerName}' needs a scope: name at least one ${SCOPE_GRAMMAR} (a session without one could do everything the role can)`,
    );
  }
  const entries = checkedEntries(texts, ceiling, providerName);
  const policy = sessionPolicyFor(entries);
  if (policy.length > MAX_SESSION_POLICY_LENGTH) {
    throw new WarrantError(
      'ERR_SCOPE_INVALID',
      `the session policy for this scope is ${policy.length} characters; AWS allows ${MAX_SESSION_POLICY_LENGTH}: request fewer entries or use wildcards the ceiling of provider '${providerName}' allows`,
    );
  }
  return entries.map(formatAwsScopeEntry);
}

/** Parses resolved entries and checks them against the ceiling again; for mint, the last line. */
export function checkedEntries(texts: readonly string[], ceiling: AwsCeiling, providerName: string): AwsScopeEntry[] {
  const byResource = new Map<string, { actions: string[]; keys: Set<string> }>();
  for (const text of texts) {
    // Typed as strings, but a caller outside TypeScript may still slip anything in.
    if (typeof text !== 'string') {
      throw new WarrantError('ERR_SCOPE_INVALID', `every scope entry requested from provider '${providerName}' must be a string`);
    }
    const fail = (problem: string): never => {
      throw new WarrantError('ERR_SCOPE_INVALID', `scope entry ${quoteForMessage(text)} for provider '${providerName}': ${problem}`);
    };
    const entry = parseAwsScopeEntry(text, fail);
    const outside = outsideCeiling(entry, ceiling);
    if (outside !== undefined) {
      fail(
        outside.action === undefined
          ? `resource ${quoteForMessage(entry.resource)} is outside the ceiling`
          : `action ${quoteForMessage(outside.action)} on ${quoteForMessage(entry.resource)} is outside the ceiling`,
      );
    }
    let merged = byResource.get(entry.resource);
    if (merged === undefined) {
      merged = { actions: [], keys: new Set() };
      byResource.set(entry.resource, merged);
    }
    for (const action of entry.actions) {
      const key = actionKey(action);
      if (merged.keys.has(key)) continue;
      merged.keys.add(key);
      merged.actions.push(action);
    }
  }
  return [...byResource].map(([resource, { actions }]) => Object.freeze({ actions: Object.freeze(actions), resource }));
}

/** The inline session policy: one Allow statement per resource, compact JSON (AWS counts its characters). */
export function sessionPolicyFor(entries: readonly AwsScopeEntry[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: entries.map((e) => ({
      Effect: 'Allow',
      Action: e.actions.length === 1 ? e.actions[0] : e.actions,
      Resource: e.resource,
    })),
  });
}
