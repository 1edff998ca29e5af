/**
 * The console's message search and message page: the lineage as a timeline, and the raw payload one
 * segment per line with each located diagnostic at the segment it points into. Read-only; every role.
 */
import type { Diagnostic } from '../../edi/model';
import type { DeadLetter } from '../../store/deliveries';
import type { DeadWork } from '../../store/queue';
import type { Lineage, MessagePage } from '../../store/history';
import type { ProcessingState } from '../../pipeline/replay-process';
import { html, type Html, table } from './html';
import { ACK_WORDS, layout } from './pages';
import type { Session } from './sessions';

/** The search form's fields, as the page was asked for (strings, blank when not given). */
export const SEARCH_FIELDS = ['reference', 'controlNumber', 'partner', 'direction', 'from', 'to', 'q'] as const;
export type SearchForm = Partial<Record<(typeof SEARCH_FIELDS)[number], string>>;

const LABELS: Record<(typeof SEARCH_FIELDS)[number], string> = {
  reference: 'Reference (PO or order number)',
  controlNumber: 'Control number (as in the file)',
  partner: 'Partner id',
  direction: 'Direction',
  from: 'From (YYYY-MM-DD)',
  to: 'To, included (YYYY-MM-DD)',
  q: 'Free text (file name, AS2 Message-ID, error, id)',
};

function timeText(d: Date | string | null | undefined): Html {
  if (!d) return html`unknown`;
  const iso = typeof d === 'string' ? d : d.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time>`;
}

function field(name: (typeof SEARCH_FIELDS)[number], value: string | undefined): Html {
  if (name === 'direction') {
    const opt = (v: string, label: string) =>
      html`<option value="${v}" ${value === v ? html` selected` : ''}>${label}</option>`;
    return html`<div>
      <label for="f-${name}">${LABELS[name]}</label>
      <select id="f-${name}" name="${name}">
        ${opt('', 'either')} ${opt('in', 'inbound')} ${opt('out', 'outbound')}
      </select>
    </div>`;
  }
  return html`<div>
    <label for="f-${name}">${LABELS[name]}</label>
    <input type="text" id="f-${name}" name="${name}" value="${value ?? ''}" />
  </div>`;
}

/** Where the next page of the same search is. */
function nextHref(form: SearchForm, cursor: string): string {
  const q = new URLSearchParams();
  for (const k of SEARCH_FIELDS) if (form[k]) q.set(k, form[k]!);
  q.set('cursor', cursor);
  return `/messages?${q.toString()}`;
}

export function searchPage(
  session: Session,
  form: SearchForm,
  result: { page: MessagePage; next: string | null } | { error: string } | undefined,
): Html {
  const results =
    result === undefined
      ? ''
      : 'error' in result
        ? html`<p class="error" role="alert">${result.error}</p>`
        : resultsTable(result.page, result.next ? nextHref(form, result.next) : undefined);
  return layout(
    'Messages',
    session,
    html`<h1>Messages</h1>
      <form method="get" action="/messages" class="search" role="search" aria-label="Search messages">
        ${SEARCH_FIELDS.map((f) => field(f, form[f]))}
        <button type="submit">Search</button>
      </form>
      ${results}`,
  );
}

function resultsTable(page: MessagePage, next: string | undefined): Html {
  const rows = page.messages.map((m) => {
    const tx = m.transactions[0] ?? m.deliveries[0];
    return html`<tr>
      <td>${timeText(m.receivedAt)}</td>
      <td>${m.partnerId ?? 'unknown'}</td>
      <td>${m.direction === 'in' ? 'inbound' : 'outbound'}</td>
      <td>${m.transport}</td>
      <td>${tx?.type ?? 'none'}</td>
      <td>${tx?.reference ?? 'none'}</td>
      <td>${m.status}</td>
      <td>${m.error ?? 'none'}</td>
      <td><a href="/messages/${encodeURIComponent(m.id)}">${m.fileName ?? m.id}</a></td>
    </tr>`;
  });
  return html`<section aria-labelledby="results-title">
    <h2 id="results-title">Results</h2>
    ${table({
      caption: html`${page.messages.length} message${page.messages.length === 1 ? '' : 's'}, newest first`,
      columns: ['Received', 'Partner', 'Direction', 'Transport', 'Type', 'Reference', 'Status', 'Reason', 'Message'],
      rows: rows,
      empty: 'No message matches.',
    })}
    ${next ? html`<p><a href="${next}" rel="next">Next page</a></p>` : ''}
  </section>`;
}

/** The payload the page shows: its first bytes, and whether there was more. */
export interface PayloadView {
  bytes: Buffer;
  truncated: boolean;
}

/** Where each segment starts and ends in the bytes, by the interchange's own terminator. */
export function segmentsOf(bytes: Buffer): Array<{ start: number; end: number; text: string }> {
  const text = bytes.toString('latin1');
  let terminator = "'";
  if (text.startsWith('ISA') && text.length > 105) terminator = text[105];
  else if (text.startsWith('UNA') && text.length > 8) terminator = text[8];
  const release = text.startsWith('UNA') ? text[6] : undefined;
  const out: Array<{ start: number; end: number; text: string }> = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === release) {
      i++;
      continue;
    }
    if (text[i] !== terminator) continue;
    const body = text.slice(start, i + 1).replace(/^[\r\n]+/, '');
    if (body.trim()) out.push({ start, end: i + 1, text: body });
    start = i + 1;
  }
  if (text.slice(start).trim()) out.push({ start, end: text.length, text: text.slice(start) });
  return out;
}

/** Every diagnostic the stored validation reports hold, interchange's first. */
export function diagnosticsOf(lineage: Lineage): Diagnostic[] {
  const listOf = (report: unknown): Diagnostic[] => {
    const v = typeof report === 'string' ? (JSON.parse(report) as unknown) : report;
    const list = Array.isArray(v) ? v : (v as { diagnostics?: unknown } | null)?.diagnostics;
    return Array.isArray(list) ? (list as Diagnostic[]) : [];
  };
  const out: Diagnostic[] = [];
  for (const ic of lineage.interchanges) {
    out.push(...listOf(ic.validationReport));
    for (const g of ic.groups) for (const t of g.transactions) out.push(...listOf(t.validationReport));
  }
  return out;
}

function diagnosticText(d: Diagnostic): string {
  return `${d.severity} ${d.code}: ${d.message}`;
}

function payloadSection(payload: PayloadView | 'purged' | undefined, diagnostics: Diagnostic[]): Html {
  if (payload === undefined) return html`<p>The payload is not stored.</p>`;
  if (payload === 'purged') return html`<p>The payload was purged by the retention policy; the records stay.</p>`;
  const segs = segmentsOf(payload.bytes);
  const placed = new Set<Diagnostic>();
  const lines = segs.map((s, i) => {
    const here = diagnostics.filter(
      (d) => d.location?.offset !== undefined && d.location.offset >= s.start && d.location.offset < s.end,
    );
    for (const d of here) placed.add(d);
    return html`<li id="seg-${i + 1}">
      <code>${s.text}</code>${here.map((d) => html`<p class="diagnostic"><strong>${diagnosticText(d)}</strong></p>`)}
    </li>`;
  });
  const elsewhere = diagnostics.filter((d) => !placed.has(d));
  return html`${payload.truncated ? html`<p>Only the first ${payload.bytes.length} bytes are shown.</p>` : ''}
    <ol class="segments">
      ${lines}
    </ol>
    ${
      elsewhere.length
        ? html`<h3>Findings not placed on a segment above</h3>
            <ul>
              ${elsewhere.map((d) => html`<li>${diagnosticText(d)}</li>`)}
            </ul>`
        : ''
    }`;
}

function actorText(detail: string | null, stage: string): string {
  if (!stage.startsWith('admin.') || !detail) return '';
  try {
    const d = JSON.parse(detail) as { user?: string; role?: string };
    return d.user ? `${d.user} (${d.role ?? 'unknown role'})` : '';
  } catch {
    return '';
  }
}

/**
 * A message whose processing was dead-lettered: why, and a button that processes it again once the
 * cause is fixed (operators; shown disabled, with why, to auditors). Nothing for any other message.
 */
export function reprocessSection(
  session: Session,
  messageId: string,
  processing: ProcessingState | undefined,
  said?: string,
): Html {
  if (said) return html`<section id="reprocess" role="status"><p>${said}</p></section>`;
  if (processing?.state !== 'dead') return html``;
  const canAct = session.principal.role === 'operator';
  return html`<section id="reprocess">
    <h2>Processing dead-lettered</h2>
    <p>
      Processing this message stopped at ${timeText(processing.at)}: ${processing.error ?? 'no error recorded'}. Once
      the cause is fixed (a partner file, a map), process it again: the same stored bytes, a fresh round of attempts,
      recorded under your name.
    </p>
    <button
      type="button"
      hx-post="/messages/${encodeURIComponent(messageId)}/replay"
      hx-target="#reprocess"
      hx-swap="outerHTML"
      ${canAct ? '' : html`disabled aria-describedby="reprocess-note"`}
    >
      Process again
    </button>
    ${canAct ? '' : html`<p id="reprocess-note">You are signed in as an auditor: an operator can process it again.</p>`}
  </section>`;
}

export function messagePage(
  session: Session,
  lineage: Lineage,
  payload: PayloadView | 'purged' | undefined,
  payloadHref: string,
  processing?: ProcessingState,
): Html {
  const m = lineage.message;
  const events = lineage.events.map(
    (e) =>
      html`<tr>
        <td>${timeText(e.createdAt)}</td>
        <td>${e.stage}</td>
        <td>${e.status}</td>
        <td>${e.code ?? ''}</td>
        <td>${actorText(e.detail, e.stage) || e.detail || ''}</td>
      </tr>`,
  );
  const deliveries = lineage.deliveries.map(
    (d) =>
      html`<tr>
        <td>${d.endpoint}</td>
        <td>${d.status}</td>
        <td>${d.attempts}</td>
        <td>${d.lastError ?? 'none'}</td>
        <td><code>${d.id}</code></td>
      </tr>`,
  );
  // Received acks answer what we sent, sent ones answer this message; each links to the message that carried it.
  const acks = [
    ...lineage.acks.received.map((a) => ({ a, way: 'received from the partner' })),
    ...lineage.acks.sent.map((a) => ({ a, way: 'sent by us' })),
  ].map(
    ({ a, way }) =>
      html`<tr>
        <td>${timeText(a.createdAt)}</td>
        <td>${way}</td>
        <td>${a.kind}</td>
        <td>${ACK_WORDS[a.status] ?? a.status}</td>
        <td>
          ${
            [
              a.interchangeControlNumber && `interchange ${a.interchangeControlNumber}`,
              a.groupControlNumber && `group ${a.groupControlNumber}`,
              a.transactionControlNumber && `transaction ${a.transactionControlNumber}`,
            ]
              .filter(Boolean)
              .join(', ') || 'unknown'
          }
        </td>
        <td>
          ${a.messageId ? html`<a href="/messages/${encodeURIComponent(a.messageId)}"><code>${a.messageId}</code></a>` : 'none'}
        </td>
      </tr>`,
  );
  const transactions = lineage.interchanges.flatMap((ic) =>
    ic.groups.flatMap((g) =>
      g.transactions.map(
        (t) =>
          html`<tr>
            <td>${ic.controlNumber}</td>
            <td>${t.type}</td>
            <td>${t.controlNumber}</td>
            <td>${t.reference ?? 'none'}</td>
            <td>${t.validation}</td>
            <td>${ACK_WORDS[t.ackStatus] ?? t.ackStatus}</td>
            <td>${t.deliveryStatus}</td>
          </tr>`,
      ),
    ),
  );
  return layout(
    `Message ${m.fileName ?? m.id}`,
    session,
    html`<h1>Message ${m.fileName ?? m.id}</h1>
      <dl class="facts">
        <dt>Id</dt>
        <dd><code>${m.id}</code></dd>
        <dt>Partner</dt>
        <dd>${m.partnerId ?? 'unknown'}</dd>
        <dt>Direction and transport</dt>
        <dd>${m.direction === 'in' ? 'inbound' : 'outbound'}, ${m.transport}</dd>
        <dt>Received</dt>
        <dd>${timeText(m.receivedAt)}</dd>
        <dt>Status</dt>
        <dd>${m.status}${m.error ? html`: ${m.error}` : ''}</dd>
      </dl>
      ${reprocessSection(session, m.id, processing)}
      <h2>Transaction sets</h2>
      ${table({
        caption: html`What the message carried, by interchange`,
        columns: ['Interchange', 'Type', 'Control number', 'Reference', 'Validation', 'Ack status', 'Delivery status'],
        rows: transactions,
        empty: 'None.',
      })}
      <h2>Acknowledgements</h2>
      ${table({
        caption: html`Acknowledgements received for it and sent for it`,
        columns: ['Time', 'Way', 'Kind', 'Status', 'Acknowledges', 'Carried by message'],
        rows: acks,
        empty: 'None.',
      })}
      <h2>Deliveries</h2>
      ${table({
        caption: html`Every delivery, with its attempts`,
        columns: ['Endpoint', 'Status', 'Attempts', 'Last error', 'Delivery id (for replay)'],
        rows: deliveries,
        empty: 'None.',
      })}
      <h2>Timeline</h2>
      ${table({
        caption: html`Every event of the message and of what it led to, oldest first; operator actions name their user`,
        columns: ['Time', 'Stage', 'Status', 'Code', 'Detail'],
        rows: events,
        empty: 'None.',
      })}
      <h2>Payload</h2>
      <p><a href="${payloadHref}">Download the bytes as received</a></p>
      ${payloadSection(payload, diagnosticsOf(lineage))}`,
  );
}

/** One dead letter's replay cell: a button for operators, shown disabled (with why) to auditors. */
export function replayCell(id: string, canAct: boolean, said?: string): Html {
  if (said) return html`<td id="replay-${id}" role="status">${said}</td>`;
  return html`<td id="replay-${id}">
    <button
      type="button"
      hx-post="/dead-letters/${encodeURIComponent(id)}/replay"
      hx-target="#replay-${id}"
      hx-swap="outerHTML"
      ${canAct ? '' : html`disabled aria-describedby="auditor-note"`}
    >
      Replay
    </button>
  </td>`;
}

/** What a bulk replay did, shown once on the page it returns to. */
export interface BulkOutcome {
  replayed: number;
  failed: number;
  more: boolean;
}

function bulkStatus(done: BulkOutcome | undefined): Html | string {
  if (!done) return '';
  const n = (k: number) => `${k} dead letter${k === 1 ? '' : 's'}`;
  const text = [
    `Replayed ${n(done.replayed)}.`,
    done.failed
      ? `${n(done.failed)} could not be replayed (replayed meanwhile, or the database refused for now): try again.`
      : '',
    done.more ? 'More matched than one replay takes: replay again for the rest.' : '',
  ]
    .filter((t) => t !== '')
    .join(' ');
  return html`<p role="status">${text}</p>`;
}

/** The filter form (a GET) and the bulk replay form (a POST of the same filter). */
function deadLetterForms(
  session: Session,
  filter: { partner?: string; endpoint?: string },
  shown: number,
  canAct: boolean,
): Html {
  const label = filter.partner || filter.endpoint ? 'Replay all dead letters that match' : 'Replay all dead letters';
  return html`<form method="get" action="/dead-letters" class="filters">
      <label>Partner <input name="partner" value="${filter.partner ?? ''}" maxlength="64" /></label>
      <label>Endpoint <input name="endpoint" value="${filter.endpoint ?? ''}" maxlength="128" /></label>
      <button type="submit">Show</button>
    </form>
    <form method="post" action="/dead-letters/replay">
      <input type="hidden" name="_csrf" value="${session.csrf}" />
      ${filter.partner ? html`<input type="hidden" name="partner" value="${filter.partner}" />` : ''}
      ${filter.endpoint ? html`<input type="hidden" name="endpoint" value="${filter.endpoint}" />` : ''}
      <button
        type="submit"
        ${canAct && shown > 0 ? '' : html`disabled`}
        ${canAct ? '' : html`aria-describedby="auditor-note"`}
      >
        ${label}
      </button>
    </form>`;
}

/** What a dead job other than a delivery was doing, in the words of the page. */
const WORK_WORDS: Record<string, string> = {
  process: 'processing the message',
  'as2-mdn': 'sending an AS2 MDN',
  alert: 'sending an alert',
  maintenance: 'maintenance',
};

/** The dead work that is not a delivery: a dead processing is started again from its message's page. */
function deadWorkTable(work: DeadWork[], canAct: boolean): Html {
  const rows = work.map(
    (w) =>
      html`<tr>
        <td>${timeText(w.deadAt)}</td>
        <td>${w.partnerId ?? 'none'}</td>
        <td>${WORK_WORDS[w.kind] ?? w.kind}</td>
        <td>${w.attempts}</td>
        <td>${w.lastError ?? 'none'}</td>
        <td>
          ${
            w.messageId
              ? html`<a href="/messages/${encodeURIComponent(w.messageId)}">${w.fileName ?? w.messageId}</a>`
              : 'none'
          }
        </td>
        <td>
          ${
            w.kind === 'process' && w.messageId
              ? html`<a href="/messages/${encodeURIComponent(w.messageId)}"
                  >${canAct ? 'Process again from its page' : 'An operator can process it again'}</a
                >`
              : 'none'
          }
        </td>
      </tr>`,
  );
  return html`<h2>Other work given up</h2>
    ${table({
      id: 'dead-work',
      caption: html`${work.length} job${work.length === 1 ? '' : 's'} other than deliveries, the latest first`,
      columns: ['Given up', 'Partner', 'Work', 'Attempts', 'Last error', 'Message', 'Next'],
      rows,
      empty: 'None.',
    })}`;
}

export function deadLettersPage(
  session: Session,
  rows: DeadLetter[],
  more: boolean,
  filter: { partner?: string; endpoint?: string } = {},
  done?: BulkOutcome,
  work: DeadWork[] = [],
): Html {
  const canAct = session.principal.role === 'operator';
  const body = rows.map(
    (d) =>
      html`<tr>
        <td>${timeText(d.deadAt)}</td>
        <td>${d.partnerId ?? 'unknown'}</td>
        <td>${d.endpoint}</td>
        <td>${d.type ?? 'none'}</td>
        <td>${d.reference ?? 'none'}</td>
        <td>${d.attempts}</td>
        <td>${d.lastError ?? 'none'}</td>
        <td>
          <a href="/messages/${encodeURIComponent(d.sourceMessageId ?? d.messageId)}"
            >${d.fileName ?? d.sourceMessageId ?? d.messageId}</a
          >
        </td>
        ${replayCell(d.id, canAct)}
      </tr>`,
  );
  return layout(
    'Dead letters',
    session,
    html`<h1>Dead letters</h1>
      ${
        canAct
          ? html`<p>
              Replay sends the same stored bytes again, with a fresh round of attempts, and records your name.
            </p>`
          : html`<p id="auditor-note">
              You are signed in as an auditor: you can see dead letters, and an operator can replay them.
            </p>`
      }
      ${bulkStatus(done)} ${deadLetterForms(session, filter, rows.length, canAct)}
      ${table({
        caption: html`${rows.length} dead letter${rows.length === 1 ? '' : 's'}, the latest
        first${more ? ' (more: narrow the search through the API)' : ''}`,
        columns: [
          'Given up',
          'Partner',
          'Endpoint',
          'Type',
          'Reference',
          'Attempts',
          'Last error',
          'Message',
          'Replay',
        ],
        rows: body,
        empty: 'No dead letters.',
      })}
      ${work.length > 0 ? deadWorkTable(work, canAct) : ''}`,
  );
}
