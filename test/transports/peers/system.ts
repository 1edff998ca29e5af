/**
 * What the peer tests need of the machine: free ports, throwaway system users, folders a chroot
 * accepts, and the rule for a missing peer (skip with the reason printed, but fail under CI).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describeFailing, describeNeeding } from '../../helpers/requirements';
import { sharedMissing } from '../../helpers/shared';

/** Why the peer tests cannot run here, or undefined when they can. */
export function missingPeer(programs: string[], { root = false } = {}): string | undefined {
  const missing = programs.filter((p) => (p.startsWith('/') ? !existsSync(p) : spawnSync('which', [p]).status !== 0));
  if (missing.length) return `not installed: ${missing.join(', ')}`;
  if (root && process.getuid?.() !== 0)
    return 'not running as root (the peer needs a system user and a root-owned chroot)';
  return undefined;
}

/**
 * `describe` for a suite against sshd or vsftpd. Without ../shared/peers/conf it fails; without the
 * programs (or root) it is skipped with the reason, and fails under CI (helpers/requirements.ts).
 */
export function describePeer(title: string, missing: string | undefined, body: () => void): void {
  const noConf = sharedMissing('peers/conf');
  if (noConf) describeFailing(title, '../shared/peers', noConf);
  else describeNeeding(title, 'the peer', missing, body);
}

export function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports (an FTP server's passive range). */
export async function freePortRange(count: number): Promise<[number, number]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 30_000 + Math.floor(Math.random() * 20_000);
    let ok = true;
    for (let p = first; p < first + count && ok; p++) ok = await portFree(p);
    if (ok) return [first, first + count - 1];
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Resolves once something accepts connections on the port, or rejects after `ms`. */
export async function waitForPort(port: number, ms: number, alive: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive()) throw new Error('the server exited');
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
}

export interface SystemUser {
  name: string;
  password: string;
  uid: number;
  gid: number;
  remove(): void;
}

/**
 * A throwaway login: a random name, a random password (an account without one counts as locked for
 * sshd), a shell listed in /etc/shells (PAM's pam_shells wants one). Root only.
 */
export function createSystemUser(prefix: string, home: string): SystemUser {
  const name = `${prefix}${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  // Another test file may be adding its own user at the same moment: useradd then finds /etc/passwd locked.
  retry(() => run('useradd', ['-M', '-d', home, '-s', '/bin/sh', name]));
  retry(() => run('chpasswd', [], `${name}:${password}\n`));
  const uid = Number(run('id', ['-u', name]).trim());
  const gid = Number(run('id', ['-g', name]).trim());
  return {
    name,
    password,
    uid,
    gid,
    remove: () => retry(() => run('userdel', [name])),
  };
}

function retry(f: () => void): void {
  for (let attempt = 1; ; attempt++) {
    try {
      f();
      return;
    } catch (err) {
      if (attempt >= 20 || !/lock|try again/i.test((err as Error).message)) throw err;
      spawnSync('sleep', ['0.2']);
    }
  }
}

/**
 * A new folder that sshd accepts as a chroot: it and every folder above it root-owned and writable
 * by nobody else, which rules out anything under /tmp.
 */
export async function chrootableDir(prefix: string): Promise<string> {
  for (const base of ['/run', '/var/lib', '/srv', '/opt']) {
    if (!chrootSafe(base)) continue;
    const dir = await fs.mkdtemp(path.join(base, prefix));
    await fs.chmod(dir, 0o755);
    return dir;
  }
  throw new Error('no root-owned folder to make a chroot in');
}

function chrootSafe(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (!existsSync(d)) return false;
    const s = statSync(d);
    if (s.uid !== 0 || (s.mode & 0o022) !== 0) return false;
    if (d === path.dirname(d)) return true;
  }
}
