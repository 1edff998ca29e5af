/**
 * The audit trail (GET /api/audit): operator actions newest first, for every role. What it reads is
 * injected (AuditDeps); the gateway wires the store's AuditTrail (src/store/audit-trail.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AuditCursor, AuditFilter, AuditPage } from '../../store/audit-trail';
import {
  cursorParam,
  dateParam,
  decodeCursor,
  defined,
  encodeCursor,
  fromDate,
  limitParam,
  parseQuery,
  toDate,
} from './params';

export interface AuditDeps {
  searchAudit(filter: AuditFilter, page: { limit: number; after?: AuditCursor }): Promise<AuditPage>;
}

const short = z.string().min(1).max(64);

/** GET /api/audit: what it filters by (docs/admin-api.md). */
export const auditQuery = z.strictObject({
  user: z.string().min(1).max(128).optional(),
  partner: short.optional(),
  action: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,17}$/, { error: 'an action such as pause, resume, check, replay or bulk-replay' })
    .optional(),
  from: dateParam.optional(),
  to: dateParam.optional(),
  cursor: cursorParam.optional(),
  limit: limitParam(500, 50),
});

/** One page as the query asked for it (the API's and the console's). */
export function searchAudit(deps: AuditDeps, q: z.output<typeof auditQuery>): Promise<AuditPage> {
  const after = decodeCursor(q.cursor);
  return deps.searchAudit(
    defined({ user: q.user, partner: q.partner, action: q.action, from: fromDate(q.from), to: toDate(q.to) }),
    { limit: q.limit, ...(after ? { after } : {}) },
  );
}

/** The opaque cursor of the page after this one; null on the last. */
export const nextAuditCursor = (page: AuditPage): string | null =>
  page.next ? encodeCursor(page.next.at, page.next.id) : null;

export function auditRouter(deps: AuditDeps): Router {
  const r = Router();
  r.get('/audit', async (req, res) => {
    const page = await searchAudit(deps, parseQuery(auditQuery, req));
    res.status(200).json({ entries: page.entries, next: nextAuditCursor(page) });
  });
  return r;
}
