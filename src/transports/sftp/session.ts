/**
 * One SFTP session of a logged-in partner: the request handlers over its home (see paths.ts for the
 * view). Uploads go to disk as their WRITE requests arrive; a finished upload in inbox/ is handed to
 * intake, and its CLOSE (or RENAME) is answered only once intake has committed it.
 */
import { constants as fsc, lstatSync, promises as fs, type Stats, unlinkSync } from 'node:fs';
import path from 'node:path';
import { utils, type Attributes, type FileEntry, type SFTPWrapper } from 'ssh2';
import { catalogue, type ErrorCode } from '../../errors';
import { errnoCode, isIgnoredName, withSuffix } from '../file/names';
import { DiskFile } from './disk-file';
import type { Hasher, UploadHash } from './upload-hash';
import { baseName, diskPath, isAreaRoot, resolveHomePath, type Area, type HomePath } from './paths';

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

export interface SftpLogger {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

export interface IntakeRequest {
  partnerId: string;
  path: string;
  fileName: string;
  remotePath: string;
  /** Set when the upload was hashed as it arrived and fsynced at its close: intake need not read it again. */
  synced?: Digest;
  /**
   * A small upload's bytes, exactly as its WRITEs put them on disk, in order from offset 0: intake takes
   * them into its commit instead of reading the file back (three opens, reads and closes on the main
   * thread). Not fsynced: the commit that records them makes them durable.
   */
  content?: Uint8Array;
  /** The sha256 of `content`, hashed as its WRITEs arrived, so that intake need not hash it again. */
  sha256?: string;
}

/** An upload's sha256 and size, computed from its WRITEs as they arrived. */
export interface Digest {
  sha256: string;
  size: number;
  /** A small upload's bytes (see IntakeRequest.content); without them, a digest is of an fsynced file. */
  content?: Uint8Array;
}

/** Closed uploads under a temporary name kept with their digest, waiting for the rename that takes them in. */
const MAX_DIGESTS = 10_000;
/** Uploads up to this size are kept in memory as they arrive, to be handed to intake whole (IntakeRequest.content). */
const KEEP_UP_TO = 64 * 1024;
/**
 * Bytes of closed uploads kept for their rename, across the server. A client that closes many `.part`
 * files and renames none would otherwise pin them all; past this, intake reads the file back as before.
 */
const MAX_KEPT_BYTES = 32 * 1024 ** 2;

/** Closed uploads by disk path, with a count of the content they keep (see MAX_KEPT_BYTES). */
export class Digests extends Map<string, Digest> {
  kept = 0;

  override set(key: string, value: Digest): this {
    this.delete(key);
    this.kept += value.content?.length ?? 0;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.kept -= this.get(key)?.content?.length ?? 0;
    return super.delete(key);
  }
}

/** What every session of one server shares: the rules, and who is doing what to which file. */
export interface Shared {
  intake(input: IntakeRequest): Promise<{ messageId: string }>;
  afterIntake: 'delete' | 'archive';
  maxFileBytes: number;
  /** Uploads up to this size are not fsynced at their close (see SftpServerOptions.inlineUpTo). */
  inlineUpTo: number;
  logger: SftpLogger;
  /** Disk paths whose intake is running: no one may write, rename or remove them meanwhile. */
  takingIn: Set<string>;
  /** Disk paths open for writing, across all sessions: one writer a file. */
  writing: Set<string>;
  /** Intakes in flight, so that close() can let them finish and answer. */
  intakes: Set<Promise<unknown>>;
  /**
   * Digests of closed uploads by disk path (a `.part` waiting for its rename): of a large one fsynced,
   * or a small one's bytes. Dropped when anything else touches the path; a stale or missing one only
   * means intake reads the file itself.
   */
  digests: Digests;
  /** Hashes large uploads on a thread of its own (upload-hash.ts). */
  hasher: Hasher;
  closing: boolean;
}

export interface Home {
  partnerId: string;
  /** The real (symlink-free) path of `<root>/<partnerId>`. */
  dir: string;
  areas: readonly Area[];
}

/** Hooks into the connection the session runs on. */
export interface Link {
  /** Called on every request: the connection is not idle. */
  active(): void;
  /** Bytes of WRITE data not yet on disk, across the connection; it pauses the socket when they pile up. */
  inflight(delta: number): void;
}

interface WriteHandle {
  kind: 'write';
  fh: DiskFile;
  disk: string;
  at: HomePath;
  writes: Set<Promise<unknown>>;
  /**
   * The sha256 of the bytes so far while they arrive in order from offset 0, with copies of them while
   * they are few (a small upload's content); dropped on any other WRITE.
   */
  hash?: UploadHash;
  /** The offset the next in-order WRITE starts at. */
  hashed: number;
  /** Set on the first failed or refused WRITE: the upload is void, its partial file removed. */
  failed?: string;
  discarded?: Promise<void>;
  bytes: number;
}
interface ReadHandle {
  kind: 'read';
  fh: DiskFile;
  disk: string;
  at: HomePath;
}
interface DirHandle {
  kind: 'dir';
  disk: string;
  at: HomePath;
  entries?: FileEntry[];
  next: number;
}
type Handle = WriteHandle | ReadHandle | DirHandle;

type Reply = [code: number, message?: string];

/** A client may keep this many files and folders open at once in one session. */
const MAX_HANDLES = 64;
/** Directory entries sent per READDIR answer; keeps each answer well inside one SFTP packet. */
const NAMES_PER_READDIR = 100;
/** Largest READ answered at once; OpenSSH asks for 32 KiB, others up to 256 KiB. */
const MAX_READ = 255 * 1024;
const FILE_MODE = 0o640;
const DIR_MODE = 0o750;
const MAX_SUFFIX = 10_000;

/** A message for the client: what was being done and the catalogue's words, never internal detail. */
function says(code: ErrorCode, context: string): string {
  return `${context}: ${catalogue[code].message} [${code}]`;
}

export class SftpSession {
  private readonly handles = new Map<number, Handle>();
  private nextHandle = 1;
  private pending = 0;
  private drainWaiters: (() => void)[] = [];
  private ended = false;
  private settled: Promise<void> | undefined;
  /** The home's area folders (inbox/, outbox/, …) once seen to be free of symlinks; see confined(). */
  private readonly trusted = new Set<string>();
  private readonly areaDirs: ReadonlySet<string>;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly home: Home,
    private readonly shared: Shared,
    private readonly link: Link,
  ) {
    this.areaDirs = new Set(home.areas.map((a) => path.join(home.dir, a)));
    this.route();
    // The client's EOF: it sends nothing more, and waits for us to close the channel once every
    // request it made has its answer.
    sftp.on(
      'end',
      () =>
        void this.drained().then(() => {
          this.send(() => this.sftp.end());
          return this.end();
        }),
    );
    sftp.on('close', () => void this.end());
    // A protocol error ends the session; it is the client's, and the connection's log has it.
    sftp.on('error', () => void this.end());
  }

  /** Requests being answered now (an intake may take a while: the connection is not idle). */
  get busy(): boolean {
    return this.pending > 0;
  }

  private drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Releases every handle: uploads cut off mid-way stay on disk as they are (a client may resume
   * them), but are not taken in: only a CLOSE or RENAME says a file is complete.
   */
  end(): Promise<void> {
    if (this.settled) return this.settled;
    this.ended = true;
    this.settled = (async () => {
      for (const [id, h] of this.handles) {
        this.handles.delete(id);
        if (h.kind === 'dir') continue;
        if (h.kind === 'write') {
          h.hash?.drop();
          await Promise.allSettled(h.writes);
          if (h.discarded) {
            await h.discarded;
            this.shared.writing.delete(h.disk);
            continue;
          }
          this.shared.logger.info(
            { partnerId: this.home.partnerId, remotePath: h.at.virtual, bytes: h.bytes },
            'sftp upload interrupted before its close; kept, not taken in',
          );
          this.shared.writing.delete(h.disk);
        }
        await h.fh.release();
      }
    })();
    return this.settled;
  }

  private route(): void {
    const s = this.sftp;
    s.on('OPEN', (id: number, name: string, flags: number) => this.run(id, () => this.open(id, name, flags)));
    s.on('READ', (id: number, handle: Buffer, offset: number, len: number) =>
      this.run(id, () => this.read(id, handle, offset, len)),
    );
    s.on('WRITE', (id: number, handle: Buffer, offset: number, data: Buffer) =>
      this.run(id, () => this.write(handle, offset, data)),
    );
    s.on('CLOSE', (id: number, handle: Buffer) => this.run(id, () => this.close(handle)));
    s.on('FSTAT', (id: number, handle: Buffer) => this.run(id, () => this.fstat(id, handle)));
    s.on('FSETSTAT', (id: number, handle: Buffer) => this.run(id, async () => this.setstat(this.handle(handle)?.at)));
    s.on('SETSTAT', (id: number, p: string) => this.run(id, async () => this.setstat(this.resolve(p))));
    s.on('OPENDIR', (id: number, p: string) => this.run(id, () => this.opendir(id, p)));
    s.on('READDIR', (id: number, handle: Buffer) => this.run(id, () => this.readdir(id, handle)));
    s.on('STAT', (id: number, p: string) => this.run(id, () => this.stat(id, p)));
    s.on('LSTAT', (id: number, p: string) => this.run(id, () => this.stat(id, p)));
    s.on('REALPATH', (id: number, p: string) => this.run(id, async () => this.realpath(id, p)));
    s.on('REMOVE', (id: number, p: string) => this.run(id, () => this.remove(p)));
    s.on('MKDIR', (id: number, p: string) => this.run(id, () => this.mkdir(p)));
    s.on('RMDIR', (id: number, p: string) => this.run(id, () => this.rmdir(p)));
    s.on('RENAME', (id: number, from: string, to: string) => this.run(id, () => this.rename(from, to)));
    // READLINK, SYMLINK and extensions have no listener: ssh2 answers OP_UNSUPPORTED.
  }

  /**
   * Runs a request; a handler returns a status to send, or undefined when it answered itself (with
   * a handle, data, names or attributes). Whatever it throws becomes FAILURE: every request is answered.
   */
  private run(id: number, handler: () => Promise<Reply | undefined>): void {
    this.link.active();
    this.pending++;
    handler()
      .then((reply) => {
        if (reply) this.status(id, reply);
      })
      .catch((err: unknown) => this.status(id, this.fsReply(err, 'the request failed')))
      .finally(() => {
        this.pending--;
        this.link.active();
        if (this.pending === 0) for (const wake of this.drainWaiters.splice(0)) wake();
      });
  }

  private status(id: number, [code, message]: Reply): void {
    this.send(() => this.sftp.status(id, code, message));
  }

  /** The channel may be gone by the time a slow answer is ready (the client hung up); that is not an error here. */
  private send(fn: () => void): void {
    if (this.ended) return;
    try {
      fn();
    } catch {
      // closed channel
    }
  }

  private resolve(p: string): HomePath | undefined {
    return resolveHomePath(p, this.home.areas);
  }

  private disk(p: HomePath): string {
    return diskPath(this.home.dir, p);
  }

  /**
   * True when `disk` is where it seems: no symlink on the way from the home, so nothing placed on the
   * server can lead a partner out of its home. For a path not there yet, its nearest existing ancestor
   * is checked; what is then created is opened with O_NOFOLLOW.
   */
  private async confined(disk: string): Promise<boolean> {
    // An area folder once checked stays trusted for the session: partners cannot make symlinks (no
    // SYMLINK request is served), and every caller treats the last component itself with lstat or
    // O_NOFOLLOW. This saves two realpath calls on each upload.
    const parent = path.dirname(disk);
    if (this.trusted.has(parent)) return true;
    let at = disk;
    while (true) {
      try {
        const ok = (await fs.realpath(at)) === at;
        if (ok && (at === disk || at === parent) && this.areaDirs.has(parent)) this.trusted.add(parent);
        return ok;
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') return false;
      }
      if (at === this.home.dir) return false;
      at = path.dirname(at);
    }
  }

  private handle(buf: Buffer): Handle | undefined {
    return buf.length === 4 ? this.handles.get(buf.readUInt32BE(0)) : undefined;
  }

  private addHandle(id: number, h: Handle): boolean {
    // A session that ended while this open was on its way gets no handle; the caller closes the file.
    if (this.ended || this.handles.size >= MAX_HANDLES) return false;
    let n = this.nextHandle;
    while (this.handles.has(n)) n = (n + 1) >>> 0;
    this.nextHandle = (n + 1) >>> 0;
    this.handles.set(n, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(n, 0);
    this.send(() => this.sftp.handle(id, buf));
    return true;
  }

  private fsReply(err: unknown, context: string): Reply {
    switch (errnoCode(err)) {
      case 'ENOENT':
        return [STATUS_CODE.NO_SUCH_FILE];
      case 'EACCES':
      case 'EPERM':
      case 'ELOOP':
        return [STATUS_CODE.PERMISSION_DENIED];
      case 'EEXIST':
      case 'ENOTEMPTY':
        return [STATUS_CODE.FAILURE, `${context}: it exists`];
      case 'ENOSPC':
      case 'EDQUOT':
        return [STATUS_CODE.FAILURE, says('EDIGW_FILE_NO_SPACE', context)];
      case 'ENOTDIR':
        return [STATUS_CODE.FAILURE, `${context}: not a folder`];
      case 'EISDIR':
        return [STATUS_CODE.FAILURE, `${context}: a folder`];
      default:
        this.shared.logger.error({ partnerId: this.home.partnerId, err }, `sftp: ${context}`);
        return [STATUS_CODE.FAILURE, says('EDIGW_FILE_IO', context)];
    }
  }

  // ---- files ----

  private async open(id: number, name: string, flags: number): Promise<Reply | undefined> {
    const at = this.resolve(name);
    if (!at || !at.area || isAreaRoot(at)) return [STATUS_CODE.PERMISSION_DENIED];
    const disk = this.disk(at);
    const writing = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT | OPEN_MODE.TRUNC)) !== 0;
    if (!writing) {
      if (at.area === 'inbox')
        return [STATUS_CODE.PERMISSION_DENIED, `${at.virtual}: inbox/ is for uploads; downloads come from outbox/`];
      if (!(await this.confined(disk))) return [STATUS_CODE.PERMISSION_DENIED];
      const fh = await DiskFile.open(disk, fsc.O_RDONLY | fsc.O_NOFOLLOW);
      let isFile: boolean;
      try {
        isFile = fh.stat().isFile();
      } catch (err) {
        await fh.release();
        throw err;
      }
      if (!isFile) {
        await fh.close();
        return [STATUS_CODE.FAILURE, `${at.virtual}: not a file`];
      }
      if (!this.addHandle(id, { kind: 'read', fh, disk, at })) {
        await fh.close();
        return [STATUS_CODE.FAILURE, `${at.virtual}: too many open files in this session`];
      }
      return undefined;
    }

    if (at.area !== 'inbox') return [STATUS_CODE.PERMISSION_DENIED, `${at.virtual}: uploads go to inbox/`];
    if (this.shared.closing)
      return [STATUS_CODE.FAILURE, `${at.virtual}: the server is shutting down; upload again shortly`];
    if (!(await this.confined(disk))) return [STATUS_CODE.PERMISSION_DENIED];
    const busy = this.inUse(disk, at);
    if (busy) return busy;
    // Claimed before the first await that could let a second writer in.
    this.shared.writing.add(disk);
    this.shared.digests.delete(disk);
    let fh: DiskFile;
    try {
      // Read as well as write: a large upload is read back from the page cache by the hashing thread.
      let mode = fsc.O_RDWR | fsc.O_NOFOLLOW;
      if (flags & OPEN_MODE.CREAT) mode |= fsc.O_CREAT;
      if (flags & OPEN_MODE.TRUNC) mode |= fsc.O_TRUNC;
      if (flags & OPEN_MODE.EXCL) mode |= fsc.O_EXCL;
      // No O_APPEND: it would ignore the offsets WRITE carries, and clients send them either way.
      fh = await DiskFile.open(disk, mode, FILE_MODE);
    } catch (err) {
      this.shared.writing.delete(disk);
      return this.fsReply(err, `opening ${at.virtual}`);
    }
    let stat: Stats;
    try {
      stat = fh.stat();
    } catch (err) {
      await fh.release();
      this.shared.writing.delete(disk);
      throw err;
    }
    const handle: WriteHandle = {
      kind: 'write',
      fh,
      disk,
      at,
      writes: new Set(),
      bytes: stat.size,
      hashed: 0,
      ...(stat.size === 0 ? { hash: this.shared.hasher.start(fh.fd) } : {}),
    };
    if (!stat.isFile() || !this.addHandle(id, handle)) {
      await fh.close();
      this.shared.writing.delete(disk);
      return [
        STATUS_CODE.FAILURE,
        stat.isFile() ? `${at.virtual}: too many open files in this session` : `${at.virtual}: not a file`,
      ];
    }
    return undefined;
  }

  /** Refuses to touch a file another writer or an intake holds. */
  private inUse(disk: string, at: HomePath): Reply | undefined {
    if (this.shared.takingIn.has(disk))
      return [STATUS_CODE.FAILURE, `${at.virtual}: being taken in right now; try again shortly`];
    if (this.shared.writing.has(disk)) return [STATUS_CODE.FAILURE, `${at.virtual}: another upload has it open`];
    return undefined;
  }

  private async write(buf: Buffer, offset: number, data: Buffer): Promise<Reply> {
    const h = this.handle(buf);
    if (!h || h.kind !== 'write') return [STATUS_CODE.FAILURE, 'not a handle open for writing'];
    if (h.failed) return [STATUS_CODE.FAILURE, h.failed];
    const end = offset + data.length;
    if (end > this.shared.maxFileBytes) {
      h.failed = says(
        'EDIGW_SFTP_FILE_TOO_LARGE',
        `uploading ${h.at.virtual} (limit ${this.shared.maxFileBytes} bytes)`,
      );
      this.discard(h);
      this.shared.logger.warn(
        { partnerId: this.home.partnerId, remotePath: h.at.virtual, limit: this.shared.maxFileBytes },
        'sftp upload refused: larger than the limit; partial file removed',
      );
      return [STATUS_CODE.FAILURE, h.failed];
    }
    this.link.inflight(data.length);
    const done = h.fh.write(data, offset);
    h.writes.add(done);
    if (h.hash) {
      if (offset === h.hashed) {
        h.hash.update(data, done);
        h.hashed = end;
      } else {
        h.hash.drop();
        h.hash = undefined;
      }
    }
    try {
      await done;
      if (end > h.bytes) h.bytes = end;
      return [STATUS_CODE.OK];
    } catch (err) {
      const reply = this.fsReply(err, `writing ${h.at.virtual}`);
      h.failed ??= reply[1] ?? `writing ${h.at.virtual} failed`;
      this.discard(h);
      return [STATUS_CODE.FAILURE, h.failed];
    } finally {
      h.writes.delete(done);
      this.link.inflight(-data.length);
    }
  }

  /**
   * A failed upload leaves nothing behind that could pass for a complete file, and gives its disk
   * space back at once rather than at the client's CLOSE.
   */
  private discard(h: WriteHandle): void {
    h.hash?.drop();
    h.hash = undefined;
    h.discarded ??= (async () => {
      await Promise.allSettled(h.writes);
      await h.fh.release();
      try {
        unlinkSync(h.disk);
      } catch {
        // gone already, or the folder with it
      }
    })();
  }

  private async read(id: number, buf: Buffer, offset: number, len: number): Promise<Reply | undefined> {
    const h = this.handle(buf);
    if (!h || h.kind !== 'read') return [STATUS_CODE.FAILURE, 'not a handle open for reading'];
    const chunk = Buffer.allocUnsafe(Math.min(len, MAX_READ));
    const bytesRead = await h.fh.read(chunk, offset);
    if (bytesRead === 0) return [STATUS_CODE.EOF];
    this.send(() => this.sftp.data(id, chunk.subarray(0, bytesRead)));
    return undefined;
  }

  private async close(buf: Buffer): Promise<Reply> {
    const h = this.handle(buf);
    if (!h) return [STATUS_CODE.FAILURE, 'not an open handle'];
    this.handles.delete(buf.readUInt32BE(0));
    if (h.kind === 'dir') return [STATUS_CODE.OK];
    if (h.kind === 'read') {
      await h.fh.close();
      return [STATUS_CODE.OK];
    }

    await Promise.allSettled(h.writes);
    if (h.failed) {
      await h.discarded;
      this.shared.writing.delete(h.disk);
      return [STATUS_CODE.FAILURE, h.failed];
    }
    let digest: Digest | undefined;
    try {
      // Hashed whole and in order: made durable here, so that intake can link the file as it is. A
      // small one is not: intake copies it into its commit, which makes it durable.
      const whole = h.hash && h.hashed === h.bytes ? h.hash : undefined;
      if (whole && h.bytes > this.shared.inlineUpTo) {
        // A digest the hashing thread cannot give only means intake reads the file to hash it.
        const [sha256] = await Promise.all([whole.digest().catch(() => undefined), h.fh.sync()]);
        if (sha256) digest = { sha256, size: h.bytes };
      } else if (whole?.kept && h.bytes <= this.keepUpTo()) {
        digest = { sha256: await whole.digest(), size: h.bytes, content: joined(whole.kept, h.bytes) };
      } else h.hash?.drop();
      await h.fh.close();
    } catch (err) {
      this.shared.writing.delete(h.disk);
      return this.fsReply(err, `closing ${h.at.virtual}`);
    }
    const name = baseName(h.at);
    if (isIgnoredName(name)) {
      if (digest) this.remember(h.disk, digest);
      this.shared.writing.delete(h.disk);
      return [STATUS_CODE.OK];
    }
    // The intake's claim is taken before the writer's is let go, so no one slips in between.
    return this.takeIn(h.disk, h.at, () => this.shared.writing.delete(h.disk), digest);
  }

  private remember(disk: string, digest: Digest): void {
    const { digests } = this.shared;
    digests.delete(disk);
    // Forgetting a small upload's bytes only costs intake a read of the file.
    if (digest.content && digests.kept + digest.content.length > MAX_KEPT_BYTES) return;
    if (digests.size >= MAX_DIGESTS) digests.delete(digests.keys().next().value!);
    digests.set(disk, digest);
  }

  private keepUpTo(): number {
    return Math.min(this.shared.inlineUpTo, KEEP_UP_TO);
  }

  /**
   * Hands a finished upload to intake and answers only with its outcome: OK once committed (the file
   * then leaves inbox/), FAILURE when intake refused it (the file stays where it is).
   */
  private async takeIn(source: string, final: HomePath, claimed: () => void, synced?: Digest): Promise<Reply> {
    const { logger } = this.shared;
    const partnerId = this.home.partnerId;
    if (this.shared.closing) {
      claimed();
      return [
        STATUS_CODE.FAILURE,
        `${final.virtual}: the server is shutting down; the file was kept, close or rename it again shortly`,
      ];
    }
    this.shared.takingIn.add(source);
    claimed();
    const fileName = baseName(final);
    const work = this.shared.intake({
      partnerId,
      path: source,
      fileName,
      remotePath: final.virtual,
      ...(synced?.content
        ? { content: synced.content, sha256: synced.sha256 }
        : synced
          ? { synced: { sha256: synced.sha256, size: synced.size } }
          : {}),
    });
    this.shared.intakes.add(work);
    try {
      let messageId: string;
      try {
        ({ messageId } = await work);
      } catch (err) {
        logger.error(
          { partnerId, remotePath: final.virtual, err },
          'sftp upload not taken in; the file was kept and the client told',
        );
        return [STATUS_CODE.FAILURE, `${says('EDIGW_SFTP_INTAKE_FAILED', `taking in ${final.virtual}`)}`];
      }
      this.shared.digests.delete(source);
      // No log line for a file taken in: its `received` event says so, and a busy server would
      // otherwise write one line a file across the thread (habit: normal operation is quiet).
      await this.receipt(source, fileName, messageId, final);
      return [STATUS_CODE.OK];
    } finally {
      this.shared.intakes.delete(work);
      this.shared.takingIn.delete(source);
    }
  }

  /**
   * After the commit the file leaves inbox/. Should that fail, the client is still told OK: the file
   * is stored, and a FAILURE would only have the partner send it again.
   */
  private async receipt(source: string, fileName: string, messageId: string, final: HomePath): Promise<void> {
    try {
      if (this.shared.afterIntake === 'delete') {
        try {
          unlinkSync(source);
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw err;
        }
      } else {
        const archive = path.join(this.home.dir, 'archive');
        await fs.mkdir(archive, { recursive: true, mode: DIR_MODE });
        await moveNoClobber(source, archive, fileName);
      }
    } catch (err) {
      this.shared.logger.error(
        { partnerId: this.home.partnerId, remotePath: final.virtual, messageId, err },
        `sftp upload taken in, but ${this.shared.afterIntake === 'delete' ? 'removing' : 'archiving'} it failed; it stays in inbox/`,
      );
    }
  }

  private async fstat(id: number, buf: Buffer): Promise<Reply | undefined> {
    const h = this.handle(buf);
    if (!h) return [STATUS_CODE.FAILURE, 'not an open handle'];
    const st = h.kind === 'dir' ? lstatSync(h.disk) : h.fh.stat();
    this.send(() => this.sftp.attrs(id, attrsOf(st)));
    return undefined;
  }

  /**
   * Times and modes are accepted and ignored in inbox/: the file is gone once taken in, and clients
   * that set the time after an upload would otherwise report the upload as failed.
   */
  private setstat(at: HomePath | undefined): Reply {
    return at?.area === 'inbox' && !isAreaRoot(at) ? [STATUS_CODE.OK] : [STATUS_CODE.PERMISSION_DENIED];
  }

  // ---- names ----

  private async stat(id: number, p: string): Promise<Reply | undefined> {
    const at = this.resolve(p);
    if (!at) return [STATUS_CODE.PERMISSION_DENIED];
    const disk = this.disk(at);
    if (!(await this.confined(disk))) return [STATUS_CODE.PERMISSION_DENIED];
    // Asking about a name before uploading it is routine, and a missing name is an answer, not an error to build.
    const st = lstatSync(disk, { throwIfNoEntry: false });
    if (!st) return [STATUS_CODE.NO_SUCH_FILE];
    if (!st.isFile() && !st.isDirectory()) return [STATUS_CODE.PERMISSION_DENIED];
    this.send(() => this.sftp.attrs(id, attrsOf(st)));
    return undefined;
  }

  private realpath(id: number, p: string): Reply | undefined {
    const at = this.resolve(p);
    if (!at) return [STATUS_CODE.PERMISSION_DENIED];
    this.send(() => this.sftp.name(id, [{ filename: at.virtual, longname: at.virtual, attrs: {} as Attributes }]));
    return undefined;
  }

  private async opendir(id: number, p: string): Promise<Reply | undefined> {
    const at = this.resolve(p);
    if (!at) return [STATUS_CODE.PERMISSION_DENIED];
    const disk = this.disk(at);
    if (!(await this.confined(disk))) return [STATUS_CODE.PERMISSION_DENIED];
    const st = lstatSync(disk);
    if (!st.isDirectory()) return [STATUS_CODE.FAILURE, `${at.virtual}: not a folder`];
    if (!this.addHandle(id, { kind: 'dir', disk, at, next: 0 }))
      return [STATUS_CODE.FAILURE, 'too many open handles in this session'];
    return undefined;
  }

  private async readdir(id: number, buf: Buffer): Promise<Reply | undefined> {
    const h = this.handle(buf);
    if (!h || h.kind !== 'dir') return [STATUS_CODE.FAILURE, 'not a folder handle'];
    h.entries ??= await this.list(h);
    if (h.next >= h.entries.length) return [STATUS_CODE.EOF];
    const batch = h.entries.slice(h.next, h.next + NAMES_PER_READDIR);
    h.next += batch.length;
    this.send(() => this.sftp.name(id, batch));
    return undefined;
  }

  private async list(h: DirHandle): Promise<FileEntry[]> {
    const names =
      h.at.segments.length === 0
        ? [...this.home.areas]
        : (await fs.readdir(h.disk, { withFileTypes: true }))
            // Symlinks and devices are not shown: they could not be followed or read anyway. In outbox/
            // the gateway writes under a temporary name, then renames; half-written files stay hidden.
            .filter((d) => (d.isFile() || d.isDirectory()) && !(h.at.area === 'outbox' && isIgnoredName(d.name)))
            .map((d) => d.name)
            .sort();
    const entries: FileEntry[] = [];
    for (const name of names) {
      let st: Stats;
      try {
        st = lstatSync(path.join(h.disk, name));
      } catch {
        continue; // gone since the listing
      }
      entries.push({ filename: name, longname: longName(name, st, this.home.partnerId), attrs: attrsOf(st) });
    }
    return entries;
  }

  private async remove(p: string): Promise<Reply> {
    const at = this.resolve(p);
    if (!at || !at.area || isAreaRoot(at) || at.area === 'archive') return [STATUS_CODE.PERMISSION_DENIED];
    const disk = this.disk(at);
    if (!(await this.confined(disk))) return [STATUS_CODE.PERMISSION_DENIED];
    const busy = this.inUse(disk, at);
    if (busy) return busy;
    const st = lstatSync(disk);
    if (!st.isFile()) return [STATUS_CODE.FAILURE, `${at.virtual}: not a file`];
    this.shared.digests.delete(disk);
    unlinkSync(disk);
    return [STATUS_CODE.OK];
  }

  private async mkdir(p: string): Promise<Reply> {
    const at = this.resolve(p);
    if (!at || at.area !== 'inbox' || isAreaRoot(at)) return [STATUS_CODE.PERMISSION_DENIED];
    const disk = this.disk(at);
    if (!(await this.confined(disk))) return [STATUS_CODE.PERMISSION_DENIED];
    try {
      await fs.mkdir(disk, { mode: DIR_MODE });
    } catch (err) {
      return this.fsReply(err, `making ${at.virtual}`);
    }
    return [STATUS_CODE.OK];
  }

  private async rmdir(p: string): Promise<Reply> {
    const at = this.resolve(p);
    if (!at || at.area !== 'inbox' || isAreaRoot(at)) return [STATUS_CODE.PERMISSION_DENIED];
    const disk = this.disk(at);
    if (!(await this.confined(disk))) return [STATUS_CODE.PERMISSION_DENIED];
    try {
      await fs.rmdir(disk);
    } catch (err) {
      return this.fsReply(err, `removing ${at.virtual}`);
    }
    return [STATUS_CODE.OK];
  }

  /**
   * Renames inside inbox/. A rename to a final name (not .part/.tmp/.filepart, not a dot-file) is how a
   * careful client says "complete": the file is taken in from where it is and the rename is answered
   * only after the commit; if intake refuses it, the rename does not happen and the client can retry it.
   */
  private async rename(fromPath: string, toPath: string): Promise<Reply> {
    const from = this.resolve(fromPath);
    const to = this.resolve(toPath);
    if (!from || !to || from.area !== 'inbox' || to.area !== 'inbox' || isAreaRoot(from) || isAreaRoot(to)) {
      return [STATUS_CODE.PERMISSION_DENIED];
    }
    const source = this.disk(from);
    const target = this.disk(to);
    if (!(await this.confined(source)) || !(await this.confined(target))) return [STATUS_CODE.PERMISSION_DENIED];
    const busy = this.inUse(source, from) ?? this.inUse(target, to);
    if (busy) return busy;
    const st = lstatSync(source, { throwIfNoEntry: false });
    if (!st) return [STATUS_CODE.NO_SUCH_FILE];
    if (exists(target)) return [STATUS_CODE.FAILURE, `${to.virtual} exists; remove it first or choose another name`];
    if (st.isFile() && !isIgnoredName(baseName(to))) {
      if (!this.trusted.has(path.dirname(target)) && !exists(path.dirname(target))) return [STATUS_CODE.NO_SUCH_FILE];
      const digest = this.shared.digests.get(source);
      return this.takeIn(source, to, () => undefined, digest?.size === st.size ? digest : undefined);
    }
    if (!st.isFile() && !st.isDirectory()) return [STATUS_CODE.PERMISSION_DENIED];
    try {
      await fs.rename(source, target);
    } catch (err) {
      return this.fsReply(err, `renaming ${from.virtual}`);
    }
    const digest = this.shared.digests.get(source);
    this.shared.digests.delete(source);
    if (digest && st.isFile()) this.remember(target, digest);
    // A folder moved: what was remembered under it no longer names those files.
    if (st.isDirectory())
      for (const k of [...this.shared.digests.keys()])
        if (k.startsWith(source + path.sep)) this.shared.digests.delete(k);
    return [STATUS_CODE.OK];
  }
}

/** One buffer of its own (not a slice of Node's pool), so that it crosses to the main thread alone. */
function joined(chunks: readonly Buffer[], size: number): Buffer {
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const c of chunks) at += c.copy(out, at);
  return out;
}

function exists(p: string): boolean {
  return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
}

/** Renames into `dir` without overwriting: a taken name gets `-1`, `-2`, … before its extension. */
async function moveNoClobber(file: string, dir: string, name: string): Promise<string> {
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const target = path.join(dir, withSuffix(name, n));
    if (exists(target)) continue;
    await fs.rename(file, target);
    return target;
  }
  throw new Error(`no free name in ${dir} after ${MAX_SUFFIX} suffixes`);
}

/** What a partner may know of a file: type, mode, size and times; owners are the server's business. */
function attrsOf(st: Stats): Attributes {
  return {
    mode: st.mode,
    uid: 0,
    gid: 0,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HALF_YEAR_MS = 182 * 24 * 3600 * 1000;

/** `ls -l` style, which clients show as is. */
function longName(name: string, st: Stats, owner: string): string {
  const type = st.isDirectory() ? 'd' : '-';
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (st.mode & (0o400 >> i) ? c : '-'))
    .join('');
  const d = st.mtime;
  const recent = Math.abs(Date.now() - st.mtimeMs) < HALF_YEAR_MS;
  const day = String(d.getDate()).padStart(2, ' ');
  const when = recent
    ? `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
    : ` ${d.getFullYear()}`;
  return `${type}${bits}    1 ${owner.padEnd(8)} ${owner.padEnd(8)} ${String(st.size).padStart(12)} ${MONTHS[d.getMonth()]} ${day} ${when} ${name}`;
}
