/**
 * Drives the real OpenSSH client (sftp, ssh, ssh-keygen) against the hosted SFTP server. Every child
 * runs asynchronously: the server lives in the test process and must keep answering meanwhile.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client as SshClient, type SFTPWrapper } from 'ssh2';
import { describeNeeding } from '../../helpers/requirements';

export function haveOpenSsh(): boolean {
  return ['sftp', 'ssh', 'ssh-keygen'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
}

/**
 * `describe` when the OpenSSH client is installed; without it skipped with the reason, and a failure
 * under CI (helpers/requirements.ts).
 */
export function describeWithOpenSsh(_what: string): (title: string, body: () => void) => void {
  const missing = haveOpenSsh() ? undefined : 'sftp, ssh or ssh-keygen not found (apt-get install openssh-client)';
  return (title, body) => describeNeeding(title, 'the OpenSSH client', missing, body);
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed for running past its time limit. */
  timedOut: boolean;
  ms: number;
}

export interface Running {
  done: Promise<Run>;
  exited(): boolean;
  /** What the child wrote to stderr so far. */
  stderr(): string;
  /** Cuts the child off, as a dropped connection would. */
  kill(): void;
  stdin: NodeJS.WritableStream;
}

export function start(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; keepStdin?: boolean } = {},
): Running {
  const began = Date.now();
  const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  let exited = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  if (!opts.keepStdin) child.stdin.end();
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? 30_000);
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      exited = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: Date.now() - began });
    });
  });
  return {
    done,
    exited: () => exited,
    stderr: () => stderr,
    kill: () => {
      child.kill('SIGKILL');
    },
    stdin: child.stdin,
  };
}

export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return start(cmd, args, opts).done;
}

/** A fresh key pair without passphrase; returns the private key's path (the public one is `.pub` beside it). */
export async function keygen(dir: string, name: string, type: 'ed25519' | 'rsa' | 'ecdsa'): Promise<string> {
  const file = path.join(dir, name);
  const bits = type === 'rsa' ? ['-b', '2048'] : type === 'ecdsa' ? ['-b', '256'] : [];
  const r = await run('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', `${name}@test`, '-f', file]);
  if (r.code !== 0) throw new Error(`ssh-keygen ${type}: ${r.stderr}`);
  return file;
}

/** The public key as PEM (SubjectPublicKeyInfo), the other form a partner may hand over. */
export async function pemPublicKey(privateKeyFile: string): Promise<string> {
  const r = await run('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', `${privateKeyFile}.pub`]);
  if (r.code !== 0) throw new Error(`ssh-keygen -e: ${r.stderr}`);
  return r.stdout;
}

/** A known_hosts file pinning the server's host key for 127.0.0.1:port, as a partner's would. */
export async function writeKnownHosts(file: string, port: number, hostPublicKey: string): Promise<void> {
  const [type, blob] = hostPublicKey.trim().split(/\s+/);
  await fs.writeFile(file, `[127.0.0.1]:${port} ${type} ${blob}\n`);
}

export interface Client {
  port: number;
  user: string;
  key?: string;
  knownHosts: string;
}

/** Options that make the client use only what the test gives it, never the account's own keys or config. */
export function sshOptions(c: Client, extra: string[] = []): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${c.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'ConnectTimeout=10',
    ...(c.key ? ['-i', c.key] : []),
    ...extra,
  ];
}

let batches = 0;

/** Runs `sftp -b` with the given commands; a failing command ends the batch with exit code 1. */
export async function sftpBatch(c: Client, dir: string, commands: string[], timeoutMs = 60_000): Promise<Run> {
  const batch = path.join(dir, `batch-${++batches}.txt`);
  await fs.writeFile(batch, `${commands.join('\n')}\n`);
  return run(
    'sftp',
    ['-b', batch, '-P', String(c.port), ...sshOptions(c, ['-o', 'BatchMode=yes']), `${c.user}@127.0.0.1`],
    { timeoutMs },
  );
}

/** The lines sftp printed that are not its echo of the batch commands. */
export function output(r: Run): string[] {
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('sftp>'));
}

/** Writes `bytes` of varied content to `file` in 1 MiB steps (bounded memory) and returns its sha256. */
export async function writeBigFile(file: string, bytes: number): Promise<string> {
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131 + 7) & 0xff;
  const hash = createHash('sha256');
  const fh = await fs.open(file, 'w');
  try {
    for (let at = 0, n = 0; at < bytes; at += block.length, n++) {
      // Each MiB differs, so that a chunk written at the wrong offset shows in the hash.
      block.writeUInt32BE(n, 0);
      block.writeUInt32BE(n ^ 0x5a5a5a5a, block.length - 4);
      const part = block.subarray(0, Math.min(block.length, bytes - at));
      hash.update(part);
      await fh.write(part);
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/** sha256 and size of a file, read as a stream: what the store's putStream does with an upload. */
export async function streamHash(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const fh = await fs.open(file, 'r');
  try {
    for await (const chunk of fh.createReadStream({ highWaterMark: 256 * 1024 })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
  return { sha256: hash.digest('hex'), size };
}

/** Where ssh2's client logs in, and the host key it accepts (an OpenSSH `.pub` line), nothing else. */
export interface Ssh2Login {
  port: number;
  user: string;
  privateKey: Buffer;
  hostPublicKey: string;
}

/**
 * Logs in with ssh2's client and hands `work` the SFTP channel. `work` calls `done` once, with the
 * error if any; the connection ends either way, as it does when the login or the channel fails.
 */
export function withSftp(
  o: Ssh2Login,
  work: (sftp: SFTPWrapper, done: (err?: Error | null) => void) => void,
): Promise<void> {
  const pinned = Buffer.from(o.hostPublicKey.trim().split(/\s+/)[1], 'base64');
  return new Promise((resolve, reject) => {
    const conn = new SshClient();
    const done = (err?: Error | null) => {
      conn.end();
      if (err) reject(err);
      else resolve();
    };
    conn.on('error', done);
    conn.on('ready', () => {
      conn.sftp((err, sftp) => {
        if (err) return done(err);
        work(sftp, done);
      });
    });
    conn.connect({
      host: '127.0.0.1',
      port: o.port,
      username: o.user,
      privateKey: o.privateKey,
      hostVerifier: (key: Buffer) => key.equals(pinned),
    });
  });
}

/**
 * Uploads with ssh2's own client, which (unlike OpenSSH's sftp, which prints only "Failure") hands
 * over the message of a failed status: what WinSCP or FileZilla would show a partner.
 */
export function ssh2Upload(o: Ssh2Login & { remote: string; data: Buffer }): Promise<void> {
  return withSftp(o, (sftp, done) => sftp.writeFile(o.remote, o.data, done));
}

/** Opens `remote` for writing with ssh2's client and sends `writes` in the order given (offsets as a client chooses), then closes it. */
export function ssh2Writes(
  o: Ssh2Login & { remote: string; writes: Array<{ offset: number; data: Buffer }> },
): Promise<void> {
  return withSftp(o, (sftp, done) => {
    sftp.open(o.remote, 'w', (oerr, handle) => {
      if (oerr) return done(oerr);
      const next = (i: number): void => {
        if (i === o.writes.length) {
          sftp.close(handle, done);
          return;
        }
        const w = o.writes[i];
        sftp.write(handle, w.data, 0, w.data.length, w.offset, (werr) => (werr ? done(werr) : next(i + 1)));
      };
      next(0);
    });
  });
}
