import type { GroupConfig } from './groups.js';

/** The caller, as identity established it. */
export interface PolicyPrincipal {
  spiffeId: string;
  trustDomain: string;
  path: string;
}

export const POLICY_ACTIONS = [
  'issue',
  'renew',
  'revoke',
  'complete',
  'delegate',
  'admin.read',
  'admin.revoke',
  'admin.approve',
] as const;

export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** One request to decide; see warrant.cedarschema for how each field reaches Cedar. */
export interface PolicyInput {
  principal: PolicyPrincipal;
  action: PolicyAction;
  resource: { provider: string; kind: string };
  context: {
    task: PolicyTask;
    scope: readonly string[];
    ttlSeconds: number;
    /** Milliseconds since the epoch; policies see it floored to the minute. */
    now: number;
    /** The workload receiving a delegated task (action `delegate` only). */
    delegate?: PolicyPrincipal;
  };
}

/** The task a request concerns, as policy sees it. Absent optional fields are empty or zero. */
export interface PolicyTask {
  id: string;
  purpose: string;
  attributes: Readonly<Record<string, string>>;
  depth: number;
  /** SPIFFE IDs of the workloads that delegated it, root first. */
  chain?: readonly string[];
  /** Names of the providers the task declared. */
  tools?: readonly string[];
  /** Credentials obtained so far by the task and its descendants. */
  credentialsIssued?: number;
  /** Requests of the task counted as deviations so far (undeclared tools, over budget, denials). */
  deviations?: number;
}

/** Where a policy was loaded from, for people reading a decision. */
export interface PolicyInfo {
  id: string;
  effect: 'permit' | 'forbid';
  /** The file, and the 1-based line and column where the policy starts. */
  source: string;
  line: number;
  column: number;
  approvalRequired: boolean;
  /** Every annotation on the policy (e.g. @reason("…")), @id and @approval included. */
  annotations: Readonly<Record<string, string>>;
}

/** The outcome of one request. Decisions are frozen: a cached one is shared between callers. */
export interface Decision {
  allowed: boolean;
  /** Ids of the policies that decided: the satisfied permits on allow, the satisfied forbids on deny. */
  determiningPolicies: string[];
  /** `<policy id>: <message>` for each policy whose evaluation failed (it is then ignored). */
  errors: string[];
  /** Short hex digest of the schema and the policy files; equal sets have equal versions. */
  policyVersion: string;
  /** True when the request is allowed and a determining permit is annotated @approval("required"). */
  approvalRequired: boolean;
}

export interface PolicyEngineOptions {
  groups?: readonly GroupConfig[];
  /** Decisions (and group memberships) remembered per engine; 0 turns caching off. Default 10,000. */
  cacheSize?: number;
}

/** Counters for metrics and tests. */
export interface PolicyEngineStats {
  /** Requests evaluated by Cedar (cache misses). */
  evaluations: number;
  /** Requests answered from the decision cache. */
  cacheHits: number;
  /** Decisions currently cached. */
  cachedDecisions: number;
}
