import pino from 'pino';
import type { TransportLogger } from '../transports/spec';

/** The structured logger every part of the running gateway writes to (pino: one JSON line per event). */
export type Logger = TransportLogger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid } });
}

/** For commands and tests that want no log output. */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
