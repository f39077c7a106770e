// The sidecar's state: the current task and its credentials. The local API and the command call it.
import type { Logger } from 'pino';
import { WarrantClientError, leaseFromPb, type Credential, type Lease, type TaskSpec, type Trigger, type WarrantClient } from '../../client/index.js';
import type { AgentConfig } from './agent-config.js';
import { CredentialSlot, type SlotStatus } from './credential-slot.js';

export type TaskState = 'open' | 'completing' | 'completed';

interface OpenTask {
  readonly spec: Required<TaskSpec>;
  state: TaskState;
}

/** A refusal of the local API, with the HTTP status it maps to. */
export class SidecarError extends Error {
  override readonly name = 'SidecarError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface OnDemandRequest {
  readonly name?: string;
  readonly provider?: string;
  readonly scope?: readonly string[];
  readonly ttl?: number;
}

export interface Delivered {
  readonly name: string;
  readonly lease: Lease;
  readonly credential: Credential;
}

export interface CompletionResult {
  readonly taskId: string;
  readonly leases: readonly Lease[];
  /** Set when warrant could not be told; the leases then end at their expiry. */
  readonly error?: { readonly code: string; readonly message: string };
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export class Sidecar {
  readonly #client: WarrantClient;
  readonly #config: AgentConfig;
  readonly #log: Logger;
  #task: OpenTask | undefined;
  #slots = new Map<string, CredentialSlot>();
  #completing: Promise<CompletionResult> | undefined;
  readonly #completedListeners = new Set<(r: CompletionResult) => void>();
  #onDemandCount = 0;

  constructor(client: WarrantClient, config: AgentConfig, log: Logger) {
    this.#client = client;
    this.#config = config;
    this.#log = log;
  }

  get task(): { readonly id: string; readonly purpose: string; readonly state: TaskState } | undefined {
    return this.#task === undefined ? undefined : { id: this.#task.spec.id, purpose: this.#task.spec.purpose, state: this.#task.state };
  }

  /** Called once each time a task is completed (here or, for every credential, by warrant). */
  onCompleted(listener: (r: CompletionResult) => void): void {
    this.#completedListeners.add(listener);
  }

  /** Opens a task and starts issuing the configured credentials for it. */
  startTask(spec: TaskSpec): void {
    if (this.#task !== undefined && this.#task.state !== 'completed') {
      throw new SidecarError(409, 'TASK_OPEN', `task ${this.#task.spec.id} is still ${this.#task.state}; complete it first`);
    }
    if (!/^[A-Za-z0-9._:@/-]{1,128}$/.test(spec.id)) throw new SidecarError(400, 'BAD_REQUEST', 'task id must be 1-128 characters of A-Z a-z 0-9 . _ : @ / -');
    const full: Required<TaskSpec> = { id: spec.id, purpose: spec.purpose ?? '', attributes: { ...(spec.attributes ?? {}) }, parentId: spec.parentId ?? '' };
    this.#task = { spec: full, state: 'open' };
    this.#completing = undefined;
    this.#slots = new Map();
    this.#log.info({ task: full.id, credentials: Object.keys(this.#config.credentials) }, 'task opened');
    for (const [name, c] of Object.entries(this.#config.credentials)) {
      const slot = this.#slot(name, { provider: c.provider, scope: c.scope, ttl: c.ttl, sinks: c.sinks }, false);
      slot.start();
    }
  }

  /** A configured credential's current material, or a new on-demand one for the task. */
  async request(req: OnDemandRequest): Promise<Delivered> {
    const task = this.#openTask();
    if (req.provider === undefined) {
      if (req.name === undefined) throw new SidecarError(400, 'BAD_REQUEST', 'give the name of a configured credential, or a provider (with scope and ttl) for a new one');
      return this.current(req.name);
    }
    if (typeof req.provider !== 'string' || req.provider === '') throw new SidecarError(400, 'BAD_REQUEST', 'provider must be a provider name');
    if (req.scope !== undefined && (!Array.isArray(req.scope) || req.scope.some((s) => typeof s !== 'string'))) throw new SidecarError(400, 'BAD_REQUEST', 'scope must be a list of strings');
    if (req.ttl !== undefined && !(typeof req.ttl === 'number' && Number.isFinite(req.ttl) && req.ttl >= 1)) throw new SidecarError(400, 'BAD_REQUEST', 'ttl must be a number of seconds, at least 1');
    const name = req.name ?? `${req.provider}-${++this.#onDemandCount}`;
    if (!NAME_RE.test(name)) throw new SidecarError(400, 'BAD_REQUEST', 'name must be 1-64 characters of A-Z a-z 0-9 _ . -');
    const existing = this.#slots.get(name);
    if (existing !== undefined) {
      if (existing.live) return this.current(name);
      if (!existing.onDemand) throw new SidecarError(409, 'NAME_TAKEN', `credential ${name} is configured and currently ${existing.state}`);
    }
    const slot = this.#slot(name, { provider: req.provider, scope: req.scope ?? [], ttl: req.ttl === undefined ? undefined : Math.round(req.ttl * 1000), sinks: [] }, true);
    try {
      const handle = await slot.issueOnce();
      this.#log.info({ name, task: task.spec.id, provider: req.provider, leaseId: handle.lease.id }, 'on-demand credential issued');
      return { name, lease: handle.lease, credential: handle.credential! };
    } catch (err) {
      this.#slots.delete(name);
      throw asSidecarError(err);
    }
  }

  /** The current credential of a live slot (with its secret: for the local socket only). */
  current(name: string): Delivered {
    const slot = this.#slots.get(name);
    if (slot === undefined) throw new SidecarError(404, 'NOT_FOUND', `no credential named ${name} in this task`);
    const h = slot.handle;
    if (!slot.live || h === undefined || h.credential === undefined) {
      const s = slot.status();
      throw new SidecarError(503, 'NOT_AVAILABLE', `credential ${name} is ${s.state}${s.lastError === undefined ? '' : ` (${s.lastError.code}: ${s.lastError.message})`}`);
    }
    return { name, lease: h.lease, credential: h.credential };
  }

  credentials(): SlotStatus[] {
    return [...this.#slots.values()].map((s) => s.status());
  }

  leases(): Lease[] {
    return [...this.#slots.values()].flatMap((s) => s.leases());
  }

  health(): { status: 'ok' | 'degraded'; task: Sidecar['task'] | null; credentials: SlotStatus[]; warrant: ReturnType<WarrantClient['stats']> } {
    const credentials = this.credentials();
    const degraded = credentials.some((c) => c.state === 'retrying' || c.state === 'reissuing' || c.sinkErrors.length > 0);
    // Calls made to warrant so far: what this sidecar costs the service.
    return { status: degraded ? 'degraded' : 'ok', task: this.task ?? null, credentials, warrant: this.#client.stats() };
  }

  /** Ready when a task is open and every configured credential is valid and written. */
  readiness(): { ready: boolean; waiting: string[] } {
    if (this.#task === undefined || this.#task.state !== 'open') return { ready: false, waiting: [this.#task === undefined ? 'no task' : `task ${this.#task.state}`] };
    const waiting = [...this.#slots.values()].filter((s) => !s.onDemand && !s.delivered).map((s) => `${s.name} (${s.state})`);
    return { ready: waiting.length === 0, waiting };
  }

  /**
   * Ends the task: stops renewing, revokes every lease with one CompleteTask, removes every file.
   * Files are removed even when warrant cannot be reached.
   */
  complete(why: string): Promise<CompletionResult> {
    const task = this.#task;
    if (task === undefined) return Promise.reject(new SidecarError(409, 'NO_TASK', 'no task is open'));
    if (task.state === 'completed' && this.#completing === undefined) {
      return Promise.reject(new SidecarError(409, 'NO_TASK', `task ${task.spec.id} is already completed`));
    }
    this.#completing ??= this.#complete(task, why);
    return this.#completing;
  }

  async #complete(task: OpenTask, why: string): Promise<CompletionResult> {
    task.state = 'completing';
    this.#log.info({ task: task.spec.id, why }, 'completing the task');
    const slots = [...this.#slots.values()];
    await Promise.all(slots.map((s) => s.stop()));
    let result: CompletionResult;
    const issued = slots.some((s) => s.handle !== undefined);
    if (!issued) result = { taskId: task.spec.id, leases: [] };
    else {
      try {
        const res = await this.#client.completeTask(task.spec.id);
        result = { taskId: task.spec.id, leases: res.leases.map(leaseFromPb) };
      } catch (err) {
        const e = err instanceof WarrantClientError ? { code: err.code ?? `grpc ${err.grpcCode}`, message: err.message } : { code: 'ERR_INTERNAL', message: (err as Error).message };
        // Task already gone at warrant (no leases left) is a completed task.
        if (e.code === 'ERR_TASK_NOT_FOUND') result = { taskId: task.spec.id, leases: [] };
        else {
          this.#log.error({ task: task.spec.id, err: e, leases: this.leases().map((l) => ({ id: l.id, expiresAt: new Date(l.expiresAt).toISOString() })) }, 'cannot complete the task at warrant; its leases end at their expiry');
          result = { taskId: task.spec.id, leases: this.leases(), error: e };
        }
      }
    }
    await Promise.all(slots.map((s) => s.removeAll('task completed')));
    task.state = 'completed';
    this.#log.info({ task: task.spec.id, leases: result.leases.map((l) => ({ id: l.id, state: l.state })), ...(result.error === undefined ? {} : { err: result.error }) }, 'task completed');
    for (const l of this.#completedListeners) l(result);
    return result;
  }

  #openTask(): OpenTask {
    if (this.#task === undefined) throw new SidecarError(409, 'NO_TASK', 'no task is open; POST /v1/task first');
    if (this.#task.state !== 'open') throw new SidecarError(409, 'NO_TASK', `task ${this.#task.spec.id} is ${this.#task.state}`);
    return this.#task;
  }

  #slot(name: string, spec: CredentialSlot['spec'], onDemand: boolean): CredentialSlot {
    const task = this.#task!;
    const slot = new CredentialSlot(name, spec, { client: this.#client, task: task.spec, renewal: this.#config.renewal, log: this.#log, onEnded: (_s, trigger) => this.#ended(task, trigger) }, onDemand);
    this.#slots.set(name, slot);
    return slot;
  }

  /** When warrant completed the task (every credential ended with task_completed), so does the sidecar. */
  #ended(task: OpenTask, trigger: Trigger | undefined): void {
    if (trigger !== 'task_completed' || task !== this.#task || task.state !== 'open') return;
    if ([...this.#slots.values()].some((s) => s.live || s.state === 'issuing')) return;
    void this.complete('completed at warrant');
  }
}

function asSidecarError(err: unknown): SidecarError {
  if (err instanceof SidecarError) return err;
  if (err instanceof WarrantClientError) {
    const status: Record<number, number> = { 3: 400, 5: 404, 6: 409, 7: 403, 9: 409, 10: 409, 14: 503, 16: 401, 4: 504 };
    return new SidecarError(status[err.grpcCode] ?? 502, err.code ?? `GRPC_${err.grpcCode}`, err.message);
  }
  return new SidecarError(500, 'INTERNAL', 'internal error');
}
