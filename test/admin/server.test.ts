import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { GatewayError } from '../../src/errors';
import { createAdminApp, listenAdmin, type AdminDeps, type AdminListener } from '../../src/admin/server';
import { withTimeoutsHeld } from '../helpers/timers';

const TOKEN = 'test-admin-token-0123456789';

type Logged = { level: 'info' | 'warn' | 'error'; obj: object; msg: string };

function fakeDeps(over: Partial<AdminDeps> = {}) {
  const logged: Logged[] = [];
  const submitted: Parameters<AdminDeps['submit']>[0][] = [];
  const sent: Parameters<AdminDeps['send']>[0][] = [];
  const deps: AdminDeps = {
    token: TOKEN,
    maxBytes: 64 * 1024,
    partnerExists: (id) => id === 'acme',
    submit: async (input) => {
      submitted.push(input);
      return { messageId: `m${submitted.length}` };
    },
    send: async (input) => {
      sent.push(input);
      return { messageId: `s${sent.length}` };
    },
    health: async () => ({ ok: true, detail: { database: 'up' } }),
    logger: {
      info: (obj, msg) => {
        logged.push({ level: 'info', obj, msg });
      },
      warn: (obj, msg) => {
        logged.push({ level: 'warn', obj, msg });
      },
      error: (obj, msg) => {
        logged.push({ level: 'error', obj, msg });
      },
    },
    ...over,
  };
  return { deps, logged, submitted, sent };
}

let listeners: AdminListener[] = [];
async function start(over: Partial<AdminDeps> = {}) {
  const f = fakeDeps(over);
  const l = await listenAdmin(createAdminApp(f.deps), 0, '127.0.0.1');
  listeners.push(l);
  const base = `http://127.0.0.1:${l.port}`;
  const call = (path: string, init: RequestInit & { auth?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const auth = init.auth === undefined ? `Bearer ${TOKEN}` : init.auth;
    if (auth !== null) headers.set('authorization', auth);
    return fetch(base + path, { ...init, headers });
  };
  return { ...f, listener: l, base, call };
}
afterEach(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  listeners = [];
});

const errorOf = async (r: Response) => ((await r.json()) as { error: { code: string; message: string } }).error;

const edi = Buffer.from(
  'ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     *260101*1200*U*00401*000000001*0*P*>~',
);

describe('admin API: health', () => {
  test('answers 200 with the detail and needs no token', async () => {
    const { call } = await start();
    const r = await call('/health', { auth: null });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, detail: { database: 'up' } });
  });

  test('answers 503 when unhealthy, and when the check itself throws', async () => {
    const down = await start({ health: async () => ({ ok: false, detail: { database: 'unreachable' } }) });
    const r1 = await down.call('/health', { auth: null });
    expect(r1.status).toBe(503);
    expect(await r1.json()).toEqual({ ok: false, detail: { database: 'unreachable' } });

    const broken = await start({
      health: async () => {
        throw new Error('pool exhausted at 10.0.0.5');
      },
    });
    const r2 = await broken.call('/health', { auth: null });
    expect(r2.status).toBe(503);
    const text = await r2.text();
    expect(JSON.parse(text)).toEqual({ ok: false, detail: {} });
    expect(text).not.toContain('10.0.0.5');
  });
});

describe('admin API: the bearer token', () => {
  test('without a configured token /api answers 503 saying how to set admin.token', async () => {
    const { call, submitted } = await start({ token: undefined });
    const r = await call('/api/partners/acme/submit', { method: 'POST', body: edi });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBeNull();
    const error = await errorOf(r);
    expect(error.code).toBe('EDIGW_ADMIN_TOKEN_UNSET');
    expect(error.message).toContain('admin.token');
    expect(submitted).toHaveLength(0);
  });

  test.each([
    ['no token', null],
    ['a wrong token', 'Bearer not-the-token'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token under another scheme', `Basic ${TOKEN}`],
  ])('%s is answered 401 with WWW-Authenticate: Bearer', async (_what, auth) => {
    const { call, submitted, logged } = await start();
    const r = await call('/api/partners/acme/submit', { method: 'POST', body: edi, auth });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await errorOf(r)).code).toBe('EDIGW_ADMIN_UNAUTHORIZED');
    expect(submitted).toHaveLength(0);
    expect(JSON.stringify(logged)).not.toContain(TOKEN.slice(0, -1));
  });

  test('the right token, the scheme in any case, gets through', async () => {
    const { call } = await start();
    const r = await call('/api/partners/acme/submit', { method: 'POST', body: edi, auth: `bearer ${TOKEN}` });
    expect(r.status).toBe(202);
  });

  test('every /api path needs the token, an unknown one too', async () => {
    const { call } = await start();
    expect((await call('/api/nope', { auth: null })).status).toBe(401);
    const r = await call('/api/nope');
    expect(r.status).toBe(404);
    expect((await errorOf(r)).code).toBe('EDIGW_ADMIN_NOT_FOUND');
  });
});

describe('admin API: submit', () => {
  test('202 hands the exact bytes, partner and file name to submit', async () => {
    const { call, submitted } = await start();
    const bytes = Buffer.concat([edi, randomBytes(32 * 1024)]);
    const r = await call('/api/partners/acme/submit?fileName=po-1.edi', {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/edi-x12' },
    });
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ messageId: 'm1', duplicate: false });
    expect(submitted).toHaveLength(1);
    expect(submitted[0].partnerId).toBe('acme');
    expect(submitted[0].fileName).toBe('po-1.edi');
    expect(submitted[0].bytes.equals(bytes)).toBe(true);
  });

  test('any content type is taken as raw bytes, JSON and form bodies included', async () => {
    const { call, submitted } = await start();
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain; charset=latin1']) {
      expect(
        (
          await call('/api/partners/acme/submit', {
            method: 'POST',
            body: '{"a":1}',
            headers: { 'content-type': type },
          })
        ).status,
      ).toBe(202);
    }
    expect(submitted.map((s) => s.bytes.toString())).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
    expect(submitted[0].fileName).toBeUndefined();
  });

  test('reports a duplicate as submit says', async () => {
    const { call } = await start({ submit: async () => ({ messageId: 'm9', duplicate: true }) });
    const r = await call('/api/partners/acme/submit', { method: 'POST', body: edi });
    expect(await r.json()).toEqual({ messageId: 'm9', duplicate: true });
  });

  test('an unknown partner is 404 and nothing is submitted', async () => {
    const { call, submitted } = await start();
    const r = await call('/api/partners/nobody/submit', { method: 'POST', body: edi });
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({
      error: { code: 'EDIGW_ADMIN_PARTNER_UNKNOWN', message: 'partner "nobody": no such partner' },
    });
    expect(submitted).toHaveLength(0);
  });

  test('a body over maxBytes is 413, a big upload included', async () => {
    const { call, submitted } = await start({ maxBytes: 1024 });
    const r1 = await call('/api/partners/acme/submit', { method: 'POST', body: Buffer.alloc(1025, 'x') });
    expect(r1.status).toBe(413);
    expect((await errorOf(r1)).code).toBe('EDIGW_ADMIN_BODY_TOO_LARGE');
    const r2 = await call('/api/partners/acme/submit', { method: 'POST', body: Buffer.alloc(8 * 1024 * 1024, 'x') });
    expect(r2.status).toBe(413);
    expect((await call('/api/partners/acme/submit', { method: 'POST', body: Buffer.alloc(1024, 'x') })).status).toBe(
      202,
    );
    expect(submitted).toHaveLength(1);
  });

  test('a body sent chunked without Content-Length is limited too', async () => {
    const { listener, submitted } = await start({ maxBytes: 1024 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: listener.port,
          method: 'POST',
          path: '/api/partners/acme/submit',
          headers: { authorization: `Bearer ${TOKEN}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(512, 'x'));
      req.end();
    });
    expect(status).toBe(413);
    expect(submitted).toHaveLength(0);
  });

  test('a gzip body is submitted uncompressed; an unknown Content-Encoding is 400', async () => {
    const { call, submitted } = await start();
    const r = await call('/api/partners/acme/submit', {
      method: 'POST',
      body: gzipSync(edi),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(r.status).toBe(202);
    expect(submitted[0].bytes.equals(edi)).toBe(true);
    const bad = await call('/api/partners/acme/submit', {
      method: 'POST',
      body: edi,
      headers: { 'content-encoding': 'compress' },
    });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toEqual({
      code: 'EDIGW_ADMIN_BAD_REQUEST',
      message:
        'reading the request body: unsupported Content-Encoding (gzip, deflate and br are read): the request is malformed',
    });
    expect(submitted).toHaveLength(1);
  });

  test('an empty body is 400', async () => {
    const { call, submitted } = await start();
    for (const init of [{ method: 'POST' }, { method: 'POST', body: '' }]) {
      const r = await call('/api/partners/acme/submit', init);
      expect(r.status).toBe(400);
      expect((await errorOf(r)).code).toBe('EDIGW_ADMIN_BODY_EMPTY');
    }
    expect(submitted).toHaveLength(0);
  });

  test.each(['../etc/passwd', 'a/b.edi', 'x%0Ay', '..'])('fileName %s is refused with 400', async (name) => {
    const { call, submitted } = await start();
    const r = await call(`/api/partners/acme/submit?fileName=${name}`, { method: 'POST', body: edi });
    expect(r.status).toBe(400);
    expect((await errorOf(r)).code).toBe('EDIGW_ADMIN_BAD_REQUEST');
    expect(submitted).toHaveLength(0);
  });

  test.each([
    ['EDIGW_HTTP_UNREACHABLE', 503],
    ['EDIGW_FILE_NO_SPACE', 503],
    ['EDIGW_DB_POOL_TIMEOUT', 503],
    ['EDIGW_DB_LOCK_TIMEOUT', 503],
    ['EDIGW_EDI_UNREADABLE', 422],
    ['EDIGW_USAGE', 400],
    ['EDIGW_CONFIG_INVALID', 400],
  ] as const)('a GatewayError %s from submit is answered %i with its code and message', async (code, status) => {
    const err = new GatewayError(code, 'storing po.edi for acme');
    const { call } = await start({
      submit: async () => {
        throw err;
      },
    });
    const r = await call('/api/partners/acme/submit', { method: 'POST', body: edi });
    expect(r.status).toBe(status);
    expect(await r.json()).toEqual({ error: { code, message: err.message } });
    // A refusal for now tells the client when to come back; the others would be refused again.
    expect(r.headers.get('retry-after')).toBe(status === 503 ? '5' : null);
  });

  test('a plain Error is 500 with a generic message; the detail goes to the log only', async () => {
    const { call, logged } = await start({
      submit: async () => {
        throw new Error('SQLITE_BUSY at /var/lib/secret.db');
      },
    });
    const r = await call('/api/partners/acme/submit', { method: 'POST', body: edi });
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await r.text();
    expect(text).not.toMatch(/SQLITE_BUSY|secret\.db|at .*\.ts:\d+/);
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    expect(error.code).toBe('EDIGW_ADMIN_INTERNAL');
    expect(error.message).toContain(r.headers.get('x-request-id'));
    const entry = logged.find((l) => l.level === 'error');
    expect(entry?.msg).toBe('admin: unexpected error');
    expect((entry?.obj as { err: Error }).err.message).toBe('SQLITE_BUSY at /var/lib/secret.db');
  });
});

describe('admin API: send', () => {
  test('202 queues the bytes for the named endpoint with their content type', async () => {
    const { call, sent } = await start();
    const json = Buffer.from(JSON.stringify({ type: 'PurchaseOrder', number: 'PO-1' }));
    const r = await call('/api/partners/acme/send?endpoint=acme-as2&fileName=po.json', {
      method: 'POST',
      body: json,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ messageId: 's1' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      partnerId: 'acme',
      endpoint: 'acme-as2',
      contentType: 'application/json',
      fileName: 'po.json',
    });
    expect(sent[0].bytes.equals(json)).toBe(true);
  });

  test('without a content type the bytes go as application/octet-stream', async () => {
    const { call, sent } = await start();
    const r = await call('/api/partners/acme/send?endpoint=erp', { method: 'POST', body: new Blob([edi]) });
    expect(r.status).toBe(202);
    expect(sent[0].contentType).toBe('application/octet-stream');
  });

  test('a missing, repeated or malformed endpoint is 400', async () => {
    const { call, sent } = await start();
    for (const q of ['', '?endpoint=', '?endpoint=a&endpoint=b', '?endpoint=../x']) {
      const r = await call(`/api/partners/acme/send${q}`, { method: 'POST', body: edi });
      expect(r.status).toBe(400);
      expect((await errorOf(r)).code).toBe('EDIGW_ADMIN_BAD_REQUEST');
    }
    expect(sent).toHaveLength(0);
  });

  test('an endpoint the partner does not have is whatever send says: a usage error is 400', async () => {
    const { call } = await start({
      send: async () => {
        throw new GatewayError('EDIGW_USAGE', 'partner acme has no endpoint "nope"');
      },
    });
    const r = await call('/api/partners/acme/send?endpoint=nope', { method: 'POST', body: edi });
    expect(r.status).toBe(400);
    expect((await errorOf(r)).message).toBe('partner acme has no endpoint "nope": wrong command line');
  });
});

describe('admin API: report', () => {
  test('passes the query to report and answers its JSON', async () => {
    const queries: unknown[] = [];
    const { call } = await start({
      report: async (q) => {
        queries.push(q);
        return { rows: [{ partner: 'acme', count: 3 }] };
      },
    });
    const r = await call('/api/report?from=2026-05-01&to=2026-05-31&partner=acme');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ rows: [{ partner: 'acme', count: 3 }] });
    expect(queries).toEqual([{ from: '2026-05-01', to: '2026-05-31', partner: 'acme' }]);
    expect((await call('/api/report')).status).toBe(200);
    expect(queries[1]).toEqual({});
  });

  test('an unknown partner is 404; a bad date from report is 400', async () => {
    const { call } = await start({
      report: async () => {
        throw new GatewayError('EDIGW_USAGE', 'from 2026-02-30 is not a date');
      },
    });
    expect((await call('/api/report?partner=nobody')).status).toBe(404);
    expect((await call('/api/report?from=2026-02-30')).status).toBe(400);
  });

  test('a day that does not exist or is not a day is 400 naming the parameter, and the report is not read', async () => {
    const queries: unknown[] = [];
    const { call } = await start({
      report: async (q) => {
        queries.push(q);
        return [];
      },
    });
    for (const [q, named] of [
      ['from=2026-13-45', 'from'],
      ['to=2026-02-30', 'to'],
      ['from=yesterday', 'from'],
      ['to=2026-05-01&to=2026-05-02', 'to'],
    ]) {
      const r = await call(`/api/report?${q}`);
      expect([q, r.status]).toEqual([q, 400]);
      const e = await errorOf(r);
      expect(e.code).toBe('EDIGW_ADMIN_BAD_REQUEST');
      expect(e.message).toContain(`${named}: `);
    }
    expect(queries).toEqual([]);
  });

  test('without a report function the route answers 501', async () => {
    const { call } = await start();
    const r = await call('/api/report');
    expect(r.status).toBe(501);
    expect((await errorOf(r)).code).toBe('EDIGW_ADMIN_REPORTS_OFF');
  });
});

describe('admin API: listening', () => {
  test('close() hangs up an idle keep-alive connection instead of waiting for it', async () => {
    const f = fakeDeps();
    const l = await listenAdmin(createAdminApp(f.deps), 0, '127.0.0.1');
    const agent = new http.Agent({ keepAlive: true });
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: l.port, path: '/health', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject);
    });
    expect(status).toBe(200);
    const idle = Object.values(agent.freeSockets).flat();
    expect(idle).toHaveLength(1);
    const hungUp = new Promise((r) => idle[0]!.once('close', r));
    await withTimeoutsHeld(() => l.close());
    await hungUp;
    agent.destroy();
  });

  test('close() lets a request in flight finish, then closes its connection', async () => {
    let release!: () => void;
    const f = fakeDeps({
      submit: () =>
        new Promise((resolve) => {
          release = () => resolve({ messageId: 'late' });
        }),
    });
    const l = await listenAdmin(createAdminApp(f.deps), 0, '127.0.0.1');
    const agent = new http.Agent({ keepAlive: true });
    const answer = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: l.port,
          method: 'POST',
          path: '/api/partners/acme/submit',
          agent,
          headers: { authorization: `Bearer ${TOKEN}` },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
        },
      );
      req.on('error', reject);
      req.end(edi);
    });
    while (!release) await new Promise((r) => setTimeout(r, 5));
    // Held timers: the 10 s grace cut cannot be what closes the connection.
    const a = await withTimeoutsHeld(async () => {
      const closing = l.close();
      release();
      const answered = await answer;
      await closing;
      return answered;
    });
    expect(a.status).toBe(202);
    expect(a.connection).toBe('close');
    expect(JSON.parse(a.body)).toEqual({ messageId: 'late', duplicate: false });
    agent.destroy();
  });

  test('a port in use is a rejected promise', async () => {
    const { listener } = await start();
    await expect(listenAdmin(createAdminApp(fakeDeps().deps), listener.port, '127.0.0.1')).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
