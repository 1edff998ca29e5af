/**
 * The hosted SFTP server's own thread: ssh2, the sessions and their disk work run here; the users and
 * the durable intake stay on the main thread, asked for by message (see thread.ts).
 */
// First: ssh2 takes crypto.randomFillSync when it loads (padding-pool.ts).
import './thread-padding';
import { parentPort, workerData } from 'node:worker_threads';
import { GatewayError } from '../../errors';
import type { SftpUser } from './auth';
import { startSftpServer, type RunningSftpServer } from './server';
import type { IntakeRequest, SftpLogger } from './session';
import {
  fieldsToWire,
  fromWire,
  toWire,
  type FromThread,
  type Level,
  type ThreadSettings,
  type ToThread,
} from './thread-wire';

const port = parentPort;
if (!port) throw new Error('thread-entry runs only as a worker thread');
const settings = workerData as ThreadSettings;

const post = (m: FromThread) => port.postMessage(m);
const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
let nextId = 1;

function call<T>(m: { method: 'users' } | { method: 'intake'; request: IntakeRequest }): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    post({ type: 'call', id, ...m });
  });
}

const log = (level: Level) => (fields: object, message: string) =>
  post({ type: 'log', level, fields: fieldsToWire(fields), message });
const logger: SftpLogger = { info: log('info'), warn: log('warn'), error: log('error') };

let server: RunningSftpServer | undefined;

port.on('message', (m: ToThread) => {
  if (m.type === 'reply') {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if ('error' in m) w?.reject(fromWire(m.error));
    else w?.resolve(m.value);
    return;
  }
  void (async () => {
    await server?.close();
    post({ type: 'closed' });
    port.close();
  })();
});

startSftpServer({
  ...settings,
  // A Buffer crosses threads as a plain Uint8Array, which ssh2 does not take as a key.
  hostKey: typeof settings.hostKey === 'string' ? settings.hostKey : Buffer.from(settings.hostKey),
  users: () => call<SftpUser[]>({ method: 'users' }),
  intake: (request) => call<{ messageId: string }>({ method: 'intake', request }),
  logger,
  onLogin: (outcome) => post({ type: 'login', outcome }),
}).then(
  (running) => {
    server = running;
    post({ type: 'listening', port: running.port });
  },
  (err: unknown) => {
    post({
      type: 'failed',
      error: toWire(
        err instanceof GatewayError
          ? err
          : new GatewayError('EDIGW_SFTP_LISTEN', 'starting the SFTP thread', { cause: err }),
      ),
    });
    port.close();
  },
);
