// Policies that read only the principal, the action and the resource are asked apart and their
// answer is remembered per (principal, action, resource). Until it is known, Cedar is asked once
// about every policy that can apply, and the principal part's answer is read from that answer when
// it tells. These tests count Cedar's calls and tell which set each used, and check the decisions
// against the engine with no cache (one call each).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { PolicyEngine, WARRANT_SCHEMA, type PolicyInput } from '../../src/policy/index.js';
import { vectorInput } from './vectors.js';

vi.mock('@cedar-policy/cedar-wasm/nodejs', async (importOriginal) => {
  const real = await importOriginal<typeof import('@cedar-policy/cedar-wasm/nodejs')>();
  return { ...real, statefulIsAuthorized: vi.fn(real.statefulIsAuthorized) };
});

const calls = vi.mocked(cedar.statefulIsAuthorized);

const GROUPS = [
  { name: 'agents', match: ['spiffe://example.org/agents/*'] },
  { name: 'fleet', match: ['spiffe://example.org/fleet/**'] },
];

const POLICIES = `@id("dev")
permit (principal in Group::"agents", action == Action::"issue", resource)
when { context.task.hasTag("environment") && context.task.getTag("environment") == "dev" };

@id("partners-out")
forbid (principal, action, resource) when { principal.trustDomain != "example.org" };

@id("no-postgres-for-fleet")
forbid (principal in Group::"fleet", action, resource) when { resource.kind == "postgres" };

@id("fleet-approves")
forbid (principal, action in [Action::"admin.approve", Action::"admin.revoke"], resource)
when { action == Action::"admin.approve" && principal.path like "/fleet/*" };

@id("fleet-administers")
permit (principal in Group::"fleet", action in [Action::"admin.approve", Action::"admin.revoke"], resource);

@id("no-long")
forbid (principal, action == Action::"issue", resource) when { context.ttlSeconds > 3600 };

@id("agents-overflow")
forbid (principal in Group::"agents", action == Action::"renew", resource) when { 9223372036854775807 + 1 > 0 };
`;

function engine(cacheSize: number): PolicyEngine {
  return PolicyEngine.fromTexts([{ name: 'p.cedar', text: POLICIES }], WARRANT_SCHEMA, { groups: GROUPS, cacheSize });
}

function withTask(input: PolicyInput, id: string, environment: string): PolicyInput {
  return { ...input, context: { ...input.context, task: { ...input.context.task, id, attributes: { environment } } } };
}

describe('principal-only policies', () => {
  let remembering: PolicyEngine;
  let plain: PolicyEngine;
  beforeEach(() => {
    remembering = engine(1_000);
    plain = engine(0);
    calls.mockClear();
  });

  /**
   * The decision, and for each Cedar call it took whether it was on the policies that read the
   * request ('request': what cedarCall shows) or on another set (the principal part or both parts).
   */
  function decide(e: PolicyEngine, input: PolicyInput) {
    const before = calls.mock.calls.length;
    const requestSet = e.cedarCall(input)?.preparsedPolicySetId;
    const decision = e.decide(input);
    const sets = calls.mock.calls.slice(before).map(([call]) => (call.preparsedPolicySetId === requestSet ? 'request' : 'other'));
    return { decision, sets };
  }

  it('are answered with the rest at first, then remembered: later fresh decisions ask only about the request', () => {
    const first = vectorInput({ attributes: { environment: 'dev' } });
    expect(decide(remembering, first)).toMatchObject({ sets: ['other'], decision: { allowed: true, determiningPolicies: ['dev'] } });
    const second = withTask(first, 'task-2', 'prod');
    expect(decide(remembering, second)).toMatchObject({ sets: ['request'], decision: { allowed: false, determiningPolicies: [] } });
    // Another workload has its own answer: denied by a principal-only forbid, which tells it.
    const partner = { ...withTask(first, 'task-3', 'dev'), principal: { spiffeId: 'spiffe://partner.example/agents/x', trustDomain: 'partner.example', path: '/agents/x' } };
    expect(decide(remembering, partner)).toMatchObject({ sets: ['other'], decision: { allowed: false, determiningPolicies: ['partners-out'] } });
    expect(decide(remembering, withTask(partner, 'task-5', 'prod')).sets).toEqual(['request']);
    // Another provider: not known yet; another kind, which none of these policies reads: known.
    expect(decide(remembering, { ...withTask(first, 'task-4', 'dev'), resource: { provider: 'orders-db', kind: 'aws-sts' } }).sets).toEqual(['other']);
    expect(decide(remembering, { ...withTask(first, 'task-6', 'dev'), resource: { provider: 'aws-dev', kind: 'postgres' } }).sets).toEqual(['request']);
    // For the fleet a policy reads the kind: each kind is learnt once.
    const fleet = withTask(vectorInput({ spiffeId: 'spiffe://example.org/fleet/a/b' }), 'task-7', 'dev');
    expect(decide(remembering, fleet).sets).toEqual(['other']);
    const postgres = { ...fleet, resource: { provider: 'aws-dev', kind: 'postgres' } };
    expect(decide(remembering, postgres)).toMatchObject({ sets: ['other'], decision: { determiningPolicies: ['no-postgres-for-fleet'] } });
    expect(decide(remembering, withTask(postgres, 'task-8', 'dev')).sets).toEqual(['request']);
    for (const input of [first, second, partner, postgres]) expect(remembering.decide(input)).toEqual(plain.decide(input));
  });

  it('are not remembered from an answer that does not tell theirs: a deny by forbids that read the request', () => {
    const long = { ...vectorInput({ attributes: { environment: 'dev' } }), context: { ...vectorInput({}).context, ttlSeconds: 7200 } };
    expect(decide(remembering, long)).toMatchObject({ sets: ['other'], decision: { allowed: false, determiningPolicies: ['no-long'] } });
    expect(decide(remembering, withTask(long, 'task-2', 'dev')).sets).toEqual(['other']);
    const short = { ...withTask(long, 'task-3', 'dev'), context: { ...withTask(long, 'task-3', 'dev').context, ttlSeconds: 600 } };
    expect(decide(remembering, short)).toMatchObject({ sets: ['other'], decision: { allowed: true, determiningPolicies: ['dev'] } });
    expect(decide(remembering, withTask(long, 'task-4', 'dev'))).toMatchObject({ sets: ['request'], decision: plain.decide(long) });
  });

  it('are remembered per action', () => {
    const fleet = (action: PolicyInput['action'], task: string) => withTask(vectorInput({ spiffeId: 'spiffe://example.org/fleet/a/b', action }), task, 'dev');
    expect(remembering.decide(fleet('admin.approve', 't1'))).toMatchObject({ allowed: false, determiningPolicies: ['fleet-approves'] });
    expect(remembering.decide(fleet('admin.revoke', 't2'))).toMatchObject({ allowed: true, determiningPolicies: ['fleet-administers'] });
    expect(remembering.decide(fleet('admin.approve', 't3'))).toEqual(plain.decide(fleet('admin.approve', 't3')));
  });

  it('report their errors on every decision they take part in', () => {
    const renew = (task: string) => withTask(vectorInput({ action: 'renew' }), task, 'dev');
    const want = plain.decide(renew('t1'));
    expect(want.errors).toEqual([expect.stringMatching(/^agents-overflow: integer overflow/)]);
    // Only principal-only policies apply to renew: one call on them, then none.
    expect(decide(remembering, renew('t1'))).toMatchObject({ sets: ['request'], decision: want });
    expect(decide(remembering, renew('t2'))).toMatchObject({ sets: [], decision: { errors: want.errors } });
  });

  it('are asked with the rest, in one call, when caching is off', () => {
    const input = vectorInput({ attributes: { environment: 'dev' } });
    expect(decide(plain, input).sets).toEqual(['request']);
    expect(decide(plain, withTask(input, 'task-2', 'dev')).sets).toEqual(['request']);
  });
});
