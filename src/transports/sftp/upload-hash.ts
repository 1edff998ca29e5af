/**
 * The sha256 of an upload, fed its in-order WRITEs as they arrive. A small upload is kept (copied) and
 * hashed at its close, a few microseconds. Past `OFF_THREAD_FROM` bytes the hashing moves to a thread
 * of its own, shared by the server's uploads: on a 1 GiB upload it cost the SFTP thread ~0.65 s of its
 * ~3-4 s (docs/bench.md, SFTP rows), and that thread is what limits the upload's rate. The bytes do not
 * cross (a copy of each turn's WRITEs cost the SFTP thread about what the hashing saved): once a
 * turn's WRITEs are on disk, the hashing thread is told their range and reads them back from the page
 * cache through the upload's own descriptor, which stays open until the digest is given.
 */
import { createHash } from 'node:crypto';
import { extname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startThread } from '../thread-loader';

/** Below this, hashing in place costs less than a message to the hashing thread would. */
const OFF_THREAD_FROM = 256 * 1024;

export type ToHasher =
  | { type: 'start'; id: number; fd: number }
  | { type: 'written'; id: number; from: number; to: number }
  | { type: 'digest'; id: number; size: number }
  | { type: 'drop'; id: number };

/** A digest, or none when the thread could not hash every byte. */
export type FromHasher = { id: number; sha256?: string };

/** The hashing thread, started at the first large upload and stopped with the server. */
export class Hasher {
  private worker: Worker | undefined;
  /** Counts the threads started: a hash whose thread is gone cannot be finished on another. */
  private generation = 0;
  private closed = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(sha256: string): void; reject(err: Error): void }>();

  /** A new upload's hash; `fd` is its file, open until the digest is given or the hash dropped. */
  start(fd: number): UploadHash {
    return new UploadHash(this, fd);
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
  digest(id: number, generation: number, size: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (!this.post(generation, { type: 'digest', id, size })) {
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
    w.on('message', (m: FromHasher) => {
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
  /** The disk writes of those copies. */
  private copiesWritten: Promise<unknown>[] = [];
  /** Set once the hashing moved to the hashing thread: its id there, and that thread's generation. */
  private remote: [id: number, generation: number] | undefined;
  /** This turn's WRITEs, announced to the hashing thread once they are all on disk. */
  private turn: { from: number; to: number; writes: Promise<unknown>[] } | undefined;
  /** Turns whose writes are still on their way to disk. */
  private readonly announcing = new Set<Promise<void>>();
  private failed = false;
  private size = 0;

  constructor(
    private readonly hasher: Hasher,
    private readonly fd: number,
  ) {}

  /** The next bytes in order, and their write to disk. */
  update(data: Buffer, written: Promise<unknown>): void {
    const from = this.size;
    this.size += data.length;
    if (this.copies && this.size <= OFF_THREAD_FROM) {
      // A copy: `data` is a view into the socket read ssh2 decrypted in place, which it would pin.
      this.copies.push(Buffer.from(data));
      this.copiesWritten.push(written);
      return;
    }
    if (!this.remote) {
      if (!this.copies) return; // dropped
      this.remote = this.hasher.id();
      this.hasher.post(this.remote[1], { type: 'start', id: this.remote[0], fd: this.fd });
      this.turn = { from: 0, to: from, writes: this.copiesWritten };
      this.copies = undefined;
      this.copiesWritten = [];
      setImmediate(() => this.announce());
    } else if (!this.turn) {
      this.turn = { from, to: from, writes: [] };
      setImmediate(() => this.announce());
    }
    this.turn!.to = this.size;
    this.turn!.writes.push(written);
  }

  /** The bytes so far, while they are few (OFF_THREAD_FROM at most): a small upload kept whole. */
  get kept(): readonly Buffer[] | undefined {
    return this.copies;
  }

  /** The hex sha256 of every byte given to update(); call it once their writes have settled. */
  async digest(): Promise<string> {
    if (this.copies) {
      const h = createHash('sha256');
      for (const c of this.copies) h.update(c);
      return h.digest('hex');
    }
    if (!this.remote) throw new Error('this upload hash was dropped');
    this.announce();
    await Promise.all([...this.announcing]);
    if (this.failed) throw new Error('a write of this upload failed');
    return this.hasher.digest(...this.remote, this.size);
  }

  /** The upload will not be digested (written out of order, failed, cut off). */
  drop(): void {
    this.copies = undefined;
    this.copiesWritten = [];
    this.turn = undefined;
    if (this.remote) this.hasher.post(this.remote[1], { type: 'drop', id: this.remote[0] });
    this.remote = undefined;
  }

  /** Tells the hashing thread of this turn's range once every write of it is on disk. */
  private announce(): void {
    const t = this.turn;
    const remote = this.remote;
    this.turn = undefined;
    if (!t || !remote) return;
    const done = Promise.all(t.writes).then(
      () => void this.hasher.post(remote[1], { type: 'written', id: remote[0], from: t.from, to: t.to }),
      () => {
        this.failed = true;
      },
    );
    this.announcing.add(done);
    void done.then(() => this.announcing.delete(done));
  }
}
