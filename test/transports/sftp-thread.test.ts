/**
 * The hosted SFTP server on its own thread (transports/sftp/thread.ts), as the gateway runs it: the
 * OpenSSH client logs in, and what the thread asks of the main thread (the users at each login, the
 * intake) and tells it (log lines, errors) crosses between them intact.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ed25519KeyPair } from '../../src/ssh-keygen';
import { GatewayError } from '../../src/errors';
import type { SftpServerOptions, SftpUser } from '../../src/transports/sftp/server';
import { startSftpThread } from '../../src/transports/sftp/thread';
import {
  describeWithOpenSsh,
  keygen,
  sftpBatch,
  ssh2Writes,
  streamHash,
  writeKnownHosts,
  type Client,
} from './sftp/openssh';

type IntakeInput = Parameters<SftpServerOptions['intake']>[0];
interface Logged {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

const withOpenSsh = describeWithOpenSsh('sftp thread tests');

withOpenSsh('hosted sftp server on its own thread', () => {
  let tmp: string;
  let root: string;
  let hostKey: Buffer;
  let users: SftpUser[];
  let usersAsked = 0;
  /** `sha256` is the file's on disk; `told` what the thread handed over with it. */
  const taken: Array<IntakeInput & { sha256: string; told?: string }> = [];
  const logged: Logged[] = [];
  let server: { port: number; close(): Promise<void> };
  let acme: Client;
  let hostPub: string;
  const INLINE = 1024;

  const logger = {
    info: (fields: object, message: string) => {
      logged.push({ level: 'info', fields: fields as Record<string, unknown>, message });
    },
    warn: (fields: object, message: string) => {
      logged.push({ level: 'warn', fields: fields as Record<string, unknown>, message });
    },
    error: (fields: object, message: string) => {
      logged.push({ level: 'error', fields: fields as Record<string, unknown>, message });
    },
  };

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-sftp-thread-'));
    root = path.join(tmp, 'sftp');
    const hostKeyFile = await keygen(tmp, 'host', 'ed25519');
    hostKey = await fs.readFile(hostKeyFile);
    const key = await keygen(tmp, 'acme', 'ed25519');
    users = [{ partnerId: 'acme', user: 'acme', publicKeys: [await fs.readFile(`${key}.pub`, 'utf8')] }];
    server = await startSftpThread({
      port: 0,
      host: '127.0.0.1',
      hostKey,
      root,
      maxAuthFailures: 1000,
      inlineUpTo: INLINE,
      logger,
      users: () => {
        usersAsked++;
        return users;
      },
      intake: async (input) => {
        if (input.fileName.includes('refuse'))
          throw new GatewayError('EDIGW_FILE_NO_SPACE', 'storing (test)', { cause: new Error('disk on fire') });
        const { sha256 } = await streamHash(input.path);
        taken.push({ ...input, sha256, told: input.sha256 });
        return { messageId: `msg-${taken.length}` };
      },
    });
    const knownHosts = path.join(tmp, 'known_hosts');
    hostPub = await fs.readFile(`${hostKeyFile}.pub`, 'utf8');
    await writeKnownHosts(knownHosts, server.port, hostPub);
    acme = { port: server.port, user: 'acme', key, knownHosts };
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  const local = async (name: string, bytes: number) => {
    const file = path.join(tmp, name);
    await fs.writeFile(file, Buffer.alloc(bytes, 'x'));
    return file;
  };

  test('uploads are taken in by the main thread; small ones unsynced, large ones with their fsynced digest', async () => {
    const small = await local('small.edi', INLINE);
    const large = await local('large.edi', INLINE + 1);
    const r = await sftpBatch(acme, tmp, [
      `put ${small} /inbox/small.edi.part`,
      'rename /inbox/small.edi.part /inbox/small.edi',
      `put ${large} /inbox/large.edi`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const bySize = Object.fromEntries(taken.map((t) => [t.fileName, t]));
    expect(bySize['small.edi']).toMatchObject({ partnerId: 'acme', remotePath: '/inbox/small.edi' });
    // Small: intake copies it into its commit, so it was not fsynced and no digest is claimed; its bytes
    // come along with the rename, exactly as written, so that intake need not read the file back.
    expect(bySize['small.edi'].synced).toBeUndefined();
    expect(Buffer.from(bySize['small.edi'].content!).equals(await fs.readFile(small))).toBe(true);
    // Hashed as it arrived, so that intake need not hash it again.
    expect(bySize['small.edi'].told).toBe(bySize['small.edi'].sha256);
    expect(bySize['large.edi'].content).toBeUndefined();
    expect(bySize['large.edi'].synced).toEqual({ sha256: bySize['large.edi'].sha256, size: INLINE + 1 });
    expect(await fs.readdir(path.join(root, 'acme', 'inbox'))).toEqual([]);
    // The thread's log lines reach the main thread's logger; a file taken in writes none (its event says so).
    expect(logged.filter((l) => l.message === 'sftp login').map((l) => l.fields.partnerId)).toContain('acme');
    expect(logged.filter((l) => l.message === 'sftp upload taken in')).toEqual([]);
  });

  test('a small upload written out of order, or over itself, comes without bytes: intake reads the file', async () => {
    const login = { port: acme.port, user: 'acme', privateKey: await fs.readFile(acme.key!), hostPublicKey: hostPub };
    await ssh2Writes({
      ...login,
      remote: '/inbox/backwards-small.edi',
      writes: [
        { offset: 4, data: Buffer.from('5678') },
        { offset: 0, data: Buffer.from('1234') },
      ],
    });
    await ssh2Writes({
      ...login,
      remote: '/inbox/over-small.edi',
      writes: [
        { offset: 0, data: Buffer.from('aaaa') },
        { offset: 0, data: Buffer.from('bb') },
      ],
    });
    const in3 = Buffer.from('in order, in three writes');
    await ssh2Writes({
      ...login,
      remote: '/inbox/in-order-small.edi',
      writes: [
        { offset: 0, data: in3.subarray(0, 3) },
        { offset: 3, data: in3.subarray(3, 10) },
        { offset: 10, data: in3.subarray(10) },
      ],
    });
    const byName = Object.fromEntries(taken.map((t) => [t.fileName, t]));
    expect(byName['backwards-small.edi'].content).toBeUndefined();
    expect(byName['over-small.edi'].content).toBeUndefined();
    expect(Buffer.from(byName['in-order-small.edi'].content!).toString()).toBe(in3.toString());
  });

  test('the users are asked of the main thread at every login: an edited partner applies at once', async () => {
    const before = usersAsked;
    expect((await sftpBatch(acme, tmp, ['ls /'])).code).toBe(0);
    expect(usersAsked).toBeGreaterThan(before);
    const saved = users;
    users = [];
    try {
      const r = await sftpBatch(acme, tmp, ['ls /']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied/);
    } finally {
      users = saved;
    }
  });

  test('an intake that fails: the client is told, the file stays, and the error arrives whole in the log', async () => {
    const file = await local('refuse.edi', 10);
    const r = await sftpBatch(acme, tmp, [`put ${file} /inbox/refuse.edi`]);
    expect(r.code).not.toBe(0);
    // OpenSSH shows only the status (Failure); the message with its code is for clients that print it.
    expect(r.stderr).toMatch(/close remote: Failure/);
    expect(await fs.readdir(path.join(root, 'acme', 'inbox'))).toEqual(['refuse.edi']);
    const line = logged.find((l) => l.level === 'error' && l.fields.remotePath === '/inbox/refuse.edi');
    const err = line?.fields.err;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'EDIGW_FILE_NO_SPACE', context: 'storing (test)' });
    expect((err as Error).cause).toMatchObject({ message: 'disk on fire' });
  });

  test("start failures come back as the server's own errors: a bad host key, a port in use", async () => {
    const base = {
      port: 0,
      host: '127.0.0.1',
      root,
      users: () => [],
      intake: async () => ({ messageId: 'x' }),
      logger,
    };
    await expect(startSftpThread({ ...base, hostKey: 'not a key' })).rejects.toMatchObject({
      code: 'EDIGW_SFTP_HOST_KEY',
    });
    await expect(
      startSftpThread({ ...base, hostKey: ed25519KeyPair().private, port: server.port }),
    ).rejects.toMatchObject({ code: 'EDIGW_SFTP_LISTEN' });
  });
});
