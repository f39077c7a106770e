import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/index.js';
import {
  WarrantError,
  formatDuration,
  isTerminal,
  type Clock,
  type Credential,
  type Lease,
  type Trigger,
} from '../core/index.js';
import { parseSpiffeId, type Workload } from '../identity/index.js';
import type { LeaseEvent, LeaseEventBus, LeaseFilter, LeaseSelection, LeaseStore } from '../leases/index.js';
import type { Decision, PolicyEngine } from '../policy/index.js';
import { OAuthJwtProvider, type CredentialProvider, type MintRequest, type MintResult } from '../providers/index.js';
import { errorSummary, type MassRevocation, type MassRevocationResult, type Revoker } from '../revocation/index.js';
import { MemoryApprovalStore, MemoryTaskStore, type Approval, type ApprovalStore, type ReserveOutcome, type TaskRecord, type TaskStore } from '../tasks/index.js';
import { stampPolicyVersion } from './audit-stamp.js';
import type { Authority } from './authority.js';
import { DEFAULT_TASK_RULES, type TaskRules } from './task-input.js';
import { TaskService } from './task-service.js';
import type { IssueOutcome } from './task-types.js';
import { endedError, taskRef } from './tasks.js';
import {
  checkIdempotencyKey,
  checkLeaseId,
  checkProviderName,
  checkReason,
  checkScope,
  checkTaskId,
  quote,
} from './input.js';
import type {
  IntrospectionResponse,
  IssueInput,
  IssueOutput,
  LeaseSelector,
  RenewOutput,
  RevokeMatchingOptions,
  RevokeProgress,
} from './types.js';

export interface ServiceDeps {
  readonly store: LeaseStore;
  readonly events: LeaseEventBus;
  readonly policy: () => PolicyEngine;
  readonly providers: ReadonlyMap<string, CredentialProvider>;
  readonly revoker: Revoker;
  /** Durable mass revocation (RevokeMatching, a trust domain leaving the bundles). */
  readonly massRevocation: MassRevocation;
  readonly audit: AuditLog;
  readonly authority: Authority;
  readonly clock: Clock;
  readonly log: Logger;
  /** Where tasks and approvals live; absent: in this process's memory (dev mode, tests). */
  readonly tasks?: TaskStore;
  readonly approvals?: ApprovalStore;
  /** Deviation threshold, delegation depth, budgets, approval windows; absent: DEFAULT_TASK_RULES. */
  readonly taskRules?: TaskRules;
  readonly options: {
    readonly idempotencyWindowMs: number;
    readonly capToSvidExpiry: boolean;
    /** Per-provider answer to capToSvidExpiry (a provider's `capToSvidExpiry` key); absent: the global one. */
    readonly capToSvidExpiryByProvider?: ReadonlyMap<string, boolean>;
  };
}

/** Triggers an external system or an operator may fire through RevokeMatching; the others are the engine's own. */
const MATCHING_TRIGGERS: readonly Trigger[] = ['operator', 'deviation', 'identity'];
const DEFAULT_CONFIRM_TIMEOUT_MS = 60_000;
const MAX_CONFIRM_TIMEOUT_MS = 10 * 60_000;

function who(w: Workload): Record<string, unknown> {
  return { spiffeId: w.spiffeId, method: w.method };
}

function leaseRef(l: Lease): Record<string, unknown> {
  return { id: l.id, provider: l.provider, task: l.taskId, owner: l.owner, state: l.state, expiresAt: l.expiresAt };
}

function decisionRef(d: Decision): Record<string, unknown> {
  return { allowed: d.allowed, policies: d.determiningPolicies, errors: d.errors, policyVersion: d.policyVersion };
}

/** The use cases. The only place that composes identity, policy, leases, providers, revocation and audit. */
export class WarrantService {
  readonly #d: ServiceDeps;
  /** Tasks, delegation and approvals: OpenTask, GetTask, DelegateTask, RevokeTask and the approval calls. */
  readonly tasks: TaskService;

  constructor(deps: ServiceDeps) {
    // Every audit record the service writes carries the policy version in force.
    this.#d = { ...deps, audit: stampPolicyVersion(deps.audit, () => deps.policy().version) };
    this.tasks = new TaskService({
      tasks: deps.tasks ?? new MemoryTaskStore(),
      approvals: deps.approvals ?? new MemoryApprovalStore(),
      rules: deps.taskRules ?? DEFAULT_TASK_RULES,
      leases: deps.store,
      revoker: deps.revoker,
      audit: this.#d.audit,
      authority: deps.authority,
      providers: deps.providers,
      policy: deps.policy,
      clock: deps.clock,
      log: deps.log,
    });
    // A lease that ended no longer counts against its task's concurrent-lease budget. Told once, by
    // the replica that confirmed the revocation (the event bus carries every replica's events).
    deps.revoker.onEnded((ended) => this.tasks.use.leaseEnded(ended));
  }

  // ── IssueTaskCredential ────────────────────────────────────────────────────────────────────
  /** IssueTaskCredential for callers that cannot wait for an approval: a pending approval is refused. */
  async issue(caller: Workload, input: IssueInput): Promise<IssueOutput> {
    const outcome = await this.issueTask(caller, input);
    if (outcome.kind === 'issued') return { lease: outcome.lease, credential: outcome.credential };
    throw new WarrantError(
      'ERR_POLICY_DENIED',
      `policy ${outcome.approval.policies.map((p) => quote(p)).join(', ')} requires approval; approval ${outcome.approval.id} is pending; nothing was issued`,
    );
  }

  /**
   * IssueTaskCredential: joins (or opens) the task, holds the request to what the task declared and
   * may still spend, asks Cedar, answers with a pending approval when a permit requires one, then
   * writes the lease, mints and activates. Refusals that are the task's doing count as deviations.
   */
  async issueTask(caller: Workload, input: IssueInput): Promise<IssueOutcome> {
    const { clock, audit } = this.#d;
    const tasks = this.tasks.use;
    const providerName = checkProviderName(input.provider);
    const idempotencyKey = checkIdempotencyKey(input.idempotencyKey);
    const provider = this.#provider(providerName);
    const scope = provider.resolveScope(checkScope(input.scope));
    const ttlMs = this.#ttl(provider, input.ttlMs);

    const now = clock.now();
    const policy = this.#d.policy();
    // Unless a policy reads the task's counters, a task seen open here lately is joined without a read.
    const task = await tasks.join(caller, input.task, now, { snapshot: !policy.readsTaskCounters });
    const taskId = task.id;
    const outside = tasks.outsideDeclaration(task, provider, scope);
    if (outside !== undefined) throw await tasks.deviate(caller, task, outside);

    const decision = policy.decide({
      principal: { spiffeId: caller.spiffeId, trustDomain: caller.trustDomain, path: caller.path },
      action: 'issue',
      resource: { provider: provider.name, kind: provider.kind },
      context: { task: tasks.policyTask(task), scope, ttlSeconds: Math.ceil(ttlMs / 1000), now },
    });
    const decided = { ...decisionRef(decision), approvalRequired: decision.approvalRequired };
    // A request granted at once carries its decision in its issue record; any other request's
    // decision is a record of its own, written before anything else the request leads to.
    let decisionAudited = false;
    const auditDecision = (alone: boolean): void => {
      if (decisionAudited) return;
      decisionAudited = true;
      if (alone) audit.append({ type: 'decision', action: 'issue', workload: who(caller), task: taskId, depth: task.ancestors.length, provider: provider.name, scope, ttlMs, decision: decided });
    };
    if (!decision.allowed || decision.approvalRequired) auditDecision(true);
    try {
      return await this.#grant(caller, input, { provider, scope, ttlMs, now, task, decision, decided, idempotencyKey }, auditDecision);
    } finally {
      // Whatever ended the request without a record of its own still leaves the decision on record.
      auditDecision(true);
    }
  }

  /**
   * IssueTaskCredential after its decision. `decisionRecord(true)` writes the decision's own record
   * (called before a refusal or failure writes anything); `decisionRecord(false)` marks it carried
   * by the issue record.
   */
  async #grant(
    caller: Workload,
    input: IssueInput,
    asked: {
      provider: CredentialProvider;
      scope: readonly string[];
      ttlMs: number;
      now: number;
      task: TaskRecord;
      decision: Decision;
      decided: Record<string, unknown>;
      idempotencyKey: string | undefined;
    },
    decisionRecord: (alone: boolean) => void,
  ): Promise<IssueOutcome> {
    const { clock, store, audit } = this.#d;
    const tasks = this.tasks.use;
    const { provider, scope, ttlMs, now, decision, idempotencyKey } = asked;
    let task = asked.task;
    const taskId = task.id;
    if (!decision.allowed) {
      const denied = this.#denied(caller, provider.name, decision);
      throw await tasks.deviate(caller, task, { kind: 'policy_denied', provider: provider.name, scope, detail: denied.message, error: denied });
    }
    let approval: Approval | undefined;
    let retryOf: Approval | undefined;
    if (decision.approvalRequired) {
      const gate = await this.tasks.approvalGate.gate(caller, task, provider, scope, ttlMs, decision, input.approvalId, idempotencyKey);
      if ('pending' in gate) return { kind: 'pending_approval', approval: gate.pending };
      if ('retry' in gate) retryOf = gate.retry;
      else approval = gate.approved;
    }

    // A lease never outlives its task, nor (with capToSvidExpiry) the SVID that obtained it.
    let expiresAt = Math.min(now + ttlMs, task.expiresAt);
    let maxExpiresAt = Math.min(now + provider.limits.maxTtlMs, task.expiresAt);
    if (this.#capsToSvid(provider.name)) {
      if (caller.svidExpiresAt <= now) throw new WarrantError('ERR_UNAUTHENTICATED', 'the SVID presented has expired');
      expiresAt = Math.min(expiresAt, caller.svidExpiresAt);
      maxExpiresAt = Math.min(maxExpiresAt, caller.svidExpiresAt);
    }

    // The store picks where the lease lives (with its task, or where retries of this key look).
    const id = store.newLeaseId({ owner: caller.spiffeId, taskId, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) }, now);
    const mintRequest: MintRequest = {
      leaseId: id,
      owner: caller.spiffeId,
      trustDomain: caller.trustDomain,
      taskId,
      scope,
      issuedAt: now,
      expiresAt,
      ...(task.chain.length === 0 ? {} : { actorChain: task.chain }),
    };
    // A provider whose mint creates nothing outside this process (CredentialProvider.localMint)
    // mints while the lease is written and counted: what it made is used only once the task has
    // accepted the lease, and delivered only once the lease is active. Any other mint waits for
    // both (and for an approval to be spent); so does a request with an idempotency key, which may
    // turn out to be a retry (or a conflict) once the store has looked.
    const early =
      provider.localMint === true && approval === undefined && retryOf === undefined && idempotencyKey === undefined
        ? provider.mint(mintRequest).then(
            (result): { result: MintResult } => ({ result }),
            (error: unknown): { error: unknown } => ({ error }),
          )
        : undefined;

    const created = await store.createPending(
      {
        id,
        owner: caller.spiffeId,
        trustDomain: caller.trustDomain,
        taskId,
        provider: provider.name,
        providerKind: provider.kind,
        scope,
        handle: provider.handleFor(id),
        issuedAt: now,
        expiresAt,
        maxExpiresAt,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      },
      idempotencyKey === undefined
        ? undefined
        : {
            key: idempotencyKey,
            requestDigest: requestDigest(taskId, provider.name, scope, input.ttlMs),
            ttlMs: this.#d.options.idempotencyWindowMs,
          },
    );
    if (created.outcome === 'conflict') {
      throw new WarrantError(
        'ERR_IDEMPOTENCY_CONFLICT',
        `idempotency_key ${quote(idempotencyKey ?? '')} was already used for a different request (lease ${created.lease.id}); use a new key`,
      );
    }
    if (created.outcome === 'existing') return { kind: 'issued', ...(await this.#redeliver(created.lease, provider, task.chain)) };

    // Counted against the task (and its ancestors) only once the lease exists: a task that ends from
    // here on finds the lease among its live ones and revokes it, and one that ended before refuses it.
    let reserved: ReserveOutcome;
    try {
      reserved = await tasks.reserve(task, id, now);
    } catch (err) {
      decisionRecord(true);
      await this.#unmade(id, 'its task could not count it');
      throw err;
    }
    if (!reserved.ok) {
      decisionRecord(true);
      await this.#unmade(id, 'the task refused it');
      throw await this.#refusedByTask(caller, reserved, provider.name, scope, now);
    }
    task = reserved.task;
    if (retryOf !== undefined) {
      // The retried request's lease has aged out of the idempotency window: its approval is spent.
      decisionRecord(true);
      await tasks.release(taskId, id, true);
      await this.#abandon(id, 'its approval was already used');
      throw new WarrantError('ERR_APPROVAL_USED', `approval ${retryOf.id} was already used for lease ${retryOf.leaseId ?? '(unknown)'}; send the request without approval_id and a new idempotency key to ask anew`);
    }
    if (approval !== undefined) {
      try {
        await this.tasks.approvalGate.consume(caller, approval, id, idempotencyKey);
      } catch (err) {
        decisionRecord(true);
        await tasks.release(taskId, id, true);
        await this.#unmade(id, 'its approval could not be used');
        throw err;
      }
    }

    let minted: MintResult;
    try {
      if (early === undefined) minted = await provider.mint(mintRequest);
      else {
        const made = await early;
        if ('error' in made) throw made.error;
        minted = made.result;
      }
    } catch (err) {
      decisionRecord(true);
      audit.append({ type: 'issue', outcome: 'mint_failed', workload: who(caller), lease: { id, provider: provider.name, task: taskId }, error: errorCode(err) });
      await tasks.release(taskId, id, true);
      await this.#abandon(id, 'mint failed');
      throw asProviderError(err, provider.name);
    }
    const finalExpiry = Math.min(minted.expiresAt, maxExpiresAt);
    let lease: Lease;
    try {
      lease = await store.activate(id, finalExpiry, clock.now());
    } catch (err) {
      decisionRecord(true);
      // The credential exists but its lease could not be confirmed: revoke it now if we can;
      // otherwise the reaper finds the pending lease and revokes it through its handle.
      await provider.revoke({ leaseId: id, handle: provider.handleFor(id), expiresAt: minted.expiresAt }).catch(() => undefined);
      // Most often its task (or an ancestor) ended while it was minted, and revoked the lease.
      const ended = await tasks.endedSince(taskId, clock.now()).catch(() => undefined);
      const ref = { id, provider: provider.name, task: taskId };
      if (ended === undefined) {
        audit.append({ type: 'issue', outcome: 'activate_failed', workload: who(caller), lease: ref, error: errorCode(err) });
        throw err;
      }
      audit.append({ type: 'issue', outcome: 'task_ended', workload: who(caller), lease: ref, task: taskRef(ended) });
      throw endedError(ended, clock.now());
    }
    decisionRecord(false);
    audit.append({
      type: 'issue',
      outcome: 'issued',
      workload: who(caller),
      lease: leaseRef(lease),
      task: taskRef(task),
      budget: { credentialsIssued: task.credentialsIssued, liveLeases: task.liveLeases },
      scope: lease.scope,
      ttlMs,
      decision: asked.decided,
      policies: decision.determiningPolicies,
      policyVersion: decision.policyVersion,
      ...(approval === undefined ? {} : { approval: approval.id }),
      credentialHmac: this.#digest(minted.credential),
    });
    return { kind: 'issued', lease, credential: minted.credential };
  }

  /** The error for a reservation the task refused; budget refusals also count as deviations. */
  async #refusedByTask(caller: Workload, refused: Extract<ReserveOutcome, { ok: false }>, provider: string, scope: readonly string[], now: number): Promise<WarrantError> {
    const refusal = this.tasks.use.refusalOf(refused, provider, scope, now);
    return refusal instanceof WarrantError ? refusal : this.tasks.use.deviate(caller, refused.task, refusal);
  }

  // ── RenewLease ─────────────────────────────────────────────────────────────────────────────
  async renew(caller: Workload, leaseIdText: string, incrementMs: number | undefined): Promise<RenewOutput> {
    const { clock, store, audit } = this.#d;
    const id = checkLeaseId(leaseIdText);
    const current = await this.#lease(id);
    const standing = this.#d.authority.standing(caller.spiffeId, current.owner);
    if (standing === 'none') throw new WarrantError('ERR_NOT_OWNER', `lease ${id} belongs to another workload; only its owner may renew it`);
    const provider = this.#d.providers.get(current.provider);
    if (provider === undefined) {
      throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `lease ${id}'s provider ${quote(current.provider)} is no longer configured`);
    }
    if (!provider.limits.renewable) throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `provider ${quote(provider.name)} does not renew leases`);
    const increment = incrementMs ?? provider.limits.defaultTtlMs;
    if (increment <= 0) throw new WarrantError('ERR_TTL_INVALID', 'increment must be positive');
    if (increment > provider.limits.maxTtlMs) {
      throw new WarrantError(
        'ERR_TTL_INVALID',
        `increment ${formatDuration(increment)} exceeds provider ${quote(provider.name)}'s maximum of ${formatDuration(provider.limits.maxTtlMs)}`,
      );
    }
    const now = clock.now();
    let wanted = now + increment;
    if (this.#capsToSvid(provider.name) && standing === 'owner') wanted = Math.min(wanted, caller.svidExpiresAt);
    const lease = await store.renew(id, { expiresAt: wanted, now, ...(standing === 'owner' ? { owner: caller.spiffeId } : {}) });
    // A delegated task's credential names its delegation chain again when it is renewed.
    const chain = (await this.tasks.use.chainOf(lease.taskId)) ?? [];
    const renewed = await provider.renew({ lease, expiresAt: lease.expiresAt, ...(chain.length === 0 ? {} : { actorChain: chain }) }).catch((err: unknown) => {
      throw asProviderError(err, provider.name);
    });
    audit.append({
      type: 'renew',
      workload: who(caller),
      standing,
      lease: leaseRef(lease),
      ...(renewed.credential === undefined ? {} : { credentialHmac: this.#digest(renewed.credential) }),
    });
    return { lease, credential: renewed.credential };
  }

  // ── RevokeLease ────────────────────────────────────────────────────────────────────────────
  async revokeLease(caller: Workload, leaseIdText: string, reasonText: string): Promise<Lease> {
    const id = checkLeaseId(leaseIdText);
    const reason = checkReason(reasonText, false);
    const current = await this.#lease(id);
    const standing = this.#d.authority.standing(caller.spiffeId, current.owner);
    if (standing === 'none') throw new WarrantError('ERR_NOT_OWNER', `lease ${id} belongs to another workload; only its owner may revoke it`);
    const trigger: Trigger = standing === 'admin' ? 'operator' : 'owner';
    const lease = await this.#d.revoker.revoke(id, { trigger, ...(reason === undefined ? {} : { reason }) });
    this.#d.audit.append({ type: 'revoke', workload: who(caller), standing, trigger, reason, lease: leaseRef(lease) });
    return lease;
  }

  // ── CompleteTask ───────────────────────────────────────────────────────────────────────────
  async completeTask(caller: Workload, taskIdText: string): Promise<Lease[]> {
    const taskId = checkTaskId(taskIdText, 'task_id');
    // A task with a record ends with everything delegated from it; leases without one (issued
    // before tasks were recorded) are revoked as they were.
    const ended = await this.tasks.complete(caller, taskId);
    if (ended !== undefined) {
      this.#d.audit.append({
        type: 'complete',
        workload: who(caller),
        task: taskId,
        descendants: ended.descendants,
        leases: ended.leases.map((l) => ({ id: l.id, state: l.state, ...(l.state === 'revoking' ? { error: 'provider has not confirmed yet; retrying' } : {}) })),
      });
      return ended.leases;
    }
    const all = await this.#d.store.listByTask(taskId);
    if (all.length === 0) throw new WarrantError('ERR_TASK_NOT_FOUND', `task ${quote(taskId)} has no leases`);
    const mine = all.filter((l) => this.#d.authority.standing(caller.spiffeId, l.owner) !== 'none');
    if (mine.length === 0) throw new WarrantError('ERR_NOT_OWNER', `task ${quote(taskId)} belongs to another workload`);
    const leases = await this.#d.revoker.revokeMany(
      mine.map((l) => l.id),
      { trigger: 'task_completed' },
    );
    this.#d.audit.append({
      type: 'complete',
      workload: who(caller),
      task: taskId,
      leases: leases.map((l) => ({ id: l.id, state: l.state, ...(l.state === 'revoking' ? { error: 'provider has not confirmed yet; retrying' } : {}) })),
    });
    return leases;
  }

  // ── WatchLeases ────────────────────────────────────────────────────────────────────────────
  watch(caller: Workload, taskIdText: string, leaseIds: readonly string[], listener: (event: LeaseEvent) => void): () => void {
    if (taskIdText === '' && leaseIds.length === 0) throw new WarrantError('ERR_INVALID_ARGUMENT', 'name a task_id or at least one lease_id to watch');
    if (taskIdText !== '') checkTaskId(taskIdText, 'task_id');
    if (leaseIds.length > 1000) throw new WarrantError('ERR_INVALID_ARGUMENT', 'at most 1000 lease_ids may be watched at once');
    for (const id of leaseIds) checkLeaseId(id);
    const filter = {
      ...(taskIdText === '' ? {} : { taskId: taskIdText }),
      ...(leaseIds.length === 0 ? {} : { leaseIds }),
    };
    return this.#d.events.subscribe(filter, (event) => {
      if (this.#d.authority.standing(caller.spiffeId, event.lease.owner) !== 'none') listener(event);
    });
  }

  // ── AdminService ───────────────────────────────────────────────────────────────────────────
  async getLease(caller: Workload, leaseIdText: string): Promise<Lease> {
    const id = checkLeaseId(leaseIdText);
    const lease = await this.#lease(id);
    if (!this.#d.authority.isAdmin(caller.spiffeId) && lease.owner !== caller.spiffeId) {
      throw new WarrantError('ERR_PERMISSION_DENIED', `lease ${id} belongs to another workload; only its owner or an admin may read it`);
    }
    return lease;
  }

  /** Rotates the credential a provider itself uses at its backend (rotate-root); admins only. The audit never holds the credential. */
  async rotateProviderCredential(caller: Workload, providerText: string): Promise<{ provider: string; rotatedAt: number; storedIn: string }> {
    this.#requireAdmin(caller, 'rotate provider credentials');
    const provider = this.#provider(checkProviderName(providerText));
    if (provider.rotateAdminCredential === undefined) {
      throw new WarrantError('ERR_ROTATION_UNSUPPORTED', `provider ${quote(provider.name)} (${provider.kind}) has no credential of its own to rotate`);
    }
    const record = { type: 'admin', action: 'rotate_provider_credential', workload: who(caller), provider: provider.name } as const;
    try {
      const rotation = await provider.rotateAdminCredential();
      this.#d.audit.append({ ...record, outcome: 'rotated', storedIn: rotation.storedIn });
      return { provider: provider.name, rotatedAt: rotation.rotatedAt, storedIn: rotation.storedIn };
    } catch (err) {
      this.#d.audit.append({ ...record, outcome: 'failed', error: errorCode(err) });
      throw asProviderError(err, provider.name);
    }
  }

  async listLeases(caller: Workload, selector: LeaseSelector, pageSize: number, cursor: string): Promise<{ leases: Lease[]; cursor: string }> {
    this.#requireAdmin(caller, 'list leases');
    const size = pageSize === 0 ? 100 : pageSize;
    if (size > 1000) throw new WarrantError('ERR_INVALID_ARGUMENT', 'page_size must be at most 1000');
    const { filter, matches } = compileSelector(selector, true);
    const leases: Lease[] = [];
    let next: string | undefined = cursor === '' ? undefined : cursor;
    do {
      const page = await this.#d.store.list(filter, size, next);
      for (const l of page.leases) if (matches(l) && leases.length < size) leases.push(l);
      next = page.cursor;
      if (leases.length >= size) break;
    } while (next !== undefined);
    return { leases, cursor: next ?? '' };
  }

  async revokeMatching(
    caller: Workload,
    selector: LeaseSelector,
    reasonText: string,
    options: RevokeMatchingOptions,
    onProgress: (p: RevokeProgress) => void,
  ): Promise<RevokeProgress> {
    this.#requireAdmin(caller, 'revoke matching leases');
    const reason = checkReason(reasonText, true)!;
    const selection = compileSelection(selector);
    const trigger = options.trigger ?? 'operator';
    if (!MATCHING_TRIGGERS.includes(trigger)) {
      throw new WarrantError('ERR_INVALID_ARGUMENT', `trigger ${quote(trigger)} is the engine's own; RevokeMatching takes ${MATCHING_TRIGGERS.join(', ')}`);
    }
    const confirmTimeoutMs = options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
    if (confirmTimeoutMs > MAX_CONFIRM_TIMEOUT_MS) throw new WarrantError('ERR_INVALID_ARGUMENT', `confirm_timeout must be at most ${formatDuration(MAX_CONFIRM_TIMEOUT_MS)}`);
    const { massRevocation, audit } = this.#d;
    const dryRun = options.dryRun;
    audit.append({ type: 'admin', action: 'revoke_matching', phase: 'start', workload: who(caller), selector: selectorRef(selector), reason, trigger, dryRun });

    if (dryRun) {
      const { matched, sample } = await massRevocation.dryRun(selection, 20);
      const leases = (await this.#d.store.getMany(sample)).filter((l): l is Lease => l !== undefined);
      audit.append({ type: 'admin', action: 'revoke_matching', phase: 'done', workload: who(caller), reason, trigger, dryRun, matched });
      return { ...EMPTY_PROGRESS, matched, sample: leases, done: true };
    }

    const result = await massRevocation.run(
      { selection, trigger, reason, requestedBy: caller.spiffeId },
      {
        confirmTimeoutMs,
        onProgress: (p) => onProgress({ ...progressOf(p), done: false }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
    const unconfirmed = (await this.#d.store.getMany(result.unconfirmed)).filter((l): l is Lease => l !== undefined && l.state !== 'revoked' && l.state !== 'expired');
    const summary: RevokeProgress = {
      ...progressOf(result),
      sample: unconfirmed.slice(0, 20),
      failures: unconfirmed.map(describeUnconfirmed),
      done: true,
    };
    audit.append({
      type: 'admin',
      action: 'revoke_matching',
      phase: 'done',
      workload: who(caller),
      operation: result.operationId,
      reason,
      trigger,
      dryRun,
      matched: summary.matched,
      accepted: summary.accepted,
      revoked: summary.revoked,
      revoking: summary.revoking,
      failed: summary.failed,
    });
    return summary;
  }

  // ── HTTP: RFC 7662 introspection and JWKS for tokens warrant signs ────────────────────────
  async introspect(token: string): Promise<IntrospectionResponse> {
    if (token.length === 0 || token.length > 8192) return { active: false };
    const now = this.#d.clock.now();
    for (const provider of this.#d.providers.values()) {
      if (!(provider instanceof OAuthJwtProvider)) continue;
      const claims = await provider.verifyAccessToken(token, now);
      if (claims === undefined) continue;
      const lease = await this.#d.store.get(claims.jti);
      if (lease === undefined || lease.state !== 'active' || lease.expiresAt <= now || lease.provider !== provider.name) {
        return { active: false };
      }
      return {
        active: true,
        ...(claims.scope === undefined ? {} : { scope: claims.scope }),
        client_id: claims.client_id,
        sub: claims.sub,
        aud: typeof claims.aud === 'string' ? claims.aud : [...claims.aud],
        iss: claims.iss,
        exp: claims.exp,
        iat: claims.iat,
        jti: claims.jti,
        token_type: 'Bearer',
        task_id: claims.task_id,
        ...(claims.act === undefined ? {} : { act: claims.act }),
      };
    }
    return { active: false };
  }

  jwks(): { keys: unknown[] } {
    const keys: unknown[] = [];
    for (const provider of this.#d.providers.values()) if (provider instanceof OAuthJwtProvider) keys.push(...provider.jwks().keys);
    return { keys };
  }

  // ── Identity: a trust domain left the trust bundles ────────────────────────────────────────
  /**
   * Revokes (trigger `identity`) every lease still live whose owner is in `trustDomain`: nothing
   * can vouch for those workloads any more. Called when a trust bundle file stays deleted.
   */
  async revokeTrustDomain(trustDomain: string, reason: string): Promise<{ matched: number; accepted: number; revoked: number; failed: number }> {
    this.#d.audit.append({ type: 'revoke', action: 'trust_domain_removed', phase: 'start', trigger: 'identity', trustDomain, reason });
    // A durable operation: it finishes even if this replica stops; the providers confirm in the background.
    const result = await this.#d.massRevocation.run(
      { selection: { trustDomain }, trigger: 'identity', reason, requestedBy: 'warrant' },
      { confirmTimeoutMs: 0 },
    );
    const summary = { matched: result.matched, accepted: result.accepted, revoked: result.confirmed, failed: result.failed };
    this.#d.audit.append({ type: 'revoke', action: 'trust_domain_removed', phase: 'done', trigger: 'identity', trustDomain, reason, operation: result.operationId, ...summary });
    return summary;
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────
  /** Whether leases of this provider are capped at the caller's SVID expiry: its own setting, else the global one. */
  #capsToSvid(provider: string): boolean {
    return this.#d.options.capToSvidExpiryByProvider?.get(provider) ?? this.#d.options.capToSvidExpiry;
  }

  #provider(name: string): CredentialProvider {
    const p = this.#d.providers.get(name);
    if (p === undefined) throw new WarrantError('ERR_PROVIDER_NOT_FOUND', `provider ${quote(name)} is not configured on this server`);
    return p;
  }

  async #lease(id: string): Promise<Lease> {
    const lease = await this.#d.store.get(id);
    if (lease === undefined) throw new WarrantError('ERR_LEASE_NOT_FOUND', `lease ${id} does not exist (or its record has aged out)`);
    return lease;
  }

  #ttl(provider: CredentialProvider, ttlMs: number | undefined): number {
    if (ttlMs === undefined) return provider.limits.defaultTtlMs;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new WarrantError('ERR_TTL_INVALID', 'ttl must be positive');
    if (ttlMs < 1000) throw new WarrantError('ERR_TTL_INVALID', 'ttl must be at least 1s');
    if (ttlMs > provider.limits.maxTtlMs) {
      throw new WarrantError(
        'ERR_TTL_INVALID',
        `ttl ${formatDuration(ttlMs)} exceeds provider ${quote(provider.name)}'s maximum of ${formatDuration(provider.limits.maxTtlMs)}`,
      );
    }
    return ttlMs;
  }

  #denied(caller: Workload, provider: string, d: Decision): WarrantError {
    const why =
      d.determiningPolicies.length > 0
        ? `forbidden by policy ${d.determiningPolicies.map((p) => quote(p)).join(', ')}`
        : 'no policy permits it';
    const errors = d.errors.length > 0 ? `; ${d.errors.length} policy evaluation error(s) were logged` : '';
    if (d.errors.length > 0) this.#d.log.warn({ policyErrors: d.errors, policyVersion: d.policyVersion }, 'policy evaluation errors');
    return new WarrantError(
      'ERR_POLICY_DENIED',
      `policy denied issue of ${quote(provider)} to ${caller.spiffeId}: ${why} (policy version ${d.policyVersion})${errors}`,
    );
  }

  #requireAdmin(caller: Workload, what: string): void {
    if (!this.#d.authority.isAdmin(caller.spiffeId)) {
      throw new WarrantError('ERR_PERMISSION_DENIED', `${caller.spiffeId} is not an admin; only configured admin identities may ${what}`);
    }
  }

  #digest(credential: Credential): string {
    switch (credential.kind) {
      case 'oauth_token':
        return this.#d.audit.digestSecret(credential.accessToken);
      case 'aws_session':
        return this.#d.audit.digestSecret(credential.secretAccessKey);
      case 'database_login':
        return this.#d.audit.digestSecret(credential.password);
    }
  }

  async #redeliver(lease: Lease, provider: CredentialProvider, actorChain: readonly string[]): Promise<IssueOutput> {
    if (lease.state === 'pending') {
      throw new WarrantError('ERR_IDEMPOTENCY_IN_PROGRESS', `the first request with this idempotency key is still minting lease ${lease.id}; retry shortly`);
    }
    if (lease.state !== 'active' || provider.redeliver === undefined) return { lease, credential: undefined };
    const credential = await provider.redeliver(lease, actorChain).catch((err: unknown) => {
      throw asProviderError(err, provider.name);
    });
    return { lease, credential };
  }

  /**
   * Undoes the pending lease of a request refused before anything was minted: removed outright, or,
   * when retries of its idempotency key may look for it, revoked (so they learn it ended).
   */
  async #unmade(id: string, reason: string): Promise<void> {
    const discarded = await this.#d.store.discardPending(id).catch(() => false);
    if (!discarded) await this.#abandon(id, reason);
  }

  async #abandon(id: string, reason: string): Promise<void> {
    try {
      await this.#d.revoker.revoke(id, { trigger: 'expired', reason });
    } catch (err) {
      this.#d.log.warn({ leaseId: id, err: errorSummary(err) }, 'could not clean up after a failed mint; the reaper will');
    }
  }
}

function requestDigest(taskId: string, provider: string, scope: readonly string[], ttlMs: number | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([taskId, provider, [...scope].sort(), ttlMs ?? null]))
    .digest('base64url');
}

function errorCode(err: unknown): string {
  return err instanceof WarrantError ? err.code : 'ERR_INTERNAL';
}

function asProviderError(err: unknown, provider: string): WarrantError {
  if (err instanceof WarrantError) return err;
  return new WarrantError('ERR_PROVIDER_FAILED', `provider ${quote(provider)} failed`, { cause: err });
}

function selectorRef(s: LeaseSelector): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(s).filter(([, v]) => v !== '' && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)),
  );
}

/** The one SPIFFE ID parser decides, not a look-alike pattern. */
function isSpiffeId(text: string): boolean {
  try {
    parseSpiffeId(text);
    return true;
  } catch {
    return false;
  }
}

/** Splits a selector into what the store filters and what is checked per lease. */
export function compileSelector(s: LeaseSelector, emptyMeansAll: boolean): { filter: LeaseFilter; matches: (l: Lease) => boolean } {
  const hasAny =
    s.leaseIds.length > 0 ||
    s.taskId !== '' ||
    s.spiffeId !== '' ||
    s.spiffeIdPrefix !== '' ||
    s.trustDomain !== '' ||
    s.provider !== '' ||
    s.issuedBefore !== undefined ||
    s.issuedAfter !== undefined ||
    s.states.length > 0;
  if (!hasAny && !s.all && !emptyMeansAll) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', 'the selector is empty and would match nothing; set all=true to select every lease');
  }
  if (s.spiffeIdPrefix !== '' && !isSpiffeId(s.spiffeIdPrefix)) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', `spiffe_id_prefix ${quote(s.spiffeIdPrefix)} is not a SPIFFE ID`);
  }
  for (const id of s.leaseIds) checkLeaseId(id);
  const ids = new Set(s.leaseIds);
  const filter: LeaseFilter = {
    ...(s.spiffeId === '' ? {} : { owner: s.spiffeId }),
    ...(s.taskId === '' ? {} : { taskId: s.taskId }),
    ...(s.provider === '' ? {} : { provider: s.provider }),
    ...(s.states.length === 0 ? {} : { states: s.states }),
  };
  const prefix = s.spiffeIdPrefix;
  const matches = (l: Lease): boolean =>
    (ids.size === 0 || ids.has(l.id)) &&
    (prefix === '' || l.owner === prefix || l.owner.startsWith(`${prefix}/`)) &&
    (s.trustDomain === '' || l.trustDomain === s.trustDomain) &&
    (s.issuedBefore === undefined || l.issuedAt < s.issuedBefore) &&
    (s.issuedAfter === undefined || l.issuedAt > s.issuedAfter);
  return { filter, matches };
}

/** A RevokeMatching selector as the store's selection; rejects what compileSelector rejects. */
export function compileSelection(s: LeaseSelector): LeaseSelection {
  compileSelector(s, false);
  return {
    ...(s.leaseIds.length === 0 ? {} : { leaseIds: [...new Set(s.leaseIds)] }),
    ...(s.taskId === '' ? {} : { taskId: s.taskId }),
    ...(s.spiffeId === '' ? {} : { owner: s.spiffeId }),
    ...(s.spiffeIdPrefix === '' ? {} : { ownerPrefix: s.spiffeIdPrefix }),
    ...(s.trustDomain === '' ? {} : { trustDomain: s.trustDomain }),
    ...(s.provider === '' ? {} : { provider: s.provider }),
    ...(s.issuedBefore === undefined ? {} : { issuedBefore: s.issuedBefore }),
    ...(s.issuedAfter === undefined ? {} : { issuedAfter: s.issuedAfter }),
    ...(s.states.length === 0 ? {} : { states: s.states }),
  };
}

const EMPTY_PROGRESS: RevokeProgress = {
  matched: 0,
  accepted: 0,
  alreadyRevoking: 0,
  revoked: 0,
  revoking: 0,
  failed: 0,
  sample: [],
  failures: [],
  operationId: '',
  selecting: false,
  done: false,
};

function progressOf(p: Omit<MassRevocationResult, 'unconfirmed'>): RevokeProgress {
  return {
    ...EMPTY_PROGRESS,
    operationId: p.operationId,
    matched: p.matched,
    accepted: p.accepted,
    alreadyRevoking: p.alreadyRevoking,
    revoked: p.confirmed,
    failed: p.failed,
    revoking: Math.max(0, p.accepted - p.confirmed - p.failed),
    selecting: p.selecting,
  };
}

/** "<id>: <what happened>" for a lease the provider has not confirmed. */
function describeUnconfirmed(l: Lease): string {
  const attempts = l.revocationAttempts === undefined ? '' : ` after ${l.revocationAttempts} attempt${l.revocationAttempts === 1 ? '' : 's'}`;
  const error = l.revocationError === undefined ? '' : ` (${l.revocationError})`;
  return l.state === 'revocation_failed'
    ? `${l.id}: revocation failed${attempts}${error}; needs an operator`
    : `${l.id}: still ${l.state}${attempts}${error}; retried in the background`;
}
