/**
 * vsftpd as a partner's FTP server, from ../shared/peers/conf/vsftpd.conf (plain) or
 * vsftpd-ftps.conf (explicit TLS, certificate required): one local user with a password, chrooted
 * into its home, passive transfers on 127.0.0.1. Runs as root.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shared } from '../../helpers/shared';
import { stopProcess } from './sshd';
import { freePort, freePortRange, run, waitForPort } from './system';

export const VSFTPD = '/usr/sbin/vsftpd';
const CONF = shared('peers/conf');

export interface Vsftpd {
  port: number;
  dir: string;
  log(): string;
  stop(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 (and localhost), as a partner's FTPS server might have. */
export function selfSignedCertificate(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-sha256',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { cert, key };
}

export async function startVsftpd(opts: { user: string; tls?: { cert: string; key: string } }): Promise<Vsftpd> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-vsftpd-'));
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const [pasvMin, pasvMax] = await freePortRange(8);
    await fs.writeFile(path.join(dir, 'user_list'), `${opts.user}\n`);
    if (opts.tls) {
      await fs.copyFile(opts.tls.cert, path.join(dir, 'ftps.crt'));
      await fs.copyFile(opts.tls.key, path.join(dir, 'ftps.key'));
    }
    // The shipped config with @DIR@ filled and ports that are free here (two servers, and maybe two runs, at once).
    const config = readFileSync(path.join(CONF, opts.tls ? 'vsftpd-ftps.conf' : 'vsftpd.conf'), 'utf8')
      .replaceAll('@DIR@', dir)
      .replace(/^listen_port=.*$/m, `listen_port=${port}`)
      .replace(/^pasv_min_port=.*$/m, `pasv_min_port=${pasvMin}`)
      .replace(/^pasv_max_port=.*$/m, `pasv_max_port=${pasvMax}`);
    const configFile = path.join(dir, 'vsftpd.conf');
    await fs.writeFile(configFile, config);
    // secure_chroot_dir must exist; a container that never ran vsftpd may not have it.
    await fs.mkdir('/var/run/vsftpd/empty', { recursive: true, mode: 0o755 });

    child = spawn(VSFTPD, [configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const proc = child;
    const logFile = path.join(dir, opts.tls ? 'vsftpd-ftps.log' : 'vsftpd.log');
    try {
      await waitForPort(port, 10_000, () => proc.exitCode === null && proc.signalCode === null);
    } catch (err) {
      throw new Error(`vsftpd did not start: ${(err as Error).message}\n${output}`, { cause: err });
    }
    return {
      port,
      dir,
      log: () => {
        try {
          return readFileSync(logFile, 'utf8');
        } catch {
          return '';
        }
      },
      stop: async () => {
        await stopProcess(proc);
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child) await stopProcess(child);
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}
