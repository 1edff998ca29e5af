/**
 * The FTP poller and sender against vsftpd, plain (../shared/peers/conf/vsftpd.conf) and explicit
 * FTPS (vsftpd-ftps.conf) with a self-signed certificate trusted through `ca`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, watch } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GatewayError } from '../../src/errors';
import { inboundContract, outboundContract } from './contract';
import { findInbound, findOutbound, type IntakeInput, type TransportLogger } from '../../src/transports';
import { connectFtp, ftpError } from '../../src/transports/ftp/client';
import { FtpPoller, ftpPoller } from '../../src/transports/ftp/poller';
import { ftpSender } from '../../src/transports/ftp/sender';
import { createSystemUser, describePeer, freePort, missingPeer, type SystemUser } from './peers/system';
import { selfSignedCertificate, startVsftpd, type Vsftpd, VSFTPD } from './peers/vsftpd';

describe('ftp: config, registry and error kinds', () => {
  test('the registry binds ftp-poll and ftp to the poller and the sender', () => {
    expect(findInbound('ftp-poll')).toBe(ftpPoller);
    expect(findOutbound('ftp')).toBe(ftpSender);
  });

  test('the config takes a partner file ftp entry with ca, defaults to explicit FTPS, and refuses unknown keys', () => {
    const entry = {
      host: 'h',
      port: 21,
      user: 'u',
      password: 'p',
      secure: 'explicit',
      ca: 'certs/acme/ca.pem',
      dir: '/out',
      pattern: '*.edi',
      afterRead: 'delete',
      every: 900_000,
    };
    expect(ftpPoller.config.parse(entry)).toMatchObject({ ...entry, minAge: 30_000, timeout: 20_000 });
    expect(ftpSender.config.parse({ host: 'h', user: 'u', password: 'p', dir: '/in' })).toMatchObject({
      port: 21,
      secure: 'explicit',
    });
    expect(ftpSender.config.safeParse({ host: 'h', user: 'u', password: 'p', dir: '/in', passive: true }).success).toBe(
      false,
    );
    expect(ftpSender.config.safeParse({ host: 'h', user: 'u', dir: '/in' }).success).toBe(false);
  });

  test('replies and socket errors map to kinds: login, TLS and permanent replies are dead; 4xx and lost connections retry', () => {
    const reply = (code: number, message = `${code} x`) => Object.assign(new Error(message), { code });
    const sock = (code: string) => Object.assign(new Error(code), { code });
    expect(ftpError(reply(530, '530 Login incorrect.'), 'c')).toMatchObject({ code: 'EDIGW_FTP_AUTH', kind: 'dead' });
    expect(ftpError(reply(500), 'c', 'login')).toMatchObject({ code: 'EDIGW_FTP_AUTH', kind: 'dead' });
    expect(ftpError(reply(502), 'c', 'tls')).toMatchObject({ code: 'EDIGW_FTP_TLS', kind: 'dead' });
    expect(ftpError(reply(421), 'c')).toMatchObject({ code: 'EDIGW_FTP_UNREACHABLE', kind: 'retry' });
    expect(ftpError(reply(450), 'c')).toMatchObject({ code: 'EDIGW_FTP_IO', kind: 'retry' });
    expect(ftpError(reply(552), 'c')).toMatchObject({ code: 'EDIGW_FTP_IO', kind: 'retry' });
    expect(ftpError(reply(550, '550 Permission denied.'), 'c')).toMatchObject({
      code: 'EDIGW_FTP_REFUSED',
      kind: 'dead',
    });
    expect(ftpError(sock('ECONNREFUSED'), 'c')).toMatchObject({ code: 'EDIGW_FTP_UNREACHABLE', kind: 'retry' });
    expect(ftpError(sock('DEPTH_ZERO_SELF_SIGNED_CERT'), 'c')).toMatchObject({ code: 'EDIGW_FTP_TLS', kind: 'dead' });
    expect(ftpError(sock('ERR_TLS_CERT_ALTNAME_INVALID'), 'c')).toMatchObject({ code: 'EDIGW_FTP_TLS', kind: 'dead' });
    expect(ftpError(new Error('Timeout (control socket)'), 'c')).toMatchObject({
      code: 'EDIGW_FTP_UNREACHABLE',
      kind: 'retry',
    });
  });
});

test('ftp client: a server that accepts the connection and never greets is a retry after the timeout', async () => {
  const silent = net.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const { port } = silent.address() as net.AddressInfo;
    const err = await connectFtp({
      host: '127.0.0.1',
      port,
      user: 'u',
      password: 'p',
      secure: 'none',
      timeout: 300,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'EDIGW_FTP_UNREACHABLE', kind: 'retry' });
    // The configured 300 ms, not the 20 s default, is what ended the wait.
    expect((err as GatewayError).describe()).toContain('not logged in within 300 ms');
  } finally {
    silent.close();
  }
});

// ---- against vsftpd ----

const missing = missingPeer([VSFTPD, 'openssl', 'useradd', 'chpasswd', 'userdel'], { root: true });

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

function recordingIntake() {
  const calls: IntakeInput[] = [];
  const intake = (input: IntakeInput) => {
    calls.push(input);
    return Promise.resolve({ messageId: `m${calls.length}` });
  };
  return { calls, intake };
}

async function failure(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

describePeer('ftp poller and sender against vsftpd', missing, () => {
  let work: string;
  let home: string;
  let user: SystemUser;
  let plain: Vsftpd;
  let ftps: Vsftpd;
  let cert: { cert: string; key: string };
  let stranger: { cert: string; key: string };
  let n = 0;

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-ftp-test-'));
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-ftp-home-'));
    user = createSystemUser('edigwftp', home);
    await fs.chown(home, user.uid, user.gid);
    await fs.chmod(home, 0o755);
    cert = selfSignedCertificate(work, 'partner-ftps');
    stranger = selfSignedCertificate(work, 'someone-else');
    plain = await startVsftpd({ user: user.name });
    ftps = await startVsftpd({ user: user.name, tls: cert });
  }, 60_000);

  afterAll(async () => {
    await plain?.stop();
    await ftps?.stop();
    user?.remove();
    if (home) await fs.rm(home, { recursive: true, force: true });
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  async function remoteDir(): Promise<string> {
    const name = `d${++n}`;
    await fs.mkdir(path.join(home, name), { mode: 0o750 });
    await fs.chown(path.join(home, name), user.uid, user.gid);
    return `/${name}`;
  }
  const local = (remote: string, ...names: string[]) => path.join(home, remote, ...names);
  async function put(remote: string, name: string, bytes: Buffer | string): Promise<void> {
    await fs.writeFile(local(remote, name), bytes);
    await fs.chown(local(remote, name), user.uid, user.gid);
  }
  const listLocal = async (remote: string, ...sub: string[]) =>
    (await fs.readdir(local(remote, ...sub)).catch(() => [] as string[])).sort();

  const targets: [string, () => Record<string, unknown>][] = [
    ['plain FTP', () => ({ port: plain.port, secure: 'none' })],
    ['explicit FTPS', () => ({ port: ftps.port, secure: 'explicit', ca: cert.cert })],
  ];
  const connection = (target: () => Record<string, unknown>) => ({
    host: '127.0.0.1',
    user: user.name,
    password: user.password,
    ...target(),
  });

  function poller(
    target: () => Record<string, unknown>,
    config: Record<string, unknown>,
    deps: Partial<ConstructorParameters<typeof FtpPoller>[1]> = {},
  ) {
    // minAge 0: these tests poll back to back (the default, 30 s, is tested with the SFTP poller: same code).
    const parsed = ftpPoller.config.parse({ ...connection(target), every: 50, minAge: 0, partner: 'acme', ...config });
    return ftpPoller.create(parsed, {
      intake: recordingIntake().intake,
      logger: recordingLogger(),
      clock: () => new Date(),
      ...deps,
    }) as FtpPoller;
  }
  function sender(target: () => Record<string, unknown>, config: Record<string, unknown> = {}) {
    const logger = recordingLogger();
    return {
      logger,
      s: ftpSender.create(ftpSender.config.parse({ ...connection(target), ...config }), {
        logger,
        clock: () => new Date(),
      }),
    };
  }

  describe.each(targets)('%s', (label, target) => {
    test(`${label} poller: takes a complete file on its second listing, moves it to processed, and never takes it twice`, async () => {
      const dir = await remoteDir();
      const body = Buffer.from(`UNA:+.? '\nUNB+UNOC:3+5412345000013:14+5400000000001:14+260101:1200+1'\n${label}`);
      await put(dir, 'orders.edi', body);
      const { calls, intake } = recordingIntake();
      const p = poller(target, { dir, afterRead: 'move' }, { intake });
      await p.poll();
      expect(calls).toHaveLength(0);
      await p.poll();
      expect(calls).toHaveLength(1);
      expect(calls[0].bytes.equals(body)).toBe(true);
      expect(calls[0].remotePath).toBe(`ftp://${user.name}@127.0.0.1:${target().port}${dir}/orders.edi`);
      expect(await listLocal(dir)).toEqual(['processed']);
      expect(await listLocal(dir, 'processed')).toEqual(['orders.edi']);
      await p.poll();
      await p.poll();
      expect(calls).toHaveLength(1);
    });

    test(`${label} poller: skips a growing file until stable, deletes after intake, and leaves other names alone`, async () => {
      const dir = await remoteDir();
      await put(dir, 'a.edi', 'part one;');
      await put(dir, 'readme.txt', 'not EDI');
      const { calls, intake } = recordingIntake();
      const p = poller(target, { dir, afterRead: 'delete', pattern: '*.edi', spoolAbove: 4 }, { intake });
      await p.poll();
      await fs.appendFile(local(dir, 'a.edi'), 'part two;');
      await p.poll();
      expect(calls).toHaveLength(0);
      await p.poll();
      expect(calls.map((c) => c.bytes.toString())).toEqual(['part one;part two;']);
      expect(await listLocal(dir)).toEqual(['readme.txt']);
    });

    test(`${label} poller: with afterRead leave, takes the file once and leaves it`, async () => {
      const dir = await remoteDir();
      await put(dir, 'keep.edi', 'keep');
      const { calls, intake } = recordingIntake();
      const p = poller(target, { dir, afterRead: 'leave' }, { intake });
      for (let i = 0; i < 4; i++) await p.poll();
      expect(calls).toHaveLength(1);
      expect(await listLocal(dir)).toEqual(['keep.edi']);
    });

    test(`${label} sender: uploads under a temporary .part name, checks the size, renames; the bytes arrive intact`, async () => {
      const dir = await remoteDir();
      const body = randomBytes(3 * 1024 * 1024 + 5);
      const { s, logger } = sender(target, { dir });
      const names: string[] = [];
      const watcher = watch(local(dir), (_event, name) => {
        if (name && names[names.length - 1] !== name) names.push(name);
      });
      try {
        expect(await s.send({ bytes: body, fileName: 'desadv.edi' })).toEqual({ remoteName: 'desadv.edi' });
        // Until the watch has seen the final name appear (the rename), not for some time.
        for (let i = 0; i < 400 && !names.includes('desadv.edi'); i++) await new Promise((r) => setTimeout(r, 5));
      } finally {
        watcher.close();
      }
      expect(names[0]).toMatch(/^\.desadv\.edi\.[0-9a-f]{8}\.part$/);
      expect([...new Set(names)]).toEqual([names[0], 'desadv.edi']);
      expect(await listLocal(dir)).toEqual(['desadv.edi']);
      expect((await fs.readFile(local(dir, 'desadv.edi'))).equals(body)).toBe(true);
      expect(logger.lines).toEqual([expect.objectContaining({ level: 'info', msg: 'ftp delivered' })]);
    });

    test(`${label} sender: never overwrites: a taken name gets -1`, async () => {
      const dir = await remoteDir();
      await put(dir, 'po.edi', 'theirs');
      expect(await sender(target, { dir }).s.send({ bytes: Buffer.from('ours'), fileName: 'po.edi' })).toEqual({
        remoteName: 'po-1.edi',
      });
      expect(await fs.readFile(local(dir, 'po.edi'), 'utf8')).toBe('theirs');
      expect(await fs.readFile(local(dir, 'po-1.edi'), 'utf8')).toBe('ours');
    });

    test(`${label} sender: a wrong password is a dead login failure; a folder we may not write to is dead`, async () => {
      const wrong = await failure(
        sender(target, { dir: '/', password: 'not-it' }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }),
      );
      expect(wrong).toMatchObject({ code: 'EDIGW_FTP_AUTH', kind: 'dead' });
      expect(wrong.describe()).not.toContain(user.password);
      const dir = await remoteDir();
      await fs.chown(local(dir), 0, 0);
      const denied = await failure(sender(target, { dir }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }));
      expect(denied).toMatchObject({ code: 'EDIGW_FTP_REFUSED', kind: 'dead' });
    });
  });

  test('ftp poller: a folder that is missing or that we may not read is a located error, not an empty listing', async () => {
    const denied = await remoteDir();
    await put(denied, 'po.edi', 'po');
    await fs.chown(local(denied), 0, 0);
    await fs.chmod(local(denied), 0o700);
    for (const dir of ['/no-such-folder', denied]) {
      const logger = recordingLogger();
      const { calls, intake } = recordingIntake();
      const p = poller(targets[0][1], { dir, afterRead: 'move' }, { intake, logger });
      await p.poll();
      await p.poll();
      expect(calls).toHaveLength(0);
      expect(logger.lines.map((l) => [l.level, l.obj.code, l.obj.dir, l.obj.attempts])).toEqual([
        ['error', 'EDIGW_FTP_REFUSED', dir, 1],
        ['error', 'EDIGW_FTP_REFUSED', dir, 2],
      ]);
      expect(logger.lines[0].msg).toContain(`listing ftp://${user.name}@127.0.0.1:${plain.port}${dir}: 550`);
      expect(p.pollerState()).toMatchObject({
        state: 'failing',
        failures: 2,
        lastError: { code: 'EDIGW_FTP_REFUSED' },
      });
    }
    expect(await listLocal(denied)).toEqual(['po.edi']);
  });

  test('ftp poller: a file removed between LIST and MDTM fails neither the listing nor the other files', async () => {
    const dir = await remoteDir();
    await put(dir, 'a.edi', 'first');
    await put(dir, 'gone.edi', 'removed by the partner');
    await put(dir, 'z.edi', 'last');
    const { calls, intake } = recordingIntake();
    const logger = recordingLogger();
    const p = poller(targets[0][1], { dir, afterRead: 'delete' }, { intake, logger });
    await p.poll();
    // The partner removes gone.edi right after the server answered LIST, before the poller asks MDTM.
    const client = jest.requireActual<typeof import('basic-ftp')>('basic-ftp').Client.prototype;
    const list = client.list;
    const spy = jest.spyOn(client, 'list').mockImplementation(async function (this: typeof client, ...args) {
      const listed = await list.apply(this, args);
      await fs.rm(local(dir, 'gone.edi'), { force: true });
      return listed;
    });
    try {
      await p.poll();
    } finally {
      spy.mockRestore();
    }
    expect(calls.map((c) => c.fileName).sort()).toEqual(['a.edi', 'z.edi']);
    expect(await listLocal(dir)).toEqual([]);
    expect(logger.lines.filter((l) => l.level !== 'info')).toEqual([]);
    expect(p.pollerState()).toMatchObject({ state: 'ok', failures: 0 });
  });

  test('explicit FTPS: a certificate that does not chain to ca is refused as dead, and the poller takes nothing', async () => {
    const wrongCa = () => ({ port: ftps.port, secure: 'explicit', ca: stranger.cert });
    const dir = await remoteDir();
    await put(dir, 'po.edi', 'po');
    const err = await failure(sender(wrongCa, { dir }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }));
    expect(err).toMatchObject({ code: 'EDIGW_FTP_TLS', kind: 'dead' });
    expect(await listLocal(dir)).toEqual(['po.edi']);

    const { calls, intake } = recordingIntake();
    const logger = recordingLogger();
    const p = poller(wrongCa, { dir, afterRead: 'delete' }, { intake, logger });
    await p.poll();
    await p.poll();
    expect(calls).toHaveLength(0);
    expect(await listLocal(dir)).toEqual(['po.edi']);
    expect(logger.lines.map((l) => [l.level, l.obj.code])).toEqual([
      ['error', 'EDIGW_FTP_TLS'],
      ['error', 'EDIGW_FTP_TLS'],
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain(user.password);
  });

  test('explicit FTPS: without ca, a self-signed certificate is not trusted', async () => {
    const noCa = () => ({ port: ftps.port, secure: 'explicit' });
    const err = await failure(sender(noCa, { dir: '/' }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }));
    expect(err).toMatchObject({ code: 'EDIGW_FTP_TLS', kind: 'dead' });
  });

  test('explicit FTPS: logging in without TLS is refused by the server, a dead login failure', async () => {
    const cleartext = () => ({ port: ftps.port, secure: 'none' });
    const err = await failure(sender(cleartext, { dir: '/' }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }));
    expect(err).toMatchObject({ code: 'EDIGW_FTP_AUTH', kind: 'dead' });
  });

  test('plain FTP: asking it for TLS fails as dead (the server has none)', async () => {
    const err = await failure(
      sender(() => ({ port: plain.port, secure: 'explicit' }), { dir: '/' }).s.send({
        bytes: Buffer.from('x'),
        fileName: 'x.edi',
      }),
    );
    expect(err).toMatchObject({ code: 'EDIGW_FTP_TLS', kind: 'dead' });
  });

  test('ftp: a closed port retries, and the poller backs off', async () => {
    const closed = { port: await freePort(), secure: 'none' };
    const err = await failure(
      sender(() => closed, { dir: '/' }).s.send({ bytes: Buffer.from('x'), fileName: 'x.edi' }),
    );
    expect(err).toMatchObject({ code: 'EDIGW_FTP_UNREACHABLE', kind: 'retry' });
    const p = poller(() => closed, { dir: '/', every: 100 });
    await p.poll();
    await p.poll();
    expect(p.nextDelay()).toBe(400);
  });

  // ---- the transport contract (plain FTP; FTPS differs only below the client) ----

  const filesOf = async (dir: string) =>
    (await fs.readdir(local(dir), { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();

  inboundContract('ftp poller', async () => {
    const dir = await remoteDir();
    return {
      put: (name, bytes) => put(dir, name, bytes),
      files: () => filesOf(dir),
      poller: (afterRead, intake) => poller(targets[0][1], { dir, afterRead }, { intake }),
    };
  });

  outboundContract('ftp sender', async () => {
    const dir = await remoteDir();
    return {
      sender: () => sender(targets[0][1], { dir }).s,
      read: (remoteName) => fs.readFile(local(dir, remoteName)),
    };
  });
});
