import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
  type AuthorizationAnswer,
  type DetailedError,
  type EntityJson,
  type EntityUidJson,
  type StatefulAuthorizationCall,
} from '@cedar-policy/cedar-wasm/nodejs';
import { describeCedarError } from './cedar-errors.js';
import {
  POLICY_ACTIONS,
  type Decision,
  type PolicyAction,
  type PolicyEngineOptions,
  type PolicyEngineStats,
  type PolicyInput,
} from './decision.js';
import { GroupMatcher } from './groups.js';
import { PolicyLoadError } from './load-error.js';
import { LruCache } from './lru-cache.js';
import { compilePolicySet, type PolicyFile, type SchemaFile } from './policy-set.js';
import { WARRANT_SCHEMA } from './schema.js';

const DEFAULT_CACHE_SIZE = 10_000;
const SCHEMA_FILE = 'schema.cedarschema';
const BUILTIN_SCHEMA_SOURCE = 'warrant.cedarschema';
const POLICY_SUFFIX = '.cedar';
const VERSION_LENGTH = 16;
const MINUTE_MS = 60_000;
const ACTIONS: ReadonlySet<string> = new Set(POLICY_ACTIONS);

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
  private readonly groupCache: LruCache<string, readonly EntityUidJson[]>;
  private readonly decisions: LruCache<string, Decision>;
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

  stats(): PolicyEngineStats {
    return { evaluations: this.evaluations, cacheHits: this.cacheHits, cachedDecisions: this.decisions.size };
  }

  /** Default deny; a satisfied forbid wins over any permit. Throws TypeError on malformed input. */
  decide(input: PolicyInput): Decision {
    checkInput(input);
    const minute = Math.floor(input.context.now / MINUTE_MS);
    const key = this.decisions.capacity > 0 ? cacheKey(input, minute) : undefined;
    if (key !== undefined) {
      const cached = this.decisions.get(key);
      if (cached !== undefined) {
        this.cacheHits++;
        return cached;
      }
    }
    this.evaluations++;
    const answer = statefulIsAuthorized(this.request(input, minute, this.schemaName, false));
    if (answer.type === 'failure') {
      // The sample requests at load make this unreachable for well-formed input; never cache it.
      throw new Error(`policy evaluation failed: ${answer.errors.map(describeCedarError).join('; ')}`);
    }
    const decision = this.toDecision(answer);
    if (key !== undefined) this.decisions.set(key, decision);
    return decision;
  }

  private toDecision(answer: Extract<AuthorizationAnswer, { type: 'success' }>): Decision {
    const { decision, diagnostics } = answer.response;
    const allowed = decision === 'allow';
    const determiningPolicies = [...diagnostics.reason].sort(this.byLoadOrder);
    const errors = [...diagnostics.errors]
      .sort((a, b) => this.byLoadOrder(a.policyId, b.policyId))
      .map(({ policyId, error }) => `${policyId}: ${describeCedarError(error)}`);
    return Object.freeze({
      allowed,
      determiningPolicies: Object.freeze(determiningPolicies) as string[],
      errors: Object.freeze(errors) as string[],
      policyVersion: this.version,
      approvalRequired: allowed && determiningPolicies.some((id) => this.approvalIds.has(id)),
    });
  }

  private readonly byLoadOrder = (a: string, b: string): number =>
    (this.order.get(a) ?? Number.MAX_SAFE_INTEGER) - (this.order.get(b) ?? Number.MAX_SAFE_INTEGER);

  private parentsOf(spiffeId: string): readonly EntityUidJson[] {
    let parents = this.groupCache.get(spiffeId);
    if (parents === undefined) {
      // Group entities themselves are left out: membership lives on the workload, and each entity costs time.
      parents = this.matcher.groupsOf(spiffeId).map((name) => ({ type: 'Group', id: name }));
      this.groupCache.set(spiffeId, parents);
    }
    return parents;
  }

  private request(input: PolicyInput, minute: number, schemaName: string | undefined, validateRequest: boolean): StatefulAuthorizationCall {
    const { principal, action, resource, context } = input;
    const { task } = context;
    const nowSeconds = minute * 60;
    const at = new Date(nowSeconds * 1000);
    const workload: EntityJson = {
      uid: { type: 'Workload', id: principal.spiffeId },
      attrs: { trustDomain: principal.trustDomain, path: principal.path },
      parents: [...this.parentsOf(principal.spiffeId)],
    };
    const provider: EntityJson = { uid: { type: 'Provider', id: resource.provider }, attrs: { kind: resource.kind }, parents: [] };
    const taskEntity: EntityJson = {
      uid: { type: 'Task', id: task.id },
      attrs: { purpose: task.purpose, depth: task.depth },
      parents: [],
      tags: { ...task.attributes },
    };
    const call: StatefulAuthorizationCall = {
      principal: workload.uid,
      action: { type: 'Action', id: action },
      resource: provider.uid,
      context: {
        task: { __entity: { type: 'Task', id: task.id } },
        scope: [...new Set(context.scope)],
        ttlSeconds: context.ttlSeconds,
        nowEpochSeconds: nowSeconds,
        hourOfDayUtc: at.getUTCHours(),
        dayOfWeekUtc: at.getUTCDay(),
      },
      preparsedPolicySetId: this.policySetId,
      entities: [workload, provider, taskEntity],
      validateRequest,
    };
    if (schemaName !== undefined) call.preparsedSchemaName = schemaName;
    return call;
  }

  /** Runs one request per action through the prepared set, so a broken set fails now, not on a caller. */
  private runSamples(schemaSource: string, schemaName: string): void {
    const sample = (action: PolicyAction): PolicyInput => ({
      principal: { spiffeId: 'spiffe://warrant.invalid/sample', trustDomain: 'warrant.invalid', path: '/sample' },
      action,
      resource: { provider: 'sample', kind: 'sample' },
      context: {
        task: { id: 'sample', purpose: 'load check', attributes: { environment: 'sample' }, depth: 0 },
        scope: ['sample'],
        ttlSeconds: 60,
        now: 0,
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

function checkInput(input: PolicyInput): void {
  const fail = (field: string, want: string): never => {
    throw new TypeError(`PolicyInput.${field} must be ${want}`);
  };
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
  for (const value of Object.values(task.attributes)) {
    if (typeof value !== 'string') fail('context.task.attributes', 'an object of strings');
  }
  if (!Array.isArray(context.scope) || context.scope.some((s) => typeof s !== 'string')) fail('context.scope', 'an array of strings');
  if (!Number.isSafeInteger(context.ttlSeconds)) fail('context.ttlSeconds', 'an integer');
  if (!Number.isFinite(context.now)) fail('context.now', 'a finite number of milliseconds');
}

/** Digest of everything that reaches Cedar for one request, with time cut to the minute Cedar sees. */
function cacheKey(input: PolicyInput, minute: number): string {
  const { principal, action, resource, context } = input;
  const { task } = context;
  const attributes = Object.keys(task.attributes)
    .sort(compareCodeUnits)
    .map((name) => [name, task.attributes[name]]);
  const scope = [...new Set(context.scope)].sort(compareCodeUnits);
  const material = JSON.stringify([
    principal.spiffeId, principal.trustDomain, principal.path, action, resource.provider, resource.kind,
    task.id, task.purpose, task.depth, attributes, scope, context.ttlSeconds, minute,
  ]);
  return createHash('sha256').update(material).digest('base64url');
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
