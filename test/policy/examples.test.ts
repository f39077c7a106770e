// Every example policy set in deploy/policies loads against the schema and decides as its comments
// say: each case names who asks for what, and whether it is allowed, needs approval, or is denied.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyEngine, type GroupConfig, type PolicyAction, type PolicyInput } from '../../src/policy/index.js';

const ROOT = join(import.meta.dirname, '..', '..', 'deploy', 'policies');
const TD = 'prod.example.com';
// Wednesday 2026-03-04, 10:30 UTC: business hours.
const WEDNESDAY_MORNING = Date.UTC(2026, 2, 4, 10, 30);

interface Case {
  readonly name: string;
  readonly principal: string;
  readonly action?: PolicyAction;
  readonly provider: string;
  readonly kind?: string;
  readonly scope?: readonly string[];
  readonly ttlSeconds?: number;
  readonly purpose?: string;
  readonly attributes?: Record<string, string>;
  readonly depth?: number;
  readonly chain?: readonly string[];
  readonly tools?: readonly string[];
  readonly deviations?: number;
  readonly delegate?: string;
  readonly at?: number;
  /** allow, approval (allowed once a human approves) or deny; with the policies that decide. */
  readonly expect: 'allow' | 'approval' | 'deny';
  readonly policies: readonly string[];
}

function workload(path: string): { spiffeId: string; trustDomain: string; path: string } {
  return { spiffeId: `spiffe://${TD}${path}`, trustDomain: TD, path };
}

function input(c: Case): PolicyInput {
  return {
    principal: workload(c.principal),
    action: c.action ?? 'issue',
    resource: { provider: c.provider, kind: c.kind ?? 'oauth-jwt' },
    context: {
      task: {
        id: 't-example',
        purpose: c.purpose ?? 'an example task',
        attributes: c.attributes ?? {},
        depth: c.depth ?? 0,
        chain: (c.chain ?? []).map((p) => workload(p).spiffeId),
        tools: c.tools ?? [],
        credentialsIssued: 0,
        deviations: c.deviations ?? 0,
      },
      scope: c.scope ?? [],
      ttlSeconds: c.ttlSeconds ?? 300,
      now: c.at ?? WEDNESDAY_MORNING,
      ...(c.delegate === undefined ? {} : { delegate: workload(c.delegate) }),
    },
  };
}

const EXAMPLES: Readonly<Record<string, readonly Case[]>> = {
  'read-only-retrieval': [
    { name: 'reads orders', principal: '/agents/retrieval/r1', provider: 'orders-api', scope: ['orders:read'], expect: 'allow', policies: ['retrieval-reads-orders'] },
    { name: 'reads the warehouse', principal: '/agents/retrieval/r1', provider: 'warehouse-db', kind: 'postgres', scope: ['SELECT:analytics.orders'], expect: 'allow', policies: ['retrieval-reads-warehouse'] },
    { name: 'may not write orders', principal: '/agents/retrieval/r1', provider: 'orders-api', scope: ['orders:read', 'orders:write'], expect: 'deny', policies: ['retrieval-never-writes'] },
    { name: 'may not take the provider default scope', principal: '/agents/retrieval/r1', provider: 'orders-api', scope: [], expect: 'deny', policies: [] },
    { name: 'may not hold a read for long', principal: '/agents/retrieval/r1', provider: 'orders-api', scope: ['orders:read'], ttlSeconds: 3600, expect: 'deny', policies: [] },
    { name: 'may not read another table', principal: '/agents/retrieval/r1', provider: 'warehouse-db', kind: 'postgres', scope: ['SELECT:hr.salaries'], expect: 'deny', policies: [] },
    { name: 'may not delegate', principal: '/agents/retrieval/r1', action: 'delegate', provider: 'orders-api', scope: ['orders:read'], delegate: '/agents/retrieval/r2', depth: 1, expect: 'deny', policies: ['retrieval-never-delegates'] },
    { name: 'another agent gets nothing', principal: '/agents/billing/b1', provider: 'orders-api', scope: ['orders:read'], expect: 'deny', policies: [] },
  ],
  'orchestrator-writes-need-approval': [
    { name: 'orchestrator reads on its own', principal: '/agents/orchestrator/o1', provider: 'orders-api', scope: ['orders:read'], expect: 'allow', policies: ['orchestrator-reads'] },
    { name: 'orchestrator writes after approval', principal: '/agents/orchestrator/o1', provider: 'orders-api', scope: ['orders:write'], expect: 'approval', policies: ['orchestrator-writes-with-approval'] },
    {
      name: 'a read and a write together still need approval',
      principal: '/agents/orchestrator/o1',
      provider: 'orders-api',
      scope: ['orders:read', 'orders:write'],
      expect: 'approval',
      policies: ['orchestrator-writes-with-approval'],
    },
    {
      name: 'orchestrator delegates reads to a worker',
      principal: '/agents/orchestrator/o1',
      action: 'delegate',
      provider: 'orders-api',
      scope: ['orders:read'],
      depth: 1,
      chain: ['/agents/orchestrator/o1'],
      delegate: '/agents/worker/w1',
      expect: 'allow',
      policies: ['orchestrator-delegates-reads'],
    },
    {
      name: 'orchestrator may not delegate writes',
      principal: '/agents/orchestrator/o1',
      action: 'delegate',
      provider: 'orders-api',
      scope: ['orders:write'],
      depth: 1,
      delegate: '/agents/worker/w1',
      expect: 'deny',
      policies: [],
    },
    {
      name: 'orchestrator may not delegate to a non-worker',
      principal: '/agents/orchestrator/o1',
      action: 'delegate',
      provider: 'orders-api',
      scope: ['orders:read'],
      depth: 1,
      delegate: '/agents/retrieval/r1',
      expect: 'deny',
      policies: [],
    },
    {
      name: 'delegation stops at depth two',
      principal: '/agents/orchestrator/o1',
      action: 'delegate',
      provider: 'orders-api',
      scope: ['orders:read'],
      depth: 3,
      delegate: '/agents/worker/w1',
      expect: 'deny',
      policies: [],
    },
    { name: 'a worker reads what was delegated', principal: '/agents/worker/w1', provider: 'orders-api', scope: ['orders:read'], depth: 1, chain: ['/agents/orchestrator/o1'], expect: 'allow', policies: ['workers-read-what-was-delegated'] },
    { name: 'a worker gets nothing on its own', principal: '/agents/worker/w1', provider: 'orders-api', scope: ['orders:read'], depth: 0, expect: 'deny', policies: [] },
    { name: 'a worker never writes', principal: '/agents/worker/w1', provider: 'orders-api', scope: ['orders:write'], depth: 1, expect: 'deny', policies: [] },
    { name: 'a person approves', principal: '/people/alice', action: 'admin.approve', provider: 'orders-api', scope: ['orders:write'], expect: 'allow', policies: ['approvers-decide-orders'] },
    { name: 'an agent never approves', principal: '/agents/orchestrator/o1', action: 'admin.approve', provider: 'orders-api', scope: ['orders:write'], expect: 'deny', policies: [] },
  ],
  'high-impact-needs-approval': [
    { name: 'ordinary work goes ahead', principal: '/agents/ops/a1', provider: 'orders-api', scope: ['orders:read'], expect: 'allow', policies: ['agents-ordinary-work'] },
    { name: 'a payment waits for a human', principal: '/agents/ops/a1', provider: 'payments-api', scope: ['payments:create'], expect: 'approval', policies: ['agents-ordinary-work', 'payments-need-approval'] },
    { name: 'a deletion waits for a human', principal: '/agents/ops/a1', provider: 'orders-db', kind: 'postgres', scope: ['SELECT:sales.orders', 'DELETE:sales.orders'], expect: 'approval', policies: ['agents-ordinary-work', 'deletions-need-approval'] },
    { name: 'an OAuth deletion waits too', principal: '/agents/ops/a1', provider: 'orders-api', scope: ['orders:delete'], expect: 'approval', policies: ['agents-ordinary-work', 'deletions-need-approval'] },
    { name: 'an access change waits for a human', principal: '/agents/ops/a1', provider: 'identity-admin', scope: ['roles:assign'], expect: 'approval', policies: ['agents-ordinary-work', 'access-changes-need-approval'] },
    { name: 'a production deployment waits for a human', principal: '/agents/ops/a1', provider: 'deploy-api', scope: ['deploy:production'], expect: 'approval', policies: ['agents-ordinary-work', 'deployments-need-approval'] },
    { name: 'a staging deployment goes ahead', principal: '/agents/ops/a1', provider: 'deploy-api', scope: ['deploy:staging'], expect: 'allow', policies: ['agents-ordinary-work'] },
    { name: 'a payment grant is never renewed', principal: '/agents/ops/a1', action: 'renew', provider: 'payments-api', expect: 'deny', policies: ['no-renewing-high-impact'] },
    { name: 'a person decides', principal: '/people/bob', action: 'admin.approve', provider: 'payments-api', expect: 'allow', policies: ['approvers-decide'] },
    { name: 'someone outside gets nothing', principal: '/contractors/c1', provider: 'payments-api', expect: 'deny', policies: [] },
  ],
  'production-business-hours': [
    { name: 'production on a Wednesday morning, with a ticket', principal: '/agents/a1', provider: 'orders-api', attributes: { environment: 'production', ticket: 'CHG-1' }, expect: 'allow', policies: ['agents-work'] },
    {
      name: 'production on a Wednesday night',
      principal: '/agents/a1',
      provider: 'orders-api',
      attributes: { environment: 'production', ticket: 'CHG-1' },
      at: Date.UTC(2026, 2, 4, 22, 0),
      expect: 'deny',
      policies: ['production-in-business-hours-only'],
    },
    {
      name: 'production at 18:00 sharp',
      principal: '/agents/a1',
      provider: 'orders-api',
      attributes: { environment: 'production', ticket: 'CHG-1' },
      at: Date.UTC(2026, 2, 4, 18, 0),
      expect: 'deny',
      policies: ['production-in-business-hours-only'],
    },
    {
      name: 'production on a Saturday',
      principal: '/agents/a1',
      provider: 'orders-api',
      attributes: { environment: 'production', ticket: 'CHG-1' },
      at: Date.UTC(2026, 2, 7, 10, 0),
      expect: 'deny',
      policies: ['production-in-business-hours-only'],
    },
    { name: 'production without a ticket', principal: '/agents/a1', provider: 'orders-api', attributes: { environment: 'production' }, expect: 'deny', policies: ['production-needs-a-ticket'] },
    { name: 'staging on a Saturday night', principal: '/agents/a1', provider: 'orders-api', attributes: { environment: 'staging' }, at: Date.UTC(2026, 2, 7, 23, 0), expect: 'allow', policies: ['agents-work'] },
    {
      name: 'renewing production at night',
      principal: '/agents/a1',
      action: 'renew',
      provider: 'orders-api',
      attributes: { environment: 'production', ticket: 'CHG-1' },
      at: Date.UTC(2026, 2, 4, 6, 0),
      expect: 'deny',
      policies: ['production-in-business-hours-only'],
    },
  ],
  'deny-unless-allowed': [
    { name: 'billing reads invoices it declared', principal: '/agents/billing/b1', provider: 'invoices-db', kind: 'postgres', scope: ['SELECT:billing.invoices'], tools: ['invoices-db'], expect: 'allow', policies: ['billing-reads-invoices'] },
    {
      name: 'support comments on tickets',
      principal: '/agents/support/s1',
      provider: 'tickets-api',
      scope: ['tickets:read', 'tickets:comment'],
      tools: ['tickets-api'],
      expect: 'allow',
      policies: ['support-comments-on-tickets'],
    },
    { name: 'an undeclared tool is refused', principal: '/agents/billing/b1', provider: 'invoices-db', kind: 'postgres', scope: ['SELECT:billing.invoices'], tools: ['tickets-api'], expect: 'deny', policies: ['only-declared-tools'] },
    { name: 'a task that declares nothing is refused', principal: '/agents/billing/b1', provider: 'invoices-db', kind: 'postgres', scope: ['SELECT:billing.invoices'], expect: 'deny', policies: ['only-declared-tools'] },
    { name: 'a task without a purpose is refused', principal: '/agents/billing/b1', provider: 'invoices-db', kind: 'postgres', scope: ['SELECT:billing.invoices'], tools: ['invoices-db'], purpose: '', expect: 'deny', policies: ['say-what-it-is-for'] },
    { name: 'a long lease is refused', principal: '/agents/billing/b1', provider: 'invoices-db', kind: 'postgres', scope: ['SELECT:billing.invoices'], tools: ['invoices-db'], ttlSeconds: 3600, expect: 'deny', policies: ['short-lived-only'] },
    { name: 'what no permit names is refused', principal: '/agents/billing/b1', provider: 'tickets-api', scope: ['tickets:read'], tools: ['tickets-api'], expect: 'deny', policies: [] },
    { name: 'billing may not write invoices', principal: '/agents/billing/b1', provider: 'invoices-db', kind: 'postgres', scope: ['INSERT:billing.invoices'], tools: ['invoices-db'], expect: 'deny', policies: [] },
    { name: 'a misbehaving task is stopped', principal: '/agents/support/s1', provider: 'tickets-api', scope: ['tickets:read'], tools: ['tickets-api'], deviations: 3, expect: 'deny', policies: ['stop-misbehaving-tasks'] },
    {
      name: 'no delegation at all',
      principal: '/agents/support/s1',
      action: 'delegate',
      provider: 'tickets-api',
      scope: ['tickets:read'],
      tools: ['tickets-api'],
      depth: 1,
      delegate: '/agents/support/s2',
      expect: 'deny',
      policies: ['no-delegation'],
    },
  ],
};

describe('example policy sets in deploy/policies', () => {
  it('has a test for every example, and an example for every test', () => {
    const dirs = readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(dirs).toEqual(Object.keys(EXAMPLES).sort());
  });

  for (const [name, cases] of Object.entries(EXAMPLES)) {
    describe(name, () => {
      let engine: PolicyEngine;
      beforeAll(async () => {
        const groups = parseYaml(readFileSync(join(ROOT, name, 'groups.yaml'), 'utf8')) as GroupConfig[];
        engine = await PolicyEngine.loadDir(join(ROOT, name), { groups });
      });

      it('loads against the schema with no warnings', () => {
        expect(engine.warnings).toEqual([]);
        expect(engine.policyCount).toBeGreaterThan(0);
      });

      for (const c of cases) {
        it(`${c.expect}: ${c.name}`, () => {
          const d = engine.decide(input(c));
          const got = !d.allowed ? 'deny' : d.approvalRequired ? 'approval' : 'allow';
          expect({ decision: got, policies: d.determiningPolicies, errors: d.errors }).toEqual({ decision: c.expect, policies: c.policies, errors: [] });
        });
      }
    });
  }
});
