/**
 * The dead-letter workflow: list dead letters (every role), replay one or many (operators; auth.ts
 * refuses auditors before these run), and process again a message whose processing was dead-lettered.
 * Each replay is audited as `admin.replay` or `admin.bulk-replay` on the delivery's (or the
 * reprocessed) message, so the lineage of the message it came from shows who replayed it.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors';
import type { DeadLetter, DeadLetterFilter } from '../../store/deliveries';
import type { DeadWork } from '../../store/queue';
import type { ProcessingState, ReplayedProcessing } from '../../pipeline/replay-process';
import type { Audit } from '../audit';
import { actorOf, type Actor } from '../auth';
import {
  cursorParam,
  dateParam,
  decodeCursor,
  defined,
  encodeCursor,
  fromDate,
  idParam,
  limitParam,
  parseBody,
  parseQuery,
  toDate,
} from './params';

export interface ReplayedDelivery {
  id: string;
  messageId: string;
  partnerId: string | null;
  status: string;
}

export interface DeadLetterDeps {
  deadLetters(
    filter: DeadLetterFilter,
    page: { limit: number; after?: { deadAt: Date; id: string } },
  ): Promise<{ deadLetters: DeadLetter[]; next: { deadAt: Date; id: string } | null }>;
  /** Queues a dead delivery again (EDIGW_DELIVERY_NOT_FOUND, EDIGW_NOT_DEAD otherwise). */
  replay(id: string): Promise<ReplayedDelivery>;
  /**
   * Queues the processing of a message again whose `process` job was dead-lettered (EDIGW_ADMIN_MESSAGE_UNKNOWN,
   * EDIGW_ALREADY_PROCESSED, EDIGW_NOT_DEAD otherwise). Absent: this gateway replays deliveries only.
   */
  replayProcessing?(messageId: string): Promise<ReplayedProcessing>;
  /** Dead work that is not a delivery (processing, async MDNs, alerts), the latest first; the console lists it. */
  deadWork?(filter: { partner?: string }, limit: number): Promise<DeadWork[]>;
  /** Where a message's processing stands (the console offers a replay when it is dead). */
  processingState?(messageId: string): Promise<ProcessingState>;
}

const filterFields = {
  partner: z.string().min(1).max(64).optional(),
  endpoint: z.string().min(1).max(128).optional(),
  from: dateParam.optional(),
  to: dateParam.optional(),
};

/** GET /api/dead-letters */
export const deadLetterQuery = z.strictObject({
  ...filterFields,
  cursor: cursorParam.optional(),
  limit: limitParam(500, 50),
});

/** Dead letters one bulk replay takes at most; what is left is replayed by asking again. */
export const BULK_MAX = 1000;

/** POST /api/dead-letters/replay: a filter (or `all: true`), never nothing, so an empty body replays nothing. */
export const bulkReplayBody = z
  .strictObject({
    ...filterFields,
    ids: z.array(idParam).min(1).max(BULK_MAX).optional(),
    all: z.literal(true).optional(),
    limit: z.number().int().min(1).max(BULK_MAX).default(BULK_MAX),
  })
  .refine((b) => b.all === true || Object.values(defined({ ...b, limit: undefined })).length > 0, {
    error: 'name what to replay: partner, endpoint, from, to or ids, or all: true for every dead letter',
  });

const filterOf = (q: { partner?: string; endpoint?: string; from?: string; to?: string }): DeadLetterFilter =>
  defined({ partner: q.partner, endpoint: q.endpoint, from: fromDate(q.from), to: toDate(q.to) });

/** Replays one dead letter and records who did it: the API's route and the console's button. */
export async function replayOne(
  deps: DeadLetterDeps & { audit?: Audit },
  id: string,
  actor: Actor,
): Promise<ReplayedDelivery> {
  const d = await deps.replay(id);
  await deps.audit?.({
    action: 'replay',
    actor,
    messageId: d.messageId,
    partnerId: d.partnerId,
    detail: { deliveryId: d.id },
  });
  return d;
}

/** Processes a dead-lettered message again and records who did it: the API's route and the console's button. */
export async function replayProcessingOne(
  deps: DeadLetterDeps & { audit?: Audit },
  messageId: string,
  actor: Actor,
): Promise<ReplayedProcessing> {
  if (!deps.replayProcessing)
    throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', `replay the processing of ${messageId}: not here`);
  const r = await deps.replayProcessing(messageId);
  await deps.audit?.({
    action: 'replay',
    actor,
    messageId: r.messageId,
    partnerId: r.partnerId,
    detail: { processing: r.replay },
  });
  return r;
}

export interface BulkReplayed {
  replayed: Array<{ deliveryId: string; messageId: string }>;
  failed: Array<{ deliveryId: string; code: string; message: string }>;
  /** More dead letters match than `limit` took. */
  more: boolean;
}

/**
 * Replays the dead letters a filter finds (at most `limit`), each audited as `admin.bulk-replay` with
 * the filter it was asked by: the API's bulk route and the console's button.
 */
export async function replayMany(
  deps: DeadLetterDeps & { audit?: Audit },
  filter: DeadLetterFilter,
  limit: number,
  actor: Actor,
  asked: object,
): Promise<BulkReplayed> {
  const { deadLetters, next } = await deps.deadLetters(filter, { limit });
  const replayed: BulkReplayed['replayed'] = [];
  const failed: BulkReplayed['failed'] = [];
  // One at a time: each is a short transaction, and a busy gateway keeps its connections for intake.
  for (const dl of deadLetters) {
    try {
      const d = await deps.replay(dl.id);
      replayed.push({ deliveryId: d.id, messageId: d.messageId });
      await deps.audit?.({
        action: 'bulk-replay',
        actor,
        messageId: d.messageId,
        partnerId: d.partnerId,
        detail: { deliveryId: d.id, filter: asked },
      });
    } catch (e) {
      // Replayed meanwhile by someone else, or a database that refused for now: said per delivery.
      if (!(e instanceof GatewayError)) throw e;
      failed.push({ deliveryId: dl.id, code: e.code, message: e.message });
    }
  }
  return { replayed, failed, more: next !== null };
}

export function deadLettersRouter(deps: DeadLetterDeps & { audit?: Audit }): Router {
  const r = Router();

  r.get('/dead-letters', async (req, res) => {
    const q = parseQuery(deadLetterQuery, req);
    const after = decodeCursor(q.cursor);
    const page = await deps.deadLetters(filterOf(q), {
      limit: q.limit,
      ...(after ? { after: { deadAt: after.at, id: after.id } } : {}),
    });
    res.status(200).json({
      deadLetters: page.deadLetters,
      next: page.next ? encodeCursor(page.next.deadAt, page.next.id) : null,
    });
  });

  r.post('/deliveries/:id/replay', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw new GatewayError('EDIGW_DELIVERY_NOT_FOUND', `replay ${String(req.params.id)}`);
    const d = await replayOne(deps, id.data, actorOf(res));
    res.status(202).json({ deliveryId: d.id, messageId: d.messageId, status: d.status });
  });

  r.post('/messages/:id/replay', async (req, res) => {
    const id = String(req.params.id);
    if (id.length > 64) throw new GatewayError('EDIGW_ADMIN_MESSAGE_UNKNOWN', `replay ${id.slice(0, 64)}…`);
    const r = await replayProcessingOne(deps, id, actorOf(res));
    res.status(202).json({ messageId: r.messageId, replay: r.replay, status: 'received' });
  });

  r.post('/dead-letters/replay', express.json({ limit: '256kb' }), async (req, res) => {
    const body = parseBody(bulkReplayBody, req);
    const filter: DeadLetterFilter = { ...filterOf(body), ...(body.ids ? { ids: body.ids } : {}) };
    res.status(202).json(await replayMany(deps, filter, body.limit, actorOf(res), { ...body, limit: undefined }));
  });

  return r;
}
