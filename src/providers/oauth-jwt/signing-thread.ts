import { sign, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Batcher } from '../../core/index.js';

/**
 * The worker's program: ES256 signatures of the signing inputs it is sent, as base64url of the
 * fixed 64-byte r||s that JWS requires (RFC 7518 §3.4). The key arrives once, as workerData (a
 * KeyObject is cloned into the thread; it never leaves the process). Inputs and signatures travel
 * as one text each, one per line (neither holds a line break): one string costs less to pass
 * between threads than many.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { sign } = require('node:crypto');
const key = workerData.key;
parentPort.on('message', (m) => {
  try {
    const signatures = m.inputs.split('\\n').map((input) => sign('sha256', Buffer.from(input, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url'));
    parentPort.postMessage({ batch: m.batch, signatures: signatures.join('\\n') });
  } catch (err) {
    parentPort.postMessage({ batch: m.batch, error: String((err && err.message) || err) });
  }
});
`;

export interface SigningThreadOptions {
  /** While no batch is at the worker, a batch smaller than this is signed here (default 2): one token alone is not worth a thread hop. */
  readonly minBatch?: number;
  /** Signatures per message to the worker, at most (default 16): the first results come back while the worker signs the rest. */
  readonly maxBatch?: number;
  /** After this many worker failures every signature is made on the calling thread (default 3). */
  readonly maxFailures?: number;
  /** No worker at all: every signature on the calling thread (default: only with one CPU). */
  readonly inline?: boolean;
  /** The worker's program; a test passes one that fails. */
  readonly workerSource?: string;
}

interface Reply {
  readonly batch: number;
  /** One per line, in the order of the inputs. */
  readonly signatures?: string;
  readonly error?: string;
}

interface InFlight {
  readonly inputs: readonly string[];
  readonly resolve: (signatures: string[]) => void;
  readonly reject: (err: Error) => void;
}

/**
 * The ES256 signature of a compact JWS signing input, base64url, made on the calling thread. The
 * worker's program makes the same call in its own text: a function's source cannot be lent to it,
 * since how this module is compiled or transformed changes what that source names.
 */
function signEs256(key: KeyObject, signingInput: string): string {
  return sign('sha256', Buffer.from(signingInput, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

/**
 * ES256 signatures made on a worker thread when requests come together: signing is the largest
 * single cost of an issue (tens of microseconds each), and on the event loop it delays every other
 * call. Signatures requested in one turn of the event loop go to the worker together (`maxBatch`
 * a message); a lone request while the worker is idle is signed at once, here. A worker that fails
 * or exits hands its batches back to be signed here, and the next batch starts a new one; after
 * `maxFailures` the thread is given up and everything is signed here. Same key, same bytes either
 * way.
 */
export class SigningThread {
  readonly #key: KeyObject;
  readonly #minBatch: number;
  readonly #maxFailures: number;
  readonly #inline: boolean;
  readonly #source: string;
  readonly #batcher: Batcher<string, string>;
  #worker: Worker | undefined;
  readonly #inFlight = new Map<number, InFlight>();
  #nextBatch = 0;
  #failures = 0;
  #closed = false;

  constructor(key: KeyObject, options: SigningThreadOptions = {}) {
    this.#key = key;
    this.#minBatch = options.minBatch ?? 2;
    this.#maxFailures = options.maxFailures ?? 3;
    this.#inline = options.inline ?? availableParallelism() < 2;
    this.#source = options.workerSource ?? WORKER_SOURCE;
    this.#batcher = new Batcher((inputs) => this.#signBatch(inputs), options.maxBatch ?? 16);
  }

  /** The base64url ES256 signature of `signingInput` (ASCII: a JWS header and payload). */
  sign(signingInput: string): Promise<string> {
    // Batches travel one input a line (a JWS signing input is base64url and dots).
    if (signingInput.includes('\n')) return Promise.reject(new Error('a signing input holds no line break'));
    return this.#batcher.add(signingInput);
  }

  /** Whether a worker thread is running now (it starts with the first batch that needs it). */
  get threaded(): boolean {
    return this.#worker !== undefined;
  }

  /** Stops the worker; signatures it still owed are made here. Later requests are signed here. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#detach(worker);
    await worker.terminate();
  }

  #signBatch(inputs: string[]): Promise<string[]> {
    const worker = inputs.length < this.#minBatch && this.#inFlight.size === 0 ? undefined : this.#workerForBatch();
    if (worker === undefined) return Promise.resolve(this.#signHere(inputs));
    const batch = ++this.#nextBatch;
    return new Promise<string[]>((resolve, reject) => {
      this.#inFlight.set(batch, { inputs, resolve, reject });
      worker.postMessage({ batch, inputs: inputs.join('\n') });
    });
  }

  #signHere(inputs: readonly string[]): string[] {
    return inputs.map((input) => signEs256(this.#key, input));
  }

  #workerForBatch(): Worker | undefined {
    if (this.#worker !== undefined) return this.#worker;
    if (this.#inline || this.#closed || this.#failures >= this.#maxFailures) return undefined;
    let worker: Worker;
    try {
      worker = new Worker(this.#source, { eval: true, workerData: { key: this.#key } });
    } catch {
      this.#failures++;
      return undefined;
    }
    // The thread never keeps the process alive; close() stops it.
    worker.unref();
    worker.on('message', (reply: Reply) => this.#answer(reply));
    const failed = () => {
      if (this.#worker !== worker) return;
      this.#failures++;
      this.#detach(worker);
      void worker.terminate();
    };
    worker.on('error', failed);
    worker.on('messageerror', failed);
    worker.on('exit', failed);
    this.#worker = worker;
    return worker;
  }

  #answer(reply: Reply): void {
    const waiting = this.#inFlight.get(reply.batch);
    if (waiting === undefined) return;
    this.#inFlight.delete(reply.batch);
    const signatures = reply.signatures?.split('\n');
    if (signatures !== undefined && signatures.length === waiting.inputs.length) waiting.resolve(signatures);
    else waiting.reject(new Error(`the signing thread could not sign: ${reply.error ?? 'a reply of the wrong length'}`));
  }

  /** Forgets the worker; whatever it still owed is signed here. */
  #detach(worker: Worker): void {
    if (this.#worker === worker) this.#worker = undefined;
    const owed = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const waiting of owed) {
      try {
        waiting.resolve(this.#signHere(waiting.inputs));
      } catch (err) {
        waiting.reject(err as Error);
      }
    }
  }
}
