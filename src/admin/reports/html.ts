import type { CertificateRow } from './certificates';
import {
  dayOf,
  summaryRows,
  summaryTotals,
  type NoticeRow,
  type SummaryCounts,
  type SummaryRow,
  type TransactionRow,
} from './query';

/**
 * The report as one self-contained HTML page: inline CSS, an inline SVG chart, no scripts and nothing
 * fetched. Every value from the store is escaped (EDI content and tracked fields are chosen by whoever
 * sent them). It reads on screen and prints on A4 landscape, in black and white too: the chart tells
 * its series apart by pattern and label, not by colour alone.
 */

export interface HtmlMeta {
  /** Inclusive start of the period, if any. */
  from?: Date;
  /** Exclusive end of the period, if any. */
  to?: Date;
  partner?: string;
  generatedAt: Date;
  /** The AS2 certificates that expire within 30 days or have expired; absent: no such section. */
  certificates?: CertificateRow[];
  /** Content that came in and was not taken in (a reused AS2 Message-ID …); absent or empty: no such section. */
  notices?: NoticeRow[];
  /** The console's address (gateway.yaml alerts.console): each row links to its message page there. */
  consoleUrl?: string;
}

const DAY_MS = 86_400_000;
/** Beyond this many days the chart shows only the days that have transactions. */
const MAX_CONTINUOUS_DAYS = 92;

export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const esc = escapeHtml;

function stamp(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

function periodText(meta: HtmlMeta): string {
  const from = meta.from ? dayOf(meta.from.toISOString()) : undefined;
  const last = meta.to ? dayOf(new Date(meta.to.getTime() - 1).toISOString()) : undefined;
  if (from && last) return from === last ? from : `${from} to ${last}`;
  if (from) return `from ${from}`;
  if (last) return `up to ${last}`;
  return 'all recorded transactions';
}

const ackLabels: Record<string, string> = {
  none: '—',
  expected: 'expected',
  overdue: 'overdue',
  A: 'A accepted',
  E: 'E accepted, errors',
  P: 'P partial',
  R: 'R rejected',
};

function isProblem(r: TransactionRow): boolean {
  return (
    r.validation === 'invalid' ||
    r.ackStatus === 'R' ||
    r.ackOverdue ||
    r.deliveryStatus === 'failed' ||
    r.deliveryStatus === 'dead'
  );
}

// ---- the chart ---------------------------------------------------------------------------------

interface DayBar {
  day: string;
  delivered: number;
  problem: number;
  other: number;
}

/** Per day: delivered, invalid-or-rejected and the rest, each transaction set in exactly one of them. */
function dayBars(rows: TransactionRow[], meta: HtmlMeta): DayBar[] {
  const byDay = new Map<string, DayBar>();
  for (const r of rows) {
    const day = r.receivedAt ? dayOf(r.receivedAt) : '';
    let b = byDay.get(day);
    if (!b) byDay.set(day, (b = { day, delivered: 0, problem: 0, other: 0 }));
    if (r.validation === 'invalid' || r.ackStatus === 'R') b.problem++;
    else if (r.deliveryStatus === 'delivered') b.delivered++;
    else b.other++;
  }
  const days = [...byDay.keys()].filter((d) => d !== '').sort();
  if (days.length === 0) return [...byDay.values()];
  let start = days[0];
  let end = days[days.length - 1];
  if (meta.from && dayOf(meta.from.toISOString()) < start) start = dayOf(meta.from.toISOString());
  if (meta.to) {
    const last = dayOf(new Date(Math.min(meta.to.getTime(), meta.generatedAt.getTime() + DAY_MS) - 1).toISOString());
    if (last > end) end = last;
  }
  const span = (Date.parse(end) - Date.parse(start)) / DAY_MS + 1;
  const out: DayBar[] = [];
  if (span <= MAX_CONTINUOUS_DAYS) {
    for (let t = Date.parse(start); t <= Date.parse(end); t += DAY_MS) {
      const day = dayOf(new Date(t).toISOString());
      out.push(byDay.get(day) ?? { day, delivered: 0, problem: 0, other: 0 });
    }
  } else {
    for (const d of days) out.push(byDay.get(d)!);
  }
  if (byDay.has('')) out.push(byDay.get('')!);
  return out;
}

/** How many calendar days the bars' days cover, first to last. */
function spanDays(bars: DayBar[]): number {
  const days = bars.map((b) => b.day).filter((d) => d !== '');
  return days.length ? (Date.parse(days[days.length - 1]) - Date.parse(days[0])) / DAY_MS + 1 : 0;
}

function niceStep(max: number): number {
  if (max <= 5) return 1;
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function chartSvg(bars: DayBar[]): string {
  // Few days make a narrower chart rather than wide bars far apart.
  const W = Math.round(Math.min(960, Math.max(620, 72 + bars.length * 72)));
  const H = 300;
  const left = 56;
  const right = 16;
  const top = 40;
  const bottom = 58;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const max = Math.max(1, ...bars.map((b) => b.delivered + b.problem + b.other));
  const step = niceStep(max);
  const yMax = Math.ceil(max / step) * step;
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const slot = plotW / bars.length;
  const barW = Math.min(56, Math.max(3, slot * 0.68));
  const years = new Set(bars.map((b) => b.day.slice(0, 4)).filter((yr) => yr !== ''));
  // Day labels are `MM-DD` (~40 units wide) within one year, `YYYY-MM-DD` (~72) across years.
  const labelEvery = Math.max(1, Math.ceil((years.size > 1 ? 76 : 44) / slot));
  const dayLabel = (d: string) => (d === '' ? 'unknown' : years.size > 1 ? d : d.slice(5));
  const n = (v: number) => v.toFixed(1).replace(/\.0$/, '');
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" preserveAspectRatio="xMinYMin meet" ` +
      `role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">`,
  );
  parts.push('<title id="chart-title">Transaction sets per day</title>');
  parts.push(
    `<desc id="chart-desc">${esc(
      bars
        .map((b) => `${dayLabel(b.day)}: ${b.delivered} delivered, ${b.problem} invalid or rejected, ${b.other} other`)
        .join('; '),
    )}</desc>`,
  );
  parts.push(
    `<defs>
<pattern id="hatch" patternUnits="userSpaceOnUse" width="7" height="7" patternTransform="rotate(45)">` +
      `<rect width="7" height="7" fill="#fbe3e0"/><line x1="0" y1="0" x2="0" y2="7" stroke="#a3271a" stroke-width="3"/></pattern>
<pattern id="dots" patternUnits="userSpaceOnUse" width="6" height="6"><rect width="6" height="6" fill="#f4f4f4"/>` +
      `<circle cx="3" cy="3" r="1.1" fill="#777"/></pattern>
</defs>`,
  );
  // Legend, above the plot.
  const legend: Array<[string, string]> = [
    ['fill-delivered', 'Delivered'],
    ['fill-problem', 'Invalid or rejected'],
    ['fill-other', 'Other (pending, not routed, failed)'],
  ];
  let lx = left;
  for (const [cls, label] of legend) {
    parts.push(
      `<rect class="${cls}" x="${lx}" y="10" width="16" height="14"/><text class="legend" x="${lx + 22}" y="21">${esc(label)}</text>`,
    );
    lx += 22 + label.length * 6.6 + 24;
  }
  // Grid and y axis.
  for (let v = 0; v <= yMax; v += step) {
    parts.push(
      `<line class="grid" x1="${left}" x2="${W - right}" y1="${n(y(v))}" y2="${n(y(v))}"/>` +
        `<text class="tick" x="${left - 6}" y="${n(y(v) + 4)}" text-anchor="end">${v}</text>`,
    );
  }
  parts.push(
    `<text class="axis-title" transform="translate(14 ${n(top + plotH / 2)}) rotate(-90)" text-anchor="middle">transaction sets</text>`,
  );
  parts.push(`<line class="axis" x1="${left}" x2="${W - right}" y1="${n(y(0))}" y2="${n(y(0))}"/>`);
  // Bars: delivered at the bottom, then invalid or rejected, then other.
  bars.forEach((b, i) => {
    const cx = left + slot * i + slot / 2;
    const x = cx - barW / 2;
    let base = 0;
    for (const [cls, v] of [
      ['fill-delivered', b.delivered],
      ['fill-problem', b.problem],
      ['fill-other', b.other],
    ] as const) {
      if (v === 0) continue;
      const y1 = y(base + v);
      const h = y(base) - y1;
      parts.push(
        `<rect class="${cls}" x="${n(x)}" y="${n(y1)}" width="${n(barW)}" height="${n(h)}">` +
          `<title>${esc(
            `${dayLabel(b.day)}: ${v} ` +
              `${cls === 'fill-delivered' ? 'delivered' : cls === 'fill-problem' ? 'invalid or rejected' : 'other'}`,
          )}</title></rect>`,
      );
      if (h >= 15 && barW >= 18)
        parts.push(`<text class="value" x="${n(cx)}" y="${n(y1 + h / 2 + 4)}" text-anchor="middle">${v}</text>`);
      base += v;
    }
    const total = b.delivered + b.problem + b.other;
    if (total > 0 && barW >= 10)
      parts.push(`<text class="total" x="${n(cx)}" y="${n(y(total) - 5)}" text-anchor="middle">${total}</text>`);
    if (i % labelEvery === 0)
      parts.push(
        `<text class="tick" x="${n(cx)}" y="${n(top + plotH + 16)}" text-anchor="middle">${esc(dayLabel(b.day))}</text>`,
      );
  });
  const yearNote = years.size === 1 ? `, ${[...years][0]}` : '';
  parts.push(
    `<text class="axis-title" x="${n(left + plotW / 2)}" y="${H - 14}" text-anchor="middle">day received (UTC${esc(yearNote)})</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

// ---- tables ------------------------------------------------------------------------------------

function count(v: number, problem = false): string {
  return problem && v > 0 ? `<td class="num flag">${v}</td>` : `<td class="num${v === 0 ? ' zero' : ''}">${v}</td>`;
}

function dayTable(summary: SummaryRow[], totals: SummaryCounts): string {
  const cells = (s: SummaryCounts) =>
    count(s.transactions) +
    count(s.inbound) +
    count(s.outbound) +
    count(s.delivered) +
    count(s.invalid, true) +
    count(s.rejected, true) +
    count(s.failures, true) +
    count(s.overdueAcks, true);
  const body = summary
    .map(
      (s) =>
        `<tr><td class="nowrap">${esc(s.day || 'unknown')}</td><td>${s.partner === null ? '<em>unidentified</em>' : esc(s.partner)}</td>${cells(s)}</tr>`,
    )
    .join('\n');
  return (
    `<table class="days">
<thead><tr><th scope="col">Day (UTC)</th><th scope="col">Partner</th><th scope="col" class="num">Transaction sets</th>` +
    `<th scope="col" class="num">Inbound</th><th scope="col" class="num">Outbound</th><th scope="col" class="num">Delivered</th>` +
    `<th scope="col" class="num">Invalid</th><th scope="col" class="num">Rejected</th>` +
    `<th scope="col" class="num">Delivery failures</th><th scope="col" class="num">Overdue acks</th></tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><th scope="row" colspan="2">Total</th>${cells(totals)}</tr></tfoot>
</table>`
  );
}

function party(q: string | null, id: string | null): string {
  if (!id) return '';
  return q ? `<span class="q">${esc(q)}:</span>${esc(id)}` : esc(id);
}

/** What became of the acknowledgement we sent, under the acknowledgement's own status. */
const ackDeliveryLabels: Record<string, string> = {
  pending: 'our ack queued',
  delivering: 'our ack being sent',
  delivered: 'our ack delivered',
  failed: 'our ack not delivered yet',
  dead: 'our ack dead-lettered',
  unsent: 'our ack not sent: no endpoint',
};

/** The acknowledgement's status, and under it what became of the one we sent. */
function ackCell(r: TransactionRow): string {
  const label = ackLabels[r.ackStatus] ?? r.ackStatus;
  const ack = r.ackOverdue && r.ackStatus !== 'overdue' ? `${label} (overdue)` : label;
  const ourAck = ackDeliveryLabels[r.ackDelivery];
  const bad = r.ackStatus === 'R' || r.ackOverdue || r.ackDelivery === 'dead' || r.ackDelivery === 'unsent';
  return `<td${bad ? ' class="flag"' : ''}>${esc(ack)}${ourAck ? `<br><span class="sub">${esc(ourAck)}</span>` : ''}</td>`;
}

function transactionTable(rows: TransactionRow[], consoleUrl?: string): string {
  const base = consoleUrl === undefined ? undefined : consoleUrl.endsWith('/') ? consoleUrl : `${consoleUrl}/`;
  const body = rows
    .map((r) => {
      const tracked = Object.entries(r.tracked);
      const trackedHtml = tracked.length
        ? tracked
            .map(
              ([k, v]) =>
                `<span class="kv${k.length + v.length > 28 ? ' long' : ''}"><span class="k">${esc(k)}</span> ${esc(v)}</span>`,
            )
            .join('<br>')
        : esc(r.reference ?? '');
      const deliveryBad = r.deliveryStatus === 'failed' || r.deliveryStatus === 'dead';
      const delivery = r.deliveryStatus === 'none' ? '—' : r.deliveryStatus;
      // File names wrap at their own punctuation; AS2 Message-IDs are opaque and may break anywhere.
      const carrier = [
        r.fileName ? `<span class="fname">${esc(r.fileName)}</span>` : '',
        r.as2MessageId ? `<span class="mid">${esc(r.as2MessageId)}</span>` : '',
        base ? `<a class="mid" href="${esc(`${base}messages/${encodeURIComponent(r.messageId)}`)}">message</a>` : '',
      ]
        .filter((x) => x !== '')
        .join('<br>');
      const [date, time] = stamp(r.receivedAt).split(' ');
      return (
        `<tr${isProblem(r) ? ' class="problem"' : ''}>
<td class="nowrap">${esc(date ?? '')}<br><span class="sub">${esc(time ?? '')}</span></td>
<td class="nowrap">${r.partner === null ? '<em>unidentified</em>' : esc(r.partner)}<br>` +
        `<span class="sub">${esc(r.direction)} · ${esc(r.transport ?? '')}</span></td>
<td class="nowrap">${esc(r.standard.toUpperCase())} ${esc(r.version)} <strong>${esc(r.type)}</strong>` +
        `${r.test ? ' <span class="tag">TEST</span>' : ''}` +
        `${r.implementation ? `<br><span class="sub">${esc(r.implementation)}</span>` : ''}</td>
<td class="mono nowrap">${esc(r.interchangeControlNumber ?? '')}<br>${esc(r.groupControlNumber ?? '—')} / ${esc(r.transactionControlNumber)}</td>
<td class="party"><span class="nowrap">${party(r.senderQualifier, r.sender)}</span><br>` +
        `<span class="nowrap">→ ${party(r.receiverQualifier, r.receiver)}</span></td>
<td class="tracked">${trackedHtml}</td>
<td${r.validation === 'invalid' ? ' class="flag"' : ''}>${esc(r.validation)}${r.reason ? `<br><span class="sub">${esc(r.reason)}</span>` : ''}</td>
${ackCell(r)}
<td${deliveryBad || r.losses ? ' class="flag"' : ''}>${esc(delivery)}${
          r.deliveredAt ? `<br><span class="sub nowrap">${esc(stamp(r.deliveredAt))}</span>` : ''
        }${
          r.losses ? `<details class="losses"><summary>data dropped</summary><pre>${esc(r.losses)}</pre></details>` : ''
        }</td>
<td class="carrier">${carrier}</td>
</tr>`
      );
    })
    .join('\n');
  return (
    `<table class="transactions">
<thead><tr><th scope="col">Received (UTC)</th><th scope="col">Partner<br>direction</th><th scope="col">Document</th>` +
    `<th scope="col">Interchange<br>group / set #</th><th scope="col">Sender<br>→ receiver</th><th scope="col">Tracked</th>` +
    `<th scope="col">Validation</th><th scope="col">Acknowledgement</th><th scope="col">Delivery</th><th scope="col">File / AS2 Message-ID</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`
  );
}

function certificateTable(rows: CertificateRow[]): string {
  const body = rows
    .map((c) => {
      const [date, time] = stamp(c.notAfter).split(' ');
      const left = c.expired
        ? `expired ${-c.daysLeft} day${c.daysLeft === -1 ? '' : 's'} ago`
        : `${c.daysLeft} day${c.daysLeft === 1 ? '' : 's'}`;
      return `<tr class="problem">
<td class="nowrap">${c.owner === 'us' ? '<strong>us</strong>' : esc(c.owner)}</td>
<td class="mono">${esc(c.subject)}</td>
<td class="nowrap">${esc(date ?? '')}<br><span class="sub">${esc(time ?? '')}</span></td>
<td class="${c.expired ? 'flag ' : ''}nowrap">${esc(left)}</td>
<td class="mono carrier"><span class="fname">${esc(c.file)}</span></td>
</tr>`;
    })
    .join('\n');
  return (
    `<table class="certificates">
<thead><tr><th scope="col">Owner</th><th scope="col">Subject</th><th scope="col">Expires (UTC)</th>` +
    `<th scope="col">Left</th><th scope="col">File</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`
  );
}

const noticeLabels: Record<string, string> = {
  'as2-duplicate-changed': 'AS2 Message-ID reused with other content: not taken in',
  interchange: 'Interchange refused',
  'dead-letter': 'Job dead-lettered: it never finished (its worker died, or every attempt failed)',
  parsed: 'Not X12 or EDIFACT (or empty): refused',
};

function noticeSection(rows: NoticeRow[]): string {
  const body = rows
    .map(
      (n) => `<tr class="problem">
<td class="nowrap">${esc(stamp(n.at))}</td>
<td class="nowrap">${esc(n.partner ?? '')}</td>
<td>${esc(noticeLabels[n.stage] ?? n.stage)}<br><span class="sub mono">${esc(n.code ?? '')}</span></td>
<td class="mono">${esc(n.detail ?? '')}</td>
</tr>`,
    )
    .join('\n');
  return `<h2>Received but not taken in (${rows.length})</h2>
<table class="notices">
<thead><tr><th scope="col">When (UTC)</th><th scope="col">Partner</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

/** The certificates section of a page: the table, or a line saying there is nothing to renew. */
function certificateSection(rows: CertificateRow[]): string {
  return `<h2>AS2 certificates expiring within 30 days (${rows.length})</h2>
${rows.length ? certificateTable(rows) : '<p class="empty">No AS2 certificate, ours or a partner\'s, expires within 30 days.</p>'}`;
}

function card(label: string, value: number, note = '', problem = false): string {
  return (
    `<div class="card${problem && value > 0 ? ' alert' : ''}"><div class="label">${esc(label)}</div>` +
    `<div class="value">${value}</div>${note ? `<div class="note">${esc(note)}</div>` : ''}</div>`
  );
}

const css =
  `
:root { --ink: #1b1f24; --muted: #5b6470; --rule: #c9ced6; --soft: #f3f5f8; --bad: #a3271a; --bad-soft: #fdf0ee; --good: #3d6a9e; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 24px 28px 40px; color: var(--ink); background: #fff; font: 14px/1.4 system-ui, -apple-system, ` +
  `"Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 16px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); break-after: avoid; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 0; color: var(--muted); }
.meta div { display: flex; gap: 6px; }
.meta dt { font-weight: 600; color: var(--ink); }
.meta dd { margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-top: 18px; }
.card { border: 1px solid var(--rule); border-left: 5px solid var(--rule); border-radius: 4px; padding: 8px 12px; break-inside: avoid; }
.card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .note { font-size: 12px; color: var(--muted); }
.card.alert { border-left-color: var(--bad); background: var(--bad-soft); }
.card.alert .value { color: var(--bad); }
.card.alert .label::before { content: "⚠ "; }
figure { margin: 0 0 14px; break-inside: avoid; }
.chart { max-width: 100%; height: auto; display: block; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
.chart .tick { fill: var(--muted); }
.chart .axis-title { font-size: 12px; fill: var(--muted); }
.chart .value, .chart .total { font-weight: 700; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.chart .grid { stroke: #e3e6eb; stroke-width: 1; }
.chart .axis { stroke: var(--ink); stroke-width: 1.2; }
.chart .fill-delivered { fill: var(--good); stroke: #1b1f24; stroke-width: .8; }
.chart .fill-problem { fill: url(#hatch); stroke: var(--bad); stroke-width: 1.2; }
.chart .fill-other { fill: url(#dots); stroke: #666; stroke-width: .8; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--rule); }
thead th { background: var(--soft); border-bottom: 2px solid var(--ink); font-size: 12px; font-weight: 600; position: sticky; top: 0; }
tfoot th, tfoot td { border-top: 2px solid var(--ink); border-bottom: none; font-weight: 700; }
.num { text-align: right; }
td.zero { color: #9aa1ab; }
td.flag { font-weight: 700; color: var(--bad); }
table.days { width: auto; min-width: 60%; }
table.transactions, table.certificates { font-size: 12.5px; }
tr.problem td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
table.transactions td:first-child, table.transactions th:first-child { padding-left: 10px; }
tr.problem { background: var(--bad-soft); }
.mono, .party { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 11.5px; }
.q { color: var(--muted); }
.sub { color: var(--muted); font-size: 11.5px; }
.tag { display: inline-block; border: 1px solid var(--ink); border-radius: 3px; padding: 0 4px; font-size: 10px; font-weight: 700; }
.tracked { min-width: 9em; }
.kv { white-space: nowrap; }
.kv.long { white-space: normal; overflow-wrap: anywhere; }
.kv .k { color: var(--muted); }
.carrier { font-size: 11.5px; min-width: 13em; max-width: 24em; }
.carrier .fname { overflow-wrap: anywhere; }
.carrier .mid { word-break: break-all; }
.nowrap { white-space: nowrap; }
.empty { padding: 18px; border: 1px dashed var(--rule); color: var(--muted); }
footer { margin-top: 26px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--rule); padding-top: 8px; }
footer p { margin: 4px 0; }
@page { size: A4 landscape; margin: 12mm 10mm 14mm; }
@media print {
  body { margin: 0; font-size: 9pt; }
  h1 { font-size: 15pt; }
  h2 { font-size: 11pt; margin-top: 14pt; }
  .cards { grid-template-columns: repeat(6, 1fr); gap: 6pt; }
  .card { padding: 4pt 6pt; background: none !important; }
  .card .value { font-size: 16pt; }
  .card .label { font-size: 7pt; }
  .card .note { font-size: 7pt; }
  .card.alert { border-left-width: 4pt; border-left-color: #000; }
  .card.alert .value { color: #000; }
  thead { display: table-header-group; }
  tfoot { display: table-row-group; }
  thead th { position: static; background: none; border-bottom: 1.5pt solid #000; }
  tr, .card, figure { break-inside: avoid; }
  tr.problem { background: none; }
  tr.problem td:first-child { box-shadow: inset 3pt 0 0 #000; }
  td.flag { color: #000; text-decoration: underline; }
  table.transactions { font-size: 7.5pt; }
  .mono, .party, .carrier, .sub { font-size: 7pt; }
  th, td { padding: 2.5pt 4pt; }
  table.transactions td:first-child, table.transactions th:first-child { padding-left: 7pt; }
  .chart { max-width: 100%; max-height: 62mm; }
  a { color: inherit; text-decoration: none; }
}
`;

/** `edi-gateway report --certificates --format html`: the certificates alone, on a page like the report's. */
export function renderCertificatesHtml(rows: CertificateRow[], meta: { partner?: string; generatedAt: Date }): string {
  const partner = meta.partner ? `ours and ${meta.partner}'s` : "ours and every partner's";
  const generated = `${stamp(meta.generatedAt.toISOString())} UTC`;
  return (
    `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="edi-gateway report">
<title>${esc(`AS2 certificates — ${generated}`)}</title>
<style>${css}</style>
</head>
<body>
<header>
<h1>AS2 certificates to renew</h1>
<dl class="meta">
<div><dt>Certificates</dt><dd>${esc(partner)}</dd></div>
<div><dt>Generated</dt><dd>${esc(generated)}</dd></div>
</dl>
</header>
<main>
${certificateSection(rows)}
</main>
<footer>
<p>Every AS2 certificate the gateway uses (gateway.yaml identity.as2 and as2.tls, ` +
    `the partners' certificates.as2) that expires within 30 days of the time above, or has expired. ` +
    `The gateway pins certificates and does not check their dates, so it keeps working with an expired one; a partner's AS2 product may not.</p>
</footer>
</body>
</html>
`
  );
}

/** The whole page. `summary` defaults to the summary of `rows`. */
export function renderHtml(rows: TransactionRow[], meta: HtmlMeta, summary: SummaryRow[] = summaryRows(rows)): string {
  const totals = summaryTotals(summary);
  const bars = dayBars(rows, meta);
  const period = periodText(meta);
  const partner = meta.partner ?? 'all partners';
  const generated = `${stamp(meta.generatedAt.toISOString())} UTC`;
  const certificates = meta.certificates;
  const content =
    rows.length === 0
      ? '<p class="empty">No transaction sets were recorded in this period.</p>'
      : `<h2>Per day</h2>
<figure>
${chartSvg(bars)}
<figcaption>Each transaction set counts once: invalid or rejected first, then delivered, else other. ` +
        `Numbers on the bars are counts.${bars.length < spanDays(bars) ? ' The period is long: days without transaction sets are left out.' : ''}</figcaption>
</figure>
${dayTable(summary, totals)}
<h2>Transaction sets (${rows.length})</h2>
${transactionTable(rows, meta.consoleUrl)}`;
  return (
    `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="edi-gateway report">
<title>${esc(`EDI audit report — ${period} — ${partner}`)}</title>
<style>${css}</style>
</head>
<body>
<header>
<h1>EDI audit report</h1>
<dl class="meta">
<div><dt>Period (UTC)</dt><dd>${esc(period)}</dd></div>
<div><dt>Partner</dt><dd>${esc(partner)}</dd></div>
<div><dt>Generated</dt><dd>${esc(generated)}</dd></div>
</dl>
</header>
<main>
<section class="cards" aria-label="Totals">
${card('Transaction sets', totals.transactions, `${totals.inbound} in · ${totals.outbound} out`)}
${card('Delivered', totals.delivered)}
${card('Invalid', totals.invalid, 'failed validation', true)}
${card('Rejected', totals.rejected, 'acknowledged R', true)}
${card('Delivery failures', totals.failures, 'failed or dead-lettered', true)}
${card('Overdue acks', totals.overdueAcks, 'expected, not received', true)}
${certificates ? card('Certificates', certificates.length, 'AS2, expiring or expired', true) : ''}
</section>
${certificates?.length ? certificateSection(certificates) : ''}
${meta.notices?.length ? noticeSection(meta.notices) : ''}
${content}
</main>
<footer>
<p>Times are UTC. The period selects transaction sets by the time the gateway recorded them; days group them by the time their message was received.
Rows marked at the left edge need attention (invalid, rejected, overdue acknowledgement or failed delivery).</p>
<p>Message and transaction ids, and every field of each row, ` +
    `are in the CSV and JSON forms of this report ` +
    `(<code>edi-gateway report --format ` +
    `csv</code>).${
      meta.consoleUrl
        ? ' Each row links to its message in the console.'
        : ' With an admin listener in gateway.yaml ' +
          '(or <code>alerts.console</code>), each row links to its message in the console.'
    }</p>
</footer>
</body>
</html>
`
  );
}
