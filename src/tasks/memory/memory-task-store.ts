// TaskStore in one process's memory: for dev mode and tests. Same contract as the Redis store.
import { WarrantError } from '../../core/index.js';
import { checkRetention } from '../retention.js';
import type { EndedLeaseRef, TaskStore } from '../store.js';
import {
  taskStateAt,
  type DelegateOutcome,
  type Deviation,
  type EndInput,
  type EndOutcome,
  type NewTask,
  type OpenOutcome,
  type ReserveOutcome,
  type TaskRecord,
} from '../task.js';

export interface MemoryTaskStoreOptions {
  /** How long a record is kept after its task ends or expires (default 24h). */
  readonly retentionMs?: number;
}

interface Entry {
  record: Omit<TaskRecord, 'liveLeases'>;
  readonly live: Set<string>;
  readonly children: Set<string>;
  deviations: Deviation[];
}

export class MemoryTaskStore implements TaskStore {
  readonly #tasks = new Map<string, Entry>();
  readonly #retentionMs: number;
  #purgedAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: MemoryTaskStoreOptions = {}) {
    this.#retentionMs = checkRetention(options.retentionMs);
  }

  get retentionMs(): number {
    return this.#retentionMs;
  }

  async open(task: NewTask): Promise<OpenOutcome> {
    this.#check();
    this.#purge(task.openedAt);
    const existing = this.#tasks.get(task.id);
    if (existing !== undefined) return { outcome: 'existing', task: view(existing) };
    return { outcome: 'created', task: view(this.#write(task)) };
  }

  async delegate(task: NewTask, delegator: string, now: number): Promise<DelegateOutcome> {
    this.#check();
    this.#purge(now);
    const parent = task.parentId === undefined ? undefined : this.#tasks.get(task.parentId);
    if (parent === undefined) return { outcome: 'no_parent' };
    if (parent.record.owner !== delegator || taskStateAt(parent.record, now) !== 'open') {
      return { outcome: 'parent_refused', parent: view(parent) };
    }
    const existing = this.#tasks.get(task.id);
    if (existing !== undefined) return { outcome: 'taken', task: view(existing) };
    const entry = this.#write(task);
    parent.children.add(task.id);
    return { outcome: 'created', task: view(entry) };
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    this.#check();
    const entry = this.#tasks.get(id);
    return entry === undefined ? undefined : view(entry);
  }

  async children(id: string): Promise<string[]> {
    this.#check();
    return [...(this.#tasks.get(id)?.children ?? [])];
  }

  async reserve(id: string, leaseId: string, now: number): Promise<ReserveOutcome> {
    this.#check();
    this.#purge(now);
    const entry = this.#tasks.get(id);
    if (entry === undefined) throw notFound(id);
    const chain = [entry, ...[...entry.record.ancestors].reverse().map((a) => this.#tasks.get(a))];
    if (entry.live.has(leaseId)) return { ok: true, task: view(entry) };
    for (const level of chain) {
      // A purged ancestor has ended long ago: its subtree may not obtain anything.
      if (level === undefined) return { ok: false, refusal: 'ended', at: view(entry), task: view(entry) };
      const state = taskStateAt(level.record, now);
      const refusal =
        state === 'expired'
          ? 'expired'
          : state !== 'open'
            ? 'ended'
            : level.record.credentialsIssued >= level.record.budget.maxCredentials
              ? 'max_credentials'
              : level.live.size >= level.record.budget.maxConcurrentLeases
                ? 'max_concurrent_leases'
                : undefined;
      if (refusal !== undefined) return { ok: false, refusal, at: view(level), task: view(entry) };
    }
    for (const level of chain) {
      level!.record = { ...level!.record, credentialsIssued: level!.record.credentialsIssued + 1 };
      level!.live.add(leaseId);
    }
    return { ok: true, task: view(entry) };
  }

  async release(id: string, leaseId: string, refund: boolean): Promise<void> {
    this.#check();
    const entry = this.#tasks.get(id);
    if (entry === undefined) return;
    for (const level of [entry, ...entry.record.ancestors.map((a) => this.#tasks.get(a))]) {
      if (level === undefined) continue;
      if (level.live.delete(leaseId) && refund) {
        level.record = { ...level.record, credentialsIssued: Math.max(0, level.record.credentialsIssued - 1) };
      }
    }
  }

  async releaseEnded(ended: readonly EndedLeaseRef[]): Promise<void> {
    for (const { taskId, leaseId } of ended) await this.release(taskId, leaseId, false);
  }

  async liveLeaseIds(id: string): Promise<string[]> {
    this.#check();
    return [...(this.#tasks.get(id)?.live ?? [])];
  }

  async prune(id: string, leaseIds: readonly string[]): Promise<void> {
    this.#check();
    const entry = this.#tasks.get(id);
    for (const leaseId of leaseIds) entry?.live.delete(leaseId);
  }

  async recordDeviation(id: string, deviation: Deviation, keep: number): Promise<number> {
    this.#check();
    const entry = this.#tasks.get(id);
    if (entry === undefined) throw notFound(id);
    entry.record = { ...entry.record, deviations: entry.record.deviations + 1 };
    entry.deviations = [...entry.deviations, freezeDeviation(deviation)].slice(-Math.max(1, keep));
    return entry.record.deviations;
  }

  async deviations(id: string): Promise<Deviation[]> {
    this.#check();
    return [...(this.#tasks.get(id)?.deviations ?? [])];
  }

  async end(id: string, input: EndInput): Promise<EndOutcome> {
    this.#check();
    const entry = this.#tasks.get(id);
    if (entry === undefined) return { outcome: 'not_found' };
    if (entry.record.state !== 'open') return { outcome: 'unchanged', task: view(entry) };
    const expired = taskStateAt(entry.record, input.now) === 'expired';
    const { reason: _reason, ...rest } = entry.record;
    entry.record = {
      ...rest,
      state: expired ? 'expired' : input.state,
      trigger: expired ? 'expired' : input.trigger,
      endedAt: expired ? entry.record.expiresAt : input.now,
      ...(expired || input.reason === undefined ? {} : { reason: input.reason }),
    };
    this.#purge(input.now);
    return { outcome: 'ended', task: view(entry) };
  }

  async ping(): Promise<void> {
    this.#check();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #write(task: NewTask): Entry {
    const entry: Entry = {
      record: { ...freezeTask(task), state: 'open', credentialsIssued: 0, deviations: 0 },
      live: new Set(),
      children: new Set(),
      deviations: [],
    };
    this.#tasks.set(task.id, entry);
    return entry;
  }

  /** Forgets records whose retention has passed: ended ones after they ended, open ones after they expired. */
  #purge(now: number): void {
    // A sweep looks at every task: at most one per second of store time.
    if (now - this.#purgedAt < 1000) return;
    this.#purgedAt = now;
    for (const [id, entry] of this.#tasks) {
      const over = entry.record.endedAt ?? entry.record.expiresAt;
      if (over + this.#retentionMs <= now) this.#tasks.delete(id);
    }
  }

  #check(): void {
    if (this.#closed) throw new WarrantError('ERR_STORE_UNAVAILABLE', 'task store is closed');
  }
}

function view(entry: Entry): TaskRecord {
  return Object.freeze({ ...entry.record, liveLeases: entry.live.size });
}

function notFound(id: string): WarrantError {
  return new WarrantError('ERR_TASK_NOT_FOUND', `task ${JSON.stringify(id)} does not exist (or its record has aged out)`);
}

function freezeTask(task: NewTask): NewTask {
  return Object.freeze({
    ...task,
    attributes: Object.freeze({ ...task.attributes }),
    tools: Object.freeze(task.tools.map((t) => Object.freeze({ provider: t.provider, scope: Object.freeze([...t.scope]) }))),
    budget: Object.freeze({ ...task.budget }),
    ancestors: Object.freeze([...task.ancestors]),
    chain: Object.freeze([...task.chain]),
  });
}

function freezeDeviation(d: Deviation): Deviation {
  return Object.freeze({ ...d, scope: Object.freeze([...d.scope]) });
}
