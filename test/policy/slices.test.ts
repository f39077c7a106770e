// The engine sends Cedar only the policies whose head can match and only what they can read. This
// proves that changes no decision: every request is also decided by Cedar's plain isAuthorized on
// the whole set with every entity and context field, and the answers must be equal, errors included.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isAuthorized, type EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { POLICY_ACTIONS, PolicyEngine, WARRANT_SCHEMA, type GroupConfig, type PolicyInput } from '../../src/policy/index.js';
import { shapeOf } from '../../src/policy/slices.js';
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
  return { allowed: decision === 'allow', determiningPolicies: [...diagnostics.reason].sort(), errors: diagnostics.errors.map((e) => e.policyId).sort() };
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
const PATHS = ['/agents/summarizer', '/agents/retrieval/r1', '/agents/orchestrator/o1', '/agents/worker/w1', '/fleet/a/b', '/ops/alice', '/people/bob', '/agents/billing/b1', '/agents/support/s1'];
const PROVIDERS = ['aws-dev', 'orders-db', 'orders-api', 'payments-api', 'warehouse-db', 'invoices-db', 'tickets-api', 'deploy-api', 'identity-admin', 'other'];
const SCOPES = ['s3:GetObject', 'SELECT', 'INSERT', 'orders:read', 'orders:write', 'orders:delete', 'SELECT:analytics.orders', 'deploy:production', 'tickets:read', 'tickets:comment', 'SELECT:billing.invoices'];
const ATTRS = { environment: ['dev', 'prod', 'production', 'staging'], data: ['sensitive', 'internal'], ticket: ['T-1'], region: ['eu'] } as const;

const inputArb = fc.record({
  td: fc.constantFrom(...TD),
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
      task: { id: 't', purpose: r.purpose, attributes: Object.fromEntries(r.attrs), depth: r.depth, chain: r.chain, tools: r.tools, credentialsIssued: 2, deviations: r.deviations },
      scope: r.scope,
      ttlSeconds: r.ttl,
      // Days from Sunday 2026-03-01.
      now: Date.UTC(2026, 2, 1 + r.day, r.hour, 30),
      ...(r.delegate === undefined || r.action !== 'delegate' ? {} : { delegate: { spiffeId: `spiffe://${r.td}${r.delegate}`, trustDomain: r.td, path: r.delegate } }),
    },
  };
}

const SETS: { name: string; files: { name: string; text: string }[]; groups: GroupConfig[] }[] = [
  { name: 'decision vectors', files: VECTOR_FILES, groups: [...(VECTOR_GROUPS ?? [])] },
  ...readdirSync(EXAMPLES, { withFileTypes: true }).filter((d) => d.isDirectory()).map(({ name: dir }) => ({
    name: `example ${dir}`,
    files: readdirSync(join(EXAMPLES, dir))
      .filter((f) => f.endsWith('.cedar'))
      .sort()
      .map((f) => ({ name: f, text: readFileSync(join(EXAMPLES, dir, f), 'utf8') })),
    groups: parseYaml(readFileSync(join(EXAMPLES, dir, 'groups.yaml'), 'utf8')) as GroupConfig[],
  })),
];

describe('slices and request shapes change no decision', () => {
  for (const set of SETS) {
    it(`${set.name}: the engine agrees with Cedar on the whole set and the whole request`, () => {
      const engine = PolicyEngine.fromTexts(set.files, WARRANT_SCHEMA, { groups: set.groups, cacheSize: 0 });
      fc.assert(
        fc.property(inputArb, (r) => {
          const input = toInput(r);
          const got = engine.decide(input);
          const want = reference(set.files, engine, set.groups, input);
          expect({ allowed: got.allowed, determiningPolicies: [...got.determiningPolicies].sort(), errors: got.errors.map((e) => e.slice(0, e.indexOf(':'))).sort() }).toEqual(want);
        }),
        { numRuns: 300 },
      );
    });
  }
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
});
