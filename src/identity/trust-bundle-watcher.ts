// Keeps the trust bundles current without a restart: bundle files are watched, and a changed file
// is parsed on its own first, so one malformed file keeps its previous content (and says why)
// while the others still update. A file that stays deleted for the grace period takes its trust
// domain with it: that is de-federation (SPIFFE Filesystem Delivery §3.3), and the caller hears
// which trust domains went.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { watchFiles, type FileWatch, type FileWatchOptions } from './file-watch.js';
import { quoteInput } from './identity-error.js';
import { TrustBundleError, TrustBundleSet, type TrustBundleFile, type TrustBundleText } from './trust-bundle.js';

export interface TrustBundleChange {
  readonly bundles: TrustBundleSet;
  readonly previous: TrustBundleSet;
  readonly added: readonly string[];
  /** trust domains no source names any more: their workloads are no longer trusted */
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

export interface TrustBundleWatcherHandlers {
  /** A new set is in force. Awaited: the next reload waits for it. */
  onChange(change: TrustBundleChange): Promise<void> | void;
  /** A file's new content was refused; its previous content stays in force. */
  onRejected(error: TrustBundleError): void;
  /** A file is gone; if it is still gone after the grace period its trust domain is removed. */
  onMissing?(file: string, trustDomain: string, graceMs: number): void;
  /** onChange threw; the new set is in force all the same. */
  onHandlerError?(error: unknown): void;
}

export interface TrustBundleWatcherOptions extends FileWatchOptions {
  /** how long a deleted file may stay deleted before its trust domain is removed; default max(2 × debounce, 1s) */
  readonly missingGraceMs?: number;
}

interface Entry {
  readonly file: TrustBundleFile & { readonly bundleFile: string };
  /** the content in force; undefined once the file's removal was confirmed */
  text: string | undefined;
  missingSince: number | undefined;
}

function textOf(entry: Entry, text: string): TrustBundleText {
  return { trustDomain: entry.file.trustDomain, format: entry.file.format ?? 'pem', text, origin: `file ${entry.file.bundleFile}` };
}

export class TrustBundleWatcher {
  #bundles: TrustBundleSet;
  readonly #entries: readonly Entry[];
  readonly #handlers: TrustBundleWatcherHandlers;
  readonly #graceMs: number;
  #watch: FileWatch | undefined;
  #queue: Promise<void> = Promise.resolve();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  private constructor(bundles: TrustBundleSet, entries: Entry[], handlers: TrustBundleWatcherHandlers, graceMs: number) {
    this.#bundles = bundles;
    this.#entries = entries;
    this.#handlers = handlers;
    this.#graceMs = graceMs;
  }

  /** Loads every file (any failure throws: a server must not start on a partial trust set), then watches them. */
  static async open(
    files: readonly TrustBundleFile[],
    options: TrustBundleWatcherOptions,
    handlers: TrustBundleWatcherHandlers,
  ): Promise<TrustBundleWatcher> {
    const bundles = await TrustBundleSet.fromFiles(files);
    const entries: Entry[] = await Promise.all(
      files.map(async (f) => {
        const file = { ...f, bundleFile: resolve(f.bundleFile) };
        return { file, text: await readFile(file.bundleFile, 'utf8'), missingSince: undefined };
      }),
    );
    const graceMs = options.missingGraceMs ?? Math.max(2 * options.debounceMs, 1000);
    const watcher = new TrustBundleWatcher(bundles, entries, handlers, graceMs);
    watcher.#watch = await watchFiles(
      entries.map((e) => e.file.bundleFile),
      options,
      () => watcher.reload(),
    );
    return watcher;
  }

  /** The set in force now. */
  get bundles(): TrustBundleSet {
    return this.#bundles;
  }

  /** Reads every file again and applies what changed. Reloads run one at a time, in order. */
  reload(): Promise<void> {
    const run = this.#queue.then(() => this.#reloadOnce());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.#closed = true;
    this.#watch?.close();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #confirmLater(): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.reload();
    }, this.#graceMs);
    timer.unref();
    this.#timers.add(timer);
  }

  async #reloadOnce(): Promise<void> {
    if (this.#closed) return;
    const now = Date.now();
    const next = new Map<Entry, string | undefined>();
    for (const entry of this.#entries) {
      const { bundleFile, trustDomain } = entry.file;
      let text: string;
      try {
        text = await readFile(bundleFile, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'read error';
        if (code !== 'ENOENT') {
          this.#handlers.onRejected(
            new TrustBundleError('file', `cannot read the trust bundle file ${bundleFile} for trust domain ${quoteInput(trustDomain)}: ${code}; keeping its previous content`, { cause: err }),
          );
          continue;
        }
        if (entry.text === undefined) continue;
        if (entry.missingSince === undefined) {
          entry.missingSince = now;
          this.#handlers.onMissing?.(bundleFile, trustDomain, this.#graceMs);
          this.#confirmLater();
        } else if (now - entry.missingSince >= this.#graceMs) {
          next.set(entry, undefined);
        }
        continue;
      }
      entry.missingSince = undefined;
      if (text === entry.text) continue;
      try {
        // Parsed alone first, so a bad file is blamed by name and cannot block its neighbours.
        TrustBundleSet.fromTexts([textOf(entry, text)]);
        next.set(entry, text);
      } catch (err) {
        if (!(err instanceof TrustBundleError)) throw err;
        this.#handlers.onRejected(err);
      }
    }
    if (next.size === 0) return;

    const texts = this.#entries.flatMap((e) => {
      const text = next.has(e) ? next.get(e) : e.text;
      return text === undefined ? [] : [textOf(e, text)];
    });
    const previous = this.#bundles;
    let bundles: TrustBundleSet;
    try {
      bundles = TrustBundleSet.fromTexts(texts, previous);
    } catch (err) {
      if (!(err instanceof TrustBundleError)) throw err;
      this.#handlers.onRejected(err);
      return;
    }
    for (const [entry, text] of next) entry.text = text;
    this.#bundles = bundles;

    const before = new Set(previous.trustDomains());
    const after = new Set(bundles.trustDomains());
    const touched = new Set([...next.keys()].map((e) => e.file.trustDomain));
    const change: TrustBundleChange = {
      bundles,
      previous,
      added: [...after].filter((td) => !before.has(td)),
      removed: [...before].filter((td) => !after.has(td)),
      changed: [...touched].filter((td) => before.has(td) && after.has(td)).sort(),
    };
    try {
      await this.#handlers.onChange(change);
    } catch (err) {
      this.#handlers.onHandlerError?.(err);
    }
  }
}
