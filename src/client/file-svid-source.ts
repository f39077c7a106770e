import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { X509SvidMaterialError, checkX509SvidMaterial } from '../identity/index.js';
import { WarrantClientError } from './errors.js';
import type { SvidSource, X509Material } from './svid-source.js';

export interface SvidFiles {
  /** PEM: the X.509-SVID, leaf first, then intermediates. */
  readonly svidFile: string;
  readonly svidKeyFile: string;
  /** PEM: the authorities that vouch for the warrant server. */
  readonly bundleFile: string;
  /** How often the files are read again in case a change notification was missed (default 5s). */
  readonly pollIntervalMs?: number;
}

/** Material files that are missing, unreadable, or do not fit together. */
export class SvidSourceError extends WarrantClientError {
  constructor(message: string) {
    super(message, 14, 'ERR_SVID_UNAVAILABLE', undefined);
  }
}

const DEBOUNCE_MS = 50;

function digest(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** Checks that the three files fit together; the error names the files, never their content. */
export function checkMaterial(m: X509Material, files: Pick<SvidFiles, 'svidFile' | 'svidKeyFile' | 'bundleFile'>): X509Material {
  try {
    checkX509SvidMaterial(m.svidPem, m.svidKeyPem, Date.now());
  } catch (err) {
    if (!(err instanceof X509SvidMaterialError)) throw err;
    const where = err.rule === 'key' ? files.svidKeyFile : err.rule === 'key-mismatch' ? `${files.svidFile} and ${files.svidKeyFile}` : files.svidFile;
    throw new SvidSourceError(`${where}: ${err.message}`);
  }
  try {
    new X509Certificate(m.bundlePem);
  } catch {
    throw new SvidSourceError(`${files.bundleFile} does not hold a PEM certificate`);
  }
  return m;
}

/**
 * SVID, key and bundle from files that another process (spiffe-helper, a SPIRE agent sidecar, a
 * Kubernetes secret volume) replaces as they rotate. It watches their folders, since an atomic
 * replace gives the file a new inode, and also reads them again every `pollIntervalMs`. A half-done
 * rotation (new certificate, old key) is reported through onError and ignored until it completes.
 */
export class FileSvidSource implements SvidSource {
  readonly #files: SvidFiles;
  #material: X509Material;
  #seen: string;
  #timer: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #checking = false;
  #again = false;
  #closed = false;
  readonly #watchers: FSWatcher[] = [];
  readonly #changeListeners = new Set<(m: X509Material) => void>();
  readonly #errorListeners = new Set<(err: Error) => void>();

  /** Reads the files now; throws SvidSourceError when they cannot be used. */
  constructor(files: SvidFiles) {
    this.#files = { ...files, svidFile: resolve(files.svidFile), svidKeyFile: resolve(files.svidKeyFile), bundleFile: resolve(files.bundleFile) };
    const read = (file: string) => {
      try {
        return readFileSync(file, 'utf8');
      } catch (err) {
        throw new SvidSourceError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    };
    const raw = [read(this.#files.svidFile), read(this.#files.svidKeyFile), read(this.#files.bundleFile)] as const;
    this.#material = checkMaterial({ svidPem: raw[0], svidKeyPem: raw[1], bundlePem: raw[2] }, this.#files);
    this.#seen = digest(raw);
    const names = new Set([this.#files.svidFile, this.#files.svidKeyFile, this.#files.bundleFile].map((f) => basename(f)));
    for (const dir of new Set([this.#files.svidFile, this.#files.svidKeyFile, this.#files.bundleFile].map((f) => dirname(f)))) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          // Kubernetes volumes swap a `..data` symlink, so any name may announce a change.
          if (name === null || names.has(name) || name.startsWith('..')) this.#schedule();
        });
        w.on('error', () => undefined);
        this.#watchers.push(w);
      } catch {
        // Polling still notices changes.
      }
    }
    this.#poll = setInterval(() => this.#schedule(), files.pollIntervalMs ?? 5000);
    this.#poll.unref();
  }

  material(): Promise<X509Material> {
    return Promise.resolve(this.#material);
  }

  /** The material in use now. */
  current(): X509Material {
    return this.#material;
  }

  onChange(listener: (m: X509Material) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  onError(listener: (err: Error) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Reads the files again now (a watcher or the poll timer does it on its own). */
  async check(): Promise<void> {
    if (this.#closed) return;
    if (this.#checking) {
      this.#again = true;
      return;
    }
    this.#checking = true;
    try {
      do {
        this.#again = false;
        await this.#checkOnce();
      } while (this.#again && !this.#closed);
    } finally {
      this.#checking = false;
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#poll !== undefined) clearInterval(this.#poll);
    for (const w of this.#watchers) w.close();
    this.#watchers.length = 0;
    this.#changeListeners.clear();
    this.#errorListeners.clear();
  }

  #schedule(): void {
    if (this.#closed) return;
    // Writers replace the three files one after another: wait for the burst to end.
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.check();
    }, DEBOUNCE_MS);
    this.#timer.unref();
  }

  async #checkOnce(): Promise<void> {
    let raw: [string, string, string];
    try {
      raw = await Promise.all([readFile(this.#files.svidFile, 'utf8'), readFile(this.#files.svidKeyFile, 'utf8'), readFile(this.#files.bundleFile, 'utf8')]);
    } catch (err) {
      // Between an unlink and a rename a file may be missing for a moment; the next event retries.
      const e = err as NodeJS.ErrnoException;
      const seen = `missing:${e.path ?? ''}:${e.code ?? ''}`;
      if (seen !== this.#seen) {
        this.#seen = seen;
        this.#emitError(new SvidSourceError(`cannot read ${e.path ?? 'an SVID file'}: ${e.code ?? 'error'}`));
      }
      return;
    }
    const seen = digest(raw);
    if (seen === this.#seen || this.#closed) return;
    this.#seen = seen;
    let material: X509Material;
    try {
      material = checkMaterial({ svidPem: raw[0], svidKeyPem: raw[1], bundlePem: raw[2] }, this.#files);
    } catch (err) {
      this.#emitError(err as Error);
      return;
    }
    if (material.svidPem === this.#material.svidPem && material.svidKeyPem === this.#material.svidKeyPem && material.bundlePem === this.#material.bundlePem) return;
    this.#material = material;
    for (const l of this.#changeListeners) l(material);
  }

  #emitError(err: Error): void {
    for (const l of this.#errorListeners) l(err);
  }
}
