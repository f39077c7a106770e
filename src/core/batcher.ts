// Collects single requests made at about the same moment into one call (one script per shard
// instead of one per lease, one per request): a request waits at most `maxDelayMs` (or until the
// event loop has run what is ready now, when 0), or until `maxSize` requests have gathered.

export class Batcher<T, R> {
  readonly #run: (items: T[]) => Promise<R[]>;
  readonly #maxSize: number;
  readonly #maxDelayMs: number;
  #items: T[] = [];
  #waiters: { resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  #scheduled = false;

  /** `run` must return one result per item, in order. */
  constructor(run: (items: T[]) => Promise<R[]>, maxSize: number, maxDelayMs = 0) {
    this.#run = run;
    this.#maxSize = maxSize;
    this.#maxDelayMs = maxDelayMs;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#items.push(item);
      this.#waiters.push({ resolve, reject });
      if (this.#items.length >= this.#maxSize) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        if (this.#maxDelayMs === 0) setImmediate(() => this.#flush());
        else setTimeout(() => this.#flush(), this.#maxDelayMs);
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#items.length === 0) return;
    const items = this.#items;
    const waiters = this.#waiters;
    this.#items = [];
    this.#waiters = [];
    let running: Promise<R[]>;
    try {
      running = this.#run(items);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (results) => waiters.forEach((w, i) => w.resolve(results[i]!)),
      (err: unknown) => waiters.forEach((w) => w.reject(err)),
    );
  }
}
