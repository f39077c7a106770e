// Notices when files may have changed: fs.watch on each file's directory (which also sees atomic
// renames and Kubernetes' symlink swaps), plus a periodic stat for filesystems where fs.watch is
// silent. Either way the files are stat'ed and the callback runs only when what stat says changed.
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface FileWatchOptions {
  /** wait this long after the first event before looking, so a burst of writes is seen once */
  readonly debounceMs: number;
  /** stat every file this often even without events */
  readonly pollIntervalMs: number;
}

export interface FileWatch {
  /** Looks now, whatever the timers say. */
  check(): Promise<void>;
  close(): void;
}

/** What stat says about a file, as one comparable string; `missing` when it is not there. */
async function signature(file: string): Promise<string> {
  try {
    // stat follows symlinks, so a swapped link target shows as a new inode.
    const s = await stat(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : `error:${code ?? 'unknown'}`;
  }
}

/**
 * Calls `onChange` when any of `files` changes (content, replacement, appearance or removal). The
 * callback is never run twice at once; a change seen while it runs is looked at again afterwards.
 */
export async function watchFiles(files: readonly string[], options: FileWatchOptions, onChange: () => Promise<void> | void): Promise<FileWatch> {
  const paths = [...new Set(files.map((f) => resolve(f)))];
  const seen = new Map<string, string>();
  for (const path of paths) seen.set(path, await signature(path));

  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let pending: NodeJS.Timeout | undefined;

  const look = async (): Promise<void> => {
    let changed = false;
    for (const path of paths) {
      const now = await signature(path);
      if (now !== seen.get(path)) {
        seen.set(path, now);
        changed = true;
      }
    }
    if (changed && !closed) await onChange();
  };

  const check = async (): Promise<void> => {
    if (closed) return;
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await look();
        } while (again && !closed);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const schedule = (): void => {
    // The first event starts the wait; later ones ride along, so a busy directory cannot starve it.
    if (closed || pending !== undefined) return;
    pending = setTimeout(() => {
      pending = undefined;
      void check().catch(() => undefined);
    }, options.debounceMs);
    pending.unref();
  };

  const watchers: FSWatcher[] = [];
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    try {
      const watcher = watch(dir, { persistent: false }, schedule);
      // A watcher that fails (directory removed, too many watches) leaves the poll to do the work.
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // Same: the poll covers directories that cannot be watched.
    }
  }
  const poll = setInterval(() => void check().catch(() => undefined), options.pollIntervalMs);
  poll.unref();

  return {
    check,
    close() {
      closed = true;
      clearInterval(poll);
      if (pending !== undefined) clearTimeout(pending);
      for (const w of watchers) w.close();
    },
  };
}
