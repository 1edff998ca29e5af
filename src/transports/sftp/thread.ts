/**
 * The hosted SFTP server on a thread of its own (ADR 0009). The SSH protocol, the sessions and their
 * disk work cost about 1.5 ms of CPU per small upload; on the gateway's one event loop they and the
 * commits queued behind each other while the second core idled. Here ssh2 runs on a worker thread,
 * and only what must be on the main thread stays there: reading the users from the partner files, and
 * the durable intake, whose answer the thread waits for before it answers the client's CLOSE.
 *
 * Should the thread die, it is started again on the same port; uploads it held are answered with a
 * dropped connection, so their clients send them again.
 */
import { extname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { GatewayError } from '../../errors';
import type { RunningSftpServer, SftpServerOptions } from './server';
import { defineListener } from '../spec';
import { startThread } from '../thread-loader';
import { checkHosted, hostedFiles, sftpHosted } from './partner-file';
import {
  fieldsFromWire,
  fromWire,
  toWire,
  type Call,
  type FromThread,
  type ThreadSettings,
  type ToThread,
} from './thread-wire';

const RESTART_MS = 1_000;
/** How long close() waits for the thread after it was asked to stop (its own grace is 2 s). */
const CLOSE_WAIT_MS = 10_000;

export function startSftpThread(o: SftpServerOptions): Promise<RunningSftpServer> {
  return new SftpThread(o).start();
}

class SftpThread {
  private worker: Worker | undefined;
  /** Workers that have not exited yet: close() waits only for those. */
  private readonly running = new Set<Worker>();
  private port: number;
  private closing: Promise<void> | undefined;
  private restart: NodeJS.Timeout | undefined;

  constructor(private readonly o: SftpServerOptions) {
    this.port = o.port;
  }

  async start(): Promise<RunningSftpServer> {
    this.port = await this.spawn();
    return { port: this.port, close: () => this.close() };
  }

  /** Starts the thread; resolves with the port it listens on, or rejects with why it could not. */
  private spawn(): Promise<number> {
    const settings: ThreadSettings = {
      port: this.port,
      hostKey: this.o.hostKey,
      root: this.o.root,
      ...(this.o.host !== undefined ? { host: this.o.host } : {}),
      ...(this.o.afterIntake ? { afterIntake: this.o.afterIntake } : {}),
      ...(this.o.maxFileBytes !== undefined ? { maxFileBytes: this.o.maxFileBytes } : {}),
      ...(this.o.inlineUpTo !== undefined ? { inlineUpTo: this.o.inlineUpTo } : {}),
      ...(this.o.idleTimeoutMs !== undefined ? { idleTimeoutMs: this.o.idleTimeoutMs } : {}),
      ...(this.o.maxAuthFailures !== undefined ? { maxAuthFailures: this.o.maxAuthFailures } : {}),
    };
    const worker = newWorker(settings);
    this.worker = worker;
    this.running.add(worker);
    return new Promise<number>((resolve, reject) => {
      let listening = false;
      worker.on('message', (m: FromThread) => {
        switch (m.type) {
          case 'call':
            return this.answer(worker, m);
          case 'log':
            return this.o.logger[m.level](fieldsFromWire(m.fields), m.message);
          case 'login':
            return this.o.onLogin?.(m.outcome);
          case 'listening':
            listening = true;
            return resolve(m.port);
          case 'failed':
            return reject(fromWire(m.error));
          case 'closed':
            return;
        }
      });
      worker.on('error', (err) => {
        if (!listening) reject(new GatewayError('EDIGW_SFTP_LISTEN', 'starting the SFTP thread', { cause: err }));
        else this.o.logger.error({ err }, 'the SFTP server thread failed');
      });
      worker.on('exit', (code) => {
        this.running.delete(worker);
        if (!listening)
          return reject(
            new GatewayError('EDIGW_SFTP_LISTEN', 'starting the SFTP thread', {
              cause: new Error(`the thread exited with code ${code}`),
            }),
          );
        if (this.closing || this.worker !== worker) return;
        this.o.logger.error({ code, restartInMs: RESTART_MS }, 'the SFTP server thread stopped; starting it again');
        this.restart = setTimeout(() => this.respawn(), RESTART_MS);
      });
    });
  }

  private respawn(): void {
    this.restart = undefined;
    if (this.closing) return;
    this.spawn().then(
      () => this.o.logger.info({ port: this.port }, 'SFTP server thread started again'),
      (err: unknown) => {
        this.o.logger.error(
          { err, restartInMs: RESTART_MS },
          'the SFTP server thread could not start again; trying again',
        );
        if (!this.closing) this.restart = setTimeout(() => this.respawn(), RESTART_MS);
      },
    );
  }

  private answer(worker: Worker, m: Call): void {
    const work = m.method === 'users' ? Promise.resolve().then(() => this.o.users()) : this.o.intake(m.request);
    work.then(
      (value) => post(worker, { type: 'reply', id: m.id, value }),
      (err: unknown) => post(worker, { type: 'reply', id: m.id, error: toWire(err) }),
    );
  }

  private close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.restart) clearTimeout(this.restart);
      const worker = this.worker;
      // None, or it died and close() came before its restart.
      if (!worker || !this.running.has(worker)) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      post(worker, { type: 'close' });
      const late = setTimeout(() => void worker.terminate(), CLOSE_WAIT_MS);
      await exited;
      clearTimeout(late);
    })();
    return this.closing;
  }
}

/** A thread that has exited takes no messages; there is nothing to tell it. */
function post(worker: Worker, m: ToThread): void {
  try {
    worker.postMessage(m);
  } catch {
    // gone
  }
}

function newWorker(settings: ThreadSettings): Worker {
  return startThread(join(__dirname, `thread-entry${extname(__filename)}`), { workerData: settings });
}

/** The hosted SFTP server: gateway.yaml `sftp` sets it up; a partner's `inbound.sftp` is its login. */
export const sftpServer = defineListener({
  kind: 'sftp-server',
  partner: { key: 'sftp', schema: sftpHosted, check: checkHosted, files: hostedFiles },
});
