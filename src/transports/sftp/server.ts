/**
 * The gateway's hosted SFTP server (ssh2's Server, in process). Partners log in with a public key or
 * a password hash from their partner file and see only their own home: uploads go to `inbox/`, the
 * gateway's answers wait in `outbox/`. A finished upload is handed to `intake`, and the client's CLOSE
 * (or RENAME) is answered OK only once intake has committed it: receipt after commit.
 *
 * Nothing but SFTP is served: no shell, exec, port forwarding or other subsystem (ssh2 refuses every
 * request that has no listener, and none is registered).
 */
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  Server,
  utils,
  type Algorithms,
  type AuthContext,
  type ClientInfo,
  type Connection,
  type ParsedKey,
} from 'ssh2';
import { GatewayError } from '../../errors';
import { LoginLimiter } from '../../login-limiter';
import { batchWrites } from './batched-writes';
import { Hasher } from './upload-hash';
import { authorizedKeys, sameKey, type SftpUser } from './auth';
import { parsePasswordHash, verifyPassword } from '../../password-hash';
import { AREAS, isSafeFolderName, type Area } from './paths';
import { Digests, SftpSession, type Home, type IntakeRequest, type Shared, type SftpLogger } from './session';

export type { SftpUser } from './auth';
export { hashPassword, verifyPassword } from '../../password-hash';

export interface SftpServerOptions {
  port: number;
  /** Address to listen on; absent: every interface. */
  host?: string;
  /** Our private host key itself (OpenSSH or PEM), not its file name. */
  hostKey: Buffer | string;
  /** Homes are `<root>/<partnerId>/{inbox,outbox,archive}`, made at a partner's first login. */
  root: string;
  /** Read on every login, so that edited partner files apply at once. */
  users(): SftpUser[] | Promise<SftpUser[]>;
  /** The durable receive; it resolves once the file is committed. `path` is the upload on disk. */
  intake(input: IntakeRequest): Promise<{ messageId: string }>;
  /** What becomes of an upload once taken in: removed (default) or moved to the home's `archive/`. */
  afterIntake?: 'delete' | 'archive';
  /** Largest upload accepted (default 2 GiB). */
  maxFileBytes?: number;
  /**
   * Uploads up to this size are not fsynced at their close: intake reads them into the commit that
   * records them (the store keeps payloads this small in their database row). Larger ones are fsynced
   * and handed over with their digest, to be linked into the payload store. Default 0: all are fsynced.
   */
  inlineUpTo?: number;
  /** A logged-in connection with no SFTP request for this long is closed (default 10 minutes). */
  idleTimeoutMs?: number;
  /** Failed logins from one address within 10 minutes after which it is refused for 15 (default 10). */
  maxAuthFailures?: number;
  logger: SftpLogger;
  /** Told of each connection's login: `opened` when it logged in, `refused` when it closed after failed attempts (metrics). */
  onLogin?(outcome: 'opened' | 'refused'): void;
}

export interface RunningSftpServer {
  port: number;
  /** Stops listening, lets intakes in flight finish and answer, then ends every connection. */
  close(): Promise<void>;
}

const DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3;
const DEFAULT_IDLE_MS = 10 * 60_000;
const DEFAULT_MAX_AUTH_FAILURES = 10;
/**
 * Failures are counted per (address, user), so that partners behind one NAT address cannot lock each
 * other out; an address as a whole is refused only after this many times as many failures (a scan
 * across user names).
 */
const ADDRESS_FAILURE_FACTOR = 10;
/**
 * ssh2's default MACs and compressions, less what a partner should not be able to pick: HMAC-SHA1 (kept by
 * ssh2 for old clients; every OpenSSH since 6.2 has the SHA-2 ones) and `zlib`, which decompresses
 * before the client has logged in (`zlib@openssh.com`, after login, stays).
 */
const ALGORITHMS: Algorithms = {
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compress: ['none', 'zlib@openssh.com'],
};
const AUTH_WINDOW_MS = 10 * 60_000;
const AUTH_BLOCK_MS = 15 * 60_000;
/** A connection has this long to log in (OpenSSH's LoginGraceTime is 120 s). */
const LOGIN_GRACE_MS = 60_000;
/** Attempts on one connection before it is dropped (OpenSSH's MaxAuthTries is 6). */
const MAX_ATTEMPTS_PER_CONNECTION = 6;
const MAX_SESSIONS_PER_CONNECTION = 4;
/**
 * WRITE data waiting for the disk, per connection. ssh2 widens the SSH window as soon as data
 * arrives, so a client that pipelines without limit is held back here by pausing its socket.
 */
const INFLIGHT_HIGH = 16 * 1024 ** 2;
const INFLIGHT_LOW = 4 * 1024 ** 2;
/** After close() ends the connections, how long a client may take to hang up before it is cut off. */
const CLOSE_GRACE_MS = 2_000;
const METHODS: AuthContext['method'][] = ['publickey', 'password'];
const DIR_MODE = 0o750;

interface Conn {
  client: Connection;
  socket: net.Socket;
  remote: string;
  user?: SftpUser;
  home?: Home;
  attempts: number;
  /** The user a refused key probe was counted against; taken back if the connection then logs in. */
  probeCounted?: string;
  refused: { user: string; method: string }[];
  sessions: Set<SftpSession>;
  sessionCount: number;
  idle?: NodeJS.Timeout;
  inflight: number;
  paused: boolean;
  closed?: Promise<void>;
}

export async function startSftpServer(o: SftpServerOptions): Promise<RunningSftpServer> {
  checkHostKey(o.hostKey);
  let root: string;
  try {
    await fs.mkdir(o.root, { recursive: true, mode: DIR_MODE });
    root = await fs.realpath(o.root);
  } catch (err) {
    throw new GatewayError('EDIGW_SFTP_ROOT', `making the SFTP root ${path.resolve(o.root)}`, { cause: err });
  }
  const server = new HostedSftp(o, root);
  const port = await server.listen();
  return { port, close: () => server.close() };
}

function checkHostKey(hostKey: Buffer | string): void {
  const parsed = utils.parseKey(hostKey) as ParsedKey | ParsedKey[] | Error;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error || key === undefined) {
    throw new GatewayError('EDIGW_SFTP_HOST_KEY', 'reading the SFTP host key', { cause: key });
  }
  if (!key.isPrivateKey())
    throw new GatewayError('EDIGW_SFTP_HOST_KEY', 'reading the SFTP host key: it is a public key');
}

/** IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d; one address should be counted as one. */
function plainAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

class HostedSftp {
  private readonly tcp: net.Server;
  private readonly ssh: Server;
  /** Open sockets by remote address and port, with the timer that cuts them off if they do not log in. */
  private readonly sockets = new Map<string, { socket: net.Socket; grace: NodeJS.Timeout }>();
  private readonly conns = new Set<Conn>();
  /** Failed logins per (address, user): see ADDRESS_FAILURE_FACTOR. */
  private readonly limiter: LoginLimiter;
  private readonly addressLimiter: LoginLimiter;
  private readonly shared: Shared;
  private readonly areas: readonly Area[];
  private readonly idleMs: number;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly o: SftpServerOptions,
    private readonly root: string,
  ) {
    const afterIntake = o.afterIntake ?? 'delete';
    this.areas = AREAS.filter((a) => a !== 'archive' || afterIntake === 'archive');
    this.idleMs = o.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    const max = o.maxAuthFailures ?? DEFAULT_MAX_AUTH_FAILURES;
    this.limiter = new LoginLimiter({ max, windowMs: AUTH_WINDOW_MS, blockMs: AUTH_BLOCK_MS });
    this.addressLimiter = new LoginLimiter({
      max: max * ADDRESS_FAILURE_FACTOR,
      windowMs: AUTH_WINDOW_MS,
      blockMs: AUTH_BLOCK_MS,
    });
    this.shared = {
      intake: (input) => o.intake(input),
      afterIntake,
      maxFileBytes: o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      inlineUpTo: o.inlineUpTo ?? 0,
      logger: o.logger,
      takingIn: new Set(),
      writing: new Set(),
      intakes: new Set(),
      digests: new Digests(),
      hasher: new Hasher(),
      closing: false,
    };
    this.ssh = new Server({ hostKeys: [o.hostKey], ident: 'edi-gateway', algorithms: ALGORITHMS });
    this.ssh.on('connection', (client: Connection, info: ClientInfo) => this.connected(client, info));
    this.ssh.on('error', (err: Error) => o.logger.error({ err }, 'sftp server error'));
    // Our own listener, so that a socket is seen (and a blocked address dropped) before any SSH work,
    // and so that a connection's socket can be paused and timed.
    this.tcp = net.createServer((socket) => this.accepted(socket));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const failed = (err: Error) =>
        reject(
          new GatewayError('EDIGW_SFTP_LISTEN', `listening for SFTP on ${this.o.host ?? '*'}:${this.o.port}`, {
            cause: err,
          }),
        );
      this.tcp.once('error', failed);
      this.tcp.listen({ port: this.o.port, host: this.o.host }, () => {
        this.tcp.off('error', failed);
        this.tcp.on('error', (err) => this.o.logger.error({ err }, 'sftp listener error'));
        resolve((this.tcp.address() as net.AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.shared.closing = true;
      const stopped = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
      // Intakes started before close() finish and answer their clients; closing refuses new ones.
      while (this.shared.intakes.size > 0) await Promise.allSettled([...this.shared.intakes]);
      for (const conn of this.conns) conn.client.end();
      for (const { socket } of this.sockets.values()) {
        if (![...this.conns].some((c) => c.socket === socket)) socket.destroy();
      }
      const cut = setTimeout(() => {
        for (const s of this.sockets.values()) s.socket.destroy();
      }, CLOSE_GRACE_MS);
      await Promise.allSettled([...this.conns].map((c) => c.closed ?? this.whenClosed(c)));
      await stopped;
      clearTimeout(cut);
      await this.shared.hasher.close();
    })();
    return this.closing;
  }

  private accepted(socket: net.Socket): void {
    const remote = plainAddress(socket.remoteAddress);
    if (this.shared.closing || this.addressLimiter.blocked(remote)) {
      socket.destroy();
      return;
    }
    // SFTP is request/reply: with Nagle's algorithm each small status reply waits for the client's
    // delayed ACK, which cut a 1 GB upload to a quarter of sshd's rate (docs/bench.md, the sftp rows).
    socket.setNoDelay(true);
    batchWrites(socket);
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    // A deadline, not an inactivity timeout: a client trickling a byte a minute must not linger.
    const grace = setTimeout(() => {
      this.o.logger.warn({ remote }, `sftp connection closed: no login within ${LOGIN_GRACE_MS / 1000} s`);
      socket.destroy();
    }, LOGIN_GRACE_MS);
    this.sockets.set(key, { socket, grace });
    socket.once('close', () => {
      clearTimeout(grace);
      this.sockets.delete(key);
    });
    this.ssh.injectSocket(socket);
  }

  private connected(client: Connection, info: ClientInfo): void {
    const socket = this.sockets.get(`${info.ip}|${info.port}`)?.socket;
    if (!socket || this.shared.closing) {
      client.on('error', () => undefined);
      client.end();
      return;
    }
    const conn: Conn = {
      client,
      socket,
      remote: plainAddress(info.ip),
      attempts: 0,
      refused: [],
      sessions: new Set(),
      sessionCount: 0,
      inflight: 0,
      paused: false,
    };
    this.conns.add(conn);
    client.on(
      'authentication',
      (ctx) =>
        void this.authenticate(conn, ctx).catch((err: unknown) => {
          this.o.logger.error({ remote: conn.remote, err }, 'sftp login check failed');
          tryTo(() => ctx.reject());
        }),
    );
    client.on('ready', () => this.ready(conn));
    client.on('session', (accept, reject) => {
      if (conn.sessionCount >= MAX_SESSIONS_PER_CONNECTION || !conn.home) return reject();
      conn.sessionCount++;
      const session = accept();
      session.on('sftp', (acceptSftp) => {
        const home = conn.home as Home;
        conn.sessions.add(
          new SftpSession(acceptSftp(), home, this.shared, {
            active: () => conn.idle?.refresh(),
            inflight: (delta) => this.inflight(conn, delta),
          }),
        );
      });
    });
    // Resets and half-open clients are everyday events, not the gateway's errors; the close handles them.
    client.on('error', () => undefined);
    this.whenClosed(conn);
  }

  private whenClosed(conn: Conn): Promise<void> {
    conn.closed ??= new Promise<void>((resolve) => {
      conn.client.once('close', () => {
        if (conn.idle) clearTimeout(conn.idle);
        void Promise.allSettled([...conn.sessions].map((s) => s.end())).then(() => {
          this.conns.delete(conn);
          if (!conn.user && conn.refused.length > 0) {
            this.o.logger.warn({ remote: conn.remote, attempts: conn.refused }, 'sftp login failed');
            this.o.onLogin?.('refused');
          }
          resolve();
        });
      });
    });
    return conn.closed;
  }

  private inflight(conn: Conn, delta: number): void {
    conn.inflight += delta;
    if (!conn.paused && conn.inflight > INFLIGHT_HIGH) {
      conn.paused = true;
      conn.socket.pause();
    } else if (conn.paused && conn.inflight < INFLIGHT_LOW) {
      conn.paused = false;
      conn.socket.resume();
    }
  }

  private ready(conn: Conn): void {
    const entry = this.sockets.get(`${conn.socket.remoteAddress}|${conn.socket.remotePort}`);
    if (entry) clearTimeout(entry.grace);
    conn.idle = setTimeout(() => this.idleCheck(conn), this.idleMs);
  }

  private idleCheck(conn: Conn): void {
    if ([...conn.sessions].some((s) => s.busy)) {
      conn.idle?.refresh();
      return;
    }
    this.o.logger.info(
      { partnerId: conn.user?.partnerId, remote: conn.remote, idleMs: this.idleMs },
      'sftp connection idle; closed',
    );
    conn.client.end();
  }

  /** Counts a failure against (address, user) and the address, and says so once when that stops either. */
  private fail(conn: Conn, user: string): void {
    const max = this.o.maxAuthFailures ?? DEFAULT_MAX_AUTH_FAILURES;
    if (this.limiter.fail(limiterKey(conn.remote, user))) {
      this.o.logger.warn(
        { remote: conn.remote, user, failures: max, minutes: AUTH_BLOCK_MS / 60_000 },
        'sftp: too many failed logins for this user from this address; refusing them for a while',
      );
    }
    if (this.addressLimiter.fail(conn.remote)) {
      this.o.logger.warn(
        { remote: conn.remote, failures: max * ADDRESS_FAILURE_FACTOR, minutes: AUTH_BLOCK_MS / 60_000 },
        'sftp: too many failed logins from this address, whatever the user; refusing it for a while',
      );
    }
    if (this.blocked(conn, user)) conn.client.end();
  }

  private blocked(conn: Conn, user: string): boolean {
    return this.addressLimiter.blocked(conn.remote) || this.limiter.blocked(limiterKey(conn.remote, user));
  }

  private refuse(conn: Conn, ctx: AuthContext): void {
    conn.refused.push({ user: ctx.username, method: ctx.method });
    tryTo(() => ctx.reject(METHODS));
    if (conn.attempts >= MAX_ATTEMPTS_PER_CONNECTION) conn.client.end();
  }

  private async authenticate(conn: Conn, ctx: AuthContext): Promise<void> {
    if (this.blocked(conn, ctx.username)) {
      tryTo(() => ctx.reject());
      conn.client.end();
      return;
    }
    // `none` is how a client asks which methods there are; it is no attempt.
    if (ctx.method === 'none') return tryTo(() => ctx.reject(METHODS));
    conn.attempts++;
    const user = await this.findUser(ctx.username);

    if (ctx.method === 'publickey') {
      const keys = user ? this.keysOf(user) : [];
      const key = keys.find((k) => sameKey(k, ctx.key));
      if (!key) {
        // Clients offer their keys one by one; a refused offer counts once a connection, not once a key.
        if (conn.probeCounted === undefined) {
          conn.probeCounted = ctx.username;
          this.fail(conn, ctx.username);
        }
        return this.refuse(conn, ctx);
      }
      // Without a signature the client only asks whether this key would do (ssh2 answers PK_OK).
      if (!ctx.signature || !ctx.blob) return tryTo(() => ctx.accept());
      if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
        this.o.logger.warn({ remote: conn.remote, user: ctx.username }, 'sftp login refused: bad public key signature');
        this.fail(conn, ctx.username);
        return this.refuse(conn, ctx);
      }
      return this.admit(conn, ctx, user as SftpUser);
    }

    if (ctx.method === 'password') {
      if (user?.passwordHash !== undefined && !parsePasswordHash(user.passwordHash)) {
        this.o.logger.warn(
          { partnerId: user.partnerId },
          "sftp: the partner's password hash is unreadable ($scrypt$N=…,r=…,p=…$salt$hash expected); password login refused",
        );
      }
      const ok = await verifyPassword(ctx.password, user?.passwordHash);
      if (!ok || !user) {
        this.o.logger.warn({ remote: conn.remote, user: ctx.username }, 'sftp login refused: wrong user or password');
        this.fail(conn, ctx.username);
        return this.refuse(conn, ctx);
      }
      return this.admit(conn, ctx, user);
    }

    // keyboard-interactive, hostbased: not offered.
    return this.refuse(conn, ctx);
  }

  private async findUser(name: string): Promise<SftpUser | undefined> {
    let users: SftpUser[];
    try {
      users = await this.o.users();
    } catch (err) {
      this.o.logger.error({ err }, 'sftp: reading the users failed; login refused');
      return undefined;
    }
    const matches = users.filter((u) => u.user === name);
    if (matches.length > 1) {
      this.o.logger.error(
        { user: name, partners: matches.map((u) => u.partnerId) },
        'sftp: one user name in several partner files; login refused',
      );
      return undefined;
    }
    return matches[0];
  }

  private keysOf(user: SftpUser): ParsedKey[] {
    const { keys, unreadable } = authorizedKeys(user.publicKeys);
    if (unreadable > 0)
      this.o.logger.warn(
        { partnerId: user.partnerId, unreadable },
        "sftp: some of the partner's public keys cannot be read",
      );
    return keys;
  }

  private async admit(conn: Conn, ctx: AuthContext, user: SftpUser): Promise<void> {
    if (!isSafeFolderName(user.partnerId)) {
      this.o.logger.error({ partnerId: user.partnerId }, 'sftp: this partner id cannot name a folder; login refused');
      return this.refuse(conn, ctx);
    }
    try {
      conn.home = await this.makeHome(user.partnerId);
    } catch (err) {
      this.o.logger.error({ partnerId: user.partnerId, err }, "sftp: making the partner's home failed; login refused");
      return this.refuse(conn, ctx);
    }
    if (conn.probeCounted !== undefined) {
      this.limiter.forgive(limiterKey(conn.remote, conn.probeCounted));
      this.addressLimiter.forgive(conn.remote);
    }
    conn.user = user;
    tryTo(() => ctx.accept());
    this.o.logger.info(
      { partnerId: user.partnerId, user: user.user, remote: conn.remote, method: ctx.method },
      'sftp login',
    );
    this.o.onLogin?.('opened');
  }

  private async makeHome(partnerId: string): Promise<Home> {
    const dir = path.join(this.root, partnerId);
    for (const area of this.areas) await fs.mkdir(path.join(dir, area), { recursive: true, mode: DIR_MODE });
    return { partnerId, dir: await fs.realpath(dir), areas: this.areas };
  }
}

/** NUL cannot be in an address or in an SSH user name that logs in anywhere. */
function limiterKey(address: string, user: string): string {
  return `${address}\u0000${user}`;
}

/** Answers to a client that may already have hung up: nothing to do about a closed socket. */
function tryTo(fn: () => void): void {
  try {
    fn();
  } catch {
    // connection gone
  }
}
