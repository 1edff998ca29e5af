/**
 * A large payload's `process` job in a child process with a heap cap of its own (issue 13 §2-3): it is
 * processed there as in the worker, and a child that dies takes only itself down; its deaths count as
 * crashes, so the crash guard dead-letters the job. The child runs the compiled code (dist/, built
 * before the tests as for the CLI tests).
 */
import { fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { JobRecord, MessageRecord } from '../../src/store/entities';
import { intake } from '../../src/pipeline/intake';
import type { Logger } from '../../src/pipeline/logger';
import { type ChildAnswer, type ChildRequest, childEntry, processInChild } from '../../src/pipeline/process-child';
import { Heartbeat } from '../../src/pipeline/heartbeat';
import { STREAM_FROM } from '../../src/pipeline/process';
import { Workers } from '../../src/pipeline/worker';
import { Store } from '../../src/store/store';
import type { PipelineContext } from '../../src/pipeline/context';
import { type Deployment, deployment, GATEWAY_YAML, order850, pipelineView, x12Interchange } from './support';
import { until } from '../helpers/until';

function capture() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => {
    lines.push({ level, obj, msg });
  };
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as unknown as Logger;
  return { lines, logger };
}

const PARTNER = [
  'id: acme',
  'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
  "acks: { x12: '997', to: acks }",
  'endpoints: { acks: { file: { dir: out/acks } } }',
].join('\n');

/** An interchange of 850s of 2,000 lines each, just over STREAM_FROM: processed streamed. */
function largeInterchange(control: number): Buffer {
  const sets = Math.ceil(STREAM_FROM / (2000 * 30)) + 1;
  const pos = Array.from({ length: sets }, (_, i) => `PO-${control}-${i}`);
  return Buffer.from(
    x12Interchange({ sender: 'ACME', control, bodies: pos.map((po) => order850(po, 2000)) }).replace(/\n/g, ''),
  );
}

describe('process jobs of large payloads in a child process', () => {
  let d: Deployment;
  let store: Store | undefined;
  let workers: Workers | undefined;

  beforeAll(() => {
    if (!existsSync(childEntry())) throw new Error(`${childEntry()} is not built: run npm run build first`);
  });
  beforeEach(() => {
    d = deployment({
      'gateway.yaml': `${GATEWAY_YAML}\ndatabase: sqlite:data/gateway.sqlite\npayloads: data/payloads\n`,
      'partners/acme.yaml': PARTNER,
    });
  });
  afterEach(async () => {
    await workers?.stop(5_000);
    workers = undefined;
    await store?.close();
    store = undefined;
    d.remove();
  });

  async function open(): Promise<PipelineContext> {
    const config = d.config();
    store = await Store.open(config.database, { payloadDir: config.payloads });
    await store.migrate();
    return { ...pipelineView(d, () => new Date()), store };
  }

  test('is processed in the child as in the worker: sets recorded, a 997 queued and delivered', async () => {
    const ctx = await open();
    const bytes = largeInterchange(101);
    expect(bytes.length).toBeGreaterThanOrEqual(STREAM_FROM);
    const { messageId } = await intake(ctx, { transport: 'http', partnerId: 'acme', bytes, fileName: 'big.x12' });
    const { lines, logger } = capture();
    workers = new Workers(
      { ...ctx, logger },
      { count: 1, idleMs: 50, child: { heapMb: 128, configFile: join(d.dir, 'gateway.yaml') } },
    );
    ctx.kick = () => workers?.kick();
    workers.start();
    await until(
      'the message processed',
      async () => (await ctx.store.message(messageId))?.status === 'processed',
      60_000,
    );
    await until(
      'the 997 written',
      async () => existsSync(join(d.dir, 'out/acks')) && readdirSync(join(d.dir, 'out/acks')).length === 1,
      20_000,
    );
    const child = lines.find((l) => l.msg === 'processing a large payload in a child process');
    expect(child?.obj).toMatchObject({ message: messageId, heapMb: 128 });
    expect(child?.obj.pid).not.toBe(process.pid);
    const sets: Array<{ n: number }> = await ctx.store.ds.query(
      'SELECT COUNT(*) AS n FROM edi_transaction WHERE messageId = ?',
      [messageId],
    );
    expect(Number(sets[0].n)).toBe(Math.ceil(STREAM_FROM / (2000 * 30)) + 1);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  }, 90_000);

  test('the child loads the store and the process step, not the gateway around them (main.ts, admin API, listeners, transport clients)', async () => {
    // The child's RSS counts against issue 13's large-file target (gateway + child < 300 MB): what it
    // loads and never uses is memory. The modules are those the child really loaded running a job,
    // written at its exit by a preloaded helper.
    const ctx = await open();
    const { messageId } = await intake(ctx, {
      transport: 'http',
      partnerId: 'acme',
      bytes: largeInterchange(102),
      fileName: 'big.x12',
    });
    // Forked here rather than by the worker so that the preload and its output path reach the child:
    // jest gives a test a copy of process.env, which child_process never sees.
    const [job] = await ctx.store.queue.claim('test:modules', 1, 60_000, ['process']);
    expect(job?.messageId).toBe(messageId);
    const out = join(d.dir, 'child-modules.json');
    const child = fork(childEntry(), [], {
      execArgv: ['--require', join(__dirname, '../helpers/loaded-modules.js')],
      env: { ...process.env, EDIGW_TEST_MODULES_OUT: out },
      stdio: 'inherit',
      serialization: 'advanced',
    });
    const answers: ChildAnswer[] = [];
    child.on('message', (m: ChildAnswer) => answers.push(m));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const { lease: _lease, ...plain } = job;
    const request: ChildRequest = { configFile: join(d.dir, 'gateway.yaml'), job: plain };
    child.send(request);
    expect(await exited).toBe(0);
    expect(answers).toEqual([{ ok: true }]);
    expect((await ctx.store.message(messageId))?.status).toBe('processed');
    const loaded = (JSON.parse(readFileSync(out, 'utf8')) as string[]).map((f) => f.split(sep).join('/'));
    const ours = (rel: string) => loaded.some((f) => f.endsWith(`/dist/src/${rel}`));
    const pkg = (name: string) => loaded.some((f) => f.includes(`/node_modules/${name}/`));
    // It did run the job: the entry, the step, the store.
    expect(
      ['cli/process-child.js', 'open.js', 'pipeline/process.js', 'store/store.js'].filter((m) => !ours(m)),
    ).toEqual([]);
    expect(['main.js', 'pipeline/worker.js', 'pipeline/listeners.js', 'cli/main.js'].filter(ours)).toEqual([]);
    expect(loaded.filter((f) => /\/dist\/src\/admin\//.test(f))).toEqual([]);
    expect(['express', 'ssh2', 'ssh2-sftp-client', 'basic-ftp', 'node-forge'].filter(pkg)).toEqual([]);
  }, 90_000);

  test('a job the child completed is known as ended here: the heartbeat warns of no lost lease and aborts nothing', async () => {
    const ctx = await open();
    const { messageId } = await intake(ctx, {
      transport: 'http',
      partnerId: 'acme',
      bytes: largeInterchange(105),
      fileName: 'big.x12',
    });
    const [job] = await ctx.store.queue.claim('test:ended', 1, 60_000, ['process']);
    const message = await ctx.store.message(messageId);
    if (!message) throw new Error('the message was not stored');
    const { lines, logger } = capture();
    const heartbeat = new Heartbeat(ctx.store.queue, 60_000, logger);
    heartbeat.hold(job);
    await processInChild({ ...ctx, logger }, job, message, { heapMb: 128, configFile: join(d.dir, 'gateway.yaml') });
    expect((await ctx.store.message(messageId))?.status).toBe('processed');
    // A beat between the child's completion and the worker letting go of the job: the renewal is
    // refused (the job is done), which must not read as a takeover.
    await (heartbeat as unknown as { beat(): Promise<void> }).beat();
    expect(job.lease?.aborted).toBe(false);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  }, 60_000);

  test('a stop that cannot wait for the child ends it (so the gateway can exit); the job is left to its lease, not counted as a crash', async () => {
    const ctx = await open();
    const { messageId } = await intake(ctx, {
      transport: 'http',
      partnerId: 'acme',
      bytes: largeInterchange(104),
      fileName: 'big.x12',
    });
    const { lines, logger } = capture();
    const w = new Workers(
      { ...ctx, logger },
      { count: 1, idleMs: 50, child: { heapMb: 128, configFile: join(d.dir, 'gateway.yaml') } },
    );
    w.start();
    const started = await until(
      'the child started',
      async () => lines.find((l) => l.msg === 'processing a large payload in a child process'),
      20_000,
    );
    const pid = Number(started.obj.pid);
    expect(await w.stop(100)).toBe(false);
    await until(
      'the child gone',
      async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      10_000,
    );
    const job = await ctx.store.ds.manager.findOneByOrFail(JobRecord, { messageId, kind: 'process' });
    expect(job).toMatchObject({ status: 'running', starts: 0 });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  }, 60_000);

  test('a child that dies each time (its heap too small) leaves this process running; after maxCrashes the job is dead-lettered', async () => {
    const ctx = await open();
    const { messageId } = await intake(ctx, {
      transport: 'http',
      partnerId: 'acme',
      bytes: largeInterchange(102),
      fileName: 'big.x12',
    });
    const { lines, logger } = capture();
    // 8 MiB of old generation: the child runs out of heap before the job is done.
    workers = new Workers(
      { ...ctx, logger },
      { count: 1, idleMs: 50, maxCrashes: 2, child: { heapMb: 8, configFile: join(d.dir, 'gateway.yaml') } },
    );
    workers.start();
    const job = await until(
      'the job dead-lettered',
      async () => {
        const j = await ctx.store.ds.manager.findOneBy(JobRecord, { messageId, kind: 'process' });
        return j?.status === 'dead' ? j : undefined;
      },
      60_000,
    );
    expect(job.lastError).toMatch(/stopped the worker 2 times \[EDIGW_JOB_CRASHED\]/);
    const died = lines.filter((l) => l.msg.startsWith('the child process of a process job died'));
    expect(died).toHaveLength(2);
    expect(String(died[0].obj.err)).toMatch(/heap cap 8 MiB/);
    const message = await ctx.store.ds.manager.findOneByOrFail(MessageRecord, { id: messageId });
    expect(message.status).toBe('failed');
    // This process took in more meanwhile and processes it (small: in the worker itself).
    const small = await intake(ctx, {
      transport: 'http',
      partnerId: 'acme',
      bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 103 })),
    });
    workers.kick();
    await until(
      'the small message processed',
      async () => ((await ctx.store.message(small.messageId))?.status === 'processed' ? true : undefined),
      20_000,
    );
  }, 90_000);
});
