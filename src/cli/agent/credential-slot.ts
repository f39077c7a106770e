// One credential the sidecar keeps for the task: issues it (retrying while warrant is away), lets
// the SDK handle renew it, writes it to its sinks on every change and removes them when it ends.
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { WarrantClientError, type CredentialHandle, type Lease, type PendingApproval, type TaskSpec, type Trigger, type WarrantClient } from '../../client/index.js';
import type { AgentConfig, SinkConfig } from './agent-config.js';
import { RenderError, renderCredential } from './credential-files.js';
import { removeFile, runCommand, writeFileAtomic, type SinkEvent } from './sinks.js';

export interface SlotSpec {
  readonly provider: string;
  readonly scope: readonly string[];
  readonly ttl: number | undefined;
  readonly sinks: readonly SinkConfig[];
}

export interface SlotContext {
  readonly client: WarrantClient;
  readonly task: TaskSpec;
  readonly renewal: AgentConfig['renewal'];
  readonly log: Logger;
  /** The slot's lease ended (revoked, or expired without re-issue). */
  readonly onEnded: (slot: CredentialSlot, trigger: Trigger | undefined) => void;
}

export type SlotState = 'issuing' | 'active' | 'retrying' | 'reissuing' | 'revoked' | 'expired' | 'stopped';

interface SinkState {
  readonly config: SinkConfig;
  digest: string | undefined;
  written: boolean;
  error: string | undefined;
}

export interface SlotStatus {
  readonly name: string;
  readonly provider: string;
  readonly scope: readonly string[];
  readonly state: SlotState;
  readonly onDemand: boolean;
  readonly delivered: boolean;
  readonly leaseId?: string;
  readonly expiresAt?: string;
  readonly maxExpiresAt?: string;
  readonly renewals?: number;
  readonly trigger?: string;
  readonly lastError?: { readonly code: string; readonly message: string };
  readonly nextAttemptAt?: string;
  readonly files: readonly string[];
  readonly sinkErrors: readonly string[];
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function errorRef(err: unknown): { code: string; message: string } {
  // Messages from warrant are written for the caller and hold no secrets.
  if (err instanceof WarrantClientError) return { code: err.code ?? status[err.grpcCode] ?? `grpc ${err.grpcCode}`, message: err.message };
  return { code: 'ERR_INTERNAL', message: (err as Error).message };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export class CredentialSlot {
  readonly name: string;
  readonly spec: SlotSpec;
  readonly onDemand: boolean;
  readonly #ctx: SlotContext;
  readonly #sinks: SinkState[];
  #handle: CredentialHandle | undefined;
  #state: SlotState = 'issuing';
  #lastError: { code: string; message: string } | undefined;
  #nextAttemptAt: number | undefined;
  #trigger: Trigger | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #issuing: Promise<void> | undefined;
  // Sink writes and removals run one at a time, in order: a removal is never overtaken by a write.
  #queue: Promise<void> = Promise.resolve();

  constructor(name: string, spec: SlotSpec, ctx: SlotContext, onDemand: boolean) {
    this.name = name;
    this.spec = spec;
    this.onDemand = onDemand;
    this.#ctx = ctx;
    this.#sinks = spec.sinks.map((config) => ({ config, digest: undefined, written: false, error: undefined }));
  }

  get handle(): CredentialHandle | undefined {
    return this.#handle;
  }

  get state(): SlotState {
    return this.#state;
  }

  /** Live: has a credential that is being kept valid. */
  get live(): boolean {
    return this.#state === 'active' || this.#state === 'retrying' || this.#state === 'reissuing';
  }

  get delivered(): boolean {
    return this.live && this.#sinks.every((s) => s.error === undefined && (s.config.file === undefined || s.written));
  }

  /** Issues once; rejects with warrant's typed error (used for on-demand requests). */
  async issueOnce(): Promise<CredentialHandle> {
    const handle = await this.#ctx.client.credential(this.#request());
    this.#attach(handle);
    return handle;
  }

  /** Issues, retrying with backoff until it succeeds or the slot is stopped. */
  start(): void {
    this.#issuing = this.#issueLoop();
  }

  async #issueLoop(): Promise<void> {
    const { renewal, log } = this.#ctx;
    for (let attempt = 1; !this.#stopped; attempt++) {
      try {
        const handle = await this.#ctx.client.credential(this.#request());
        if (this.#stopped) {
          await handle.close({ reason: 'the task ended while the credential was being issued' }).catch(() => undefined);
          return;
        }
        this.#attach(handle);
        return;
      } catch (err) {
        if (this.#stopped) return;
        if (err instanceof WarrantClientError && err.code === 'ERR_APPROVAL_DENIED') {
          // A person said no: asking again on a timer would only ask them again.
          this.#lastError = errorRef(err);
          this.#state = 'stopped';
          log.error({ name: this.name, provider: this.spec.provider, err: this.#lastError }, 'the credential was denied by an approver; not asking again');
          return;
        }
        const wait = Math.min(renewal.retryMax, renewal.retryInitial * 2 ** Math.min(attempt - 1, 20)) * (0.5 + Math.random() / 2);
        this.#lastError = errorRef(err);
        this.#state = 'retrying';
        this.#nextAttemptAt = Date.now() + wait;
        log.warn({ name: this.name, provider: this.spec.provider, attempt, retryInMs: Math.round(wait), err: this.#lastError }, 'cannot issue the credential; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    }
  }

  #request() {
    const { task, renewal } = this.#ctx;
    return {
      provider: this.spec.provider,
      task,
      scope: this.spec.scope,
      ...(this.spec.ttl === undefined ? {} : { ttl: this.spec.ttl }),
      renewAt: renewal.fraction,
      jitter: renewal.jitter,
      reissue: true,
      retry: { initialMs: renewal.retryInitial, maxMs: renewal.retryMax },
      // The wait itself is the handle's; the sidecar says what it waits for.
      approval: {
        onPending: (p: PendingApproval) =>
          this.#ctx.log.warn(
            { name: this.name, provider: this.spec.provider, approvalId: p.approvalId, policies: p.policies, expiresAt: iso(p.expiresAt) },
            `waiting for a human approval: an operator runs \`warrant approvals approve ${p.approvalId}\``,
          ),
      },
    };
  }

  #attach(h: CredentialHandle): void {
    const { log } = this.#ctx;
    this.#handle = h;
    this.#state = 'active';
    this.#lastError = undefined;
    this.#nextAttemptAt = undefined;
    log.info({ name: this.name, provider: this.spec.provider, leaseId: h.lease.id, expiresAt: iso(h.lease.expiresAt) }, 'credential issued');
    this.#deliver('issued');
    h.on('renewed', (e) => {
      this.#state = 'active';
      this.#lastError = undefined;
      log.info({ name: this.name, leaseId: e.lease.id, expiresAt: iso(e.lease.expiresAt), renewals: e.lease.renewals }, 'lease renewed');
      if (e.credential !== undefined) this.#deliver('renewed');
    });
    h.on('reissued', (e) => {
      this.#state = 'active';
      this.#lastError = undefined;
      log.info({ name: this.name, leaseId: e.lease.id, previousLeaseId: e.previous.id, expiresAt: iso(e.lease.expiresAt) }, 'credential issued again');
      this.#deliver('reissued');
    });
    h.on('approvalPending', (p) => {
      log.warn(
        { name: this.name, leaseId: h.lease.id, approvalId: p.approvalId, policies: p.policies, expiresAt: iso(p.expiresAt) },
        `waiting for a human approval to issue the credential again: an operator runs \`warrant approvals approve ${p.approvalId}\``,
      );
    });
    h.on('error', (err, info) => {
      this.#lastError = errorRef(err);
      if (info.final === true) {
        log.error({ name: this.name, leaseId: info.leaseId, err: this.#lastError }, 'cannot issue the credential again; the current lease runs out');
        return;
      }
      this.#state = h.state === 'reissuing' ? 'reissuing' : 'retrying';
      log.warn({ name: this.name, leaseId: info.leaseId, attempt: info.attempt, retryInMs: info.retryInMs, err: this.#lastError }, h.state === 'reissuing' ? 'cannot issue the credential again; retrying' : 'lease renewal failed; retrying');
    });
    h.on('expiring', (e) => {
      log.warn({ name: this.name, leaseId: e.lease.id, reason: e.reason, expiresAt: iso(e.lease.expiresAt) }, 'credential expiring');
    });
    h.on('revoked', (e) => {
      this.#trigger = e.trigger;
      const expired = e.trigger === 'expired';
      this.#state = h.state === 'reissuing' ? 'reissuing' : expired ? 'expired' : 'revoked';
      log.warn(
        { name: this.name, leaseId: e.lease.id, trigger: e.trigger ?? 'unknown', reason: e.reason },
        expired ? 'credential expired; removing its files' : 'credential revoked by warrant; removing its files',
      );
      this.#remove(expired ? 'expired' : 'revoked');
      if (h.state !== 'reissuing') this.#ctx.onEnded(this, e.trigger);
    });
  }

  /** Stops renewing (without revoking: CompleteTask does that for the whole task). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#issuing;
    await this.#handle?.close({ revoke: false }).catch(() => undefined);
    if (this.live || this.#state === 'issuing' || this.#state === 'retrying') this.#state = 'stopped';
  }

  /** Removes every file this slot wrote and tells its commands; resolves when done. */
  removeAll(reason: string): Promise<void> {
    return this.#remove(reason);
  }

  leases(): Lease[] {
    return this.#handle === undefined ? [] : [this.#handle.lease];
  }

  status(): SlotStatus {
    const lease = this.#handle?.lease;
    const retrying = this.#handle?.retrying;
    const lastError = retrying !== undefined ? errorRef(retrying.lastError) : this.#lastError;
    const next = retrying?.nextAttemptAt ?? this.#nextAttemptAt;
    return {
      name: this.name,
      provider: this.spec.provider,
      scope: this.spec.scope,
      state: this.#state,
      onDemand: this.onDemand,
      delivered: this.delivered,
      ...(lease === undefined
        ? {}
        : { leaseId: lease.id, expiresAt: iso(lease.expiresAt)!, maxExpiresAt: iso(lease.maxExpiresAt)!, renewals: lease.renewals }),
      ...(this.#trigger === undefined ? {} : { trigger: this.#trigger }),
      ...(lastError === undefined || !(this.#state === 'retrying' || this.#state === 'reissuing' || this.#state === 'issuing') ? {} : { lastError }),
      ...(next === undefined ? {} : { nextAttemptAt: iso(next)! }),
      files: this.#sinks.flatMap((s) => (s.config.file === undefined ? [] : [s.config.file])),
      sinkErrors: this.#sinks.flatMap((s) => (s.error === undefined ? [] : [s.error])),
    };
  }

  #enqueue(fn: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(fn, fn);
    return this.#queue;
  }

  #deliver(event: SinkEvent): void {
    const handle = this.#handle;
    if (handle === undefined) return;
    void this.#enqueue(async () => {
      // Read at write time: a later renewal may have replaced both already.
      const credential = handle.credential;
      if (credential === undefined || !(handle.state === 'active' || handle.state === 'retrying')) return;
      for (const sink of this.#sinks) await this.#write(sink, credential, handle.lease, event);
    });
  }

  async #write(sink: SinkState, credential: NonNullable<CredentialHandle['credential']>, lease: Lease, event: SinkEvent): Promise<void> {
    const { log } = this.#ctx;
    const { file, command } = sink.config;
    let content: string;
    try {
      content = renderCredential(credential, lease, sink.config);
    } catch (err) {
      sink.error = err instanceof RenderError ? err.message : 'cannot render the credential';
      log.error({ name: this.name, file, err: sink.error }, 'cannot write the credential in this format');
      return;
    }
    const d = digest(content);
    if (d === sink.digest && (file === undefined || sink.written)) return;
    const env = { WARRANT_EVENT: event, WARRANT_CREDENTIAL: this.name, WARRANT_LEASE_ID: lease.id, ...(file === undefined ? {} : { WARRANT_FILE: file }) };
    if (file !== undefined) {
      try {
        await writeFileAtomic(file, content, sink.config.mode ?? 0o600);
      } catch (err) {
        sink.error = `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`;
        log.error({ name: this.name, file, err: sink.error }, 'cannot write the credential file');
        return;
      }
      sink.written = true;
      log.info({ name: this.name, file, leaseId: lease.id, event }, 'wrote credential file');
    }
    sink.digest = d;
    sink.error = undefined;
    if (command !== undefined) await this.#run(command, env, file === undefined ? content : undefined);
  }

  #remove(reason: string): Promise<void> {
    return this.#enqueue(async () => {
      const { log } = this.#ctx;
      for (const sink of this.#sinks) {
        const { file, command } = sink.config;
        const had = sink.digest !== undefined || sink.written;
        if (file !== undefined && sink.written) {
          try {
            await removeFile(file);
            log.info({ name: this.name, file, reason }, 'removed credential file');
          } catch (err) {
            log.error({ name: this.name, file, err: (err as NodeJS.ErrnoException).code ?? 'error' }, 'cannot remove the credential file');
          }
        }
        sink.written = false;
        sink.digest = undefined;
        if (command !== undefined && had) {
          await this.#run(command, { WARRANT_EVENT: 'removed', WARRANT_CREDENTIAL: this.name, WARRANT_REASON: reason, ...(file === undefined ? {} : { WARRANT_FILE: file }) }, undefined);
        }
      }
    });
  }

  async #run(command: readonly string[], env: Record<string, string>, stdin: string | undefined): Promise<void> {
    const res = await runCommand(command, env, stdin);
    const ok = res.exitCode === 0;
    // Only the program and its exit status are logged; never its input or output.
    this.#ctx.log[ok ? 'info' : 'warn'](
      { name: this.name, command: command[0], event: env['WARRANT_EVENT'], exitCode: res.exitCode, signal: res.signal, timedOut: res.timedOut, ...(res.error === undefined ? {} : { err: res.error }) },
      ok ? 'ran sink command' : 'sink command failed',
    );
  }
}
