import type { Element, Group, Interchange, Segment, Transaction } from '../model';
import { components, text } from '../model';
import { type AckOptions, DEFAULT_SEGMENT_DETAIL, hm, ymd } from '../ack/options';
import { segmentReports, transactionStatus } from '../ack/status';
import { edifactDateTime } from './scanner';

type Row = [string, ...Element[]];

/** 0083 action: 7 this level acknowledged (and lower levels unless rejected), 4 this level and below rejected. */
const ACK = '7';
const REJECT = '4';

function firstError(list: { severity: string; code: string }[]): string | undefined {
  return list.find((d) => d.severity === 'error')?.code;
}

function trim(row: Row): Row {
  let n = row.length;
  while (n > 1 && (row[n - 1] === '' || (Array.isArray(row[n - 1]) && (row[n - 1] as string[]).every((c) => c === ''))))
    n--;
  return row.slice(0, n) as Row;
}

/** Components without the empty ones at the end, which would be written as trailing separators. */
function trimComponents(list: string[]): string[] {
  let n = list.length;
  while (n > 1 && list[n - 1] === '') n--;
  return list.slice(0, n);
}

/**
 * UCM for one message, then UCS/UCD for at most `detail` of its segments at fault. `rejectedAbove`: the
 * interchange or group is rejected, and with it every message in it (0083 action 4 means "this level
 * and all lower levels rejected", so no UCM below may say 7).
 */
function messageRows(tx: Transaction, unh: Segment | undefined, rejectedAbove: boolean, detail: number): Row[] {
  // S009 as sent, its association assigned code (0057, e.g. EAN008) included: it names the guide checked.
  const s009 = unh ? components(unh.elements[1]) : [tx.type, '', '', ''];
  const status = transactionStatus(tx);
  const own = firstError(tx.errors.filter((d) => d.level === 'transaction'));
  const rejected = status === 'R' || rejectedAbove;
  const rows: Row[] = [
    trim(['UCM', tx.controlNumber, trimComponents(s009.slice(0, 5)), rejected ? REJECT : ACK, own ?? '']),
  ];
  for (const r of segmentReports(tx).slice(0, detail)) {
    const segCode = firstError(r.segment) ?? r.segment[0]?.code ?? '';
    rows.push(trim(['UCS', String(r.position), r.elements.length > 0 && !segCode ? '' : segCode]));
    for (const e of r.elements.slice(0, 99)) {
      const pos =
        e.location.component !== undefined
          ? [String(e.location.element ?? 0), String(e.location.component)]
          : String(e.location.element ?? 0);
      rows.push(['UCD', e.code, pos]);
    }
  }
  return rows;
}

function groupRows(g: Group, rejectedAbove: boolean, detail: number): Row[] {
  const rows: Row[] = [];
  const own = firstError(g.errors);
  if (g.header) {
    const rejected =
      rejectedAbove ||
      own !== undefined ||
      (g.transactions.length > 0 && g.transactions.every((t) => transactionStatus(t) === 'R'));
    rows.push(
      trim([
        'UCF',
        g.controlNumber ?? '',
        g.header.elements[1] ?? '',
        g.header.elements[2] ?? '',
        rejected ? REJECT : ACK,
        own ?? '',
      ]),
    );
  }
  const below = rejectedAbove || (g.header !== undefined && own !== undefined);
  for (const tx of g.transactions)
    rows.push(...messageRows(tx, tx.segments[0]?.id === 'UNH' ? tx.segments[0] : undefined, below, detail));
  return rows;
}

/**
 * Renders a CONTRL syntax and service report for an interchange from its diagnostics: UCI for the
 * interchange, UCF per group, UCM per message (each listed, accepted or rejected), UCS/UCD for the
 * segments and elements at fault. Sender and recipient are swapped; the syntax level is kept.
 */
export function buildContrl(orig: Interchange, opts: AckOptions = {}): Interchange {
  const now = opts.now ?? new Date();
  const ref = String(opts.controlNumber ?? 1);
  const ub = orig.header.elements;
  const s001 = components(ub[0]);
  const syntaxId = s001[0] || 'UNOC';
  const version = s001[1] || orig.syntax.version || '3';
  const from = opts.sender ? [opts.sender.id, opts.sender.qualifier] : components(ub[2]).slice(0, 2);
  const to = components(ub[1]).slice(0, 2);
  const date = version === '4' ? ymd(now) : ymd(now).slice(2);
  const unb: Element[] = [[syntaxId, version], from, to, [date, hm(now)], ref];
  const msgVersion = version === '4' ? ['4', '1'] : version === '2' ? ['2', '2'] : ['D', '3'];
  const icError = firstError(orig.errors);
  const firstIcError = orig.errors.find((d) => d.severity === 'error');
  const uci = trim([
    'UCI',
    orig.controlNumber,
    components(ub[1]).slice(0, 2),
    components(ub[2]).slice(0, 2),
    icError ? REJECT : ACK,
    icError ?? '',
    firstIcError?.location.segmentId ?? '',
    firstIcError?.location.element !== undefined ? String(firstIcError.location.element) : '',
  ]);
  const rows: Row[] = [['UNH', '1', ['CONTRL', ...msgVersion, 'UN']], uci];
  const detail = opts.segmentDetail ?? DEFAULT_SEGMENT_DETAIL;
  for (const g of orig.groups) rows.push(...groupRows(g, icError !== undefined, detail));
  const segments: Segment[] = rows.map(([id, ...elements]) => ({ id, elements, offset: 0 }));
  const contrl: Transaction = {
    type: 'CONTRL',
    version: msgVersion.join(''),
    controlNumber: '1',
    segments,
    segmentCount: segments.length + 1,
    errors: [],
    offset: 0,
    length: 0,
  };
  return {
    standard: 'edifact',
    sender: { id: text(from[0]), qualifier: text(from[1]) },
    receiver: orig.sender,
    controlNumber: ref,
    date: edifactDateTime(date, hm(now)),
    test: orig.test,
    syntax: { ...orig.syntax, version, charset: syntaxId },
    groups: [{ version: contrl.version, transactions: [contrl], errors: [] }],
    header: { id: 'UNB', elements: unb, offset: 0 },
    errors: [],
    offset: 0,
    length: 0,
  };
}
