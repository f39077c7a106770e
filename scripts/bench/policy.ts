// Policy decision cost per request with 200 realistic policies and realistic entities: a fresh
// decision (decision cache miss), a fresh decision for a workload never seen before (its
// principal-only policies are asked too), a repeat served from the decision cache, and the floor
// measured in the same run — a bare statefulIsAuthorized on the same prepared set with the same entities.
//
//   node --no-turbo-inline-js-wasm-calls --import tsx scripts/bench/policy.ts [--json] [--samples N]
//
// Targets: fresh ≤ 100 µs p50; cached ≤ 10 µs p50. Exit code 1 when a target is missed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preparsePolicySet, statefulIsAuthorized, type EntityJson, type StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import { PolicyEngine, type GroupConfig, type PolicyInput } from '../../src/policy/index.js';

const TD = 'prod.example.com';
const TEAMS = 40;
const PROVIDERS = 40;
const FRESH_TARGET_US = 100;
const CACHED_TARGET_US = 10;

const json = process.argv.includes('--json');
const samplesArg = process.argv.indexOf('--samples');
const SAMPLES = samplesArg === -1 ? 20_000 : Number(process.argv[samplesArg + 1]);
if (!Number.isSafeInteger(SAMPLES) || SAMPLES < 100) throw new Error('--samples takes a whole number of at least 100');
const WARMUP = Math.min(5_000, SAMPLES);

// ── 200 policies of the kinds security teams write ──────────────────────────────────────────
function policySet(): { files: Record<string, string>; count: number } {
  const files: Record<string, string[]> = { '10-teams.cedar': [], '20-approvals.cedar': [], '30-guards.cedar': [], '40-delegation.cedar': [], '50-operators.cedar': [] };
  const add = (file: string, text: string) => files[file]!.push(text);
  for (let i = 0; i < 60; i++) {
    const team = `team-${i % TEAMS}`;
    const svc = `svc-${i % PROVIDERS}`;
    add(
      '10-teams.cedar',
      `@id("${team}-reads-${svc}-${i}")
permit (principal in Group::"${team}", action in [Action::"issue", Action::"renew"], resource == Provider::"${svc}")
when {
  context.task.hasTag("environment") && ["dev", "staging", "production"].contains(context.task.getTag("environment")) &&
  !context.scope.isEmpty() && ["${svc}:read", "${svc}:list", "SELECT:${svc}.orders"].containsAll(context.scope) &&
  context.ttlSeconds <= 3600
};`,
    );
  }
  for (let i = 0; i < 40; i++) {
    const team = `team-${i % TEAMS}`;
    const svc = `svc-${(i * 7) % PROVIDERS}`;
    add(
      '20-approvals.cedar',
      `@id("${team}-writes-${svc}-${i}")
@approval("required")
permit (principal in Group::"${team}", action == Action::"issue", resource == Provider::"${svc}")
when { context.scope.containsAny(["${svc}:write", "${svc}:delete", "DELETE:${svc}.orders"]) && context.task.hasTag("ticket") };`,
    );
  }
  for (let i = 0; i < 50; i++) {
    const kinds = [
      () => `forbid (principal, action in [Action::"issue", Action::"renew"], resource == Provider::"svc-${i % PROVIDERS}")
when { context.task.hasTag("environment") && context.task.getTag("environment") == "production" &&
  (context.hourOfDayUtc < ${6 + (i % 3)} || context.hourOfDayUtc >= ${18 + (i % 4)} || context.dayOfWeekUtc == 0 || context.dayOfWeekUtc == 6) };`,
      () => `forbid (principal in Group::"team-${i % TEAMS}", action == Action::"issue", resource)
when { context.task.hasTag("data") && context.task.getTag("data") == "restricted-${i}" };`,
      () => `forbid (principal, action == Action::"issue", resource == Provider::"svc-${i % PROVIDERS}")
when { context.task.depth > ${1 + (i % 3)} && context.scope.contains("svc-${i % PROVIDERS}:write") };`,
      () => `forbid (principal, action, resource) when { principal.trustDomain != "${TD}" && principal.path like "/partners/p${i}/*" };`,
      () => `forbid (principal, action == Action::"issue", resource == Provider::"svc-${i % PROVIDERS}") when { context.ttlSeconds > ${900 * (1 + (i % 4))} && context.task.hasTag("environment") && context.task.getTag("environment") == "production" };`,
    ];
    add('30-guards.cedar', `@id("guard-${i}")\n${kinds[i % kinds.length]!()}`);
  }
  for (let i = 0; i < 30; i++) {
    add(
      '40-delegation.cedar',
      `@id("delegate-${i}")
permit (principal in Group::"team-${i % TEAMS}", action == Action::"delegate", resource == Provider::"svc-${(i * 3) % PROVIDERS}")
when { context has delegate && context.delegate in Group::"team-${(i + 1) % TEAMS}" && context.task.depth <= 2 };`,
    );
  }
  for (let i = 0; i < 20; i++) {
    add(
      '50-operators.cedar',
      `@id("operators-${i}")
permit (principal in Group::"operators", action in [Action::"admin.read", Action::"admin.revoke", Action::"admin.approve"], resource == Provider::"svc-${i % PROVIDERS}")
when { context.task.hasTag("ticket") };`,
    );
  }
  const out: Record<string, string> = {};
  let count = 0;
  for (const [name, list] of Object.entries(files)) {
    out[name] = `${list.join('\n\n')}\n`;
    count += list.length;
  }
  return { files: out, count };
}

function groups(): GroupConfig[] {
  const list: GroupConfig[] = [];
  for (let i = 0; i < TEAMS; i++) list.push({ name: `team-${i}`, match: [`spiffe://${TD}/agents/team-${i}/*`, `spiffe://${TD}/agents/team-${i}/**`] });
  list.push({ name: 'agents', match: [`spiffe://${TD}/agents/**`] });
  list.push({ name: 'operators', match: [`spiffe://${TD}/people/*`] });
  return list;
}

// A realistic request: team-7's summariser reads svc-7 for a production task with six attributes.
// With a workload number, another team-7 workload (one the engine has not seen) asks the same.
function request(variant: number, workload?: number): PolicyInput {
  const path = `/agents/team-7/summariser${workload === undefined ? '' : `-${workload}`}`;
  return {
    principal: { spiffeId: `spiffe://${TD}${path}`, trustDomain: TD, path },
    action: 'issue',
    resource: { provider: 'svc-7', kind: 'oauth-jwt' },
    context: {
      task: {
        id: `task-${variant}`,
        purpose: 'summarise last week\'s escalated orders for the weekly report',
        attributes: { environment: 'production', ticket: 'OPS-4242', data: 'internal', team: 'team-7', region: 'eu-west-1', cost_center: 'cc-118' },
        depth: 0,
        chain: [],
        tools: ['svc-7', 'svc-8'],
        credentialsIssued: 3,
        deviations: 0,
      },
      scope: ['svc-7:read', 'svc-7:list'],
      ttlSeconds: 900,
      // Wednesday 10:30 UTC: inside every business-hours window above.
      now: Date.UTC(2026, 2, 4, 10, 30),
    },
  };
}

function percentiles(samples: Float64Array): { p50: number; p99: number; mean: number } {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  let sum = 0;
  for (const s of sorted) sum += s;
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(sum / sorted.length) };
}

function round(us: number): number {
  return Math.round(us * 10) / 10;
}

/** One call, in microseconds. */
function time(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1000;
}

/** Times `n` calls of fn(i) one by one, in microseconds each. */
function measure(n: number, fn: (i: number) => unknown): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    fn(i);
    out[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'warrant-bench-policy-'));
try {
  const { files, count } = policySet();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const engine = await PolicyEngine.loadDir(dir, { groups: groups(), cacheSize: 100_000 });
  if (engine.policyCount !== 200) throw new Error(`expected 200 policies, loaded ${engine.policyCount}`);
  const sample = engine.decide(request(-1));
  if (!sample.allowed || sample.approvalRequired) throw new Error(`the sample request should be allowed outright: ${JSON.stringify(sample)}`);

  // The floor: the same policies prepared under their own name, the same three entities, one prebuilt call.
  const staticPolicies: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    text.split(/\n\n(?=@id)/).forEach((policy) => {
      const id = /@id\("([^"]+)"\)/.exec(policy)?.[1];
      if (id !== undefined) staticPolicies[id] = policy;
    });
    void name;
  }
  const floorSet = `bench-floor-${process.pid}`;
  const prepared = preparsePolicySet(floorSet, { staticPolicies });
  if (prepared.type === 'failure') throw new Error(`cannot prepare the floor set: ${JSON.stringify(prepared.errors)}`);
  const r = request(0);
  const t = r.context.task;
  const entities: EntityJson[] = [
    {
      uid: { type: 'Workload', id: r.principal.spiffeId },
      attrs: { trustDomain: r.principal.trustDomain, path: r.principal.path },
      parents: [{ type: 'Group', id: 'team-7' }, { type: 'Group', id: 'agents' }],
    },
    { uid: { type: 'Provider', id: r.resource.provider }, attrs: { kind: r.resource.kind }, parents: [] },
    {
      uid: { type: 'Task', id: t.id },
      attrs: {
        purpose: t.purpose,
        depth: t.depth,
        chain: [],
        tools: (t.tools ?? []).map((id) => ({ __entity: { type: 'Provider', id } })),
        credentialsIssued: t.credentialsIssued ?? 0,
        deviations: t.deviations ?? 0,
      },
      parents: [],
      tags: { ...t.attributes },
    },
  ];
  const floorCall: StatefulAuthorizationCall = {
    principal: { type: 'Workload', id: r.principal.spiffeId },
    action: { type: 'Action', id: 'issue' },
    resource: { type: 'Provider', id: r.resource.provider },
    context: { task: { __entity: { type: 'Task', id: t.id } }, scope: [...r.context.scope], ttlSeconds: 900, nowEpochSeconds: Math.floor(r.context.now / 60_000) * 60, hourOfDayUtc: 10, dayOfWeekUtc: 3 },
    preparsedPolicySetId: floorSet,
    entities,
    validateRequest: false,
  };
  const floorAnswer = statefulIsAuthorized(floorCall);
  if (floorAnswer.type !== 'success' || floorAnswer.response.decision !== 'allow') throw new Error(`the floor call should allow: ${JSON.stringify(floorAnswer)}`);
  // What the engine actually sends: only the policies that can apply, only what they can read.
  const slicedCall = engine.cedarCall(request(0));
  if (slicedCall === undefined) throw new Error('the sample request should reach Cedar');
  const slicedAnswer = statefulIsAuthorized(slicedCall);
  if (slicedAnswer.type !== 'success' || slicedAnswer.response.decision !== 'allow') throw new Error(`the sliced call should allow: ${JSON.stringify(slicedAnswer)}`);

  // Inputs are built before the clock starts: what is timed is the decision. Fresh: a new task id
  // each time, so every request misses the cache; new workload: a new task id and a workload the
  // engine has not seen; cached: the same request again.
  const warmInputs = Array.from({ length: WARMUP }, (_, i) => request(1_000_000 + i));
  const warmNewWorkloads = Array.from({ length: WARMUP }, (_, i) => request(1_500_000 + i, 1_500_000 + i));
  const freshInputs = Array.from({ length: SAMPLES }, (_, i) => request(2_000_000 + i));
  const newWorkloadInputs = Array.from({ length: SAMPLES }, (_, i) => request(3_000_000 + i, 3_000_000 + i));
  const repeat = request(0);
  measure(WARMUP, () => statefulIsAuthorized(floorCall));
  measure(WARMUP, () => statefulIsAuthorized(slicedCall));
  measure(WARMUP, (i) => engine.decide(warmInputs[i]!));
  measure(WARMUP, (i) => engine.decide(warmNewWorkloads[i]!));
  measure(WARMUP, () => engine.decide(repeat));
  // Interleaved, so every kind of call sees the same machine: one of each, and five repeats, per round.
  const timings = {
    floor: new Float64Array(SAMPLES),
    sliced: new Float64Array(SAMPLES),
    fresh: new Float64Array(SAMPLES),
    newWorkload: new Float64Array(SAMPLES),
    cached: new Float64Array(SAMPLES * 5),
  };
  const before = engine.stats();
  for (let i = 0; i < SAMPLES; i++) {
    timings.floor[i] = time(() => statefulIsAuthorized(floorCall));
    timings.sliced[i] = time(() => statefulIsAuthorized(slicedCall));
    timings.fresh[i] = time(() => engine.decide(freshInputs[i]!));
    timings.newWorkload[i] = time(() => engine.decide(newWorkloadInputs[i]!));
    for (let k = 0; k < 5; k++) timings.cached[i * 5 + k] = time(() => engine.decide(repeat));
  }
  const after = engine.stats();
  const floor = percentiles(timings.floor);
  const slicedFloor = percentiles(timings.sliced);
  const fresh = percentiles(timings.fresh);
  const newWorkload = percentiles(timings.newWorkload);
  const cached = percentiles(timings.cached);
  if (after.evaluations - before.evaluations !== SAMPLES * 2 || after.cacheHits - before.cacheHits !== SAMPLES * 5) {
    throw new Error('the fresh run hit the cache or the cached run missed it: the measurement is not what it says');
  }

  const result = {
    node: process.version,
    v8Flags: process.execArgv.filter((a) => a.startsWith('--') && a !== '--import'),
    policies: count,
    groups: TEAMS + 2,
    entities: entities.length,
    samples: { fresh: SAMPLES, newWorkload: SAMPLES, cached: SAMPLES * 5, floor: SAMPLES },
    microseconds: { fresh, newWorkload, cached, floor, slicedFloor },
    freshOverSlicedFloor: round(fresh.p50 - slicedFloor.p50),
    freshToFloorRatio: Math.round((fresh.p50 / floor.p50) * 100) / 100,
    newWorkloadToFloorRatio: Math.round((newWorkload.p50 / floor.p50) * 100) / 100,
    targets: { freshP50: FRESH_TARGET_US, cachedP50: CACHED_TARGET_US },
    met: fresh.p50 <= FRESH_TARGET_US && cached.p50 <= CACHED_TARGET_US,
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const row = (name: string, p: { p50: number; p99: number; mean: number }, target?: number) =>
      `  ${name.padEnd(34)} ${String(p.p50).padStart(7)} ${String(p.p99).padStart(8)} ${String(p.mean).padStart(8)}${target === undefined ? '' : `   target p50 ≤ ${target} µs: ${p.p50 <= target ? 'met' : 'MISSED'}`}`;
    process.stdout.write(
      [
        `policy decision cost — ${count} policies, ${TEAMS + 2} groups, a request of three entities with six task attributes; ${process.version} ${result.v8Flags.join(' ')}`,
        `  ${''.padEnd(34)} ${'p50 µs'.padStart(7)} ${'p99 µs'.padStart(8)} ${'mean µs'.padStart(8)}`,
        row('fresh decision (cache miss)', fresh, FRESH_TARGET_US),
        row('  …from a workload not seen before', newWorkload),
        row('repeat (decision cache hit)', cached, CACHED_TARGET_US),
        row('floor: bare statefulIsAuthorized', floor),
        row('  …on the policies that read the request', slicedFloor),
        `  the floor sends all ${count} policies and every entity attribute. The engine sends only the policies whose head`,
        `  can match (action, provider, the workload's groups) and only what they can read; those that read nothing but`,
        `  the workload and the provider it asks about once per workload and provider and remembers the answer.`,
        `  Above the sliced floor (its call for the policies that read the request) a fresh decision spends`,
        `  ${result.freshOverSlicedFloor} µs (p50) of its own: input checks, the cache key, building the call, reading the answer.`,
        `  fresh/floor ${result.freshToFloorRatio}, new workload/floor ${result.newWorkloadToFloorRatio} (p50 ratios).`,
        '',
      ].join('\n'),
    );
  }
  process.exitCode = result.met ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
