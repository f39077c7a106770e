// Tasks as grants: open or join a task, hold a request to what the task declared, count its budget
// and its deviations, and end it — with every task delegated from it and every lease of them all.
import { WarrantError, isTerminal, leaseIdTime, type Lease, type Trigger } from '../core/index.js';
import type { Workload } from '../identity/index.js';
import type { PolicyTask } from '../policy/index.js';
import type { CredentialProvider } from '../providers/index.js';
import { errorSummary } from '../revocation/index.js';
import {
  DEFAULT_DEVIATIONS_KEPT,
  taskStateAt,
  type Deviation,
  type DeviationKind,
  type EndedLeaseRef,
  type NewTask,
  type ReserveOutcome,
  type TaskRecord,
  type ToolGrant,
} from '../tasks/index.js';
import { checkAttributes, checkPurpose, checkTaskId, quote } from './input.js';
import { auditWho, type TaskContext } from './task-context.js';
import { checkBudget, checkTools } from './task-input.js';
import type { TaskInput } from './types.js';

/** A live lease id with no lease record younger than this may belong to a mint in progress: never pruned. */
const PRUNE_GRACE_MS = 5 * 60_000;
/** A chain never changes while its task lives; cached briefly so renewals skip a store read. */
const CHAIN_CACHE_MS = 60_000;
const CHAIN_CACHE_SIZE = 10_000;
/**
 * IssueTaskCredential joins a task this replica saw open recently without reading it again: a record
 * read while its task was open keeps its id, owner and declaration for at least the store's retention.
 * Its state and counters may have moved on; the reservation is what holds a request to them.
 */
const SNAPSHOT_MS = 60_000;
const SNAPSHOT_SIZE = 10_000;

/** A request outside what its task declared or may still do. */
export interface Refusal {
  readonly kind: DeviationKind;
  readonly provider: string;
  readonly scope: readonly string[];
  readonly detail: string;
  readonly error: WarrantError;
}

/** What a request says of its task, checked. */
interface Declared {
  readonly purpose: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly tools: readonly { readonly provider: string; readonly scope: readonly string[] }[];
  readonly input: TaskInput;
}

export interface EndedTask {
  /** The task as it stands after the call; undefined when there is no such task. */
  readonly task: TaskRecord | undefined;
  /** The task's own leases, as revocation left them. */
  readonly leases: Lease[];
  /** Ids of every task delegated from it, at any depth. */
  readonly descendants: string[];
}

export class TaskUseCases {
  readonly #c: TaskContext;
  readonly #chains = new Map<string, { chain: readonly string[]; at: number }>();
  readonly #snapshots = new Map<string, { task: TaskRecord; until: number }>();
  readonly #ended: EndedLeaseRef[] = [];

  constructor(context: TaskContext) {
    this.#c = context;
  }

  // ── open or join ───────────────────────────────────────────────────────────────────────────
  /**
   * The task a request belongs to: opened now if no task has its id, else the stored one, which
   * must be the caller's, open, and declared as the request says (fields the request leaves empty
   * are not compared). A request naming a parent joins a task its parent's owner delegated.
   */
  async join(caller: Workload, input: TaskInput, now: number, options: { readonly snapshot?: boolean } = {}): Promise<TaskRecord> {
    const id = checkTaskId(input.id);
    const purpose = checkPurpose(input.purpose);
    const attributes = checkAttributes(input.attributes);
    const parentId = input.parentId === '' ? undefined : checkTaskId(input.parentId, 'task.parent_id');
    const tools = checkTools(input.tools);
    const declared = { purpose, attributes, tools, input };
    if (options.snapshot === true) {
      const seen = this.#snapshots.get(id);
      if (seen !== undefined && seen.until > now && seen.task.parentId === parentId) return this.#joinExisting(caller, seen.task, declared, now);
    }
    if (parentId !== undefined) {
      const task = await this.#c.tasks.get(id);
      if (task === undefined || task.parentId !== parentId) {
        throw new WarrantError(
          'ERR_TASK_NOT_FOUND',
          `task ${quote(id)} was not delegated from task ${quote(parentId)}: a delegated task is created by the parent task's owner with DelegateTask`,
        );
      }
      return this.#joinExisting(caller, this.remember(task, now), declared, now);
    }
    // Opening answers with the stored task when there is one: a single round trip either way. A
    // request that could not open a task may still join one, so then the task is read first.
    let record: NewTask;
    try {
      record = this.#newTask(caller, id, declared, now);
    } catch (err) {
      const existing = await this.#c.tasks.get(id);
      if (existing === undefined) throw err;
      return this.#joinExisting(caller, this.remember(existing, now), declared, now);
    }
    const opened = await this.#c.tasks.open(record);
    if (opened.outcome === 'existing') return this.#joinExisting(caller, this.remember(opened.task, now), declared, now);
    this.#c.audit.append({
      type: 'task',
      event: 'opened',
      workload: auditWho(caller),
      task: taskRef(opened.task),
      tools: opened.task.tools,
      budget: opened.task.budget,
    });
    return this.remember(opened.task, now);
  }

  /** Keeps an open task's record, read or written no earlier than `readAt`, for joins by IssueTaskCredential. */
  remember(task: TaskRecord, readAt: number): TaskRecord {
    if (taskStateAt(task, readAt) !== 'open') {
      this.#snapshots.delete(task.id);
      return task;
    }
    if (this.#snapshots.size >= SNAPSHOT_SIZE) this.#snapshots.clear();
    this.#snapshots.set(task.id, { task, until: readAt + Math.min(SNAPSHOT_MS, this.#c.tasks.retentionMs) });
    return task;
  }

  /** Drops what this replica remembers of a task (it ended, or a reservation found it not open). */
  forget(taskId: string): void {
    this.#snapshots.delete(taskId);
  }

  #newTask(caller: Workload, id: string, declared: Declared, now: number): NewTask {
    const rules = this.#c.rules;
    if (rules.requireTools && declared.tools.length === 0) {
      throw new WarrantError('ERR_INVALID_ARGUMENT', 'task.tools is required: this server requires every task to declare the providers it will use');
    }
    const budget = checkBudget(declared.input.budget, rules);
    return {
      id,
      owner: caller.spiffeId,
      trustDomain: caller.trustDomain,
      purpose: declared.purpose,
      attributes: declared.attributes,
      tools: declared.tools.map((t, i) => this.#grant(t.provider, t.scope, `task.tools[${i}]`)),
      budget,
      ancestors: [],
      chain: [],
      openedAt: now,
      expiresAt: now + budget.maxLifetimeMs,
    };
  }

  /** A request for a provider or scope the task did not declare, or undefined when it is within. */
  outsideDeclaration(task: TaskRecord, provider: CredentialProvider, scope: readonly string[]): Refusal | undefined {
    if (task.tools.length === 0) return undefined;
    const tool = task.tools.find((t) => t.provider === provider.name);
    if (tool === undefined) {
      const declared = task.tools.map((t) => quote(t.provider)).join(', ');
      return {
        kind: 'undeclared_tool',
        provider: provider.name,
        scope,
        detail: `provider ${quote(provider.name)} is not among the task's tools`,
        error: new WarrantError('ERR_TOOL_NOT_DECLARED', `provider ${quote(provider.name)} is not among the tools task ${quote(task.id)} declared (${declared}); nothing was issued`),
      };
    }
    if (tool.scope.length === 0) return undefined;
    const beyond = scope.filter((s) => !tool.scope.includes(s));
    if (beyond.length === 0) return undefined;
    return {
      kind: 'scope_outside_task',
      provider: provider.name,
      scope,
      detail: `scope ${beyond.map((s) => quote(s)).join(', ')} is beyond the task's tool`,
      error: new WarrantError(
        'ERR_SCOPE_INVALID',
        `scope ${beyond.map((s) => quote(s)).join(', ')} is beyond what task ${quote(task.id)} declared for provider ${quote(provider.name)} (${tool.scope.map((s) => quote(s)).join(', ')})`,
      ),
    };
  }

  /** How Cedar sees the task. */
  policyTask(task: TaskRecord): PolicyTask {
    return {
      id: task.id,
      purpose: task.purpose,
      attributes: task.attributes,
      depth: task.ancestors.length,
      chain: task.chain,
      tools: task.tools.map((t) => t.provider),
      credentialsIssued: task.credentialsIssued,
      deviations: task.deviations,
    };
  }

  // ── budget ─────────────────────────────────────────────────────────────────────────────────
  /**
   * Counts one credential against the task and its ancestors. When only the concurrency limit
   * refused, live ids whose leases have ended (an event that was missed) are dropped and it is
   * tried once more.
   */
  async reserve(task: TaskRecord, leaseId: string, now: number): Promise<ReserveOutcome> {
    let outcome = await this.#c.tasks.reserve(task.id, leaseId, now);
    if (!outcome.ok && outcome.refusal === 'max_concurrent_leases' && (await this.#pruneEnded(outcome.at.id, now)) > 0) {
      outcome = await this.#c.tasks.reserve(task.id, leaseId, now);
    }
    this.remember(outcome.task, now);
    return outcome;
  }

  /** The refusal of a reservation, as the error the caller gets. */
  refusalOf(outcome: Extract<ReserveOutcome, { ok: false }>, provider: string, scope: readonly string[], now: number): Refusal | WarrantError {
    const { task, at, refusal } = outcome;
    const where = at.id === task.id ? `task ${quote(task.id)}` : `task ${quote(task.id)}'s ancestor ${quote(at.id)}`;
    switch (refusal) {
      case 'ended':
      case 'expired':
        return at.id === task.id ? endedError(at, now) : new WarrantError('ERR_TASK_ENDED', `${where} has ended; no credential can be issued for task ${quote(task.id)}`);
      case 'max_credentials':
        return {
          kind: 'over_budget',
          provider,
          scope,
          detail: `max_credentials ${at.budget.maxCredentials} of ${at.id === task.id ? 'the task' : `ancestor ${quote(at.id)}`} reached`,
          error: new WarrantError('ERR_TASK_BUDGET_EXHAUSTED', `${where} has used all ${at.budget.maxCredentials} credentials of its budget (max_credentials); nothing was issued`),
        };
      case 'max_concurrent_leases':
        return {
          kind: 'over_budget',
          provider,
          scope,
          detail: `max_concurrent_leases ${at.budget.maxConcurrentLeases} of ${at.id === task.id ? 'the task' : `ancestor ${quote(at.id)}`} reached`,
          error: new WarrantError(
            'ERR_TASK_BUDGET_EXHAUSTED',
            `${where} already holds ${at.budget.maxConcurrentLeases} live leases, its budget's max_concurrent_leases; revoke one or wait for one to expire; nothing was issued`,
          ),
        };
    }
  }

  /** The delegation chain of a task (empty for one opened directly); undefined when it has no record. */
  async chainOf(taskId: string): Promise<readonly string[] | undefined> {
    const now = Date.now();
    const cached = this.#chains.get(taskId);
    if (cached !== undefined && now - cached.at < CHAIN_CACHE_MS) return cached.chain;
    const task = await this.#c.tasks.get(taskId);
    if (task === undefined) return undefined;
    if (this.#chains.size >= CHAIN_CACHE_SIZE) this.#chains.clear();
    this.#chains.set(taskId, { chain: task.chain, at: now });
    return task.chain;
  }

  /**
   * The task's record when it is no longer open at `now`. An ancestor's end reaches it through the
   * cascade, which reads the task's live leases only after marking it, so the task's own state is enough.
   */
  async endedSince(taskId: string, now: number): Promise<TaskRecord | undefined> {
    const task = await this.#c.tasks.get(taskId);
    return task !== undefined && taskStateAt(task, now) !== 'open' ? task : undefined;
  }

  /** Gives the lease's place back (refund: also its credential count); failures are logged, not thrown. */
  async release(taskId: string, leaseId: string, refund: boolean): Promise<void> {
    try {
      await this.#c.tasks.release(taskId, leaseId, refund);
    } catch (err) {
      this.#c.log.warn({ taskId, leaseId, err: errorSummary(err) }, 'could not release a lease from its task budget; it is pruned when the budget fills');
    }
  }

  /**
   * A lease reached revoked or expired: it no longer counts as live for its task. Told per lease,
   * released in one batch per turn of the event loop (a mass revocation ends thousands at once).
   */
  leaseEnded(ended: EndedLeaseRef): void {
    this.#ended.push(ended);
    if (this.#ended.length === 1) setImmediate(() => void this.#releaseEnded());
  }

  async #releaseEnded(): Promise<void> {
    const batch = this.#ended.splice(0, this.#ended.length);
    try {
      await this.#c.tasks.releaseEnded(batch);
    } catch (err) {
      this.#c.log.warn({ leases: batch.length, err: errorSummary(err) }, 'could not release ended leases from their task budgets; they are pruned when a budget fills');
    }
  }

  // ── deviations ─────────────────────────────────────────────────────────────────────────────
  /**
   * Counts a refused request against its task and audits it; at the threshold the whole task is
   * revoked (trigger `deviation`). Returns the error the caller gets.
   */
  async deviate(caller: Workload, task: TaskRecord, refusal: Refusal): Promise<WarrantError> {
    const { rules, audit, clock } = this.#c;
    const now = clock.now();
    const deviation: Deviation = { kind: refusal.kind, provider: refusal.provider, scope: refusal.scope, at: now, detail: refusal.detail };
    let count: number;
    try {
      count = await this.#c.tasks.recordDeviation(task.id, deviation, Math.max(DEFAULT_DEVIATIONS_KEPT, rules.deviationThreshold));
    } catch (err) {
      this.#c.log.warn({ taskId: task.id, err: errorSummary(err) }, 'could not count a deviation of the task');
      return refusal.error;
    }
    audit.append({
      type: 'task',
      event: 'deviation',
      workload: auditWho(caller),
      task: taskRef(task),
      kind: refusal.kind,
      provider: refusal.provider,
      scope: refusal.scope,
      detail: refusal.detail,
      error: refusal.error.code,
      deviations: count,
      threshold: rules.deviationThreshold,
    });
    if (count < rules.deviationThreshold || taskStateAt(task, now) !== 'open') return refusal.error;
    const ended = await this.end(task.id, {
      state: 'revoked',
      trigger: 'deviation',
      reason: `${count} deviations reached the threshold of ${rules.deviationThreshold}`,
      by: { deviation: refusal.kind },
    }).catch((err: unknown) => {
      this.#c.log.error({ taskId: task.id, err: errorSummary(err) }, 'could not revoke a task past its deviation threshold');
      return undefined;
    });
    if (ended?.task?.trigger !== 'deviation') return refusal.error;
    return new WarrantError(refusal.error.code, `${refusal.error.message}; task ${quote(task.id)} is now revoked: ${count} deviations reached the threshold of ${rules.deviationThreshold}`);
  }

  // ── end ────────────────────────────────────────────────────────────────────────────────────
  /**
   * Ends the task, then every task delegated from it (trigger `parent_revoked`), then revokes the
   * leases of them all. Run again on an ended task it only repeats the revocations, so a crash
   * half way is finished by the next call.
   */
  async end(
    taskId: string,
    input: { state: 'completed' | 'revoked'; trigger: Trigger; reason?: string; by: Record<string, unknown> },
  ): Promise<EndedTask> {
    const { tasks, clock, audit } = this.#c;
    const now = clock.now();
    this.forget(taskId);
    const outcome = await tasks.end(taskId, { state: input.state, trigger: input.trigger, now, ...(input.reason === undefined ? {} : { reason: input.reason }) });
    if (outcome.outcome === 'not_found') return { task: undefined, leases: [], descendants: [] };
    const task = outcome.task;
    if (outcome.outcome === 'ended') {
      audit.append({
        type: 'task',
        event: task.state,
        by: input.by,
        task: taskRef(task),
        trigger: task.trigger,
        ...(task.reason === undefined ? {} : { reason: task.reason }),
        counters: { credentialsIssued: task.credentialsIssued, liveLeases: task.liveLeases, deviations: task.deviations },
        ...(task.trigger === 'deviation' ? { deviationRecords: await tasks.deviations(task.id).catch(() => []) } : {}),
      });
    }

    const descendants = await this.#descendants(taskId);
    const verb = task.state === 'completed' ? 'was completed' : task.state === 'expired' ? 'expired' : 'was revoked';
    for (const id of descendants) {
      this.forget(id);
      const child = await tasks.end(id, { state: 'revoked', trigger: 'parent_revoked', reason: `ancestor task ${quote(taskId)} ${verb}`, now });
      if (child.outcome === 'ended') {
        audit.append({ type: 'task', event: child.task.state, by: { ancestor: taskId }, task: taskRef(child.task), trigger: child.task.trigger, reason: child.task.reason });
      }
    }
    // Deepest first, so a descendant's leases get parent_revoked before the root's live set (which holds them too) is revoked.
    for (const id of [...descendants].reverse()) await this.#revokeLeasesOf(id, { trigger: 'parent_revoked', reason: `ancestor task ${quote(taskId)} ${verb}` });
    const rootTrigger: Trigger = task.trigger ?? input.trigger;
    const leases = await this.#revokeLeasesOf(taskId, { trigger: rootTrigger, ...(task.reason === undefined ? {} : { reason: task.reason }) });
    return { task: (await tasks.get(taskId)) ?? task, leases: leases.filter((l) => l.taskId === taskId), descendants };
  }

  /** Who may act on a task as its owner: the owner's standing (owner, admin, sidecar) or a workload that delegated it. */
  mayActOn(caller: Workload, task: TaskRecord): boolean {
    return this.#c.authority.standing(caller.spiffeId, task.owner) !== 'none' || task.chain.includes(caller.spiffeId);
  }

  async get(caller: Workload, taskIdText: string): Promise<TaskRecord> {
    const id = checkTaskId(taskIdText, 'task_id');
    const task = await this.#c.tasks.get(id);
    if (task === undefined) throw new WarrantError('ERR_TASK_NOT_FOUND', `task ${quote(id)} does not exist (or its record has aged out)`);
    if (!this.mayActOn(caller, task)) throw new WarrantError('ERR_NOT_OWNER', `task ${quote(id)} belongs to another workload`);
    return task;
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────
  #joinExisting(
    caller: Workload,
    task: TaskRecord,
    declared: Declared,
    now: number,
  ): TaskRecord {
    if (task.owner !== caller.spiffeId) {
      throw new WarrantError('ERR_NOT_OWNER', `task ${quote(task.id)} belongs to another workload; choose another task id`);
    }
    const differs = (field: string): never => {
      throw new WarrantError(
        'ERR_TASK_CONFLICT',
        `task ${quote(task.id)} was opened with different ${field}; a task's declaration cannot change: send it as opened (or leave it empty), or open a new task`,
      );
    };
    if (declared.purpose !== '' && declared.purpose !== task.purpose) differs('purpose');
    if (Object.keys(declared.attributes).length > 0 && !sameMap(declared.attributes, task.attributes)) differs('attributes');
    if (declared.tools.length > 0) {
      const asked = declared.tools.map((t, i) => this.#grant(t.provider, t.scope, `task.tools[${i}]`));
      if (!sameTools(asked, task.tools)) differs('tools');
    }
    const b = declared.input.budget;
    if (b !== undefined) {
      if (b.maxCredentials && b.maxCredentials !== task.budget.maxCredentials) differs('budget.max_credentials');
      if (b.maxConcurrentLeases && b.maxConcurrentLeases !== task.budget.maxConcurrentLeases) differs('budget.max_concurrent_leases');
      if (b.maxLifetimeMs && b.maxLifetimeMs !== task.budget.maxLifetimeMs) differs('budget.max_lifetime');
    }
    if (taskStateAt(task, now) !== 'open') throw endedError(task, now);
    return task;
  }

  /** A declared tool: the provider must exist; a scope is normalised and held to the provider's ceiling. */
  #grant(providerName: string, scope: readonly string[], field: string): ToolGrant {
    const provider = this.#c.providers.get(providerName);
    if (provider === undefined) throw new WarrantError('ERR_PROVIDER_NOT_FOUND', `${field}: provider ${quote(providerName)} is not configured on this server`);
    return { provider: providerName, scope: scope.length === 0 ? [] : [...provider.resolveScope(scope)] };
  }

  async #descendants(taskId: string): Promise<string[]> {
    const out: string[] = [];
    const seen = new Set([taskId]);
    let level = [taskId];
    while (level.length > 0) {
      const next: string[] = [];
      for (const id of level) {
        for (const child of await this.#c.tasks.children(id)) {
          if (seen.has(child)) continue;
          seen.add(child);
          out.push(child);
          next.push(child);
        }
      }
      level = next;
    }
    return out;
  }

  /** Revokes every lease of the task still live: its lease records and the ids its budget counts. */
  async #revokeLeasesOf(taskId: string, opts: { trigger: Trigger; reason?: string }): Promise<Lease[]> {
    const [listed, live] = await Promise.all([this.#c.leases.listByTask(taskId), this.#c.tasks.liveLeaseIds(taskId).catch(() => [] as string[])]);
    const known = new Set(listed.map((l) => l.id));
    // Live ids without a record yet belong to a mint in progress; revoking them is a no-op the issue path notices.
    const ids = [...listed.filter((l) => !isTerminal(l.state)).map((l) => l.id), ...live.filter((id) => !known.has(id))];
    const revoked = await this.#c.revoker.revokeMany(ids, opts);
    // Confirmed here, they stop counting now rather than when the event feed brings the news.
    await Promise.all(revoked.filter((l) => isTerminal(l.state)).map((l) => this.release(l.taskId, l.id, false)));
    const all = new Map<string, Lease>(listed.map((l) => [l.id, l]));
    for (const lease of revoked) all.set(lease.id, lease);
    return [...all.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async #pruneEnded(taskId: string, now: number): Promise<number> {
    const ids = await this.#c.tasks.liveLeaseIds(taskId);
    const leases = await Promise.all(ids.map((id) => this.#c.leases.get(id)));
    const ended = ids.filter((id, i) => {
      const lease = leases[i];
      return lease === undefined ? now - leaseIdTime(id) > PRUNE_GRACE_MS : isTerminal(lease.state);
    });
    if (ended.length > 0) {
      await this.#c.tasks.prune(taskId, ended);
      this.#c.log.info({ taskId, pruned: ended.length }, 'dropped ended leases from a task budget');
    }
    return ended.length;
  }
}

/** The error for a request on a task that is no longer open. */
export function endedError(task: TaskRecord, now: number): WarrantError {
  const state = taskStateAt(task, now);
  const at = new Date(state === 'expired' ? task.expiresAt : (task.endedAt ?? now)).toISOString();
  const how =
    state === 'completed'
      ? `was completed at ${at}`
      : state === 'expired'
        ? `reached its maximum lifetime at ${at}`
        : `was revoked (${task.trigger ?? 'operator'}${task.reason === undefined ? '' : `: ${task.reason}`}) at ${at}`;
  return new WarrantError('ERR_TASK_ENDED', `task ${quote(task.id)} ${how}; open a new task`);
}

/** A task as audit records name it. */
export function taskRef(task: TaskRecord): Record<string, unknown> {
  return {
    id: task.id,
    owner: task.owner,
    depth: task.ancestors.length,
    ...(task.parentId === undefined ? {} : { parent: task.parentId, chain: task.chain }),
  };
}

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function sameTools(a: readonly ToolGrant[], b: readonly ToolGrant[]): boolean {
  if (a.length !== b.length) return false;
  const key = (t: ToolGrant): string => `${t.provider}\n${[...t.scope].sort().join('\n')}`;
  const bs = new Set(b.map(key));
  return a.every((t) => bs.has(key(t)));
}
