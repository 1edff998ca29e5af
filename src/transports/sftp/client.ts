/**
 * Logging in to a partner's SFTP server, for the SFTP poller and sender. The server's host key must
 * be one pinned in the file `hostKey` names (a known_hosts line or a .pub file): no trust on first
 * use, and a mismatch is its own error code. Failures become GatewayErrors whose kind says whether
 * waiting can help: an unreachable server may come back; a refused login or host key will not.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import type SftpClient from 'ssh2-sftp-client';
import { z } from 'zod';
import { secret } from '../../config/secret';
import { duration } from '../../config/units';
import { type ErrorCode, GatewayError } from '../../errors';
import { fingerprint, hostKeyAlgorithms, parseHostKeys, type PinnedKeys } from './known-hosts';
import { sftpClientClass, sshUtils } from './lazy';
import { type RemoteAddress, type RemoteFile, type RemoteSession, remoteUrl } from '../remote/files';
import { remoteProbe } from '../remote/probe';
import type { Probe } from '../spec';

/** How a partner's SFTP server is reached: the keys of a partner file's `sftp` poll entry and endpoint. */
export const sftpConnectionFields = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1),
  /** Our private key file (OpenSSH or PEM, not passphrase-protected). */
  key: z.string().min(1).optional(),
  password: secret(z.string().min(1), 'password to log in to their server').optional(),
  /** Their host key: a known_hosts file or a public key file. Always checked. */
  hostKey: z.string().min(1),
  /** Connecting, agreeing keys and logging in must be done within this. */
  timeout: duration.refine((ms) => ms > 0, 'a timeout above zero').default(20_000),
};

export interface SftpConnection {
  host: string;
  port: number;
  user: string;
  key?: string;
  password?: string;
  hostKey: string;
  timeout: number;
}

/** For `.refine`: a login needs something to log in with. */
export const hasCredential = (c: { key?: string; password?: string }) =>
  c.key !== undefined || c.password !== undefined;
export const credentialMissing = { message: 'logging in needs key or password', path: ['key'] };

export const sftpAddress = (c: SftpConnection): RemoteAddress => ({
  protocol: 'sftp',
  host: c.host,
  port: c.port,
  user: c.user,
});

/** The connectivity check of their server: log in and list `dir`, within the shorter of its timeout and the check's. */
export const sftpProbe = (c: SftpConnection & { dir: string }, timeoutMs: number): Probe =>
  remoteProbe(sftpAddress(c), c.dir, (timeout) => connectSftp({ ...c, timeout }), Math.min(c.timeout, timeoutMs));

/** Keepalives once logged in, so that a silently dropped connection fails instead of hanging. */
const KEEPALIVE_MS = 15_000;

const ignore = () => undefined;

/** Logs in and opens the SFTP subsystem. Throws a GatewayError. */
export async function connectSftp(c: SftpConnection): Promise<SftpSession> {
  const address = sftpAddress(c);
  const context = `connecting to ${remoteUrl(address)}`;
  const pinned = await readPinned(c, context);
  const privateKey = c.key === undefined ? undefined : await readPrivateKey(c.key, context);

  // The library's default callbacks write to the console; a dropped connection surfaces on the next operation instead.
  const client = new (sftpClientClass())('edi-gateway', { error: ignore, end: ignore, close: ignore });
  // ssh2's own error carries `level` (client-authentication, client-timeout, …), which the library's wrapping drops.
  let raw: unknown;
  client.on('error', (err: unknown) => {
    raw ??= err;
  });
  let presented: Buffer | undefined;
  try {
    await client.connect({
      host: c.host,
      port: c.port,
      username: c.user,
      privateKey,
      password: c.password,
      tryKeyboard: false,
      readyTimeout: c.timeout,
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: hostKeyAlgorithms(pinned.keys) as ServerHostKeyAlgorithm[] },
      hostVerifier: (key: Buffer) => {
        presented = key;
        return pinned.keys.some((k) => k.blob.equals(key));
      },
    });
  } catch (err) {
    await client.end().catch(ignore);
    if (presented !== undefined && !pinned.keys.some((k) => k.blob.equals(presented as Buffer))) {
      throw new GatewayError(
        'EDIGW_SFTP_HOST_KEY_MISMATCH',
        `${context}: the server presented ${fingerprint(presented)}; ${c.hostKey} pins ${pinned.keys.map((k) => fingerprint(k.blob)).join(', ')}`,
      );
    }
    throw sftpError(raw ?? err, context, c.timeout);
  }
  return new SftpSession(client, address);
}

async function readPinned(c: SftpConnection, context: string): Promise<PinnedKeys> {
  let text: string;
  try {
    text = await fs.readFile(c.hostKey, 'utf8');
  } catch (err) {
    throw new GatewayError('EDIGW_TRANSPORT_KEY_FILE', `${context}: reading the host key file ${c.hostKey}`, {
      cause: err,
    });
  }
  const pinned = parseHostKeys(text, c.host, c.port);
  if (pinned.keys.length === 0) {
    const name = c.port === 22 ? c.host : `[${c.host}]:${c.port}`;
    throw new GatewayError(
      'EDIGW_TRANSPORT_KEY_FILE',
      `${context}: ${c.hostKey} holds no usable host key for ${name} (${pinned.skipped} line(s) for other hosts, revoked, unsupported or malformed)`,
    );
  }
  return pinned;
}

async function readPrivateKey(file: string, context: string): Promise<Buffer> {
  let key: Buffer;
  try {
    key = await fs.readFile(file);
  } catch (err) {
    throw new GatewayError('EDIGW_TRANSPORT_KEY_FILE', `${context}: reading our private key ${file}`, { cause: err });
  }
  // Checked here so a bad key is named as such, not reported as a failed connection.
  const parsed = sshUtils().parseKey(key);
  if (parsed instanceof Error) {
    throw new GatewayError(
      'EDIGW_TRANSPORT_KEY_FILE',
      `${context}: our private key ${file} cannot be used (${parsed.message})`,
    );
  }
  return key;
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that ssh2 puts in an error's `code`. */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;
const SFTP_NO_CONNECTION = 6;
const SFTP_CONNECTION_LOST = 7;

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** Classifies a failure of ssh2 or ssh2-sftp-client. */
export function sftpError(err: unknown, context: string, timeout?: number): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = (err ?? {}) as { level?: unknown; code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const make = (code: ErrorCode, detail = message) => new GatewayError(code, `${context}: ${detail}`, { cause: err });
  switch (e.level) {
    case 'client-authentication':
      return make('EDIGW_SFTP_AUTH', 'every login method we have was refused');
    case 'client-timeout':
      return make(
        'EDIGW_SFTP_UNREACHABLE',
        timeout !== undefined && /handshake/i.test(message) ? `not logged in within ${timeout} ms` : message,
      );
    case 'client-socket':
    case 'client-dns':
      return make('EDIGW_SFTP_UNREACHABLE');
    case 'handshake':
      // The server cannot show a key of a pinned type: as good as a different key.
      if (/host key/i.test(message))
        return make('EDIGW_SFTP_HOST_KEY_MISMATCH', `${message} (the server has no key of the types pinned)`);
      return make('EDIGW_SFTP_UNREACHABLE');
    default:
  }
  const code = e.code;
  if (typeof code === 'string' && NETWORK.has(code)) return make('EDIGW_SFTP_UNREACHABLE');
  if (
    code === SFTP_NO_CONNECTION ||
    code === SFTP_CONNECTION_LOST ||
    code === 'ERR_NOT_CONNECTED' ||
    /No SFTP connection|Unexpected (end|close) event|Keepalive timeout|Not connected/i.test(message)
  ) {
    return make('EDIGW_SFTP_UNREACHABLE');
  }
  if (code === SFTP_PERMISSION_DENIED || code === 'EACCES' || /permission denied/i.test(message))
    return make('EDIGW_SFTP_DENIED');
  if (code === SFTP_NO_SUCH_FILE || code === 'ENOENT' || /no such file/i.test(message))
    return make('EDIGW_SFTP_NO_SUCH_PATH');
  return make('EDIGW_SFTP_IO');
}

/** One logged-in SFTP connection. */
export class SftpSession implements RemoteSession {
  constructor(
    private readonly client: SftpClient,
    readonly address: RemoteAddress,
  ) {}

  private async run<T>(doing: string, file: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw sftpError(err, `${doing} ${remoteUrl(this.address, file)}`);
    }
  }

  listFiles(dir: string, wanted: (name: string) => boolean): Promise<RemoteFile[]> {
    return this.run('listing', dir, async () => {
      const entries = await this.client.list(dir);
      return entries
        .filter((e) => e.type === '-' && wanted(e.name))
        .map((e) => ({ name: e.name, size: e.size, mtimeMs: e.modifyTime }));
    });
  }

  download(file: string, into: Writable): Promise<void> {
    return this.run('downloading', file, async () => {
      await this.client.get(file, into);
      await finished(into);
    });
  }

  upload(bytes: Buffer, file: string): Promise<void> {
    return this.run('uploading to', file, async () => {
      await this.client.put(bytes, file);
    });
  }

  size(file: string): Promise<number> {
    return this.run('asking the size of', file, async () => (await this.client.stat(file)).size);
  }

  exists(file: string): Promise<boolean> {
    return this.run('looking for', file, async () => (await this.client.exists(file)) !== false);
  }

  rename(from: string, to: string): Promise<void> {
    // SSH_FXP_RENAME, not posix-rename@openssh.com: it fails rather than replace an existing file.
    return this.run(`renaming to ${path.posix.basename(to)}`, from, async () => {
      await this.client.rename(from, to);
    });
  }

  remove(file: string): Promise<void> {
    return this.run('deleting', file, async () => {
      await this.client.delete(file, true);
    });
  }

  ensureDir(dir: string): Promise<void> {
    return this.run('making the folder', dir, async () => {
      await this.client.mkdir(dir, true);
    });
  }

  async close(): Promise<void> {
    await this.client.end().catch(ignore);
  }
}
