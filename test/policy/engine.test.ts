import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyEngine, WARRANT_SCHEMA, type PolicyInput } from '../../src/policy/index.js';
import { vectorInput } from './vectors.js';

const AGENTS = [{ name: 'agents', match: ['spiffe://example.org/agents/*'] }];

const ALLOW_DEV = `@id("dev")
permit (principal in Group::"agents", action == Action::"issue", resource)
when { context.task.hasTag("environment") && context.task.getTag("environment") == "dev" };
`;

function engineOf(text: string, options: Parameters<typeof PolicyEngine.fromTexts>[2] = { groups: AGENTS }): PolicyEngine {
  return PolicyEngine.fromTexts([{ name: 'policy.cedar', text }], WARRANT_SCHEMA, options);
}

describe('PolicyEngine.decide', () => {
  it('denies everything with no policies', () => {
    const engine = PolicyEngine.fromTexts([], WARRANT_SCHEMA);
    expect(engine.policyCount).toBe(0);
    expect(engine.decide(vectorInput({}))).toEqual({
      allowed: false,
      determiningPolicies: [],
      errors: [],
      policyVersion: engine.version,
      approvalRequired: false,
    });
  });

  it('names policies by @id, else by file and 1-based index', () => {
    const engine = PolicyEngine.fromTexts(
      [
        { name: 'a.cedar', text: 'permit (principal, action == Action::"issue", resource);\n@id("renewals")\npermit (principal, action == Action::"renew", resource);\npermit (principal, action == Action::"revoke", resource);' },
        { name: 'b.cedar', text: '// only a comment\n' },
      ],
      WARRANT_SCHEMA,
    );
    expect(engine.policyIds).toEqual(['a.cedar:1', 'renewals', 'a.cedar:3']);
    expect(engine.policyCount).toBe(3);
    expect(engine.decide(vectorInput({ action: 'issue' })).determiningPolicies).toEqual(['a.cedar:1']);
    expect(engine.decide(vectorInput({ action: 'renew' })).determiningPolicies).toEqual(['renewals']);
    expect(engine.decide(vectorInput({ action: 'revoke' })).determiningPolicies).toEqual(['a.cedar:3']);
  });

  it('splits policies only at a ; outside strings and comments', () => {
    const text = [
      '// a comment with ; and an unmatched " quote',
      'permit (principal, action == Action::"issue", resource) when { principal.path like "*;*" };',
      '@id("escaped") permit (principal, action == Action::"renew", resource) when { principal.path != "\\"; //" };',
      'permit (principal, action == Action::"revoke", resource) when { resource.kind == "http://x;y" }; // trailing ;',
    ].join('\n');
    const engine = PolicyEngine.fromTexts([{ name: 'tricky.cedar', text }], WARRANT_SCHEMA);
    expect(engine.policyIds).toEqual(['tricky.cedar:1', 'escaped', 'tricky.cedar:3']);
    expect(engine.decide(vectorInput({ action: 'revoke', kind: 'http://x;y' })).determiningPolicies).toEqual(['tricky.cedar:3']);
    expect(engine.decide(vectorInput({ action: 'renew' })).determiningPolicies).toEqual(['escaped']);
  });

  it('lets a forbid override a permit', () => {
    const engine = engineOf(`${ALLOW_DEV}@id("no-s3-delete")\nforbid (principal, action, resource) when { context.scope.contains("s3:DeleteObject") };\n`);
    expect(engine.decide(vectorInput({ scope: ['s3:GetObject'] }))).toMatchObject({ allowed: true, determiningPolicies: ['dev'] });
    expect(engine.decide(vectorInput({ scope: ['s3:GetObject', 's3:DeleteObject'] }))).toMatchObject({
      allowed: false,
      determiningPolicies: ['no-s3-delete'],
    });
  });

  it('surfaces @approval("required") only on an allow', () => {
    const engine = engineOf(
      `@id("prod") @approval("required")\npermit (principal in Group::"agents", action == Action::"issue", resource)\nwhen { context.task.hasTag("environment") && context.task.getTag("environment") == "prod" };\n` +
        `@id("long") forbid (principal, action, resource) when { context.ttlSeconds > 3600 };\n`,
    );
    expect(engine.decide(vectorInput({ attributes: { environment: 'prod' } }))).toMatchObject({ allowed: true, approvalRequired: true });
    expect(engine.decide(vectorInput({ attributes: { environment: 'prod' }, ttlSeconds: 4000 }))).toMatchObject({
      allowed: false,
      determiningPolicies: ['long'],
      approvalRequired: false,
    });
  });

  it('requires approval when any determining permit asks for it', () => {
    const engine = engineOf(`${ALLOW_DEV}@id("watched") @approval("required")\npermit (principal, action == Action::"issue", resource == Provider::"aws-dev");\n`);
    expect(engine.decide(vectorInput({}))).toMatchObject({ allowed: true, determiningPolicies: ['dev', 'watched'], approvalRequired: true });
    expect(engine.decide(vectorInput({ provider: 'aws-other' }))).toMatchObject({ allowed: true, determiningPolicies: ['dev'], approvalRequired: false });
  });

  it('gives policies the hour and weekday in UTC', () => {
    const engine = engineOf(
      `@id("weekday-office")\npermit (principal, action == Action::"issue", resource)\nwhen { context.hourOfDayUtc >= 9 && context.hourOfDayUtc < 17 && context.dayOfWeekUtc >= 1 && context.dayOfWeekUtc <= 5 };\n`,
    );
    expect(engine.decide(vectorInput({ now: Date.UTC(2024, 0, 8, 9, 0) })).allowed).toBe(true); // Monday
    expect(engine.decide(vectorInput({ now: Date.UTC(2024, 0, 8, 8, 59, 59) })).allowed).toBe(false);
    expect(engine.decide(vectorInput({ now: Date.UTC(2024, 0, 12, 16, 59) })).allowed).toBe(true); // Friday
    expect(engine.decide(vectorInput({ now: Date.UTC(2024, 0, 13, 12, 0) })).allowed).toBe(false); // Saturday
    expect(engine.decide(vectorInput({ now: Date.UTC(2024, 0, 14, 12, 0) })).allowed).toBe(false); // Sunday
  });

  it('shows policies the time floored to the minute', () => {
    const engine = engineOf(`permit (principal, action, resource) when { context.nowEpochSeconds == 1704709800 };\n`);
    expect(engine.decide(vectorInput({ now: Date.UTC(2024, 0, 8, 10, 30, 59, 999) })).allowed).toBe(true);
    expect(engine.decide(vectorInput({ now: Date.UTC(2024, 0, 8, 10, 31) })).allowed).toBe(false);
  });

  it('exposes task attributes as tags, and purpose and depth as attributes', () => {
    const engine = engineOf(
      `permit (principal, action, resource)\nwhen { context.task.hasTag("sensitivity") && context.task.getTag("sensitivity") == "low" && context.task.purpose == "triage" && context.task.depth == 1 };\n`,
    );
    expect(engine.decide(vectorInput({ attributes: { sensitivity: 'low' }, purpose: 'triage', depth: 1 })).allowed).toBe(true);
    expect(engine.decide(vectorInput({ attributes: { sensitivity: 'high' }, purpose: 'triage', depth: 1 })).allowed).toBe(false);
    expect(engine.decide(vectorInput({ attributes: {}, purpose: 'triage', depth: 1 })).allowed).toBe(false);
    expect(engine.decide(vectorInput({ attributes: { sensitivity: 'low' }, purpose: 'triage', depth: 0 })).allowed).toBe(false);
  });

  it('exposes the workload and provider attributes', () => {
    const engine = engineOf(
      `permit (principal, action, resource) when { principal.trustDomain == "example.org" && principal.path like "/agents/*" && resource.kind == "postgres" };\n`,
    );
    expect(engine.decide(vectorInput({ kind: 'postgres' })).allowed).toBe(true);
    expect(engine.decide(vectorInput({ kind: 'mysql' })).allowed).toBe(false);
    expect(engine.decide(vectorInput({ kind: 'postgres', spiffeId: 'spiffe://other.org/agents/a' })).allowed).toBe(false);
  });

  it('returns frozen decisions', () => {
    const decision = engineOf(ALLOW_DEV).decide(vectorInput({}));
    expect(Object.isFrozen(decision)).toBe(true);
    expect(Object.isFrozen(decision.determiningPolicies)).toBe(true);
    expect(Object.isFrozen(decision.errors)).toBe(true);
  });

  it.each<[string, (input: PolicyInput) => void, string]>([
    ['empty SPIFFE ID', (i) => (i.principal.spiffeId = ''), 'PolicyInput.principal.spiffeId must be a non-empty string'],
    ['unknown action', (i) => ((i as { action: string }).action = 'destroy'), 'PolicyInput.action must be one of issue, renew, revoke, complete, delegate, admin.read, admin.revoke, admin.approve'],
    ['empty provider', (i) => (i.resource.provider = ''), 'PolicyInput.resource.provider must be a non-empty string'],
    ['fractional depth', (i) => (i.context.task.depth = 0.5), 'PolicyInput.context.task.depth must be a non-negative integer'],
    ['number attribute', (i) => (i.context.task.attributes = { level: 3 } as unknown as Record<string, string>), 'PolicyInput.context.task.attributes must be an object of strings'],
    ['number in scope', (i) => (i.context.scope = [1] as unknown as string[]), 'PolicyInput.context.scope must be an array of strings'],
    ['fractional ttl', (i) => (i.context.ttlSeconds = 1.5), 'PolicyInput.context.ttlSeconds must be an integer'],
    ['NaN now', (i) => (i.context.now = Number.NaN), 'PolicyInput.context.now must be a finite number of milliseconds'],
  ])('rejects malformed input: %s', (_name, spoil, message) => {
    const engine = engineOf(ALLOW_DEV);
    const input = vectorInput({});
    spoil(input);
    expect(() => engine.decide(input)).toThrow(new TypeError(message));
    expect(engine.stats().evaluations).toBe(0);
  });
});

describe('PolicyEngine decision cache', () => {
  it('answers a repeated request without evaluating it again', () => {
    const engine = engineOf(ALLOW_DEV);
    const first = engine.decide(vectorInput({}));
    expect(engine.stats()).toEqual({ evaluations: 1, cacheHits: 0, cachedDecisions: 1 });
    const second = engine.decide(vectorInput({}));
    expect(second).toBe(first);
    expect(engine.stats()).toEqual({ evaluations: 1, cacheHits: 1, cachedDecisions: 1 });
  });

  it('treats scope as a set and attributes as unordered', () => {
    const engine = engineOf(ALLOW_DEV);
    engine.decide(vectorInput({ scope: ['a', 'b'], attributes: { environment: 'dev', team: 'x' } }));
    engine.decide(vectorInput({ scope: ['b', 'a', 'a'], attributes: { team: 'x', environment: 'dev' } }));
    expect(engine.stats()).toMatchObject({ evaluations: 1, cacheHits: 1 });
  });

  it.each<[string, Parameters<typeof vectorInput>[0]]>([
    ['scope', { scope: ['s3:PutObject'] }],
    ['ttl', { ttlSeconds: 901 }],
    ['task attribute', { attributes: { environment: 'dev', data: 'public' } }],
    ['purpose', { purpose: 'other' }],
    ['depth', { depth: 1 }],
    ['principal', { spiffeId: 'spiffe://example.org/agents/other' }],
    ['action', { action: 'renew' }],
    ['provider', { provider: 'aws-other' }],
    ['provider kind', { kind: 'postgres' }],
    ['minute', { now: Date.UTC(2024, 0, 8, 10, 31) }],
  ])('evaluates afresh when the %s differs', (_name, patch) => {
    const engine = engineOf(ALLOW_DEV);
    engine.decide(vectorInput({}));
    engine.decide(vectorInput(patch));
    expect(engine.stats()).toMatchObject({ evaluations: 2, cacheHits: 0, cachedDecisions: 2 });
  });

  it('reuses a decision within the same minute', () => {
    const engine = engineOf(ALLOW_DEV);
    engine.decide(vectorInput({ now: Date.UTC(2024, 0, 8, 10, 30, 0) }));
    engine.decide(vectorInput({ now: Date.UTC(2024, 0, 8, 10, 30, 59, 999) }));
    expect(engine.stats()).toMatchObject({ evaluations: 1, cacheHits: 1 });
  });

  it('never serves a decision from another policy version', () => {
    const allowing = engineOf(ALLOW_DEV);
    expect(allowing.decide(vectorInput({})).allowed).toBe(true);
    const denying = engineOf(`${ALLOW_DEV}@id("freeze") forbid (principal, action, resource);\n`);
    expect(denying.version).not.toBe(allowing.version);
    expect(denying.decide(vectorInput({}))).toMatchObject({ allowed: false, determiningPolicies: ['freeze'], policyVersion: denying.version });
    expect(denying.stats()).toMatchObject({ evaluations: 1, cacheHits: 0 });
    // The first engine's prepared set is untouched by the second load.
    expect(allowing.decide(vectorInput({ ttlSeconds: 60 }))).toMatchObject({ allowed: true, policyVersion: allowing.version });
  });

  it('starts a reloaded engine of the same version with an empty cache', () => {
    const first = engineOf(ALLOW_DEV);
    first.decide(vectorInput({}));
    const reloaded = engineOf(ALLOW_DEV);
    expect(reloaded.version).toBe(first.version);
    reloaded.decide(vectorInput({}));
    expect(reloaded.stats()).toEqual({ evaluations: 1, cacheHits: 0, cachedDecisions: 1 });
  });

  it('forgets the least recently used decision beyond cacheSize', () => {
    const engine = engineOf(ALLOW_DEV, { groups: AGENTS, cacheSize: 2 });
    engine.decide(vectorInput({ ttlSeconds: 1 }));
    engine.decide(vectorInput({ ttlSeconds: 2 }));
    engine.decide(vectorInput({ ttlSeconds: 1 })); // hit; 2 is now the oldest
    engine.decide(vectorInput({ ttlSeconds: 3 })); // evicts 2
    expect(engine.stats()).toEqual({ evaluations: 3, cacheHits: 1, cachedDecisions: 2 });
    engine.decide(vectorInput({ ttlSeconds: 1 }));
    engine.decide(vectorInput({ ttlSeconds: 2 }));
    expect(engine.stats()).toEqual({ evaluations: 4, cacheHits: 2, cachedDecisions: 2 });
  });

  it('does not cache with cacheSize 0', () => {
    const engine = engineOf(ALLOW_DEV, { groups: AGENTS, cacheSize: 0 });
    engine.decide(vectorInput({}));
    engine.decide(vectorInput({}));
    expect(engine.stats()).toEqual({ evaluations: 2, cacheHits: 0, cachedDecisions: 0 });
  });

  it('rejects a bad cacheSize', () => {
    expect(() => engineOf(ALLOW_DEV, { cacheSize: -1 })).toThrow(new RangeError('cacheSize must be a non-negative integer, got -1'));
  });
});

describe('PolicyEngine.version', () => {
  it('is a short hex digest that changes with any policy or schema text', () => {
    const base = engineOf(ALLOW_DEV);
    expect(base.version).toMatch(/^[0-9a-f]{16}$/);
    expect(engineOf(ALLOW_DEV).version).toBe(base.version);
    expect(engineOf(`${ALLOW_DEV}\n`).version).not.toBe(base.version);
    expect(PolicyEngine.fromTexts([{ name: 'other.cedar', text: ALLOW_DEV }], WARRANT_SCHEMA).version).not.toBe(base.version);
    expect(PolicyEngine.fromTexts([{ name: 'policy.cedar', text: ALLOW_DEV }], `${WARRANT_SCHEMA}\n`).version).not.toBe(base.version);
  });
});

describe('PolicyEngine.loadDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warrant-policy-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads an empty directory that denies everything', async () => {
    const engine = await PolicyEngine.loadDir(dir);
    expect(engine.policyCount).toBe(0);
    expect(engine.decide(vectorInput({})).allowed).toBe(false);
  });

  it('reads *.cedar files in name order, skipping dot-files and other files', async () => {
    await writeFile(join(dir, 'b.cedar'), 'permit (principal, action == Action::"renew", resource);\n');
    await writeFile(join(dir, 'a.cedar'), 'permit (principal, action == Action::"issue", resource);\n');
    await writeFile(join(dir, '.draft.cedar'), 'this is not cedar');
    await writeFile(join(dir, 'notes.txt'), 'this is not cedar either');
    await mkdir(join(dir, 'dir.cedar'));
    const engine = await PolicyEngine.loadDir(dir);
    expect(engine.policyIds).toEqual(['a.cedar:1', 'b.cedar:1']);
    expect(engine.version).toBe(
      PolicyEngine.fromTexts(
        [
          { name: 'a.cedar', text: 'permit (principal, action == Action::"issue", resource);\n' },
          { name: 'b.cedar', text: 'permit (principal, action == Action::"renew", resource);\n' },
        ],
        WARRANT_SCHEMA,
      ).version,
    );
  });

  it('follows symlinked files, as a Kubernetes ConfigMap mounts them', async () => {
    await mkdir(join(dir, '..data'));
    await writeFile(join(dir, '..data', 'main.cedar'), ALLOW_DEV);
    await symlink(join('..data', 'main.cedar'), join(dir, 'main.cedar'));
    const engine = await PolicyEngine.loadDir(dir, { groups: AGENTS });
    expect(engine.policyIds).toEqual(['dev']);
    expect(engine.decide(vectorInput({})).allowed).toBe(true);
  });

  it('uses schema.cedarschema from the directory, with action groups resolved', async () => {
    const declarations = WARRANT_SCHEMA.slice(0, WARRANT_SCHEMA.indexOf('action issue'));
    const appliesTo = 'appliesTo { principal: Workload, resource: Provider, context: RequestContext }';
    const schema =
      `${declarations}action admin;\n` +
      `action issue, renew, revoke, complete, delegate ${appliesTo};\n` +
      `action "admin.read", "admin.revoke", "admin.approve" in [admin] ${appliesTo};\n`;
    await writeFile(join(dir, 'schema.cedarschema'), schema);
    await writeFile(join(dir, 'ops.cedar'), '@id("ops") permit (principal, action in Action::"admin", resource) when { principal.path == "/ops" };\n');
    const engine = await PolicyEngine.loadDir(dir);
    expect(engine.decide(vectorInput({ action: 'admin.revoke', spiffeId: 'spiffe://example.org/ops' }))).toMatchObject({
      allowed: true,
      determiningPolicies: ['ops'],
    });
    expect(engine.decide(vectorInput({ action: 'issue', spiffeId: 'spiffe://example.org/ops' })).allowed).toBe(false);
  });

  it('reports validation warnings with their position', async () => {
    await writeFile(join(dir, 'a.cedar'), '\n@id("never")\npermit (principal, action, resource) when { false };\n');
    const engine = await PolicyEngine.loadDir(dir);
    expect(engine.warnings).toEqual([
      `${join(dir, 'a.cedar')}:2:1: for policy \`never\`, policy is impossible: the policy expression evaluates to false for all valid requests`,
    ]);
  });
});
