import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Approval, PendingApproval } from './approval-view.js';
import { approvalRefusal, approvalTimeout, cancelledError } from './approval-wait.js';
import { backoffDelay } from './backoff.js';
import { ConflictError, InvalidArgumentError, WarrantClientError } from './errors.js';
import { isEnding, type Credential, type Lease, type LeaseEvent, type Trigger } from './lease-view.js';
import type { TaskSubscriber } from './task-watch.js';

export interface TaskSpec {
  /** Caller-chosen id, unique per workload: [A-Za-z0-9._:@/-]{1,128}. */
  readonly id: string;
  readonly purpose?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly parentId?: string;
}

export interface CredentialRequest {
  /** Configured provider name, e.g. "orders-api". */
  readonly provider: string;
  /** A task id, or the task with its purpose and attributes. */
  readonly task: string | TaskSpec;
  /** In the provider's terms; empty: the provider's default. */
  readonly scope?: readonly string[];
  /** Milliseconds; unset: the provider's default. Each renewal asks for the same again. */
  readonly ttl?: number;
  /** Renew after this fraction of the time left (0 < f < 1, default 0.5). */
  readonly renewAt?: number;
  /** Spread each renewal by ± this fraction of its delay (0 ≤ j < 1, default 0.1). */
  readonly jitter?: number;
  /** Issue a new credential when this one reaches its max TTL or expired while warrant was away. */
  readonly reissue?: boolean;
  /** For the first issue; a retry with the same key returns the same lease. Default: a random key. */
  readonly idempotencyKey?: string;
  /** Backoff between failed renewals (default 1s doubling up to 30s, never past the expiry). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  /**
   * When policy requires a human approval first (a permit annotated @approval("required")), the
   * handle waits for the decision (GetApproval with `wait`) and then issues with the approval.
   */
  readonly approval?: ApprovalOptions;
}

export interface ApprovalOptions {
  /** The longest one wait for a decision lasts, in ms (default: until the approval expires at warrant). */
  readonly timeoutMs?: number;
  /**
   * Told of every wait, the first issue's included: during the first issue the handle is not yet in
   * the caller's hands, so its `approvalPending` event has no listener then.
   */
  readonly onPending?: (e: ApprovalPendingEvent) => void;
  /** Aborting stops a wait of the first issue: client.credential() rejects with ERR_CANCELLED. */
  readonly signal?: AbortSignal;
}

export interface IssueRequest {
  readonly task: TaskSpec;
  readonly provider: string;
  readonly scope: readonly string[];
  readonly ttl: number | undefined;
  readonly idempotencyKey: string;
  /** The approval granted for this exact request, when sending it again after the decision. */
  readonly approvalId?: string;
}

export interface Grant {
  readonly lease: Lease;
  readonly credential: Credential | undefined;
}

/** A credential, or the approval policy requires before one. */
export type IssueOutcome = Grant | { readonly pending: PendingApproval };

/** What a handle needs from the client. */
export interface HandleDeps {
  issue(req: IssueRequest): Promise<IssueOutcome>;
  /** Waits until the approval is decided or expires, `timeoutMs` passes (still pending), or `signal` aborts (ERR_CANCELLED). */
  waitForApproval(approvalId: string, timeoutMs: number | undefined, signal: AbortSignal): Promise<Approval>;
  /** One attempt: the handle does its own backoff. */
  renew(leaseId: string, incrementMs: number | undefined): Promise<Grant>;
  revoke(leaseId: string, reason: string): Promise<Lease>;
  getLease(leaseId: string): Promise<Lease>;
  subscribe(taskId: string, sub: TaskSubscriber): () => void;
}

export type HandleState = 'active' | 'retrying' | 'reissuing' | 'revoked' | 'expired' | 'closed';

export interface RenewedEvent {
  readonly lease: Lease;
  /** Set when the provider issued a fresh credential on renewal (oauth-jwt does). */
  readonly credential: Credential | undefined;
}
export interface ReissuedEvent {
  readonly lease: Lease;
  readonly credential: Credential;
  readonly previous: Lease;
}
export interface ExpiringEvent {
  readonly lease: Lease;
  /** max_ttl: cannot be renewed further; renewal_failing: renewals fail and it ends at lease.expiresAt. */
  readonly reason: 'max_ttl' | 'renewal_failing';
}
export interface RevokedEvent {
  readonly lease: Lease;
  /** Why warrant revoked it (from WatchLeases); `expired` also when it ran out while warrant was unreachable. */
  readonly trigger: Trigger | undefined;
  readonly reason: string | undefined;
}
export interface RetryInfo {
  readonly leaseId: string;
  readonly attempt: number;
  readonly retryInMs: number;
  /**
   * true: nothing is retried (retryInMs is 0). A re-issue met an approval that was denied
   * (ERR_APPROVAL_DENIED), expired (ERR_APPROVAL_EXPIRED) or not decided within approval.timeoutMs
   * (ERR_APPROVAL_TIMEOUT): the current lease runs out at its expiry (`expiring`, then `revoked`
   * with trigger `expired`) and the handle asks no more.
   */
  readonly final?: boolean;
}
export interface ApprovalPendingEvent extends PendingApproval {
  /** false: for the first issue; true: for a re-issue (the current lease stays in use meanwhile). */
  readonly reissue: boolean;
}

export interface CredentialHandleEvents {
  renewed: [RenewedEvent];
  reissued: [ReissuedEvent];
  expiring: [ExpiringEvent];
  revoked: [RevokedEvent];
  error: [WarrantClientError, RetryInfo];
  /** Policy requires a human approval before the credential is (re-)issued: the handle waits for it. */
  approvalPending: [ApprovalPendingEvent];
  closed: [];
}

const DEFAULT_RENEW_AT = 0.5;
const DEFAULT_JITTER = 0.1;
/** A retry this close to the expiry is not worth starting. */
const RETRY_MARGIN_MS = 250;
const MAX_TIMER_MS = 2 ** 31 - 1;

function newKey(): string {
  return `sdk-${randomBytes(12).toString('base64url')}`;
}

function codeOf(err: unknown): string | undefined {
  return err instanceof WarrantClientError ? err.code : undefined;
}

export function checkRequest(req: CredentialRequest): void {
  const bad = (what: string) => {
    throw new InvalidArgumentError(what, 3, 'ERR_INVALID_ARGUMENT', undefined);
  };
  if (typeof req.provider !== 'string' || req.provider === '') bad('provider must be a provider name');
  const taskId = typeof req.task === 'string' ? req.task : req.task?.id;
  if (typeof taskId !== 'string' || taskId === '') bad('task must be a task id or { id, purpose, attributes }');
  if (req.ttl !== undefined && !(Number.isFinite(req.ttl) && req.ttl >= 1000)) bad('ttl must be a number of milliseconds, at least 1000');
  if (req.renewAt !== undefined && !(req.renewAt > 0 && req.renewAt < 1)) bad('renewAt must be a fraction between 0 and 1');
  if (req.jitter !== undefined && !(req.jitter >= 0 && req.jitter < 1)) bad('jitter must be a fraction from 0 up to 1');
  if (req.retry?.initialMs !== undefined && !(req.retry.initialMs > 0)) bad('retry.initialMs must be positive');
  if (req.retry?.maxMs !== undefined && !(req.retry.maxMs > 0)) bad('retry.maxMs must be positive');
  const wait = req.approval?.timeoutMs;
  if (wait !== undefined && !(Number.isFinite(wait) && wait >= 0)) bad('approval.timeoutMs must be a number of milliseconds');
}

/** An approval that will not let this request through: a person said no, or did not answer in time. */
function approvalFinal(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ERR_APPROVAL_DENIED' || code === 'ERR_APPROVAL_EXPIRED' || code === 'ERR_APPROVAL_TIMEOUT';
}

/**
 * One credential kept alive in the background: renewed at `renewAt` of its remaining time (with
 * jitter), retried with backoff when renewal fails, re-issued at its max TTL when asked to, and
 * revoked by close(). When policy requires a human approval first, it waits for the decision and
 * issues with it. Events: renewed, reissued, expiring, revoked (with warrant's trigger),
 * approvalPending, error (only emitted when someone listens: an unobserved renewal failure must not
 * crash the process), closed.
 */
export class CredentialHandle extends EventEmitter<CredentialHandleEvents> {
  readonly #deps: HandleDeps;
  readonly #req: IssueRequest;
  readonly #renewAt: number;
  readonly #jitter: number;
  readonly #reissue: boolean;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  readonly #approval: ApprovalOptions;
  /** Aborted by close() and when the handle ends: stops a wait for an approval. */
  readonly #stopWaiting = new AbortController();
  #pending: PendingApproval | undefined;
  #reissueInFlight = false;
  /** A re-issue's approval was denied, expired or not decided in time: no more automatic re-issues. */
  #reissueRefused = false;
  #lease!: Lease;
  #credential: Credential | undefined;
  #state: HandleState = 'active';
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #lastError: WarrantClientError | undefined;
  #nextAttemptAt: number | undefined;
  #atMax = false;
  #expiringSent = new Set<string>();
  #endedIds = new Set<string>();
  /** Leases replaced by a re-issue: still valid until they expire, revoked by close(). */
  readonly #retired = new Map<string, Lease>();
  #reissueKey: string | undefined;
  #unsubscribe: (() => void) | undefined;
  #op: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(deps: HandleDeps, req: CredentialRequest) {
    super();
    checkRequest(req);
    this.#deps = deps;
    const task: TaskSpec = typeof req.task === 'string' ? { id: req.task } : req.task;
    this.#req = { task, provider: req.provider, scope: req.scope ?? [], ttl: req.ttl, idempotencyKey: req.idempotencyKey ?? newKey() };
    this.#renewAt = req.renewAt ?? DEFAULT_RENEW_AT;
    this.#jitter = req.jitter ?? DEFAULT_JITTER;
    this.#reissue = req.reissue ?? false;
    this.#retryInitialMs = req.retry?.initialMs ?? 1000;
    this.#retryMaxMs = req.retry?.maxMs ?? 30_000;
    this.#approval = req.approval ?? {};
  }

  /** Watches the task, then issues. Rejects with the issue's typed error. */
  async start(): Promise<this> {
    const sub: TaskSubscriber = { onEvent: (e) => this.#onEvent(e), resync: () => this.#resync() };
    // Subscribing first means the watch is in place before the lease exists.
    this.#unsubscribe = this.#deps.subscribe(this.#req.task.id, sub);
    try {
      const signal = this.#approval.signal === undefined ? this.#stopWaiting.signal : AbortSignal.any([this.#stopWaiting.signal, this.#approval.signal]);
      const grant = await this.#issueApproved(this.#req, false, signal);
      if (grant.credential === undefined) {
        // A retried key whose first reply was lost: the credential cannot be delivered again.
        await this.#deps.revoke(grant.lease.id, 'credential could not be delivered again').catch(() => undefined);
        throw new ConflictError(
          `idempotency key ${this.#req.idempotencyKey} was already used and its credential cannot be delivered again; use a new key`,
          6,
          'ERR_IDEMPOTENCY_CONFLICT',
          undefined,
        );
      }
      this.#lease = grant.lease;
      this.#credential = grant.credential;
    } catch (err) {
      this.#unsubscribe();
      this.#unsubscribe = undefined;
      throw err;
    }
    this.#plan();
    return this;
  }

  get lease(): Lease {
    return this.#lease;
  }
  /** The current secret; a renewal or re-issue may replace it (see the renewed and reissued events). */
  get credential(): Credential | undefined {
    return this.#credential;
  }
  get state(): HandleState {
    return this.#state;
  }
  get taskId(): string {
    return this.#req.task.id;
  }
  get provider(): string {
    return this.#req.provider;
  }
  /** While the handle waits for a human to approve an issue or re-issue: which approval, until when. */
  get awaitingApproval(): PendingApproval | undefined {
    return this.#pending;
  }
  /** While renewals fail: how many in a row, the last error, and when the next attempt is due. */
  get retrying(): { readonly failures: number; readonly lastError: WarrantClientError; readonly nextAttemptAt: number | undefined } | undefined {
    return this.#failures === 0 || this.#lastError === undefined ? undefined : { failures: this.#failures, lastError: this.#lastError, nextAttemptAt: this.#nextAttemptAt };
  }

  /**
   * Stops renewing and revokes the credential (and any it replaced that are still valid). With
   * `revoke: false` it only stops, e.g. before CompleteTask revokes the whole task in one call.
   */
  close(options: { reason?: string; revoke?: boolean } = {}): Promise<void> {
    this.#closing ??= this.#close(options.reason ?? 'closed by the client', options.revoke ?? true);
    return this.#closing;
  }

  async #close(reason: string, revoke: boolean): Promise<void> {
    this.#state = 'closed';
    this.#clearTimer();
    this.#stopWaiting.abort();
    // A renewal or re-issue in flight finishes first, so nothing it mints escapes the revocation.
    await this.#op?.catch(() => undefined);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    let failure: unknown;
    if (revoke) {
      const ids = [...(this.#endedIds.has(this.#lease.id) ? [] : [this.#lease.id]), ...this.#retired.keys()];
      for (const id of ids) {
        try {
          await this.#deps.revoke(id, reason);
        } catch (err) {
          // Already gone at the server is what we wanted.
          if (codeOf(err) !== 'ERR_LEASE_NOT_FOUND') failure ??= err;
        }
      }
    }
    this.#retired.clear();
    this.emit('closed');
    if (failure !== undefined) throw failure;
  }

  // ── scheduling ────────────────────────────────────────────────────────────────────────────
  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextAttemptAt = undefined;
  }

  #at(delayMs: number, fn: () => Promise<void> | void): void {
    this.#clearTimer();
    const delay = Math.max(0, Math.min(delayMs, MAX_TIMER_MS));
    this.#nextAttemptAt = Date.now() + delay;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#nextAttemptAt = undefined;
      if (this.#live()) this.#run(fn);
    }, delay);
  }

  #run(fn: () => Promise<void> | void): void {
    const op = Promise.resolve()
      .then(fn)
      .catch(() => undefined)
      .finally(() => {
        if (this.#op === op) this.#op = undefined;
      });
    this.#op = op;
  }

  #live(): boolean {
    return this.#state === 'active' || this.#state === 'retrying' || this.#state === 'reissuing';
  }

  /** Decides what happens next from the lease as it stands now. */
  #plan(): void {
    if (!this.#live()) return;
    const remaining = this.#lease.expiresAt - Date.now();
    const spread = 1 + this.#jitter * (2 * Math.random() - 1);
    const delay = Math.min(remaining * this.#renewAt * spread, remaining - RETRY_MARGIN_MS);
    const atMax = this.#atMax || this.#lease.expiresAt >= this.#lease.maxExpiresAt;
    if (!atMax) this.#at(delay, () => this.#renew());
    else if (this.#reissue && !this.#reissueRefused) this.#at(delay, () => this.#reissueNow());
    else {
      this.#at(delay, () => {
        this.#expiring('max_ttl');
        this.#at(this.#lease.expiresAt - Date.now(), () => this.#expireLocally('reached its max TTL'));
      });
    }
  }

  async #renew(): Promise<void> {
    const leaseId = this.#lease.id;
    let grant: Grant;
    try {
      grant = await this.#deps.renew(leaseId, this.#req.ttl);
    } catch (err) {
      if (!this.#live() || this.#lease.id !== leaseId) return;
      const code = codeOf(err);
      if (code === 'ERR_LEASE_AT_MAX_TTL') {
        this.#atMax = true;
        this.#plan();
      } else if (code === 'ERR_LEASE_NOT_RENEWABLE' || code === 'ERR_LEASE_NOT_FOUND') {
        await this.#resync();
        // Still active but not renewable: the provider does not renew; treat it as at its max.
        if (this.#live() && this.#lease.id === leaseId) {
          this.#atMax = true;
          this.#plan();
        }
      } else this.#failed(err as WarrantClientError, () => this.#renew());
      return;
    }
    if (!this.#live() || this.#lease.id !== leaseId) return;
    this.#lease = grant.lease;
    if (grant.credential !== undefined) this.#credential = grant.credential;
    this.#recovered();
    this.emit('renewed', { lease: grant.lease, credential: grant.credential });
    this.#plan();
  }

  /** Issues; when policy holds the request for a human, waits for the decision and issues with it. */
  async #issueApproved(req: IssueRequest, reissue: boolean, signal: AbortSignal): Promise<Grant> {
    let out = await this.#deps.issue(req);
    while ('pending' in out) {
      const pending = out.pending;
      this.#pending = pending;
      try {
        const event: ApprovalPendingEvent = { ...pending, reissue };
        this.emit('approvalPending', event);
        this.#approval.onPending?.(event);
        const started = Date.now();
        const approval = await this.#deps.waitForApproval(pending.approvalId, this.#approval.timeoutMs, signal);
        if (signal.aborted) throw cancelledError();
        const refusal = approvalRefusal(approval);
        if (refusal !== undefined) throw refusal;
        if (approval.state === 'pending') throw approvalTimeout(approval, Date.now() - started);
        // The same request again, with the approval (and the same idempotency key).
        out = await this.#deps.issue({ ...req, approvalId: pending.approvalId });
      } finally {
        this.#pending = undefined;
      }
    }
    return out;
  }

  async #reissueNow(): Promise<void> {
    if (this.#reissueInFlight) return;
    this.#reissueInFlight = true;
    try {
      await this.#reissueOnce();
    } finally {
      this.#reissueInFlight = false;
    }
  }

  async #reissueOnce(): Promise<void> {
    const previous = this.#lease;
    this.#state = 'reissuing';
    this.#reissueKey ??= newKey();
    let grant: Grant;
    try {
      grant = await this.#issueApproved({ ...this.#req, idempotencyKey: this.#reissueKey }, true, this.#stopWaiting.signal);
    } catch (err) {
      if (!this.#live()) return;
      if (approvalFinal(err)) {
        this.#reissueRefusedBy(err as WarrantClientError, previous);
        return;
      }
      if (!this.#endedIds.has(previous.id) && Date.now() >= previous.expiresAt) {
        this.#ended({ ...previous, state: 'expired', trigger: 'expired' }, 'ran out while a new credential could not be issued', true);
      }
      this.#failed(err as WarrantClientError, () => this.#reissueNow());
      return;
    }
    if (!this.#live()) {
      // Closed while issuing: close() waits for us and revokes both.
      if (!this.#endedIds.has(previous.id)) this.#retired.set(previous.id, previous);
      this.#lease = grant.lease;
      return;
    }
    if (grant.credential === undefined) {
      await this.#deps.revoke(grant.lease.id, 'credential could not be delivered again').catch(() => undefined);
      this.#reissueKey = undefined;
      this.#failed(new ConflictError('a re-issued credential was not delivered; issuing again with a new key', 6, 'ERR_IDEMPOTENCY_CONFLICT', undefined), () =>
        this.#reissueNow(),
      );
      return;
    }
    this.#reissueKey = undefined;
    if (!this.#endedIds.has(previous.id) && previous.expiresAt > Date.now()) this.#retired.set(previous.id, previous);
    this.#lease = grant.lease;
    this.#credential = grant.credential;
    this.#atMax = false;
    this.#state = 'active';
    this.#recovered();
    this.emit('reissued', { lease: grant.lease, credential: grant.credential, previous });
    this.#plan();
  }

  /** A person said no to the re-issue (or did not answer in time): the current lease runs out, nothing more is asked. */
  #reissueRefusedBy(err: WarrantClientError, previous: Lease): void {
    this.#reissueRefused = true;
    this.#reissueKey = undefined;
    if (this.listenerCount('error') > 0) this.emit('error', err, { leaseId: previous.id, attempt: this.#failures + 1, retryInMs: 0, final: true });
    if (this.#endedIds.has(previous.id)) {
      // It already ran out while the handle waited: nothing is left to keep alive.
      this.#clearTimer();
      this.#state = 'expired';
      this.#stopWaiting.abort();
      if (this.#retired.size === 0) {
        this.#unsubscribe?.();
        this.#unsubscribe = undefined;
      }
    } else if (Date.now() >= previous.expiresAt) {
      this.#expireLocally(`ran out while waiting for approval: ${err.message}`);
    } else {
      this.#state = 'active';
      this.#atMax = true;
      this.#plan();
    }
  }

  #failed(err: WarrantClientError, again: () => Promise<void>): void {
    if (codeOf(err) === 'ERR_CLIENT_CLOSED') {
      // Nothing can be renewed or revoked through a closed client: stop quietly.
      this.#state = 'closed';
      this.#clearTimer();
      this.#unsubscribe = undefined;
      return;
    }
    this.#failures++;
    this.#lastError = err;
    if (this.#state === 'active') this.#state = 'retrying';
    const renewing = this.#state === 'retrying';
    const remaining = this.#lease.expiresAt - Date.now();
    if (renewing && remaining <= RETRY_MARGIN_MS) {
      this.#expireLocally('expired before it could be renewed');
      return;
    }
    const backoff = backoffDelay(this.#failures, this.#retryInitialMs, this.#retryMaxMs);
    const wait = renewing ? Math.min(backoff, remaining - RETRY_MARGIN_MS) : backoff;
    if (this.listenerCount('error') > 0) this.emit('error', err, { leaseId: this.#lease.id, attempt: this.#failures, retryInMs: wait });
    if (renewing && this.#failures === 1) this.#expiring('renewal_failing');
    this.#at(wait, again);
  }

  #recovered(): void {
    this.#failures = 0;
    this.#lastError = undefined;
    if (this.#state === 'retrying') this.#state = 'active';
  }

  #expiring(reason: ExpiringEvent['reason']): void {
    const key = `${this.#lease.id}:${reason}:${this.#lease.expiresAt}`;
    if (this.#expiringSent.has(key)) return;
    this.#expiringSent.add(key);
    this.emit('expiring', { lease: this.#lease, reason });
  }

  #expireLocally(why: string): void {
    this.#ended({ ...this.#lease, state: 'expired', trigger: 'expired', reason: why }, why, false);
  }

  // ── what warrant says ─────────────────────────────────────────────────────────────────────
  #onEvent(e: LeaseEvent): void {
    const retired = this.#retired.get(e.lease.id);
    if (retired !== undefined) {
      if (isEnding(e.lease.state)) this.#retired.delete(e.lease.id);
      return;
    }
    if (this.#lease === undefined || e.lease.id !== this.#lease.id || !this.#live()) return;
    if (isEnding(e.lease.state)) this.#ended(e.lease, e.lease.reason, false);
    else if (e.type === 'renewed' && e.lease.expiresAt > this.#lease.expiresAt) {
      // Renewed by someone else (a sidecar identity): keep the schedule in step.
      this.#lease = e.lease;
      this.#plan();
    }
  }

  async #resync(): Promise<void> {
    if (this.#lease === undefined || !this.#live()) return;
    const id = this.#lease.id;
    let lease: Lease;
    try {
      lease = await this.#deps.getLease(id);
    } catch (err) {
      if (codeOf(err) === 'ERR_LEASE_NOT_FOUND' && this.#lease.id === id && this.#live()) {
        this.#ended({ ...this.#lease, state: 'revoked' }, 'warrant has no record of this lease', false);
      }
      return;
    }
    if (this.#lease.id !== id || !this.#live()) return;
    if (isEnding(lease.state)) this.#ended(lease, lease.reason, false);
    else if (lease.expiresAt > this.#lease.expiresAt) {
      this.#lease = lease;
      this.#plan();
    }
  }

  /** The current lease ended: report it once; re-issue only after an expiry, never after a revocation. */
  #ended(lease: Lease, reason: string | undefined, keepState: boolean): void {
    if (this.#endedIds.has(lease.id)) return;
    this.#endedIds.add(lease.id);
    const expired = lease.state === 'expired' || lease.trigger === 'expired';
    if (!keepState) {
      this.#clearTimer();
      this.#lease = lease;
      this.#state = expired ? 'expired' : 'revoked';
    }
    this.emit('revoked', { lease, trigger: lease.trigger, reason });
    if (keepState) return;
    if (expired && this.#reissue && !this.#reissueRefused) {
      this.#state = 'reissuing';
      this.#failures = 0;
      // A re-issue already in flight (waiting for an approval, say) carries on.
      if (!this.#reissueInFlight) this.#run(() => this.#reissueNow());
      return;
    }
    // Ended for good: a wait for an approval is of no use any more.
    this.#stopWaiting.abort();
    if (this.#retired.size === 0) {
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
    }
  }
}
