// The engine sends Cedar only the policies whose head can match (action, provider, principal) and
// only what they can read, and asks apart, once per principal and resource, about the policies that
// read nothing else. This proves that changes no decision: every request is also decided by Cedar's
// plain isAuthorized on the whole set with every entity and context field, and the answers must be
// equal: decision, determining policies, and every error with its message.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isAuthorized, policyToJson, type EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { describeCedarError } from '../../src/policy/cedar-errors.js';
import { POLICY_ACTIONS, PolicyEngine, WARRANT_SCHEMA, type GroupConfig, type PolicyInput } from '../../src/policy/index.js';
import { policyHead, readsOnlyPrincipal, shapeOf } from '../../src/policy/slices.js';
import { VECTOR_FILES, VECTOR_GROUPS } from './vectors.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'deploy', 'policies');

/** Cedar's answer with nothing left out: the whole set as text, every entity, every field. */
function reference(files: readonly { name: string; text: string }[], engine: PolicyEngine, groups: readonly GroupConfig[], input: PolicyInput) {
  const staticPolicies: Record<string, string> = {};
  for (const id of engine.policyIds) {
    const info = engine.policyInfo(id)!;
    staticPolicies[id] = policyText(files, info.source, info.line, id);
  }
  const { principal, resource, context } = input;
  const task = context.task;
  const minute = Math.floor(context.now / 60_000);
  const at = new Date(minute * 60_000);
  const groupsOf = (id: string) =>
    groups
      .filter((g) => g.match.some((pattern) => matches(pattern, id)))
      .map((g) => ({ type: 'Group', id: g.name }));
  const workload = (w: { spiffeId: string; trustDomain: string; path: string }): EntityJson => ({
    uid: { type: 'Workload', id: w.spiffeId },
    attrs: { trustDomain: w.trustDomain, path: w.path },
    parents: groupsOf(w.spiffeId),
  });
  const entities: EntityJson[] = [
    workload(principal),
    { uid: { type: 'Provider', id: resource.provider }, attrs: { kind: resource.kind }, parents: [] },
    {
      uid: { type: 'Task', id: task.id },
      attrs: {
        purpose: task.purpose,
        depth: task.depth,
        chain: [...new Set(task.chain ?? [])].map((id) => ({ __entity: { type: 'Workload', id } })),
        tools: [...new Set(task.tools ?? [])].map((id) => ({ __entity: { type: 'Provider', id } })),
        credentialsIssued: task.credentialsIssued ?? 0,
        deviations: task.deviations ?? 0,
      },
      parents: [],
      tags: { ...task.attributes },
    },
  ];
  const ctx: Record<string, unknown> = {
    task: { __entity: { type: 'Task', id: task.id } },
    scope: [...new Set(context.scope)],
    ttlSeconds: context.ttlSeconds,
    nowEpochSeconds: minute * 60,
    hourOfDayUtc: at.getUTCHours(),
    dayOfWeekUtc: at.getUTCDay(),
  };
  if (context.delegate !== undefined) {
    ctx['delegate'] = { __entity: { type: 'Workload', id: context.delegate.spiffeId } };
    if (context.delegate.spiffeId !== principal.spiffeId) entities.push(workload(context.delegate));
  }
  const answer = isAuthorized({
    principal: { type: 'Workload', id: principal.spiffeId },
    action: { type: 'Action', id: input.action },
    resource: { type: 'Provider', id: resource.provider },
    context: ctx as never,
    policies: { staticPolicies },
    entities,
  });
  if (answer.type === 'failure') throw new Error(JSON.stringify(answer.errors));
  const { decision, diagnostics } = answer.response;
  return {
    allowed: decision === 'allow',
    determiningPolicies: [...diagnostics.reason].sort(),
    errors: diagnostics.errors.map((e) => `${e.policyId}: ${describeCedarError(e.error)}`).sort(),
  };
}

/** The text of one policy, cut from its file at its position (ids are unique, positions exact). */
function policyText(files: readonly { name: string; text: string }[], source: string, line: number, id: string): string {
  const file = files.find((f) => source.endsWith(f.name));
  if (file === undefined) throw new Error(`no file for ${id}`);
  const lines = file.text.split('\n');
  const rest = lines.slice(line - 1).join('\n');
  let depth = 0;
  let inString = false;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '/' && rest[i + 1] === '/') i = rest.indexOf('\n', i) === -1 ? rest.length : rest.indexOf('\n', i);
    else if (ch === '{' || ch === '(' || ch === '[') depth++;
    else if (ch === '}' || ch === ')' || ch === ']') depth--;
    else if (ch === ';' && depth === 0) return rest.slice(0, i + 1);
  }
  throw new Error(`no end of ${id}`);
}

function matches(pattern: string, id: string): boolean {
  const p = pattern.split('/');
  const s = id.split('/');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '**') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

const TD = ['example.org', 'prod.example.com', 'partner.example'];
const PATHS = ['/agents/summarizer', '/agents/retrieval/r1', '/agents/orchestrator/o1', '/agents/worker/w1', '/fleet/a/b', '/ops/alice', '/people/bob', '/agents/billing/b1', '/agents/support/s1', '/partners/p3/x'];
const PROVIDERS = ['aws-dev', 'orders-db', 'orders-api', 'payments-api', 'warehouse-db', 'invoices-db', 'tickets-api', 'deploy-api', 'identity-admin', 'other'];
const SCOPES = ['s3:GetObject', 'SELECT', 'INSERT', 'orders:read', 'orders:write', 'orders:delete', 'SELECT:analytics.orders', 'deploy:production', 'tickets:read', 'tickets:comment', 'SELECT:billing.invoices'];
const ATTRS = { environment: ['dev', 'prod', 'production', 'staging'], data: ['sensitive', 'internal'], ticket: ['T-1'], region: ['eu'] } as const;

const inputArb = fc.record({
  td: fc.constantFrom(...TD),
  taskId: fc.constantFrom('t', 'u'),
  path: fc.constantFrom(...PATHS),
  action: fc.constantFrom(...POLICY_ACTIONS),
  provider: fc.constantFrom(...PROVIDERS),
  kind: fc.constantFrom('aws-sts', 'postgres', 'oauth-jwt'),
  purpose: fc.constantFrom('', 'weekly report', 'summarise'),
  attrs: fc.subarray(Object.keys(ATTRS) as (keyof typeof ATTRS)[]).chain((keys) => fc.tuple(...keys.map((k) => fc.constantFrom(...ATTRS[k].map((v) => [k, v] as const))))),
  depth: fc.nat(4),
  chain: fc.subarray(['spiffe://prod.example.com/agents/orchestrator/o1', 'spiffe://example.org/agents/summarizer']),
  tools: fc.subarray(PROVIDERS.slice(0, 6)),
  scope: fc.subarray(SCOPES, { maxLength: 3 }),
  // 10,000,000 s overflows a vector policy's arithmetic: errors must agree too.
  ttl: fc.constantFrom(60, 900, 3600, 7200, 10_000_000),
  hour: fc.nat(23),
  day: fc.nat(6),
  deviations: fc.nat(4),
  delegate: fc.option(fc.constantFrom('/agents/worker/w2', '/agents/retrieval/r9', '/agents/summarizer'), { nil: undefined }),
});

type Generated = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

function toInput(r: Generated): PolicyInput {
  return {
    principal: { spiffeId: `spiffe://${r.td}${r.path}`, trustDomain: r.td, path: r.path },
    action: r.action,
    resource: { provider: r.provider, kind: r.kind },
    context: {
      task: { id: r.taskId, purpose: r.purpose, attributes: Object.fromEntries(r.attrs), depth: r.depth, chain: r.chain, tools: r.tools, credentialsIssued: 2, deviations: r.deviations },
      scope: r.scope,
      ttlSeconds: r.ttl,
      // Days from Sunday 2026-03-01.
      now: Date.UTC(2026, 2, 1 + r.day, r.hour, 30),
      ...(r.delegate === undefined || r.action !== 'delegate' ? {} : { delegate: { spiffeId: `spiffe://${r.td}${r.delegate}`, trustDomain: r.td, path: r.delegate } }),
    },
  };
}

// Heads and reads the slicing must get right: principal heads of every form, literals that reach the
// task or the delegate without `context`, policies that read only the principal (failing ones too).
const EDGE_GROUPS: GroupConfig[] = [
  { name: 'agents', match: ['spiffe://example.org/agents/*', 'spiffe://prod.example.com/agents/**'] },
  { name: 'fleet', match: ['spiffe://example.org/fleet/**', 'spiffe://example.org/agents/worker/*'] },
  { name: 'ops', match: ['spiffe://example.org/ops/alice', 'spiffe://partner.example/ops/*'] },
  { name: 'unused', match: ['spiffe://example.org/nobody/*'] },
];
const EDGE_FILES = [
  {
    name: 'edges.cedar',
    // Ids and texts avoid the words the shapes look for (task, delegate…), which would hide a miss.
    text: `@id("literal-t")
permit (principal, action == Action::"issue", resource) when { Task::"t".depth > 1 };

@id("literal-w2")
permit (principal, action, resource == Provider::"aws-dev") when { Workload::"spiffe://example.org/agents/worker/w2".path == "/agents/worker/w2" };

@id("workload-literal-groups")
forbid (principal, action, resource) when { Workload::"spiffe://prod.example.com/agents/worker/w2" in Group::"agents" && resource.kind == "postgres" };

@id("named-principal")
permit (principal == Workload::"spiffe://example.org/agents/summarizer", action in [Action::"issue", Action::"renew"], resource)
when { context.ttlSeconds <= 900 };

@id("in-a-workload")
forbid (principal in Workload::"spiffe://partner.example/ops/alice", action, resource == Provider::"orders-db");

@id("is-in-group")
permit (principal is Workload in Group::"fleet", action == Action::"renew", resource);

@id("is-workload")
forbid (principal is Workload, action == Action::"complete", resource) when { principal.path like "/people/*" };

@id("never-a-group")
permit (principal in Group::"unused", action, resource);

@id("principal-overflow")
forbid (principal, action, resource) when { principal.trustDomain == "partner.example" && 9223372036854775807 + 1 > 0 };

@id("resource-and-principal")
forbid (principal in Group::"agents", action, resource) when { resource.kind == "postgres" && principal.path like "*/r1" };

@id("reads-the-action")
permit (principal, action, resource) when { action == Action::"revoke" && principal.path like "/fleet/*" };

@id("reads-the-admin-action")
forbid (principal, action in [Action::"admin.approve", Action::"admin.revoke"], resource) when { action == Action::"admin.approve" && principal.path like "/fleet/*" };

@id("fleet-administers")
permit (principal in Group::"fleet", action in [Action::"admin.approve", Action::"admin.revoke"], resource);

@id("ops-read-with-approval")
@approval("required")
permit (principal in Group::"ops", action == Action::"admin.read", resource);

@id("no-other")
forbid (principal, action, resource == Provider::"other");

@id("agents-select")
permit (principal in Group::"agents", action == Action::"issue", resource == Provider::"orders-db") when { context.scope.contains("SELECT") };

@id("context-overflow")
forbid (principal, action == Action::"renew", resource) when { context.ttlSeconds * 1000000000000000 > 1 };

@id("delegate-to-fleet")
permit (principal in Group::"agents", action == Action::"delegate", resource) when { context has delegate && context.delegate in Group::"fleet" };

@id("partners-out")
forbid (principal, action, resource) when { principal.trustDomain != "example.org" && principal.path like "/partners/*" };

@id("everyone-revokes")
permit (principal, action == Action::"revoke", resource);

@id("no-deep-revokes")
forbid (principal, action == Action::"revoke", resource) when { context.task.depth > 2 };

@id("tag-by-expression")
forbid (principal in Group::"fleet", action == Action::"renew", resource) when { context.task.hasTag(if context.task.depth > 1 then "data" else "region") };

@id("same-as-literal")
forbid (principal, action == Action::"renew", resource == Provider::"orders-api") when { context.task == Task::"u" };

@id("ticket-in-chain")
permit (principal in Group::"fleet", action == Action::"issue", resource == Provider::"tickets-api")
when { context.task.hasTag("ticket") && context.task.getTag("ticket") == "T-1" && context has task && context.task has purpose && context.task.chain.contains(principal) };

@id("deep-completions")
forbid (principal, action == Action::"complete", resource) when { context has task && context.task.depth > 2 };

@id("in-one-action")
forbid (principal in Group::"ops", action in Action::"renew", resource);

@id("in-one-provider")
permit (principal in Group::"fleet", action == Action::"complete", resource in Provider::"orders-db");

@id("equals-a-group")
permit (principal == Group::"fleet", action, resource);

@id("env-by-tag")
permit (principal in Group::"agents", action == Action::"issue", resource == Provider::"tickets-api")
when { context.task.hasTag("environment") && ["dev", "staging"].contains(context.task.getTag("environment")) && context.task.tools.contains(resource) };
`,
  },
];

/** Policies of the kinds the benchmark generates, over the providers and paths the requests use. */
function generatedSet(): { files: { name: string; text: string }[]; groups: GroupConfig[] } {
  const teams = ['retrieval', 'orchestrator', 'worker', 'billing', 'support'];
  const providers = PROVIDERS.slice(0, 8);
  const out: string[] = [];
  for (let i = 0; i < 20; i++) {
    const team = teams[i % teams.length]!;
    const svc = providers[i % providers.length]!;
    out.push(`@id("${team}-reads-${svc}-${i}")
permit (principal in Group::"team-${team}", action in [Action::"issue", Action::"renew"], resource == Provider::"${svc}")
when {
  context.task.hasTag("environment") && ["dev", "prod", "production"].contains(context.task.getTag("environment")) &&
  !context.scope.isEmpty() && ["SELECT", "orders:read", "tickets:read", "s3:GetObject"].containsAll(context.scope) &&
  context.ttlSeconds <= 3600
};`);
    out.push(`@id("${team}-writes-${svc}-${i}")
@approval("required")
permit (principal in Group::"team-${team}", action == Action::"issue", resource == Provider::"${svc}")
when { context.scope.containsAny(["INSERT", "orders:write", "orders:delete"]) && context.task.hasTag("ticket") };`);
    const guards = [
      `forbid (principal, action in [Action::"issue", Action::"renew"], resource == Provider::"${svc}")
when { context.task.hasTag("environment") && context.task.getTag("environment") == "production" && (context.hourOfDayUtc < ${6 + (i % 3)} || context.dayOfWeekUtc == 0) };`,
      `forbid (principal in Group::"team-${team}", action == Action::"issue", resource) when { context.task.hasTag("data") && context.task.getTag("data") == "sensitive" };`,
      `forbid (principal, action == Action::"issue", resource == Provider::"${svc}") when { context.task.depth > ${1 + (i % 3)} && context.scope.contains("orders:write") };`,
      `forbid (principal, action, resource) when { principal.trustDomain != "example.org" && principal.path like "/partners/p${i % 5}/*" };`,
      `forbid (principal in Group::"operators", action, resource == Provider::"${svc}") when { resource.kind == "postgres" };`,
    ];
    out.push(`@id("guard-${i}")\n${guards[i % guards.length]!}`);
  }
  for (let i = 0; i < 6; i++) {
    out.push(`@id("delegate-${i}")
permit (principal in Group::"team-${teams[i % teams.length]!}", action == Action::"delegate", resource == Provider::"${providers[(i * 3) % providers.length]!}")
when { context has delegate && context.delegate in Group::"team-${teams[(i + 1) % teams.length]!}" && context.task.depth <= 2 };`);
  }
  out.push(`@id("operators")
permit (principal in Group::"operators", action in [Action::"admin.read", Action::"admin.revoke", Action::"admin.approve"], resource);`);
  const groups: GroupConfig[] = teams.map((team) => ({ name: `team-${team}`, match: TD.map((td) => `spiffe://${td}/agents/${team}/*`) }));
  groups.push({ name: 'agents', match: TD.map((td) => `spiffe://${td}/agents/**`) });
  groups.push({ name: 'operators', match: ['spiffe://example.org/ops/*', 'spiffe://example.org/people/*'] });
  return { files: [{ name: 'generated.cedar', text: `${out.join('\n\n')}\n` }], groups };
}

const SETS: { name: string; files: { name: string; text: string }[]; groups: GroupConfig[] }[] = [
  { name: 'decision vectors', files: VECTOR_FILES, groups: [...(VECTOR_GROUPS ?? [])] },
  { name: 'slicing edge cases', files: EDGE_FILES, groups: EDGE_GROUPS },
  { name: 'generated teams, approvals and guards', ...generatedSet() },
  ...readdirSync(EXAMPLES, { withFileTypes: true }).filter((d) => d.isDirectory()).map(({ name: dir }) => ({
    name: `example ${dir}`,
    files: readdirSync(join(EXAMPLES, dir))
      .filter((f) => f.endsWith('.cedar'))
      .sort()
      .map((f) => ({ name: f, text: readFileSync(join(EXAMPLES, dir, f), 'utf8') })),
    groups: parseYaml(readFileSync(join(EXAMPLES, dir, 'groups.yaml'), 'utf8')) as GroupConfig[],
  })),
];

/** The same principal and resource with another task, scope and time, and at times another action. */
const otherRequestArb = fc.record({
  action: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.constantFrom(...POLICY_ACTIONS.filter((a) => a !== 'delegate')), weight: 1 },
  ),
  attrs: inputArb.map((r) => r.attrs),
  scope: fc.subarray(SCOPES, { maxLength: 3 }),
  ttl: fc.constantFrom(60, 900, 7200, 10_000_000),
  depth: fc.nat(4),
  hour: fc.nat(23),
});

function withOtherRequest(input: PolicyInput, o: typeof otherRequestArb extends fc.Arbitrary<infer T> ? T : never): PolicyInput {
  const { delegate, ...context } = input.context;
  return {
    ...input,
    action: o.action ?? input.action,
    context: {
      ...(o.action === undefined && delegate !== undefined ? { delegate } : {}),
      ...context,
      task: { ...input.context.task, id: `${input.context.task.id}-2`, attributes: Object.fromEntries(o.attrs), depth: o.depth },
      scope: o.scope,
      ttlSeconds: o.ttl,
      now: input.context.now - (new Date(input.context.now).getUTCHours() - o.hour) * 3_600_000,
    },
  };
}

function decided(engine: PolicyEngine, input: PolicyInput) {
  const got = engine.decide(input);
  return { allowed: got.allowed, determiningPolicies: [...got.determiningPolicies].sort(), errors: [...got.errors].sort() };
}

const MODES = [
  // No cache: one Cedar call per decision on the slice narrowed to the principal.
  { mode: 'one call per decision', cacheSize: 0, coarse: false },
  // The principal-only policies are asked apart and their answer remembered: a second request of
  // the same principal on the same resource is decided with the remembered answer.
  { mode: 'principal answers remembered', cacheSize: 1_000, coarse: false },
  // Past the budget for narrowed slices: every principal shares the (action, provider) slice.
  { mode: 'past the narrowed-slice budget', cacheSize: 1_000, coarse: true },
];

describe('slices and request shapes change no decision', () => {
  for (const set of SETS) {
    for (const { mode, cacheSize, coarse } of MODES) {
      it(`${set.name} (${mode}): the engine agrees with Cedar on the whole set and the whole request`, () => {
        const engine = PolicyEngine.fromTexts(set.files, WARRANT_SCHEMA, { groups: set.groups, cacheSize });
        // The budget is spent: only the coarse slices remain (a test-only reach into the engine).
        if (coarse) (engine as unknown as { narrowedPolicies: number }).narrowedPolicies = Number.POSITIVE_INFINITY;
        fc.assert(
          fc.property(inputArb, otherRequestArb, (r, o) => {
            const input = toInput(r);
            expect(decided(engine, input)).toEqual(reference(set.files, engine, set.groups, input));
            const again = withOtherRequest(input, o);
            expect(decided(engine, again)).toEqual(reference(set.files, engine, set.groups, again));
          }),
          { numRuns: 200 },
        );
      });
    }
  }
});

describe('principal-only policies', () => {
  const only = (text: string, action = 'issue') => readsOnlyPrincipal(text, action);

  it('are those that reach neither context nor the task', () => {
    expect(only('forbid (principal, action, resource) when { principal.trustDomain != "example.org" };')).toBe(true);
    expect(only('permit (principal in Group::"ops", action, resource) when { resource.kind == "postgres" };')).toBe(true);
    expect(only('permit (principal, action, resource) when { context.ttlSeconds < 60 };')).toBe(false);
    expect(only('permit (principal, action, resource) when { Task::"t".depth > 1 };')).toBe(false);
    expect(only('permit (principal, action, resource) when { Task // a comment\n :: "t".depth > 1 };')).toBe(false);
    // A comment naming context only costs a call.
    expect(only('// not for context\npermit (principal, action, resource);')).toBe(false);
  });

  it('exclude a workload literal on delegate requests, where it may name the delegate', () => {
    const text = 'permit (principal, action, resource) when { Workload::"spiffe://example.org/a".path == "/a" };';
    expect(only(text, 'issue')).toBe(true);
    expect(only(text, 'delegate')).toBe(false);
  });
});

describe('principal heads', () => {
  const head = (text: string) => {
    const json = policyToJson(text);
    if (json.type === 'failure') throw new Error(JSON.stringify(json.errors));
    const { group, workload } = policyHead(json.json);
    return { group, workload };
  };

  it('name the group or the workload a principal must be', () => {
    expect(head('permit (principal in Group::"ops", action, resource);')).toEqual({ group: 'ops', workload: undefined });
    expect(head('permit (principal is Workload in Group::"ops", action, resource);')).toEqual({ group: 'ops', workload: undefined });
    expect(head('permit (principal == Workload::"spiffe://a/b", action, resource);')).toEqual({ group: undefined, workload: 'spiffe://a/b' });
    expect(head('permit (principal in Workload::"spiffe://a/b", action, resource);')).toEqual({ group: undefined, workload: 'spiffe://a/b' });
  });

  it('take every other form to admit any workload', () => {
    expect(head('permit (principal, action, resource);')).toEqual({ group: undefined, workload: undefined });
    expect(head('permit (principal is Workload, action, resource);')).toEqual({ group: undefined, workload: undefined });
    expect(head('permit (principal == Group::"ops", action, resource);')).toEqual({ group: undefined, workload: undefined });
  });
});

describe('request shapes', () => {
  it('names only what the policies read', () => {
    const shape = shapeOf(['permit (principal in Group::"ops", action, resource) when { context.task.hasTag("environment") && context.ttlSeconds < 60 };']);
    expect([...shape.context].sort()).toEqual(['task', 'ttlSeconds']);
    expect([...shape.taskAttributes]).toEqual([]);
    expect(shape.taskTags).toBe(true);
    expect([...(shape.taskTagNames ?? [])]).toEqual(['environment']);
    expect(shape.groups?.has('ops')).toBe(true);
    expect(shape.workloadPath || shape.workloadTrustDomain || shape.providerKind).toBe(false);
  });

  it('sends every tag when a tag is read through an expression, and everything when context is used whole', () => {
    expect(shapeOf(['permit (principal, action, resource) when { context.task.hasTag(principal.path) };']).taskTagNames).toBeUndefined();
    const whole = shapeOf(['permit (principal, action, resource) when { context == context };']);
    expect(whole.taskTagNames).toBeUndefined();
    expect(whole.groups).toBeUndefined();
    expect(whole.context.size).toBe(7);
  });

  it('sends the task for a Task literal and the delegate for a Workload literal, with no context named', () => {
    const task = shapeOf(['permit (principal, action, resource) when { Task::"t".depth > 1 };']);
    expect([...task.taskAttributes]).toEqual(['depth']);
    expect(task.context.size).toBe(0);
    expect(shapeOf(['permit (principal, action, resource) when { Workload::"spiffe://a/b" in Group::"g" };']).delegateEntity).toBe(true);
    expect(shapeOf(['permit (principal, action, resource) when { context has delegate };']).delegateEntity).toBe(true);
    expect(shapeOf(['permit (principal, action, resource) when { context.ttlSeconds < 60 };']).delegateEntity).toBe(false);
  });
});
