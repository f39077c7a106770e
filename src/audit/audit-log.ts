import { createHmac, randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sha256Hex } from '../core/index.js';

/** What happened, to whom, under which decision. Never a secret: secrets appear only as HMACs. */
export interface AuditEvent {
  readonly type: 'decision' | 'issue' | 'renew' | 'revoke' | 'complete' | 'reap' | 'admin' | 'task' | 'approval';
  readonly [field: string]: unknown;
}

export interface AuditRecord extends AuditEvent {
  readonly seq: number;
  readonly ts: string;
  /** Hash of the previous record ("" for the first); altering or removing a line breaks the chain. */
  readonly prev: string;
  readonly hash: string;
}

export interface AuditLog {
  append(event: AuditEvent): void;
  /** append() for many events, in order: one timestamp and one write for all of them (bulk operations). */
  appendMany(events: readonly AuditEvent[]): void;
  /** HMAC-SHA256 of a secret under the audit key: lets an investigator match a leaked secret to its lease. */
  digestSecret(secret: string): string;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Fields a record's envelope writes; an event naming one of them is copied into the envelope instead. */
const RESERVED = ['seq', 'ts', 'prev', 'hash'];

export function chainHash(prev: string, body: string): string {
  return sha256Hex(`${prev}\n${body}`);
}

async function lastRecord(file: string): Promise<{ seq: number; hash: string } | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return undefined;
    const len = Math.min(size, 1 << 20);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const lines = buf.toString('utf8').trimEnd().split('\n');
    const last = lines[lines.length - 1];
    if (last === undefined) return undefined;
    const rec = JSON.parse(last) as { seq?: unknown; hash?: unknown };
    if (typeof rec.seq !== 'number' || typeof rec.hash !== 'string') throw new Error('last line has no seq/hash');
    return { seq: rec.seq, hash: rec.hash };
  } finally {
    await fh.close();
  }
}

/** Loads the HMAC key, creating a random one (mode 0600) on first use. */
export async function loadOrCreateHmacKey(file: string): Promise<Buffer> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    const key = Buffer.from(text, 'base64url');
    if (key.length < 32) throw new Error(`audit HMAC key in ${file} is shorter than 32 bytes`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(file), { recursive: true });
  const key = randomBytes(32);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, key.toString('base64url') + '\n', { mode: 0o600 });
  await rename(tmp, file);
  return key;
}

/**
 * Append-only, hash-chained JSON lines file. Lines appended while the event loop runs what is
 * ready now go to the file in one write; flush() waits for the OS.
 */
export class FileAuditLog implements AuditLog {
  readonly #stream: WriteStream;
  readonly #key: Buffer;
  #seq: number;
  #prev: string;
  #failed: Error | undefined;
  readonly #onError: (err: Error) => void;
  /** Lines not yet handed to the stream, and whether a write of them is scheduled. */
  #pending = '';
  #scheduled = false;
  /** The timestamp of the current millisecond, computed once for every record within it. */
  #tsAt = 0;
  #ts = '';

  private constructor(stream: WriteStream, key: Buffer, seq: number, prev: string, onError: (err: Error) => void) {
    this.#stream = stream;
    this.#key = key;
    this.#seq = seq;
    this.#prev = prev;
    this.#onError = onError;
    stream.on('error', (err) => {
      this.#failed = err;
      this.#onError(err);
    });
  }

  static async open(file: string, hmacKey: Buffer, onError: (err: Error) => void = () => {}): Promise<FileAuditLog> {
    await mkdir(dirname(file), { recursive: true });
    const last = await lastRecord(file);
    const stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return new FileAuditLog(stream, hmacKey, last?.seq ?? 0, last?.hash ?? '', onError);
  }

  append(event: AuditEvent): void {
    if (this.#failed !== undefined) {
      this.#onError(this.#failed);
      return;
    }
    this.#queue(this.#line(event, this.#now()));
  }

  appendMany(events: readonly AuditEvent[]): void {
    if (events.length === 0) return;
    if (this.#failed !== undefined) {
      this.#onError(this.#failed);
      return;
    }
    const ts = this.#now();
    let lines = '';
    for (const event of events) lines += this.#line(event, ts);
    this.#queue(lines);
  }

  #now(): string {
    const now = Date.now();
    if (now !== this.#tsAt) {
      this.#tsAt = now;
      this.#ts = new Date(now).toISOString();
    }
    return this.#ts;
  }

  #queue(lines: string): void {
    this.#pending += lines;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#write());
    }
  }

  #write(): void {
    this.#scheduled = false;
    if (this.#pending === '') return;
    const lines = this.#pending;
    this.#pending = '';
    this.#stream.write(lines);
  }

  /** The next record's line, chained to the previous one. */
  #line(event: AuditEvent, ts: string): string {
    const seq = ++this.#seq;
    // The same text as stringifying {seq, ts, ...event, prev}, without copying the event first;
    // `open` is the record without its closing brace, which the hash then closes.
    const fields = RESERVED.some((k) => k in event) ? undefined : JSON.stringify(event);
    const open =
      fields === undefined
        ? JSON.stringify({ seq, ts, ...event, prev: this.#prev }).slice(0, -1)
        : `{"seq":${seq},"ts":"${ts}",${fields.length > 2 ? `${fields.slice(1, -1)},` : ''}"prev":"${this.#prev}"`;
    const hash = chainHash(this.#prev, `${open}}`);
    this.#prev = hash;
    return `${open},"hash":"${hash}"}\n`;
  }

  digestSecret(secret: string): string {
    return createHmac('sha256', this.#key).update(secret).digest('base64url');
  }

  flush(): Promise<void> {
    this.#write();
    return new Promise((resolve) => {
      // 'drain' fires only after a write found the buffer full; an empty write's callback runs once every write before it is out.
      if (this.#stream.writableLength === 0) resolve();
      else this.#stream.write('', () => resolve());
    });
  }

  async close(): Promise<void> {
    this.#write();
    await new Promise<void>((resolve) => this.#stream.end(() => resolve()));
  }
}

export interface ChainCheck {
  readonly ok: boolean;
  readonly records: number;
  /** 1-based line of the first break. */
  readonly brokenAt?: number;
  readonly problem?: string;
}

/** Recomputes the chain over a file's lines. */
export function verifyChain(text: string): ChainCheck {
  const lines = text.split('\n').filter((l) => l.length > 0);
  let prev = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { ok: false, records: i, brokenAt: i + 1, problem: 'not JSON' };
    }
    const hash = rec['hash'];
    if (rec['prev'] !== prev && !(i === 0 && typeof rec['prev'] === 'string')) {
      return { ok: false, records: i, brokenAt: i + 1, problem: 'prev does not match the previous record' };
    }
    const cut = line.lastIndexOf(',"hash":"');
    const body = line.slice(0, cut) + '}';
    if (typeof hash !== 'string' || chainHash(String(rec['prev']), body) !== hash) {
      return { ok: false, records: i, brokenAt: i + 1, problem: 'hash does not match the record' };
    }
    prev = hash;
  }
  return { ok: true, records: lines.length };
}
