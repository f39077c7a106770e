import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { CompleteTaskResponse__Output } from '../gen/warrant/v1/CompleteTaskResponse.js';
import type { GetLeaseResponse__Output } from '../gen/warrant/v1/GetLeaseResponse.js';
import type { IssueTaskCredentialRequest } from '../gen/warrant/v1/IssueTaskCredentialRequest.js';
import type { IssueTaskCredentialResponse__Output } from '../gen/warrant/v1/IssueTaskCredentialResponse.js';
import type { LeaseEvent__Output } from '../gen/warrant/v1/LeaseEvent.js';
import type { ListLeasesRequest } from '../gen/warrant/v1/ListLeasesRequest.js';
import type { ListLeasesResponse__Output } from '../gen/warrant/v1/ListLeasesResponse.js';
import type { RotateProviderCredentialResponse__Output } from '../gen/warrant/v1/RotateProviderCredentialResponse.js';
import type { RenewLeaseResponse__Output } from '../gen/warrant/v1/RenewLeaseResponse.js';
import type { RevokeLeaseResponse__Output } from '../gen/warrant/v1/RevokeLeaseResponse.js';
import type { RevokeMatchingProgress__Output } from '../gen/warrant/v1/RevokeMatchingProgress.js';
import type { RevokeMatchingRequest } from '../gen/warrant/v1/RevokeMatchingRequest.js';
import type { DecideApprovalResponse__Output } from '../gen/warrant/v1/DecideApprovalResponse.js';
import type { DelegateTaskRequest } from '../gen/warrant/v1/DelegateTaskRequest.js';
import type { DelegateTaskResponse__Output } from '../gen/warrant/v1/DelegateTaskResponse.js';
import type { GetApprovalResponse__Output } from '../gen/warrant/v1/GetApprovalResponse.js';
import type { GetTaskResponse__Output } from '../gen/warrant/v1/GetTaskResponse.js';
import type { ListApprovalsRequest } from '../gen/warrant/v1/ListApprovalsRequest.js';
import type { ListApprovalsResponse__Output } from '../gen/warrant/v1/ListApprovalsResponse.js';
import type { OpenTaskResponse__Output } from '../gen/warrant/v1/OpenTaskResponse.js';
import type { RevokeTaskResponse__Output } from '../gen/warrant/v1/RevokeTaskResponse.js';
import type { Task } from '../gen/warrant/v1/Task.js';
import type { Approval__Output } from '../gen/warrant/v1/Approval.js';
import { approvalFromPb, pendingApprovalFromPb } from './approval-view.js';
import { cancelledError, waitForDecision, type ApprovalWaitOptions } from './approval-wait.js';
import { aborted, backoffDelay, sleep } from './backoff.js';
import { ChannelSet, type ChannelAuth, type Generation, type Stubs } from './channels.js';
import { CredentialHandle, type CredentialRequest, type Grant, type HandleDeps, type IssueOutcome, type IssueRequest } from './credential-handle.js';
import { UnavailableError, WarrantClientError, fromServiceError } from './errors.js';
import { FileSvidSource } from './file-svid-source.js';
import { credentialFromPb, leaseEventFromPb, leaseFromPb, type LeaseEvent } from './lease-view.js';
import { StaticSvidSource, type SvidSource, type X509Material } from './svid-source.js';
import { TaskWatch, type TaskSubscriber, type WatchStream } from './task-watch.js';
import { WorkloadApiSvidSource } from './workload-api-svid-source.js';

export interface WarrantClientOptions {
  /** host:port of the warrant gRPC endpoint. */
  readonly server: string;
  /** The SPIFFE ID the server must present (required: a trust domain alone is not enough). */
  readonly serverId: string;
  /** PEM: this workload's X.509-SVID (leaf first, then intermediates) and its key. Or give `source`. */
  readonly svidPem?: string;
  readonly svidKeyPem?: string;
  /** PEM: the authorities that vouch for the server. */
  readonly bundlePem?: string;
  /** Where the SVID and bundle come from when they rotate (files, Workload API). */
  readonly source?: SvidSource;
  /**
   * A JWT-SVID sent with every call as `authorization: Bearer …` (JWT-SVID §5.3); a function is
   * asked per call, so a rotating token stays current. Without svidPem/svidKeyPem/source the
   * connection is TLS without a client certificate and the token alone proves the workload.
   */
  readonly jwtSvid?: string | (() => string);
  /** Deadline of each call, retries included (default 10s). */
  readonly timeoutMs?: number;
  /** Retries of calls that are safe to repeat (default 4 attempts, 100ms doubling up to 2s). */
  readonly retry?: { readonly maxAttempts?: number; readonly initialMs?: number; readonly maxMs?: number };
}

export interface FileSource {
  readonly server: string;
  readonly svidFile: string;
  readonly svidKeyFile: string;
  readonly bundleFile: string;
  readonly serverId: string;
  readonly timeoutMs?: number;
  /** How often the files are read again in case a change notification was missed (default 5s). */
  readonly pollIntervalMs?: number;
}

export interface WorkloadApiConnection {
  readonly server: string;
  readonly serverId: string;
  /** The SPIFFE Workload API: `unix:///path/to/agent.sock` or `tcp://IP:port`. */
  readonly workloadApi: string;
  readonly timeoutMs?: number;
}

export interface CallOptions {
  /** This call's deadline, retries included. */
  readonly timeoutMs?: number;
  /** false: one attempt, even where a retry would be safe. */
  readonly retry?: boolean;
  /** Aborting cancels the call (and its retries): it rejects with ERR_CANCELLED. */
  readonly signal?: AbortSignal;
}

export interface RotatedEvent {
  /** Channel generation now in use (1 at start). */
  readonly generation: number;
}

export interface WarrantClientEvents {
  /** New channels were built from a rotated SVID or bundle. */
  rotated: [RotatedEvent];
  /** A rotation was seen but its material could not be used; the previous stays in use. */
  svidError: [Error];
  /** A task's WatchLeases stream broke; it is opened again after retryInMs. */
  watchBroken: [{ readonly taskId: string; readonly error: WarrantClientError | undefined; readonly retryInMs: number }];
}

export interface ClientStats {
  /** Attempts per method sent to the server since the client was created (each retry counts). */
  readonly calls: Readonly<Record<string, number>>;
  /** Streams opened per method (WatchLeases, RevokeMatching). */
  readonly streams: Readonly<Record<string, number>>;
  readonly generation: number;
}

type Unary<Req, Res> = (stubs: Stubs, req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

const CLOSED = () => new UnavailableError('the client is closed', grpc.status.UNAVAILABLE, 'ERR_CLIENT_CLOSED', undefined);

function toClientError(err: unknown): WarrantClientError {
  if (err instanceof WarrantClientError) return err;
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e.code === 'number' && e.metadata instanceof grpc.Metadata) return fromServiceError(err as grpc.ServiceError);
  return new WarrantClientError((err as Error).message ?? String(err), grpc.status.UNKNOWN, undefined, undefined);
}

/**
 * A typed client for CredentialService and AdminService over mTLS. Every call has a deadline;
 * calls that are safe to repeat are retried on UNAVAILABLE within it (IssueTaskCredential only
 * with an idempotency key). When the SVID source rotates, new channels are built and swapped in;
 * calls already running finish on the old ones.
 */
export class WarrantClient extends EventEmitter<WarrantClientEvents> {
  readonly #server: string;
  readonly #serverId: string;
  readonly #source: SvidSource;
  readonly #ownsSource: boolean;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  readonly #ready: Promise<ChannelSet>;
  #channels: ChannelSet | undefined;
  #closed = false;
  /** Aborted by close(): stops waits for approvals. */
  readonly #closing = new AbortController();
  readonly #watches = new Map<string, TaskWatch>();
  readonly #calls: Record<string, number> = {};
  readonly #streams: Record<string, number> = {};
  readonly #unsubscribe: (() => void)[] = [];

  constructor(options: WarrantClientOptions) {
    super();
    this.#server = options.server;
    this.#serverId = options.serverId;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxAttempts = options.retry?.maxAttempts ?? 4;
    this.#retryInitialMs = options.retry?.initialMs ?? 100;
    this.#retryMaxMs = options.retry?.maxMs ?? 2000;
    if (options.source !== undefined) {
      this.#source = options.source;
      this.#ownsSource = false;
    } else {
      const bearerOnly = options.jwtSvid !== undefined && options.svidPem === undefined && options.svidKeyPem === undefined;
      if (options.bundlePem === undefined || (!bearerOnly && (options.svidPem === undefined || options.svidKeyPem === undefined))) {
        throw new TypeError('WarrantClient needs bundlePem with svidPem and svidKeyPem, or with jwtSvid; or a source');
      }
      this.#source = new StaticSvidSource({ svidPem: options.svidPem ?? '', svidKeyPem: options.svidKeyPem ?? '', bundlePem: options.bundlePem });
      this.#ownsSource = true;
    }
    const jwtSvid = options.jwtSvid;
    const auth: ChannelAuth = {
      ...(jwtSvid === undefined ? {} : { bearer: typeof jwtSvid === 'string' ? () => jwtSvid : jwtSvid }),
      ...(jwtSvid !== undefined && options.source === undefined && options.svidPem === undefined ? { clientCertificate: false } : {}),
    };
    this.#ready = this.#source.material().then(
      (m) => {
        if (this.#closed) throw CLOSED();
        this.#channels = new ChannelSet(this.#server, this.#serverId, m, auth);
        return this.#channels;
      },
      (err: unknown) => {
        if (err instanceof WarrantClientError) throw err;
        // Without an SVID no call can be made: every call fails with the source's reason.
        throw new UnavailableError(`no SVID to connect with: ${(err as Error).message}`, grpc.status.UNAVAILABLE, 'ERR_SVID_UNAVAILABLE', undefined);
      },
    );
    // A caller that never makes a call must not see an unhandled rejection.
    this.#ready.catch(() => undefined);
    this.#unsubscribe.push(
      this.#source.onChange((m) => this.#rotate(m)),
      this.#source.onError((err) => this.emit('svidError', err)),
    );
  }

  /** A client whose SVID, key and bundle files are watched and reloaded when they rotate. */
  static fromFiles(source: FileSource): WarrantClient {
    const files = new FileSvidSource({
      svidFile: source.svidFile,
      svidKeyFile: source.svidKeyFile,
      bundleFile: source.bundleFile,
      ...(source.pollIntervalMs === undefined ? {} : { pollIntervalMs: source.pollIntervalMs }),
    });
    const client = new WarrantClient({
      server: source.server,
      serverId: source.serverId,
      source: files,
      ...(source.timeoutMs === undefined ? {} : { timeoutMs: source.timeoutMs }),
    });
    client.#unsubscribe.push(() => files.close());
    return client;
  }

  /** A client whose SVID and bundle come from the SPIFFE Workload API and follow its rotations. */
  static fromWorkloadApi(options: WorkloadApiConnection): WarrantClient {
    const source = new WorkloadApiSvidSource({ address: options.workloadApi, serverId: options.serverId });
    const client = new WarrantClient({
      server: options.server,
      serverId: options.serverId,
      source,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    client.#unsubscribe.push(() => source.close());
    return client;
  }

  /** Which channel generation new calls use (1 at start, one more per rotation). */
  get generation(): number {
    return this.#channels?.generation ?? 0;
  }

  stats(): ClientStats {
    return { calls: { ...this.#calls }, streams: { ...this.#streams }, generation: this.generation };
  }

  // ── CredentialService ─────────────────────────────────────────────────────────────────────
  issueTaskCredential(req: IssueTaskCredentialRequest, options?: CallOptions): Promise<IssueTaskCredentialResponse__Output> {
    // Without an idempotency key a retry could mint a second credential.
    const safe = typeof req.idempotency_key === 'string' && req.idempotency_key !== '';
    return this.#unary('IssueTaskCredential', (s, r, md, o, cb) => s.credentials.IssueTaskCredential(r, md, o, cb), req, safe ? 'issue' : 'never', options);
  }

  renewLease(leaseId: string, incrementSeconds?: number, options?: CallOptions): Promise<RenewLeaseResponse__Output> {
    const req = {
      lease_id: leaseId,
      ...(incrementSeconds === undefined ? {} : { increment: { seconds: String(Math.floor(incrementSeconds)), nanos: Math.round((incrementSeconds % 1) * 1e9) } }),
    };
    return this.#unary('RenewLease', (s, r, md, o, cb) => s.credentials.RenewLease(r, md, o, cb), req, 'safe', options);
  }

  revokeLease(leaseId: string, reason = '', options?: CallOptions): Promise<RevokeLeaseResponse__Output> {
    return this.#unary('RevokeLease', (s, r, md, o, cb) => s.credentials.RevokeLease(r, md, o, cb), { lease_id: leaseId, reason }, 'safe', options);
  }

  /** Revokes every lease of the task; credential handles of the task report `revoked` (task_completed). */
  async completeTask(taskId: string, options?: CallOptions): Promise<CompleteTaskResponse__Output> {
    const res = await this.#unary<{ task_id: string }, CompleteTaskResponse__Output>('CompleteTask', (s, r, md, o, cb) => s.credentials.CompleteTask(r, md, o, cb), { task_id: taskId }, 'safe', options);
    const watch = this.#watches.get(taskId);
    if (watch !== undefined) {
      const at = Date.now();
      for (const l of res.leases) {
        const lease = leaseFromPb(l);
        watch.deliver({ type: lease.state === 'revoked' ? 'revoked' : lease.state === 'expired' ? 'expired' : 'revoking', lease, at });
      }
    }
    return res;
  }

  /** One raw WatchLeases stream until cancel() or the server ends it; see subscribeTask for a resilient one. */
  watchLeases(filter: { taskId?: string; leaseIds?: string[] }, onEvent: (e: LeaseEvent__Output) => void): { cancel: () => void; done: Promise<void> } {
    let cancelled = false;
    let stream: grpc.ClientReadableStream<LeaseEvent__Output> | undefined;
    const done = this.#ready.then(
      (channels) =>
        new Promise<void>((resolve, reject) => {
          if (cancelled) return resolve();
          const gen = channels.acquire();
          this.#count(this.#streams, 'WatchLeases');
          const s = gen.stubs.credentials.WatchLeases({ task_id: filter.taskId ?? '', lease_ids: filter.leaseIds ?? [] });
          stream = s;
          let released = false;
          const release = () => {
            if (!released) channels.release(gen);
            released = true;
          };
          s.on('data', onEvent);
          s.on('end', () => {
            release();
            resolve();
          });
          s.on('error', (err: grpc.ServiceError) => {
            release();
            if (err.code === grpc.status.CANCELLED) resolve();
            else reject(fromServiceError(err));
          });
        }),
    );
    return {
      cancel: () => {
        cancelled = true;
        stream?.cancel();
      },
      done,
    };
  }

  /**
   * Lease events of one task, over one WatchLeases stream shared by every subscriber of the task,
   * reopened with backoff when it breaks and moved to new channels on rotation. After a reopen,
   * `resync` is called: events may have been missed meanwhile.
   */
  subscribeTask(taskId: string, subscriber: TaskSubscriber): () => void {
    if (this.#closed) throw CLOSED();
    let watch = this.#watches.get(taskId);
    if (watch === undefined) {
      watch = new TaskWatch(taskId, {
        open: (id, onEvent, onEnd) => this.#openWatch(id, onEvent, onEnd),
        backoff: (attempt) => backoffDelay(attempt, 250, 10_000),
        onIdle: (w) => {
          if (this.#watches.get(w.taskId) === w) this.#watches.delete(w.taskId);
        },
        onBroken: (id, error, retryInMs) => this.emit('watchBroken', { taskId: id, error, retryInMs }),
      });
      this.#watches.set(taskId, watch);
    }
    return watch.add(subscriber);
  }

  /**
   * Issues a credential and keeps it alive in the background until close(): see CredentialHandle.
   * Rejects with the typed error of the issue (PermissionDeniedError when policy denies, …).
   */
  async credential(request: CredentialRequest): Promise<CredentialHandle> {
    return new CredentialHandle(this.#handleDeps(), request).start();
  }

  // ── Tasks, delegation, approvals ──────────────────────────────────────────────────────────
  /** Opens a task (declaring tools and budget) without issuing; safe to retry: it joins the same task. */
  openTask(task: Task, options?: CallOptions): Promise<OpenTaskResponse__Output> {
    return this.#unary('OpenTask', (s, r, md, o, cb) => s.credentials.OpenTask(r, md, o, cb), { task }, 'safe', options);
  }

  getTask(taskId: string, options?: CallOptions): Promise<GetTaskResponse__Output> {
    return this.#unary('GetTask', (s, r, md, o, cb) => s.credentials.GetTask(r, md, o, cb), { task_id: taskId }, 'safe', options);
  }

  /** Not retried on its own: without a child id a retry could delegate twice. */
  delegateTask(req: DelegateTaskRequest, options?: CallOptions): Promise<DelegateTaskResponse__Output> {
    const safe = typeof req.task?.id === 'string' && req.task.id !== '';
    return this.#unary('DelegateTask', (s, r, md, o, cb) => s.credentials.DelegateTask(r, md, o, cb), req, safe ? 'safe' : 'never', options);
  }

  /** Reads an approval of one of this workload's requests; with waitSeconds, blocks until it is decided or the wait passes. */
  getApproval(approvalId: string, waitSeconds?: number, options?: CallOptions): Promise<GetApprovalResponse__Output> {
    const req = { approval_id: approvalId, ...(waitSeconds === undefined ? {} : { wait: { seconds: String(Math.floor(waitSeconds)), nanos: 0 } }) };
    // The call's deadline must outlast the wait.
    const timeout = waitSeconds === undefined ? options : { ...options, timeoutMs: (options?.timeoutMs ?? this.#timeoutMs) + waitSeconds * 1000 };
    return this.#unary('GetApproval', (s, r, md, o, cb) => s.credentials.GetApproval(r, md, o, cb), req, 'safe', timeout);
  }

  /**
   * Waits for a decision on one of this workload's approvals: GetApproval with `wait`, asked again
   * (the server caps one wait) until the approval is no longer pending, `timeoutMs` passes (it then
   * resolves with the approval still pending) or `signal` aborts. Outages meanwhile are waited out.
   * close() ends the wait with ERR_CLIENT_CLOSED.
   */
  async waitForApproval(approvalId: string, options: ApprovalWaitOptions = {}): Promise<Approval__Output> {
    if (this.#closed) throw CLOSED();
    const signal = options.signal === undefined ? this.#closing.signal : AbortSignal.any([options.signal, this.#closing.signal]);
    try {
      return await waitForDecision(async (waitSeconds, s) => {
        const res = await this.getApproval(approvalId, waitSeconds === 0 ? undefined : waitSeconds, s === undefined ? undefined : { signal: s });
        if (res.approval === null) throw new WarrantClientError('the server replied without an approval', grpc.status.INTERNAL, 'ERR_INTERNAL', undefined);
        return res.approval;
      }, { ...options, signal });
    } catch (err) {
      if (this.#closed) throw CLOSED();
      throw err;
    }
  }

  listApprovals(req: ListApprovalsRequest, options?: CallOptions): Promise<ListApprovalsResponse__Output> {
    return this.#unary('ListApprovals', (s, r, md, o, cb) => s.admin.ListApprovals(r, md, o, cb), req, 'safe', options);
  }

  decideApproval(approvalId: string, decision: 'approve' | 'deny', reason = '', options?: CallOptions): Promise<DecideApprovalResponse__Output> {
    const req = { approval_id: approvalId, decision: decision === 'approve' ? ('APPROVAL_DECISION_APPROVE' as const) : ('APPROVAL_DECISION_DENY' as const), reason };
    return this.#unary('DecideApproval', (s, r, md, o, cb) => s.admin.DecideApproval(r, md, o, cb), req, 'never', options);
  }

  revokeTask(taskId: string, reason: string, options?: CallOptions): Promise<RevokeTaskResponse__Output> {
    return this.#unary('RevokeTask', (s, r, md, o, cb) => s.admin.RevokeTask(r, md, o, cb), { task_id: taskId, reason }, 'safe', options);
  }

  // ── AdminService (a workload may read its own lease) ──────────────────────────────────────
  getLease(leaseId: string, options?: CallOptions): Promise<GetLeaseResponse__Output> {
    return this.#unary('GetLease', (s, r, md, o, cb) => s.admin.GetLease(r, md, o, cb), { lease_id: leaseId }, 'safe', options);
  }

  listLeases(req: ListLeasesRequest, options?: CallOptions): Promise<ListLeasesResponse__Output> {
    return this.#unary('ListLeases', (s, r, md, o, cb) => s.admin.ListLeases(r, md, o, cb), req, 'safe', options);
  }

  /** Admins: rotates the credential the provider itself uses at its backend. Never retried: each call rotates. */
  rotateProviderCredential(provider: string, options?: CallOptions): Promise<RotateProviderCredentialResponse__Output> {
    return this.#unary('RotateProviderCredential', (s, r, md, o, cb) => s.admin.RotateProviderCredential(r, md, o, cb), { provider }, 'never', options);
  }

  async revokeMatching(req: RevokeMatchingRequest, onProgress: (p: RevokeMatchingProgress__Output) => void): Promise<RevokeMatchingProgress__Output> {
    const channels = await this.#ready;
    const gen = channels.acquire();
    this.#count(this.#streams, 'RevokeMatching');
    try {
      return await new Promise((resolve, reject) => {
        const stream = gen.stubs.admin.RevokeMatching(req);
        let last: RevokeMatchingProgress__Output | undefined;
        stream.on('data', (p: RevokeMatchingProgress__Output) => {
          last = p;
          onProgress(p);
        });
        stream.on('end', () => (last?.done ? resolve(last) : reject(new WarrantClientError('stream ended without a final summary', grpc.status.UNKNOWN, undefined, undefined))));
        stream.on('error', (err: grpc.ServiceError) => reject(fromServiceError(err)));
      });
    } finally {
      channels.release(gen);
    }
  }

  /** Stops watching, closes the channels. Credential handles are not revoked: close them first. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    for (const w of [...this.#watches.values()]) w.close();
    for (const u of this.#unsubscribe) u();
    if (this.#ownsSource) this.#source.close();
    this.#channels?.close();
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────
  #count(table: Record<string, number>, method: string): void {
    table[method] = (table[method] ?? 0) + 1;
  }

  #rotate(material: X509Material): void {
    if (this.#closed || this.#channels === undefined) return;
    let generation: number;
    try {
      generation = this.#channels.rotate(material);
    } catch (err) {
      this.emit('svidError', err as Error);
      return;
    }
    for (const w of this.#watches.values()) w.reopen();
    this.emit('rotated', { generation });
  }

  async #unary<Req, Res>(method: string, fn: Unary<Req, Res>, req: Req, retry: 'never' | 'safe' | 'issue', options: CallOptions | undefined): Promise<Res> {
    if (this.#closed) throw CLOSED();
    const signal = options?.signal;
    if (aborted(signal)) throw cancelledError();
    const channels = await this.#ready;
    const deadline = Date.now() + (options?.timeoutMs ?? this.#timeoutMs);
    const maxAttempts = retry === 'never' || options?.retry === false ? 1 : this.#maxAttempts;
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw CLOSED();
      if (aborted(signal)) throw cancelledError();
      let gen: Generation | undefined = channels.acquire();
      this.#count(this.#calls, method);
      try {
        return await new Promise<Res>((resolve, reject) => {
          let cancel: (() => void) | undefined;
          const call = fn(gen!.stubs, req, new grpc.Metadata(), { deadline }, (err, res) => {
            if (cancel !== undefined) signal?.removeEventListener('abort', cancel);
            if (err) reject(fromServiceError(err));
            else resolve(res!);
          });
          if (signal !== undefined) {
            cancel = () => call.cancel();
            signal.addEventListener('abort', cancel, { once: true });
          }
        });
      } catch (err) {
        if (aborted(signal)) {
          channels.release(gen);
          gen = undefined;
          throw this.#closed ? CLOSED() : cancelledError();
        }
        const e = toClientError(err);
        channels.release(gen);
        gen = undefined;
        // UNAVAILABLE: nothing was done (store or provider down) or the request never arrived.
        // ABORTED on issue: the first request with this key is still minting.
        const retryable = e.grpcCode === grpc.status.UNAVAILABLE || (retry === 'issue' && e.grpcCode === grpc.status.ABORTED);
        const wait = backoffDelay(attempt, this.#retryInitialMs, this.#retryMaxMs);
        if (!retryable || attempt >= maxAttempts || Date.now() + wait >= deadline) throw e;
        await sleep(wait, signal);
      } finally {
        if (gen !== undefined) channels.release(gen);
      }
    }
  }

  #openWatch(taskId: string, onEvent: (e: LeaseEvent) => void, onEnd: (err: WarrantClientError | undefined) => void): WatchStream {
    let cancelled = false;
    let stream: grpc.ClientReadableStream<LeaseEvent__Output> | undefined;
    let ended = false;
    const end = (err: WarrantClientError | undefined) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    this.#ready.then(
      (channels) => {
        if (cancelled || this.#closed) return;
        const gen = channels.acquire();
        this.#count(this.#streams, 'WatchLeases');
        const s = gen.stubs.credentials.WatchLeases({ task_id: taskId, lease_ids: [] });
        stream = s;
        let released = false;
        const release = () => {
          if (!released) channels.release(gen);
          released = true;
        };
        s.on('data', (pb: LeaseEvent__Output) => {
          const e = leaseEventFromPb(pb);
          if (e !== undefined) onEvent(e);
        });
        s.on('end', () => {
          release();
          end(undefined);
        });
        s.on('error', (err: grpc.ServiceError) => {
          release();
          end(fromServiceError(err));
        });
      },
      (err: unknown) => end(toClientError(err)),
    );
    return {
      cancel: () => {
        cancelled = true;
        stream?.cancel();
      },
    };
  }

  #handleDeps(): HandleDeps {
    const grant = (res: { lease: Parameters<typeof leaseFromPb>[0] | null; credential: Parameters<typeof credentialFromPb>[0] }): Grant => {
      if (res.lease === null) throw new WarrantClientError('the server replied without a lease', grpc.status.INTERNAL, 'ERR_INTERNAL', undefined);
      return { lease: leaseFromPb(res.lease), credential: credentialFromPb(res.credential) };
    };
    return {
      issue: async (r: IssueRequest): Promise<IssueOutcome> => {
        const ttl = r.ttl;
        const res = await this.issueTaskCredential({
          task: { id: r.task.id, purpose: r.task.purpose ?? '', attributes: { ...(r.task.attributes ?? {}) }, parent_id: r.task.parentId ?? '' },
          provider: r.provider,
          scope: [...r.scope],
          ...(ttl === undefined ? {} : { ttl: { seconds: String(Math.floor(ttl / 1000)), nanos: Math.round(ttl % 1000) * 1e6 } }),
          idempotency_key: r.idempotencyKey,
          approval_id: r.approvalId ?? '',
        });
        if (res.pending_approval !== null) return { pending: pendingApprovalFromPb(res.pending_approval) };
        return grant(res);
      },
      waitForApproval: async (approvalId, timeoutMs, signal) =>
        approvalFromPb(await this.waitForApproval(approvalId, { signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) })),
      renew: async (leaseId, incrementMs) => grant(await this.renewLease(leaseId, incrementMs === undefined ? undefined : incrementMs / 1000, { retry: false })),
      revoke: async (leaseId, reason) => {
        const res = await this.revokeLease(leaseId, reason);
        if (res.lease === null) throw new WarrantClientError('the server replied without a lease', grpc.status.INTERNAL, 'ERR_INTERNAL', undefined);
        return leaseFromPb(res.lease);
      },
      getLease: async (leaseId) => {
        const res = await this.getLease(leaseId);
        if (res.lease === null) throw new WarrantClientError('the server replied without a lease', grpc.status.INTERNAL, 'ERR_INTERNAL', undefined);
        return leaseFromPb(res.lease);
      },
      subscribe: (taskId, sub) => this.subscribeTask(taskId, sub),
    };
  }
}
