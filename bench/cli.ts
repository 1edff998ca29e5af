/**
 * The cli rows: `edi-gateway validate | parse | ack` of one large X12 file (1 MiB transaction sets),
 * each the real CLI in a child process (stdout to /dev/null), beside a plain read of the same file
 * (Node, 64 KiB chunks) as the baseline. Peak RSS is the child's, from GNU time (%M).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Job, WorkerResult } from './types';

const bin = join(__dirname, '..', '..', 'bin', 'edi-gateway.js');
/** A cli row still running after this long is stopped and reported as failed. */
const CHILD_TIMEOUT_S = 400;

export async function cliRow(job: Job): Promise<WorkerResult> {
  const file = job.files[0];
  if (!existsSync('/usr/bin/time'))
    return {
      ok: false,
      skipped: true,
      bytes: 0,
      seconds: 0,
      peakRssMb: 0,
      error: 'skipped: GNU time (/usr/bin/time) measures the peak RSS of the CLI and is not installed',
    };
  const args =
    job.kind === 'cli-read'
      ? [
          '-e',
          'let n=0;require("fs").createReadStream(process.argv[1]).on("data",(c)=>{n+=c.length}).on("end",()=>{if(!n)process.exit(1)})',
          file,
        ]
      : [bin, ...(job.command ?? []), file];
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'peak-kb %M', process.execPath, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_S * 1000,
    maxBuffer: 16 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const peak = /peak-kb (\d+)/.exec(r.stderr ?? '');
  // validate exits 1 on findings, parse too; the generated file is valid, so anything but 0 is a failure.
  if (r.status !== 0 || !peak) {
    return {
      ok: false,
      bytes: 0,
      seconds,
      peakRssMb: 0,
      error: r.error ? r.error.message : `exit ${r.status}: ${(r.stderr ?? '').slice(-300)}`,
    };
  }
  return {
    ok: true,
    bytes: job.fileBytes ?? 0,
    seconds,
    peakRssMb: Number(peak[1]) / 1024,
    ...(job.kind === 'cli-command' ? { transactions: job.expectedTransactions } : {}),
  };
}
