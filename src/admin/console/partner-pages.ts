/**
 * The partners page (health, traffic, certificate expiry, pollers, pause; Check and Pause/Resume for
 * operators) and the certificates page (every certificate and key the configuration names). States
 * are words, never colours alone.
 */
import type { PartnerCheck, PartnerHealth } from '../routes/partners';
import type { InventoryEntry } from '../../pipeline/certificate-inventory';
import { html, type Html, table } from './html';
import { layout } from './pages';
import type { Session } from './sessions';

function when(iso: string | null): Html {
  if (!iso) return html`never`;
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time>`;
}

const HEALTH_WORD: Record<PartnerHealth['health'], string> = {
  ok: 'OK',
  attention: 'Needs attention',
  failing: 'Failing',
};

const rowId = (id: string) => `partner-${id}`;

/** Characters of a URL the partners table shows at most; the rest is in its title (and the Check result). */
export const URL_SHOWN = 64;

/**
 * A URL as a table cell shows it: whole when short, else its start (scheme, user, host) and its end
 * (the folder), joined by an ellipsis, with the whole URL in the title. A long poller URL otherwise
 * widens the partners table past the window; the CSS also lets what is shown wrap (style.ts `code.url`).
 */
export function shortUrl(url: string, max = URL_SHOWN): Html {
  if (url.length <= max) return html`<code class="url">${url}</code>`;
  const tail = Math.floor((max - 1) / 2);
  const shown = `${url.slice(0, max - 1 - tail)}…${url.slice(url.length - tail)}`;
  return html`<code class="url" title="${url}">${shown}</code>`;
}

function pollerText(p: PartnerHealth['pollers'][number]): Html {
  const state =
    p.state === 'ok'
      ? html`connected`
      : p.state === 'waiting'
        ? html`not polled yet`
        : html`<strong>failing</strong> (${p.failures} in a row${p.lastError ? html`: ${p.lastError.message}` : ''})`;
  return html`<li>${p.kind} ${shortUrl(p.url)}: ${state}</li>`;
}

/**
 * One partner's row; the Pause/Resume button swaps it for the row as it is afterwards. `oob` marks it
 * for htmx to swap in beside another answer (the Check button's), so its last action is current too.
 */
export function partnerRow(p: PartnerHealth, canAct: boolean, said?: string, oob = false): Html {
  const disabled = canAct ? '' : html`disabled aria-describedby="auditor-note"`;
  const path = encodeURIComponent(p.id);
  const cert =
    p.certificateDaysLeft === null
      ? html`none`
      : p.certificateDaysLeft < 0
        ? html`<strong>expired</strong>`
        : html`${p.certificateDaysLeft} days left`;
  return html`<tr id="${rowId(p.id)}" ${oob ? html`hx-swap-oob="true"` : ''}>
    <th scope="row">${p.name ?? p.id}<br /><code>${p.id}</code></th>
    <td>
      <strong>${HEALTH_WORD[p.health]}</strong>
      ${
        p.reasons.length
          ? html`<ul>
              ${p.reasons.map((r) => html`<li>${r}</li>`)}
            </ul>`
          : ''
      }
    </td>
    <td>${when(p.lastIn)}</td>
    <td>${when(p.lastOut)}</td>
    <td>${p.today.in} in, ${p.today.out} out</td>
    <td>${p.today.refused} refused, ${p.today.failed} failed</td>
    <td>${p.deliveries.waiting} waiting, ${p.deliveries.dead} dead</td>
    <td>${cert}</td>
    <td>
      ${
        p.pollers.length
          ? html`<ul>
              ${p.pollers.map(pollerText)}
            </ul>`
          : 'none'
      }
    </td>
    <td>
      ${
        p.paused
          ? html`<strong>Paused</strong> by ${p.paused.by ?? 'an operator'}
              ${when(p.paused.at)}${p.paused.reason ? html`: ${p.paused.reason}` : ''}`
          : html`Delivering`
      }
      <p>
        Last operator action:
        ${
          p.lastAction
            ? html`<strong>${p.lastAction.action}</strong> by
                ${p.lastAction.user ?? 'unknown'}${p.lastAction.role ? html` (${p.lastAction.role})` : ''},
                ${when(p.lastAction.at)}`
            : html`none`
        }
      </p>
      <a href="/audit?partner=${path}">Operator actions on ${p.id}</a>
    </td>
    <td>
      <button
        type="button"
        hx-post="/partners/${path}/check"
        hx-target="#check-result"
        hx-swap="innerHTML"
        aria-label="Check ${p.id}"
        ${disabled}
      >
        Check
      </button>
      <button
        type="button"
        hx-post="/partners/${path}/${p.paused ? 'resume' : 'pause'}"
        hx-target="#${rowId(p.id)}"
        hx-swap="outerHTML"
        aria-label="${p.paused ? 'Resume' : 'Pause'} deliveries to ${p.id}"
        ${disabled}
      >
        ${p.paused ? 'Resume' : 'Pause'}
      </button>
      ${said ? html`<p role="status">${said}</p>` : ''}
    </td>
  </tr>`;
}

export function partnersPage(session: Session, rows: PartnerHealth[]): Html {
  const canAct = session.principal.role === 'operator';
  return layout(
    'Partners',
    session,
    html`<h1>Partners</h1>
      ${
        canAct
          ? html`<p>
              Check logs in to each partner server and reaches each AS2 URL, without sending anything. Pause holds the
              partner's outbound deliveries in the queue (none is lost or used up) until you resume. Both are recorded
              with your name.
            </p>`
          : html`<p id="auditor-note">
              You are signed in as an auditor: you can see partner health, and an operator can run a check or pause and
              resume deliveries.
            </p>`
      }
      ${table({
        caption: html`${rows.length} partner${rows.length === 1 ? '' : 's'}; counts are since midnight UTC`,
        columns: [
          'Partner',
          'Health',
          'Last in',
          'Last out',
          'Today',
          'Errors today',
          'Deliveries',
          'Certificate',
          'Pollers',
          'Outbound and operator actions',
          'Actions',
        ],
        rows: rows.map((r) => partnerRow(r, canAct)),
        empty: 'No partners are configured.',
      })}
      <h2>Connectivity check</h2>
      <div id="check-result" role="status" aria-live="polite">
        <p>No check run yet on this page.</p>
      </div>`,
  );
}

/** What a Check button shows: one row per endpoint. */
export function checkResult(c: PartnerCheck): Html {
  return table({
    caption: html`${c.partner}: ${c.ok ? 'every endpoint answered' : 'not every endpoint answered'} (checked
    ${when(c.checkedAt)})`,
    columns: ['Where', 'Kind', 'Target', 'Result', 'Took'],
    rows: c.endpoints.map(
      (e) =>
        html`<tr>
          <td><code>${e.at}</code></td>
          <td>${e.kind}</td>
          <td><code>${e.target}</code></td>
          <td><strong>${e.ok ? 'OK' : 'Failed'}</strong>: ${e.result}</td>
          <td>${e.ms} ms</td>
        </tr>`,
    ),
    empty: 'This partner has no AS2, SFTP or FTP endpoint or poller to check.',
  });
}

export function certificatesPage(session: Session, rows: InventoryEntry[]): Html {
  const certs = rows.filter((r) => r.holds === 'certificate');
  const keys = rows.filter((r) => r.holds === 'key');
  const days = (r: InventoryEntry) =>
    r.daysLeft === undefined ? html`` : r.daysLeft < 0 ? html`<strong>expired</strong>` : html`${r.daysLeft}`;
  return layout(
    'Certificates',
    session,
    html`<h1>Certificates and keys</h1>
      <p>Every certificate and key that gateway.yaml and the partner files name, the soonest expiry first.</p>
      ${table({
        caption: html`${certs.length} certificate${certs.length === 1 ? '' : 's'}`,
        columns: ['Used by', 'Named at', 'File', 'Subject', 'Issuer', 'Not after', 'Days left'],
        rows: certs
          .sort((a, b) => (a.daysLeft ?? -Infinity) - (b.daysLeft ?? -Infinity))
          .map(
            (r) =>
              html`<tr>
                <td>${r.owner === 'us' ? 'this gateway' : r.owner}</td>
                <td><code>${r.usedAt}</code><br />${r.what}</td>
                <td><code>${r.file}</code></td>
                ${
                  r.kind === 'unreadable'
                    ? html`<td colspan="4"><strong>Cannot be read</strong>: ${r.problem}</td>`
                    : html`<td>${r.subject}</td>
                        <td>${r.issuer}</td>
                        <td>${when(r.notAfter ?? null)}</td>
                        <td>${days(r)}</td>`
                }
              </tr>`,
          ),
        empty: 'No certificates are configured.',
      })}
      ${table({
        caption: html`${keys.length} key${keys.length === 1 ? '' : 's'} (keys carry no expiry)`,
        columns: ['Used by', 'Named at', 'What', 'File', 'State'],
        rows: keys.map(
          (r) =>
            html`<tr>
              <td>${r.owner === 'us' ? 'this gateway' : r.owner}</td>
              <td><code>${r.usedAt}</code></td>
              <td>${r.what}</td>
              <td><code>${r.file}</code></td>
              <td>${r.kind === 'unreadable' ? html`<strong>Cannot be used</strong>: ${r.problem}` : html`readable`}</td>
            </tr>`,
        ),
        empty: 'No keys are configured.',
      })}`,
  );
}
