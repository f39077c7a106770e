// TaskStore on Redis: each change is one Lua script (src/tasks/redis/lua), every key in one slot.
// Data model: src/tasks/README.md.
import { Batcher, WarrantError } from '../../core/index.js';
import { DEFAULT_DEVIATIONS_KEPT, checkRetention } from '../retention.js';
import type { EndedLeaseRef, TaskStore } from '../store.js';
import type {
  DelegateOutcome,
  Deviation,
  EndInput,
  EndOutcome,
  NewTask,
  OpenOutcome,
  ReserveOutcome,
  ReserveRefusal,
  TaskRecord,
} from '../task.js';
import { taskKeys, type TaskKeys } from './keys.js';
import { decodeDeviation, decodeTask, encodeDeviation, packedFields, packedList, pairs, taskFields } from './records.js';
import { taskStoreFailure, unexpectedReply } from './redis-failure.js';
import { registerTaskScripts, runTaskScript, type TaskRedis, type TaskScriptName } from './scripts.js';

export const DEFAULT_TASK_KEY_PREFIX = 'warrant:{w}:tasks:';

export interface RedisTaskStoreOptions {
  /** Must hold a {hash tag}; default "warrant:{w}:tasks:". */
  readonly keyPrefix?: string;
  /** How long a record is kept after its task ends or expires (default 24h). */
  readonly retentionMs?: number;
  /** When true, close() also closes the client. Default false: the client belongs to its creator. */
  readonly closeClient?: boolean;
}

/** Tasks per releaseEnded script: bounded, so one script never holds Redis for long. */
const RELEASE_TASKS_PER_SCRIPT = 500;
const REFUSALS: ReadonlySet<string> = new Set<ReserveRefusal>(['ended', 'expired', 'max_credentials', 'max_concurrent_leases']);
/** Task records remembered for reservations, at most. */
const RECORDS_REMEMBERED = 10_000;
/** Reservations gathered into one script call, at most. */
const RESERVATIONS_PER_SCRIPT = 32;
/** A reopened id may carry other ancestors than the cache says: read again at most this often per call. */
const ANCESTOR_RETRIES = 2;

export class RedisTaskStore implements TaskStore {
  readonly #client: TaskRedis;
  readonly #keys: TaskKeys;
  readonly #retentionMs: number;
  readonly #closeClient: boolean;
  /** Task id → its ancestors field; immutable while the record lives, checked by every script that uses it. */
  readonly #ancestors = new Map<string, string>();
  /** Task id → the record last decoded, so a reservation need not send the whole record back. */
  readonly #records = new Map<string, TaskRecord>();
  readonly #reservations = new Batcher((items: { keys: readonly string[]; args: readonly string[] }[]) => this.#reserveMany(items), RESERVATIONS_PER_SCRIPT);
  #closed = false;

  constructor(client: TaskRedis, options: RedisTaskStoreOptions = {}) {
    this.#client = client;
    this.#keys = taskKeys(options.keyPrefix ?? DEFAULT_TASK_KEY_PREFIX);
    this.#retentionMs = checkRetention(options.retentionMs);
    this.#closeClient = options.closeClient ?? false;
    registerTaskScripts(client);
  }

  get retentionMs(): number {
    return this.#retentionMs;
  }

  get keys(): TaskKeys {
    return this.#keys;
  }

  async open(task: NewTask): Promise<OpenOutcome> {
    const k = this.#keys;
    const reply = await this.#script('open', [k.task(task.id), k.live(task.id)], [task.expiresAt + this.#retentionMs - task.openedAt, ...taskFields(task)]);
    if (reply[0] !== 1 && reply[0] !== 2) throw unexpectedReply('open');
    const stored = this.#decode(packedFields(reply[2], 'open'), reply[1], 'open');
    return reply[0] === 1 ? { outcome: 'created', task: stored } : { outcome: 'existing', task: stored };
  }

  async delegate(task: NewTask, delegator: string, now: number): Promise<DelegateOutcome> {
    const k = this.#keys;
    const parentId = task.parentId;
    if (parentId === undefined) throw new WarrantError('ERR_INTERNAL', `task ${task.id} has no parent to be delegated from`);
    const reply = await this.#script(
      'delegate',
      [k.task(task.id), k.live(task.id), k.task(parentId), k.live(parentId), k.children(parentId)],
      [delegator, now, task.expiresAt + this.#retentionMs - now, task.id, ...taskFields(task)],
    );
    switch (reply[0]) {
      case 1:
        return { outcome: 'created', task: await this.#mustGet(task.id, 'delegate') };
      case -1:
        return { outcome: 'no_parent' };
      case -2:
        return { outcome: 'parent_refused', parent: this.#decode(pairs(reply, 2, 'delegate').fields, reply[1], 'delegate') };
      case -3:
        return { outcome: 'taken', task: this.#decode(pairs(reply, 2, 'delegate').fields, reply[1], 'delegate') };
      default:
        throw unexpectedReply('delegate');
    }
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const reply = await this.#script('get', [this.#keys.task(id), this.#keys.live(id)], []);
    if (reply[0] === 0) return undefined;
    if (reply[0] !== 1) throw unexpectedReply('get');
    return this.#decode(packedFields(reply[2], 'get'), reply[1], 'get');
  }

  async children(id: string): Promise<string[]> {
    return this.#call('children', () => this.#client.smembers(this.#keys.children(id)));
  }

  async reserve(id: string, leaseId: string, now: number): Promise<ReserveOutcome> {
    for (let attempt = 0; ; attempt++) {
      const ancestors = await this.#ancestorsOf(id, attempt > 0);
      if (ancestors === undefined) throw notFound(id);
      const reply = await this.#reservations.add({ keys: this.#chainKeys(id, ancestors), args: [leaseId, String(now), ancestors] });
      if (reply[0] === -9 && attempt < ANCESTOR_RETRIES) continue;
      if (reply[0] === -1) throw notFound(id);
      if (reply[0] === 0) return { ok: true, task: await this.#reserved(id, reply) };
      const refusal = reply[2];
      const task = this.#decode(packedFields(reply[4], 'reserve'), reply[3], 'reserve');
      if (reply[0] !== 1 || typeof refusal !== 'string' || !REFUSALS.has(refusal)) throw unexpectedReply('reserve');
      const level = reply.length > 6 ? this.#decode(packedFields(reply[6], 'reserve'), reply[5], 'reserve') : task;
      return { ok: false, refusal: refusal as ReserveRefusal, at: level, task };
    }
  }

  /**
   * The task after a reservation: the record this store last decoded with the counters the script
   * read, when it is the same task (same openedAt); else read again.
   */
  async #reserved(id: string, reply: readonly unknown[]): Promise<TaskRecord> {
    const [liveLeases, openedAt, credentialsIssued, deviations] = [reply[3], Number(reply[4]), Number(reply[5]), Number(reply[6])];
    if (typeof liveLeases !== 'number' || ![openedAt, credentialsIssued, deviations].every(Number.isSafeInteger)) throw unexpectedReply('reserve');
    const known = this.#records.get(id);
    if (known === undefined || known.openedAt !== openedAt) return this.#mustGet(id, 'reserve');
    const task: TaskRecord = Object.freeze({ ...known, state: 'open', liveLeases, credentialsIssued, deviations });
    this.#records.set(id, task);
    return task;
  }

  /** Reservations made while the event loop runs what is ready now, as one script call. */
  async #reserveMany(items: readonly { keys: readonly string[]; args: readonly string[] }[]): Promise<unknown[][]> {
    const keys: string[] = [];
    for (const r of items) for (const k of r.keys) keys.push(k);
    // One JSON text for every reservation's arguments: far cheaper than as many script arguments.
    const replies = packedList(await this.#script('reserve', keys, [JSON.stringify(items.map((r) => [...r.args, String(r.keys.length)]))], false), 'reserve');
    if (replies.length !== items.length || !replies.every(Array.isArray)) throw unexpectedReply('reserve');
    return replies as unknown[][];
  }

  async release(id: string, leaseId: string, refund: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const ancestors = await this.#ancestorsOf(id, attempt > 0);
      if (ancestors === undefined) return;
      const reply = await this.#script('release', this.#chainKeys(id, ancestors), [leaseId, refund ? '1' : '0', ancestors], false);
      if (reply !== -9 || attempt >= ANCESTOR_RETRIES) return;
    }
  }

  async releaseEnded(ended: readonly EndedLeaseRef[]): Promise<void> {
    const byTask = new Map<string, string[]>();
    for (const { taskId, leaseId } of ended) {
      const ids = byTask.get(taskId);
      if (ids === undefined) byTask.set(taskId, [leaseId]);
      else ids.push(leaseId);
    }
    const tasks = [...byTask];
    for (let start = 0; start < tasks.length; start += RELEASE_TASKS_PER_SCRIPT) {
      const batch = tasks.slice(start, start + RELEASE_TASKS_PER_SCRIPT);
      const keys = batch.flatMap(([id]) => [this.#keys.task(id), this.#keys.live(id)]);
      const reply = await this.#script('releaseEnded', keys, batch.map(([, ids]) => ids.join(',')));
      // A delegated task's leases also leave its ancestors' live sets: one at a time, the whole chain.
      for (let i = 0; i < batch.length; i++) {
        if (reply[i] !== -9) continue;
        const [id, ids] = batch[i]!;
        for (const leaseId of ids) await this.release(id, leaseId, false);
      }
    }
  }

  async liveLeaseIds(id: string): Promise<string[]> {
    return this.#call('liveLeaseIds', () => this.#client.smembers(this.#keys.live(id)));
  }

  async prune(id: string, leaseIds: readonly string[]): Promise<void> {
    if (leaseIds.length === 0) return;
    await this.#call('prune', () => this.#client.srem(this.#keys.live(id), ...leaseIds));
  }

  async recordDeviation(id: string, deviation: Deviation, keep: number = DEFAULT_DEVIATIONS_KEPT): Promise<number> {
    const k = this.#keys;
    const reply = await this.#script('deviation', [k.task(id), k.deviations(id)], [encodeDeviation(deviation), Math.max(1, keep)]);
    if (reply[0] === -1) throw notFound(id);
    const count = reply[1];
    if (reply[0] !== 0 || typeof count !== 'number') throw unexpectedReply('recordDeviation');
    return count;
  }

  async deviations(id: string): Promise<Deviation[]> {
    const list = await this.#call('deviations', () => this.#client.lrange(this.#keys.deviations(id), 0, -1));
    return list.map((text) => decodeDeviation(text, 'deviations'));
  }

  async end(id: string, input: EndInput): Promise<EndOutcome> {
    const k = this.#keys;
    const reply = await this.#script(
      'end',
      [k.task(id), k.live(id), k.children(id), k.deviations(id)],
      [input.state, input.trigger, input.reason ?? '', input.now, this.#retentionMs],
    );
    if (reply[0] === -1) return { outcome: 'not_found' };
    const task = this.#decode(pairs(reply, 2, 'end').fields, reply[1], 'end');
    if (reply[0] === 0) return { outcome: 'ended', task };
    if (reply[0] === 4) return { outcome: 'unchanged', task };
    throw unexpectedReply('end');
  }

  async ping(): Promise<void> {
    await this.#call('ping', () => this.#client.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#closeClient) await this.#client.quit().catch(() => undefined);
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────
  #chainKeys(id: string, ancestorsField: string): string[] {
    const ancestors = JSON.parse(ancestorsField) as string[];
    const keys = [this.#keys.task(id), this.#keys.live(id)];
    for (let i = ancestors.length - 1; i >= 0; i--) keys.push(this.#keys.task(ancestors[i]!), this.#keys.live(ancestors[i]!));
    return keys;
  }

  async #ancestorsOf(id: string, fresh: boolean): Promise<string | undefined> {
    const cached = fresh ? undefined : this.#ancestors.get(id);
    if (cached !== undefined) return cached;
    const field = await this.#call('ancestors', () => this.#client.hget(this.#keys.task(id), 'ancestors'));
    if (field === null) {
      this.#ancestors.delete(id);
      return undefined;
    }
    // Bounded: the cache only saves a round trip, it never decides anything.
    if (this.#ancestors.size >= 100_000) this.#ancestors.clear();
    this.#ancestors.set(id, field);
    return field;
  }

  async #mustGet(id: string, operation: string): Promise<TaskRecord> {
    const task = await this.get(id);
    if (task === undefined) throw unexpectedReply(operation);
    return task;
  }

  #decode(fields: Record<string, string>, live: unknown, operation: string): TaskRecord {
    if (typeof live !== 'number') throw unexpectedReply(operation);
    const task = decodeTask(fields, live, operation);
    this.#ancestors.set(task.id, JSON.stringify(task.ancestors));
    // Bounded like the ancestors: a miss costs one read, never a wrong answer.
    if (this.#records.size >= RECORDS_REMEMBERED) this.#records.clear();
    this.#records.set(task.id, task);
    return task;
  }

  async #script(name: TaskScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown[]>;
  async #script(name: TaskScriptName, keys: readonly string[], args: readonly (string | number)[], list: false): Promise<unknown>;
  async #script(name: TaskScriptName, keys: readonly string[], args: readonly (string | number)[], list = true): Promise<unknown> {
    const reply = await this.#call(name, () => runTaskScript(this.#client, name, keys, args));
    if (list && !Array.isArray(reply)) throw unexpectedReply(name);
    return reply;
  }

  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new WarrantError('ERR_STORE_UNAVAILABLE', 'task store is closed');
    try {
      return await fn();
    } catch (err) {
      throw taskStoreFailure(err, operation);
    }
  }
}

function notFound(id: string): WarrantError {
  return new WarrantError('ERR_TASK_NOT_FOUND', `task ${JSON.stringify(id)} does not exist (or its record has aged out)`);
}
