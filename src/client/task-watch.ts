import type { WarrantClientError } from './errors.js';
import type { LeaseEvent } from './lease-view.js';

export interface WatchStream {
  cancel(): void;
}

export interface TaskWatchDeps {
  /** Opens WatchLeases for the task on the current channels; onEnd is called once when it ends. */
  open(taskId: string, onEvent: (e: LeaseEvent) => void, onEnd: (err: WarrantClientError | undefined) => void): WatchStream;
  backoff(attempt: number): number;
  /** The last subscriber left. */
  onIdle(watch: TaskWatch): void;
  /** The stream broke and will be opened again after `retryInMs`. */
  onBroken(taskId: string, err: WarrantClientError | undefined, retryInMs: number): void;
}

export interface TaskSubscriber {
  onEvent(e: LeaseEvent): void;
  /** After the stream was opened again events may have been missed: look the leases up. */
  resync(): Promise<void>;
}

/** A stream that stayed up this long was healthy: the next break starts the backoff over. */
const HEALTHY_AFTER_MS = 10_000;

/**
 * One WatchLeases stream per task, shared by every credential of the task: a sidecar with ten
 * credentials keeps one stream open, not ten. It reopens with backoff when the stream breaks and
 * moves to new channels after an SVID rotation, asking subscribers to resync each time.
 */
export class TaskWatch {
  readonly taskId: string;
  readonly #deps: TaskWatchDeps;
  readonly #subs = new Set<TaskSubscriber>();
  #stream: WatchStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #openedAt = 0;
  #closed = false;

  constructor(taskId: string, deps: TaskWatchDeps) {
    this.taskId = taskId;
    this.#deps = deps;
  }

  get subscribers(): number {
    return this.#subs.size;
  }

  add(sub: TaskSubscriber): () => void {
    this.#subs.add(sub);
    if (this.#stream === undefined && this.#timer === undefined && !this.#closed) void this.#open(false);
    return () => {
      this.#subs.delete(sub);
      if (this.#subs.size === 0) this.close();
    };
  }

  /** Hands an event to every subscriber (also used for what CompleteTask returned). */
  deliver(e: LeaseEvent): void {
    for (const s of [...this.#subs]) {
      try {
        s.onEvent(e);
      } catch {
        // One subscriber's fault must not stop delivery to the others.
      }
    }
  }

  /** Moves the stream to the current channels: the new stream opens before the old one is cancelled. */
  reopen(): void {
    if (this.#closed || this.#stream === undefined) return;
    const old = this.#stream;
    void this.#open(true).then(() => old.cancel());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const s = this.#stream;
    this.#stream = undefined;
    s?.cancel();
    this.#deps.onIdle(this);
  }

  async #open(resync: boolean): Promise<void> {
    const stream: WatchStream = this.#deps.open(
      this.taskId,
      (e) => this.deliver(e),
      (err) => this.#ended(stream, err),
    );
    this.#stream = stream;
    this.#openedAt = Date.now();
    if (resync) await Promise.allSettled([...this.#subs].map((s) => s.resync()));
  }

  #ended(stream: WatchStream, err: WarrantClientError | undefined): void {
    if (this.#closed || stream !== this.#stream) return;
    this.#stream = undefined;
    if (Date.now() - this.#openedAt > HEALTHY_AFTER_MS) this.#attempt = 0;
    this.#attempt++;
    const wait = this.#deps.backoff(this.#attempt);
    this.#deps.onBroken(this.taskId, err, wait);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) void this.#open(true);
    }, wait);
  }
}
