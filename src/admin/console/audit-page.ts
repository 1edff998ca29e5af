/**
 * The audit trail page: operator actions newest first, filtered by user, partner, action and dates,
 * paged by the API's cursor. Read-only; every role.
 */
import type { AuditEntry, AuditPage } from '../../store/audit-trail';
import { html, type Html, table } from './html';
import { layout } from './pages';
import type { Session } from './sessions';

export const AUDIT_FIELDS = ['user', 'partner', 'action', 'from', 'to'] as const;
/** The filters as asked for (blank when not given), and the page size when a link asked for one. */
export type AuditForm = Partial<Record<(typeof AUDIT_FIELDS)[number] | 'limit', string>>;

export const AUDIT_LABELS: Record<(typeof AUDIT_FIELDS)[number], string> = {
  user: 'User',
  partner: 'Partner id',
  action: 'Action (pause, resume, check, replay, bulk-replay, submit, send)',
  from: 'From (YYYY-MM-DD)',
  to: 'To, included (YYYY-MM-DD)',
};

function when(d: Date): Html {
  const iso = d.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time>`;
}

/** The detail as `key: value` pairs; nested values as compact JSON. */
function detailText(detail: Record<string, unknown>): string {
  const parts = Object.entries(detail).map(
    ([k, v]) => `${k}: ${typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v)}`,
  );
  return parts.length ? parts.join('; ') : 'none';
}

function row(e: AuditEntry): Html {
  return html`<tr>
    <td>${when(e.at)}</td>
    <td>${e.action}</td>
    <td>${e.user ?? 'unknown'}${e.role ? html` (${e.role})` : ''}</td>
    <td>${e.partnerId ?? 'none'}</td>
    <td>${e.messageId ? html`<a href="/messages/${encodeURIComponent(e.messageId)}">${e.messageId}</a>` : 'none'}</td>
    <td>${detailText(e.detail)}</td>
    <td><code>${e.requestId ?? ''}</code></td>
  </tr>`;
}

function nextHref(form: AuditForm, cursor: string): string {
  const q = new URLSearchParams();
  for (const k of [...AUDIT_FIELDS, 'limit'] as const) if (form[k]) q.set(k, form[k]!);
  q.set('cursor', cursor);
  return `/audit?${q.toString()}`;
}

export function auditPage(
  session: Session,
  form: AuditForm,
  result: { page: AuditPage; next: string | null } | { error: string },
): Html {
  const results =
    'error' in result
      ? html`<p class="error" role="alert">${result.error}</p>`
      : html`${table({
          caption: html`${result.page.entries.length} operator action${result.page.entries.length === 1 ? '' : 's'}, the
          latest first`,
          columns: ['When', 'Action', 'Who', 'Partner', 'Message', 'Detail', 'Request id'],
          rows: result.page.entries.map(row),
          empty: 'No operator actions match.',
          id: 'audit',
        })}
        ${result.next ? html`<p><a href="${nextHref(form, result.next)}">Older actions</a></p>` : ''}`;
  return layout(
    'Audit trail',
    session,
    html`<h1>Audit trail</h1>
      <p>
        Every pause, resume, check, replay, submit and send, with who did it. Actions on a message are also in its
        timeline.
      </p>
      <form method="get" action="/audit" class="search" role="search" aria-label="Filter the audit trail">
        ${AUDIT_FIELDS.map(
          (f) =>
            html`<div>
              <label for="a-${f}">${AUDIT_LABELS[f]}</label>
              <input type="text" id="a-${f}" name="${f}" value="${form[f] ?? ''}" />
            </div>`,
        )}
        <button type="submit">Filter</button>
      </form>
      ${results}`,
  );
}
