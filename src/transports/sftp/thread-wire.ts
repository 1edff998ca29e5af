/**
 * What the hosted SFTP server's thread and the gateway's main thread say to each other (see
 * thread.ts). Errors cross as plain data and are rebuilt on the other side, so that a GatewayError
 * keeps its code and a logged `err` keeps its message and stack.
 */
import { catalogue, type ErrorCode, GatewayError } from '../../errors';
import type { SftpUser } from './auth';
import type { IntakeRequest } from './session';

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** An errno code (ENOSPC) or a catalogue code (EDIGW_…). */
  code?: string;
  /** A GatewayError's context, so that it can be rebuilt as one. */
  context?: string;
  cause?: WireError;
}

/** The server's settings that are data (its callbacks stay on the main thread). */
export interface ThreadSettings {
  port: number;
  host?: string;
  hostKey: Buffer | string;
  root: string;
  afterIntake?: 'delete' | 'archive';
  maxFileBytes?: number;
  inlineUpTo?: number;
  idleTimeoutMs?: number;
  maxAuthFailures?: number;
}

export type Level = 'info' | 'warn' | 'error';

/** The thread's calls into the main thread: its users and its intake. */
export type Call =
  | { type: 'call'; id: number; method: 'users' }
  | { type: 'call'; id: number; method: 'intake'; request: IntakeRequest };

export type FromThread =
  | Call
  | { type: 'log'; level: Level; fields: Record<string, unknown>; message: string }
  | { type: 'login'; outcome: 'opened' | 'refused' }
  | { type: 'listening'; port: number }
  | { type: 'failed'; error: WireError }
  | { type: 'closed' };

export type ToThread =
  | { type: 'reply'; id: number; value: SftpUser[] | { messageId: string } }
  | { type: 'reply'; id: number; error: WireError }
  | { type: 'close' };

export function toWire(err: unknown, depth = 0): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const w: WireError = { name: err.name, message: err.message };
  if (err.stack) w.stack = err.stack;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') w.code = code;
  if (err instanceof GatewayError) w.context = err.context;
  if (err.cause !== undefined && depth < 5) w.cause = toWire(err.cause, depth + 1);
  return w;
}

export function fromWire(w: WireError): Error {
  const cause = w.cause ? fromWire(w.cause) : undefined;
  let err: Error;
  if (w.context !== undefined && w.code && w.code in catalogue) {
    err = new GatewayError(w.code as ErrorCode, w.context, cause ? { cause } : undefined);
  } else {
    err = new Error(w.message, cause ? { cause } : undefined);
    err.name = w.name;
    if (w.code) (err as Error & { code?: string }).code = w.code;
  }
  if (w.stack) err.stack = w.stack;
  return err;
}

/** Log fields with their Error values made data, and back. */
export function fieldsToWire(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { [ERROR_MARK]: toWire(v) } : v;
  return out;
}

export function fieldsFromWire(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const marked =
      v !== null && typeof v === 'object' && ERROR_MARK in v ? (v as Record<string, WireError>)[ERROR_MARK] : undefined;
    out[k] = marked ? fromWire(marked) : v;
  }
  return out;
}

const ERROR_MARK = '__wireError';
