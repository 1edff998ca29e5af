import pino from 'pino';
import pretty from 'pino-pretty';
import type { TransportLogger } from '../transports/spec';

/** The structured logger every part of the running gateway writes to (pino: one JSON line per event). */
export type Logger = TransportLogger;

/**
 * JSON lines, for log shippers; with LOG_FORMAT=pretty, one readable line per event with its fields
 * below it (pino-pretty), for a person at a terminal. Pretty lines are written synchronously on this
 * thread, so none is lost when the process exits.
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
  return pino(options);
}

/** For commands and tests that want no log output. */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
