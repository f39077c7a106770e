import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
  type AuthorizationAnswer,
  type CedarValueJson,
  type Response,
  type DetailedError,
  type EntityJson,
  type TypeAndId,
  type PolicyJson,
  type StatefulAuthorizationCall,
} from '@cedar-policy/cedar-wasm/nodejs';
import { describeCedarError } from './cedar-errors.js';
import { evaluationForm } from './evaluation-form.js';
import {
  POLICY_ACTIONS,
  type Decision,
  type PolicyAction,
  type PolicyEngineOptions,
  type PolicyEngineStats,
  type PolicyInfo,
  type PolicyInput,
  type PolicyPrincipal,
} from './decision.js';
import { GroupMatcher } from './groups.js';
import { PolicyLoadError } from './load-error.js';
import { LruCache } from './lru-cache.js';
import { compilePolicySet, type PolicyEntry, type PolicyFile, type SchemaFile } from './policy-set.js';
import {
  FULL_SHAPE,
  headAdmits,
  headMatches,
  readsOnlyPrincipal,
  shapeOf,
  type RequestShape,
} from './slices.js';
import { WARRANT_SCHEMA } from './schema.js';

const DEFAULT_CACHE_SIZE = 10_000;
const SCHEMA_FILE = 'schema.cedarschema';
const BUILTIN_SCHEMA_SOURCE = 'warrant.cedarschema';
const POLICY_SUFFIX = '.cedar';
const VERSION_LENGTH = 16;
const MINUTE_MS = 60_000;
const ACTIONS: ReadonlySet<string> = new Set(POLICY_ACTIONS);

/** Some policies prepared in Cedar under one name, and what they can read. */
interface Part {
  readonly policySetId: string;
  readonly shape: RequestShape;
  /** The task's attributes and tags go as context fields, not as an entity (see evaluation-form.ts). */
  readonly taskInContext: boolean;
  /** The call carries the workload entity (else only its uid). */
  readonly principalEntity: boolean;
  /** The principal entity of the last call on this part, reused while the same workload asks. */
  last: { spiffeId: string; trustDomain: string; path: string; entity: EntityJson } | undefined;
}

/** The policies one request can meet (see slices.ts), in up to two parts; neither: none can apply. */
interface Slice {
  /** Policies that read only the principal, the action and the resource: answered once per (principal, resource). */
  readonly principalPart: Part | undefined;
  /** Every other policy that can apply: asked on every fresh decision. */
  readonly requestPart: Part | undefined;
  /** Both parts as one set, asked while the principal part's answer is not known; else undefined. */
  readonly whole: Part | undefined;
  /** The ids of the principal part's policies. */
  readonly principalIds: ReadonlySet<string>;
}

/** What the engine knows of one workload: its groups, and which principal-constrained heads admit it. */
interface PrincipalFacts {
  readonly parents: readonly TypeAndId[];
  /** The groups some head names that it is in. */
  readonly headGroups: ReadonlySet<string>;
  /** Its SPIFFE ID when some head names it. */
  readonly headWorkload: string | undefined;
  /** Tells apart workloads that different heads admit; '' when no head constrains the principal. */
  readonly sliceKey: string;
}

const NO_POLICY: Response = Object.freeze({ decision: 'deny', diagnostics: { reason: [], errors: [] } }) as Response;
/** Slices narrowed to a principal's groups are prepared while fewer policies than this are (about 3.5 KB each in Cedar). */
const NARROWED_POLICY_BUDGET = 20_000;
const COARSE_SLICE = '*';
/** Task counters change with every credential: they reach the cache key only when a policy can read them. */
const COUNTER_NAMES = /\b(credentialsIssued|deviations)\b/;

/**
 * Decides requests against one version of the policy set. An engine never changes: a reload builds
 * a new engine (with a new, empty decision cache) and the caller swaps it in.
 */
export class PolicyEngine {
  readonly version: string;
  readonly policyCount: number;
  /** Ids of the loaded policies, in load order. */
  readonly policyIds: readonly string[];
  /** Validation warnings (e.g. a policy that can never apply), as `file:line:column: message`. */
  readonly warnings: readonly string[];

  private readonly policySetId: string;
  private readonly schemaName: string | undefined;
  private readonly approvalIds: ReadonlySet<string>;
  private readonly order: ReadonlyMap<string, number>;
  private readonly matcher: GroupMatcher;
  private readonly groupCache: LruCache<string, PrincipalFacts>;
  private readonly decisions: LruCache<string, Decision>;
  private readonly infos: ReadonlyMap<string, PolicyInfo>;
  private readonly countersMatter: boolean;
  /** True when some policy reads a task's counters (credentialsIssued, deviations): a decision then needs them fresh. */
  get readsTaskCounters(): boolean {
    return this.countersMatter;
  }
  private readonly entries: readonly PolicyEntry[];
  /** Providers some policy's head names; every other provider shares one slice per action. */
  private readonly namedProviders: ReadonlySet<string>;
  /** Groups and workloads some policy's head constrains the principal to. */
  private readonly headGroups: ReadonlySet<string>;
  private readonly headWorkloads: ReadonlySet<string>;
  /** Whether policies that read only the principal are asked apart and their answers remembered. */
  private readonly splitting: boolean;
  private readonly slices = new Map<string, Slice>();
  /** Prepared parts by name: equal policy lists share one. */
  private readonly parts = new Map<string, Part>();
  private narrowedPolicies = 0;
  /** Cedar's answer for a principal part, by part, action, principal and resource. */
  private readonly principalAnswers: LruCache<string, Response>;
  private evaluations = 0;
  private cacheHits = 0;

  private constructor(files: readonly PolicyFile[], schema: SchemaFile, options: PolicyEngineOptions) {
    const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) {
      throw new RangeError(`cacheSize must be a non-negative integer, got ${String(cacheSize)}`);
    }
    this.matcher = new GroupMatcher(options.groups ?? []);
    const compiled = compilePolicySet(files, schema);

    const digest = versionDigest(files, schema.text);
    this.version = digest.slice(0, VERSION_LENGTH);
    this.policyCount = compiled.policies.length;
    this.policyIds = Object.freeze(compiled.policies.map((policy) => policy.id));
    this.warnings = Object.freeze([...compiled.warnings]);
    this.approvalIds = new Set(compiled.policies.filter((p) => p.approvalRequired).map((p) => p.id));
    this.order = new Map(this.policyIds.map((id, index) => [id, index]));
    this.groupCache = new LruCache(cacheSize);
    this.decisions = new LruCache(cacheSize);
    this.infos = new Map(
      compiled.policies.map((p) => [
        p.id,
        Object.freeze({
          id: p.id,
          effect: p.effect,
          source: p.source,
          line: p.position.line,
          column: p.position.column,
          approvalRequired: p.approvalRequired,
          annotations: p.annotations,
        }),
      ]),
    );
    this.countersMatter = compiled.policies.some((p) => COUNTER_NAMES.test(p.text));
    this.entries = compiled.policies;
    this.namedProviders = new Set(compiled.policies.flatMap((p) => (p.head.provider === undefined ? [] : [p.head.provider])));
    this.headGroups = new Set(compiled.policies.flatMap((p) => (p.head.group === undefined ? [] : [p.head.group])));
    this.headWorkloads = new Set(compiled.policies.flatMap((p) => (p.head.workload === undefined ? [] : [p.head.workload])));
    this.principalAnswers = new LruCache(cacheSize);

    // Prepared sets live per thread by name; content-derived names keep versions from ever mixing.
    const schemaName = `warrant-schema-${sha256Hex(schema.text)}`;
    const schemaAnswer = preparseSchema(schemaName, schema.text);
    if (schemaAnswer.type === 'failure') throw cedarLoadError(schema.source, 'cannot prepare the schema', schemaAnswer.errors);
    this.policySetId = `warrant-policies-${digest}`;
    const staticPolicies: Record<string, string> = {};
    for (const policy of compiled.policies) staticPolicies[policy.id] = policy.text;
    const setAnswer = preparsePolicySet(this.policySetId, { staticPolicies });
    if (setAnswer.type === 'failure') throw cedarLoadError(schema.source, 'cannot prepare the policy set', setAnswer.errors);
    // The schema costs ~a third of each evaluation; the samples prove our request shape, so only action groups need it.
    this.schemaName = compiled.schemaHasActionGroups ? schemaName : undefined;
    // Two calls cost more than one: worth it only when the principal's answers can be remembered, and
    // only with shapes (with the schema passed, every call carries the whole request).
    this.splitting = cacheSize > 0 && this.schemaName === undefined;
    this.runSamples(schema.source, schemaName);
  }

  /**
   * Loads every `*.cedar` file in `dir` (sorted by name; dot-files skipped) and `schema.cedarschema`
   * from the same directory if present, else the built-in WARRANT_SCHEMA.
   */
  static async loadDir(dir: string, options: PolicyEngineOptions = {}): Promise<PolicyEngine> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      throw new PolicyLoadError(dir, `cannot read the policy directory (${errorCode(error)})`);
    }
    const files: PolicyFile[] = [];
    for (const name of names.filter((n) => n.endsWith(POLICY_SUFFIX) && !n.startsWith('.')).sort(compareCodeUnits)) {
      const path = join(dir, name);
      // stat follows symlinks, as in a Kubernetes ConfigMap mount.
      if (!(await readable(path))) continue;
      files.push({ name, source: path, text: await readText(path) });
    }
    const schemaPath = join(dir, SCHEMA_FILE);
    const schema: SchemaFile = (await readable(schemaPath))
      ? { source: schemaPath, text: await readText(schemaPath) }
      : { source: BUILTIN_SCHEMA_SOURCE, text: WARRANT_SCHEMA };
    return new PolicyEngine(files, schema, options);
  }

  /** Builds an engine from policy texts held in memory; `name` plays the part of the file name. */
  static fromTexts(
    files: readonly { name: string; text: string }[],
    schemaText: string,
    options: PolicyEngineOptions = {},
  ): PolicyEngine {
    const policyFiles = files.map((file) => ({ name: file.name, source: file.name, text: stripBom(file.text) }));
    const source = schemaText === WARRANT_SCHEMA ? BUILTIN_SCHEMA_SOURCE : SCHEMA_FILE;
    return new PolicyEngine(policyFiles, { source, text: stripBom(schemaText) }, options);
  }

  /**
   * The call a fresh decide() makes to Cedar for this input once the principal's answer is
   * remembered: the one for the policies that read the request; when there are none, the one for
   * the policies that read only the principal. Undefined when no policy can apply (the decision is
   * then a deny without asking Cedar). For benchmarks and for debugging a decision.
   */
  cedarCall(input: PolicyInput): StatefulAuthorizationCall | undefined {
    checkInput(input);
    const slice = this.sliceFor(input.action, input.resource.provider, this.principalFacts(input.principal.spiffeId));
    const part = slice.requestPart ?? slice.principalPart;
    if (part === undefined) return undefined;
    return this.request(input, Math.floor(input.context.now / MINUTE_MS), this.schemaName, false, part);
  }

  /** Where a policy of this version came from, and its annotations; undefined for an unknown id. */
  policyInfo(id: string): PolicyInfo | undefined {
    return this.infos.get(id);
  }

  stats(): PolicyEngineStats {
    return { evaluations: this.evaluations, cacheHits: this.cacheHits, cachedDecisions: this.decisions.size };
  }

  /** Default deny; a satisfied forbid wins over any permit. Throws TypeError on malformed input. */
  decide(input: PolicyInput): Decision {
    checkInput(input);
    const minute = Math.floor(input.context.now / MINUTE_MS);
    const key = this.decisions.capacity > 0 ? cacheKey(input, minute, this.countersMatter) : undefined;
    if (key !== undefined) {
      const cached = this.decisions.get(key);
      if (cached !== undefined) {
        this.cacheHits++;
        return cached;
      }
    }
    this.evaluations++;
    const facts = this.principalFacts(input.principal.spiffeId);
    const slice = this.sliceFor(input.action, input.resource.provider, facts);
    // No policy can apply: Cedar's own answer would be a deny by default, with nothing to report.
    const response =
      slice.principalPart === undefined
        ? slice.requestPart === undefined
          ? NO_POLICY
          : this.ask(this.request(input, minute, this.schemaName, false, slice.requestPart))
        : this.withPrincipalPart(input, minute, slice);
    const decision = this.toDecision(response);
    if (key !== undefined) this.decisions.set(key, decision);
    return decision;
  }

  /**
   * Cedar's answer on both parts: the principal part's remembered, the request part's asked now.
   * While the principal part's answer is not known, Cedar is asked once about both (that answer is
   * the decision) and the principal part's answer is read from it when it can be.
   */
  private withPrincipalPart(input: PolicyInput, minute: number, slice: Slice): Response {
    const { principal, action, resource } = input;
    const principalPart = slice.principalPart!;
    const { requestPart, whole } = slice;
    const { shape } = principalPart;
    // Everything that call sends that can differ between requests on this part.
    const key = JSON.stringify([
      principalPart.policySetId, action, principal.spiffeId, shape.workloadTrustDomain ? principal.trustDomain : 0,
      shape.workloadPath ? principal.path : 0, resource.provider, shape.providerKind ? resource.kind : 0,
    ]);
    const fixed = this.principalAnswers.get(key);
    if (fixed !== undefined) return requestPart === undefined ? fixed : combine(fixed, this.ask(this.request(input, minute, this.schemaName, false, requestPart)));
    if (requestPart === undefined || whole === undefined) {
      const answer = this.ask(this.request(input, minute, this.schemaName, false, principalPart));
      this.principalAnswers.set(key, answer);
      return answer;
    }
    const answer = this.ask(this.request(input, minute, this.schemaName, false, whole));
    const derived = partOf(answer, slice.principalIds);
    if (derived !== undefined) this.principalAnswers.set(key, derived);
    return answer;
  }

  private ask(call: StatefulAuthorizationCall): Response {
    const answer: AuthorizationAnswer = statefulIsAuthorized(call);
    if (answer.type === 'failure') {
      // The sample requests at load make this unreachable for well-formed input; never cache it.
      throw new Error(`policy evaluation failed: ${answer.errors.map(describeCedarError).join('; ')}`);
    }
    return answer.response;
  }

  private toDecision(response: Response): Decision {
    const { decision, diagnostics } = response;
    const allowed = decision === 'allow';
    const determiningPolicies = [...diagnostics.reason];
    if (determiningPolicies.length > 1) determiningPolicies.sort(this.byLoadOrder);
    const errors = diagnostics.errors.length === 0 ? [] : this.describeErrors(diagnostics.errors);
    let approvalRequired = false;
    if (allowed) for (const id of determiningPolicies) if (this.approvalIds.has(id)) approvalRequired = true;
    return Object.freeze({
      allowed,
      determiningPolicies: Object.freeze(determiningPolicies) as string[],
      errors: Object.freeze(errors) as string[],
      policyVersion: this.version,
      approvalRequired,
    });
  }

  private describeErrors(errors: Response['diagnostics']['errors']): string[] {
    return [...errors]
      .sort((a, b) => this.byLoadOrder(a.policyId, b.policyId))
      .map(({ policyId, error }) => `${policyId}: ${describeCedarError(error)}`);
  }

  private readonly byLoadOrder = (a: string, b: string): number =>
    (this.order.get(a) ?? Number.MAX_SAFE_INTEGER) - (this.order.get(b) ?? Number.MAX_SAFE_INTEGER);

  private principalFacts(spiffeId: string): PrincipalFacts {
    let facts = this.groupCache.get(spiffeId);
    if (facts === undefined) {
      const groups = this.matcher.groupsOf(spiffeId);
      const headGroups = groups.filter((name) => this.headGroups.has(name));
      const headWorkload = this.headWorkloads.has(spiffeId) ? spiffeId : undefined;
      facts = {
        // Group entities themselves are left out: membership lives on the workload, and each entity costs time.
        parents: groups.map((name) => ({ type: 'Group', id: name })),
        headGroups: new Set(headGroups),
        headWorkload,
        sliceKey: headGroups.length === 0 && headWorkload === undefined ? '' : JSON.stringify([headWorkload ?? 0, ...headGroups]),
      };
      this.groupCache.set(spiffeId, facts);
    }
    return facts;
  }

  private request(
    input: PolicyInput,
    minute: number,
    schemaName: string | undefined,
    validateRequest: boolean,
    part: Part = { policySetId: this.policySetId, shape: FULL_SHAPE, taskInContext: false, principalEntity: true, last: undefined },
  ): StatefulAuthorizationCall {
    const { policySetId, shape } = part;
    const { principal, action, resource, context } = input;
    const { task } = context;
    // A workload asks again and again: its entity for this part is kept from the last call.
    let workload = part.last;
    if (workload === undefined || workload.spiffeId !== principal.spiffeId || workload.trustDomain !== principal.trustDomain || workload.path !== principal.path) {
      workload = { spiffeId: principal.spiffeId, trustDomain: principal.trustDomain, path: principal.path, entity: this.workloadEntity(principal, shape) };
      part.last = workload;
    }
    const entities: EntityJson[] = part.principalEntity ? [workload.entity] : [];
    if (shape.providerKind) entities.push({ uid: { type: 'Provider', id: resource.provider }, attrs: { kind: resource.kind }, parents: [] });
    const wantsTask = shape.taskAttributes;
    const requestContext: StatefulAuthorizationCall['context'] = {};
    if (wantsTask.size > 0 || shape.taskTags) {
      const attrs: Record<string, CedarValueJson> = {};
      if (wantsTask.has('purpose')) attrs['purpose'] = task.purpose;
      if (wantsTask.has('depth')) attrs['depth'] = task.depth;
      if (wantsTask.has('chain')) attrs['chain'] = entityRefs('Workload', task.chain);
      if (wantsTask.has('tools')) attrs['tools'] = entityRefs('Provider', task.tools);
      if (wantsTask.has('credentialsIssued')) attrs['credentialsIssued'] = task.credentialsIssued ?? 0;
      if (wantsTask.has('deviations')) attrs['deviations'] = task.deviations ?? 0;
      let tags: Record<string, string> | undefined;
      const names = shape.taskTagNames;
      if (names === undefined) tags = { ...task.attributes };
      else if (names.size > 0) {
        tags = {};
        for (const name of names) {
          const value = task.attributes[name];
          if (value !== undefined) tags[name] = value;
        }
      }
      if (part.taskInContext) {
        for (const name in attrs) requestContext[`task:${name}`] = attrs[name]!;
        if (tags !== undefined) for (const name in tags) requestContext[`tag:${name}`] = tags[name]!;
      } else {
        const taskEntity: EntityJson = { uid: { type: 'Task', id: task.id }, attrs, parents: [] };
        if (tags !== undefined) taskEntity.tags = tags;
        entities.push(taskEntity);
      }
    }
    const nowSeconds = minute * 60;
    const wants = shape.context;
    if (wants.has('task') && !part.taskInContext) requestContext['task'] = { __entity: { type: 'Task', id: task.id } };
    // Cedar makes a set of an array: duplicates need no removing here.
    if (wants.has('scope')) requestContext['scope'] = context.scope as string[];
    if (wants.has('ttlSeconds')) requestContext['ttlSeconds'] = context.ttlSeconds;
    if (wants.has('nowEpochSeconds')) requestContext['nowEpochSeconds'] = nowSeconds;
    if (wants.has('hourOfDayUtc')) requestContext['hourOfDayUtc'] = new Date(nowSeconds * 1000).getUTCHours();
    if (wants.has('dayOfWeekUtc')) requestContext['dayOfWeekUtc'] = new Date(nowSeconds * 1000).getUTCDay();
    const { delegate } = context;
    if (delegate !== undefined) {
      if (wants.has('delegate')) requestContext['delegate'] = { __entity: { type: 'Workload', id: delegate.spiffeId } };
      // Sent with its groups so `context.delegate in Group::"…"` works; the caller itself is already there.
      if (shape.delegateEntity && delegate.spiffeId !== principal.spiffeId) entities.push(this.workloadEntity(delegate, shape));
    }
    const call: StatefulAuthorizationCall = {
      principal: workload.entity.uid,
      action: { type: 'Action', id: action },
      resource: { type: 'Provider', id: resource.provider },
      context: requestContext,
      preparsedPolicySetId: policySetId,
      entities,
      validateRequest,
    };
    if (schemaName !== undefined) call.preparsedSchemaName = schemaName;
    return call;
  }

  private workloadEntity(w: PolicyPrincipal, shape: RequestShape): EntityJson {
    const attrs: Record<string, string> = {};
    if (shape.workloadTrustDomain) attrs['trustDomain'] = w.trustDomain;
    if (shape.workloadPath) attrs['path'] = w.path;
    const { groups } = shape;
    const all = this.principalFacts(w.spiffeId).parents;
    const parents = groups === undefined ? [...all] : all.filter((g) => groups.has(g.id));
    return { uid: { type: 'Workload', id: w.spiffeId }, attrs, parents };
  }

  /**
   * The policies whose head can match (action, provider, principal), prepared once per distinct
   * list, split into what reads only the principal and the rest, each with what it can read.
   */
  private sliceFor(action: PolicyAction, provider: string, facts: PrincipalFacts): Slice {
    const named = this.namedProviders.has(provider) ? provider : undefined;
    const key = `${action}\n${named ?? ''}\n${facts.sliceKey}`;
    let slice = this.slices.get(key);
    if (slice === undefined) {
      const coarse = facts.sliceKey !== '' && this.narrowedPolicies >= NARROWED_POLICY_BUDGET;
      if (coarse) return this.coarseSlice(action, named);
      slice = this.buildSlice(action, named, (p) => headAdmits(p.head, facts.headGroups, facts.headWorkload), facts.sliceKey !== '');
      this.slices.set(key, slice);
    }
    return slice;
  }

  /** The slice of every policy whose head can match (action, provider), whatever the principal: past the budget. */
  private coarseSlice(action: PolicyAction, named: string | undefined): Slice {
    const key = `${action}\n${named ?? ''}\n${COARSE_SLICE}`;
    let slice = this.slices.get(key);
    if (slice === undefined) {
      slice = this.buildSlice(action, named, () => true, false);
      this.slices.set(key, slice);
    }
    return slice;
  }

  private buildSlice(action: PolicyAction, named: string | undefined, admits: (p: PolicyEntry) => boolean, narrowed: boolean): Slice {
    const policies = this.entries.filter((p) => headMatches(p.head, action, named) && admits(p));
    const principalOnly = this.splitting ? policies.filter((p) => readsOnlyPrincipal(p.text, action)) : [];
    const apart = new Set(principalOnly);
    const rest = apart.size === 0 ? policies : policies.filter((p) => !apart.has(p));
    const split = apart.size > 0 && rest.length > 0;
    return {
      principalPart: this.part(principalOnly, narrowed),
      requestPart: this.part(rest, narrowed),
      whole: split ? this.part(policies, narrowed) : undefined,
      principalIds: new Set(principalOnly.map((p) => p.id)),
    };
  }

  /** Prepares a list of policies once (named by this version and the list, so engines of one version share it). */
  private part(policies: readonly PolicyEntry[], narrowed: boolean): Part | undefined {
    if (policies.length === 0) return undefined;
    // A narrowed part's evaluation form holds only for the workloads its slice admits: named apart.
    const policySetId = `${this.policySetId}/${sha256Hex(JSON.stringify([narrowed, ...policies.map((p) => p.id)])).slice(0, 32)}`;
    let part = this.parts.get(policySetId);
    if (part === undefined) {
      // With the schema passed at evaluation (action groups), Cedar reads the whole request against it, in its source form.
      const shape = this.schemaName === undefined ? shapeOf(policies.map((p) => p.text)) : FULL_SHAPE;
      const form = this.schemaName === undefined ? evaluationForm(policies, narrowed, shape.delegateEntity) : undefined;
      const staticPolicies: Record<string, string | PolicyJson> = form?.policies ?? Object.fromEntries(policies.map((p) => [p.id, p.text]));
      const answer = preparsePolicySet(policySetId, { staticPolicies });
      if (answer.type === 'failure') throw new Error(`cannot prepare a policy slice: ${answer.errors.map(describeCedarError).join('; ')}`);
      part = { policySetId, shape, taskInContext: form?.taskInContext ?? false, principalEntity: form?.principalEntity ?? true, last: undefined };
      this.parts.set(policySetId, part);
      if (narrowed) this.narrowedPolicies += policies.length;
    }
    return part;
  }

  /** Runs one request per action through the prepared set, so a broken set fails now, not on a caller. */
  private runSamples(schemaSource: string, schemaName: string): void {
    const sample = (action: PolicyAction): PolicyInput => ({
      principal: { spiffeId: 'spiffe://warrant.invalid/sample', trustDomain: 'warrant.invalid', path: '/sample' },
      action,
      resource: { provider: 'sample', kind: 'sample' },
      context: {
        task: {
          id: 'sample',
          purpose: 'load check',
          attributes: { environment: 'sample' },
          depth: 1,
          chain: ['spiffe://warrant.invalid/parent'],
          tools: ['sample'],
          credentialsIssued: 1,
          deviations: 1,
        },
        scope: ['sample'],
        ttlSeconds: 60,
        now: 0,
        ...(action === 'delegate'
          ? { delegate: { spiffeId: 'spiffe://warrant.invalid/delegate', trustDomain: 'warrant.invalid', path: '/delegate' } }
          : {}),
      },
    });
    const check = (action: PolicyAction, answer: AuthorizationAnswer): void => {
      if (answer.type === 'failure') {
        throw cedarLoadError(schemaSource, `a sample "${action}" request does not fit the schema`, answer.errors);
      }
    };
    for (const action of POLICY_ACTIONS) {
      const input = sample(action);
      // Validating against the schema proves the entities and context we send match it.
      check(action, statefulIsAuthorized(this.request(input, 0, schemaName, true)));
      check(action, statefulIsAuthorized(this.request(input, 0, this.schemaName, false)));
    }
  }
}

function fail(field: string, want: string): never {
  throw new TypeError(`PolicyInput.${field} must be ${want}`);
}

function checkInput(input: PolicyInput): void {
  const { principal, action, resource, context } = input;
  if (typeof principal?.spiffeId !== 'string' || principal.spiffeId === '') fail('principal.spiffeId', 'a non-empty string');
  if (typeof principal.trustDomain !== 'string') fail('principal.trustDomain', 'a string');
  if (typeof principal.path !== 'string') fail('principal.path', 'a string');
  if (!ACTIONS.has(action)) fail('action', `one of ${POLICY_ACTIONS.join(', ')}`);
  if (typeof resource?.provider !== 'string' || resource.provider === '') fail('resource.provider', 'a non-empty string');
  if (typeof resource.kind !== 'string') fail('resource.kind', 'a string');
  const task = context?.task;
  if (typeof task?.id !== 'string' || task.id === '') fail('context.task.id', 'a non-empty string');
  if (typeof task.purpose !== 'string') fail('context.task.purpose', 'a string');
  if (!Number.isSafeInteger(task.depth) || task.depth < 0) fail('context.task.depth', 'a non-negative integer');
  if (typeof task.attributes !== 'object' || task.attributes === null) fail('context.task.attributes', 'an object');
  if (task.chain !== undefined && (!Array.isArray(task.chain) || task.chain.some((s) => typeof s !== 'string' || s === ''))) {
    fail('context.task.chain', 'an array of SPIFFE IDs');
  }
  if (task.tools !== undefined && (!Array.isArray(task.tools) || task.tools.some((s) => typeof s !== 'string' || s === ''))) {
    fail('context.task.tools', 'an array of provider names');
  }
  for (const counter of ['credentialsIssued', 'deviations'] as const) {
    const value = task[counter];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) fail(`context.task.${counter}`, 'a non-negative integer');
  }
  const { delegate } = context;
  if (delegate !== undefined) {
    if (action !== 'delegate') fail('context.delegate', 'absent unless the action is delegate');
    if (typeof delegate.spiffeId !== 'string' || delegate.spiffeId === '') fail('context.delegate.spiffeId', 'a non-empty string');
    if (typeof delegate.trustDomain !== 'string') fail('context.delegate.trustDomain', 'a string');
    if (typeof delegate.path !== 'string') fail('context.delegate.path', 'a string');
  }
  for (const value of Object.values(task.attributes)) {
    if (typeof value !== 'string') fail('context.task.attributes', 'an object of strings');
  }
  if (!Array.isArray(context.scope) || context.scope.some((s) => typeof s !== 'string')) fail('context.scope', 'an array of strings');
  if (!Number.isSafeInteger(context.ttlSeconds)) fail('context.ttlSeconds', 'an integer');
  if (!Number.isFinite(context.now)) fail('context.now', 'a finite number of milliseconds');
}

/**
 * Cedar's answer on two disjoint sets of policies as Cedar gives it on their union: a satisfied
 * forbid denies and determines (a deny names exactly the satisfied forbids); else a satisfied
 * permit allows (an allow names exactly the satisfied permits); else deny with none. A policy that
 * fails is skipped either way and reported.
 */
function combine(a: Response, b: Response): Response {
  const errors = [...a.diagnostics.errors, ...b.diagnostics.errors];
  const forbids = [...(a.decision === 'deny' ? a.diagnostics.reason : []), ...(b.decision === 'deny' ? b.diagnostics.reason : [])];
  if (forbids.length > 0) return { decision: 'deny', diagnostics: { reason: forbids, errors } };
  const permits = [...(a.decision === 'allow' ? a.diagnostics.reason : []), ...(b.decision === 'allow' ? b.diagnostics.reason : [])];
  return { decision: permits.length > 0 ? 'allow' : 'deny', diagnostics: { reason: permits, errors } };
}

/**
 * Cedar's answer on a subset of policies (`ids`), read from its answer on a set that holds them,
 * or undefined when that answer does not tell: an allow names every satisfied permit and means no
 * forbid was satisfied; a deny naming none means nothing was satisfied; a deny names every
 * satisfied forbid, so a subset with one of them is denied by those; but when only forbids outside
 * the subset deny, whether the subset's permits were satisfied is not said.
 */
function partOf(answer: Response, ids: ReadonlySet<string>): Response | undefined {
  const { decision, diagnostics } = answer;
  const errors = diagnostics.errors.filter((e) => ids.has(e.policyId));
  const reason = diagnostics.reason.filter((id) => ids.has(id));
  if (decision === 'allow') return { decision: reason.length > 0 ? 'allow' : 'deny', diagnostics: { reason, errors } };
  if (diagnostics.reason.length === 0 || reason.length > 0) return { decision: 'deny', diagnostics: { reason, errors } };
  return undefined;
}

/**
 * Everything that reaches Cedar for one request, with time cut to the minute Cedar sees, as one
 * string: sets sorted and deduplicated, attributes in name order. The string itself is the key
 * (hashing it would cost more than the map does).
 */
function cacheKey(input: PolicyInput, minute: number, withCounters: boolean): string {
  const { principal, action, resource, context } = input;
  const { task, delegate } = context;
  const names = Object.keys(task.attributes);
  if (names.length > 1) names.sort(compareCodeUnits);
  const attributes: string[] = [];
  for (const name of names) attributes.push(name, task.attributes[name]!);
  return JSON.stringify([
    principal.spiffeId, principal.trustDomain, principal.path, action, resource.provider, resource.kind,
    task.id, task.purpose, task.depth, attributes, asSortedSet(context.scope), context.ttlSeconds, minute,
    asSortedSet(task.chain), asSortedSet(task.tools),
    withCounters ? [task.credentialsIssued ?? 0, task.deviations ?? 0] : 0,
    delegate === undefined ? 0 : [delegate.spiffeId, delegate.trustDomain, delegate.path],
  ]);
}

function entityRefs(type: string, ids: readonly string[] | undefined): CedarValueJson[] {
  const refs: CedarValueJson[] = [];
  if (ids !== undefined) for (const id of ids) refs.push({ __entity: { type, id } });
  return refs;
}

function asSortedSet(values: readonly string[] | undefined): readonly string[] {
  if (values === undefined || values.length === 0) return [];
  // Already strictly ascending (sorted, no duplicates): as it is.
  let i = 1;
  while (i < values.length && values[i - 1]! < values[i]!) i++;
  if (i === values.length) return values;
  return [...new Set(values)].sort(compareCodeUnits);
}

function versionDigest(files: readonly PolicyFile[], schemaText: string): string {
  const hash = createHash('sha256');
  // Length prefixes keep the boundaries between names and texts unambiguous.
  const add = (part: string): void => {
    hash.update(`${Buffer.byteLength(part)}:`).update(part);
  };
  add(schemaText);
  for (const file of files) {
    add(file.name);
    add(file.text);
  }
  return hash.digest('hex');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function cedarLoadError(source: string, what: string, errors: readonly DetailedError[]): PolicyLoadError {
  const detail = errors.map(describeCedarError).join('; ');
  return new PolicyLoadError(source, detail === '' ? what : `${what}: ${detail}`);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

async function readable(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw new PolicyLoadError(path, `cannot read (${errorCode(error)})`);
  }
}

async function readText(path: string): Promise<string> {
  try {
    return stripBom(await readFile(path, 'utf8'));
  } catch (error) {
    throw new PolicyLoadError(path, `cannot read (${errorCode(error)})`);
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
