import pino from 'pino';
import pretty from 'pino-pretty';
import type { TransportLogger } from '../transports/spec';

/** The structured logger every part of the running gateway writes to (pino: one JSON line per event). */
export type Logger = TransportLogger;

/** Lines are held until this many bytes are waiting, or LOG_FLUSH_MS has passed. */
export const LOG_BATCH_BYTES = 4096;
export const LOG_FLUSH_MS = 100;

/**
 * JSON lines, for log shippers, written in batches (docs/adr/0019-c-log-lines-in-batches.md): the
 * lines of a busy moment leave in one write instead of one write each, and none waits more than
 * LOG_FLUSH_MS. Writes stay synchronous, so no write is ever in flight when the process ends: what is
 * held then is written at exit (also after an uncaught exception), and only a process killed outright
 * (SIGKILL, out of memory) loses its last lines; what a message went through is in the store's
 * events, committed before it was acknowledged.
 */
export function jsonDestination(fd = 1, batchBytes = LOG_BATCH_BYTES, flushMs = LOG_FLUSH_MS): pino.DestinationStream {
  const dest = pino.destination({ dest: fd, sync: true, minLength: batchBytes, periodicFlush: flushMs });
  if (!held.size) process.once('exit', flushAll);
  held.add(dest);
  return dest;
}

/** Every batching destination of the process, flushed by one `exit` listener however many loggers there are. */
const held = new Set<ReturnType<typeof pino.destination>>();

function flushAll(): void {
  for (const dest of held) dest.flushSync();
  held.clear();
}

/**
 * JSON lines (above); with LOG_FORMAT=pretty, one readable line per event with its fields below it
 * (pino-pretty), for a person at a terminal. Pretty lines are written synchronously on this thread, so
 * none is lost when the process exits.
 */
export function createLogger(
  level = process.env.LOG_LEVEL ?? 'info',
  format = process.env.LOG_FORMAT?.trim().toLowerCase(),
): Logger {
  const options = { level, base: { pid: process.pid } };
  if (format === 'pretty')
    return pino(
      options,
      pretty({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:standard', ignore: 'pid' }),
    );
  return pino(options, jsonDestination());
}

/** For commands and tests that want no log output. */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
