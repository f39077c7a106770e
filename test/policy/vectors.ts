// Policy decision vectors: one policy set, and a table of requests with the decision each must get.
import type { PolicyEngineOptions, PolicyInput } from '../../src/policy/index.js';

export const VECTOR_GROUPS: PolicyEngineOptions['groups'] = [
  { name: 'agents', match: ['spiffe://example.org/agents/*'] },
  { name: 'fleet', match: ['spiffe://example.org/fleet/**'] },
  { name: 'ops', match: ['spiffe://example.org/ops/alice', 'spiffe://partner.example/ops/*'] },
];

export const VECTOR_FILES: { name: string; text: string }[] = [
  {
    name: '10-issue.cedar',
    text: `// What agents may ask for.
@id("agents-dev")
permit (principal in Group::"agents", action in [Action::"issue", Action::"renew"], resource)
when { context.task.hasTag("environment") && context.task.getTag("environment") == "dev" };

@id("agents-prod-aws")
@approval("required")
permit (principal in Group::"agents", action == Action::"issue", resource)
when {
  context.task.hasTag("environment") &&
  context.task.getTag("environment") == "prod" &&
  resource.kind == "aws-sts"
};

// No @id: known as 10-issue.cedar:3.
permit (principal in Group::"fleet", action == Action::"issue", resource == Provider::"orders-db")
when { ["SELECT", "INSERT"].containsAll(context.scope) };

@id("fleet-renew-scaled")
permit (principal in Group::"fleet", action == Action::"renew", resource)
when { context.ttlSeconds * 1000000000000 < 3600000000000000 };

@id("delegate-shallow")
permit (principal, action == Action::"delegate", resource)
when { context.task.depth < 3 && context.task.purpose like "*report*" };
`,
  },
  {
    name: '20-guards.cedar',
    text: `@id("max-ttl")
forbid (principal, action in [Action::"issue", Action::"renew"], resource)
when { context.ttlSeconds > 3600 };

@id("sensitive-office-hours")
forbid (principal, action == Action::"issue", resource)
when {
  context.task.hasTag("data") && context.task.getTag("data") == "sensitive" &&
  (context.hourOfDayUtc < 8 || context.hourOfDayUtc >= 18 ||
   context.dayOfWeekUtc == 0 || context.dayOfWeekUtc == 6)
};

// No @id: known as 20-guards.cedar:3.
forbid (principal, action, resource) when { principal.trustDomain != "example.org" && !(principal in Group::"ops") };
`,
  },
  {
    name: '30-admin.cedar',
    text: `@id("ops-admin")
permit (principal in Group::"ops", action in [Action::"admin.read", Action::"admin.revoke", Action::"admin.approve"], resource);
`,
  },
];

/** Monday 2024-01-08 10:30 UTC. */
const MONDAY_MORNING = Date.UTC(2024, 0, 8, 10, 30);

export interface VectorPatch {
  spiffeId?: string;
  action?: PolicyInput['action'];
  provider?: string;
  kind?: string;
  purpose?: string;
  attributes?: Record<string, string>;
  depth?: number;
  scope?: string[];
  ttlSeconds?: number;
  now?: number;
}

export interface PolicyVector {
  name: string;
  input: VectorPatch;
  expect: { allowed: boolean; determiningPolicies: string[]; approvalRequired?: boolean; errors?: string[] };
}

/** A request from an agent in the dev environment for the dev AWS provider; each vector changes a little. */
export function vectorInput(patch: VectorPatch): PolicyInput {
  const spiffeId = patch.spiffeId ?? 'spiffe://example.org/agents/summarizer';
  const rest = spiffeId.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  return {
    principal: { spiffeId, trustDomain: rest.slice(0, slash), path: rest.slice(slash) },
    action: patch.action ?? 'issue',
    resource: { provider: patch.provider ?? 'aws-dev', kind: patch.kind ?? 'aws-sts' },
    context: {
      task: {
        id: 'task-1',
        purpose: patch.purpose ?? 'summarise tickets',
        attributes: patch.attributes ?? { environment: 'dev' },
        depth: patch.depth ?? 0,
      },
      scope: patch.scope ?? ['s3:GetObject'],
      ttlSeconds: patch.ttlSeconds ?? 900,
      now: patch.now ?? MONDAY_MORNING,
    },
  };
}

const OVERFLOW = 'fleet-renew-scaled: integer overflow while attempting to multiply the values `10000000` and `1000000000000`';

export const POLICY_VECTORS: PolicyVector[] = [
  { name: 'agent issues in dev', input: {}, expect: { allowed: true, determiningPolicies: ['agents-dev'] } },
  { name: 'agent renews in dev', input: { action: 'renew' }, expect: { allowed: true, determiningPolicies: ['agents-dev'] } },
  { name: 'agent may not revoke through policy', input: { action: 'revoke' }, expect: { allowed: false, determiningPolicies: [] } },
  { name: 'agent in staging: no permit applies', input: { attributes: { environment: 'staging' } }, expect: { allowed: false, determiningPolicies: [] } },
  { name: 'agent without environment tag', input: { attributes: {} }, expect: { allowed: false, determiningPolicies: [] } },
  {
    name: 'agent in prod on aws needs approval',
    input: { attributes: { environment: 'prod' }, provider: 'aws-prod' },
    expect: { allowed: true, determiningPolicies: ['agents-prod-aws'], approvalRequired: true },
  },
  { name: 'agent in prod on postgres', input: { attributes: { environment: 'prod' }, kind: 'postgres' }, expect: { allowed: false, determiningPolicies: [] } },
  { name: 'ttl over an hour is forbidden', input: { ttlSeconds: 3601 }, expect: { allowed: false, determiningPolicies: ['max-ttl'] } },
  { name: 'ttl of exactly an hour', input: { ttlSeconds: 3600 }, expect: { allowed: true, determiningPolicies: ['agents-dev'] } },
  {
    name: 'forbid wins over an approval permit',
    input: { attributes: { environment: 'prod' }, ttlSeconds: 7200 },
    expect: { allowed: false, determiningPolicies: ['max-ttl'], approvalRequired: false },
  },
  {
    name: 'sensitive data in office hours',
    input: { attributes: { environment: 'dev', data: 'sensitive' } },
    expect: { allowed: true, determiningPolicies: ['agents-dev'] },
  },
  {
    name: 'sensitive data before 08:00 UTC',
    input: { attributes: { environment: 'dev', data: 'sensitive' }, now: Date.UTC(2024, 0, 8, 7, 59, 59) },
    expect: { allowed: false, determiningPolicies: ['sensitive-office-hours'] },
  },
  {
    name: 'sensitive data at 18:00 UTC',
    input: { attributes: { environment: 'dev', data: 'sensitive' }, now: Date.UTC(2024, 0, 8, 18, 0) },
    expect: { allowed: false, determiningPolicies: ['sensitive-office-hours'] },
  },
  {
    name: 'sensitive data on a Sunday',
    input: { attributes: { environment: 'dev', data: 'sensitive' }, now: Date.UTC(2024, 0, 7, 12, 0) },
    expect: { allowed: false, determiningPolicies: ['sensitive-office-hours'] },
  },
  {
    name: 'sensitive data forbid does not touch renew',
    input: { action: 'renew', attributes: { environment: 'dev', data: 'sensitive' }, now: Date.UTC(2024, 0, 7, 12, 0) },
    expect: { allowed: true, determiningPolicies: ['agents-dev'] },
  },
  { name: '* matches one segment only', input: { spiffeId: 'spiffe://example.org/agents/team/summarizer' }, expect: { allowed: false, determiningPolicies: [] } },
  { name: '* needs a segment', input: { spiffeId: 'spiffe://example.org/agents' }, expect: { allowed: false, determiningPolicies: [] } },
  {
    name: '** matches many segments (default id file:n)',
    input: { spiffeId: 'spiffe://example.org/fleet/eu/west/billing', provider: 'orders-db', kind: 'postgres', scope: ['SELECT'] },
    expect: { allowed: true, determiningPolicies: ['10-issue.cedar:3'] },
  },
  {
    name: '** matches one segment',
    input: { spiffeId: 'spiffe://example.org/fleet/billing', provider: 'orders-db', kind: 'postgres', scope: ['SELECT', 'INSERT'] },
    expect: { allowed: true, determiningPolicies: ['10-issue.cedar:3'] },
  },
  {
    name: '** needs at least one segment',
    input: { spiffeId: 'spiffe://example.org/fleet', provider: 'orders-db', kind: 'postgres', scope: ['SELECT'] },
    expect: { allowed: false, determiningPolicies: [] },
  },
  {
    name: 'scope beyond the permitted set',
    input: { spiffeId: 'spiffe://example.org/fleet/billing', provider: 'orders-db', kind: 'postgres', scope: ['SELECT', 'DELETE'] },
    expect: { allowed: false, determiningPolicies: [] },
  },
  {
    name: 'a policy that errors is ignored and reported',
    input: { spiffeId: 'spiffe://example.org/fleet/billing', action: 'renew', ttlSeconds: 10_000_000 },
    expect: { allowed: false, determiningPolicies: ['max-ttl'], errors: [OVERFLOW] },
  },
  {
    name: 'the same policy without the error',
    input: { spiffeId: 'spiffe://example.org/fleet/billing', action: 'renew', ttlSeconds: 60 },
    expect: { allowed: true, determiningPolicies: ['fleet-renew-scaled'] },
  },
  { name: 'shallow delegation for a report', input: { action: 'delegate', purpose: 'weekly report', depth: 2 }, expect: { allowed: true, determiningPolicies: ['delegate-shallow'] } },
  { name: 'deep delegation', input: { action: 'delegate', purpose: 'weekly report', depth: 3 }, expect: { allowed: false, determiningPolicies: [] } },
  { name: 'delegation for another purpose', input: { action: 'delegate', purpose: 'cleanup' }, expect: { allowed: false, determiningPolicies: [] } },
  { name: 'operator reads', input: { spiffeId: 'spiffe://example.org/ops/alice', action: 'admin.read' }, expect: { allowed: true, determiningPolicies: ['ops-admin'] } },
  { name: 'agent may not approve', input: { action: 'admin.approve' }, expect: { allowed: false, determiningPolicies: [] } },
  {
    name: 'federated operator approves',
    input: { spiffeId: 'spiffe://partner.example/ops/bob', action: 'admin.approve' },
    expect: { allowed: true, determiningPolicies: ['ops-admin'] },
  },
  {
    name: 'other federated workloads are forbidden outright',
    input: { spiffeId: 'spiffe://partner.example/agents/summarizer' },
    expect: { allowed: false, determiningPolicies: ['20-guards.cedar:3'] },
  },
  {
    name: 'both forbids are determining, in load order',
    input: { spiffeId: 'spiffe://partner.example/agents/x', ttlSeconds: 4000 },
    expect: { allowed: false, determiningPolicies: ['max-ttl', '20-guards.cedar:3'] },
  },
];
