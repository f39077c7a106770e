// The form a part's policies are evaluated in. Cedar's cost per call grows with every entity and
// every reference it has to build, so two rewrites of the policies' JSON form spare it work
// without changing any decision, determining policy or error:
//
//  - Every slice (slices.ts) holds a policy only for requests its head's action list and
//    `resource == Provider::"p"` admit, so those constraints hold by construction and are dropped.
//    In a slice narrowed to the principal's groups, so is a head's `principal in Group::"g"`,
//    `principal == Workload::"w"` or `principal is Workload in …` (`is Workload` kept); and when no
//    condition reads the principal either, the call carries no workload entity at all.
//  - When every use of `context.task` is an attribute read (`.depth`, `has purpose`) or a tag
//    read by a literal name (`hasTag("env")`, `getTag("env")`), the task's attributes and tags
//    travel as fields of the context itself, named `task:<attribute>` and `tag:<name>` (names no
//    schema-checked policy can write), and the reads become reads of those fields
//    (`context["task:depth"]`, `context has "tag:env"`, `context["tag:env"]`; `context has task`,
//    always true when the task is sent, becomes `true`): no Task entity, no entity reference, no
//    nested record. Any other use (compared, `in`, `is`, a tag named by an expression, a
//    `Task::"…"` literal, the context used whole) keeps the entity for the whole part. The schema
//    check at load already refuses a tag read that is not guarded by its hasTag, so a missing tag
//    is never read in either form.
//
// The differential tests in test/policy/slices.test.ts hold the engine to Cedar's own answer on the
// source policies, whole request and whole set: decision, determining policies and every error.
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyHead } from './slices.js';

export interface EvaluationForm {
  /** The policies as Cedar is to evaluate them (JSON form, or source text), by id. */
  readonly policies: Record<string, string | PolicyJson>;
  /** The task's attributes and tags go as context fields `task:<attribute>` and `tag:<name>`, with no Task entity. */
  readonly taskInContext: boolean;
  /** Whether the call must carry the workload entity: some head or condition can still read it. */
  readonly principalEntity: boolean;
}

type Expr = Record<string, unknown>;

const CONTEXT = JSON.stringify({ Var: 'context' });
const CONTEXT_TASK = JSON.stringify({ '.': { left: { Var: 'context' }, attr: 'task' } });

function isContext(e: unknown): boolean {
  return typeof e === 'object' && e !== null && JSON.stringify(e) === CONTEXT;
}

function isContextTask(e: unknown): boolean {
  return typeof e === 'object' && e !== null && JSON.stringify(e) === CONTEXT_TASK;
}

/**
 * The head with what its slice guarantees dropped, read from the head slices.ts parsed (the one
 * reading of what a head constrains): its action list and provider always, its group or workload
 * when the slice is narrowed to the principal (`is Workload` stays).
 */
function guaranteedFree(json: PolicyJson, head: PolicyHead, narrowed: boolean): Pick<PolicyJson, 'principal' | 'action' | 'resource'> {
  const principalKnown = narrowed && (head.group !== undefined || head.workload !== undefined);
  return {
    principal: !principalKnown ? json.principal : json.principal.op === 'is' ? { op: 'is', entity_type: 'Workload' } : { op: 'All' },
    action: head.actions === undefined ? json.action : { op: 'All' },
    resource: head.provider === undefined ? json.resource : { op: 'All' },
  };
}

/** A tag operation's literal name, or undefined when the name is an expression. */
function literalName(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('Value' in e)) return undefined;
  const value = (e as { Value: unknown }).Value;
  return typeof value === 'string' ? value : undefined;
}

/** A read of one context field: `context["name"]`, or with `has`, `context has "name"`. */
function contextField(op: '.' | 'has', name: string): Expr {
  return { [op]: { left: { Var: 'context' }, attr: name } };
}

/**
 * The expression with its reads of context.task turned into reads of context fields; undefined
 * when some use of context.task (or of the whole context, or a Task literal) needs the entity.
 */
function taskInContext(e: unknown): unknown {
  if (Array.isArray(e)) {
    const out: unknown[] = [];
    for (const item of e) {
      const rewritten = taskInContext(item);
      if (rewritten === undefined) return undefined;
      out.push(rewritten);
    }
    return out;
  }
  if (typeof e !== 'object' || e === null) return e;
  // Reached here, neither is read through `.` or `has` below: used whole.
  if (isContextTask(e) || isContext(e)) return undefined;
  const node = e as Expr;
  if ('Value' in node && typeof node['Value'] === 'object' && node['Value'] !== null && JSON.stringify(node['Value']).includes('"Task"')) {
    return undefined;
  }
  for (const op of ['hasTag', 'getTag'] as const) {
    const args = node[op] as { left: unknown; right: unknown } | undefined;
    if (args !== undefined && isContextTask(args.left)) {
      const name = literalName(args.right);
      if (name === undefined) return undefined;
      return contextField(op === 'hasTag' ? 'has' : '.', `tag:${name}`);
    }
  }
  for (const op of ['.', 'has'] as const) {
    const args = node[op] as { left: unknown; attr: string } | undefined;
    if (args === undefined) continue;
    if (isContextTask(args.left)) return contextField(op, `task:${args.attr}`);
    if (isContext(args.left)) return op === 'has' && args.attr === 'task' ? { Value: true } : e;
  }
  const out: Expr = {};
  for (const [key, value] of Object.entries(node)) {
    const rewritten = taskInContext(value);
    if (rewritten === undefined) return undefined;
    out[key] = rewritten;
  }
  return out;
}

/** Whether the expression reads the principal or names a workload (which may be the principal). */
function readsPrincipal(e: unknown): boolean {
  const text = JSON.stringify(e);
  return text.includes('{"Var":"principal"}') || text.includes('"type":"Workload"');
}

/**
 * Whether the JSON form carries every number exactly: Cedar's are 64-bit integers, and one past
 * 2^53 (an overflow guard, say) did not survive the trip through JavaScript.
 */
function exact(e: unknown): boolean {
  if (typeof e === 'number') return Number.isSafeInteger(e);
  if (typeof e !== 'object' || e === null) return true;
  return Object.values(e).every(exact);
}

/**
 * The evaluation form of a part's policies. `narrowed`: the part belongs to a slice narrowed to the
 * principal's groups (never to the coarse slice past the budget). `delegate`: the part's requests
 * can carry a delegate, whose entity may be the principal's. A policy whose JSON form cannot carry
 * one of its numbers stays in its source text, head and all; the task then goes in the context only
 * if that policy does not read it.
 */
export function evaluationForm(
  policies: readonly { id: string; json: PolicyJson; text: string; head: PolicyHead }[],
  narrowed: boolean,
  delegate: boolean,
): EvaluationForm {
  const each = policies.map((p) => {
    const json = exact(p.json);
    const { principal, action, resource } = json ? guaranteedFree(p.json, p.head, narrowed) : p.json;
    const conditions = p.json.conditions.map((c) => ({ ...c, body: taskInContext(c.body) }));
    const movable = conditions.every((c, i) => c.body !== undefined && (json || JSON.stringify(c.body) === JSON.stringify(p.json.conditions[i]!.body)));
    return { p, json, principal, action, resource, conditions: conditions as PolicyJson['conditions'], movable };
  });
  const inContext = each.every((e) => e.movable);
  const out: Record<string, string | PolicyJson> = {};
  for (const { p, json, principal, action, resource, conditions } of each) {
    out[p.id] = json ? { ...p.json, principal, action, resource, conditions: inContext ? conditions : p.json.conditions } : p.text;
  }
  const headFree = each.every(({ principal: h }) => h.op === 'All' || (h.op === 'is' && h.in === undefined));
  const principalEntity = delegate || !headFree || policies.some((p) => readsPrincipal(p.json.conditions));
  return { policies: out, taskInContext: inContext, principalEntity };
}
