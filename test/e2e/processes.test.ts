/**
 * Worker processes (gateway.yaml `processes`) are supervised by the real `start` process: they exit
 * when it dies, even by SIGKILL (no orphans holding database connections), are restarted when they
 * die, and stop with it on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { workerRestartDelay } from '../../src/main';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';
import { eventually, freePort, GatewayProcess, ROOT, scratch, type Scratch } from './gateway';

jest.setTimeout(120_000);

/** Whether a process is still running (a zombie, dead but not yet reaped by whoever adopted it, is not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The worker processes that logged they run, by pid. */
function workerPids(gw: GatewayProcess): number[] {
  return gw.lines.filter((l) => l.msg === 'worker process running').map((l) => Number(l.pid));
}

for (const kind of DATABASES)
  describeOn(kind, `worker processes of a real gateway (${kind})`, () => {
    let db: TestDatabase | undefined;
    let s: Scratch;
    let config: string;
    let env: NodeJS.ProcessEnv;
    const started: number[] = [];

    beforeAll(async () => {
      db = await freshDatabase(kind);
      s = scratch();
      env = { DATABASE_URL: db.url, LOG_LEVEL: 'info' };
      config = s.file(
        'gateway.yaml',
        [
          'payloads: data/payloads',
          `admin: { port: ${await freePort()}, token: e2e-token-0123456789 }`,
          'workers: 1',
          'processes: 2',
        ].join('\n'),
      );
    });
    afterAll(async () => {
      // Whatever a failed test left behind.
      for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
      s?.remove();
      await db?.drop();
    });
    const it = testWith(() => db);

    async function start(): Promise<{ gw: GatewayProcess; worker: number }> {
      const gw = new GatewayProcess(config, env);
      await gw.start();
      started.push(gw.pid!);
      const running = gw.logged('gateway running') as { workerPids?: number[] };
      expect(running.workerPids).toHaveLength(1);
      const worker = running.workerPids![0];
      started.push(worker);
      await eventually('the worker process to run', () => workerPids(gw).includes(worker));
      return { gw, worker };
    }

    it('kill -9 of the gateway: its worker process notices and exits by itself', async () => {
      const { gw, worker } = await start();
      gw.kill('SIGKILL');
      await gw.exit;
      await eventually('the orphaned worker process to exit', () => !alive(worker), 30_000);
    });

    it('a worker process that dies is replaced; SIGTERM to the gateway stops it and every worker, exit 0', async () => {
      const { gw, worker } = await start();
      process.kill(worker, 'SIGKILL');
      const replacement = await eventually(
        'a new worker process',
        () => workerPids(gw).find((p) => p !== worker),
        30_000,
      );
      started.push(replacement);
      expect(
        gw.lines.some((l) => l.msg === 'a worker process exited; starting another' && l.signal === 'SIGKILL'),
      ).toBe(true);
      expect(alive(replacement)).toBe(true);
      expect(await gw.stop()).toBe(0);
      await eventually('every worker process to exit', () => !alive(replacement) && !alive(worker), 30_000);
    });
  });

test('a worker process that keeps dying at once is restarted after growing pauses (up to a minute), not in a spin', () => {
  const waits: number[] = [];
  let w: number | undefined;
  for (let i = 0; i < 9; i++) waits.push((w = workerRestartDelay(w, 200)));
  expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  // One that ran a while before it died starts over.
  expect(workerRestartDelay(60_000, 10 * 60_000)).toBe(1000);
});

describe('npm start', () => {
  let s: Scratch;
  beforeAll(() => {
    s = scratch();
  });
  afterAll(() => s.remove());

  test('SIGTERM to npm reaches the gateway: it stops in order, its worker process with it, and frees its port', async () => {
    const port = await freePort();
    const config = s.file(
      'gateway.yaml',
      [
        `database: sqlite:${s.dir}/gateway.sqlite`,
        'payloads: data/payloads',
        `admin: { port: ${port}, token: e2e-token-0123456789 }`,
        'workers: 1',
        'processes: 2',
      ].join('\n'),
    );
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, EDI_GATEWAY_CONFIG: config, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Array<Record<string, unknown>> = [];
    let buf = '';
    npm.stdout.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        try {
          lines.push(JSON.parse(buf.slice(0, nl)));
        } catch {
          /* npm's own lines */
        }
        buf = buf.slice(nl + 1);
      }
    });
    const exited = new Promise<number | null>((r) => npm.on('exit', (code) => r(code)));
    const pids: number[] = [];
    try {
      const running = await eventually(
        'the gateway to run',
        () => lines.find((l) => l.msg === 'gateway running'),
        60_000,
      );
      pids.push(Number(running.pid), ...(running.workerPids as number[]));
      await eventually(
        'the worker process to run',
        () => lines.some((l) => l.msg === 'worker process running'),
        30_000,
      );
      npm.kill('SIGTERM');
      await exited;
      await eventually('the gateway and its worker to exit', () => pids.every((p) => !alive(p)), 30_000);
      expect(lines.some((l) => l.msg === 'stopped' && l.pid === pids[0])).toBe(true);
      // The port is free again: a new listener gets it.
      const server = createServer();
      await new Promise<void>((r, j) => {
        server.once('error', j);
        server.listen(port, '127.0.0.1', r);
      });
      await new Promise<void>((r) => server.close(() => r()));
    } finally {
      for (const p of pids) if (alive(p)) process.kill(p, 'SIGKILL');
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  });
});
