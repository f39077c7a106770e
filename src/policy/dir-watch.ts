// Notices when a policy directory may have changed: fs.watch on the directory (which also sees
// editors' atomic renames and Kubernetes' ..data symlink swaps) plus a periodic look for filesystems
// where fs.watch is silent. Either way the callback runs only when what stat says has changed.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface DirWatchOptions {
  /** Wait this long after the first event before looking, so a burst of writes is seen once. */
  readonly debounceMs: number;
  /** Look this often even without events. */
  readonly pollIntervalMs: number;
}

export interface DirWatch {
  close(): void;
}

const RELEVANT = /(\.cedar|^schema\.cedarschema)$/;

/** What stat says about every policy file and the schema, as one comparable string. */
export async function dirSignature(dir: string): Promise<string> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => RELEVANT.test(n) && !n.startsWith('.')).sort();
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
  const parts: string[] = [];
  for (const name of names) {
    try {
      // stat follows symlinks, so a swapped link target shows as a new inode.
      const s = await stat(join(dir, name), { bigint: true });
      parts.push(`${name}:${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`);
    } catch (err) {
      parts.push(`${name}:${(err as NodeJS.ErrnoException).code ?? 'unknown'}`);
    }
  }
  return parts.join('\n');
}

/**
 * Calls `onChange` when a policy file or the schema in `dir` appears, changes or goes. The callback
 * never runs twice at once; a change seen while it runs is looked at again afterwards.
 */
export async function watchPolicyDir(dir: string, options: DirWatchOptions, onChange: () => Promise<void>): Promise<DirWatch> {
  let seen = await dirSignature(dir);
  let closed = false;
  let running = false;
  let again = false;
  let pending: NodeJS.Timeout | undefined;

  const look = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const now = await dirSignature(dir);
        if (now !== seen && !closed) {
          seen = now;
          await onChange().catch(() => undefined);
        }
      } while (again && !closed);
    } finally {
      running = false;
    }
  };

  const soon = (): void => {
    if (closed || pending !== undefined) return;
    pending = setTimeout(() => {
      pending = undefined;
      void look();
    }, options.debounceMs);
    pending.unref();
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, soon);
    // A watcher that fails later (the directory went away) leaves the poll to notice what follows.
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined;
  }
  const poll = setInterval(() => void look(), options.pollIntervalMs);
  poll.unref();

  return {
    close: () => {
      closed = true;
      if (pending !== undefined) clearTimeout(pending);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
