/**
 * Query and body validation for the admin routes: each route declares a zod schema, which is both
 * what it accepts and (later) what the OpenAPI document says it accepts. A request that does not fit
 * is 400 EDIGW_ADMIN_BAD_REQUEST, naming each parameter at fault.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors';
import { parseDay } from '../reports/query';

/** A day (`2026-05-01`) or an instant (`2026-05-01T10:00:00Z`). */
const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const dateParam = z
  .string()
  .refine((s) => (DAY.test(s) ? parseDay(s) !== null : s.includes('T') && !Number.isNaN(Date.parse(s))), {
    error: 'a date (YYYY-MM-DD) or an ISO 8601 instant with its offset',
  });

/** A calendar day that exists: 2026-02-30 would otherwise search an Invalid Date and find nothing. */
export const dayParam = z.string().refine((s) => parseDay(s) !== null, { error: 'a date (YYYY-MM-DD)' });

/** `from` as an instant: a day starts at 00:00 UTC. */
export function fromDate(s: string | undefined): Date | undefined {
  return s === undefined ? undefined : new Date(DAY.test(s) ? `${s}T00:00:00Z` : s);
}

/** `to` as the first instant after the range: a day is included whole, an instant is the end itself. */
export function toDate(s: string | undefined): Date | undefined {
  if (s === undefined) return undefined;
  return DAY.test(s) ? new Date(Date.parse(`${s}T00:00:00Z`) + 86_400_000) : new Date(s);
}

/** An id of ours (a UUID) or anything up to 64 characters a route is asked about. */
export const idParam = z.string().min(1).max(64);

export const limitParam = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** A page position: opaque to clients (base64url of the last row's time and id). */
export const cursorParam = z.string().max(256);

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') {
      const at = new Date(v[0]);
      if (!Number.isNaN(at.getTime())) return { at, id: v[1] };
    }
  } catch {
    // Answered below, as any other malformed cursor.
  }
  throw new GatewayError('EDIGW_ADMIN_BAD_REQUEST', 'cursor: not one this API gave (pass `next` back as it is)');
}

function parsed<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const said = r.error.issues
    .map((i) => {
      const at = i.path.length ? i.path.join('.') : i.code === 'unrecognized_keys' ? '' : where;
      return at ? `${at}: ${i.message}` : i.message;
    })
    .join('; ');
  throw new GatewayError('EDIGW_ADMIN_BAD_REQUEST', `${where}: ${said}`);
}

/** The query string through `schema`; a parameter given twice is an error, as everywhere in this API. */
export function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  return parsed(schema, req.query, 'query');
}

/** A JSON body through `schema`; no body (or not JSON) counts as `{}`. */
export function parseBody<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const body: unknown = req.body;
  return parsed(schema, body === undefined || Buffer.isBuffer(body) ? {} : body, 'body');
}

/** Keeps the keys whose value is defined (exactOptionalPropertyTypes-friendly filters). */
export function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
