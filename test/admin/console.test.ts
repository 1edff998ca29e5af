import { createAdminApp, listenAdmin, type AdminDeps, type AdminListener } from '../../src/admin/server';
import type { RecentMessage } from '../../src/admin/console/router';
import { Sessions } from '../../src/admin/console/sessions';
import { recentOf } from '../../src/admin/console/recent';
import type { TransactionRow } from '../../src/admin/reports/query';
import { join } from 'node:path';
import { auditEvent } from '../../src/admin/audit';
import { GatewayError } from '../../src/errors';
import type { PartnerHealth } from '../../src/pipeline/partner-health';
import { Store } from '../../src/store/store';
import { hashPassword } from '../../src/password-hash';
import { freshDatabase, type TestDatabase } from '../helpers/databases';

const TOKEN = 'console-test-token-0123456789';
/** The users of admin.users the role tests sign in as: olga operates, aude audits. */
const users = [
  { name: 'olga', role: 'operator' as const, token: 'olga-operator-token-0123456789' },
  { name: 'aude', role: 'auditor' as const, token: 'aude-auditor-token-0123456789' },
];

let listeners: AdminListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  listeners = [];
});

async function start(over: Partial<AdminDeps> = {}) {
  const submitted: string[] = [];
  const warnings: string[] = [];
  const deps: AdminDeps = {
    token: TOKEN,
    maxBytes: 64 * 1024,
    partnerExists: (id) => id === 'acme',
    submit: async (i) => {
      submitted.push(i.partnerId);
      return { messageId: `m${submitted.length}` };
    },
    send: async () => ({ messageId: 's1' }),
    health: async () => ({ ok: true, detail: { database: 'up', queue: { queued: 2, running: 1, dead: 4, done: 9 } } }),
    report: async () => [],
    certificates: async () => [{ subject: 'a' }, { subject: 'b' }],
    console: { overdueAcks: async () => 3 },
    logger: { info: () => {}, warn: (_o, msg) => void warnings.push(msg), error: () => {} },
    ...over,
  };
  const l = await listenAdmin(createAdminApp(deps), 0, '127.0.0.1');
  listeners.push(l);
  const base = `http://127.0.0.1:${l.port}`;
  const call = (path: string, init: RequestInit = {}) => fetch(base + path, { redirect: 'manual', ...init });
  return { base, call, submitted, warnings };
}

type Started = Awaited<ReturnType<typeof start>>;

/** Signs in through the form, as a browser would: the token in the body, our own Origin. */
async function signIn(s: Started, token = TOKEN) {
  const r = await s.call('/signin', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: s.base },
    body: new URLSearchParams({ token }).toString(),
  });
  const setCookie = r.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0];
  return { r, setCookie, cookie };
}

async function signedIn(s: Started) {
  return signedInAs(s, TOKEN);
}

describe('web console: sign-in', () => {
  test('an anonymous visit to / is sent to the sign-in page, which asks for the token in a password field', async () => {
    const s = await start();
    const r = await s.call('/');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/signin');
    const page = await (await s.call('/signin')).text();
    expect(page).toMatch(/<form method="post" action="\/signin">/);
    expect(page).toMatch(/<label for="token">/);
    expect(page).toMatch(/<input\s+type="password"\s+id="token"\s+name="token"/);
    expect(page).toMatch(/<a class="skip" href="#main">/);
  });

  test('the right token sets an HttpOnly, SameSite=Strict session cookie and never lands in a URL', async () => {
    const s = await start();
    const { r, setCookie, cookie } = await signIn(s);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/');
    expect(setCookie).toMatch(/^edigw_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Strict/i);
    expect(setCookie).toMatch(/; Path=\//i);
    // Plain HTTP here: Secure would make the browser drop the cookie.
    expect(setCookie).not.toMatch(/; Secure/i);
    expect(setCookie).not.toContain(TOKEN);
    expect(cookie).not.toContain(TOKEN);
    const landing = await s.call('/', { headers: { cookie } });
    expect(landing.status).toBe(200);
    const page = await landing.text();
    expect(page).toContain('Signed in as <strong>admin</strong> (operator)');
    expect(page).not.toContain(TOKEN);
    // The page's links and forms carry no token either.
    for (const m of page.matchAll(/(?:href|action|hx-get)="([^"]*)"/g)) expect(m[1]).not.toContain(TOKEN);
  });

  test('behind a TLS proxy (X-Forwarded-Proto: https) the cookie is also Secure', async () => {
    const s = await start();
    const r = await s.call('/signin', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: s.base.replace('http:', 'https:'),
        'x-forwarded-proto': 'https',
      },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(r.status).toBe(303);
    expect(r.headers.get('set-cookie')).toMatch(/; Secure/i);
  });

  test('a wrong token is refused with the sign-in page again, no cookie, and a warning in the log', async () => {
    const s = await start();
    const { r, setCookie } = await signIn(s, 'not-the-token-at-all-000');
    expect(r.status).toBe(401);
    expect(setCookie).toBe('');
    expect(await r.text()).toContain('That token is not valid');
    expect(s.warnings).toContain('console: sign-in with a token that is not valid');
  });

  test('a sign-in posted from another origin is refused', async () => {
    const s = await start();
    const r = await s.call('/signin', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_CSRF_REFUSED');
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  test('with no admin token configured nobody can sign in', async () => {
    const s = await start({ token: undefined });
    const { r } = await signIn(s, '');
    expect(r.status).toBe(401);
  });

  test('an injected authenticate decides who signs in and with which role', async () => {
    const s = await start({
      console: {
        authenticate: (t) => (t === 'auditor-token-000000000' ? { name: 'arno', role: 'auditor' } : undefined),
      },
    });
    expect((await signIn(s)).r.status).toBe(401);
    const { r, cookie } = await signIn(s, 'auditor-token-000000000');
    expect(r.status).toBe(303);
    expect(await (await s.call('/', { headers: { cookie } })).text()).toContain('<strong>arno</strong> (auditor)');
  });
});

describe('web console: sign-out and CSRF', () => {
  test('sign-out needs the CSRF token, then ends the session and clears the cookie', async () => {
    const s = await start();
    const { cookie, csrf } = await signedIn(s);
    const post = (body: Record<string, string>, origin = s.base) =>
      s.call('/signout', {
        method: 'POST',
        headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ _csrf: 'wrong' })).status).toBe(403);
    expect((await post({ _csrf: csrf }, 'http://evil.example')).status).toBe(403);
    // Still signed in after the refusals.
    expect((await s.call('/', { headers: { cookie } })).status).toBe(200);

    const r = await post({ _csrf: csrf });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/signin');
    expect(r.headers.get('set-cookie')).toMatch(/^edigw_session=;.*Expires=Thu, 01 Jan 1970/i);
    const after = await s.call('/', { headers: { cookie } });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/signin');
  });

  test('/api takes the session cookie: reads as is, writes only with the CSRF header and our Origin', async () => {
    const s = await start();
    const { cookie, csrf } = await signedIn(s);
    expect((await s.call('/api/report', { headers: { cookie } })).status).toBe(200);

    const submit = (headers: Record<string, string>) =>
      s.call('/api/partners/acme/submit', { method: 'POST', headers: { cookie, ...headers }, body: 'ISA*00' });
    const noHeader = await submit({ origin: s.base });
    expect(noHeader.status).toBe(403);
    expect(((await noHeader.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_CSRF_REFUSED');
    expect((await submit({ origin: 'http://evil.example', 'x-csrf-token': csrf })).status).toBe(403);
    expect((await submit({ 'x-csrf-token': csrf })).status).toBe(403); // no Origin at all
    expect(s.submitted).toEqual([]);
    expect((await submit({ origin: s.base, 'x-csrf-token': csrf })).status).toBe(202);
    expect(s.submitted).toEqual(['acme']);
  });

  test('/api without a bearer token or a live session is still 401', async () => {
    const s = await start();
    const r = await s.call('/api/report', { headers: { cookie: 'edigw_session=made-up' } });
    expect(r.status).toBe(401);
  });

  test('console pages forbid framing and inline script', async () => {
    const s = await start();
    const r = await s.call('/signin');
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('cache-control')).toBe('no-store');
  });
});

describe('web console: landing page', () => {
  test('the counts fragment shows queue depth, dead letters, overdue acks and expiring certificates', async () => {
    const s = await start();
    const { cookie } = await signedIn(s);
    const r = await s.call('/fragments/counts', { headers: { cookie } });
    expect(r.status).toBe(200);
    const text = await r.text();
    const countOf = (key: string) => new RegExp(`data-count="${key}">(\\w+)`).exec(text)?.[1];
    expect(countOf('queueDepth')).toBe('3');
    expect(countOf('deadLetters')).toBe('4');
    expect(countOf('overdueAcks')).toBe('3');
    expect(countOf('expiringCertificates')).toBe('2');
    expect(text).toMatch(/hx-get="\/fragments\/counts"\s+hx-trigger="every 5s"/);
  });

  test('counts it cannot read say unknown, not 0', async () => {
    const s = await start({ health: async () => ({ ok: false, detail: {} }), certificates: undefined, console: {} });
    const { cookie } = await signedIn(s);
    const text = await (await s.call('/fragments/counts', { headers: { cookie } })).text();
    expect(text.match(/data-count="\w+">unknown/g)).toHaveLength(4);
    expect(text).toContain('not answering');
  });

  test('a fragment asked for without a session sends htmx to the sign-in page', async () => {
    const s = await start();
    const r = await s.call('/fragments/counts');
    expect(r.status).toBe(401);
    expect(r.headers.get('hx-redirect')).toBe('/signin');
  });

  test('the page carries its CSRF token for htmx and loads htmx from this listener', async () => {
    const s = await start();
    const { page, csrf } = await signedIn(s);
    expect(page).toContain(`hx-headers="{&quot;X-CSRF-Token&quot;:&quot;${csrf}&quot;}"`);
    expect(page).toContain('<script src="/static/htmx.min.js" defer></script>');
    const js = await s.call('/static/htmx.min.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await js.text()).length).toBeGreaterThan(10_000);
  });

  test('recent messages are a table with column headers, their text escaped', async () => {
    const row: RecentMessage = {
      at: '2026-12-06T10:00:00.000Z',
      partner: 'acme',
      direction: 'in',
      type: '850',
      reference: '<script>PO-1</script>',
      ackStatus: 'R',
      deliveryStatus: 'dead',
      reason: 'rejected by the acknowledgement',
      messageId: 'msg-1',
    };
    const s = await start({ console: { recentMessages: async () => [row] } });
    const { cookie } = await signedIn(s);
    const text = await (await s.call('/fragments/recent', { headers: { cookie } })).text();
    expect(text).toContain('<th scope="col">Reference</th>');
    expect(text).toContain('<td>&lt;script&gt;PO-1&lt;/script&gt;</td>');
    expect(text).toContain('<td>R (rejected)</td>');
    expect(text).toContain('<time datetime="2026-12-06T10:00:00.000Z">2026-12-06 10:00:00 UTC</time>');
    expect(text).not.toContain('<script>PO-1');
  });

  test('without a source of recent messages the section says so', async () => {
    const s = await start();
    const { page } = await signedIn(s);
    expect(page).toContain('class="placeholder"');
    expect(page).toContain('GET /api/messages');
  });
});

describe('web console: sessions', () => {
  test('a session is forgotten once its time is up', () => {
    let now = 1_000;
    const sessions = new Sessions(100, () => now);
    const s = sessions.create({ name: 'admin', role: 'operator' });
    expect(sessions.get(s.id)?.principal.name).toBe('admin');
    now = 1_100;
    expect(sessions.get(s.id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  test('ids and CSRF tokens differ from one session to the next', () => {
    const sessions = new Sessions();
    const a = sessions.create({ name: 'a', role: 'operator' });
    const b = sessions.create({ name: 'b', role: 'operator' });
    expect(new Set([a.id, b.id, a.csrf, b.csrf]).size).toBe(4);
  });
});

describe('web console: recent messages', () => {
  const row = (over: Partial<TransactionRow>) =>
    ({
      partner: 'acme',
      direction: 'in',
      type: '850',
      receivedAt: '2026-12-06T10:00:00.000Z',
      validation: 'valid',
      ackStatus: 'A',
      ackOverdue: false,
      deliveryStatus: 'delivered',
      reference: 'PO-1',
      messageId: 'm1',
      ...over,
    }) as TransactionRow;

  test('a report row becomes a recent message whose reason says in words what went wrong', () => {
    expect(recentOf(row({}))).toEqual({
      at: '2026-12-06T10:00:00.000Z',
      partner: 'acme',
      direction: 'in',
      type: '850',
      reference: 'PO-1',
      ackStatus: 'A',
      deliveryStatus: 'delivered',
      reason: null,
      messageId: 'm1',
    });
    expect(recentOf(row({ validation: 'invalid', ackStatus: 'R' })).reason).toBe(
      'failed validation; rejected by the acknowledgement',
    );
    expect(recentOf(row({ ackStatus: 'overdue', ackOverdue: true, deliveryStatus: 'dead' })).reason).toBe(
      'acknowledgement overdue; delivery dead-lettered',
    );
    // The report's first error, with its code, leads; the statuses add what it does not say.
    expect(
      recentOf(row({ validation: 'invalid', ackStatus: 'R', reason: 'AK5 5: SE01 says 14 segments but there are 4' }))
        .reason,
    ).toBe('AK5 5: SE01 says 14 segments but there are 4; rejected by the acknowledgement');
  });
});

describe('web console: users and roles (admin.users)', () => {
  test('an auditor signs in with her own token, reads /api through the session, and is refused a write with 403', async () => {
    const audited: string[] = [];
    const s = await start({
      token: undefined,
      users,
      audit: async (e) => void audited.push(`${e.action} ${e.actor.name}`),
    });
    const { cookie } = await signIn(s, users[1].token);
    const page = await (await s.call('/', { headers: { cookie } })).text();
    expect(page).toMatch(/aude/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    expect((await s.call('/api/report', { headers: { cookie } })).status).toBe(200);
    const write = await s.call('/api/partners/acme/submit', {
      method: 'POST',
      headers: { cookie, origin: s.base, 'x-csrf-token': csrf, 'content-type': 'application/octet-stream' },
      body: 'ISA*',
    });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_FORBIDDEN');
    expect(s.submitted).toEqual([]);
    expect(audited).toEqual([]);
  });

  test("an operator's write through the session is done and recorded under her name", async () => {
    const audited: string[] = [];
    const s = await start({
      token: undefined,
      users,
      audit: async (e) => void audited.push(`${e.action} ${e.actor.name}`),
    });
    const { cookie, csrf } = await signedInAs(s, users[0].token);
    const write = await s.call('/api/partners/acme/submit', {
      method: 'POST',
      headers: { cookie, origin: s.base, 'x-csrf-token': csrf, 'content-type': 'application/octet-stream' },
      body: 'ISA*',
    });
    expect(write.status).toBe(202);
    expect(s.submitted).toEqual(['acme']);
    expect(audited).toEqual(['submit olga']);
  });

  test('a user kept as a tokenHash signs in with name:token, as the API takes it; the token alone does not', async () => {
    const secret = 'hashed-operator-token-0123456789';
    const s = await start({
      token: undefined,
      users: [{ name: 'hana', role: 'operator', tokenHash: await hashPassword(secret) }],
    });
    expect((await signIn(s, secret)).r.status).toBe(401);
    const { page } = await signedInAs(s, `hana:${secret}`);
    expect(page).toMatch(/Signed in as <strong>hana<\/strong> \(operator\)/);
  });

  test('the old admin.token still signs in, as the operator named admin; a wrong token does not', async () => {
    const s = await start({ users });
    expect((await signIn(s, 'not-anyones-token-0123456789')).r.status).toBe(401);
    const { cookie } = await signIn(s);
    expect(await (await s.call('/', { headers: { cookie } })).text()).toMatch(/admin/);
  });
});

async function signedInAs(s: Started, token: string) {
  const { cookie } = await signIn(s, token);
  const page = await (await s.call('/', { headers: { cookie } })).text();
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1], page };
}

describe('web console: messages (search and the message page)', () => {
  const X12 =
    'ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     *261206*0930*U*00401*000000101*0*P*>~' +
    'GS*PO*ACME*OURCOMPANY*20261206*0930*101*X*004010~ST*850*0001~BEG*00*SA*PO-1**20261206~SE*14*0001~GE*1*101~IEA*1*000000101~';
  const at = new Date('2026-12-06T09:30:00Z');
  const message = {
    id: 'm1',
    direction: 'in',
    transport: 'as2',
    partnerId: 'acme',
    fileName: '<script>po.x12',
    as2MessageId: null,
    size: X12.length,
    status: 'processed',
    error: null,
    receivedAt: at,
  };
  const seen: unknown[] = [];
  const messages: NonNullable<AdminDeps['messages']> = {
    searchMessages: async (filter) => {
      seen.push(filter);
      const tx = {
        id: 't1',
        type: '850',
        controlNumber: '0001',
        reference: 'PO-1',
        validation: 'invalid',
        ackStatus: 'R',
        deliveryStatus: 'none',
      };
      return { messages: [{ ...message, transactions: [tx], deliveries: [] }], next: null };
    },
    lineage: async (id) =>
      id !== 'm1'
        ? undefined
        : ({
            message,
            interchanges: [
              {
                controlNumber: '000000101',
                validationReport: null,
                groups: [
                  {
                    transactions: [
                      {
                        type: '850',
                        controlNumber: '0001',
                        reference: 'PO-1',
                        validation: 'invalid',
                        ackStatus: 'R',
                        deliveryStatus: 'none',
                        // SE01 is wrong: the finding points into the SE segment, the fifth.
                        validationReport: [
                          {
                            severity: 'error',
                            level: 'transaction',
                            code: '4',
                            message: 'SE01 says 14 segments but the transaction set has 4',
                            location: { offset: X12.indexOf('SE*14') + 3 },
                          },
                        ],
                      },
                    ],
                  },
                ],
              },
            ],
            acks: { received: [], sent: [] },
            deliveries: [],
            sources: [],
            events: [
              { id: '1', stage: 'received', status: 'ok', code: null, detail: null, createdAt: at },
              {
                id: '2',
                stage: 'admin.replay',
                status: 'ok',
                code: null,
                detail: JSON.stringify({ user: 'olga', role: 'operator', requestId: 'r1' }),
                createdAt: at,
              },
            ],
          } as never),
    payload: async () => ({ size: X12.length, fileName: 'po.x12', chunks: [Buffer.from(X12)] as never }),
  };

  test('an anonymous visit to the search is sent to sign in', async () => {
    const s = await start({ messages });
    const r = await s.call('/messages?reference=PO-1');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/signin');
  });

  test('search by reference: a labelled form, the filter as given, a row linking to the message page, text escaped', async () => {
    const s = await start({ messages });
    const { cookie } = await signedIn(s);
    const page = await (await s.call('/messages?reference=PO-1&partner=&direction=in', { headers: { cookie } })).text();
    expect(seen.at(-1)).toEqual({ reference: 'PO-1', direction: 'in' });
    expect(page).toMatch(/<label for="f-reference">Reference/);
    expect(page).toMatch(/<input type="text" id="f-reference" name="reference" value="PO-1"/);
    expect(page).toMatch(/<a href="\/messages\/m1">&lt;script&gt;po\.x12<\/a>/);
    expect(page).not.toMatch(/<script>po/);
  });

  test('a search it cannot run says which field is wrong, in the page', async () => {
    const s = await start({ messages });
    const { cookie } = await signedIn(s);
    const r = await s.call('/messages?from=yesterday', { headers: { cookie } });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/role="alert">From: a date \(YYYY-MM-DD\)/);
  });

  test('the message page: transaction sets, the timeline with who acted, and the payload one segment per line with its finding', async () => {
    const s = await start({ messages });
    const { cookie } = await signedIn(s);
    const page = await (await s.call('/messages/m1', { headers: { cookie } })).text();
    expect(page).toMatch(/<h1>Message &lt;script&gt;po\.x12<\/h1>/);
    expect(page).toMatch(/<td>admin\.replay<\/td>\s*<td>ok<\/td>\s*<td><\/td>\s*<td>olga \(operator\)<\/td>/);
    // The transaction set's ack status is said in words, not by its letter alone.
    expect(page).toMatch(/<td>invalid<\/td>\s*<td>R \(rejected\)<\/td>/);
    const segments = [...page.matchAll(/<li id="seg-(\d+)">\s*<code>([^<]*)<\/code>/g)].map((m) => m[2]);
    expect(segments).toHaveLength(7);
    expect(segments[4]).toBe('SE*14*0001~');
    expect(page).toMatch(
      /<li id="seg-5">\s*<code>SE\*14\*0001~<\/code><p class="diagnostic"><strong>error 4: SE01 says 14 segments/,
    );
    expect(page).toMatch(/<a href="\/api\/messages\/m1\/payload">Download/);
  });

  test('an unknown message is a 404 page that leads back to the search', async () => {
    const s = await start({ messages });
    const { cookie } = await signedIn(s);
    const r = await s.call('/messages/nope', { headers: { cookie } });
    expect(r.status).toBe(404);
    expect(await r.text()).toMatch(/No message has the id <code>nope<\/code>/);
  });

  describe('a message whose processing was dead-lettered', () => {
    const setup = async (state: 'dead' | 'done' = 'dead') => {
      const replayed: string[] = [];
      const audited: string[] = [];
      const s = await start({
        token: undefined,
        users,
        messages,
        audit: async (e) =>
          void audited.push(`${e.action} ${e.actor.name} ${e.messageId} ${String(e.detail?.processing)}`),
        deadLetters: {
          deadLetters: async () => ({ deadLetters: [], next: null }),
          replay: async () => {
            throw new Error('no delivery is replayed here');
          },
          processingState: async () =>
            state === 'dead'
              ? { state: 'dead', at, error: 'map acme/maps/850.jsonata: <no such file> [EDIGW_JOB_FAILED]' }
              : { state: 'done', at },
          replayProcessing: async (id) => {
            if (state === 'done')
              throw new GatewayError('EDIGW_ALREADY_PROCESSED', `message ${id} was processed at ${at.toISOString()}`);
            replayed.push(id);
            return { messageId: id, partnerId: 'acme', replay: 1, key: `${id}:process:replay:1` };
          },
        },
      });
      return { s, replayed, audited };
    };
    const press = (s: Started, cookie: string, csrf?: string) =>
      s.call('/messages/m1/replay', {
        method: 'POST',
        headers: { cookie, origin: s.base, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      });

    test('an operator sees why it stopped and a Process again button; pressing it queues it under her name', async () => {
      const { s, replayed, audited } = await setup();
      const { cookie, csrf } = await signedInAs(s, users[0].token);
      const page = await (await s.call('/messages/m1', { headers: { cookie } })).text();
      expect(page).toMatch(/<h2>Processing dead-lettered<\/h2>/);
      expect(page).toContain('map acme/maps/850.jsonata: &lt;no such file&gt; [EDIGW_JOB_FAILED]');
      expect(page).toMatch(/<button\s+type="button"\s+hx-post="\/messages\/m1\/replay"[^>]*>\s*Process again/);
      expect(page).not.toMatch(/disabled/);
      const r = await press(s, cookie, csrf);
      expect(r.status).toBe(200);
      expect(await r.text()).toMatch(
        /<section id="reprocess" role="status"><p>Queued to be processed again \(replay 1\)\.<\/p><\/section>/,
      );
      expect(replayed).toEqual(['m1']);
      expect(audited).toEqual(['replay olga m1 1']);
    });

    test('an auditor sees the button disabled, with why; one she sends anyway, or one without the CSRF token, is refused', async () => {
      const { s, replayed } = await setup();
      const auditor = await signedInAs(s, users[1].token);
      const page = await (await s.call('/messages/m1', { headers: { cookie: auditor.cookie } })).text();
      expect(page).toMatch(/disabled aria-describedby="reprocess-note"/);
      expect(page).toMatch(/<p id="reprocess-note">You are signed in as an auditor/);
      expect((await press(s, auditor.cookie, auditor.csrf)).status).toBe(403);
      const operator = await signedInAs(s, users[0].token);
      expect((await press(s, operator.cookie)).status).toBe(403);
      expect(replayed).toEqual([]);
    });

    test('a message processed already shows no button, and a replay of it is refused with why', async () => {
      const { s, replayed } = await setup('done');
      const { cookie, csrf } = await signedInAs(s, users[0].token);
      const page = await (await s.call('/messages/m1', { headers: { cookie } })).text();
      expect(page).not.toContain('Process again');
      const r = await press(s, cookie, csrf);
      expect(await r.text()).toContain('Not processed again: message m1 was processed at 2026-12-06T09:30:00.000Z');
      expect(replayed).toEqual([]);
    });

    test('the API: an operator queues it (202, audited), an auditor is refused (403), a processed one is a 409', async () => {
      const { s, replayed, audited } = await setup();
      const post = (token: string) =>
        s.call('/api/messages/m1/replay', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      const r = await post(users[0].token);
      expect(r.status).toBe(202);
      expect(await r.json()).toEqual({ messageId: 'm1', replay: 1, status: 'received' });
      expect(audited).toEqual(['replay olga m1 1']);
      expect((await post(users[1].token)).status).toBe(403);
      expect(replayed).toEqual(['m1']);

      const done = await setup('done');
      const refused = await done.s.call('/api/messages/m1/replay', {
        method: 'POST',
        headers: { authorization: `Bearer ${users[0].token}` },
      });
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ALREADY_PROCESSED');
    });
  });
});

describe('web console: dead letters', () => {
  const dead = {
    id: 'd1',
    messageId: 'out1',
    partnerId: 'acme',
    endpoint: 'erp-orders',
    attempts: 8,
    lastError: 'HTTP 400 "no such customer"',
    deadAt: new Date('2026-12-06T10:00:00Z'),
    fileName: 'po.x12',
    size: 10,
    transactionId: 't1',
    type: '850',
    reference: 'PO-1',
    sourceMessageId: 'm1',
  };
  const setup = async () => {
    const replayed: string[] = [];
    const audited: string[] = [];
    const filters: unknown[] = [];
    const s = await start({
      token: undefined,
      users,
      audit: async (e) => void audited.push(`${e.action} ${e.actor.name} ${String(e.detail?.deliveryId)}`),
      deadLetters: {
        deadLetters: async (filter) => {
          filters.push(filter);
          return { deadLetters: [dead], next: null };
        },
        replay: async (id) => {
          replayed.push(id);
          return { id, messageId: 'out1', partnerId: 'acme', status: 'pending' };
        },
      },
    });
    return { s, replayed, audited, filters };
  };
  const bulk = (s: Started, cookie: string, fields: Record<string, string>) =>
    s.call('/dead-letters/replay', {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: s.base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  const replay = (s: Started, cookie: string, csrf?: string) =>
    s.call('/dead-letters/d1/replay', {
      method: 'POST',
      headers: { cookie, origin: s.base, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    });

  test('an operator sees each dead letter with a Replay button; pressing it queues it again under her name', async () => {
    const { s, replayed, audited } = await setup();
    const { cookie, csrf } = await signedInAs(s, users[0].token);
    const page = await (await s.call('/dead-letters', { headers: { cookie } })).text();
    expect(page).toMatch(/<td>erp-orders<\/td>/);
    expect(page).toMatch(/<a href="\/messages\/m1"\s*>po\.x12</);
    expect(page).toMatch(/<button\s+type="button"\s+hx-post="\/dead-letters\/d1\/replay"[^>]*>\s*Replay/);
    expect(page).not.toMatch(/disabled/);
    const r = await replay(s, cookie, csrf);
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/<td id="replay-d1" role="status">Queued again<\/td>/);
    expect(replayed).toEqual(['d1']);
    expect(audited).toEqual(['replay olga d1']);
  });

  test('dead work other than deliveries is listed too, its processing started again from the message page', async () => {
    const asked: unknown[] = [];
    const s = await start({
      token: undefined,
      users,
      deadLetters: {
        deadLetters: async () => ({ deadLetters: [], next: null }),
        replay: async () => {
          throw new Error('not here');
        },
        deadWork: async (filter) => {
          asked.push(filter);
          const deadAt = new Date('2026-12-06T11:00:00Z');
          const base = { attempts: 10, partnerId: 'acme', fileName: 'po.x12', deadAt };
          return [
            {
              ...base,
              id: 7,
              kind: 'process',
              key: 'm7:process',
              messageId: 'm7',
              lastError: 'no such map [EDIGW_JOB_FAILED]',
            },
            { ...base, id: 8, kind: 'as2-mdn', key: 'm8:as2-mdn', messageId: 'm8', lastError: 'HTTP 502' },
          ];
        },
      },
    });
    const { cookie } = await signedInAs(s, users[0].token);
    const page = await (await s.call('/dead-letters?partner=acme', { headers: { cookie } })).text();
    expect(page).toMatch(/No dead letters\./);
    expect(page).toMatch(/<h2>Other work given up<\/h2>/);
    expect(page).toMatch(/2 jobs other than deliveries, the latest first/);
    expect(page).toMatch(
      /<td>processing the message<\/td>\s*<td>10<\/td>\s*<td>no such map \[EDIGW_JOB_FAILED\]<\/td>/,
    );
    expect(page).toMatch(/<a href="\/messages\/m7"\s*>Process again from its page<\/a/);
    expect(page).toMatch(/<td>sending an AS2 MDN<\/td>/);
    expect(asked).toEqual([{ partner: 'acme' }]);
    // Only deliveries have endpoints: a page narrowed to one lists no other work.
    const narrowed = await (await s.call('/dead-letters?endpoint=erp', { headers: { cookie } })).text();
    expect(narrowed).not.toMatch(/Other work given up/);
    expect(asked).toHaveLength(1);
  });

  test('an auditor sees the button disabled, with why, and a replay she sends anyway is refused with 403', async () => {
    const { s, replayed } = await setup();
    const { cookie, csrf } = await signedInAs(s, users[1].token);
    const page = await (await s.call('/dead-letters', { headers: { cookie } })).text();
    expect(page).toMatch(/<p id="auditor-note">\s*You are signed in as an auditor/);
    expect(page).toMatch(/disabled aria-describedby="auditor-note"/);
    const r = await replay(s, cookie, csrf);
    expect(r.status).toBe(403);
    expect(replayed).toEqual([]);
  });

  test('a replay without the CSRF token is refused, whoever is signed in', async () => {
    const { s, replayed } = await setup();
    const { cookie } = await signedInAs(s, users[0].token);
    const r = await replay(s, cookie);
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_CSRF_REFUSED');
    expect(replayed).toEqual([]);
  });

  test('an operator replays every dead letter of a partner with one button, each recorded under her name', async () => {
    const { s, replayed, audited, filters } = await setup();
    const { cookie, csrf } = await signedInAs(s, users[0].token);
    const page = await (await s.call('/dead-letters?partner=acme', { headers: { cookie } })).text();
    expect(filters.at(-1)).toEqual({ partner: 'acme' });
    expect(page).toMatch(/<input type="hidden" name="partner" value="acme" \/>/);
    expect(page).toMatch(/Replay all dead letters that match/);
    const r = await bulk(s, cookie, { _csrf: csrf, partner: 'acme' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/dead-letters?partner=acme&replayed=1&failed=0');
    expect(filters.at(-1)).toEqual({ partner: 'acme' });
    expect(replayed).toEqual(['d1']);
    expect(audited).toEqual(['bulk-replay olga d1']);
    const after = await (await s.call(r.headers.get('location')!, { headers: { cookie } })).text();
    expect(after).toMatch(/<p role="status">\s*Replayed 1 dead letter\./);
  });

  test('the bulk replay is refused to an auditor (its button disabled) and without the CSRF token', async () => {
    const { s, replayed } = await setup();
    const auditor = await signedInAs(s, users[1].token);
    const page = await (await s.call('/dead-letters', { headers: { cookie: auditor.cookie } })).text();
    expect(page).toMatch(
      /<button\s+type="submit"\s+disabled\s+aria-describedby="auditor-note"\s*>\s*Replay all dead letters/,
    );
    expect((await bulk(s, auditor.cookie, { _csrf: auditor.csrf })).status).toBe(403);
    const operator = await signedInAs(s, users[0].token);
    expect((await bulk(s, operator.cookie, {})).status).toBe(403);
    expect(replayed).toEqual([]);
  });
});

describe('web console: the audit trail (a real SQLite store)', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    store = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads') });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const health = (id: string): PartnerHealth => ({
    id,
    name: null,
    health: 'ok',
    reasons: [],
    paused: null,
    lastAction: null,
    lastIn: null,
    lastOut: null,
    today: { in: 0, out: 0, refused: 0, failed: 0 },
    deliveries: { waiting: 0, dead: 0 },
    certificates: [],
    certificateDaysLeft: null,
    pollers: [],
  });
  const setup = () =>
    start({
      token: undefined,
      users,
      audit: async (e) => {
        await store.event({ ...auditEvent(e), messageId: e.messageId ?? null, partnerId: e.partnerId ?? null });
      },
      auditTrail: { searchAudit: (filter, page) => store.auditTrail.search(filter, page) },
      partners: {
        list: async () => [health('acme')],
        check: async () => undefined,
        setPaused: async (id, paused, by, reason) => ({
          changed: true,
          state: { partnerId: id, paused, changedBy: by, reason, changedAt: new Date() },
        }),
      },
    });

  test("an auditor sees olga's pause of acme on /audit, filters it, and the partners page links there", async () => {
    const s = await setup();
    const paused = await s.call('/api/partners/acme/pause', {
      method: 'POST',
      headers: { authorization: `Bearer ${users[0].token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: '<b>ERP</b> maintenance' }),
    });
    expect(paused.status).toBe(200);
    const { cookie, page: landing } = await signedInAs(s, users[1].token);
    expect(landing).toMatch(/<a href="\/audit">Audit trail<\/a>/);

    const page = await (await s.call('/audit', { headers: { cookie } })).text();
    expect(page).toMatch(/<h1>Audit trail<\/h1>/);
    expect(page).toMatch(/<label for="a-user">User<\/label>/);
    const rows = /<table id="audit">[\s\S]*<\/table>/.exec(page)![0];
    expect(rows).toMatch(/<td>pause<\/td>\s*<td>olga \(operator\)<\/td>\s*<td>acme<\/td>/);
    // The reason is the operator's text: escaped, never markup.
    expect(rows).toContain('reason: &lt;b&gt;ERP&lt;/b&gt; maintenance');
    expect(rows).not.toContain('<b>ERP</b>');

    const none = await (await s.call('/audit?user=aude', { headers: { cookie } })).text();
    expect(none).toContain('No operator actions match.');
    const byPartner = await (await s.call('/audit?partner=acme&action=pause', { headers: { cookie } })).text();
    expect(byPartner).toMatch(/<td>olga \(operator\)<\/td>/);
    expect(byPartner).toMatch(/<input type="text" id="a-partner" name="partner" value="acme" \/>/);

    const bad = await s.call('/audit?from=yesterday', { headers: { cookie } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/role="alert">From \(YYYY-MM-DD\): /);

    const partners = await (await s.call('/partners', { headers: { cookie } })).text();
    expect(partners).toMatch(/<a href="\/audit\?partner=acme">Operator actions on acme<\/a>/);
  });

  test('pages through older actions with a link that keeps the filter', async () => {
    const s = await setup();
    for (let i = 0; i < 3; i++)
      expect(
        (
          await s.call('/api/partners/acme/resume', {
            method: 'POST',
            headers: { authorization: `Bearer ${users[0].token}` },
          })
        ).status,
      ).toBe(200);
    const { cookie } = await signedInAs(s, users[1].token);
    const all = (await store.auditTrail.search({ partner: 'acme' }, { limit: 500 })).entries.length;
    let href: string | undefined = '/audit?partner=acme&limit=2';
    let seen = 0;
    let pages = 0;
    while (href) {
      pages++;
      const page = await (await s.call(href.replace(/&amp;/g, '&'), { headers: { cookie } })).text();
      seen += (/<table id="audit">[\s\S]*<\/table>/.exec(page)![0].match(/<td>(pause|resume)<\/td>/g) ?? []).length;
      href = /<a href="(\/audit\?[^"]*cursor=[^"]*)">Older actions<\/a>/.exec(page)?.[1];
      if (href) expect(href).toContain('partner=acme');
    }
    expect(seen).toBe(all);
    expect(all).toBeGreaterThanOrEqual(3);
    expect(pages).toBe(Math.ceil(all / 2));
  });
});
