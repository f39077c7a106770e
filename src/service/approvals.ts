// Approval gates: a permit annotated @approval("required") makes IssueTaskCredential answer with a
// pending approval. An operator other than the requester (and the workloads that delegated its task)
// approves or denies it; the approval is good once, for that exact request, until it expires.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { WarrantError, newLeaseId } from '../core/index.js';
import type { Workload } from '../identity/index.js';
import type { Decision } from '../policy/index.js';
import type { CredentialProvider } from '../providers/index.js';
import { approvalStateAt, type Approval, type ApprovalState, type TaskRecord } from '../tasks/index.js';
import { checkReason, checkTaskId, quote } from './input.js';
import { auditWho, type TaskContext } from './task-context.js';
import { checkApprovalId } from './task-input.js';
import type { ApprovalQuery } from './task-types.js';
import type { TaskUseCases } from './tasks.js';

/** How often a waiting GetApproval looks at the store, for decisions made on another replica. */
const WAIT_POLL_MS = 1000;

export type Gate =
  /** Approved and unused: consume it for the lease being written. */
  | { readonly approved: Approval }
  | { readonly pending: Approval }
  /** Used by this very request (same idempotency key): its lease is returned again, nothing new is minted. */
  | { readonly retry: Approval };

export class ApprovalUseCases {
  readonly #c: TaskContext;
  readonly #tasks: TaskUseCases;
  /** Decisions made on this replica wake the calls waiting for them at once. */
  readonly #decided = new EventEmitter();

  constructor(context: TaskContext, tasks: TaskUseCases) {
    this.#c = context;
    this.#tasks = tasks;
    this.#decided.setMaxListeners(0);
  }

  /** Digest of everything the approval binds to: who asks, for which task, provider, scope and ttl. */
  static requestDigest(requester: string, taskId: string, provider: string, scope: readonly string[], ttlMs: number): string {
    return createHash('sha256')
      .update(JSON.stringify([requester, taskId, provider, [...new Set(scope)].sort(), ttlMs]))
      .digest('base64url');
  }

  /**
   * For a request policy says needs approval: the approved approval to use, or the pending one to
   * wait for (made now if the request has none). Denied, expired and used approvals are errors.
   */
  async gate(
    caller: Workload,
    task: TaskRecord,
    provider: CredentialProvider,
    scope: readonly string[],
    ttlMs: number,
    decision: Decision,
    approvalIdText: string | undefined,
    idempotencyKey: string | undefined,
  ): Promise<Gate> {
    const { approvals, clock, rules, audit } = this.#c;
    const now = clock.now();
    const approvalId = checkApprovalId(approvalIdText ?? '');
    const digest = ApprovalUseCases.requestDigest(caller.spiffeId, task.id, provider.name, scope, ttlMs);
    if (approvalId !== undefined) {
      const named = await approvals.get(approvalId);
      if (named === undefined) throw notFound(approvalId);
      if (named.requester !== caller.spiffeId || named.requestDigest !== digest) {
        throw new WarrantError(
          'ERR_APPROVAL_MISMATCH',
          `approval ${approvalId} was given for a different request (requester, task, provider, scope or ttl differ); send the request it was asked for, or leave approval_id empty to ask anew`,
        );
      }
      if (isRetryOf(named, idempotencyKey)) return { retry: named };
      return this.#standing(caller, named, now, true);
    }
    const live = await approvals.findLive(caller.spiffeId, digest, now);
    if (live !== undefined && isRetryOf(live, idempotencyKey)) return { retry: live };
    // A used approval stands for its own request only: anything else asks anew.
    if (live !== undefined && live.state !== 'used') return this.#standing(caller, live, now, false);
    const made = await approvals.request(
      {
        id: newLeaseId(now),
        requester: caller.spiffeId,
        taskId: task.id,
        purpose: task.purpose,
        attributes: task.attributes,
        provider: provider.name,
        scope,
        ttlMs,
        requestDigest: digest,
        policies: decision.determiningPolicies.filter((id) => this.#c.policy().policyInfo(id)?.approvalRequired ?? true),
        policyVersion: decision.policyVersion,
        createdAt: now,
        expiresAt: now + rules.approvalTimeoutMs,
      },
      now,
    );
    if (made.outcome === 'existing') return this.#standing(caller, made.approval, now, false);
    audit.append({ type: 'approval', event: 'requested', workload: auditWho(caller), approval: approvalRef(made.approval), policyVersion: decision.policyVersion });
    return { pending: made.approval };
  }

  /** Binds the approval to the lease being issued (and the request's idempotency key); from now on it is used. */
  async consume(caller: Workload, approval: Approval, leaseId: string, idempotencyKey: string | undefined): Promise<Approval> {
    const now = this.#c.clock.now();
    const used = await this.#c.approvals.consume(approval.id, {
      requester: caller.spiffeId,
      requestDigest: approval.requestDigest,
      leaseId,
      now,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    if (used.outcome === 'not_found') throw notFound(approval.id);
    if (used.outcome === 'refused') {
      // Someone else changed it between the gate and now: report it as it stands.
      const standing = await this.#standing(caller, used.approval, now, true);
      if ('pending' in standing) throw new WarrantError('ERR_APPROVAL_DECIDED', `approval ${approval.id} is pending again; retry the request`);
      throw new WarrantError('ERR_APPROVAL_USED', `approval ${approval.id} was used by a concurrent request; send the request again to ask anew`);
    }
    this.#c.audit.append({ type: 'approval', event: 'used', workload: auditWho(caller), approval: approvalRef(used.approval), lease: leaseId });
    return used.approval;
  }

  /** GetApproval: the requester (or an admin, or its sidecar) reads it, waiting up to `waitMs` for a decision. */
  async get(caller: Workload, idText: string, waitMs: number | undefined, signal?: AbortSignal): Promise<Approval> {
    const id = checkApprovalId(idText);
    if (id === undefined) throw new WarrantError('ERR_INVALID_ARGUMENT', 'approval_id is required');
    if (waitMs !== undefined && waitMs > this.#c.rules.approvalMaxWaitMs) {
      throw new WarrantError('ERR_INVALID_ARGUMENT', `wait must be at most ${Math.floor(this.#c.rules.approvalMaxWaitMs / 1000)}s; poll again after that`);
    }
    let approval = await this.#readable(caller, id);
    const deadline = Date.now() + (waitMs ?? 0);
    while (approvalStateAt(approval, this.#c.clock.now()) === 'pending' && Date.now() < deadline && signal?.aborted !== true) {
      await this.#wake(id, Math.min(WAIT_POLL_MS, deadline - Date.now()), signal);
      approval = (await this.#c.approvals.get(id)) ?? approval;
    }
    return this.#observeExpiry(approval);
  }

  /** ListApprovals (admins): pending ones by default. */
  async list(caller: Workload, query: ApprovalQuery, pageSize: number, cursor: string): Promise<{ approvals: Approval[]; cursor: string }> {
    this.#requireAdmin(caller, 'list approvals');
    const size = pageSize === 0 ? 100 : pageSize;
    if (size > 1000) throw new WarrantError('ERR_INVALID_ARGUMENT', 'page_size must be at most 1000');
    if (cursor !== '' && checkApprovalId(cursor, 'page_token') === undefined) throw new WarrantError('ERR_INVALID_ARGUMENT', 'page_token is not valid');
    const filter = {
      states: query.states.length === 0 ? (['pending'] as ApprovalState[]) : [...query.states],
      ...(query.taskId === '' ? {} : { taskId: checkTaskId(query.taskId, 'task_id') }),
      ...(query.requester === '' ? {} : { requester: query.requester }),
    };
    const now = this.#c.clock.now();
    const page = await this.#c.approvals.list(filter, size, now, cursor === '' ? undefined : cursor);
    return { approvals: page.approvals.map((a) => withStateAt(a, now)), cursor: page.cursor ?? '' };
  }

  /**
   * DecideApproval (admins, and Cedar must permit `admin.approve` on the request's provider and
   * task). Nobody approves a request of their own, nor of a task they delegated.
   */
  async decide(caller: Workload, idText: string, decision: 'approved' | 'denied', reasonText: string): Promise<Approval> {
    const { approvals, clock, audit, rules } = this.#c;
    this.#requireAdmin(caller, 'decide approvals');
    const id = checkApprovalId(idText);
    if (id === undefined) throw new WarrantError('ERR_INVALID_ARGUMENT', 'approval_id is required');
    const reason = checkReason(reasonText, decision === 'denied');
    const approval = await approvals.get(id);
    if (approval === undefined) throw notFound(id);
    const task = await this.#c.tasks.get(approval.taskId);
    if (caller.spiffeId === approval.requester || (task?.chain.includes(caller.spiffeId) ?? false)) {
      audit.append({ type: 'approval', event: 'self_approval_refused', approver: auditWho(caller), approval: approvalRef(approval), decision });
      throw new WarrantError(
        'ERR_SELF_APPROVAL',
        `approval ${id} is for a request of ${approval.requester}${caller.spiffeId === approval.requester ? '' : ', whose task you delegated'}; it must be decided by someone else`,
      );
    }
    const now = clock.now();
    this.#refuseUndecidable(await this.#observeExpiry(approval), now);

    const provider = this.#c.providers.get(approval.provider);
    const engine = this.#c.policy();
    const verdict = engine.decide({
      principal: { spiffeId: caller.spiffeId, trustDomain: caller.trustDomain, path: caller.path },
      action: 'admin.approve',
      resource: { provider: approval.provider, kind: provider?.kind ?? 'unknown' },
      context: {
        task:
          task === undefined
            ? { id: approval.taskId, purpose: approval.purpose, attributes: approval.attributes, depth: 0 }
            : this.#tasks.policyTask(task),
        scope: approval.scope,
        ttlSeconds: Math.ceil(approval.ttlMs / 1000),
        now,
      },
    });
    audit.append({
      type: 'decision',
      action: 'admin.approve',
      workload: auditWho(caller),
      approval: id,
      task: approval.taskId,
      provider: approval.provider,
      decision: { allowed: verdict.allowed, policies: verdict.determiningPolicies, errors: verdict.errors, policyVersion: verdict.policyVersion },
    });
    if (!verdict.allowed) {
      const why = verdict.determiningPolicies.length > 0 ? `forbidden by policy ${verdict.determiningPolicies.map((p) => quote(p)).join(', ')}` : 'no policy permits it';
      throw new WarrantError('ERR_POLICY_DENIED', `policy denied admin.approve of ${quote(approval.provider)} to ${caller.spiffeId}: ${why} (policy version ${verdict.policyVersion})`);
    }

    const outcome = await approvals.decide(id, {
      decision,
      approver: caller.spiffeId,
      now,
      usableUntil: now + rules.approvalUseWindowMs,
      ...(reason === undefined ? {} : { reason }),
    });
    if (outcome.outcome === 'not_found') throw notFound(id);
    if (outcome.outcome === 'refused') {
      this.#refuseUndecidable(outcome.approval, now);
      throw new WarrantError('ERR_APPROVAL_DECIDED', `approval ${id} cannot be decided now`);
    }
    audit.append({
      type: 'approval',
      event: decision,
      approver: auditWho(caller),
      approval: approvalRef(outcome.approval),
      ...(reason === undefined ? {} : { reason }),
    });
    this.#decided.emit(id);
    return outcome.approval;
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────
  async #standing(caller: Workload, approval: Approval, now: number, named: boolean): Promise<Gate> {
    const current = await this.#observeExpiry(approval);
    switch (approvalStateAt(current, now)) {
      case 'pending':
        return { pending: current };
      case 'approved':
        return { approved: current };
      case 'denied':
        throw new WarrantError(
          'ERR_APPROVAL_DENIED',
          `approval ${current.id} was denied by ${current.decidedBy ?? 'an approver'}${current.reason === undefined ? '' : `: ${current.reason}`}; nothing was issued`,
        );
      case 'expired':
        throw new WarrantError('ERR_APPROVAL_EXPIRED', `approval ${current.id} expired at ${new Date(current.expiresAt).toISOString()}; send the request without approval_id to ask anew`);
      case 'used':
        if (named) {
          this.#c.audit.append({ type: 'approval', event: 'replay_refused', workload: auditWho(caller), approval: approvalRef(current) });
        }
        throw new WarrantError(
          'ERR_APPROVAL_USED',
          `approval ${current.id} was already used for lease ${current.leaseId ?? '(unknown)'}; an approval is good for one credential: send the request without approval_id to ask anew`,
        );
    }
  }

  #refuseUndecidable(approval: Approval, now: number): void {
    const state = approvalStateAt(approval, now);
    if (state === 'pending') return;
    if (state === 'expired') throw new WarrantError('ERR_APPROVAL_EXPIRED', `approval ${approval.id} expired at ${new Date(approval.expiresAt).toISOString()} before it was decided`);
    throw new WarrantError(
      'ERR_APPROVAL_DECIDED',
      `approval ${approval.id} was already ${state === 'used' ? 'approved and used' : state} by ${approval.decidedBy ?? 'an approver'} at ${new Date(approval.decidedAt ?? 0).toISOString()}`,
    );
  }

  /** Writes the expiry of a pending or approved approval once it is due, and audits it once. */
  async #observeExpiry(approval: Approval): Promise<Approval> {
    const now = this.#c.clock.now();
    if (approval.state === approvalStateAt(approval, now)) return approval;
    const result = await this.#c.approvals.expire(approval.id, now);
    if (result === undefined) return withStateAt(approval, now);
    if (result.changed) this.#c.audit.append({ type: 'approval', event: 'expired', approval: approvalRef(result.approval) });
    return result.approval;
  }

  async #readable(caller: Workload, id: string): Promise<Approval> {
    const approval = await this.#c.approvals.get(id);
    if (approval === undefined || this.#c.authority.standing(caller.spiffeId, approval.requester) === 'none') {
      // Someone else's approval reads as absent: ids are not to be probed.
      throw notFound(id);
    }
    return approval;
  }

  #wake(id: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#decided.off(id, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#decided.once(id, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #requireAdmin(caller: Workload, what: string): void {
    if (!this.#c.authority.isAdmin(caller.spiffeId)) {
      throw new WarrantError('ERR_PERMISSION_DENIED', `${caller.spiffeId} is not an admin; only configured admin identities may ${what}`);
    }
  }
}

function isRetryOf(approval: Approval, idempotencyKey: string | undefined): boolean {
  return approval.state === 'used' && idempotencyKey !== undefined && approval.idempotencyKey === idempotencyKey;
}

function notFound(id: string): WarrantError {
  return new WarrantError('ERR_APPROVAL_NOT_FOUND', `approval ${id} does not exist (or its record has aged out)`);
}

function withStateAt(a: Approval, now: number): Approval {
  const state = approvalStateAt(a, now);
  return state === a.state ? a : Object.freeze({ ...a, state });
}

/** An approval as audit records name it: no secret, the request it binds to by digest. */
export function approvalRef(a: Approval): Record<string, unknown> {
  return {
    id: a.id,
    state: a.state,
    requester: a.requester,
    task: a.taskId,
    provider: a.provider,
    scope: a.scope,
    ttlMs: a.ttlMs,
    requestDigest: a.requestDigest,
    policies: a.policies,
    expiresAt: a.expiresAt,
    ...(a.decidedBy === undefined ? {} : { decidedBy: a.decidedBy }),
    ...(a.leaseId === undefined ? {} : { lease: a.leaseId }),
  };
}
