// Keeps one policy version in force and replaces it, atomically, when the directory changes or an
// operator asks (SIGHUP). A new version that does not load leaves the one in force untouched.
import type { PolicyEngineOptions } from './decision.js';
import { watchPolicyDir, type DirWatch } from './dir-watch.js';
import { PolicyEngine } from './engine.js';
import { PolicyLoadError } from './load-error.js';

export interface PolicyReloaderOptions extends PolicyEngineOptions {
  /** Watch the directory and reload on change (default true). Reloads on request work either way. */
  readonly watch?: boolean;
  /** Wait this long after a change before loading, so a burst of writes loads once (default 250 ms). */
  readonly debounceMs?: number;
  /** Look at the directory this often even without change events (default 10 s). */
  readonly pollIntervalMs?: number;
  /** Told about every reload attempt and its outcome. */
  readonly onReload?: (result: ReloadResult) => void;
}

export type ReloadTrigger = 'file' | 'signal' | 'request';

export type ReloadResult =
  | { readonly outcome: 'reloaded'; readonly trigger: ReloadTrigger; readonly from: string; readonly to: string; readonly policies: number; readonly warnings: readonly string[] }
  /** The directory holds the version already in force; its decision cache is kept. */
  | { readonly outcome: 'unchanged'; readonly trigger: ReloadTrigger; readonly version: string }
  /** The new files do not load; `version` stays in force. `error` is `file:line:column: message`. */
  | { readonly outcome: 'rejected'; readonly trigger: ReloadTrigger; readonly version: string; readonly error: string };

export class PolicyReloader {
  readonly dir: string;
  #current: PolicyEngine;
  readonly #options: PolicyReloaderOptions;
  #watch: DirWatch | undefined;
  /** Reloads run one at a time, in the order asked. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(dir: string, first: PolicyEngine, options: PolicyReloaderOptions) {
    this.dir = dir;
    this.#current = first;
    this.#options = options;
  }

  /** Loads the directory (a set that does not load throws PolicyLoadError: start-up stops) and starts watching it. */
  static async open(dir: string, options: PolicyReloaderOptions = {}): Promise<PolicyReloader> {
    const first = await PolicyEngine.loadDir(dir, engineOptions(options));
    const reloader = new PolicyReloader(dir, first, options);
    if (options.watch ?? true) {
      reloader.#watch = await watchPolicyDir(
        dir,
        { debounceMs: options.debounceMs ?? 250, pollIntervalMs: options.pollIntervalMs ?? 10_000 },
        async () => {
          await reloader.reload('file');
        },
      );
    }
    return reloader;
  }

  /** The version in force. A caller that took it finishes its decision on it even if a reload swaps it meanwhile. */
  get current(): PolicyEngine {
    return this.#current;
  }

  /** The version in force, as a function: what the service takes. */
  readonly engine = (): PolicyEngine => this.#current;

  /** Loads the directory again and puts the new version in force if it loads. */
  reload(trigger: ReloadTrigger = 'request'): Promise<ReloadResult> {
    const run = this.#queue.then(() => this.#load(trigger));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.#closed = true;
    this.#watch?.close();
  }

  async #load(trigger: ReloadTrigger): Promise<ReloadResult> {
    const from = this.#current;
    let result: ReloadResult;
    try {
      const next = await PolicyEngine.loadDir(this.dir, engineOptions(this.#options));
      if (next.version === from.version) {
        result = { outcome: 'unchanged', trigger, version: from.version };
      } else if (this.#closed) {
        result = { outcome: 'unchanged', trigger, version: from.version };
      } else {
        this.#current = next;
        result = { outcome: 'reloaded', trigger, from: from.version, to: next.version, policies: next.policyCount, warnings: next.warnings };
      }
    } catch (err) {
      const error = err instanceof PolicyLoadError ? err.toString() : `${this.dir}: ${(err as Error).message}`;
      result = { outcome: 'rejected', trigger, version: from.version, error };
    }
    this.#options.onReload?.(result);
    return result;
  }
}

function engineOptions(options: PolicyReloaderOptions): PolicyEngineOptions {
  return {
    ...(options.groups === undefined ? {} : { groups: options.groups }),
    ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
  };
}
