/**
 * OpenSSH's sshd as a partner's SFTP server, from ../shared/peers/conf/sshd_config: a chrooted,
 * key-only, internal-sftp user on 127.0.0.1. Runs as root (sshd must, to chroot).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shared } from '../../helpers/shared';
import { chrootableDir, createSystemUser, freePort, run, type SystemUser, waitForPort } from './system';

export const SSHD = '/usr/sbin/sshd';
export const SSHD_CONFIG = shared('peers/conf/sshd_config');

export interface Sshd {
  port: number;
  user: SystemUser;
  /** Root of the user's view: `/out` there is `${chroot}/out` here. */
  chroot: string;
  /** Our private key, authorized for the user. */
  clientKey: string;
  /** The server's public host key file (`ssh-ed25519 AAAA… comment`). */
  hostKeyPub: string;
  /** What `ssh-keyscan -p PORT 127.0.0.1` says: known_hosts lines for the server. */
  knownHosts: string;
  dir: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startSshd(): Promise<Sshd> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-sshd-'));
  // sshd reads authorized_keys as the user, who must be able to reach it.
  await fs.chmod(dir, 0o755);
  const chroot = await chrootableDir('edigw-chroot-');
  const user = createSystemUser('edisftp', '/');
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'edigw-test-host',
      '-f',
      path.join(dir, 'ssh_host_ed25519_key'),
    ]);
    const clientKey = path.join(dir, 'client_key');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'edigw-test-client', '-f', clientKey]);
    await fs.mkdir(path.join(dir, 'authorized_keys'), { mode: 0o755 });
    await fs.copyFile(`${clientKey}.pub`, path.join(dir, 'authorized_keys', user.name));
    await fs.chmod(path.join(dir, 'authorized_keys', user.name), 0o644);

    // The shipped config with its placeholders filled, the port free here, and the throwaway user
    // in place of `edisftp` (a fixed name would collide with a second run on the same machine).
    const config = readFileSync(SSHD_CONFIG, 'utf8')
      .replaceAll('@DIR@', dir)
      .replaceAll('@CHROOT@', chroot)
      .replace(/^Port .*$/m, `Port ${port}`)
      .replace(/^AllowUsers .*$/m, `AllowUsers ${user.name}`)
      .replace(/^Match User .*$/m, `Match User ${user.name}`);
    const configFile = path.join(dir, 'sshd_config');
    await fs.writeFile(configFile, config);
    // The privilege separation folder, which a container without a running sshd lacks.
    await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    run(SSHD, ['-t', '-f', configFile]);

    const logFile = path.join(dir, 'sshd.log');
    child = spawn(SSHD, ['-D', '-f', configFile, '-E', logFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const proc = child;
    try {
      await waitForPort(port, 10_000, () => proc.exitCode === null && proc.signalCode === null);
    } catch (err) {
      throw new Error(`sshd did not start: ${(err as Error).message}\n${stderr}${readFileSync(logFile, 'utf8')}`, {
        cause: err,
      });
    }
    const knownHosts = run('ssh-keyscan', ['-p', String(port), '-t', 'ed25519', '127.0.0.1']);

    return {
      port,
      user,
      chroot,
      clientKey,
      dir,
      knownHosts,
      hostKeyPub: path.join(dir, 'ssh_host_ed25519_key.pub'),
      log: () => readFileSync(logFile, 'utf8'),
      stop: async () => {
        await stopProcess(proc);
        user.remove();
        await fs.rm(chroot, { recursive: true, force: true });
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child) await stopProcess(child);
    user.remove();
    await fs.rm(chroot, { recursive: true, force: true });
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** SIGTERM to the process by its PID, then waits for it to exit (SIGKILL after 5 s). */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(timer);
}
