// Three ways to spend less per decision without changing any decision:
//
//  - A slice holds only the policies whose head can match the request: its action, its provider
//    and its principal (the groups a `principal in Group::"…"` head names, the workload a
//    `principal == Workload::"…"` head names). A policy whose head does not match is never
//    satisfied and its condition is never evaluated, so leaving it out changes neither the
//    decision, nor the determining policies, nor the errors.
//  - A request shape says which entities, attributes and context fields the slice's policies can
//    read at all. Turning a request into Cedar's form costs more than evaluating it; what no policy
//    of the slice names cannot change its outcome, so it is not sent. Names are found in the policy
//    text, comments included: a name found by mistake only costs time.
//  - Policies that read nothing but the principal, the action and the resource (no context, no task)
//    give the same answer for every request of that principal on that resource; the engine asks
//    Cedar about them apart and remembers the answer (see PolicyEngine).
import type { ActionConstraint, EntityUidJson, PolicyJson, PrincipalConstraint, ResourceConstraint } from '@cedar-policy/cedar-wasm/nodejs';

/** What a policy's head allows: undefined means any (or cannot be told without the schema). */
export interface PolicyHead {
  readonly actions: ReadonlySet<string> | undefined;
  readonly provider: string | undefined;
  /** The group the principal must be in (`principal in Group::"g"`). */
  readonly group: string | undefined;
  /** The workload the principal must be (`principal == Workload::"id"`, or `in` it: workloads have only groups above them). */
  readonly workload: string | undefined;
}

export const CONTEXT_FIELDS = ['task', 'scope', 'ttlSeconds', 'nowEpochSeconds', 'hourOfDayUtc', 'dayOfWeekUtc', 'delegate'] as const;
export type ContextField = (typeof CONTEXT_FIELDS)[number];
export const TASK_ATTRIBUTES = ['purpose', 'depth', 'chain', 'tools', 'credentialsIssued', 'deviations'] as const;
export type TaskAttribute = (typeof TASK_ATTRIBUTES)[number];

/** What to send for one slice. */
export interface RequestShape {
  readonly context: ReadonlySet<ContextField>;
  /** The Task entity is sent when any of its attributes or tags can be read. */
  readonly taskAttributes: ReadonlySet<TaskAttribute>;
  readonly taskTags: boolean;
  /** The tags read by name; undefined: any tag may be read (a tag named by an expression). */
  readonly taskTagNames: ReadonlySet<string> | undefined;
  /** The groups some policy names; undefined: every group the workload is in. */
  readonly groups: ReadonlySet<string> | undefined;
  readonly workloadTrustDomain: boolean;
  readonly workloadPath: boolean;
  /** The Provider entity carries only `kind`. */
  readonly providerKind: boolean;
  /** The delegate's entity is sent (with context.delegate, or for a `Workload::"…"` literal that may name it). */
  readonly delegateEntity: boolean;
}

export const FULL_SHAPE: RequestShape = Object.freeze({
  context: new Set(CONTEXT_FIELDS),
  taskAttributes: new Set(TASK_ATTRIBUTES),
  taskTags: true,
  taskTagNames: undefined,
  groups: undefined,
  workloadTrustDomain: true,
  workloadPath: true,
  providerKind: true,
  delegateEntity: true,
});

function uidOf(json: EntityUidJson): { type: string; id: string } {
  return '__entity' in json ? json.__entity : json;
}

export function policyHead(json: PolicyJson): PolicyHead {
  return { actions: actionsOf(json.action), provider: providerOf(json.resource), ...principalOf(json.principal) };
}

/** What a principal constraint requires; any form not read here (e.g. `is`) is taken to admit every workload. */
function principalOf(c: PrincipalConstraint): { group: string | undefined; workload: string | undefined } {
  const any = { group: undefined, workload: undefined };
  let uid: { type: string; id: string } | undefined;
  if ((c.op === '==' || c.op === 'in') && 'entity' in c) uid = uidOf(c.entity);
  else if (c.op === 'is' && c.entity_type === 'Workload' && c.in !== undefined && 'entity' in c.in) uid = uidOf(c.in.entity);
  if (uid === undefined) return any;
  if (uid.type === 'Workload') return { group: undefined, workload: uid.id };
  // `principal == Group::"g"` can never hold for a workload: left to Cedar, as any.
  if (uid.type === 'Group' && c.op !== '==') return { group: uid.id, workload: undefined };
  return any;
}

function actionsOf(c: ActionConstraint): ReadonlySet<string> | undefined {
  if (c.op === '==' && 'entity' in c) return new Set([uidOf(c.entity).id]);
  // `in` a single action may be an action group, which only the schema resolves: any.
  if (c.op === 'in' && 'entities' in c) return new Set(c.entities.map((e) => uidOf(e).id));
  return undefined;
}

function providerOf(c: ResourceConstraint): string | undefined {
  if (c.op === '==' && 'entity' in c) {
    const uid = uidOf(c.entity);
    if (uid.type === 'Provider') return uid.id;
  }
  return undefined;
}

/** Whether a policy with this head can apply to (action, provider). */
export function headMatches(head: PolicyHead, action: string, provider: string | undefined): boolean {
  if (head.actions !== undefined && !head.actions.has(action)) return false;
  return head.provider === undefined || head.provider === provider;
}

/**
 * Whether a policy with this head can apply to a workload in `groups` (the groups some head names
 * that it is in) and named `workload` (undefined unless some head names it). The engine sends a
 * workload's groups as its only parents, so `principal in Group::"g"` holds exactly when g is one of them.
 */
export function headAdmits(head: PolicyHead, groups: ReadonlySet<string>, workload: string | undefined): boolean {
  if (head.group !== undefined && !groups.has(head.group)) return false;
  return head.workload === undefined || head.workload === workload;
}

const CONTEXT_WORD = /\bcontext\b/;
// For `Task::"…"` and `Workload::"…"` literals the type's name alone is looked for: a comment may
// stand between it and `::`, and a name found elsewhere only costs time.
const TASK_LITERAL = /\bTask\b/;
const WORKLOAD_LITERAL = /\bWorkload\b/;

/**
 * Whether a policy can read nothing but the principal (its attributes and groups), the action and
 * the resource: then its answer is the same for every request of that principal on that resource.
 * Context and the task can only be reached through `context` or a `Task::"…"` literal; for a
 * delegate request a `Workload::"…"` literal may name the delegate, which is sent only with the request.
 */
export function readsOnlyPrincipal(text: string, action: string): boolean {
  if (CONTEXT_WORD.test(text) || TASK_LITERAL.test(text)) return false;
  return action !== 'delegate' || !WORKLOAD_LITERAL.test(text);
}

const WHOLE_CONTEXT = /\bcontext\b(?!\s*(\.|\bhas\b))/;

/** The least a request must carry for policies with these texts to see everything they can read. */
export function shapeOf(texts: readonly string[]): RequestShape {
  const all = texts.join('\n');
  const names = (list: readonly string[]): Set<string> => new Set(list.filter((n) => new RegExp(`\\b${n}\\b`).test(all)));
  if (WHOLE_CONTEXT.test(all)) return FULL_SHAPE;
  const context = names(CONTEXT_FIELDS) as Set<ContextField>;
  // A `Task::"…"` literal reaches the task entity too, when it names the request's task.
  const readsTask = context.has('task') || TASK_LITERAL.test(all);
  const taskAttributes = readsTask ? (names(TASK_ATTRIBUTES) as Set<TaskAttribute>) : new Set<TaskAttribute>();
  const taskTags = readsTask && /\b(hasTag|getTag)\b/.test(all);
  return {
    context,
    taskAttributes,
    taskTags,
    taskTagNames: taskTags ? literalTagNames(all) : new Set(),
    groups: groupNames(all),
    workloadTrustDomain: /\btrustDomain\b/.test(all),
    workloadPath: /\bpath\b/.test(all),
    providerKind: /\bkind\b/.test(all),
    delegateEntity: context.has('delegate') || WORKLOAD_LITERAL.test(all),
  };
}

const TAG_CALL = /\b(?:hasTag|getTag)\s*\(/g;
const LITERAL_TAG_CALL = /\b(?:hasTag|getTag)\s*\(\s*"([a-z0-9_.-]*)"\s*\)/g;

/** Tag names read with a plain literal; undefined when any tag call reads another expression. */
function literalTagNames(text: string): ReadonlySet<string> | undefined {
  const literal = [...text.matchAll(LITERAL_TAG_CALL)];
  if (literal.length !== [...text.matchAll(TAG_CALL)].length) return undefined;
  return new Set(literal.map((m) => m[1]!));
}

/** Group names that appear as a string literal anywhere: a group can only be named by one. */
function groupNames(text: string): ReadonlySet<string> | undefined {
  if (!/\bGroup\b/.test(text)) return new Set();
  return new Set([...text.matchAll(/"([A-Za-z0-9_.-]{1,64})"/g)].map((m) => m[1]!));
}
