/**
 * The SFTP poller and sender against OpenSSH's sshd (../shared/peers/conf/sshd_config) as a
 * partner's server, plus the host key file rules, which need no server.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { promises as fs, watch } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import { ed25519KeyPair } from '../../src/ssh-keygen';
import { GatewayError } from '../../src/errors';
import {
  findInbound,
  findOutbound,
  type IntakeInput,
  type SeenStore,
  type TransportLogger,
} from '../../src/transports';
import { connectSftp, sftpError } from '../../src/transports/sftp/client';
import { fingerprint, hostKeyAlgorithms, parseHostKeys } from '../../src/transports/sftp/known-hosts';
import { SftpPoller, sftpPoller } from '../../src/transports/sftp/poller';
import { sftpSender } from '../../src/transports/sftp/sender';
import { type Sshd, SSHD, startSshd } from './peers/sshd';
import { describePeer, freePort, missingPeer } from './peers/system';
import { inboundContract, outboundContract } from './contract';

function publicKeyLine(type: 'ed25519' | 'rsa' = 'ed25519', comment = 'k'): { line: string; blob: Buffer } {
  const pair = type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: 2048 }) : ed25519KeyPair();
  const parsed = utils.parseKey(pair.public);
  if (parsed instanceof Error) throw parsed;
  const blob = parsed.getPublicSSH();
  return { line: `${parsed.type} ${blob.toString('base64')} ${comment}`, blob };
}

const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('sftp: pinned host keys', () => {
  const a = publicKeyLine();
  const b = publicKeyLine();

  test('a public key file pins its key for whatever host it is named for', () => {
    const pinned = parseHostKeys(`${a.line}\n`, 'sftp.acme.example', 22);
    expect(pinned.keys).toEqual([{ type: 'ssh-ed25519', blob: a.blob }]);
  });

  test('known_hosts lines apply by host and port, as OpenSSH writes them', () => {
    const text = [
      '# comment',
      `sftp.acme.example,10.0.0.5 ${a.line}`,
      `[sftp.acme.example]:2222 ${b.line}`,
      `other.example ${b.line}`,
    ].join('\n');
    expect(parseHostKeys(text, 'sftp.acme.example', 22).keys.map((k) => k.blob)).toEqual([a.blob]);
    expect(parseHostKeys(text, '10.0.0.5', 22).keys.map((k) => k.blob)).toEqual([a.blob]);
    expect(parseHostKeys(text, 'sftp.acme.example', 2222).keys.map((k) => k.blob)).toEqual([b.blob]);
    // A plain name stands for port 22 only.
    expect(parseHostKeys(text, 'sftp.acme.example', 2200).keys).toEqual([]);
  });

  test('hashed names, wildcards and negations match as in OpenSSH', () => {
    expect(parseHostKeys(`${hashed('[127.0.0.1]:22022')} ${a.line}`, '127.0.0.1', 22022).keys).toHaveLength(1);
    expect(parseHostKeys(`${hashed('[127.0.0.1]:22022')} ${a.line}`, '127.0.0.1', 22).keys).toHaveLength(0);
    expect(parseHostKeys(`*.acme.example,!evil.acme.example ${a.line}`, 'sftp.ACME.example', 22).keys).toHaveLength(1);
    expect(parseHostKeys(`*.acme.example,!evil.acme.example ${a.line}`, 'evil.acme.example', 22).keys).toHaveLength(0);
  });

  test('a revoked key is refused even when another line lists it; CA lines are not trusted', () => {
    const text = [`host ${a.line}`, `@revoked * ${a.line}`, `@cert-authority * ${b.line}`].join('\n');
    const pinned = parseHostKeys(text, 'host', 22);
    expect(pinned.keys).toEqual([]);
    expect(pinned.revoked).toHaveLength(1);
    expect(pinned.skipped).toBe(1);
  });

  test('malformed lines are skipped, not trusted', () => {
    const pinned = parseHostKeys('host ssh-ed25519 not-base64!\nhost\nssh-ed25519\n', 'host', 22);
    expect(pinned.keys).toEqual([]);
    expect(pinned.skipped).toBe(3);
  });

  test('the server is asked for the pinned types only; an RSA pin allows the SHA-2 signatures', () => {
    const rsa = publicKeyLine('rsa');
    const pinned = parseHostKeys(`${rsa.line}\n${a.line}`, 'h', 22);
    expect(hostKeyAlgorithms(pinned.keys)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });

  test('fingerprints read as OpenSSH prints them', () => {
    expect(fingerprint(a.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('sftp: config, registry and error kinds', () => {
  const base = { host: 'h', user: 'u', key: 'k', hostKey: 'hk', dir: '/out' };

  test('the registry binds sftp-poll and sftp to the poller and the sender', () => {
    expect(findInbound('sftp-poll')).toBe(sftpPoller);
    expect(findOutbound('sftp')).toBe(sftpSender);
  });

  test('the poller config takes a partner file poll entry, fills defaults and refuses unknown keys', () => {
    const c = sftpPoller.config.parse({ ...base, afterRead: 'leave', every: '5m', minAge: undefined });
    expect(c).toMatchObject({
      port: 22,
      pattern: '*',
      afterRead: 'leave',
      every: 300_000,
      minAge: 30_000,
      timeout: 20_000,
    });
    expect(sftpPoller.config.safeParse({ ...base, bogus: 1 }).success).toBe(false);
    expect(sftpPoller.config.safeParse({ ...base, key: undefined }).error?.issues[0].message).toBe(
      'logging in needs key or password',
    );
    expect(sftpSender.config.safeParse({ ...base, key: undefined, password: 'p' }).success).toBe(true);
  });

  test('a refused login or host is dead; a lost or slow connection retries', () => {
    const level = (l: string, message = 'x') => Object.assign(new Error(message), { level: l });
    expect(sftpError(level('client-authentication'), 'c')).toMatchObject({ code: 'EDIGW_SFTP_AUTH', kind: 'dead' });
    expect(sftpError(level('client-timeout', 'Timed out while waiting for handshake'), 'c', 5)).toMatchObject({
      code: 'EDIGW_SFTP_UNREACHABLE',
      kind: 'retry',
    });
    expect(sftpError(level('handshake', 'Handshake failed: no matching host key format'), 'c')).toMatchObject({
      code: 'EDIGW_SFTP_HOST_KEY_MISMATCH',
      kind: 'dead',
    });
    expect(sftpError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'c')).toMatchObject({
      code: 'EDIGW_SFTP_UNREACHABLE',
      kind: 'retry',
    });
    expect(sftpError(Object.assign(new Error('_rename: Permission denied'), { code: 3 }), 'c')).toMatchObject({
      code: 'EDIGW_SFTP_DENIED',
      kind: 'dead',
    });
    expect(sftpError(Object.assign(new Error('list: No such file /x'), { code: 2 }), 'c')).toMatchObject({
      code: 'EDIGW_SFTP_NO_SUCH_PATH',
      kind: 'dead',
    });
    expect(sftpError(Object.assign(new Error('Failure'), { code: 4 }), 'c')).toMatchObject({
      code: 'EDIGW_SFTP_IO',
      kind: 'retry',
    });
  });
});

describe('sftp: a server that accepts the connection and never answers', () => {
  let silent: net.Server;
  let dir: string;
  beforeAll(async () => {
    silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-sftp-silent-'));
  });
  afterAll(async () => {
    silent.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('sftp client: no login within the timeout is a retry, saying which timeout', async () => {
    const hostKey = path.join(dir, 'host.pub');
    await fs.writeFile(hostKey, `${publicKeyLine().line}\n`);
    const { port } = silent.address() as net.AddressInfo;
    const err = await connectSftp({ host: '127.0.0.1', port, user: 'u', password: 'p', hostKey, timeout: 300 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'EDIGW_SFTP_UNREACHABLE', kind: 'retry' });
    expect((err as GatewayError).describe()).toContain('not logged in within 300 ms');
  });
});

// ---- against OpenSSH ----

const missing = missingPeer([SSHD, 'ssh-keygen', 'ssh-keyscan', 'useradd', 'chpasswd', 'userdel'], { root: true });

interface LogLine {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}
function recordingLogger(): TransportLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

function recordingIntake(behaviour?: (input: IntakeInput, call: number) => Promise<{ messageId: string }>) {
  const calls: IntakeInput[] = [];
  const intake = (input: IntakeInput) => {
    calls.push(input);
    return behaviour ? behaviour(input, calls.length) : Promise.resolve({ messageId: `m${calls.length}` });
  };
  return { calls, intake };
}

function memorySeen(): SeenStore & { keys: Set<string> } {
  const keys = new Set<string>();
  return { keys, has: async (k) => keys.has(k), add: async (k) => void keys.add(k) };
}

describePeer('sftp poller and sender against OpenSSH sshd', missing, () => {
  let sshd: Sshd;
  let work: string;
  let knownHosts: string;
  let n = 0;

  beforeAll(async () => {
    sshd = await startSshd();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-sftp-test-'));
    knownHosts = path.join(work, 'known_hosts');
    await fs.writeFile(knownHosts, sshd.knownHosts);
  }, 60_000);

  afterAll(async () => {
    await sshd?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  /** A fresh folder in the chroot, owned by the sftp user; its path as the user sees it. */
  async function remoteDir(): Promise<string> {
    const name = `d${++n}`;
    const local = path.join(sshd.chroot, name);
    await fs.mkdir(local, { mode: 0o750 });
    await fs.chown(local, sshd.user.uid, sshd.user.gid);
    return `/${name}`;
  }
  const local = (remote: string, ...names: string[]) => path.join(sshd.chroot, remote, ...names);
  async function put(remote: string, name: string, bytes: Buffer | string, mtime?: Date): Promise<void> {
    const file = local(remote, name);
    await fs.writeFile(file, bytes);
    await fs.chown(file, sshd.user.uid, sshd.user.gid);
    if (mtime) await fs.utimes(file, mtime, mtime);
  }
  const listLocal = async (remote: string, ...sub: string[]) =>
    (await fs.readdir(local(remote, ...sub)).catch(() => [] as string[])).sort();
  const connection = () => ({
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user.name,
    key: sshd.clientKey,
    hostKey: knownHosts,
  });

  function poller(config: Record<string, unknown>, deps: Partial<ConstructorParameters<typeof SftpPoller>[1]> = {}) {
    // minAge 0: these tests poll back to back; the default (30 s) has its own test.
    const parsed = sftpPoller.config.parse({ ...connection(), every: 50, minAge: 0, partner: 'acme', ...config });
    return sftpPoller.create(parsed, {
      intake: recordingIntake().intake,
      logger: recordingLogger(),
      clock: () => new Date(),
      ...deps,
    }) as SftpPoller;
  }

  test('sftp poller: takes a complete file on its second listing, moves it to processed, and never takes it twice', async () => {
    const dir = await remoteDir();
    const body = Buffer.from('ISA*00*          *00*          *ZZ*ACME           *ZZ*US             *\n');
    await put(dir, 'po.edi', body);
    const { calls, intake } = recordingIntake();
    const p = poller({ dir, afterRead: 'move' }, { intake });
    await p.poll();
    expect(calls).toHaveLength(0); // one listing cannot tell whether the file is still growing
    await p.poll();
    expect(calls).toHaveLength(1);
    expect(calls[0].bytes.equals(body)).toBe(true);
    expect(calls[0].fileName).toBe('po.edi');
    expect(calls[0].remotePath).toBe(`sftp://${sshd.user.name}@127.0.0.1:${sshd.port}${dir}/po.edi`);
    expect(await listLocal(dir)).toEqual(['processed']);
    expect(await listLocal(dir, 'processed')).toEqual(['po.edi']);
    await p.poll();
    await p.poll();
    expect(calls).toHaveLength(1);
  });

  test('sftp poller: skips a file that is still growing until its size stays the same', async () => {
    const dir = await remoteDir();
    await put(dir, 'big.edi', 'first half;');
    const { calls, intake } = recordingIntake();
    const p = poller({ dir, afterRead: 'delete' }, { intake });
    await p.poll();
    await fs.appendFile(local(dir, 'big.edi'), 'second half;');
    await p.poll();
    expect(calls).toHaveLength(0);
    await p.poll();
    expect(calls).toHaveLength(1);
    expect(calls[0].bytes.toString()).toBe('first half;second half;');
    expect(await listLocal(dir)).toEqual([]); // afterRead: delete
  });

  test('sftp poller: a file written in place whose writer pauses is not taken before it has been unchanged for minAge (default 30 s)', async () => {
    const dir = await remoteDir();
    await put(dir, 'po.edi', 'first half;');
    let now = Date.now();
    const { calls, intake } = recordingIntake();
    const p = poller({ dir, afterRead: 'move', minAge: undefined }, { intake, clock: () => new Date(now) });
    await p.poll();
    now += 7_000; // the writer pauses; two listings agree on size and mtime
    await p.poll();
    now += 7_000;
    await p.poll();
    expect(calls).toHaveLength(0);
    expect(await listLocal(dir)).toEqual(['po.edi']);
    await fs.appendFile(local(dir, 'po.edi'), 'second half;');
    now += 25_000; // 39 s after the first listing, but the file changed: its 30 s start again
    await p.poll();
    now += 25_000;
    await p.poll();
    expect(calls).toHaveLength(0);
    now += 6_000;
    await p.poll();
    expect(calls).toHaveLength(1);
    expect(calls[0].bytes.toString()).toBe('first half;second half;');
  });

  test('sftp poller: leaves files younger than minAge for a later poll', async () => {
    const dir = await remoteDir();
    await put(dir, 'young.edi', 'x');
    let now = Date.now();
    const { calls, intake } = recordingIntake();
    const p = poller({ dir, afterRead: 'move', minAge: '10m' }, { intake, clock: () => new Date(now) });
    await p.poll();
    await p.poll();
    expect(calls).toHaveLength(0);
    now += 11 * 60_000;
    await p.poll();
    expect(calls).toHaveLength(1);
  });

  test('sftp poller: with afterRead leave the file stays, and neither this poller nor a restarted one with the seen store takes it again', async () => {
    const dir = await remoteDir();
    await put(dir, 'keep.edi', 'keep me');
    const seen = memorySeen();
    const first = recordingIntake();
    const p = poller({ dir, afterRead: 'leave' }, { intake: first.intake, seen });
    for (let i = 0; i < 4; i++) await p.poll();
    expect(first.calls).toHaveLength(1);
    expect(await listLocal(dir)).toEqual(['keep.edi']);
    expect([...seen.keys]).toEqual([
      expect.stringMatching(
        new RegExp(`^sftp://${sshd.user.name}@127\\.0\\.0\\.1:${sshd.port}${dir}/keep\\.edi 7 \\d+ [0-9a-f]{64}$`),
      ),
    ]);

    const second = recordingIntake();
    const restarted = poller({ dir, afterRead: 'leave' }, { intake: second.intake, seen });
    for (let i = 0; i < 3; i++) await restarted.poll();
    expect(second.calls).toHaveLength(0);

    // Changed content is a new file.
    await put(dir, 'keep.edi', 'keep me, changed', new Date(Date.now() - 5000));
    for (let i = 0; i < 2; i++) await restarted.poll();
    expect(second.calls.map((c) => c.bytes.toString())).toEqual(['keep me, changed']);
  });

  test('sftp poller: a file found in the seen store is not taken in again, only moved', async () => {
    const dir = await remoteDir();
    await put(dir, 'again.edi', 'again');
    const seen = memorySeen();
    const leaving = poller({ dir, afterRead: 'leave' }, { seen });
    await leaving.poll();
    await leaving.poll();
    expect(seen.keys.size).toBe(1);
    const { calls, intake } = recordingIntake();
    const mover = poller({ dir, afterRead: 'move' }, { intake, seen });
    await mover.poll();
    await mover.poll();
    expect(calls).toHaveLength(0);
    expect(await listLocal(dir, 'processed')).toEqual(['again.edi']);
  });

  test('sftp poller: moves without overwriting, to a moveTo it creates, and ignores hidden, .part and unmatched names', async () => {
    const dir = await remoteDir();
    await fs.mkdir(local(dir, 'done'), { recursive: true });
    await fs.chown(local(dir, 'done'), sshd.user.uid, sshd.user.gid);
    await put(`${dir}/done`, 'po.edi', 'older');
    await put(dir, 'po.edi', 'newer');
    await put(dir, '.hidden.edi', 'h');
    await put(dir, 'upload.edi.part', 'p');
    await put(dir, 'notes.txt', 't');
    const { calls, intake } = recordingIntake();
    const p = poller({ dir, afterRead: 'move', moveTo: `${dir}/done`, pattern: '*.edi' }, { intake });
    await p.poll();
    await p.poll();
    expect(calls.map((c) => c.fileName)).toEqual(['po.edi']);
    expect(await listLocal(dir, 'done')).toEqual(['po-1.edi', 'po.edi']);
    expect(await fs.readFile(local(dir, 'done', 'po.edi'), 'utf8')).toBe('older');
    expect(await fs.readFile(local(dir, 'done', 'po-1.edi'), 'utf8')).toBe('newer');
    expect(await listLocal(dir)).toEqual(['.hidden.edi', 'done', 'notes.txt', 'upload.edi.part']);

    const q = poller({ dir, afterRead: 'move', moveTo: `${dir}/made/here`, pattern: '*.txt' });
    await q.poll();
    await q.poll();
    expect(await listLocal(dir, 'made', 'here')).toEqual(['notes.txt']);
  });

  test('sftp poller: leaves the remote file in place when the store rejects the write, and moves it once a retry commits', async () => {
    const dir = await remoteDir();
    await put(dir, 'po.edi', 'po');
    let now = Date.now();
    const { calls, intake } = recordingIntake(async (_i, call) => {
      if (call === 1) throw new Error('database is locked');
      return { messageId: 'm-ok' };
    });
    const logger = recordingLogger();
    const p = poller({ dir, afterRead: 'move', every: 1000 }, { intake, logger, clock: () => new Date(now) });
    await p.poll();
    await p.poll();
    expect(calls).toHaveLength(1);
    expect(await listLocal(dir)).toEqual(['po.edi']);
    expect(logger.lines.find((l) => l.level === 'error')?.obj).toMatchObject({
      partner: 'acme',
      host: '127.0.0.1',
      file: 'po.edi',
      attempts: 1,
    });
    await p.poll(); // within the backoff: not tried
    expect(calls).toHaveLength(1);
    now += 1500;
    await p.poll();
    expect(calls).toHaveLength(2);
    expect(await listLocal(dir, 'processed')).toEqual(['po.edi']);
  });

  test('sftp poller: the files of one listing are taken in together, each moved only after its own intake resolved', async () => {
    const dir = await remoteDir();
    for (const name of ['a.edi', 'b.edi', 'c.edi']) await put(dir, name, name);
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const atRelease: string[][] = [];
    const { calls, intake } = recordingIntake(async (input, call) => {
      // The third intake opens the gate: had the poller waited for each before downloading the next,
      // the first would never resolve.
      if (call === 3) {
        atRelease.push(await listLocal(dir));
        release();
      }
      await released;
      return { messageId: `m-${input.fileName}` };
    });
    const p = poller({ dir, afterRead: 'move' }, { intake });
    await p.poll();
    await p.poll();
    expect(calls.map((c) => c.fileName).sort()).toEqual(['a.edi', 'b.edi', 'c.edi']);
    expect(atRelease).toEqual([['a.edi', 'b.edi', 'c.edi']]);
    expect(await listLocal(dir, 'processed')).toEqual(['a.edi', 'b.edi', 'c.edi']);
  });

  test('sftp poller: of files taken in together, the one the store rejects stays on the server and the others move', async () => {
    const dir = await remoteDir();
    for (const name of ['a.edi', 'b.edi', 'c.edi']) await put(dir, name, name);
    const { calls, intake } = recordingIntake(async (input) => {
      if (input.fileName === 'b.edi') throw new Error('database is locked');
      return { messageId: `m-${input.fileName}` };
    });
    const logger = recordingLogger();
    const p = poller({ dir, afterRead: 'delete', every: 60_000 }, { intake, logger });
    await p.poll();
    await p.poll();
    expect(calls).toHaveLength(3);
    expect(await listLocal(dir)).toEqual(['b.edi']);
    expect(logger.lines.find((l) => l.level === 'error')?.obj).toMatchObject({ file: 'b.edi', attempts: 1 });
  });

  test('sftp poller: when the move fails after intake, the file is never taken in again; only the move is retried', async () => {
    const dir = await remoteDir();
    await put(dir, 'po.edi', 'po');
    let now = Date.now();
    const { calls, intake } = recordingIntake();
    const logger = recordingLogger();
    // The chroot's root belongs to root: the sftp user cannot make a folder there.
    const p = poller(
      { dir, afterRead: 'move', moveTo: '/not-allowed', every: 1000 },
      { intake, logger, clock: () => new Date(now) },
    );
    for (let i = 0; i < 3; i++) {
      await p.poll();
      now += 5000;
    }
    expect(calls).toHaveLength(1);
    expect(await listLocal(dir)).toEqual(['po.edi']);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0].obj).toMatchObject({ file: 'po.edi', messageId: 'm1', code: 'EDIGW_SFTP_DENIED' });
    expect(errors[0].msg).toContain('will not be taken in again');
  });

  test('sftp poller: a large file is spooled to a temp file and arrives intact', async () => {
    const dir = await remoteDir();
    const body = randomBytes(3 * 1024 * 1024 + 17);
    await put(dir, 'large.edi', body);
    const { calls, intake } = recordingIntake();
    const p = poller({ dir, afterRead: 'delete', spoolAbove: '256KB' }, { intake });
    await p.poll();
    await p.poll();
    expect(calls).toHaveLength(1);
    expect(calls[0].bytes.equals(body)).toBe(true);
  });

  test('sftp poller: a host key that is not the pinned one is refused, nothing is downloaded, and the error names it', async () => {
    const dir = await remoteDir();
    await put(dir, 'po.edi', 'po');
    const other = path.join(work, 'other_known_hosts');
    await fs.writeFile(other, `[127.0.0.1]:${sshd.port} ${publicKeyLine().line}\n`);
    const { calls, intake } = recordingIntake();
    const logger = recordingLogger();
    const p = poller({ dir, afterRead: 'delete', hostKey: other }, { intake, logger });
    await p.poll();
    await p.poll();
    expect(calls).toHaveLength(0);
    expect(await listLocal(dir)).toEqual(['po.edi']);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0].obj).toMatchObject({
      code: 'EDIGW_SFTP_HOST_KEY_MISMATCH',
      partner: 'acme',
      host: '127.0.0.1',
      port: sshd.port,
    });
    expect(errors[0].msg).toContain('SHA256:');
    expect(JSON.stringify(logger.lines)).not.toMatch(/PRIVATE KEY/);
    expect(p.nextDelay()).toBeGreaterThan(50); // backing off
  });

  test('sftp poller: an unreachable server is retried with a growing delay', async () => {
    const port = await freePort();
    const logger = recordingLogger();
    const p = poller({ dir: '/x', port, every: 100, hostKey: sshd.hostKeyPub }, { logger });
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      await p.poll();
      delays.push(p.nextDelay());
    }
    expect(delays).toEqual([200, 400, 800]);
    expect(logger.lines.map((l) => [l.level, l.obj.code])).toEqual([
      ['warn', 'EDIGW_SFTP_UNREACHABLE'],
      ['warn', 'EDIGW_SFTP_UNREACHABLE'],
      ['warn', 'EDIGW_SFTP_UNREACHABLE'],
    ]);
  });

  test('sftp poller: start and stop run ticks on the schedule', async () => {
    const dir = await remoteDir();
    await put(dir, 'timed.edi', 't');
    const { calls, intake } = recordingIntake();
    const p = poller({ dir, afterRead: 'delete', every: 100 }, { intake });
    await p.start();
    for (let i = 0; i < 100 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await p.stop();
    expect(calls).toHaveLength(1);
  });

  // ---- sender ----

  function sender(config: Record<string, unknown> = {}) {
    const logger = recordingLogger();
    return {
      logger,
      s: sftpSender.create(sftpSender.config.parse({ ...connection(), ...config }), {
        logger,
        clock: () => new Date(),
      }),
    };
  }

  test('sftp sender: uploads under a temporary .part name, checks the size, renames; the bytes arrive intact', async () => {
    const dir = await remoteDir();
    const body = randomBytes(3 * 1024 * 1024);
    const { s, logger } = sender({ dir });
    // What the server's folder sees, from the kernel's side (inotify), while the upload runs.
    const names: string[] = [];
    const watcher = watch(local(dir), (_event, name) => {
      if (name && names[names.length - 1] !== name) names.push(name);
    });
    try {
      expect(await s.send({ bytes: body, fileName: 'invoice.x12' })).toEqual({ remoteName: 'invoice.x12' });
      // Until the watch has seen the final name appear (the rename), not for some time.
      for (let i = 0; i < 400 && !names.includes('invoice.x12'); i++) await new Promise((r) => setTimeout(r, 5));
    } finally {
      watcher.close();
    }
    // Written under the temporary name first; the final name appears only with the rename (which
    // OpenSSH does as link + unlink, so the temporary name is seen once more as it goes).
    expect(names[0]).toMatch(/^\.invoice\.x12\.[0-9a-f]{8}\.part$/);
    expect([...new Set(names)]).toEqual([names[0], 'invoice.x12']);
    expect(await listLocal(dir)).toEqual(['invoice.x12']);
    expect((await fs.readFile(local(dir, 'invoice.x12'))).equals(body)).toBe(true);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'info', msg: 'sftp delivered' })]);
  });

  test('sftp sender: never overwrites: a taken name gets -1, -2', async () => {
    const dir = await remoteDir();
    const { s } = sender({ dir });
    await put(dir, 'po.edi', 'theirs');
    expect(await s.send({ bytes: Buffer.from('one'), fileName: 'po.edi' })).toEqual({ remoteName: 'po-1.edi' });
    expect(await s.send({ bytes: Buffer.from('two'), fileName: 'po.edi' })).toEqual({ remoteName: 'po-2.edi' });
    expect(await fs.readFile(local(dir, 'po.edi'), 'utf8')).toBe('theirs');
    expect(await fs.readFile(local(dir, 'po-2.edi'), 'utf8')).toBe('two');
    expect(await listLocal(dir)).toEqual(['po-1.edi', 'po-2.edi', 'po.edi']);
  });

  test('sftp sender: two deliveries of one name at once both arrive, under different names', async () => {
    const dir = await remoteDir();
    const { s } = sender({ dir });
    const results = await Promise.all([
      s.send({ bytes: Buffer.from('a'), fileName: 'x.edi' }),
      s.send({ bytes: Buffer.from('b'), fileName: 'x.edi' }),
    ]);
    expect(results.map((r) => r.remoteName).sort()).toEqual(['x-1.edi', 'x.edi']);
    const contents = [
      await fs.readFile(local(dir, 'x.edi'), 'utf8'),
      await fs.readFile(local(dir, 'x-1.edi'), 'utf8'),
    ].sort();
    expect(contents).toEqual(['a', 'b']);
  });

  async function failure(p: Promise<unknown>): Promise<GatewayError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }

  test('sftp sender: a host key mismatch is dead with its own code, and nothing is uploaded', async () => {
    const dir = await remoteDir();
    const pub = path.join(work, 'other.pub');
    await fs.writeFile(pub, `${publicKeyLine().line}\n`);
    const err = await failure(sender({ dir, hostKey: pub }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }));
    expect(err).toMatchObject({ code: 'EDIGW_SFTP_HOST_KEY_MISMATCH', kind: 'dead' });
    expect(await listLocal(dir)).toEqual([]);
  });

  test("sftp sender: the server's own .pub file and a hashed known_hosts (ssh-keygen -H) both pin it", async () => {
    const dir = await remoteDir();
    const hashedFile = path.join(work, 'hashed_known_hosts');
    await fs.writeFile(hashedFile, sshd.knownHosts);
    const { spawnSync } = await import('node:child_process');
    expect(spawnSync('ssh-keygen', ['-H', '-f', hashedFile]).status).toBe(0);
    expect(await fs.readFile(hashedFile, 'utf8')).toMatch(/^\|1\|/m);
    expect(
      await sender({ dir, hostKey: sshd.hostKeyPub }).s.send({ bytes: Buffer.from('1'), fileName: 'a.edi' }),
    ).toEqual({ remoteName: 'a.edi' });
    expect(await sender({ dir, hostKey: hashedFile }).s.send({ bytes: Buffer.from('2'), fileName: 'b.edi' })).toEqual({
      remoteName: 'b.edi',
    });
  });

  test('sftp sender: a host key file with no key for this host is dead before connecting', async () => {
    const file = path.join(work, 'elsewhere');
    await fs.writeFile(file, `[127.0.0.1]:1 ${publicKeyLine().line}\n`);
    const err = await failure(
      sender({ dir: '/', hostKey: file }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }),
    );
    expect(err).toMatchObject({ code: 'EDIGW_TRANSPORT_KEY_FILE', kind: 'dead' });
  });

  test('sftp sender: a key the server does not know is a dead login failure', async () => {
    const key = path.join(work, 'stranger');
    await fs.writeFile(key, ed25519KeyPair().private, { mode: 0o600 });
    const err = await failure(sender({ dir: '/', key }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }));
    expect(err).toMatchObject({ code: 'EDIGW_SFTP_AUTH', kind: 'dead' });
  });

  test('sftp sender: permission denied and a missing folder are dead; a closed port retries', async () => {
    const denied = await failure(sender({ dir: '/' }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }));
    expect(denied).toMatchObject({ code: 'EDIGW_SFTP_DENIED', kind: 'dead' });
    const nowhere = await failure(
      sender({ dir: '/no/such/dir' }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }),
    );
    expect(nowhere).toMatchObject({ code: 'EDIGW_SFTP_NO_SUCH_PATH', kind: 'dead' });
    const closed = await failure(
      sender({ dir: '/', port: await freePort(), hostKey: sshd.hostKeyPub }).s.send({
        bytes: Buffer.from('x'),
        fileName: 'x.edi',
      }),
    );
    expect(closed).toMatchObject({ code: 'EDIGW_SFTP_UNREACHABLE', kind: 'retry' });
  });

  test('sftp sender: a file name with a folder in it is refused before connecting', async () => {
    const err = await failure(sender({ dir: '/' }).s.send({ bytes: Buffer.from('x'), fileName: '../x.edi' }));
    expect(err).toMatchObject({ code: 'EDIGW_FILE_NAME_INVALID', kind: 'dead' });
  });

  test('sftp client: logs in with the pinned key and lists as the poller sees it', async () => {
    const dir = await remoteDir();
    await put(dir, 'a.edi', 'abc', new Date('2026-01-02T03:04:05Z'));
    const session = await connectSftp(sftpSender.config.parse({ ...connection(), dir }));
    try {
      expect(await session.listFiles(dir, () => true)).toEqual([
        { name: 'a.edi', size: 3, mtimeMs: Date.parse('2026-01-02T03:04:05Z') },
      ]);
    } finally {
      await session.close();
    }
  });

  // ---- the transport contract ----

  const filesOf = async (dir: string) =>
    (await fs.readdir(local(dir), { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();

  inboundContract('sftp poller', async () => {
    const dir = await remoteDir();
    return {
      put: (name, bytes) => put(dir, name, bytes),
      files: () => filesOf(dir),
      poller: (afterRead, intake) => poller({ dir, afterRead }, { intake }),
    };
  });

  outboundContract('sftp sender', async () => {
    const dir = await remoteDir();
    return {
      sender: () => sender({ dir }).s,
      read: (remoteName) => fs.readFile(local(dir, remoteName)),
    };
  });
});
