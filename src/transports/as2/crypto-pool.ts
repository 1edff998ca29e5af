/**
 * Where the AS2 listener does its per-message crypto and MIME work (ADR 0013): on a pool of worker
 * threads, so that the RSA key unwrap, AES, the signature check, the MIC and the MDN's signature of
 * several messages run on every core while the event loop reads requests and commits receipts; or,
 * with no threads, on the event loop itself. Both run unwrap-task.ts, so both answer alike.
 *
 * A thread that dies (an uncaught exception, an exit, out of memory) fails only the tasks it held,
 * with EDIGW_AS2_WORKER_FAILED (the listener answers those 500: not taken, send again), is logged,
 * and is replaced. One that cannot even start is tried again after a pause; meanwhile its share of
 * the work runs on the event loop, so a broken thread slows intake down but never stops it.
 */
import { extname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { GatewayError } from '../../errors';
import type { TransportLogger } from '../spec';
import { startThread } from '../thread-loader';
import { fromWire } from '../sftp/thread-wire';
import type { DecryptionKey } from './cms';
import { buildMdn, type Disposition } from './mdn';
import type { As2RequestHeaders, HttpHeaders, ReceivePolicy } from './message';
import type { Mic } from './mic';
import {
  asBuffer,
  transferable,
  type FromCryptoThread,
  type TaskAnswer,
  type ThreadIdentity,
  type ToCryptoThread,
  type WireUnwrapped,
} from './crypto-wire';
import { mdnInputFor, unwrapMessage, type MdnSigning, type Unwrapped } from './unwrap-task';
import type { WarmUpReport } from './warm-up';

export interface As2Crypto {
  /** Thread count; 0 when the work runs on the event loop. */
  readonly threads: number;
  /**
   * Unwraps a message; with `mdnAt`, also builds the `processed` MDN it would be answered with. The
   * body is handed over: the caller must not read it afterwards (its memory moves to the thread).
   */
  unwrap(headers: HttpHeaders, body: Buffer, policy: ReceivePolicy, mdnAt?: Date): Promise<Unwrapped>;
  /** An MDN as one MIME entity (refusals, duplicates). */
  mdn(as2: As2RequestHeaders, disposition: Disposition, mic: Mic | undefined, at: Date): Promise<Buffer>;
  /** Each thread's first warm-up (warm-up.ts), once every thread has ended its own; none without threads. */
  readonly warmedUp: Promise<readonly WarmUpReport[]>;
  close(): Promise<void>;
}

export interface As2CryptoOptions {
  threads: number;
  signing: MdnSigning;
  /** Our keys: every thread gets them once. */
  keys: readonly DecryptionKey[];
  logger: TransportLogger;
  /** Tests only: a message's `edigw-test-thread` header makes its thread exit or throw. */
  testHooks?: boolean;
  /** Bodies longer than this are unwrapped on the event loop (default THREAD_BODY_MAX). */
  threadBodyMax?: number;
  /** A task still unanswered after this long ends its thread (default TASK_TIMEOUT_MS). */
  taskTimeoutMs?: number;
  /**
   * Messages of our own each thread unwraps when it starts, so that it has compiled before partners
   * wait (warm-up.ts; the gateway passes gateway.yaml `as2.cryptoWarmup`, WARMUP_MESSAGES by default).
   * Default 0 here.
   */
  warmup?: number;
}

/**
 * Bodies up to this size go to the threads; longer ones are unwrapped on the event loop. Measured
 * (docs/bench.md, session 11): 1 MiB bodies cost more handed between threads than they gained, about
 * 4 ms more CPU per message and 140 MB more RSS at 16 in flight, because every body then lands in
 * fresh memory (its buffer is freed on another thread than the one that allocates the next), while
 * the 10 KiB messages that make up most AS2 traffic gain the second core.
 */
export const THREAD_BODY_MAX = 256 * 1024;

/**
 * A task that takes longer than this is stuck (a body at most THREAD_BODY_MAX long unwraps in
 * milliseconds, decompression is bounded): its thread is ended and replaced, and its tasks fail with
 * EDIGW_AS2_WORKER_FAILED, so the partner is told to send again rather than waiting for ever, and the
 * thread's share of the traffic is not lost with it.
 */
export const TASK_TIMEOUT_MS = 30_000;

/**
 * The young generation of each crypto thread's heap, in MB. Left to V8, a thread's grew from ~2 to
 * ~8 MB in its warm-up and stayed there, and the Buffers of the messages it had unwrapped waited for
 * the larger scavenges in the thread's own malloc arena, which keeps their memory after they are
 * freed: 17 MB of resident memory a thread, held while the thread idles (it gets no 1 MB message).
 * Capped, the warm-up leaves ~9 MB a thread, at no CPU cost that the 10 KB task could measure
 * (docs/bench.md, session 17). Its messages survive no scavenge, so more of them cost nothing.
 */
export const THREAD_YOUNG_GENERATION_MB = 2;

/** A thread that dies before it came up is started again after this long. */
const RESTART_MS = 1_000;

/** The work on the event loop: what the listener did before there were threads, and `cryptoThreads: 0`. */
export function inThreadCrypto(signing: MdnSigning, keys: readonly DecryptionKey[]): As2Crypto {
  return {
    threads: 0,
    unwrap: async (headers, body, policy, mdnAt) => unwrapMessage(headers, body, { ...policy, keys }, signing, mdnAt),
    mdn: async (as2, disposition, mic, at) => buildMdn(mdnInputFor(signing, as2, disposition, mic, at)).entity,
    warmedUp: Promise.resolve([]),
    close: async () => undefined,
  };
}

export function startAs2Crypto(o: As2CryptoOptions): As2Crypto {
  const local = inThreadCrypto(o.signing, o.keys);
  return o.threads > 0 ? new CryptoPool(o, local) : local;
}

interface Pending {
  resolve(m: TaskAnswer): void;
  reject(e: Error): void;
}

interface Slot {
  index: number;
  worker?: Worker;
  online: boolean;
  tasks: Map<number, Pending>;
  restart?: NodeJS.Timeout;
  /** Why the thread is being ended, when we end it (a stuck task). */
  ending?: Error;
  /** How the slot's first thread's warm-up ended. */
  warmedUp?: WarmUpReport;
}

class CryptoPool implements As2Crypto {
  private readonly slots: Slot[];
  private readonly identity: ThreadIdentity;
  private nextId = 1;
  private closing = false;
  private warmed!: (reports: readonly WarmUpReport[]) => void;
  readonly warmedUp = new Promise<readonly WarmUpReport[]>((resolve) => (this.warmed = resolve));

  constructor(
    private readonly o: As2CryptoOptions,
    private readonly local: As2Crypto,
  ) {
    const signer = o.signing.signer;
    this.identity = {
      id: o.signing.id,
      reportingUA: o.signing.reportingUA,
      keys: o.keys.map((k) => ({ key: k.key, ...(k.certificate ? { certificate: k.certificate.der } : {}) })),
      ...(signer ? { signer: { key: signer.key, certificate: signer.certificate.der } } : {}),
    };
    this.slots = Array.from({ length: o.threads }, (_, index) => ({ index, online: false, tasks: new Map() }));
    for (const s of this.slots) this.spawn(s);
  }

  get threads(): number {
    return this.slots.length;
  }

  private spawn(slot: Slot): void {
    slot.restart = undefined;
    if (this.closing) return;
    const entry = join(__dirname, `crypto-thread${extname(__filename)}`);
    const worker = startThread(entry, {
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
      workerData: { identity: this.identity, testHooks: !!this.o.testHooks, warmup: this.o.warmup ?? 0 },
    });
    slot.worker = worker;
    slot.online = false;
    let failure: Error | undefined;
    worker.on('online', () => {
      if (slot.worker === worker) slot.online = true;
    });
    worker.on('message', (m: FromCryptoThread) => {
      if ('warmedUp' in m) return this.warmedUpOne(slot, m.warmedUp);
      const p = slot.tasks.get(m.id);
      if (!p) return;
      slot.tasks.delete(m.id);
      if (!slot.tasks.size) worker.unref();
      p.resolve(m);
    });
    worker.on('error', (e) => {
      failure = e;
    });
    worker.on('exit', (code) => this.exited(slot, worker, code, slot.ending ?? failure));
    // An idle thread must not keep the process alive (close() ends the threads); one with a task must.
    worker.unref();
  }

  /**
   * Quiet when it went well (a healthy start logs nothing more); a failure means our own key and
   * certificate did not unwrap our own message, which partners' messages would meet too.
   */
  private warmedUpOne(slot: Slot, r: WarmUpReport): void {
    if ('failed' in r) this.o.logger.warn({ thread: slot.index, err: r.failed }, 'as2 crypto thread warm-up failed');
    if (slot.warmedUp) return;
    slot.warmedUp = r;
    if (this.slots.every((s) => s.warmedUp)) this.warmed(this.slots.map((s) => s.warmedUp!));
  }

  private exited(slot: Slot, worker: Worker, code: number, failure: Error | undefined): void {
    if (slot.worker !== worker) return;
    const wasOnline = slot.online;
    slot.ending = undefined;
    slot.worker = undefined;
    slot.online = false;
    const tasks = [...slot.tasks.values()];
    slot.tasks.clear();
    if (!this.closing || tasks.length) {
      this.o.logger.error(
        { thread: slot.index, exitCode: code, err: failure?.message, tasks: tasks.length },
        this.closing ? 'as2 crypto thread ended with tasks' : 'as2 crypto thread died; starting another',
      );
    }
    const error = new GatewayError(
      'EDIGW_AS2_WORKER_FAILED',
      `crypto thread ${slot.index} ${failure ? `failed: ${failure.message}` : `exited with code ${code}`}`,
      failure ? { cause: failure } : undefined,
    );
    for (const t of tasks) t.reject(error);
    if (this.closing) return;
    // One that never came up (a broken install, no memory) would fail again at once: pause first.
    if (wasOnline) this.spawn(slot);
    else slot.restart = setTimeout(() => this.spawn(slot), RESTART_MS).unref();
  }

  /** The thread with the fewest tasks; undefined when none is running (the work then stays here). */
  private pick(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.worker && !s.ending && (!best || s.tasks.size < best.tasks.size)) best = s;
    return best;
  }

  /** A task past its time: its thread is stuck (a loop), so it is ended, which fails its tasks. */
  private overdue(slot: Slot, worker: Worker, id: number, ms: number): void {
    if (slot.worker !== worker || !slot.tasks.has(id) || slot.ending) return;
    slot.ending = new Error(`a task ran longer than ${ms} ms; the thread was ended`);
    this.o.logger.error({ thread: slot.index, tasks: slot.tasks.size, timeoutMs: ms }, 'as2 crypto thread stuck');
    void worker.terminate();
  }

  private send(slot: Slot, m: ToCryptoThread, transfer: ArrayBuffer[]): Promise<TaskAnswer> {
    return new Promise<TaskAnswer>((resolve, reject) => {
      const worker = slot.worker!;
      const ms = this.o.taskTimeoutMs ?? TASK_TIMEOUT_MS;
      const timer = setTimeout(() => this.overdue(slot, worker, m.id, ms), ms).unref();
      slot.tasks.set(m.id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      slot.worker!.ref();
      try {
        slot.worker!.postMessage(m, transfer);
      } catch (e) {
        slot.tasks.delete(m.id);
        clearTimeout(timer);
        reject(
          new GatewayError('EDIGW_AS2_WORKER_FAILED', `handing a task to crypto thread ${slot.index}`, { cause: e }),
        );
      }
    });
  }

  async unwrap(headers: HttpHeaders, body: Buffer, policy: ReceivePolicy, mdnAt?: Date): Promise<Unwrapped> {
    const slot = body.byteLength <= (this.o.threadBodyMax ?? THREAD_BODY_MAX) ? this.pick() : undefined;
    if (!slot) return this.local.unwrap(headers, body, policy, mdnAt);
    const view = transferable(body);
    const answer = await this.send(
      slot,
      {
        type: 'unwrap',
        id: this.nextId++,
        headers: { ...headers },
        body: view,
        policy: {
          signed: policy.signed,
          encrypted: policy.encrypted,
          certificates: policy.certificates.map((c) => c.der),
          ...(policy.decompression ? { decompression: policy.decompression } : {}),
        },
        ...(mdnAt ? { mdnAt } : {}),
      },
      [view.buffer as ArrayBuffer],
    );
    if (!answer.ok) throw fromWire(answer.error);
    if (!('unwrapped' in answer)) throw new Error('crypto thread: an unwrap answered with something else');
    return fromWireUnwrapped(answer.unwrapped);
  }

  async mdn(as2: As2RequestHeaders, disposition: Disposition, mic: Mic | undefined, at: Date): Promise<Buffer> {
    const slot = this.pick();
    if (!slot) return this.local.mdn(as2, disposition, mic, at);
    const answer = await this.send(
      slot,
      { type: 'mdn', id: this.nextId++, as2, disposition, ...(mic ? { mic } : {}), at },
      [],
    ).catch((e: unknown) => {
      // Our own MDN holds nothing of the partner's that could have killed the thread: build it here.
      if (e instanceof GatewayError && e.code === 'EDIGW_AS2_WORKER_FAILED') return undefined;
      throw e;
    });
    if (!answer) return this.local.mdn(as2, disposition, mic, at);
    if (!answer.ok) throw fromWire(answer.error);
    if (!('mdn' in answer)) throw new Error('crypto thread: an MDN answered with something else');
    return asBuffer(answer.mdn);
  }

  async close(): Promise<void> {
    this.closing = true;
    const ending: Promise<number>[] = [];
    for (const s of this.slots) {
      clearTimeout(s.restart);
      if (s.worker) ending.push(s.worker.terminate());
    }
    await Promise.all(ending);
  }
}

function fromWireUnwrapped(w: WireUnwrapped): Unwrapped {
  const { payload, mdn, ...rest } = w;
  return { ...rest, payload: asBuffer(payload), ...(mdn ? { mdn: asBuffer(mdn) } : {}) };
}
