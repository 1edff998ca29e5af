import type { ConsoleCounts } from './counts';
import { html, type Html, table } from './html';
import type { RecentMessage } from './recent';
import type { Session } from './sessions';

/**
 * The console's pages and fragments, rendered on the server. htmx swaps fragments in place (the counts,
 * the recent messages); every page also works as a plain document. Statuses are written as words, not
 * colours, and every table has a caption and column headers.
 */

/** htmx settings: no eval, no inline styles of its own, so the Content-Security-Policy can forbid both. */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
});

export function layout(title: string, session: Session | undefined, body: Html): Html {
  // Every htmx request of a signed-in page carries the session's CSRF token (htmx inherits hx-headers).
  const headers = session ? JSON.stringify({ 'X-CSRF-Token': session.csrf }) : undefined;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${title} · edi-gateway console</title>
<link rel="stylesheet" href="/static/console.css">
${session ? html`<script src="/static/htmx.min.js" defer></script>` : ''}
</head>
<body${headers ? html` hx-headers="${headers}"` : ''}>
<a class="skip" href="#main">Skip to main content</a>
<header>
<p class="who"><strong>edi-gateway</strong> console</p>
${session ? signedInBar(session) : ''}
</header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>
`;
}

function signedInBar(session: Session): Html {
  return html`<nav aria-label="Console">
      <ul>
        <li><a href="/">Overview</a></li>
        <li><a href="/messages">Messages</a></li>
        <li><a href="/dead-letters">Dead letters</a></li>
        <li><a href="/partners">Partners</a></li>
        <li><a href="/certificates">Certificates</a></li>
        <li><a href="/audit">Audit trail</a></li>
      </ul>
    </nav>
    <form method="post" action="/signout">
      <input type="hidden" name="_csrf" value="${session.csrf}" />
      <span>Signed in as <strong>${session.principal.name}</strong> (${session.principal.role})</span>
      <button type="submit">Sign out</button>
    </form>`;
}

export function signInPage(error?: string): Html {
  return layout(
    'Sign in',
    undefined,
    html`<h1>Sign in</h1>
      ${error ? html`<p class="error" role="alert" id="signin-error">${error}</p>` : ''}
      <form method="post" action="/signin">
        <label for="token">Admin token</label>
        <input
          type="password"
          id="token"
          name="token"
          autocomplete="current-password"
          required
          autofocus
          aria-describedby="token-help${error ? ' signin-error' : ''}"
        />
        <p id="token-help">
          The token the gateway's administrator gave you (admin.token or your user's token in gateway.yaml). It is sent
          in the request body, never in the address.
        </p>
        <button type="submit">Sign in</button>
      </form>`,
  );
}

export function landingPage(
  session: Session,
  counts: ConsoleCounts,
  recent: RecentMessage[] | undefined,
  refreshSeconds: number,
): Html {
  return layout(
    'Overview',
    session,
    html`<h1>Overview</h1>
      ${countsFragment(counts, refreshSeconds)} ${recentFragment(recent, refreshSeconds * 3)}`,
  );
}

const number = (n: number | null) => (n === null ? 'unknown' : String(n));

function countItem(label: string, key: string, n: number | null, attentionAbove = 0): Html {
  const attention = n !== null && n > attentionAbove;
  return html`<div${attention ? html` class="attention"` : ''}><dt>${label}</dt><dd data-count="${key}">${number(n)}${
    attention ? html` <small>(needs a look)</small>` : ''
  }</dd></div>`;
}

/** The live counts; htmx asks for this fragment again every `refreshSeconds` and swaps it in place. */
export function countsFragment(c: ConsoleCounts, refreshSeconds: number): Html {
  return html`<section
    id="counts"
    aria-labelledby="counts-title"
    hx-get="/fragments/counts"
    hx-trigger="every ${refreshSeconds}s"
    hx-swap="outerHTML"
  >
    <h2 id="counts-title">Now</h2>
    <dl class="counts">
      ${countItem('Queue depth (jobs waiting or running)', 'queueDepth', c.queueDepth, Number.POSITIVE_INFINITY)}
      ${countItem('Dead letters', 'deadLetters', c.deadLetters)}
      ${countItem('Overdue acknowledgements', 'overdueAcks', c.overdueAcks)}
      ${countItem('Certificates expiring within 30 days', 'expiringCertificates', c.expiringCertificates)}
    </dl>
    <p>
      Database: <strong>${c.databaseUp ? 'answering' : 'not answering'}</strong>. Refreshed every
      ${refreshSeconds === 1 ? 'second' : `${refreshSeconds} seconds`}.
    </p>
  </section>`;
}

/** Ack statuses as words, so that none is told by a letter alone. */
export const ACK_WORDS: Record<string, string> = {
  A: 'A (accepted)',
  E: 'E (accepted, errors noted)',
  P: 'P (partly accepted)',
  R: 'R (rejected)',
  M: 'M (rejected, authentication failed)',
  W: 'W (rejected, validity check failed)',
  X: 'X (rejected, cannot be analysed)',
  none: 'none',
  expected: 'expected',
  overdue: 'overdue',
};

/** `2026-12-06T19:30:01.000Z` as `2026-12-06 19:30:01 UTC`, in a <time> element. */
function timeCell(iso: string | null): Html {
  if (!iso) return html`unknown`;
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time>`;
}

/**
 * The newest transaction sets. Without a source (a gateway built without reports) the section says so:
 * the message search of issue 15 §2 is where the full list lives.
 */
export function recentFragment(rows: RecentMessage[] | undefined, refreshSeconds: number): Html {
  if (rows === undefined) {
    return html`<section id="recent" aria-labelledby="recent-title" class="placeholder">
      <h2 id="recent-title">Recent messages</h2>
      <p>Not available: this gateway has no report source. The message search (GET /api/messages) will list them.</p>
    </section>`;
  }
  const body = rows.map(
    (r) =>
      html`<tr>
        <td>${timeCell(r.at)}</td>
        <td>${r.partner ?? 'unknown'}</td>
        <td>${r.direction === 'in' ? 'inbound' : 'outbound'}</td>
        <td>${r.type}</td>
        <td>${r.reference ?? 'none'}</td>
        <td>${ACK_WORDS[r.ackStatus] ?? r.ackStatus}</td>
        <td>${r.deliveryStatus}</td>
        <td>${r.reason ?? 'none'}</td>
        <td>
          <a href="/messages/${encodeURIComponent(r.messageId)}"><code>${r.messageId}</code></a>
        </td>
      </tr>`,
  );
  return html`<section
    id="recent"
    aria-labelledby="recent-title"
    hx-get="/fragments/recent"
    hx-trigger="every ${refreshSeconds}s"
    hx-swap="outerHTML"
  >
    <h2 id="recent-title">Recent messages</h2>
    ${table({
      caption: html`The ${rows.length} newest transaction sets, newest first`,
      columns: [
        'Time',
        'Partner',
        'Direction',
        'Type',
        'Reference',
        'Ack status',
        'Delivery status',
        'Reason',
        'Message id',
      ],
      rows: body,
      empty: 'No messages yet.',
    })}
  </section>`;
}
