import type { Driver } from './data-source';
import { quote, rowDate, sqlDate } from './sql';

/**
 * The audit trail: operator actions, which the admin API records as events at stage `admin.<action>`
 * with a JSON detail that starts with the user's name (src/admin/audit.ts). Read-only.
 *
 * Every read goes through ix_event_stage_time (migrations/0006): the stage prefix is a range of that
 * index, so a page costs the operator actions that match, never the pipeline events around them.
 */

export interface AuditFilter {
  /** Who acted (the admin.users name; compared as the database compares text, case-insensitively). */
  user?: string;
  partner?: string;
  /** pause, resume, check, replay, bulk-replay, submit, send, ... (without the `admin.` prefix). */
  action?: string;
  /** At or after. */
  from?: Date;
  /** Before. */
  to?: Date;
}

/** Where a page ends: the next starts after this event. */
export interface AuditCursor {
  at: Date;
  id: string;
}

export interface AuditEntry {
  /** The event's id. */
  id: string;
  at: Date;
  action: string;
  user: string | null;
  role: string | null;
  /** Also in the log line and the X-Request-Id header of the request that acted. */
  requestId: string | null;
  partnerId: string | null;
  messageId: string | null;
  /** What else the action recorded: a reason, a delivery id, an endpoint, a filter, an outcome. */
  detail: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass back for the next page; null when this is the last. */
  next: AuditCursor | null;
}

const PREFIX = 'admin.';

/** `LIKE` text taken literally (escaped with `!`, which both databases accept). */
const literal = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

function parseDetail(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return { text };
  }
}

const textOr = (v: unknown) => (typeof v === 'string' ? v : null);

export class AuditTrail {
  constructor(
    private readonly driver: Driver,
    private readonly query: <T>(sql: string, params?: unknown[]) => Promise<T>,
  ) {}

  /** Operator actions matching `filter`, newest first, `limit` at a time; `after` continues a page. */
  async search(filter: AuditFilter, page: { limit: number; after?: AuditCursor }): Promise<AuditPage> {
    const d = this.driver;
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.action !== undefined) {
      where.push('e.stage = ?');
      params.push(PREFIX + filter.action);
    } else {
      // SQLite uses an index for a prefix only with GLOB (its LIKE ignores case, the index does not);
      // MariaDB's LIKE with a constant prefix is an index range.
      where.push(d === 'sqlite' ? `e.stage GLOB '${PREFIX}*'` : `e.stage LIKE '${PREFIX}%'`);
    }
    if (filter.partner !== undefined) {
      where.push('e.partnerId = ?');
      params.push(filter.partner);
    }
    if (filter.user !== undefined) {
      // auditEvent writes the user first, so the detail text starts with it, exactly so.
      where.push("e.detail LIKE ? ESCAPE '!'");
      params.push(`${literal(`{"user":${JSON.stringify(filter.user)},`)}%`);
    }
    if (filter.from !== undefined) {
      where.push('e.createdAt >= ?');
      params.push(sqlDate(d, filter.from));
    }
    if (filter.to !== undefined) {
      where.push('e.createdAt < ?');
      params.push(sqlDate(d, filter.to));
    }
    if (page.after) {
      const at = sqlDate(d, page.after.at);
      where.push('(e.createdAt < ? OR (e.createdAt = ? AND e.id < ?))');
      params.push(at, at, Number(page.after.id));
    }
    const rows = await this.query<Array<Record<string, unknown>>>(
      `SELECT e.id, e.stage, e.partnerId, e.messageId, e.detail, e.createdAt FROM ${quote(d, 'event')} e
       WHERE ${where.join(' AND ')} ORDER BY e.createdAt DESC, e.id DESC LIMIT ?`,
      [...params, page.limit + 1],
    );
    const entries = rows.slice(0, page.limit).map((r): AuditEntry => {
      const { user, role, requestId, ...detail } = parseDetail(r.detail);
      return {
        id: String(r.id),
        at: rowDate(r.createdAt),
        action: String(r.stage).slice(PREFIX.length),
        user: textOr(user),
        role: textOr(role),
        requestId: textOr(requestId),
        partnerId: textOr(r.partnerId),
        messageId: textOr(r.messageId),
        detail,
      };
    });
    const last = entries[entries.length - 1];
    return { entries, next: rows.length > page.limit && last ? { at: last.at, id: last.id } : null };
  }
}
