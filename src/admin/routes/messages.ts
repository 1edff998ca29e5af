/**
 * Message search, lineage and raw payload (GET /api/messages, /api/messages/:id, /:id/payload): for
 * every role, read-only. What it reads is injected (MessageDeps); the gateway wires the store's
 * MessageHistory (src/store/history.ts), so no SQL lives here.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors';
import type { Lineage, MessageFilter, MessagePage, MessageCursor } from '../../store/history';
import { actorOfEvent } from '../audit';
import {
  cursorParam,
  dateParam,
  decodeCursor,
  defined,
  encodeCursor,
  fromDate,
  idParam,
  limitParam,
  parseQuery,
  toDate,
} from './params';

export interface StoredPayload {
  size: number;
  fileName: string | null;
  chunks: AsyncIterable<Buffer>;
}

export interface MessageDeps {
  searchMessages(filter: MessageFilter, page: { limit: number; after?: MessageCursor }): Promise<MessagePage>;
  lineage(id: string): Promise<Lineage | undefined>;
  /** The bytes of a message as they crossed the wire; `purged` when retention removed them. */
  payload(id: string): Promise<StoredPayload | 'purged' | undefined>;
}

const short = z.string().min(1).max(64);

/** GET /api/messages: what it filters by (docs/admin-api.md). */
export const messageSearchQuery = z.strictObject({
  partner: short.optional(),
  direction: z.enum(['in', 'out']).optional(),
  transport: short.optional(),
  status: short.optional(),
  type: z.string().min(1).max(6).optional(),
  reference: z.string().min(1).max(255).optional(),
  controlNumber: z.string().min(1).max(14).optional(),
  from: dateParam.optional(),
  to: dateParam.optional(),
  q: z.string().min(1).max(255).optional(),
  cursor: cursorParam.optional(),
  limit: limitParam(500, 50),
});

/** A message id: ours are UUIDs; anything longer cannot be one. */
const messageId = (raw: unknown) => {
  const r = idParam.safeParse(raw);
  if (!r.success) throw new GatewayError('EDIGW_ADMIN_MESSAGE_UNKNOWN', `message ${JSON.stringify(String(raw))}`);
  return r.data;
};

/** A name fit for Content-Disposition: the stored file name when plain, else the message id. */
function downloadName(id: string, fileName: string | null): string {
  return fileName && /^[^/\\\p{Cc}]{1,255}$/u.test(fileName) ? fileName : `${id}.edi`;
}

/** One page of a search as the query asked for it (the API's and the console's). */
export function searchMessages(deps: MessageDeps, q: z.output<typeof messageSearchQuery>): Promise<MessagePage> {
  const after = decodeCursor(q.cursor);
  return deps.searchMessages(
    defined({
      partner: q.partner,
      direction: q.direction,
      transport: q.transport,
      status: q.status,
      type: q.type,
      reference: q.reference,
      controlNumber: q.controlNumber,
      from: fromDate(q.from),
      to: toDate(q.to),
      q: q.q,
    }),
    { limit: q.limit, ...(after ? { after: { receivedAt: after.at, id: after.id } } : {}) },
  );
}

/** The opaque cursor of the page after this one; null on the last. */
export const nextCursor = (page: MessagePage): string | null =>
  page.next ? encodeCursor(page.next.receivedAt, page.next.id) : null;

export function messagesRouter(deps: MessageDeps): Router {
  const r = Router();

  r.get('/messages', async (req, res) => {
    const page = await searchMessages(deps, parseQuery(messageSearchQuery, req));
    res.status(200).json({ messages: page.messages, next: nextCursor(page) });
  });

  r.get('/messages/:id', async (req, res) => {
    const id = messageId(req.params.id);
    const lineage = await deps.lineage(id);
    if (!lineage) throw new GatewayError('EDIGW_ADMIN_MESSAGE_UNKNOWN', `message ${JSON.stringify(id)}`);
    res.status(200).json({
      ...lineage,
      events: lineage.events.map((e) => {
        const actor = actorOfEvent(e.stage, e.detail);
        return actor ? { ...e, actor } : e;
      }),
    });
  });

  r.get('/messages/:id/payload', async (req, res) => {
    const id = messageId(req.params.id);
    const p = await deps.payload(id);
    if (p === undefined) throw new GatewayError('EDIGW_ADMIN_MESSAGE_UNKNOWN', `message ${JSON.stringify(id)}`);
    if (p === 'purged') throw new GatewayError('EDIGW_ADMIN_PAYLOAD_GONE', `message ${id}`);
    res.status(200);
    res.attachment(downloadName(id, p.fileName));
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(p.size));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // pipeline ends the answer, and stops reading the store when the client goes away.
    await pipeline(Readable.from(p.chunks), res);
  });

  return r;
}
