/**
 * A file the SFTP server holds open, by descriptor. fstat and close are made in place: on a local
 * disk they take a few microseconds, while a round trip through libuv's thread pool costs ~35 µs of
 * CPU on these machines (ADR 0008). So are writes (writeNow). Opening, reading and fsync stay on the
 * thread pool.
 */
import { closeSync, fstatSync, fsync, open, read, type Stats, writeSync } from 'node:fs';

export class DiskFile {
  private closing: Promise<void> | undefined;
  /** Reads and fsyncs on the thread pool: the descriptor is closed only once they are done. */
  private readonly busy = new Set<Promise<unknown>>();

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
   * In place, like sshd's sftp-server: a write lands in the page cache in microseconds, less than a
   * thread-pool round trip costs, and it lets the replies to the WRITEs of one socket read go out
   * together (docs/bench.md, the sftp rows, session 15).
   */
  writeNow(data: Buffer, position: number): void {
    if (this.closing) throw Object.assign(new Error('the file is closed'), { code: 'EBADF' });
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, position + done);
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
