// ApprovalStore in one process's memory: for dev mode and tests. Same contract as the Redis store.
import { WarrantError } from '../../core/index.js';
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

export interface MemoryApprovalStoreOptions {
  /** How long a record is kept after it expires or is used (default 24h). */
  readonly retentionMs?: number;
}

export class MemoryApprovalStore implements ApprovalStore {
  readonly #approvals = new Map<string, Approval>();
  /** requester + "\n" + digest → id of the latest approval for that request. */
  readonly #byRequest = new Map<string, string>();
  readonly #retentionMs: number;
  #closed = false;

  constructor(options: MemoryApprovalStoreOptions = {}) {
    this.#retentionMs = checkRetention(options.retentionMs);
  }

  async request(approval: NewApproval, now: number): Promise<RequestApprovalOutcome> {
    this.#check();
    this.#purge(now);
    const live = this.#live(approval.requester, approval.requestDigest, now);
    if (live !== undefined && live.state !== 'used') return { outcome: 'existing', approval: live };
    if (this.#approvals.has(approval.id)) throw new WarrantError('ERR_INTERNAL', `approval id ${approval.id} is already in use`);
    const record: Approval = freeze({ ...approval, state: 'pending' });
    this.#approvals.set(record.id, record);
    this.#byRequest.set(requestKey(approval.requester, approval.requestDigest), record.id);
    return { outcome: 'created', approval: record };
  }

  async get(id: string): Promise<Approval | undefined> {
    this.#check();
    return this.#approvals.get(id);
  }

  async findLive(requester: string, requestDigest: string, now: number): Promise<Approval | undefined> {
    this.#check();
    return this.#live(requester, requestDigest, now);
  }

  async list(filter: ApprovalFilter, limit: number, now: number, cursor?: string): Promise<ApprovalPage> {
    this.#check();
    this.#purge(now);
    const states = filter.states !== undefined && filter.states.length > 0 ? new Set(filter.states) : undefined;
    // Ids are time-ordered, so newest first is descending id order; the cursor is the last id returned.
    const matching = [...this.#approvals.values()]
      .filter((a) => (cursor === undefined || a.id < cursor) && (states === undefined || states.has(approvalStateAt(a, now))))
      .filter((a) => (filter.taskId === undefined || a.taskId === filter.taskId) && (filter.requester === undefined || a.requester === filter.requester))
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const approvals = matching.slice(0, limit);
    const last = approvals[approvals.length - 1];
    return matching.length > limit && last !== undefined ? { approvals, cursor: last.id } : { approvals };
  }

  async decide(id: string, input: DecideInput): Promise<DecideOutcome> {
    this.#check();
    const current = this.#approvals.get(id);
    if (current === undefined) return { outcome: 'not_found' };
    if (approvalStateAt(current, input.now) !== 'pending' || current.requester === input.approver) {
      return { outcome: 'refused', approval: current };
    }
    const approved = input.decision === 'approved';
    const decided: Approval = freeze({
      ...current,
      state: input.decision,
      decidedBy: input.approver,
      decidedAt: input.now,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
      // A denial stays on record (and refuses the same request) until the pending expiry.
      expiresAt: approved ? input.usableUntil : current.expiresAt,
    });
    this.#approvals.set(id, decided);
    return { outcome: 'decided', approval: decided };
  }

  async consume(id: string, input: ConsumeInput): Promise<ConsumeOutcome> {
    this.#check();
    const current = this.#approvals.get(id);
    if (current === undefined) return { outcome: 'not_found' };
    if (
      approvalStateAt(current, input.now) !== 'approved' ||
      current.requester !== input.requester ||
      current.requestDigest !== input.requestDigest
    ) {
      return { outcome: 'refused', approval: current };
    }
    const used: Approval = freeze({
      ...current,
      state: 'used',
      usedAt: input.now,
      leaseId: input.leaseId,
      ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey }),
    });
    this.#approvals.set(id, used);
    return { outcome: 'used', approval: used };
  }

  async expire(id: string, now: number): Promise<{ changed: boolean; approval: Approval } | undefined> {
    this.#check();
    const current = this.#approvals.get(id);
    if (current === undefined) return undefined;
    if (current.state === approvalStateAt(current, now)) return { changed: false, approval: current };
    const expired: Approval = freeze({ ...current, state: 'expired' });
    this.#approvals.set(id, expired);
    return { changed: true, approval: expired };
  }

  async ping(): Promise<void> {
    this.#check();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #live(requester: string, digest: string, now: number): Approval | undefined {
    const id = this.#byRequest.get(requestKey(requester, digest));
    const approval = id === undefined ? undefined : this.#approvals.get(id);
    if (approval === undefined) return undefined;
    return approvalStateAt(approval, now) !== 'expired' && now < approval.expiresAt ? approval : undefined;
  }

  #purge(now: number): void {
    for (const [id, a] of this.#approvals) {
      if (a.expiresAt + this.#retentionMs <= now && (a.usedAt ?? 0) + this.#retentionMs <= now) {
        this.#approvals.delete(id);
        if (this.#byRequest.get(requestKey(a.requester, a.requestDigest)) === id) this.#byRequest.delete(requestKey(a.requester, a.requestDigest));
      }
    }
  }

  #check(): void {
    if (this.#closed) throw new WarrantError('ERR_STORE_UNAVAILABLE', 'approval store is closed');
  }
}

function requestKey(requester: string, digest: string): string {
  return `${requester}\n${digest}`;
}

function freeze(a: Approval): Approval {
  return Object.freeze({ ...a, scope: Object.freeze([...a.scope]), policies: Object.freeze([...a.policies]), attributes: Object.freeze({ ...a.attributes }) });
}
