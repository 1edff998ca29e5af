/**
 * Logging in to a partner's FTP server, for the FTP poller and sender, with basic-ftp. `secure`
 * chooses explicit FTPS (AUTH TLS on the usual port), implicit FTPS (TLS from the first byte) or
 * plain FTP; with TLS the server's certificate and name are checked, against `ca` when given (a
 * private CA or the server's own self-signed certificate), else against Node's trusted CAs.
 * Failures become GatewayErrors whose kind says whether waiting can help.
 */
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ConnectionOptions } from 'node:tls';
import type * as BasicFtp from 'basic-ftp';

/**
 * basic-ftp, loaded when the first connection is opened rather than with the transport registry: what
 * loads the partners without ever connecting (a large payload's child process, commands) skips it.
 */
function basicFtp(): typeof BasicFtp {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (above)
  return require('basic-ftp') as typeof BasicFtp;
}
import { z } from 'zod';
import { secret } from '../../config/secret';
import { duration } from '../../config/units';
import { type ErrorCode, GatewayError } from '../../errors';
import { type RemoteAddress, type RemoteFile, type RemoteSession, remoteUrl } from '../remote/files';
import { remoteProbe } from '../remote/probe';
import type { NamedFile, Probe } from '../spec';

/** How a partner's FTP server is reached: the keys of a partner file's `ftp` poll entry and endpoint. */
export const ftpConnectionFields = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(21),
  user: z.string().min(1),
  password: secret(z.string().min(1), 'FTP password'),
  secure: z.enum(['explicit', 'implicit', 'none']).default('explicit'),
  /** PEM file of the CA (or the self-signed certificate) that the server's certificate must chain to. */
  ca: z.string().min(1).optional(),
  /** Connecting, TLS and logging in must be done within this; afterwards, any reply or transfer that stalls for this long fails. */
  timeout: duration.refine((ms) => ms > 0, 'a timeout above zero').default(20_000),
};

/** The CA file as TLS reads it: one or more PEM certificates. Throws when it holds none. */
export function readCaFile(bytes: Buffer): void {
  const blocks = bytes.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) throw new Error('no PEM certificate (-----BEGIN CERTIFICATE-----) in it');
  for (const b of blocks) new X509Certificate(b);
}

/** The files an FTP section names: the CA, read as TLS reads it. */
export function ftpFiles(section: Record<string, unknown>): NamedFile[] {
  return typeof section.ca === 'string'
    ? [{ path: ['ca'], file: section.ca, what: 'the CA certificate of their server', read: readCaFile }]
    : [];
}

export interface FtpConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  secure: 'explicit' | 'implicit' | 'none';
  ca?: string;
  timeout: number;
}

export const ftpAddress = (c: FtpConnection): RemoteAddress => ({
  protocol: 'ftp',
  host: c.host,
  port: c.port,
  user: c.user,
});

/** The connectivity check of their server: log in and list `dir`, within the shorter of its timeout and the check's. */
export const ftpProbe = (c: FtpConnection & { dir: string }, timeoutMs: number): Probe =>
  remoteProbe(ftpAddress(c), c.dir, (timeout) => connectFtp({ ...c, timeout }), Math.min(c.timeout, timeoutMs));

type Phase = 'connect' | 'tls' | 'login' | 'command';

/** Logs in (over TLS unless `secure: none`) and switches to binary transfers. Throws a GatewayError. */
export async function connectFtp(c: FtpConnection): Promise<FtpSession> {
  const address = ftpAddress(c);
  const context = `connecting to ${remoteUrl(address)}${c.secure === 'none' ? '' : ` (${c.secure} FTPS)`}`;
  const tls: ConnectionOptions = {};
  if (c.ca !== undefined) {
    try {
      tls.ca = await fs.readFile(c.ca, 'utf8');
    } catch (err) {
      throw new GatewayError('EDIGW_TRANSPORT_KEY_FILE', `${context}: reading the CA file ${c.ca}`, { cause: err });
    }
  }

  const ftp = basicFtp();
  const client = new ftp.Client(c.timeout);
  let phase: Phase = 'connect';
  // basic-ftp times out replies, but not a TLS handshake that never ends: the whole login gets one deadline.
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    client.close();
  }, c.timeout);
  try {
    if (c.secure === 'implicit') {
      await client.connectImplicitTLS(c.host, c.port, { ...tls });
    } else {
      await client.connect(c.host, c.port);
    }
    if (c.secure === 'explicit') {
      phase = 'tls';
      // The host is kept for the data connections, which must resume this TLS session and check the same name.
      await client.useTLS({ ...tls, host: c.host });
    }
    phase = 'login';
    await client.sendIgnoringError('OPTS UTF8 ON');
    await client.login(c.user, c.password);
    phase = 'command';
    await client.useDefaultSettings();
    const home = await client.pwd();
    return new FtpSession(client, address, home);
  } catch (err) {
    client.close();
    throw ftpError(
      timedOut ? Object.assign(new Error(`not logged in within ${c.timeout} ms`), { code: 'ETIMEDOUT' }) : err,
      context,
      phase,
    );
  } finally {
    clearTimeout(deadline);
  }
}

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
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;

/** Classifies a failure of basic-ftp: an FTPError carries the server's reply code, a socket error its errno code. */
export function ftpError(err: unknown, context: string, phase: Phase = 'command'): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const make = (code: ErrorCode, detail = message) => new GatewayError(code, `${context}: ${detail}`, { cause: err });
  const code = e.code;
  if (typeof code === 'number') {
    // A server without TLS may answer AUTH TLS with 530 "log in first": still a TLS refusal.
    if (phase === 'tls') return make('EDIGW_FTP_TLS', `AUTH TLS refused: ${message}`);
    if (code === 530 || code === 532 || (phase === 'login' && code >= 500)) return make('EDIGW_FTP_AUTH');
    if (code === 421) return make('EDIGW_FTP_UNREACHABLE');
    // 4xx says "not now"; 552 is a full quota, which someone may clear.
    if ((code >= 400 && code < 500) || code === 552) return make('EDIGW_FTP_IO');
    return make('EDIGW_FTP_REFUSED');
  }
  if (typeof code === 'string') {
    if (NETWORK.has(code)) return make('EDIGW_FTP_UNREACHABLE');
    if (CERTIFICATE.test(code) || code === 'EPROTO' || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))
      return make('EDIGW_FTP_TLS', `${code}: ${message}`);
  }
  if (/^Timeout|closed connection|FIN packet|Socket closed|closed client/i.test(message))
    return make('EDIGW_FTP_UNREACHABLE');
  return make('EDIGW_FTP_IO');
}

/** One logged-in FTP connection. basic-ftp runs one command at a time; the poller and sender never overlap them. */
export class FtpSession implements RemoteSession {
  /** MDTM is optional in FTP; once a server says it has none, files are compared by size alone. */
  private mdtm = true;

  constructor(
    private readonly client: BasicFtp.Client,
    readonly address: RemoteAddress,
    private readonly home: string,
  ) {}

  private async run<T>(doing: string, file: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw ftpError(err, `${doing} ${remoteUrl(this.address, file)}`);
    }
  }

  listFiles(dir: string, wanted: (name: string) => boolean): Promise<RemoteFile[]> {
    return this.run('listing', dir, async () => {
      const file = basicFtp().FileType.File;
      // `LIST dir` of a folder that is missing or that we may not read is an empty listing on some
      // servers (vsftpd), which would read as "nothing to take" on every poll; entering it first makes
      // the server say 550, a located error.
      await this.client.cd(dir);
      let listed: BasicFtp.FileInfo[];
      try {
        listed = await this.client.list();
      } finally {
        if (!this.client.closed) await this.client.cd(this.home);
      }
      const entries = listed.filter((e) => e.type === file && wanted(e.name));
      const files: RemoteFile[] = [];
      // LIST gives times to the minute at best; MLSD or MDTM give seconds.
      for (const e of entries)
        files.push({
          name: e.name,
          size: e.size,
          mtimeMs: e.modifiedAt?.getTime() ?? (await this.lastMod(path.posix.join(dir, e.name))),
        });
      return files;
    });
  }

  private async lastMod(file: string): Promise<number> {
    if (!this.mdtm) return 0;
    try {
      return (await this.client.lastMod(file)).getTime();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 500 || code === 502 || code === 504) {
        this.mdtm = false;
        return 0;
      }
      // The file went (or may not be read) since LIST: one file's 550 must not fail the whole listing.
      // Compared by size alone this time; its download, if it is still there, says what is wrong.
      if (code === 550) return 0;
      throw err;
    }
  }

  download(file: string, into: Writable): Promise<void> {
    return this.run('downloading', file, async () => {
      await this.client.downloadTo(into, file);
      await finished(into);
    });
  }

  upload(bytes: Buffer, file: string): Promise<void> {
    return this.run('uploading to', file, async () => {
      await this.client.uploadFrom(Readable.from([bytes]), file);
    });
  }

  size(file: string): Promise<number> {
    return this.run('asking the size of', file, () => this.client.size(file));
  }

  exists(file: string): Promise<boolean> {
    return this.run('looking for', file, async () => {
      try {
        await this.client.size(file);
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code === 550) return false;
        throw err;
      }
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.run(`renaming to ${path.posix.basename(to)}`, from, async () => {
      await this.client.rename(from, to);
    });
  }

  remove(file: string): Promise<void> {
    return this.run('deleting', file, async () => {
      try {
        await this.client.remove(file);
      } catch (err) {
        // 550 is both "no such file" and "not allowed": only the first is done.
        if ((err as { code?: unknown }).code === 550 && !(await this.exists(file))) return;
        throw err;
      }
    });
  }

  ensureDir(dir: string): Promise<void> {
    return this.run('making the folder', dir, async () => {
      // ensureDir walks into the folder; relative paths after it must mean what they meant before.
      try {
        await this.client.ensureDir(dir);
      } finally {
        if (!this.client.closed) await this.client.cd(this.home);
      }
    });
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
