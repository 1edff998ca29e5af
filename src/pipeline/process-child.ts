import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../config/paths';
import { GatewayError, type ErrorCode } from '../errors';
import type { MessageRecord } from '../store/entities';
import type { Job } from '../store/queue';
import type { PipelineContext } from './context';

/** Where a `process` job of a large payload runs: a child process with a heap of its own (gateway.yaml jobs). */
export interface ChildOptions {
  /** The child's V8 old-generation cap (`--max-old-space-size`), in MiB. */
  heapMb: number;
  /** The gateway.yaml the child loads (the same as this process's); undefined: the defaults, as here. */
  configFile: string | undefined;
}

/** The child's young-generation semi-space, in MiB (see processInChild). */
const CHILD_SEMI_SPACE_MB = 1;

/** What the child answers over IPC. */
export type ChildAnswer =
  { ok: true } | { ok: false; error: { message: string; code?: ErrorCode; context?: string; cause?: string } };

/** The message that starts the child's one job. */
export interface ChildRequest {
  configFile: string | undefined;
  job: Omit<Job, 'lease'>;
}

/** The compiled entry of the child (src/cli/process-child.ts), beside this package's other compiled code. */
export function childEntry(): string {
  return join(packageRoot(), 'dist', 'src', 'cli', 'process-child.js');
}

/** A child that exited before it answered: died (V8 heap out of memory, a crash, a kill), or failed to start. */
export class ChildDied extends Error {}

/**
 * Runs one `process` job of a large payload in a child process whose heap is capped, so that a payload
 * that runs the heap out (or a parser bug that aborts) takes the child down, never this process and
 * its intake. The job stays claimed by this process's worker (its heartbeat renews the lease; the
 * child's batches are fenced on the same claim), and the child commits the job's work and its
 * completion itself. A failure the child reports is rethrown here as the worker would have seen it;
 * a child that dies is a ChildDied, which the worker treats as a start that stopped its worker
 * (crash-guard.ts). A lost lease kills the child, as does `halt` (a stop that cannot wait for it).
 */
export function processInChild(
  ctx: PipelineContext,
  job: Job,
  message: MessageRecord,
  opts: ChildOptions,
  halt?: AbortSignal,
): Promise<void> {
  const entry = childEntry();
  if (!existsSync(entry)) throw new Error(`cannot run a process job in a child process: ${entry} is not built`);
  const execArgv = [
    ...process.execArgv.filter((a) => !/^--max-(old|semi)-space-size/.test(a)),
    `--max-old-space-size=${opts.heapMb}`,
    // The parse makes much short-lived garbage: V8's default young generation (up to 3 x 16 MiB) kept
    // the child at ~200 MB RSS whatever the old-generation cap; 4 MiB semi-spaces kept it at ~150 MB,
    // 1 MiB at ~15 MB less for the same CPU (the full parse of 64 MB of 1 MiB sets: 141 -> 126 MB
    // VmHWM, 15.5 -> 15.1 CPU-s; docs/bench.md "Large-file rows").
    `--max-semi-space-size=${CHILD_SEMI_SPACE_MB}`,
  ];
  return new Promise<void>((resolve, reject) => {
    const child = fork(entry, [], { execArgv, stdio: 'inherit', serialization: 'advanced' });
    let answer: ChildAnswer | undefined;
    const began = Date.now();
    ctx.logger.info(
      { job: job.id, message: message.id, bytes: message.size, pid: child.pid, heapMb: opts.heapMb },
      'processing a large payload in a child process',
    );
    const onAbort = () => child.kill('SIGKILL');
    job.lease?.addEventListener('abort', onAbort, { once: true });
    halt?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: ChildAnswer) => {
      answer = m;
      // The child completed the job on its own copy of it: marked here too, or a heartbeat before the
      // child exits finds the lease gone and warns of a takeover that is none (heartbeat.ts).
      if (m.ok) job.ended = true;
    });
    child.once('error', (e) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (!answer) answer = { ok: false, error: { message: `the child process failed: ${e.message}` } };
    });
    child.once('exit', (code, signal) => {
      job.lease?.removeEventListener('abort', onAbort);
      halt?.removeEventListener('abort', onAbort);
      if (answer?.ok) return resolve();
      if (answer && !answer.ok) return reject(rebuilt(answer.error));
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(
        new ChildDied(
          `the child process (pid ${child.pid}, heap cap ${opts.heapMb} MiB) processing message ${message.id} ` +
            `(${message.size} bytes) died after ${((Date.now() - began) / 1000).toFixed(1)} s ` +
            `(${how})${signal === 'SIGABRT' || code === 134 ? ': most likely its heap ran out' : ''}`,
        ),
      );
    });
    const { lease: _lease, ...plain } = job;
    const request: ChildRequest = { configFile: opts.configFile, job: plain };
    child.send(request);
  });
}

/** The child's failure as this process would have thrown it: a GatewayError keeps its code (and so its kind). */
function rebuilt(e: { message: string; code?: ErrorCode; context?: string; cause?: string }): Error {
  if (e.code && e.context !== undefined)
    return new GatewayError(e.code, e.context, e.cause !== undefined ? { cause: new Error(e.cause) } : undefined);
  return new Error(e.message);
}

/** A failure as the child sends it back. */
export function answerOf(e: unknown): ChildAnswer {
  if (e instanceof GatewayError)
    return {
      ok: false,
      error: {
        message: e.message,
        code: e.code,
        context: e.context,
        ...(e.cause instanceof Error ? { cause: e.cause.message } : {}),
      },
    };
  return { ok: false, error: { message: e instanceof Error ? e.message : String(e) } };
}
