import { describe, expect, it } from 'vitest';
import { PolicyEngine, WARRANT_SCHEMA } from '../../src/policy/index.js';
import { POLICY_VECTORS, VECTOR_FILES, VECTOR_GROUPS, vectorInput } from './vectors.js';

describe('policy vectors', () => {
  const engine = PolicyEngine.fromTexts(VECTOR_FILES, WARRANT_SCHEMA, { groups: VECTOR_GROUPS ?? [] });

  it.each(POLICY_VECTORS)('$name', ({ input, expect: want }) => {
    expect(engine.decide(vectorInput(input))).toEqual({
      allowed: want.allowed,
      determiningPolicies: want.determiningPolicies,
      errors: want.errors ?? [],
      policyVersion: engine.version,
      approvalRequired: want.approvalRequired ?? false,
    });
  });
});
