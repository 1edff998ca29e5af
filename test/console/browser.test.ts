/**
 * The console in a real browser: Debian's chromium, driven by playwright-core, signs in with the
 * keyboard, sees htmx refresh the counts without a reload, and signs out. Each page is saved as a
 * screenshot under test-output/console/ (git-ignored) for a human to look at.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createAdminApp, listenAdmin, type AdminDeps, type AdminListener } from '../../src/admin/server';
import { CHROMIUM, describeWithBrowser } from '../helpers/requirements';

const TOKEN = 'browser-test-token-0123456789';
const AUDITOR = 'browser-auditor-token-0123456789';
const SHOTS = resolve(__dirname, '../../test-output/console');

/** The flags the brief of issue 15 fixes: no GPU, no network of the browser's own, nothing kept. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A property of the focused element. The page's code is given as text: this project compiles without
 * the DOM's types, which would otherwise apply to every file of it.
 */
const focused = (page: Page, property: 'id' | 'textContent') =>
  page.evaluate(`document.activeElement && document.activeElement.${property}`);

describeWithBrowser('web console in Chromium', () => {
  let listener: AdminListener;
  let base: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  /** Grows by one each time the console reads the health, so every refresh shows a new queue depth. */
  let reads = 0;
  const replayed: string[] = [];
  const problems: string[] = [];
  /** What the partner buttons did, as the admin API's sources saw it. */
  const acted: string[] = [];
  let paused: { by: string; at: string; reason: null } | null = null;
  let lastAction: { action: string; user: string; role: string; at: string } | null = null;
  const didAct = (action: string) => {
    lastAction = { action, user: 'admin', role: 'operator', at: AT.toISOString() };
  };

  beforeAll(async () => {
    const deps: AdminDeps = {
      token: TOKEN,
      users: [{ name: 'arno', role: 'auditor', token: AUDITOR }],
      maxBytes: 1024,
      partnerExists: () => true,
      submit: async () => ({ messageId: 'm1' }),
      send: async () => ({ messageId: 's1' }),
      health: async () => ({ ok: true, detail: { database: 'up', queue: { queued: ++reads, dead: 2 } } }),
      certificates: async () => [],
      partners: {
        list: async () => [{ ...PARTNER, paused, lastAction, health: paused ? 'attention' : 'ok' }, LONG_URL_PARTNER],
        check: async (id) => {
          acted.push(`check ${id}`);
          didAct('check');
          return CHECK;
        },
        setPaused: async (id, p, by) => {
          acted.push(`${p ? 'pause' : 'resume'} ${id} by ${by}`);
          didAct(p ? 'pause' : 'resume');
          const changed = (paused !== null) !== p;
          paused = p ? { by, at: AT.toISOString(), reason: null } : null;
          return { changed, state: { partnerId: id, paused: p, changedBy: by, reason: null, changedAt: AT } };
        },
      },
      console: {
        certificateInventory: () => INVENTORY,
        refreshSeconds: 1,
        overdueAcks: async () => 1,
        recentMessages: async () => [
          {
            at: '2026-12-06T10:00:00.000Z',
            partner: 'acme',
            direction: 'in',
            type: '850',
            reference: 'PO-1001',
            ackStatus: 'R',
            deliveryStatus: 'none',
            reason: 'rejected by the acknowledgement',
            messageId: '7d0c1a9e-0000-4000-8000-000000000001',
          },
        ],
      },
      deadLetters: {
        // Once d1 is replayed, another dead letter is left for the auditor to see (and not replay).
        deadLetters: async () => ({ deadLetters: [replayed.length ? { ...DEAD, id: 'd2' } : DEAD], next: null }),
        replay: async (id) => {
          replayed.push(id);
          return { id, messageId: 'out1', partnerId: 'acme', status: 'pending' };
        },
      },
      messages: {
        searchMessages: async (filter) => ({
          messages: filter.reference === 'PO-1001' ? [MESSAGE] : [],
          next: null,
        }),
        lineage: async (id) => (id === MESSAGE.id ? (LINEAGE as never) : undefined),
        payload: async () => ({ size: X12.length, fileName: 'po.x12', chunks: [Buffer.from(X12)] as never }),
      },
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    };
    listener = await listenAdmin(createAdminApp(deps), 0, '127.0.0.1');
    base = `http://127.0.0.1:${listener.port}`;
    mkdirSync(SHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'edigw-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    // A refused script or style (Content-Security-Policy) or a failed request shows up here.
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => {
      // 401 and 303 are the sign-in flow's own answers.
      if (r.status() >= 400 && r.status() !== 401) problems.push(`${r.status()} ${r.url()}`);
    });
  });

  afterAll(async () => {
    await context?.close();
    await listener?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test('signs in with the keyboard, sees the counts refresh, and signs out', async () => {
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.screenshot({ path: join(SHOTS, '1-signin.png'), fullPage: true });

    // The token field has the focus from the start: type, Enter, signed in.
    expect(await focused(page, 'id')).toBe('token');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/`);
    expect(page.url()).not.toContain(TOKEN);

    // On a signed-in page the first Tab reaches the skip link, which moves the focus to the content.
    await page.keyboard.press('Tab');
    expect(await focused(page, 'textContent')).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await focused(page, 'id')).toBe('main');

    const depth = page.locator('[data-count="queueDepth"]');
    const first = await depth.textContent();
    // htmx asks for the counts again every second and swaps them in: the page itself is not reloaded.
    await page.evaluate('window.notReloaded = true');
    await page
      .locator('[data-count="queueDepth"]', { hasNotText: new RegExp(`^${first}$`) })
      .waitFor({ timeout: 20_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(await page.getByRole('table').getByRole('cell', { name: 'PO-1001' }).count()).toBe(1);
    // Each recent message's id leads to its page.
    expect(await page.getByRole('link', { name: '7d0c1a9e-0000-4000-8000-000000000001' }).getAttribute('href')).toBe(
      '/messages/7d0c1a9e-0000-4000-8000-000000000001',
    );
    await page.screenshot({ path: join(SHOTS, '2-overview.png'), fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/signin`);
    await page.screenshot({ path: join(SHOTS, '3-signed-out.png'), fullPage: true });
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(problems).toEqual([]);
  });

  test('searches by PO number, opens the message page, and replays a dead letter with its button', async () => {
    await page.goto(`${base}/signin`);
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/`);

    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByLabel(/^Reference/).fill('PO-1001');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'po.x12' }).waitFor();
    await page.screenshot({ path: join(SHOTS, '4-search.png'), fullPage: true });
    await page.getByRole('link', { name: 'po.x12' }).click();
    await page.getByRole('heading', { name: 'Message po.x12' }).waitFor();
    expect(await page.locator('ol.segments li').count()).toBe(7);
    // The acknowledgement we sent is part of the lineage, with its status in words and its own message.
    const ack = page.getByRole('table', { name: /Acknowledgements/ }).getByRole('row', { name: /997/ });
    expect(await ack.getByRole('cell', { name: 'A (accepted)' }).count()).toBe(1);
    expect(await ack.getByRole('cell', { name: 'sent by us' }).count()).toBe(1);
    expect(await ack.getByRole('link', { name: 'ack-message-1' }).getAttribute('href')).toBe('/messages/ack-message-1');
    await page.screenshot({ path: join(SHOTS, '5-message.png'), fullPage: true });

    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Queued again' }).waitFor({ timeout: 20_000 });
    expect(replayed).toEqual(['d1']);
    await page.screenshot({ path: join(SHOTS, '6-dead-letters.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  /** Signs in afresh as the token's user (signing out whoever the previous test left signed in). */
  async function signInAs(token: string): Promise<void> {
    await page.goto(`${base}/signin`);
    if (new URL(page.url()).pathname !== '/signin') {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${base}/signin`);
    }
    await page.getByLabel('Admin token').fill(token);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/`);
  }

  test('checks a partner, pauses and resumes its deliveries, and lists the certificates', async () => {
    await signInAs(TOKEN);

    await page.getByRole('link', { name: 'Partners' }).click();
    await page.getByRole('heading', { name: 'Partners' }).waitFor();
    const row = page.getByRole('row', { name: /ACME Retail/ });
    expect(await row.getByRole('cell', { name: /ftp-poll .* connected/ }).count()).toBe(1);
    expect(await row.getByText('Last operator action: none').count()).toBe(1);
    expect(await row.getByRole('cell', { name: '45 days left' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Check acme' }).click();
    await page.locator('#check-result').getByText('Failed').waitFor({ timeout: 20_000 });
    expect(await page.locator('#check-result').getByText('ECONNREFUSED').count()).toBe(1);
    // The check's answer brings the partner's row along, so its last action says so without a reload.
    await row.getByText('Last operator action: check by admin (operator)').waitFor({ timeout: 20_000 });

    await page.getByRole('button', { name: 'Pause deliveries to acme' }).click();
    await page.getByRole('button', { name: 'Resume deliveries to acme' }).waitFor({ timeout: 20_000 });
    expect(
      await page
        .getByRole('row', { name: /ACME Retail/ })
        .getByText('Paused by admin')
        .count(),
    ).toBe(1);
    expect(await row.getByText('Last operator action: pause by admin (operator)').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, '7-partners.png'), fullPage: true });
    await page.getByRole('button', { name: 'Resume deliveries to acme' }).click();
    await page.getByRole('button', { name: 'Pause deliveries to acme' }).waitFor({ timeout: 20_000 });
    expect(acted).toEqual(['check acme', 'pause acme by admin', 'resume acme by admin']);

    await page.getByRole('link', { name: 'Certificates' }).click();
    await page.getByRole('heading', { name: 'Certificates and keys' }).waitFor();
    expect(await page.getByRole('row', { name: /CN=ACME-AS2.*CN=ACME CA.*45/ }).count()).toBe(1);
    expect(await page.getByRole('row', { name: /sftp\.hostKey.*readable/ }).count()).toBe(1);
    expect(await page.getByRole('row', { name: /publicKeys\.0.*Cannot be used.*not an SSH public key/ }).count()).toBe(
      1,
    );
    await page.screenshot({ path: join(SHOTS, '8-certificates.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/signin`);
    expect(problems).toEqual([]);
  });

  test('a partner whose poller URL is long keeps the partners table within the window, its full URL in a title', async () => {
    await signInAs(TOKEN);
    await page.getByRole('link', { name: 'Partners' }).click();
    await page.getByRole('heading', { name: 'Partners' }).waitFor();
    const url = LONG_URL_PARTNER.pollers[0].url;
    const shown = page.getByRole('row', { name: /Globex/ }).locator('code', { hasText: /^sftp:\/\/gateway/ });
    expect(await shown.getAttribute('title')).toBe(url);
    const text = (await shown.textContent()) ?? '';
    expect(text.length).toBeLessThan(url.length);
    expect(text).toMatch(/^sftp:\/\/gateway-inbound@sftp\.[^…]+…[^…]+\/pending-for-gateway$/);
    // Nothing scrolls sideways: the page is no wider than the window, and neither is the table.
    const widths = (await page.evaluate(
      `[document.documentElement.scrollWidth, window.innerWidth, document.querySelector('table').getBoundingClientRect().right]`,
    )) as [number, number, number];
    expect(widths[0]).toBeLessThanOrEqual(widths[1]);
    expect(widths[2]).toBeLessThanOrEqual(widths[1]);
    await page.screenshot({ path: join(SHOTS, '7b-partners-long-url.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  test('an auditor sees the operator buttons disabled, with why, and a direct POST is refused with 403', async () => {
    await signInAs(AUDITOR);
    expect(await page.getByText('Signed in as').textContent()).toContain('auditor');

    await page.getByRole('link', { name: 'Dead letters' }).click();
    const replay = page.getByRole('button', { name: 'Replay', exact: true });
    expect(await replay.isDisabled()).toBe(true);
    expect(await page.locator('#auditor-note').textContent()).toContain('auditor');

    await page.getByRole('link', { name: 'Partners' }).click();
    for (const name of ['Check acme', 'Pause deliveries to acme']) {
      const button = page.getByRole('button', { name });
      expect(await button.isDisabled()).toBe(true);
      expect(await button.getAttribute('aria-describedby')).toBe('auditor-note');
    }
    // What an operator last did is there for the auditor to read, inline.
    expect(
      await page
        .getByRole('row', { name: /ACME Retail/ })
        .getByText('Last operator action: resume by admin (operator)')
        .count(),
    ).toBe(1);
    await page.screenshot({ path: join(SHOTS, '9-partners-auditor.png'), fullPage: true });

    // The session's own CSRF token and Origin, so that only the role is left to refuse it.
    const csrf = JSON.parse((await page.locator('body').getAttribute('hx-headers')) ?? '{}') as Record<string, string>;
    for (const path of [
      '/api/partners/acme/pause',
      '/api/partners/acme/check',
      '/partners/acme/pause',
      '/api/deliveries/d2/replay',
    ]) {
      const r = await page.request.post(`${base}${path}`, { headers: { Origin: base, ...csrf } });
      expect([path, r.status()]).toEqual([path, 403]);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_FORBIDDEN');
    }
    expect(acted).toEqual(['check acme', 'pause acme by admin', 'resume acme by admin']);
    expect(replayed).not.toContain('d2');
    expect(problems).toEqual([]);
  });
});

const PARTNER = {
  id: 'acme',
  name: 'ACME Retail',
  health: 'ok' as const,
  reasons: [],
  paused: null,
  lastAction: null,
  lastIn: '2026-12-06T10:00:00.000Z',
  lastOut: null,
  today: { in: 3, out: 2, refused: 0, failed: 0 },
  deliveries: { waiting: 0, dead: 1 },
  certificates: [
    { file: 'certs/acme/as2.pem', subject: 'CN=ACME-AS2', notAfter: '2027-01-20T00:00:00.000Z', daysLeft: 45 },
  ],
  certificateDaysLeft: 45,
  pollers: [
    {
      kind: 'ftp-poll',
      url: 'ftp://gw@ftp.acme.example:21/out',
      state: 'ok' as const,
      lastRoundAt: '2026-12-06T10:00:00.000Z',
      lastOkAt: '2026-12-06T10:00:00.000Z',
      failures: 0,
      lastError: null,
    },
  ],
};
/** A partner whose server has a long name and a deep folder: its URL alone is wider than the window. */
const LONG_URL_PARTNER = {
  ...PARTNER,
  id: 'globex',
  name: 'Globex Corporation',
  pollers: [
    {
      ...PARTNER.pollers[0],
      kind: 'sftp-poll',
      url:
        'sftp://gateway-inbound@sftp.globex-corporation-procurement-and-logistics.eu-west.globex.example:2222' +
        '/outgoing/edi/x12/purchase-orders/distribution-centres/north-region/pending-for-gateway',
    },
  ],
};
const CHECK = {
  partner: 'acme',
  checkedAt: '2026-12-06T10:00:00.000Z',
  ok: false,
  endpoints: [
    {
      at: 'endpoints.acme-sftp',
      kind: 'sftp',
      target: 'sftp://gw@127.0.0.1:22/in',
      ok: true,
      result: 'logged in and listed /in: 2 files',
      ms: 40,
      files: 2,
    },
    {
      at: 'endpoints.acme-as2',
      kind: 'as2',
      target: 'https://as2.acme.example/as2',
      ok: false,
      result: 'not reachable: https://as2.acme.example/as2: ECONNREFUSED connect ECONNREFUSED',
      ms: 3,
    },
  ],
};
const INVENTORY = [
  {
    owner: 'acme',
    usedAt: 'certificates.as2',
    what: 'their AS2 certificate',
    file: 'certs/acme/as2.pem',
    kind: 'certificate' as const,
    holds: 'certificate' as const,
    subject: 'CN=ACME-AS2',
    issuer: 'CN=ACME CA',
    notAfter: '2027-01-20T00:00:00.000Z',
    daysLeft: 45,
  },
  {
    owner: 'us',
    usedAt: 'sftp.hostKey',
    what: 'our SFTP host key',
    file: 'certs/our/ssh_host_ed25519_key',
    kind: 'key' as const,
    holds: 'key' as const,
  },
  {
    owner: 'acme',
    usedAt: 'inbound.sftp.publicKeys.0',
    what: 'their public key',
    file: 'certs/acme/id.pub',
    kind: 'unreadable' as const,
    holds: 'key' as const,
    problem: '1 entry is not an SSH public key (OpenSSH or PEM)',
  },
];

const X12 =
  'ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     *261206*0930*U*00401*000001001*0*P*>~' +
  'GS*PO*ACME*OURCOMPANY*20261206*0930*1001*X*004010~ST*850*0001~BEG*00*SA*PO-1001**20261206~SE*3*0001~GE*1*1001~IEA*1*000001001~';
const AT = new Date('2026-12-06T10:00:00Z');
const MESSAGE = {
  id: '7d0c1a9e-0000-4000-8000-000000000001',
  direction: 'in',
  transport: 'as2',
  partnerId: 'acme',
  fileName: 'po.x12',
  as2MessageId: null,
  size: X12.length,
  status: 'processed',
  error: null,
  receivedAt: AT,
  transactions: [],
  deliveries: [],
};
const LINEAGE = {
  message: MESSAGE,
  interchanges: [],
  acks: {
    received: [],
    sent: [
      {
        id: 'ack1',
        direction: 'out',
        kind: '997',
        messageId: 'ack-message-1',
        acknowledgesInterchangeId: 'ic1',
        partnerId: 'acme',
        interchangeControlNumber: '000000101',
        groupControlNumber: '101',
        transactionControlNumber: null,
        status: 'A',
        report: null,
        createdAt: AT,
      },
    ],
  },
  deliveries: [],
  sources: [],
  events: [{ id: '1', stage: 'received', status: 'ok', code: null, detail: null, createdAt: AT }],
};
const DEAD = {
  id: 'd1',
  messageId: 'out1',
  partnerId: 'acme',
  endpoint: 'erp-orders',
  attempts: 8,
  lastError: 'HTTP 400',
  deadAt: AT,
  fileName: 'acme-850.json',
  size: 10,
  transactionId: 't1',
  type: '850',
  reference: 'PO-1001',
  sourceMessageId: MESSAGE.id,
};
