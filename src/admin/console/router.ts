/**
 * The web console on the admin listener: sign-in with a token, an in-memory session in an HttpOnly,
 * SameSite=Strict cookie, and server-rendered pages that htmx refreshes in place (ADR 0012-g). The
 * console acts on nothing itself: it reads through injected sources and, for the pages that act, calls
 * /api with the session cookie, which `apiSession` accepts with the same CSRF and Origin checks.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { GatewayError } from '../../errors';
import { RateLimited } from '../auth';
import { readCounts, type CountSources } from './counts';
import type { Html } from './html';
import { countsFragment, landingPage, layout, recentFragment, signInPage } from './pages';
import {
  deadLettersPage,
  messagePage,
  type PayloadView,
  replayCell,
  reprocessSection,
  type BulkOutcome,
  SEARCH_FIELDS,
  type SearchForm,
  searchPage,
} from './message-pages';
import { BULK_MAX, replayMany, replayOne, replayProcessingOne, type DeadLetterDeps } from '../routes/dead-letters';
import { checkAndAudit, pauseAndAudit, type PartnerSources } from '../routes/partners';
import type { InventoryEntry } from '../../pipeline/certificate-inventory';
import { certificatesPage, checkResult, partnerRow, partnersPage } from './partner-pages';
import type { Audit } from '../audit';
import { auditQuery, nextAuditCursor, searchAudit, type AuditDeps } from '../routes/audit';
import { AUDIT_FIELDS, AUDIT_LABELS, auditPage, type AuditForm } from './audit-page';
import { html } from './html';
import { messageSearchQuery, nextCursor, searchMessages, type MessageDeps } from '../routes/messages';
import type { RecentMessage } from './recent';
import { CONSOLE_CSS } from './style';
import { cookieValue, csrfMatches, SESSION_COOKIE, Sessions, type Principal, type Session } from './sessions';

export type { Principal, Role } from './sessions';
export type { RecentMessage } from './recent';

/** What the gateway may hand the console beyond the admin API's own dependencies (AdminDeps.console). */
export interface ConsoleSources {
  /** Who a token belongs to; default: admin.token, as an operator. */
  authenticate?(token: string, from?: string): Principal | undefined | Promise<Principal | undefined>;
  /** Acknowledgements past their deadline, by the reports' rule. */
  overdueAcks?(): Promise<number>;
  /** The newest transaction sets, newest first. Absent: the landing page shows a placeholder. */
  recentMessages?(limit: number): Promise<RecentMessage[]>;
  /** Every certificate and key the configuration names (the certificates page); absent: no such page. */
  certificateInventory?(): InventoryEntry[];
  /** How long a session lasts after sign-in (default 8 hours). */
  sessionTtlMs?: number;
  /** How often the landing page's counts are read again (default 5 seconds). */
  refreshSeconds?: number;
}

export interface ConsoleDeps extends ConsoleSources, CountSources {
  /** Message search, lineage and payloads (the admin API's); absent: the console has no message pages. */
  messages?: MessageDeps;
  /** Dead letters and replay (the admin API's), and the audit trail replays are recorded in. */
  deadLetters?: DeadLetterDeps;
  audit?: Audit;
  /** The audit trail of operator actions (the admin API's); absent: no audit page. */
  auditTrail?: AuditDeps;
  /** Partner health, check, pause and resume (the admin API's); absent: no partners page. */
  partners?: PartnerSources;
  partnerExists?(id: string): boolean;
  /** Who a token belongs to; with `from`, may refuse an address that failed too often (EDIGW_ADMIN_RATE_LIMITED). */
  authenticate(token: string, from?: string): Principal | undefined | Promise<Principal | undefined>;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** The session clock (tests move it); default Date.now. */
  now?: () => number;
}

export interface WebConsole {
  router: express.Router;
  /** For /api: a request without Authorization but with a live session cookie is let in as its user. */
  apiSession: RequestHandler;
}

/** Where the signed-in user is left for the routes after authentication. */
export const principalOf = (res: Response): Principal | undefined => (res.locals as { user?: Principal }).user;

const RECENT_LIMIT = 25;
/** How much of a payload the message page shows, one segment per line; the download has it all. */
const PAYLOAD_SHOWN = 256 * 1024;
const DEAD_LETTERS_SHOWN = 200;
/** The search form's labels, for its errors. */
const LABEL_OF: Record<string, string> = {
  controlNumber: 'Control number',
  from: 'From',
  to: 'To',
  reference: 'Reference',
  partner: 'Partner',
  q: 'Free text',
  cursor: 'Page',
};
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const HTMX_FILE = require.resolve('htmx.org/dist/htmx.min.js');

/**
 * No inline script or style, no framing, forms post only here: an injected string in a page could run
 * nothing even if the escaping in html.ts were bypassed.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function pageHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

function sendHtml(res: Response, status: number, page: Html): void {
  pageHeaders(res);
  res.status(status).type('html').send(page.text);
}

/**
 * A write must come from a page of this listener: its Origin (or, when a browser sent none, its
 * Referer) names the host the request was sent to. Only the host is compared, not the scheme, so
 * the check holds behind a TLS-terminating proxy that forwards plain HTTP.
 */
export function sameOrigin(req: Request): boolean {
  const host = req.get('host');
  const from = req.get('origin') ?? req.get('referer');
  if (!host || !from || from === 'null') return false;
  try {
    return new URL(from).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Whether the browser reached us over https: directly, or through a TLS proxy that says so in
 * X-Forwarded-Proto. The header is believed without a trusted-proxy list because all it changes is
 * the cookie's Secure flag, and a Secure cookie is only ever more restricted.
 */
function overHttps(req: Request): boolean {
  return req.secure || req.get('x-forwarded-proto')?.split(',')[0].trim().toLowerCase() === 'https';
}

/** The dead-letter page's filter, from its query or its bulk form: partner and endpoint, plain names only. */
function deadLetterFilterOf(from: Record<string, unknown>): { partner?: string; endpoint?: string } {
  const name = (v: unknown, max: number) =>
    typeof v === 'string' && v.trim() !== '' && v.length <= max ? v.trim() : undefined;
  const partner = name(from.partner, 64);
  const endpoint = name(from.endpoint, 128);
  return { ...(partner ? { partner } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** What the last bulk replay did, as the redirect back to the page says it. */
function bulkOutcomeOf(q: Record<string, unknown>): BulkOutcome | undefined {
  const count = (v: unknown) => (typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : undefined);
  const replayed = count(q.replayed);
  if (replayed === undefined) return undefined;
  return { replayed, failed: count(q.failed) ?? 0, more: q.more === '1' };
}

export function createConsole(deps: ConsoleDeps): WebConsole {
  const sessions = new Sessions(deps.sessionTtlMs, deps.now);
  const refreshSeconds = deps.refreshSeconds ?? 5;
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });

  const sessionOf = (req: Request): Session | undefined => sessions.get(cookieValue(req.get('cookie'), SESSION_COOKIE));

  /** Throws unless the write comes from our own page and carries the session's CSRF token. */
  const checkWrite = (req: Request, session: Session, formToken?: unknown) => {
    const what = `${req.method} ${req.originalUrl.split('?')[0]}`;
    if (!sameOrigin(req)) throw new GatewayError('EDIGW_ADMIN_CSRF_REFUSED', `${what}: Origin is not this console`);
    const given = req.get('x-csrf-token') ?? (typeof formToken === 'string' ? formToken : undefined);
    if (!csrfMatches(session, given))
      throw new GatewayError('EDIGW_ADMIN_CSRF_REFUSED', `${what}: missing or wrong CSRF token`);
  };

  /**
   * The session and target id of an operator's button press (htmx, CSRF header), or undefined when the
   * session has ended (the answer, a redirect to sign in, is sent); an auditor's press is refused.
   */
  const operatorButton = (req: Request, res: Response, what: string): { session: Session; id: string } | undefined => {
    const session = sessionOf(req);
    if (!session) {
      res.setHeader('HX-Redirect', '/signin');
      sendHtml(res, 401, signInPage('Your session has ended. Sign in again.'));
      return undefined;
    }
    checkWrite(req, session);
    const id = String(req.params.id).slice(0, 64);
    if (session.principal.role !== 'operator')
      throw new GatewayError('EDIGW_ADMIN_FORBIDDEN', `${what} ${id} by ${session.principal.name} (auditor)`);
    return { session, id };
  };

  const recent = async (): Promise<RecentMessage[] | undefined> =>
    deps.recentMessages ? deps.recentMessages(RECENT_LIMIT) : undefined;

  router.get('/static/htmx.min.js', (_req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(HTMX_FILE, { maxAge: '1h', headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
  });
  router.get('/static/console.css', (_req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('css').send(CONSOLE_CSS);
  });

  // Browsers ask for it on every page; no icon, and no 404 in their console.
  router.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });

  router.get('/signin', (req, res) => {
    if (sessionOf(req)) return res.redirect(303, '/');
    sendHtml(res, 200, signInPage());
  });

  router.post('/signin', form, async (req, res) => {
    if (!sameOrigin(req))
      throw new GatewayError('EDIGW_ADMIN_CSRF_REFUSED', 'POST /signin: Origin is not this console');
    const token = (req.body as Record<string, unknown> | undefined)?.token;
    let principal: Principal | undefined;
    try {
      principal =
        typeof token === 'string' && token !== ''
          ? await deps.authenticate(token, req.ip ?? req.socket.remoteAddress ?? '')
          : undefined;
    } catch (e) {
      if (!(e instanceof RateLimited)) throw e;
      const wait = e.retryAfterS;
      res.setHeader('Retry-After', String(wait));
      return sendHtml(
        res,
        429,
        signInPage(`Too many failed sign-ins from your address. Wait ${Math.ceil(wait / 60)} min, then sign in again.`),
      );
    }
    if (!principal) {
      deps.logger.warn({ ip: req.ip }, 'console: sign-in with a token that is not valid');
      return sendHtml(res, 401, signInPage('That token is not valid. Check it and sign in again.'));
    }
    const session = sessions.create(principal);
    res.cookie(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'strict',
      secure: overHttps(req),
      path: '/',
      maxAge: session.expiresAt - (deps.now ?? Date.now)(),
    });
    deps.logger.info({ user: principal.name, role: principal.role, ip: req.ip }, 'console: signed in');
    res.redirect(303, '/');
  });

  router.post('/signout', form, (req, res) => {
    const session = sessionOf(req);
    if (session) {
      checkWrite(req, session, (req.body as Record<string, unknown> | undefined)?._csrf);
      sessions.end(session.id);
      deps.logger.info({ user: session.principal.name }, 'console: signed out');
    }
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: overHttps(req), path: '/' });
    res.redirect(303, '/signin');
  });

  router.get('/', async (req, res) => {
    const session = sessionOf(req);
    if (!session) return res.redirect(303, '/signin');
    const [counts, rows] = await Promise.all([readCounts(deps), recent()]);
    sendHtml(res, 200, landingPage(session, counts, rows, refreshSeconds));
  });

  /** A fragment for a page that outlived its session: htmx follows HX-Redirect to the sign-in page. */
  const fragment =
    (render: () => Promise<Html>): RequestHandler =>
    async (req, res) => {
      if (!sessionOf(req)) {
        res.setHeader('HX-Redirect', '/signin');
        return sendHtml(res, 401, signInPage('Your session has ended. Sign in again.'));
      }
      sendHtml(res, 200, await render());
    };
  router.get(
    '/fragments/counts',
    fragment(async () => countsFragment(await readCounts(deps), refreshSeconds)),
  );
  router.get(
    '/fragments/recent',
    fragment(async () => recentFragment(await recent(), refreshSeconds * 3)),
  );

  router.get('/messages', async (req, res) => {
    const session = sessionOf(req);
    if (!session) return res.redirect(303, '/signin');
    if (!deps.messages)
      throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', 'GET /messages: this gateway keeps no messages');
    const form: SearchForm = {};
    for (const k of SEARCH_FIELDS) {
      const v = req.query[k];
      if (typeof v === 'string' && v.trim() !== '') form[k] = v.trim();
    }
    const cursor = typeof req.query.cursor === 'string' ? { cursor: req.query.cursor } : {};
    const parsed = messageSearchQuery.safeParse({ ...form, ...cursor });
    if (!parsed.success) {
      const error = parsed.error.issues.map((i) => `${LABEL_OF[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`);
      return sendHtml(res, 400, searchPage(session, form, { error: error.join('; ') }));
    }
    const page = await searchMessages(deps.messages, parsed.data);
    sendHtml(res, 200, searchPage(session, form, { page, next: nextCursor(page) }));
  });

  router.get('/messages/:id', async (req, res) => {
    const session = sessionOf(req);
    if (!session) return res.redirect(303, '/signin');
    if (!deps.messages)
      throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', 'GET /messages: this gateway keeps no messages');
    const id = String(req.params.id);
    const lineage = id.length <= 64 ? await deps.messages.lineage(id) : undefined;
    if (!lineage) {
      const body = html`<h1>No such message</h1>
        <p>No message has the id <code>${id}</code>. <a href="/messages">Search messages</a>.</p>`;
      return sendHtml(res, 404, layout('No such message', session, body));
    }
    const stored = await deps.messages.payload(id);
    let payload: PayloadView | 'purged' | undefined = stored === 'purged' ? 'purged' : undefined;
    if (stored && stored !== 'purged') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of stored.chunks) {
        chunks.push(c);
        size += c.length;
        if (size >= PAYLOAD_SHOWN) break;
      }
      const bytes = Buffer.concat(chunks).subarray(0, PAYLOAD_SHOWN);
      payload = { bytes, truncated: stored.size > bytes.length };
    }
    const processing = await deps.deadLetters?.processingState?.(id);
    sendHtml(
      res,
      200,
      messagePage(session, lineage, payload, `/api/messages/${encodeURIComponent(id)}/payload`, processing),
    );
  });

  router.get('/dead-letters', async (req, res) => {
    const session = sessionOf(req);
    if (!session) return res.redirect(303, '/signin');
    if (!deps.deadLetters) throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', 'GET /dead-letters: no dead letters here');
    const filter = deadLetterFilterOf(req.query);
    const page = await deps.deadLetters.deadLetters(filter, { limit: DEAD_LETTERS_SHOWN });
    // Only deliveries have an endpoint: a page narrowed to one lists no other work.
    const work =
      filter.endpoint === undefined && deps.deadLetters.deadWork
        ? await deps.deadLetters.deadWork(
            filter.partner === undefined ? {} : { partner: filter.partner },
            DEAD_LETTERS_SHOWN,
          )
        : [];
    const done = bulkOutcomeOf(req.query);
    sendHtml(res, 200, deadLettersPage(session, page.deadLetters, page.next !== null, filter, done, work));
  });

  // Replay every dead letter the page's filter finds (up to BULK_MAX): a form post, then back to the page.
  router.post('/dead-letters/replay', form, async (req, res) => {
    const session = sessionOf(req);
    if (!session) return res.redirect(303, '/signin');
    const body = (req.body ?? {}) as Record<string, unknown>;
    checkWrite(req, session, body._csrf);
    if (session.principal.role !== 'operator')
      throw new GatewayError('EDIGW_ADMIN_FORBIDDEN', `bulk replay by ${session.principal.name} (auditor)`);
    if (!deps.deadLetters) throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', 'POST /dead-letters: no dead letters here');
    const filter = deadLetterFilterOf(body);
    const requestId = String(res.getHeader('X-Request-Id') ?? '');
    const done = await replayMany(
      { ...deps.deadLetters, audit: deps.audit },
      filter,
      BULK_MAX,
      {
        ...session.principal,
        requestId,
      },
      { ...filter, ...(Object.keys(filter).length ? {} : { all: true }) },
    );
    deps.logger.info(
      { user: session.principal.name, replayed: done.replayed.length, failed: done.failed.length, ...filter },
      'console: dead letters replayed',
    );
    const back = new URLSearchParams({
      ...filter,
      replayed: String(done.replayed.length),
      failed: String(done.failed.length),
      ...(done.more ? { more: '1' } : {}),
    });
    res.redirect(303, `/dead-letters?${back.toString()}`);
  });

  // The button of a dead letter: an operator's write, with the session's CSRF token (htmx sends it).
  router.post('/dead-letters/:id/replay', async (req, res) => {
    const pressed = operatorButton(req, res, 'replay');
    if (!pressed) return;
    const { session, id } = pressed;
    if (!deps.deadLetters) throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', 'POST /dead-letters: no dead letters here');
    const requestId = String(res.getHeader('X-Request-Id') ?? '');
    try {
      await replayOne({ ...deps.deadLetters, audit: deps.audit }, id, { ...session.principal, requestId });
      sendHtml(res, 200, replayCell(id, true, 'Queued again'));
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      sendHtml(res, 200, replayCell(id, true, `Not replayed: ${e.message}`));
    }
  });

  // The button of a message whose processing was dead-lettered: an operator's write, as a dead letter's is.
  router.post('/messages/:id/replay', async (req, res) => {
    const pressed = operatorButton(req, res, 'replay the processing of');
    if (!pressed) return;
    const { session, id } = pressed;
    if (!deps.deadLetters) throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', 'POST /messages: no replay here');
    const requestId = String(res.getHeader('X-Request-Id') ?? '');
    try {
      const r = await replayProcessingOne({ ...deps.deadLetters, audit: deps.audit }, id, {
        ...session.principal,
        requestId,
      });
      sendHtml(
        res,
        200,
        reprocessSection(session, id, undefined, `Queued to be processed again (replay ${r.replay}).`),
      );
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      sendHtml(res, 200, reprocessSection(session, id, undefined, `Not processed again: ${e.message}`));
    }
  });

  router.get('/audit', async (req, res) => {
    const session = sessionOf(req);
    if (!session) return res.redirect(303, '/signin');
    if (!deps.auditTrail) throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', 'GET /audit: no audit trail here');
    const form: AuditForm = {};
    for (const k of [...AUDIT_FIELDS, 'limit'] as const) {
      const v = req.query[k];
      if (typeof v === 'string' && v.trim() !== '') form[k] = v.trim();
    }
    const cursor = typeof req.query.cursor === 'string' ? { cursor: req.query.cursor } : {};
    const parsed = auditQuery.safeParse({ ...form, ...cursor });
    if (!parsed.success) {
      const label = (k: string) =>
        k in AUDIT_LABELS ? AUDIT_LABELS[k as keyof typeof AUDIT_LABELS] : k === 'cursor' ? 'Page' : k;
      const error = parsed.error.issues.map((i) => `${label(String(i.path[0]))}: ${i.message}`);
      return sendHtml(res, 400, auditPage(session, form, { error: error.join('; ') }));
    }
    const page = await searchAudit(deps.auditTrail, parsed.data);
    sendHtml(res, 200, auditPage(session, form, { page, next: nextAuditCursor(page) }));
  });

  router.get('/partners', async (req, res) => {
    const session = sessionOf(req);
    if (!session) return res.redirect(303, '/signin');
    if (!deps.partners) throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', 'GET /partners: no partners here');
    sendHtml(res, 200, partnersPage(session, await deps.partners.list()));
  });

  router.get('/certificates', (req, res) => {
    const session = sessionOf(req);
    if (!session) return res.redirect(303, '/signin');
    if (!deps.certificateInventory)
      throw new GatewayError('EDIGW_ADMIN_NOT_FOUND', 'GET /certificates: no certificates here');
    sendHtml(res, 200, certificatesPage(session, deps.certificateInventory()));
  });

  /** The session of an operator's button press, or an answer saying why not (thrown as the API would). */
  const operatorWrite = (req: Request, res: Response, what: string): { session: Session; id: string } | undefined => {
    const pressed = operatorButton(req, res, what);
    if (pressed && (!deps.partners || !deps.partnerExists?.(pressed.id)))
      throw new GatewayError('EDIGW_ADMIN_PARTNER_UNKNOWN', `partner ${JSON.stringify(pressed.id)}`);
    return pressed;
  };
  const actorOfSession = (res: Response, session: Session) => ({
    ...session.principal,
    requestId: String(res.getHeader('X-Request-Id') ?? ''),
  });

  router.post('/partners/:id/check', async (req, res) => {
    const w = operatorWrite(req, res, 'check');
    if (!w) return;
    const result = await checkAndAudit({ ...deps.partners!, audit: deps.audit }, w.id, actorOfSession(res, w.session));
    const row = (await deps.partners!.list()).find((p) => p.id === w.id);
    // A row cannot stand alone outside a table, so htmx takes the out-of-band one from a template.
    sendHtml(
      res,
      200,
      html`${checkResult(result)}${row ? html`<template>${partnerRow(row, true, undefined, true)}</template>` : ''}`,
    );
  });

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    router.post(`/partners/:id/${action}`, async (req, res) => {
      const w = operatorWrite(req, res, action);
      if (!w) return;
      const r = await pauseAndAudit(
        { ...deps.partners!, audit: deps.audit },
        w.id,
        paused,
        actorOfSession(res, w.session),
        null,
      );
      const row = (await deps.partners!.list()).find((p) => p.id === w.id);
      const said = `${paused ? 'Paused' : 'Resumed'}${r.changed ? '' : ' (it already was)'}`;
      sendHtml(
        res,
        200,
        row
          ? partnerRow(row, true, said)
          : html`<tr>
              <td colspan="11">${said}</td>
            </tr>`,
      );
    });
  }

  const apiSession: RequestHandler = (req, res, next) => {
    if (req.get('authorization') !== undefined) return next();
    const session = sessionOf(req);
    if (!session) return next();
    if (!SAFE_METHODS.has(req.method)) checkWrite(req, session);
    // Where requireUser (auth.ts) leaves the user of a bearer token: the routes cannot tell the two apart.
    (res.locals as { user?: Principal }).user = session.principal;
    next();
  };

  return { router, apiSession };
}
