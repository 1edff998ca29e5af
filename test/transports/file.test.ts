import { promises as fs } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { GatewayError } from '../../src/errors';
import { fileSender } from '../../src/transports/file/sender';
import { inboundContract, outboundContract } from './contract';
import { FileWatcher, fileWatcher } from '../../src/transports/file/watcher';
import { fileError, globMatcher, withSuffix } from '../../src/transports/file/names';
import { findInbound, findOutbound, type IntakeInput, type TransportLogger } from '../../src/transports';

const quiet: TransportLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-file-'));
});
afterEach(async () => {
  await fs.chmod(root, 0o700).catch(() => undefined);
  await fs.rm(root, { recursive: true, force: true });
});

/** A clock the test moves by hand, starting well after any file written during the test. */
function fakeClock(startMs = Date.now() + 60_000) {
  let now = startMs;
  return {
    clock: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function recordingIntake(behaviour?: (input: IntakeInput, call: number) => Promise<{ messageId: string }>) {
  const calls: IntakeInput[] = [];
  const intake = (input: IntakeInput) => {
    calls.push(input);
    return behaviour ? behaviour(input, calls.length) : Promise.resolve({ messageId: `m${calls.length}` });
  };
  return { calls, intake };
}

function watcher(config: Record<string, unknown>, deps: Partial<ConstructorParameters<typeof FileWatcher>[1]> = {}) {
  const parsed = fileWatcher.config.parse({ dir: path.join(root, 'in'), every: 10, minAge: 0, ...config });
  return fileWatcher.create(parsed, {
    intake: recordingIntake().intake,
    logger: quiet,
    clock: () => new Date(),
    ...deps,
  }) as FileWatcher;
}

const list = async (dir: string) => (await fs.readdir(dir).catch(() => [] as string[])).sort();

describe('file transport: registry and names', () => {
  test('the registry binds kind file to the watcher and the sender', () => {
    expect(findInbound('file')).toBe(fileWatcher);
    expect(findOutbound('file')).toBe(fileSender);
    expect(findInbound('nope')).toBeUndefined();
  });

  test('the config schema fills defaults and refuses unknown keys', () => {
    const c = fileWatcher.config.parse({ dir: 'x' });
    expect(c).toEqual({ dir: 'x', pattern: '*', every: 1000, minAge: 1000, afterRead: 'move' });
    expect(fileWatcher.config.parse({ dir: 'x', every: '5m' }).every).toBe(300_000);
    expect(fileWatcher.config.safeParse({ dir: 'x', bogus: 1 }).success).toBe(false);
  });

  test('file-system errors map to kinds: permission is dead, no space and the rest retry', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    const denied = fileError(errno('EACCES'), 'writing po.edi to /out');
    expect([denied.kind, denied.message]).toEqual(['dead', 'writing po.edi to /out: permission denied']);
    expect(fileError(errno('EROFS'), 'x').kind).toBe('dead');
    expect(fileError(errno('ENOSPC'), 'x').kind).toBe('retry');
    expect(fileError(errno('EIO'), 'x').kind).toBe('retry');
  });

  test('glob matcher and suffixes', () => {
    const edi = globMatcher('*.edi');
    expect(edi('po.edi')).toBe(true);
    expect(edi('po.edi.bak')).toBe(false);
    expect(edi('poXedi')).toBe(false);
    expect(globMatcher('po?.x12')('po1.x12')).toBe(true);
    expect(withSuffix('po.edi', 2)).toBe('po-2.edi');
    expect(withSuffix('README', 1)).toBe('README-1');
  });
});

describe('file watcher', () => {
  test('takes a complete file in once and moves it only after intake resolved', async () => {
    const dir = path.join(root, 'in');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'po.edi'), 'ISA*hello');
    let release!: (v: { messageId: string }) => void;
    const { calls, intake } = recordingIntake(
      () =>
        new Promise((r) => {
          release = r;
        }),
    );
    const w = watcher({}, { intake });

    await w.poll(); // first sight: not yet known stable
    expect(calls).toHaveLength(0);
    const second = w.poll();
    for (let i = 0; i < 400 && calls.length === 0; i++) await sleep(5); // until the store is asked
    expect(calls).toHaveLength(1);
    expect(calls[0].bytes.toString()).toBe('ISA*hello');
    expect(calls[0].fileName).toBe('po.edi');
    expect(calls[0].remotePath).toBe(path.join(dir, 'po.edi'));
    expect(await list(dir)).toContain('po.edi'); // no receipt before the commit
    release({ messageId: 'm1' });
    await second;
    expect(await list(dir)).toEqual(['processed']);
    expect(await list(path.join(dir, 'processed'))).toEqual(['po.edi']);
    await w.poll();
    expect(calls).toHaveLength(1);
  });

  test('a file still growing is not taken until its size is stable', async () => {
    const dir = path.join(root, 'in');
    await fs.mkdir(dir);
    const file = path.join(dir, 'big.edi');
    const { calls, intake } = recordingIntake();
    const w = watcher({}, { intake });
    await fs.writeFile(file, 'part one;');
    await w.poll();
    await fs.appendFile(file, 'part two;');
    await w.poll();
    await fs.appendFile(file, 'part three;');
    await w.poll();
    expect(calls).toHaveLength(0);
    await w.poll(); // unchanged since the previous tick
    expect(calls.map((c) => c.bytes.toString())).toEqual(['part one;part two;part three;']);
  });

  test('a file younger than minAge waits, by the clock', async () => {
    const dir = path.join(root, 'in');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'po.edi'), 'x');
    const clock = fakeClock(Date.now());
    const { calls, intake } = recordingIntake();
    const w = watcher({ minAge: 30_000 }, { intake, clock: clock.clock });
    await w.poll();
    await w.poll();
    expect(calls).toHaveLength(0);
    clock.advance(31_000);
    await w.poll();
    expect(calls).toHaveLength(1);
  });

  test('.part, .tmp, hidden and non-matching names are ignored until renamed', async () => {
    const dir = path.join(root, 'in');
    await fs.mkdir(dir);
    for (const n of ['po.edi.part', 'po.edi.tmp', 'x.filepart', '.hidden.edi', 'notes.txt'])
      await fs.writeFile(path.join(dir, n), 'x');
    await fs.mkdir(path.join(dir, 'sub.edi'));
    const { calls, intake } = recordingIntake();
    const w = watcher({ pattern: '*.edi' }, { intake });
    await w.poll();
    await w.poll();
    expect(calls).toHaveLength(0);
    await fs.rename(path.join(dir, 'po.edi.part'), path.join(dir, 'po.edi'));
    await w.poll();
    await w.poll();
    expect(calls.map((c) => c.fileName)).toEqual(['po.edi']);
  });

  test('leaves the file in place when intake rejects, retries after a backoff, then moves it', async () => {
    const dir = path.join(root, 'in');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'po.edi'), 'x');
    const clock = fakeClock();
    const errors: string[] = [];
    const logger = {
      ...quiet,
      error: (_o: object, msg: string) => {
        errors.push(msg);
      },
    };
    const { calls, intake } = recordingIntake((_i, n) =>
      n === 1 ? Promise.reject(new Error('database is locked')) : Promise.resolve({ messageId: 'm' }),
    );
    const w = watcher({ every: 1000 }, { intake, clock: clock.clock, logger });
    await w.poll();
    await w.poll();
    expect(calls).toHaveLength(1);
    expect(errors.join('\n')).toContain(path.join(dir, 'po.edi'));
    expect(await list(dir)).toEqual(['po.edi']);
    await w.poll(); // still within the backoff
    expect(calls).toHaveLength(1);
    clock.advance(1000);
    await w.poll();
    expect(calls).toHaveLength(2);
    expect(await list(path.join(dir, 'processed'))).toEqual(['po.edi']);
  });

  test('delete mode deletes the file only after intake resolved', async () => {
    const dir = path.join(root, 'in');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'po.edi'), 'x');
    let present: string[] = [];
    const { calls, intake } = recordingIntake(async () => {
      present = await list(dir);
      return { messageId: 'm' };
    });
    const w = watcher({ afterRead: 'delete' }, { intake });
    await w.poll();
    await w.poll();
    expect(calls).toHaveLength(1);
    expect(present).toEqual(['po.edi']);
    expect(await list(dir)).toEqual([]);
  });

  test('a name clash in moveTo gets a suffix instead of overwriting', async () => {
    const dir = path.join(root, 'in');
    const done = path.join(root, 'done');
    await fs.mkdir(dir);
    await fs.mkdir(done);
    await fs.writeFile(path.join(done, 'po.edi'), 'old');
    await fs.writeFile(path.join(dir, 'po.edi'), 'new');
    const w = watcher({ moveTo: done });
    await w.poll();
    await w.poll();
    expect(await list(done)).toEqual(['po-1.edi', 'po.edi']);
    expect(await fs.readFile(path.join(done, 'po.edi'), 'utf8')).toBe('old');
    expect(await fs.readFile(path.join(done, 'po-1.edi'), 'utf8')).toBe('new');
  });

  test('stop() waits for the intakes in flight (8 at a time) and takes nothing new afterwards', async () => {
    const dir = path.join(root, 'in');
    await fs.mkdir(dir);
    for (let i = 0; i < 10; i++) await fs.writeFile(path.join(dir, `f${i}.edi`), String(i));
    const releases: Array<(v: { messageId: string }) => void> = [];
    const { calls, intake } = recordingIntake(
      () =>
        new Promise((r) => {
          releases.push(r);
        }),
    );
    const w = watcher({ every: 10 }, { intake });
    await w.start();
    for (let i = 0; i < 100 && calls.length < 8; i++) await sleep(10);
    await sleep(30);
    expect(calls).toHaveLength(8);
    let stopped = false;
    const stopping = w.stop().then(() => {
      stopped = true;
    });
    await sleep(50);
    expect(stopped).toBe(false);
    releases.forEach((r, i) => r({ messageId: `m${i}` }));
    await stopping;
    expect(calls).toHaveLength(8); // the last two files were not started
    expect(await list(path.join(dir, 'processed'))).toEqual(calls.map((c) => c.fileName).sort());
    await sleep(50);
    expect(calls).toHaveLength(8);
    expect((await list(dir)).filter((n) => n.endsWith('.edi'))).toHaveLength(2);
  });

  test('a file that vanishes before it is read is skipped quietly', async () => {
    const dir = path.join(root, 'in');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'po.edi'), 'x');
    const logged: string[] = [];
    const logger = {
      info: () => undefined,
      warn: (_o: object, m: string) => {
        logged.push(m);
      },
      error: (_o: object, m: string) => {
        logged.push(m);
      },
    };
    const { calls, intake } = recordingIntake();
    const w = watcher({}, { intake, logger });
    await w.poll();
    await fs.rm(path.join(dir, 'po.edi'));
    await w.poll();
    expect(calls).toHaveLength(0);
    expect(logged).toEqual([]);
  });
});

describe('file sender', () => {
  const sender = (dir: string) =>
    fileSender.create(fileSender.config.parse({ dir }), { logger: quiet, clock: () => new Date() });

  test('writes the bytes under the final name through a temp file, creating the folder', async () => {
    const dir = path.join(root, 'out', 'acme');
    const bytes = Buffer.alloc(3 * 1024 * 1024, 'ISA*');
    const { remoteName } = await sender(dir).send({ bytes, fileName: 'po.edi' });
    expect(remoteName).toBe('po.edi');
    expect(await list(dir)).toEqual(['po.edi']); // no .tmp left behind
    expect((await fs.readFile(path.join(dir, 'po.edi'))).equals(bytes)).toBe(true);
  });

  test('never overwrites: an existing name gets -1, -2 before the extension', async () => {
    const dir = path.join(root, 'out');
    const s = sender(dir);
    const names = [];
    for (const body of ['one', 'two', 'three'])
      names.push((await s.send({ bytes: Buffer.from(body), fileName: 'po.edi' })).remoteName);
    expect(names).toEqual(['po.edi', 'po-1.edi', 'po-2.edi']);
    expect(await fs.readFile(path.join(dir, 'po.edi'), 'utf8')).toBe('one');
    expect(await fs.readFile(path.join(dir, 'po-2.edi'), 'utf8')).toBe('three');
  });

  test('refuses a file name with a folder in it as dead', async () => {
    await expect(sender(root).send({ bytes: Buffer.from('x'), fileName: '../escape.edi' })).rejects.toMatchObject({
      name: 'GatewayError',
      kind: 'dead',
      code: 'EDIGW_FILE_NAME_INVALID',
    });
  });

  test('a folder that cannot be created is a located, retryable error', async () => {
    await fs.writeFile(path.join(root, 'plainfile'), 'x');
    const dir = path.join(root, 'plainfile', 'out');
    const err = await sender(dir)
      .send({ bytes: Buffer.from('x'), fileName: 'po.edi' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).kind).toBe('retry');
    expect((err as GatewayError).message).toBe(`writing po.edi to ${dir}: file system error`);
  });

  test('a read-only folder gives a dead GatewayError that says what was being done', async () => {
    const dir = path.join(root, 'ro');
    await fs.mkdir(dir);
    await fs.chmod(dir, 0o555);
    await fs.chmod(root, 0o755);
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    let outcome: { kind?: string; message?: string };
    if (!isRoot) {
      const err = await sender(dir)
        .send({ bytes: Buffer.from('x'), fileName: 'po.edi' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      outcome = { kind: (err as GatewayError).kind, message: (err as GatewayError).message };
    } else {
      // root ignores file permissions: the same send runs as `nobody` in a child process (built code, as users run it).
      const script =
        `require(${JSON.stringify(path.resolve(__dirname, '../../dist/src/transports/file/sender.js'))}).fileSender.create({ ` +
        `dir: ${JSON.stringify(dir)} }, {})
        .send({ bytes: Buffer.from('x'), fileName: 'po.edi' })
        .then(() => console.log('{}'), (e) => console.log(JSON.stringify({ kind: e.kind, message: e.message })));`;
      const r = spawnSync(process.execPath, ['-e', script], {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        cwd: os.tmpdir(),
      });
      expect(r.stderr).toBe('');
      outcome = JSON.parse(r.stdout);
    }
    expect(outcome).toEqual({ kind: 'dead', message: `writing po.edi to ${dir}: permission denied` });
    expect(await list(dir)).toEqual([]);
  });
});

describe('file transport against the contract', () => {
  let n = 0;
  const folder = async () => {
    const dir = path.join(root, 'contract', `c${++n}`);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  };
  const filesIn = async (dir: string) =>
    (await fs.readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();

  inboundContract('file watcher', async () => {
    const dir = await folder();
    return {
      put: (name, bytes) => fs.writeFile(path.join(dir, name), bytes),
      files: () => filesIn(dir),
      poller: (afterRead, intake) => watcher({ dir, afterRead }, { intake }),
    };
  });

  outboundContract('file sender', async () => {
    const dir = await folder();
    return {
      sender: () => fileSender.create(fileSender.config.parse({ dir }), { logger: quiet, clock: () => new Date() }),
      read: (remoteName) => fs.readFile(path.join(dir, remoteName)),
    };
  });
});
