import type { Logger } from 'pino';
import { newLeaseId, type Clock, type Trigger } from '../core/index.js';
import type { LeaseSelection, LeaseStore, LocallyRevoked, OperationProgress, RevocationOperation } from '../leases/index.js';
import { errorSummary, type Revoker } from './revoker.js';

export interface MassRevocationRequest {
  readonly selection: LeaseSelection;
  readonly trigger: Trigger;
  readonly reason: string;
  /** SPIFFE ID of who asked. */
  readonly requestedBy: string;
}

export interface MassRevocationProgress extends OperationProgress {
  readonly operationId: string;
}

export interface MassRevocationResult extends MassRevocationProgress {
  /** Up to 100 ids the operation accepted that the provider has not confirmed (still revoking, or given up). */
  readonly unconfirmed: readonly string[];
}

export interface MassRevocationOptions {
  /** An operation whose replica stops extending its claim for this long is taken over (default 30 s). */
  readonly visibilityTimeoutMs?: number;
  /** Leases looked at per shard and step (default 2000; a store's scripts each take a few hundred of them). */
  readonly stepBudget?: number;
  /** Progress is reported at most this often (default 200 ms). */
  readonly progressIntervalMs?: number;
  /** How often a replica looks for operations left unfinished by another (default 2 s). */
  readonly resumeIntervalMs?: number;
}

export interface MassRevocationDeps {
  readonly store: LeaseStore;
  readonly revoker: Revoker;
  readonly clock: Clock;
  readonly log: Logger;
  /** This replica's name in operation claims. */
  readonly replicaId: string;
}

export interface RunOptions {
  /** How long to wait for the provider confirmations after selecting (0: do not wait). */
  readonly confirmTimeoutMs: number;
  readonly onProgress?: (p: MassRevocationProgress) => void;
  /** Ends the wait for confirmations early (the operation itself goes on). */
  readonly signal?: AbortSignal;
}

const DEFAULTS = { visibilityTimeoutMs: 30_000, stepBudget: 2000, progressIntervalMs: 200, resumeIntervalMs: 2000 };

/**
 * Revokes every lease a selection matches. The operation is recorded before it starts and each
 * shard's progress is saved with each page it accepts, so a replica that dies mid-selection loses
 * nothing: another replica takes the operation over when its claim lapses and carries on from the
 * last saved page. The accepted revocations themselves go through the durable queue.
 */
export class MassRevocation {
  readonly #d: MassRevocationDeps;
  readonly #o: typeof DEFAULTS;
  #timer: NodeJS.Timeout | undefined;
  #resuming: Promise<void> | undefined;
  #stopped = true;

  constructor(deps: MassRevocationDeps, options: MassRevocationOptions = {}) {
    this.#d = deps;
    this.#o = { ...DEFAULTS, ...options };
  }

  /** Starts looking for operations another replica left unfinished. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#scheduleResume();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#resuming;
  }

  /** Counts what the selection matches now, with a sample of ids; changes nothing. */
  async dryRun(selection: LeaseSelection, sampleSize: number): Promise<{ matched: number; sample: string[] }> {
    const upTo = this.#d.clock.now();
    let matched = 0;
    const sample: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#d.store.countSelection(selection, upTo, sampleSize, cursor);
      matched += page.matched;
      for (const id of page.sample) if (sample.length < sampleSize) sample.push(id);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return { matched, sample };
  }

  /** Records the operation, selects and accepts every match, then waits (a while) for the confirmations. */
  async run(request: MassRevocationRequest, options: RunOptions): Promise<MassRevocationResult> {
    const { store, clock } = this.#d;
    const now = clock.now();
    const operation: RevocationOperation = {
      id: newLeaseId(now),
      selection: request.selection,
      trigger: request.trigger,
      reason: request.reason,
      requestedBy: request.requestedBy,
      createdAt: now,
      upTo: now,
    };
    await store.createOperation(operation, this.#d.replicaId, now + this.#o.visibilityTimeoutMs);
    this.#d.log.info({ operation: operation.id, trigger: operation.trigger, requestedBy: operation.requestedBy }, 'mass revocation started');
    const report = this.#reporter(operation.id, options.onProgress);
    await this.#select(operation, report);

    const deadline = Date.now() + options.confirmTimeoutMs;
    let progress = await this.#progress(operation.id);
    while (!settled(progress) && Date.now() < deadline && options.signal?.aborted !== true) {
      await sleep(Math.min(this.#o.progressIntervalMs, Math.max(0, deadline - Date.now())));
      // A missed reading is only a missed progress report.
      progress = await this.#progress(operation.id).catch(() => progress);
      options.onProgress?.({ operationId: operation.id, ...progress });
    }
    const unconfirmed = settled(progress) && progress.failed === 0 ? [] : await store.operationUnconfirmed(operation.id, 100);
    return { operationId: operation.id, ...progress, unconfirmed };
  }

  /**
   * Steps through the selection to its end, keeping the claim alive; stops if another replica took
   * it over. Leases of providers whose revocation is local are revoked by the steps themselves; the
   * audit, metrics and task budgets hear of each part as it is done, while the rest runs, and the
   * next step waits until those of the step before it have been told.
   */
  async #select(operation: RevocationOperation, report: () => Promise<void>): Promise<void> {
    const { store, clock, revoker, replicaId, log } = this.#d;
    const localProviders = revoker.localProviders();
    let told: Promise<void> = Promise.resolve();
    const onRevoked = (revoked: readonly LocallyRevoked[]): void => {
      told = told.then(() => revoker.confirmedAtOnce(revoked));
    };
    let toldBefore: Promise<void> = Promise.resolve();
    let extendedAt = Date.now();
    try {
      for (;;) {
        // This replica attempts what it has room for at once; the rest is queued for any replica.
        const step = await this.#retrying(() => {
          const now = clock.now();
          return store.stepOperation(operation, this.#o.stepBudget, now, {
            claim: { until: now + this.#o.visibilityTimeoutMs, max: revoker.room },
            localProviders,
            onRevoked,
          });
        });
        revoker.adopt(step.claimed);
        revoker.nudge();
        await toldBefore;
        toldBefore = told;
        await report();
        if (step.done) break;
        if (Date.now() - extendedAt > this.#o.visibilityTimeoutMs / 3) {
          extendedAt = Date.now();
          if (!(await store.extendOperation(operation.id, replicaId, clock.now() + this.#o.visibilityTimeoutMs))) {
            log.warn({ operation: operation.id }, 'mass revocation was taken over by another replica');
            return;
          }
        }
      }
    } finally {
      await told;
    }
    await store.finishOperation(operation.id, clock.now());
    log.info({ operation: operation.id }, 'mass revocation selected every matching lease');
  }

  /**
   * Runs a step again while the store is briefly unavailable: a step is safe to repeat (its page
   * and cursor are saved together), and giving up would leave the operation to another replica.
   */
  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#o.visibilityTimeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await fn();
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ERR_STORE_UNAVAILABLE' || Date.now() + delay > deadline) throw err;
        this.#d.log.warn({ err: errorSummary(err) }, 'lease store unavailable during a mass revocation step; retrying');
        await sleep(delay);
      }
    }
  }

  #reporter(operationId: string, onProgress: ((p: MassRevocationProgress) => void) | undefined): () => Promise<void> {
    let last = 0;
    return async () => {
      if (onProgress === undefined || Date.now() - last < this.#o.progressIntervalMs) return;
      last = Date.now();
      onProgress({ operationId, ...(await this.#progress(operationId)) });
    };
  }

  async #progress(id: string): Promise<OperationProgress> {
    return (
      (await this.#d.store.operationProgress(id)) ?? { matched: 0, accepted: 0, alreadyRevoking: 0, confirmed: 0, failed: 0, selecting: false }
    );
  }

  #scheduleResume(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#resuming = this.#resume()
        .catch((err: unknown) => this.#d.log.warn({ err: errorSummary(err) }, 'could not look for unfinished mass revocations; will retry'))
        .finally(() => {
          this.#resuming = undefined;
          this.#scheduleResume();
        });
    }, this.#o.resumeIntervalMs);
  }

  async #resume(): Promise<void> {
    const { store, clock, replicaId, log } = this.#d;
    for (;;) {
      const now = clock.now();
      const operation = await store.claimOperation(replicaId, now, now + this.#o.visibilityTimeoutMs);
      if (operation === undefined || this.#stopped) return;
      log.warn({ operation: operation.id }, 'resuming a mass revocation its replica left unfinished');
      await this.#select(operation, async () => undefined);
    }
  }
}

function settled(p: OperationProgress): boolean {
  return !p.selecting && p.confirmed + p.failed >= p.accepted;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
