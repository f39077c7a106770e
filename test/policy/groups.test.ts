import { describe, expect, it } from 'vitest';
import { PolicyEngine, WARRANT_SCHEMA } from '../../src/policy/index.js';
import { vectorInput } from './vectors.js';

const GROUPS = [
  { name: 'reporters', match: ['spiffe://example.org/*/reports'] },
  { name: 'exact', match: ['spiffe://example.org/ops/alice'] },
  { name: 'domain', match: ['spiffe://partner.example'] },
  { name: 'everything-under', match: ['spiffe://example.org/**'] },
];

// One permit per group, so the determining policies name the groups the caller is in.
const engine = PolicyEngine.fromTexts(
  [
    {
      name: 'groups.cedar',
      text: GROUPS.map((group) => `@id("${group.name}") permit (principal in Group::"${group.name}", action, resource);`).join('\n'),
    },
  ],
  WARRANT_SCHEMA,
  { groups: GROUPS },
);

function groupsOf(spiffeId: string): string[] {
  return engine.decide(vectorInput({ spiffeId })).determiningPolicies;
}

describe('group patterns', () => {
  it.each<[string, string[]]>([
    ['spiffe://example.org/billing/reports', ['reporters', 'everything-under']],
    ['spiffe://example.org/billing/eu/reports', ['everything-under']],
    ['spiffe://example.org/reports', ['everything-under']],
    ['spiffe://example.org/billing/reports/x', ['everything-under']],
    ['spiffe://example.org/ops/alice', ['exact', 'everything-under']],
    ['spiffe://example.org/ops/alice2', ['everything-under']],
    ['spiffe://example.org', []],
    ['spiffe://partner.example', ['domain']],
    ['spiffe://partner.example/ops/alice', []],
    ['spiffe://example.org.evil/ops/alice', []],
  ])('%s is in %j', (spiffeId, groups) => {
    expect(groupsOf(spiffeId)).toEqual(groups);
  });
});
