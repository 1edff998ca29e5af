import type { Store } from '../../store/store';
import { quote, rowDate, sqlDate } from '../../store/sql';

/**
 * The audit report's rows: one per transaction set (ST…SE, UNH…UNT), with its envelopes, the message
 * that carried it and its latest delivery. Read-only: nothing here writes to the store (an overdue
 * acknowledgement is worked out against `now`, not flagged).
 */

export type Validation = 'valid' | 'warnings' | 'invalid';

/** One transaction set. The field names and their order are the JSON contract (docs/reports.md). */
export interface TransactionRow {
  partner: string | null;
  direction: 'in' | 'out';
  transport: string | null;
  as2MessageId: string | null;
  fileName: string | null;
  standard: 'x12' | 'edifact';
  version: string;
  implementation: string | null;
  type: string;
  interchangeControlNumber: string | null;
  groupControlNumber: string | null;
  transactionControlNumber: string;
  senderQualifier: string | null;
  sender: string | null;
  receiverQualifier: string | null;
  receiver: string | null;
  test: boolean;
  /** ISO 8601, UTC: when the message that carried the transaction set was received (or, outbound, created). */
  receivedAt: string | null;
  /** ISO 8601, UTC, or null when not delivered. */
  deliveredAt: string | null;
  validation: Validation;
  /** none | expected | A | E | P | R | overdue */
  ackStatus: string;
  ackOverdue: boolean;
  /** none | pending | delivering | delivered | failed | dead */
  deliveryStatus: string;
  tracked: Record<string, string>;
  reference: string | null;
  messageId: string;
  transactionId: string;
  /** Why it is invalid or rejected: the first error, with its acknowledgement code (`AK5 5: …`, `TA1 006: …`, `UCM 16: …`); null when none. */
  reason: string | null;
  /**
   * What a route's translation of the transaction set dropped: one located line per segment or element
   * (the detail of its EDIGW_TRANSLATION_LOSS event), or null when nothing was dropped.
   */
  losses: string | null;
  /**
   * Whether the acknowledgement we sent for the set's interchange (TA1, 997, 999, CONTRL) reached the
   * partner: the status of its latest delivery (pending | delivering | delivered | failed | dead),
   * `unsent` when it was built but the partner names no endpoint for it, `none` when we sent none
   * (outbound rows, or partners we do not acknowledge).
   */
  ackDelivery: string;
}

/** The row fields in contract order: JSON keys, CSV columns (with `tracked` flattened). */
export const rowFields = [
  'partner',
  'direction',
  'transport',
  'as2MessageId',
  'fileName',
  'standard',
  'version',
  'implementation',
  'type',
  'interchangeControlNumber',
  'groupControlNumber',
  'transactionControlNumber',
  'senderQualifier',
  'sender',
  'receiverQualifier',
  'receiver',
  'test',
  'receivedAt',
  'deliveredAt',
  'validation',
  'ackStatus',
  'ackOverdue',
  'deliveryStatus',
  'tracked',
  'reference',
  'messageId',
  'transactionId',
  'reason',
  'losses',
  'ackDelivery',
] as const satisfies readonly (keyof TransactionRow)[];

export interface ReportFilter {
  /** Inclusive lower bound on the time the transaction set was recorded. */
  from?: Date;
  /** Exclusive upper bound on the time the transaction set was recorded. */
  to?: Date;
  partner?: string;
  /** What "overdue" is measured against (default: the store's clock). */
  now?: Date;
  /** Only the newest N rows, newest first (the console's recent messages); default all, oldest first. */
  latest?: number;
}

const DAY_MS = 86_400_000;

/**
 * A calendar day `YYYY-MM-DD` as the start of that day in UTC; null for anything else (including
 * days that do not exist, like 2026-02-30).
 */
export function parseDay(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text ? d : null;
}

/** `--from D --to D` as a half-open interval: from the start of D (from) to the end of D (to), UTC. */
export function periodOfDays(from?: string, to?: string): { from?: Date; to?: Date } | { error: string } {
  const out: { from?: Date; to?: Date } = {};
  if (from !== undefined) {
    const d = parseDay(from);
    if (!d) return { error: `--from ${JSON.stringify(from)} is not a date (YYYY-MM-DD)` };
    out.from = d;
  }
  if (to !== undefined) {
    const d = parseDay(to);
    if (!d) return { error: `--to ${JSON.stringify(to)} is not a date (YYYY-MM-DD)` };
    out.to = new Date(d.getTime() + DAY_MS);
  }
  if (out.from && out.to && out.from >= out.to) return { error: `--from ${from} is after --to ${to}` };
  return out;
}

/** The UTC calendar day of an ISO timestamp. */
export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

interface RawRow {
  partnerId: string | null;
  direction: 'in' | 'out';
  transport: string | null;
  as2MessageId: string | null;
  fileName: string | null;
  standard: 'x12' | 'edifact';
  version: string;
  implementation: string | null;
  type: string;
  icn: string | null;
  gcn: string | null;
  tcn: string;
  senderQualifier: string | null;
  senderId: string | null;
  receiverQualifier: string | null;
  receiverId: string | null;
  test: number | boolean | string | null;
  receivedAt: Date | string | null;
  txDeliveredAt: Date | string | null;
  validation: Validation;
  txAckStatus: string;
  icAckStatus: string | null;
  ackDueAt: Date | string | null;
  txDeliveryStatus: string;
  deliveryStatus: string | null;
  deliveredAt: Date | string | null;
  tracked: string | null;
  reference: string | null;
  messageId: string;
  transactionId: string;
  txReport: unknown;
  icReport: unknown;
  losses: string | null;
  ackId: string | null;
  ackMessageId: string | null;
  ackDeliveryStatus: string | null;
}

/** The segment of the acknowledgement that reports a diagnostic of each level. */
const ACK_SEGMENT: Record<'x12' | 'edifact', Record<string, string>> = {
  x12: { interchange: 'TA1', group: 'AK9', transaction: 'AK5', segment: 'AK3', element: 'AK4' },
  edifact: { interchange: 'UCI', group: 'UCF', transaction: 'UCM', segment: 'UCS', element: 'UCD' },
};

/** The first error of a stored validation report (a list, or `{ diagnostics, omitted }`), as `SEG code: text`. */
export function firstErrorOf(report: unknown, standard: 'x12' | 'edifact'): string | null {
  let v = report;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  const list = Array.isArray(v) ? v : (v as { diagnostics?: unknown } | null)?.diagnostics;
  if (!Array.isArray(list)) return null;
  const e = (list as Array<{ severity?: string; level?: string; code?: string; message?: string }>).find(
    (d) => d?.severity === 'error',
  );
  if (!e) return null;
  const seg = ACK_SEGMENT[standard][e.level ?? ''] ?? '';
  return `${seg ? `${seg} ` : ''}${e.code ?? ''}: ${e.message ?? ''}`.trim();
}

function iso(v: Date | string | null): string | null {
  return v === null || v === undefined ? null : rowDate(v).toISOString();
}

function parseTracked(text: string | null): Record<string, string> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, x === null || x === undefined ? '' : String(x)]),
    );
  } catch {
    return {};
  }
}

/** An expected acknowledgement whose time has run out, whether or not `markOverdueAcks` has flagged it yet. */
function overdue(status: string | null, dueAt: Date | string | null, now: Date): boolean {
  if (status === 'overdue') return true;
  return status === 'expected' && dueAt !== null && dueAt !== undefined && rowDate(dueAt).getTime() < now.getTime();
}

/**
 * The transaction sets recorded in the period (by the time the gateway recorded them), optionally of
 * one partner, oldest first, then by interchange, group and transaction control number.
 */
export async function transactionRows(store: Store, filter: ReportFilter = {}): Promise<TransactionRow[]> {
  const q = (name: string) => quote(store.driver, name);
  const now = filter.now ?? store.clock();
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.from) {
    where.push(`t.${q('createdAt')} >= ?`);
    params.push(sqlDate(store.driver, filter.from));
  }
  if (filter.to) {
    where.push(`t.${q('createdAt')} < ?`);
    params.push(sqlDate(store.driver, filter.to));
  }
  if (filter.partner !== undefined) {
    where.push(`t.${q('partnerId')} = ?`);
    params.push(filter.partner);
  }
  const col = (alias: string, name: string, as = name) => `${alias}.${q(name)} AS ${q(as)}`;
  // The latest delivery of each transaction set: a correlated subquery both drivers run off ix_delivery_transaction.
  // What `send` queues is delivered as a whole message (no set of its own): then the message's delivery,
  // off ix_delivery_message.
  const latest = (alias: string, where: string) =>
    `SELECT ${alias}.${q('id')} FROM ${q('delivery')} ${alias} WHERE ${where} ORDER BY ${alias}.${q('createdAt')} DESC, ${alias}.${q('id')} DESC LIMIT 1`;
  const latestDelivery =
    `COALESCE((${latest('d2', `d2.${q('transactionId')} = t.${q('id')}`)}), ` +
    `(${latest('d3', `t.${q('direction')} = 'out' AND d3.${q('messageId')} = t.${q('messageId')} AND d3.${q('transactionId')} IS NULL`)}))`;
  // The latest acknowledgement we sent for the interchange (off ix_ack_interchange), and its message's delivery.
  const ourAck =
    `SELECT a.${q('id')} FROM ${q('ack')} a WHERE a.${q('acknowledgesInterchangeId')} = i.${q('id')} ` +
    `AND a.${q('direction')} = 'out' ORDER BY a.${q('createdAt')} DESC, a.${q('id')} DESC LIMIT 1`;
  const sql = `SELECT ${[
    col('t', 'partnerId'),
    col('t', 'direction'),
    col('m', 'transport'),
    col('m', 'as2MessageId'),
    col('m', 'fileName'),
    col('t', 'standard'),
    col('t', 'version'),
    col('t', 'implementation'),
    col('t', 'type'),
    col('i', 'controlNumber', 'icn'),
    col('g', 'controlNumber', 'gcn'),
    col('t', 'controlNumber', 'tcn'),
    col('i', 'senderQualifier'),
    col('i', 'senderId'),
    col('i', 'receiverQualifier'),
    col('i', 'receiverId'),
    col('i', 'test'),
    col('m', 'receivedAt'),
    col('t', 'deliveredAt', 'txDeliveredAt'),
    col('t', 'validation'),
    col('t', 'ackStatus', 'txAckStatus'),
    col('i', 'ackStatus', 'icAckStatus'),
    col('i', 'ackDueAt'),
    col('t', 'deliveryStatus', 'txDeliveryStatus'),
    col('d', 'status', 'deliveryStatus'),
    col('d', 'deliveredAt'),
    col('t', 'tracked'),
    col('t', 'reference'),
    col('t', 'messageId'),
    col('t', 'id', 'transactionId'),
    col('t', 'validationReport', 'txReport'),
    col('i', 'validationReport', 'icReport'),
    // The latest loss event of the transaction set, found through ix_event_message.
    col('ak', 'id', 'ackId'),
    col('ak', 'messageId', 'ackMessageId'),
    `(SELECT d4.${q('status')} FROM ${q('delivery')} d4 WHERE d4.${q('messageId')} = ak.${q('messageId')} ` +
      `ORDER BY d4.${q('createdAt')} DESC, d4.${q('id')} DESC LIMIT 1) AS ${q('ackDeliveryStatus')}`,
    `(SELECT e.${q('detail')} FROM ${q('event')} e WHERE e.${q('messageId')} = t.${q('messageId')} ` +
      `AND e.${q('transactionId')} = t.${q('id')} AND e.${q('code')} = 'EDIGW_TRANSLATION_LOSS' ORDER BY e.${q('id')} DESC LIMIT 1) AS ${q('losses')}`,
  ].join(', ')}
  FROM ${q('edi_transaction')} t
  LEFT JOIN ${q('interchange')} i ON i.${q('id')} = t.${q('interchangeId')}
  LEFT JOIN ${q('functional_group')} g ON g.${q('id')} = t.${q('groupId')}
  LEFT JOIN ${q('message')} m ON m.${q('id')} = t.${q('messageId')}
  LEFT JOIN ${q('delivery')} d ON d.${q('id')} = ${latestDelivery}
  LEFT JOIN ${q('ack')} ak ON ak.${q('id')} = (${ourAck})
  ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
  ${
    filter.latest !== undefined
      ? `ORDER BY t.${q('createdAt')} DESC, t.${q('id')} DESC LIMIT ${Math.max(0, Math.floor(filter.latest))}`
      : `ORDER BY t.${q('createdAt')}, i.${q('controlNumber')}, g.${q('controlNumber')}, t.${q('controlNumber')}, t.${q('id')}`
  }`;
  const raw: RawRow[] = await store.query<RawRow[]>(sql, params);
  return raw.map((r) => {
    const ackOverdue = overdue(r.icAckStatus, r.ackDueAt, now);
    return {
      partner: r.partnerId,
      direction: r.direction,
      transport: r.transport,
      as2MessageId: r.as2MessageId,
      fileName: r.fileName,
      standard: r.standard,
      version: r.version,
      implementation: r.implementation,
      type: r.type,
      interchangeControlNumber: r.icn,
      groupControlNumber: r.gcn,
      transactionControlNumber: r.tcn,
      senderQualifier: r.senderQualifier,
      sender: r.senderId,
      receiverQualifier: r.receiverQualifier,
      receiver: r.receiverId,
      test: r.test === true || Number(r.test) === 1,
      receivedAt: iso(r.receivedAt),
      deliveredAt: iso(r.deliveredAt ?? (r.deliveryStatus === null ? r.txDeliveredAt : null)),
      validation: r.validation,
      // Still waiting past the deadline reads as overdue, whether or not the reconciler has flagged it.
      ackStatus: ackOverdue && (r.txAckStatus === 'expected' || r.txAckStatus === 'none') ? 'overdue' : r.txAckStatus,
      ackOverdue,
      deliveryStatus: r.deliveryStatus ?? r.txDeliveryStatus,
      tracked: parseTracked(r.tracked),
      reference: r.reference,
      messageId: r.messageId,
      transactionId: r.transactionId,
      // The interchange's own refusal (unknown sender, TA1) comes first: it is why its sets were not taken.
      reason: firstErrorOf(r.icReport, r.standard) ?? firstErrorOf(r.txReport, r.standard),
      losses: r.losses ?? null,
      ackDelivery: r.ackId === null ? 'none' : r.ackMessageId === null ? 'unsent' : (r.ackDeliveryStatus ?? 'none'),
    };
  });
}

/**
 * Interchanges whose acknowledgement is overdue, by the rule of the rows above: flagged overdue, or
 * still expected past its deadline. Counted off ix_interchange_ack_due, so cheap enough to poll.
 */
export async function overdueAckCount(store: Store, now: Date = store.clock()): Promise<number> {
  const q = (name: string) => quote(store.driver, name);
  const rows = await store.query<{ n: number | string }[]>(
    `SELECT COUNT(*) AS ${q('n')} FROM ${q('interchange')} WHERE ${q('ackStatus')} = 'overdue' OR (${q('ackStatus')} = 'expected' AND ${q('ackDueAt')} < ?)`,
    [sqlDate(store.driver, now)],
  );
  return Number(rows[0]?.n ?? 0);
}

export interface SummaryCounts {
  transactions: number;
  inbound: number;
  outbound: number;
  /** validation invalid */
  invalid: number;
  /** acknowledged with R (rejected) */
  rejected: number;
  /** latest delivery failed or dead-lettered */
  failures: number;
  overdueAcks: number;
  delivered: number;
}

export interface SummaryRow extends SummaryCounts {
  /** UTC calendar day of receivedAt, YYYY-MM-DD. */
  day: string;
  partner: string | null;
}

export function emptyCounts(): SummaryCounts {
  return {
    transactions: 0,
    inbound: 0,
    outbound: 0,
    invalid: 0,
    rejected: 0,
    failures: 0,
    overdueAcks: 0,
    delivered: 0,
  };
}

export function addRow(c: SummaryCounts, r: TransactionRow): void {
  c.transactions++;
  if (r.direction === 'in') c.inbound++;
  else c.outbound++;
  if (r.validation === 'invalid') c.invalid++;
  if (r.ackStatus === 'R') c.rejected++;
  if (r.deliveryStatus === 'failed' || r.deliveryStatus === 'dead') c.failures++;
  if (r.ackOverdue) c.overdueAcks++;
  if (r.deliveryStatus === 'delivered') c.delivered++;
}

/** Counts per partner per UTC day (of receivedAt), ordered by day, then partner (unknown partner last). */
export function summaryRows(rows: TransactionRow[]): SummaryRow[] {
  const byKey = new Map<string, SummaryRow>();
  for (const r of rows) {
    const day = r.receivedAt ? dayOf(r.receivedAt) : '';
    const key = `${day}\u0000${r.partner ?? '\u0001'}`;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { day, partner: r.partner, ...emptyCounts() }));
    addRow(s, r);
  }
  const rank = (p: string | null) => (p === null ? '\uffff' : p);
  return [...byKey.values()].sort((a, b) =>
    a.day < b.day
      ? -1
      : a.day > b.day
        ? 1
        : rank(a.partner) < rank(b.partner)
          ? -1
          : rank(a.partner) > rank(b.partner)
            ? 1
            : 0,
  );
}

/** The totals over summary rows (or over the period's rows: the same numbers). */
export function summaryTotals(summary: SummaryCounts[]): SummaryCounts {
  const t = emptyCounts();
  for (const s of summary) for (const k of Object.keys(t) as (keyof SummaryCounts)[]) t[k] += s[k];
  return t;
}

/** Events the page of the report lists beside the transaction sets: content that came in and was not taken. */
export const NOTICE_STAGES = ['as2-duplicate-changed'] as const;

/** Interchange events of these codes are notices too: a refused duplicate records no transaction set of its own. */
export const NOTICE_CODES = ['EDIGW_DUPLICATE_INTERCHANGE'] as const;

/**
 * Dead-letter events of these codes are notices too: a message whose `process` job kept killing its
 * worker (or whose last attempt did, or whose every attempt failed) was never parsed, so no transaction set stands for it (issue 13
 * §3: visible in the report).
 */
export const NOTICE_DEAD_LETTER_CODES = ['EDIGW_JOB_CRASHED', 'EDIGW_JOB_ABANDONED', 'EDIGW_JOB_FAILED'] as const;

/**
 * Parse events of these codes are notices too: a file that is empty or not X12 or EDIFACT at all (a
 * poller takes it in and moves it off the partner's server like any other) has no transaction set.
 */
export const NOTICE_PARSED_CODES = ['EDIGW_EDI_UNREADABLE'] as const;

export interface NoticeRow {
  /** ISO 8601, UTC. */
  at: string;
  partner: string | null;
  stage: string;
  code: string | null;
  detail: string | null;
  messageId: string | null;
}

/**
 * The NOTICE_STAGES events recorded in the period (by the time they were recorded), optionally of one
 * partner, oldest first. They have no transaction set of their own (the content was not taken in), so
 * the rows above would never show them.
 */
export async function noticeRows(store: Store, filter: ReportFilter = {}): Promise<NoticeRow[]> {
  const q = (name: string) => quote(store.driver, name);
  const marks = (list: readonly string[]) => list.map(() => '?').join(', ');
  const where = [
    `(e.${q('stage')} IN (${marks(NOTICE_STAGES)})` +
      ` OR (e.${q('stage')} = 'interchange' AND e.${q('code')} IN (${marks(NOTICE_CODES)}))` +
      ` OR (e.${q('stage')} = 'dead-letter' AND e.${q('code')} IN (${marks(NOTICE_DEAD_LETTER_CODES)}))` +
      ` OR (e.${q('stage')} = 'parsed' AND e.${q('code')} IN (${marks(NOTICE_PARSED_CODES)})))`,
  ];
  const params: unknown[] = [...NOTICE_STAGES, ...NOTICE_CODES, ...NOTICE_DEAD_LETTER_CODES, ...NOTICE_PARSED_CODES];
  if (filter.from) {
    where.push(`e.${q('createdAt')} >= ?`);
    params.push(sqlDate(store.driver, filter.from));
  }
  if (filter.to) {
    where.push(`e.${q('createdAt')} < ?`);
    params.push(sqlDate(store.driver, filter.to));
  }
  if (filter.partner !== undefined) {
    where.push(`e.${q('partnerId')} = ?`);
    params.push(filter.partner);
  }
  const cols = ['createdAt', 'partnerId', 'stage', 'code', 'detail', 'messageId']
    .map((c) => `e.${q(c)} AS ${q(c)}`)
    .join(', ');
  const raw = await store.query<
    {
      createdAt: Date | string;
      partnerId: string | null;
      stage: string;
      code: string | null;
      detail: string | null;
      messageId: string | null;
    }[]
  >(
    `SELECT ${cols} FROM ${q('event')} e WHERE ${where.join(' AND ')} ORDER BY e.${q('createdAt')}, e.${q('id')}`,
    params,
  );
  return raw.map((r) => ({
    at: iso(r.createdAt)!,
    partner: r.partnerId,
    stage: r.stage,
    code: r.code,
    detail: r.detail,
    messageId: r.messageId,
  }));
}
