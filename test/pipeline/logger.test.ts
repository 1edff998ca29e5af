/**
 * The gateway's JSON log is written in batches (docs/adr/0019-c-log-lines-in-batches.md): no line may
 * be lost when the process ends, whether it stops, exits or dies of an uncaught exception. Each case
 * runs the compiled logger (dist/, built by `npx tsc -p tsconfig.build.json`) in a process of its own.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const LOGGER = join(__dirname, '../../dist/src/pipeline/logger.js');

function run(script: string): { lines: Record<string, unknown>[]; stderr: string; status: number | null } {
  const r = spawnSync(
    process.execPath,
    ['-e', `const { createLogger, jsonDestination } = require(${JSON.stringify(LOGGER)});\n${script}`],
    {
      env: { ...process.env, LOG_FORMAT: '', LOG_LEVEL: 'info' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const lines = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, stderr: r.stderr, status: r.status };
}

describe('the JSON log', () => {
  test('every line of a burst is written, in order, when the process exits at once', () => {
    const r = run(
      `const log = createLogger(); for (let i = 0; i < 20000; i++) log.info({ i }, 'as2 received'); process.exit(3);`,
    );
    expect(r.status).toBe(3);
    expect(r.lines).toHaveLength(20000);
    expect(r.lines.map((l) => l.i)).toEqual([...Array(20000).keys()]);
    expect(r.lines[0]).toMatchObject({ level: 30, msg: 'as2 received' });
  });

  test('an uncaught exception loses none of the lines written before it', () => {
    const r = run(`const log = createLogger(); for (let i = 0; i < 5000; i++) log.info({ i }, 'as2 received');
      log.error({ err: 'the store failed' }, 'the last line'); setImmediate(() => { throw new Error('crash'); });`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('crash');
    expect(r.lines).toHaveLength(5001);
    expect(r.lines[5000]).toMatchObject({ level: 50, msg: 'the last line', err: 'the store failed' });
  });

  test('a line written while the process is quiet is written within the flush interval, without an exit', () => {
    const r = run(`const dest = jsonDestination(1, 4096, 50); const log = require('pino')({}, dest);
      log.info({ n: 1 }, 'gateway running');
      setTimeout(() => { process.kill(process.pid, 'SIGKILL'); }, 400);`);
    // Killed outright (no exit handlers run), yet the line made it: the periodic flush wrote it.
    expect(r.status).toBeNull();
    expect(r.lines).toEqual([expect.objectContaining({ n: 1, msg: 'gateway running' })]);
  });

  test('a burst leaves in writes of the batch size, not one write per line', () => {
    const r = run(`const fs = require('node:fs'); let writes = 0; const writeSync = fs.writeSync;
      fs.writeSync = (...a) => { writes++; return writeSync(...a); };
      const log = require('pino')({}, jsonDestination(1, 4096, 60000));
      for (let i = 0; i < 1000; i++) log.info({ i }, 'as2 received');
      process.stderr.write(String(writes));`);
    expect(r.lines).toHaveLength(1000);
    // About 80 bytes a line: 1,000 lines in ~20 writes of 4 KiB and the rest at exit.
    expect(Number(r.stderr)).toBeLessThan(100);
  });
});
