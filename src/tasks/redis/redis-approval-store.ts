// ApprovalStore on Redis: each change is one Lua script, every key in the task store's slot.
import { WarrantError, newLeaseId } from '../../core/index.js';
import {
  approvalStateAt,
  type Approval,
  type ApprovalFilter,
  type ApprovalPage,
  type ConsumeInput,
  type ConsumeOutcome,
  type DecideInput,
  type DecideOutcome,
  type NewApproval,
  type RequestApprovalOutcome,
} from '../approval.js';
import { checkRetention } from '../retention.js';
import type { ApprovalStore } from '../store.js';
import { taskKeys, type TaskKeys } from './keys.js';
import { approvalFields, decodeApproval, hgetallFields, pairs } from './records.js';
import { taskStoreFailure, unexpectedReply } from './redis-failure.js';
import { DEFAULT_TASK_KEY_PREFIX } from './redis-task-store.js';
import { registerTaskScripts, runTaskScript, type TaskRedis, type TaskScriptName } from './scripts.js';

export interface RedisApprovalStoreOptions {
  /** Must hold a {hash tag}; default "warrant:{w}:tasks:" (approvals share the task store's keys). */
  readonly keyPrefix?: string;
  /** How long a record is kept after it expires or is used (default 24h). */
  readonly retentionMs?: number;
  readonly closeClient?: boolean;
}

/** Index moves between reading it and writing: retried this often before giving up. */
const REQUEST_RETRIES = 5;
/** Entries of the approval list older than this beyond retention are dropped when a new one is written. */
const LIST_HORIZON_MS = 30 * 86_400_000;
/** Approvals read per round trip while filling a page. */
const LIST_BATCH = 200;

export class RedisApprovalStore implements ApprovalStore {
  readonly #client: TaskRedis;
  readonly #keys: TaskKeys;
  readonly #retentionMs: number;
  readonly #closeClient: boolean;
  #closed = false;

  constructor(client: TaskRedis, options: RedisApprovalStoreOptions = {}) {
    this.#client = client;
    this.#keys = taskKeys(options.keyPrefix ?? DEFAULT_TASK_KEY_PREFIX);
    this.#retentionMs = checkRetention(options.retentionMs);
    this.#closeClient = options.closeClient ?? false;
    registerTaskScripts(client);
  }

  async request(approval: NewApproval, now: number): Promise<RequestApprovalOutcome> {
    const k = this.#keys;
    const index = k.approvalRequest(approval.requester, approval.requestDigest);
    const horizon = `${newLeaseId(Math.max(0, now - this.#retentionMs - LIST_HORIZON_MS)).slice(0, 10)}0000000000000000`;
    for (let attempt = 0; attempt < REQUEST_RETRIES; attempt++) {
      const current = await this.#call('request', () => this.#client.get(index));
      const reply = await this.#script(
        'approvalRequest',
        [k.approval(approval.id), index, k.approvals, current === null ? k.approval(approval.id) : k.approval(current)],
        [current ?? '', now, approval.expiresAt + this.#retentionMs - now, approval.expiresAt - now, approval.id, horizon, ...approvalFields(approval)],
      );
      switch (reply[0]) {
        case 1:
          return { outcome: 'created', approval: await this.#mustGet(approval.id, 'request') };
        case 2:
          return { outcome: 'existing', approval: decodeApproval(pairs(reply, 1, 'request').fields, 'request') };
        case -6:
          throw new WarrantError('ERR_INTERNAL', `approval id ${approval.id} is already in use`);
        case -9:
          continue;
        default:
          throw unexpectedReply('request');
      }
    }
    throw new WarrantError('ERR_STORE_UNAVAILABLE', 'approval store: the request index kept changing; retry');
  }

  async get(id: string): Promise<Approval | undefined> {
    const fields = await this.#call('get', () => this.#client.hgetall(this.#keys.approval(id)));
    const f = hgetallFields(fields, 'get');
    return f === undefined ? undefined : decodeApproval(f, 'get');
  }

  async findLive(requester: string, requestDigest: string, now: number): Promise<Approval | undefined> {
    const id = await this.#call('findLive', () => this.#client.get(this.#keys.approvalRequest(requester, requestDigest)));
    if (id === null) return undefined;
    const approval = await this.get(id);
    if (approval === undefined) return undefined;
    return approvalStateAt(approval, now) !== 'expired' && now < approval.expiresAt ? approval : undefined;
  }

  async list(filter: ApprovalFilter, limit: number, now: number, cursor?: string): Promise<ApprovalPage> {
    const states = filter.states !== undefined && filter.states.length > 0 ? new Set(filter.states) : undefined;
    const approvals: Approval[] = [];
    let from = cursor === undefined ? '+' : `(${cursor}`;
    for (;;) {
      const ids = await this.#call('list', () => this.#client.zrevrangebylex(this.#keys.approvals, from, '-', 'LIMIT', 0, LIST_BATCH));
      if (ids.length === 0) return { approvals };
      const records = await this.#call('list', async () => {
        const p = this.#client.pipeline();
        for (const id of ids) p.hgetall(this.#keys.approval(id));
        const replies = await p.exec();
        if (replies === null) throw unexpectedReply('list');
        return replies.map(([err, value]) => {
          if (err) throw err;
          return value;
        });
      });
      const gone: string[] = [];
      for (let i = 0; i < ids.length; i++) {
        const f = hgetallFields(records[i], 'list');
        if (f === undefined) {
          gone.push(ids[i]!);
          continue;
        }
        const a = decodeApproval(f, 'list');
        if (states !== undefined && !states.has(approvalStateAt(a, now))) continue;
        if (filter.taskId !== undefined && a.taskId !== filter.taskId) continue;
        if (filter.requester !== undefined && a.requester !== filter.requester) continue;
        // One beyond the page tells whether there is a next page.
        if (approvals.length === limit) {
          if (gone.length > 0) await this.#call('list', () => this.#client.zrem(this.#keys.approvals, ...gone));
          return { approvals, cursor: approvals[limit - 1]!.id };
        }
        approvals.push(a);
      }
      // Records past their retention are gone; their list entries go too.
      if (gone.length > 0) await this.#call('list', () => this.#client.zrem(this.#keys.approvals, ...gone));
      if (ids.length < LIST_BATCH) return { approvals };
      from = `(${ids[ids.length - 1]!}`;
    }
  }

  async decide(id: string, input: DecideInput): Promise<DecideOutcome> {
    const current = await this.get(id);
    if (current === undefined) return { outcome: 'not_found' };
    const k = this.#keys;
    const reply = await this.#script(
      'approvalDecide',
      [k.approval(id), k.approvalRequest(current.requester, current.requestDigest)],
      [input.decision, input.approver, input.reason ?? '', input.now, input.usableUntil, this.#retentionMs, id],
    );
    if (reply[0] === -1) return { outcome: 'not_found' };
    const approval = decodeApproval(pairs(reply, 1, 'decide').fields, 'decide');
    if (reply[0] === 0) return { outcome: 'decided', approval };
    if (reply[0] === -3) return { outcome: 'refused', approval };
    throw unexpectedReply('decide');
  }

  async consume(id: string, input: ConsumeInput): Promise<ConsumeOutcome> {
    const k = this.#keys;
    const reply = await this.#script(
      'approvalConsume',
      [k.approval(id), k.approvalRequest(input.requester, input.requestDigest)],
      [input.requester, input.requestDigest, input.leaseId, input.now, id, input.idempotencyKey ?? ''],
    );
    if (reply[0] === -1) return { outcome: 'not_found' };
    const approval = decodeApproval(pairs(reply, 1, 'consume').fields, 'consume');
    if (reply[0] === 0) return { outcome: 'used', approval };
    if (reply[0] === -3) return { outcome: 'refused', approval };
    throw unexpectedReply('consume');
  }

  async expire(id: string, now: number): Promise<{ changed: boolean; approval: Approval } | undefined> {
    const reply = await this.#script('approvalExpire', [this.#keys.approval(id)], [now]);
    if (reply[0] === -1) return undefined;
    const approval = decodeApproval(pairs(reply, 1, 'expire').fields, 'expire');
    if (reply[0] === 0) return { changed: true, approval };
    if (reply[0] === 4) return { changed: false, approval };
    throw unexpectedReply('expire');
  }

  async ping(): Promise<void> {
    await this.#call('ping', () => this.#client.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#closeClient) await this.#client.quit().catch(() => undefined);
  }

  async #mustGet(id: string, operation: string): Promise<Approval> {
    const approval = await this.get(id);
    if (approval === undefined) throw unexpectedReply(operation);
    return approval;
  }

  async #script(name: TaskScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown[]> {
    const reply = await this.#call(name, () => runTaskScript(this.#client, name, keys, args));
    if (!Array.isArray(reply)) throw unexpectedReply(name);
    return reply;
  }

  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new WarrantError('ERR_STORE_UNAVAILABLE', 'approval store is closed');
    try {
      return await fn();
    } catch (err) {
      throw taskStoreFailure(err, operation);
    }
  }
}
