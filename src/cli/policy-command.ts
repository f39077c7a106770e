// `warrant policy check|eval`: for policy authors and CI pipelines. Nothing here talks to a server:
// the directory is loaded exactly as `warrant serve` loads it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadServerConfig } from '../config/index.js';
import { parseDuration } from '../core/index.js';
import { parseSpiffeId } from '../identity/index.js';
import { POLICY_ACTIONS, PolicyEngine, PolicyLoadError, type GroupConfig, type PolicyAction, type PolicyInput } from '../policy/index.js';
import { UsageError } from './usage-error.js';

export const POLICY_HELP = `  warrant policy check DIR [--groups FILE | --config FILE] [--json]
                validates every *.cedar file against the schema; exit 1 names file:line:column
  warrant policy eval DIR --principal SPIFFE_ID --action ACTION --provider NAME [--kind KIND]
                [--task ID] [--purpose TEXT] [--attr K=V]... [--scope S]... [--ttl DURATION]
                [--depth N] [--chain SPIFFE_ID]... [--tool PROVIDER]... [--delegate SPIFFE_ID]
                [--credentials-issued N] [--deviations N] [--at ISO-TIME]
                [--groups FILE | --config FILE] [--expect allow|deny|approval] [--json]
                decides one request: the decision, the policies that made it, and why`;

function parseCheck(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { groups: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function parseEval(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        groups: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        principal: { type: 'string' },
        action: { type: 'string' },
        provider: { type: 'string' },
        kind: { type: 'string' },
        task: { type: 'string', default: 'policy-eval' },
        purpose: { type: 'string', default: '' },
        attr: { type: 'string', multiple: true, default: [] },
        scope: { type: 'string', multiple: true, default: [] },
        ttl: { type: 'string', default: '5m' },
        depth: { type: 'string', default: '' },
        chain: { type: 'string', multiple: true, default: [] },
        tool: { type: 'string', multiple: true, default: [] },
        delegate: { type: 'string' },
        'credentials-issued': { type: 'string', default: '0' },
        deviations: { type: 'string', default: '0' },
        at: { type: 'string' },
        expect: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export async function cmdPolicy(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'check') return check(rest);
  if (sub === 'eval') return evaluate(rest);
  throw new UsageError(`policy takes check or eval\n${POLICY_HELP}`);
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseCheck(args);
  const dir = onlyDir(positionals, 'check');
  const setup = groupsAndKinds(values.groups, values.config);
  const out = (json: Record<string, unknown>, human: string): void => void process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
  let engine: PolicyEngine;
  try {
    engine = await PolicyEngine.loadDir(dir, { groups: setup.groups, cacheSize: 0 });
  } catch (err) {
    if (!(err instanceof PolicyLoadError)) throw err;
    out({ ok: false, error: { file: err.file, line: err.line ?? null, column: err.column ?? null, message: err.message } }, `error: ${err.toString()}`);
    return 1;
  }
  const human = [`ok: ${engine.policyCount} ${engine.policyCount === 1 ? 'policy' : 'policies'}, version ${engine.version}`, ...engine.warnings.map((w) => `warning: ${w}`)];
  out({ ok: true, version: engine.version, policies: engine.policyIds, warnings: engine.warnings }, human.join('\n'));
  return 0;
}

async function evaluate(args: string[]): Promise<number> {
  const { values, positionals } = parseEval(args);
  const dir = onlyDir(positionals, 'eval');
  const setup = groupsAndKinds(values.groups, values.config);
  if (values.principal === undefined) throw new UsageError('policy eval needs --principal SPIFFE_ID');
  if (values.action === undefined) throw new UsageError(`policy eval needs --action (one of ${POLICY_ACTIONS.join(', ')})`);
  if (!(POLICY_ACTIONS as readonly string[]).includes(values.action)) throw new UsageError(`--action "${values.action}" is not one of ${POLICY_ACTIONS.join(', ')}`);
  if (values.provider === undefined) throw new UsageError('policy eval needs --provider NAME');
  const expect = values.expect;
  if (expect !== undefined && !['allow', 'deny', 'approval'].includes(expect)) throw new UsageError('--expect takes allow, deny or approval');
  const principal = workload(values.principal, '--principal');
  const attributes: Record<string, string> = {};
  for (const a of values.attr) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attr "${a}" must be KEY=VALUE`);
    attributes[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const ttlMs = parseDuration(values.ttl);
  if (ttlMs === undefined || ttlMs <= 0) throw new UsageError(`--ttl "${values.ttl}" is not a duration (e.g. 90s, 15m, 1h)`);
  const chain = values.chain.map((c) => workload(c, '--chain').spiffeId);
  const depth = values.depth === '' ? chain.length : count(values.depth, '--depth');
  const now = values.at === undefined ? Date.now() : Date.parse(values.at);
  if (!Number.isFinite(now)) throw new UsageError(`--at "${values.at ?? ''}" is not a time (e.g. 2026-03-02T09:30:00Z)`);
  const input: PolicyInput = {
    principal,
    action: values.action as PolicyAction,
    resource: { provider: values.provider, kind: values.kind ?? setup.kinds.get(values.provider) ?? '' },
    context: {
      task: {
        id: values.task,
        purpose: values.purpose,
        attributes,
        depth,
        chain,
        tools: values.tool,
        credentialsIssued: count(values['credentials-issued'], '--credentials-issued'),
        deviations: count(values.deviations, '--deviations'),
      },
      scope: values.scope.flatMap((s) => s.split(/\s+/)).filter((s) => s !== ''),
      ttlSeconds: Math.ceil(ttlMs / 1000),
      now,
      ...(values.delegate === undefined ? {} : { delegate: workload(values.delegate, '--delegate') }),
    },
  };
  if (input.context.delegate !== undefined && input.action !== 'delegate') throw new UsageError('--delegate goes with --action delegate');

  let engine: PolicyEngine;
  try {
    engine = await PolicyEngine.loadDir(dir, { groups: setup.groups, cacheSize: 0 });
  } catch (err) {
    if (!(err instanceof PolicyLoadError)) throw err;
    process.stdout.write(values.json ? `${JSON.stringify({ ok: false, error: err.toString() })}\n` : `error: ${err.toString()}\n`);
    return 1;
  }
  const decision = engine.decide(input);
  const outcome = !decision.allowed ? 'deny' : decision.approvalRequired ? 'approval' : 'allow';
  const policies = decision.determiningPolicies.map((id) => {
    const info = engine.policyInfo(id);
    return info === undefined ? { id } : { id, effect: info.effect, at: `${info.source}:${info.line}:${info.column}`, annotations: info.annotations };
  });
  const reason = !decision.allowed
    ? decision.determiningPolicies.length > 0
      ? `forbidden by ${decision.determiningPolicies.map((p) => `"${p}"`).join(', ')}`
      : 'no policy permits it (default deny)'
    : `permitted by ${decision.determiningPolicies.map((p) => `"${p}"`).join(', ')}${decision.approvalRequired ? '; a human must approve it first' : ''}`;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ decision: outcome, allowed: decision.allowed, approvalRequired: decision.approvalRequired, reason, policies, errors: decision.errors, policyVersion: decision.policyVersion })}\n`,
    );
  } else {
    const lines = [`decision        ${outcome === 'approval' ? 'allow, after approval' : outcome}`, `reason          ${reason}`, `policy version  ${decision.policyVersion}`];
    for (const p of policies) {
      const notes = Object.entries(p.annotations ?? {})
        .filter(([k]) => k !== 'id')
        .map(([k, v]) => `@${k}(${JSON.stringify(v)})`)
        .join(' ');
      lines.push(`  ${p.id}  ${p.effect ?? ''}  ${p.at ?? ''}${notes === '' ? '' : `  ${notes}`}`);
    }
    for (const e of decision.errors) lines.push(`  error: ${e}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (expect !== undefined && expect !== outcome) {
    process.stderr.write(`warrant: expected ${expect}, got ${outcome}\n`);
    return 1;
  }
  return 0;
}

function onlyDir(positionals: string[], sub: string): string {
  const [dir, extra] = positionals;
  if (dir === undefined) throw new UsageError(`policy ${sub} needs a policy DIR`);
  if (extra !== undefined) throw new UsageError(`policy ${sub} takes one DIR (got "${extra}" too)`);
  return dir;
}

function count(text: string, flag: string): number {
  const n = Number(text);
  if (text === '' || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} "${text}" must be a whole number`);
  return n;
}

function workload(text: string, flag: string): { spiffeId: string; trustDomain: string; path: string } {
  try {
    const id = parseSpiffeId(text);
    return { spiffeId: id.toString(), trustDomain: id.trustDomain, path: id.path };
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** Groups from a YAML/JSON list or from a server config (which also gives provider kinds). */
function groupsAndKinds(groupsFile: string | undefined, configFile: string | undefined): { groups: GroupConfig[]; kinds: Map<string, string> } {
  if (groupsFile !== undefined && configFile !== undefined) throw new UsageError('--groups and --config go one at a time');
  if (configFile !== undefined) {
    const config = loadServerConfig(configFile);
    return { groups: config.policy.groups, kinds: new Map(Object.entries(config.providers).map(([name, p]) => [name, p.kind])) };
  }
  if (groupsFile === undefined) return { groups: [], kinds: new Map() };
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(groupsFile, 'utf8'));
  } catch (err) {
    throw new UsageError(`--groups ${groupsFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.every((g: unknown) => {
      const group = g as { name?: unknown; match?: unknown };
      return typeof group?.name === 'string' && Array.isArray(group.match) && group.match.every((m) => typeof m === 'string');
    });
  if (!ok) throw new UsageError(`--groups ${groupsFile}: must be a list of { name, match: [SPIFFE ID patterns] }`);
  return { groups: parsed as GroupConfig[], kinds: new Map() };
}
