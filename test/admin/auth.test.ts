import { createAdminApp, listenAdmin, type AdminDeps, type AdminListener } from '../../src/admin/server';
import {
  createAuthenticator,
  adminUsers,
  CACHE_MS,
  FAILED_BLOCK_MS,
  FAILED_MAX,
  limitFailures,
  RateLimited,
} from '../../src/admin/auth';
import type { AuditEntry } from '../../src/admin/audit';
import { auditEvent, actorOfEvent } from '../../src/admin/audit';
import { gatewaySchema } from '../../src/config/gateway';
import { messageSearchQuery } from '../../src/admin/routes/messages';
import { hashPassword, verifyPassword } from '../../src/password-hash';

const OPERATOR_TOKEN = 'operator-token-0123456789';
const AUDITOR_TOKEN = 'auditor-token-0123456789';
const HASHED_TOKEN = 'hashed-token-0123456789';

let hash: string;
beforeAll(async () => {
  hash = await hashPassword(HASHED_TOKEN);
});

describe('admin users: authentication', () => {
  test('a clear token finds its user; a hashed user signs in with name:token, and only so', async () => {
    const auth = createAuthenticator([
      { name: 'olga', role: 'operator', token: OPERATOR_TOKEN },
      { name: 'arno', role: 'auditor', tokenHash: hash },
    ]);
    expect(await auth.authenticate(OPERATOR_TOKEN)).toEqual({ name: 'olga', role: 'operator' });
    expect(await auth.authenticate(`arno:${HASHED_TOKEN}`)).toEqual({ name: 'arno', role: 'auditor' });
    expect(await auth.authenticate(HASHED_TOKEN)).toBeUndefined();
    expect(await auth.authenticate(`olga:${HASHED_TOKEN}`)).toBeUndefined();
    expect(await auth.authenticate(`arno:${HASHED_TOKEN}x`)).toBeUndefined();
    expect(await auth.authenticate(`${OPERATOR_TOKEN}x`)).toBeUndefined();
    expect(await auth.authenticate('')).toBeUndefined();
  });

  test('a verified hashed token is trusted for a while without scrypt, then checked again', async () => {
    let now = 1_000_000;
    let scrypts = 0;
    const auth = createAuthenticator(
      [{ name: 'arno', role: 'auditor', tokenHash: hash }],
      () => now,
      (token, stored) => {
        scrypts++;
        return verifyPassword(token, stored);
      },
    );
    expect(await auth.authenticate(`arno:${HASHED_TOKEN}`)).toBeDefined();
    for (let i = 0; i < 100; i++) await auth.authenticate(`arno:${HASHED_TOKEN}`);
    expect(scrypts).toBe(1);
    // A wrong token is never cached: each costs its one scrypt, and only one.
    expect(await auth.authenticate(`arno:wrong`)).toBeUndefined();
    expect(await auth.authenticate(`nobody:wrong`)).toBeUndefined();
    expect(scrypts).toBe(3);
    now += CACHE_MS + 1;
    expect(await auth.authenticate(`arno:${HASHED_TOKEN}`)).toEqual({ name: 'arno', role: 'auditor' });
    expect(scrypts).toBe(4);
  });

  test('admin.token is an operator named admin; no token and no users leaves the API off', () => {
    expect(adminUsers('t'.repeat(16))).toEqual([{ name: 'admin', role: 'operator', token: 't'.repeat(16) }]);
    expect(createAuthenticator(adminUsers(undefined, [])).enabled).toBe(false);
    expect(createAuthenticator(adminUsers('', [])).enabled).toBe(false);
  });
});

describe('admin users: gateway.yaml', () => {
  const parse = (users: unknown) => gatewaySchema.safeParse({ admin: { users } });

  test('takes users with a token or a tokenHash', () => {
    const r = parse([
      { name: 'olga', role: 'operator', tokenHash: hash },
      { name: 'arno', role: 'auditor', token: AUDITOR_TOKEN },
    ]);
    expect(r.success).toBe(true);
  });

  test.each([
    ['both token and tokenHash', [{ name: 'a', role: 'operator', token: AUDITOR_TOKEN, tokenHash: 'HASH' }]],
    ['neither', [{ name: 'a', role: 'operator' }]],
    ['a role that does not exist', [{ name: 'a', role: 'admin', token: AUDITOR_TOKEN }]],
    ['a hash that is not scrypt', [{ name: 'a', role: 'auditor', tokenHash: '$2b$10$abc' }]],
    ['a short token', [{ name: 'a', role: 'auditor', token: 'short' }]],
    ['a colon in the name', [{ name: 'a:b', role: 'auditor', token: AUDITOR_TOKEN }]],
    [
      'two users of one name',
      [
        { name: 'a', role: 'auditor', token: AUDITOR_TOKEN },
        { name: 'a', role: 'operator', token: OPERATOR_TOKEN },
      ],
    ],
  ])('refuses %s', (_what, users) => {
    // The table is read before beforeAll has made the hash.
    const withHash = users.map((u) => ('tokenHash' in u && u.tokenHash === 'HASH' ? { ...u, tokenHash: hash } : u));
    expect(parse(withHash).success).toBe(false);
  });
});

describe('admin users: roles over HTTP', () => {
  let listener: AdminListener;
  let base: string;
  const audited: AuditEntry[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    const deps: AdminDeps = {
      token: OPERATOR_TOKEN,
      users: [
        { name: 'arno', role: 'auditor', token: AUDITOR_TOKEN },
        { name: 'olga', role: 'operator', tokenHash: hash },
      ],
      audit: async (e) => {
        audited.push(e);
      },
      maxBytes: 1024,
      partnerExists: (id) => id === 'acme',
      submit: async () => ({ messageId: 'm1' }),
      send: async () => ({ messageId: 's1' }),
      health: async () => ({ ok: true, detail: {} }),
      report: async () => [],
      logger: { info: () => {}, warn: (_o, m) => logged.push(m), error: (_o, m) => logged.push(m) },
    };
    listener = await listenAdmin(createAdminApp(deps), 0, '127.0.0.1');
    base = `http://127.0.0.1:${listener.port}`;
  });
  afterAll(() => listener.close());

  const call = (path: string, token: string, init: RequestInit = {}) =>
    fetch(base + path, { ...init, headers: { authorization: `Bearer ${token}` } });

  test('an auditor reads, and its write is 403 EDIGW_ADMIN_FORBIDDEN with nothing done', async () => {
    expect((await call('/api/report', AUDITOR_TOKEN)).status).toBe(200);
    const r = await call('/api/partners/acme/submit', AUDITOR_TOKEN, { method: 'POST', body: 'ISA' });
    expect(r.status).toBe(403);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('EDIGW_ADMIN_FORBIDDEN');
    expect(body.error.message).toContain('arno (auditor)');
    expect(audited).toHaveLength(0);
  });

  test("an operator's action is audited with its name, role and request id", async () => {
    const r = await call('/api/partners/acme/submit?fileName=a.edi', `olga:${HASHED_TOKEN}`, {
      method: 'POST',
      body: 'ISA',
    });
    expect(r.status).toBe(202);
    expect(audited).toEqual([
      {
        action: 'submit',
        actor: { name: 'olga', role: 'operator', requestId: r.headers.get('x-request-id') },
        messageId: 'm1',
        partnerId: 'acme',
        detail: { fileName: 'a.edi', bytes: 3, duplicate: false },
      },
    ]);
    const ev = auditEvent(audited[0]);
    expect(ev.stage).toBe('admin.submit');
    expect(actorOfEvent(ev.stage, ev.detail)).toMatchObject({ user: 'olga', role: 'operator' });
  });

  test('admin.token acts as the operator admin', async () => {
    const r = await call('/api/partners/acme/send?endpoint=x', OPERATOR_TOKEN, { method: 'POST', body: '{}' });
    expect(r.status).toBe(202);
    expect(audited.at(-1)?.actor.name).toBe('admin');
  });

  test('the OpenAPI document lists the routes with the parameters their zod schemas accept', async () => {
    const r = await call('/api/openapi.json', AUDITOR_TOKEN);
    expect(r.status).toBe(200);
    const doc = (await r.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: Array<{ name: string }>; requestBody?: unknown }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/messages'].get.parameters?.map((p) => p.name)).toEqual(
      Object.keys(messageSearchQuery.shape),
    );
    expect(JSON.stringify(doc.paths['/api/dead-letters/replay'].post.requestBody)).toContain('"all"');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/partners',
        '/api/partners/{id}/check',
        '/api/partners/{id}/pause',
        '/api/partners/{id}/resume',
      ]),
    );
    expect(JSON.stringify(doc.paths['/api/partners/{id}/pause'].post.requestBody)).toContain('"reason"');
    expect((await fetch(`${base}/api/openapi.json`)).status).toBe(401);
  });

  test("a hashed user's token without its name, or with a wrong one, is 401", async () => {
    expect((await call('/api/report', HASHED_TOKEN)).status).toBe(401);
    expect((await call('/api/report', `arno:${HASHED_TOKEN}`)).status).toBe(401);
  });
});

describe('admin users: failed sign-ins from one address', () => {
  test('past the limit an address is refused even its right token, then let in again once the block is over', async () => {
    let now = 5_000_000;
    const warned: string[] = [];
    const auth = limitFailures(
      createAuthenticator([{ name: 'olga', role: 'operator', token: OPERATOR_TOKEN }]),
      { warn: (_o, m) => warned.push(m) },
      () => now,
    );
    for (let i = 0; i < FAILED_MAX; i++) expect(await auth.authenticate('wrong', '10.0.0.7')).toBeUndefined();
    expect(warned).toHaveLength(1);
    const refused = await auth.authenticate(OPERATOR_TOKEN, '10.0.0.7').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimited);
    expect(refused).toMatchObject({ code: 'EDIGW_ADMIN_RATE_LIMITED', retryAfterS: FAILED_BLOCK_MS / 1000 });
    // Another address, and a caller that names none (the CLI in process), are not held back.
    expect(await auth.authenticate(OPERATOR_TOKEN, '10.0.0.8')).toEqual({ name: 'olga', role: 'operator' });
    expect(await auth.authenticate(OPERATOR_TOKEN)).toEqual({ name: 'olga', role: 'operator' });
    now += FAILED_BLOCK_MS;
    expect(await auth.authenticate(OPERATOR_TOKEN, '10.0.0.7')).toEqual({ name: 'olga', role: 'operator' });
    expect(warned).toHaveLength(1);
  });

  test('over HTTP: /api answers 429 with Retry-After and a stable code, and the console its sign-in page with 429', async () => {
    const logged: string[] = [];
    const listener = await listenAdmin(
      createAdminApp({
        token: OPERATOR_TOKEN,
        maxBytes: 1024,
        partnerExists: () => false,
        submit: async () => ({ messageId: 'm1' }),
        send: async () => ({ messageId: 's1' }),
        health: async () => ({ ok: true, detail: {} }),
        report: async () => [],
        logger: { info: () => {}, warn: (_o, m) => logged.push(m), error: (_o, m) => logged.push(m) },
      }),
      0,
      '127.0.0.1',
    );
    const base = `http://127.0.0.1:${listener.port}`;
    try {
      const api = (token: string) => fetch(`${base}/api/report`, { headers: { authorization: `Bearer ${token}` } });
      for (let i = 0; i < FAILED_MAX; i++) expect((await api(`guess-${i}`)).status).toBe(401);
      const r = await api(OPERATOR_TOKEN);
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_RATE_LIMITED');
      expect(logged.filter((m) => m.includes('too many failed sign-ins'))).toHaveLength(1);
      const page = await fetch(`${base}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
        body: `token=${OPERATOR_TOKEN}`,
      });
      expect(page.status).toBe(429);
      expect(page.headers.get('set-cookie')).toBeNull();
      expect(await page.text()).toContain('Too many failed sign-ins from your address');
    } finally {
      await listener.close();
    }
  });
});
