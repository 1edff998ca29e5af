/**
 * A file the SFTP server holds open, by descriptor. fstat and close are made in place: on a local
 * disk they take a few microseconds, while a round trip through libuv's thread pool costs ~35 µs of
 * CPU on these machines (ADR 0008). Opening, reading, writing and fsync stay on the thread pool;
 * the writes of one event-loop turn go there together (ADR 0016).
 */
import { closeSync, fstatSync, fsync, open, read, type Stats, writev } from 'node:fs';

interface QueuedWrite {
  data: Buffer;
  position: number;
  done(err: NodeJS.ErrnoException | null): void;
}

export class DiskFile {
  private closing: Promise<void> | undefined;
  /** Reads, writes and fsyncs on the thread pool: the descriptor is closed only once they are done. */
  private readonly busy = new Set<Promise<unknown>>();
  /** Writes asked for in this turn of the event loop, sent to the thread pool at its end. */
  private queued: QueuedWrite[] = [];

  private constructor(readonly fd: number) {}

  /**
   * Opening stays on the thread pool: creating a file waits for the file system's journal, which the
   * fsyncs of concurrent uploads keep committing (0.7 ms a file on the main thread, measured).
   */
  static open(file: string, flags: number, mode?: number): Promise<DiskFile> {
    return new Promise((resolve, reject) =>
      open(file, flags, mode, (err, fd) => (err ? reject(err) : resolve(new DiskFile(fd)))),
    );
  }

  stat(): Stats {
    return fstatSync(this.fd);
  }

  /**
   * Resolves once `data` is written at `position`. The writes asked for in one turn (OpenSSH keeps
   * 64 WRITEs in flight, and one socket read holds several) leave as one writev(2) per run of
   * adjacent ones: one thread-pool round trip, and one completion whose replies leave together.
   */
  write(data: Buffer, position: number): Promise<void> {
    return this.track<void>((done) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({ data, position, done: (err) => done(err, undefined) });
    });
  }

  read(into: Buffer, position: number): Promise<number> {
    return this.track((done) => read(this.fd, into, 0, into.length, position, done));
  }

  sync(): Promise<void> {
    return this.track<void>((done) => fsync(this.fd, (err) => done(err, undefined)));
  }

  /**
   * Closes once, after whatever is in flight: a descriptor number is reused by the next open, so a
   * late write must never land on it, and a second close must never close someone else's file.
   */
  close(): Promise<void> {
    this.closing ??= Promise.allSettled([...this.busy]).then(() => closeSync(this.fd));
    return this.closing;
  }

  /** close() for cleanup paths, where a failure to close changes nothing. */
  release(): Promise<void> {
    return this.close().catch(() => undefined);
  }

  private flush(): void {
    const all = this.queued;
    this.queued = [];
    let start = 0;
    for (let i = 1; i <= all.length; i++) {
      const prev = all[i - 1];
      if (i < all.length && all[i].position === prev.position + prev.data.length) continue;
      const run = all.slice(start, i);
      writeAll(
        this.fd,
        run.map((w) => w.data),
        run[0].position,
        (err) => {
          for (const w of run) w.done(err);
        },
      );
      start = i;
    }
  }

  private track<T>(start: (done: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
    if (this.closing) return Promise.reject(Object.assign(new Error('the file is closed'), { code: 'EBADF' }));
    const op = new Promise<T>((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value))));
    this.busy.add(op);
    const forget = () => {
      this.busy.delete(op);
    };
    op.then(forget, forget);
    return op;
  }
}

/** writev until every byte is written: a regular file may take fewer bytes than asked. */
function writeAll(fd: number, chunks: Buffer[], position: number, done: (err: NodeJS.ErrnoException | null) => void) {
  writev(fd, chunks, position, (err, written) => {
    if (err) return done(err);
    let rest = written;
    let i = 0;
    while (i < chunks.length && rest >= chunks[i].length) rest -= chunks[i++].length;
    if (i === chunks.length) return done(null);
    const left = [chunks[i].subarray(rest), ...chunks.slice(i + 1)];
    writeAll(fd, left, position + written, done);
  });
}
