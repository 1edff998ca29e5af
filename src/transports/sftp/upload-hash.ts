/**
 * The sha256 of an upload, fed its in-order WRITEs as they arrive. A small upload is kept (copied) and
 * hashed at its close, a few microseconds; past `OFF_THREAD_FROM` bytes the hashing moves to a thread of its own, shared
 * by the server's uploads: on a 1 GiB upload it cost the SFTP thread ~0.65 s of its ~4 s
 * (docs/bench.md, SFTP rows), and that thread is what limits the upload's rate. The WRITEs of one
 * event-loop turn cross as one copied buffer, handed over without a second copy.
 */
import { createHash } from 'node:crypto';
import { extname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startThread } from '../thread-loader';

/** Below this, hashing in place costs less than a message to the hashing thread would. */
const OFF_THREAD_FROM = 256 * 1024;

export type ToHasher =
  { type: 'update'; id: number; data: Uint8Array } | { type: 'digest'; id: number } | { type: 'drop'; id: number };

/** The hashing thread, started at the first large upload and stopped with the server. */
export class Hasher {
  private worker: Worker | undefined;
  /** Counts the threads started: a hash whose thread is gone cannot be finished on another. */
  private generation = 0;
  private closed = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(sha256: string): void; reject(err: Error): void }>();

  /** A new upload's hash. */
  start(): UploadHash {
    return new UploadHash(this);
  }

  /** Stops the thread; digests still awaited fail, and their uploads are read back by intake instead. */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  /** @internal A new id on the running thread: `[id, generation]`. */
  id(): [number, number] {
    this.thread();
    return [this.nextId++, this.generation];
  }

  /** @internal Posts to the thread of `generation`; false when that thread is gone. */
  post(generation: number, m: ToHasher, transfer?: ArrayBuffer[]): boolean {
    if (this.closed || generation !== this.generation || !this.worker) return false;
    this.worker.postMessage(m, transfer);
    return true;
  }

  /** @internal */
  digest(id: number, generation: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (!this.post(generation, { type: 'digest', id })) {
        this.waiting.delete(id);
        reject(new Error('the hashing thread that had this upload is gone'));
      }
    });
  }

  private thread(): Worker | undefined {
    if (this.worker || this.closed) return this.worker;
    this.generation++;
    const w = startThread(join(__dirname, `hash-thread-entry${extname(__filename)}`));
    w.unref();
    w.on('message', (m: { id: number; sha256?: string }) => {
      const p = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.sha256) p?.resolve(m.sha256);
      else p?.reject(new Error('the hashing thread had no bytes of this upload'));
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.waiting.values()) p.reject(err);
      this.waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the hashing thread exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}

export class UploadHash {
  /** Copies of the bytes so far, while there are at most OFF_THREAD_FROM of them (then undefined). */
  private copies: Buffer[] | undefined = [];
  /** Set once the hashing moved to the hashing thread: its id there, and that thread's generation. */
  private remote: [id: number, generation: number] | undefined;
  /** This turn's WRITEs, not yet sent to the hashing thread. */
  private pending: Buffer[] = [];
  private flushing = false;
  private size = 0;

  constructor(private readonly hasher: Hasher) {}

  /** The next bytes in order. `data` must stay unchanged until the end of this event-loop turn. */
  update(data: Buffer): void {
    this.size += data.length;
    if (this.copies && this.size <= OFF_THREAD_FROM) {
      // A copy: `data` is a view into the socket read ssh2 decrypted in place, which it would pin.
      this.copies.push(Buffer.from(data));
      return;
    }
    if (this.remote === undefined) {
      this.remote = this.hasher.id();
      this.pending.push(...(this.copies ?? []));
      this.copies = undefined;
    }
    this.pending.push(data);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  /** The bytes so far, while they are few (OFF_THREAD_FROM at most): a small upload kept whole. */
  get kept(): readonly Buffer[] | undefined {
    return this.copies;
  }

  /** The hex sha256 of every byte given to update(). */
  digest(): Promise<string> {
    if (this.copies) {
      const h = createHash('sha256');
      for (const c of this.copies) h.update(c);
      return Promise.resolve(h.digest('hex'));
    }
    if (!this.remote) return Promise.reject(new Error('this upload hash was dropped'));
    this.flush();
    return this.hasher.digest(...this.remote);
  }

  /** The upload will not be digested (written out of order, failed, cut off). */
  drop(): void {
    this.copies = undefined;
    this.pending = [];
    if (this.remote) this.hasher.post(this.remote[1], { type: 'drop', id: this.remote[0] });
    this.remote = undefined;
  }

  private flush(): void {
    this.flushing = false;
    if (this.pending.length === 0 || this.remote === undefined) return;
    // One copy, into a buffer of its own, which then crosses without another.
    const all = Buffer.concat(this.pending);
    this.pending = [];
    const whole = all.byteOffset === 0 && all.byteLength === all.buffer.byteLength;
    const [id, generation] = this.remote;
    this.hasher.post(generation, { type: 'update', id, data: all }, whole ? [all.buffer as ArrayBuffer] : undefined);
  }
}
