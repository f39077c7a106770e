// Checks on what a caller declares about a task: its tools, its budget, whom it delegates to, which
// approval it presents. Like input.ts, everything is bounded before anything else looks at it.
import { WarrantError, formatDuration, isLeaseId } from '../core/index.js';
import { parseSpiffeId, type Workload } from '../identity/index.js';
import type { TaskBudget } from '../tasks/index.js';
import { checkProviderName, checkScope, quote } from './input.js';
import type { BudgetInput, ToolInput } from './task-types.js';

const MAX_TOOLS = 32;

/** Server-side bounds on tasks (config `tasks`). */
export interface TaskRules {
  /** Deviations at which the whole task is revoked (trigger `deviation`). */
  readonly deviationThreshold: number;
  /** How deep delegation may go: a task opened directly has depth 0. */
  readonly maxDelegationDepth: number;
  /** When true, a task must declare its tools. */
  readonly requireTools: boolean;
  /** What a task gets for a budget field it leaves unset. */
  readonly defaultBudget: TaskBudget;
  /** The most a task may ask for. */
  readonly maxBudget: TaskBudget;
  /** How long a pending approval waits for a decision. */
  readonly approvalTimeoutMs: number;
  /** How long an approved approval may be used. */
  readonly approvalUseWindowMs: number;
  /** The longest one GetApproval call blocks. */
  readonly approvalMaxWaitMs: number;
}

export const DEFAULT_TASK_RULES: TaskRules = Object.freeze({
  deviationThreshold: 5,
  maxDelegationDepth: 3,
  requireTools: false,
  defaultBudget: Object.freeze({ maxCredentials: 100, maxConcurrentLeases: 10, maxLifetimeMs: 8 * 3_600_000 }),
  maxBudget: Object.freeze({ maxCredentials: 10_000, maxConcurrentLeases: 1_000, maxLifetimeMs: 7 * 86_400_000 }),
  approvalTimeoutMs: 3_600_000,
  approvalUseWindowMs: 600_000,
  approvalMaxWaitMs: 300_000,
});

function bad(message: string): never {
  throw new WarrantError('ERR_INVALID_ARGUMENT', message);
}

/** Provider names and raw scopes, checked for shape; each provider resolves its own scope later. */
export function checkTools(tools: readonly ToolInput[] | undefined, field = 'task.tools'): ToolInput[] {
  const list = tools ?? [];
  if (list.length > MAX_TOOLS) bad(`${field} has ${list.length} entries; at most ${MAX_TOOLS} are allowed`);
  const seen = new Set<string>();
  return list.map((tool, i) => {
    const provider = checkProviderName(tool.provider);
    if (seen.has(provider)) bad(`${field}[${i}]: provider ${quote(provider)} is declared twice`);
    seen.add(provider);
    return { provider, scope: [...checkScope(tool.scope)] };
  });
}

/** Unset fields take the server default; a field beyond the server maximum is refused, never clamped. */
export function checkBudget(input: BudgetInput | undefined, rules: TaskRules, field = 'task.budget'): TaskBudget {
  const pick = (name: keyof TaskBudget, value: number | undefined): number => {
    if (value === undefined || value === 0) return rules.defaultBudget[name];
    const max = rules.maxBudget[name];
    if (!Number.isSafeInteger(value) || value < 0) bad(`${field}.${snake(name)} must be a positive whole number`);
    if (value > max) {
      const shown = name === 'maxLifetimeMs' ? `${formatDuration(value)} exceeds this server's maximum of ${formatDuration(max)}` : `${value} exceeds this server's maximum of ${max}`;
      bad(`${field}.${snake(name)} ${shown}`);
    }
    return value;
  };
  return Object.freeze({
    maxCredentials: pick('maxCredentials', input?.maxCredentials),
    maxConcurrentLeases: pick('maxConcurrentLeases', input?.maxConcurrentLeases),
    maxLifetimeMs: Math.max(1000, pick('maxLifetimeMs', input?.maxLifetimeMs)),
  });
}

/** The workload a task is delegated to; a task is delegated to another workload, never to its owner. */
export function checkDelegate(text: string, caller: Workload): { spiffeId: string; trustDomain: string; path: string } {
  if (text === '') bad('delegate_spiffe_id is required');
  let id;
  try {
    id = parseSpiffeId(text);
  } catch (err) {
    bad(`delegate_spiffe_id: ${(err as Error).message}`);
  }
  if (id.path === '') bad(`delegate_spiffe_id ${quote(text)} names a trust domain, not a workload`);
  const spiffeId = id.toString();
  if (spiffeId === caller.spiffeId) bad('delegate_spiffe_id is the caller itself: a task is delegated to another workload');
  return { spiffeId, trustDomain: id.trustDomain, path: id.path };
}

export function checkApprovalId(id: string, field = 'approval_id'): string | undefined {
  if (id === '') return undefined;
  if (!isLeaseId(id)) bad(`${field} ${quote(id)} is not an approval id (26 lower-case base32 characters)`);
  return id;
}

function snake(name: keyof TaskBudget): string {
  return name === 'maxCredentials' ? 'max_credentials' : name === 'maxConcurrentLeases' ? 'max_concurrent_leases' : 'max_lifetime';
}
