/**
 * The audit trail (GET /api/audit) against the real gateway on SQLite and MariaDB: operators pause,
 * resume and check partners over HTTP, and an auditor reads who did what, filtered and paged.
 */
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/main';
import { silentLogger } from '../../src/pipeline/logger';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';
import { freePort, scratch, type Scratch } from '../e2e/gateway';

jest.setTimeout(120_000);

const OLGA = 'olga-operator-token-0123456789';
const MAX = 'max-operator-token-0123456789';
const ARNO = 'arno-auditor-token-0123456789';

interface Entry {
  id: string;
  at: string;
  action: string;
  user: string | null;
  role: string | null;
  requestId: string | null;
  partnerId: string | null;
  messageId: string | null;
  detail: Record<string, unknown>;
}
interface Page {
  entries: Entry[];
  next: string | null;
}

for (const kind of DATABASES)
  describeOn(kind, `admin API: the audit trail of operator actions (real gateway, ${kind})`, () => {
    let db: TestDatabase | undefined;
    let s: Scratch;
    let gw: RunningGateway;
    let base = '';

    beforeAll(async () => {
      db = await freshDatabase(kind);
      s = scratch();
      const port = await freePort();
      s.file(
        'gateway.yaml',
        [
          'identity:',
          '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
          'admin:',
          `  port: ${port}`,
          '  users:',
          `    - { name: olga, role: operator, token: ${OLGA} }`,
          `    - { name: max, role: operator, token: ${MAX} }`,
          `    - { name: arno, role: auditor, token: ${ARNO} }`,
        ].join('\n'),
      );
      for (const id of ['acme', 'globex'])
        s.file(
          `partners/${id}.yaml`,
          [
            `id: ${id}`,
            `identifiers: { x12: [{ qualifier: ZZ, id: ${id.toUpperCase()} }] }`,
            'endpoints:',
            `  erp: { file: { dir: out/${id} } }`,
          ].join('\n'),
        );
      gw = await startGateway({
        configFile: join(s.dir, 'gateway.yaml'),
        env: { DATABASE_URL: db.url },
        logger: silentLogger,
      });
      base = `http://127.0.0.1:${gw.admin!.port}`;
    });

    afterAll(async () => {
      await gw?.stop();
      s?.remove();
      await db?.drop();
    });
    const test = testWith(() => db);

    const call = (path: string, token: string, body?: object) =>
      fetch(base + path, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    async function get(path: string, token = ARNO): Promise<Page> {
      const r = await call(path, token);
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as Page;
    }
    const act = async (path: string, token: string, body: object = {}) => {
      const r = await call(path, token, body);
      expect(r.status).toBe(200);
      return r.headers.get('x-request-id');
    };

    test('a pause by olga is read back by an auditor as admin.pause by olga, with the partner and her reason', async () => {
      const requestId = await act('/api/partners/acme/pause', OLGA, { reason: 'ERP maintenance' });
      const page = await get('/api/audit');
      expect(page.entries[0]).toMatchObject({
        action: 'pause',
        user: 'olga',
        role: 'operator',
        requestId,
        partnerId: 'acme',
        messageId: null,
        detail: { reason: 'ERP maintenance', changed: true },
      });
      expect(Number.isNaN(Date.parse(page.entries[0].at))).toBe(false);
    });

    test('filters by user, partner, action and dates, newest first', async () => {
      await act('/api/partners/acme/resume', MAX);
      await act('/api/partners/globex/pause', OLGA);
      const all = await get('/api/audit');
      expect(all.entries.map((e) => [e.action, e.user, e.partnerId])).toEqual([
        ['pause', 'olga', 'globex'],
        ['resume', 'max', 'acme'],
        ['pause', 'olga', 'acme'],
      ]);
      expect((await get('/api/audit?user=olga')).entries.map((e) => e.partnerId)).toEqual(['globex', 'acme']);
      expect((await get('/api/audit?user=max')).entries.map((e) => e.action)).toEqual(['resume']);
      expect((await get('/api/audit?partner=acme')).entries.map((e) => e.action)).toEqual(['resume', 'pause']);
      expect((await get('/api/audit?action=pause&partner=globex')).entries.map((e) => e.user)).toEqual(['olga']);
      expect((await get('/api/audit?action=check')).entries).toEqual([]);
      expect((await get('/api/audit?user=nobody')).entries).toEqual([]);
      // A name that is a prefix of another, or a LIKE wildcard, matches no one else.
      expect((await get('/api/audit?user=olg')).entries).toEqual([]);
      expect((await get('/api/audit?user=%25')).entries).toEqual([]);
      expect((await get('/api/audit?from=2000-01-01&to=2000-01-02')).entries).toEqual([]);
      // `from` is included and `to` is not, as instants.
      const first = all.entries[2].at;
      expect((await get(`/api/audit?from=${first}&to=2999-01-01`)).entries).toHaveLength(3);
      expect((await get(`/api/audit?to=${first}`)).entries).toEqual([]);
    });

    test('pages through the trail with the cursor, none twice, none left out', async () => {
      for (let i = 0; i < 4; i++) await act('/api/partners/globex/resume', i % 2 ? OLGA : MAX);
      const all = await get('/api/audit?limit=500');
      expect(all.next).toBeNull();
      const seen: string[] = [];
      let next: string | null = '';
      while (next !== null) {
        const page: Page = await get(`/api/audit?limit=2${next ? `&cursor=${next}` : ''}`);
        seen.push(...page.entries.map((e) => e.id));
        next = page.next;
      }
      expect(seen).toEqual(all.entries.map((e) => e.id));
      expect(seen).toHaveLength(7);
    });

    test('pipeline events are not in the trail', async () => {
      await gw.ctx.store.event({ stage: 'received', partnerId: 'acme', detail: '{"user":"olga"}' });
      expect((await get('/api/audit?partner=acme&limit=500')).entries.every((e) => e.action !== 'received')).toBe(true);
    });

    test('a bad query is a located 400, not a stack trace; an unsigned request is 401', async () => {
      for (const q of ['limit=0', 'from=yesterday', 'action=Pause!', 'cursor=xyz', 'who=olga']) {
        const r = await call(`/api/audit?${q}`, ARNO);
        expect(r.status).toBe(400);
        const body = (await r.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('EDIGW_ADMIN_BAD_REQUEST');
        expect(body.error.message).not.toMatch(/\n\s+at /);
      }
      expect((await fetch(`${base}/api/audit`)).status).toBe(401);
    });

    test('the trail is read through the stage index, not by walking every event by time', async () => {
      const sql =
        kind === 'sqlite'
          ? `SELECT id FROM event e WHERE e.stage GLOB 'admin.*' ORDER BY e.createdAt DESC, e.id DESC LIMIT 51`
          : `SELECT id FROM event e WHERE e.stage LIKE 'admin.%' ORDER BY e.createdAt DESC, e.id DESC LIMIT 51`;
      const plan = JSON.stringify(
        await gw.ctx.store.query(kind === 'sqlite' ? `EXPLAIN QUERY PLAN ${sql}` : `EXPLAIN ${sql}`),
      );
      expect(plan).toMatch(/ix_event_stage_time/);
    });

    test('the OpenAPI document describes GET /api/audit and its filters', async () => {
      const doc = (await (await call('/api/openapi.json', ARNO)).json()) as {
        paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }>;
      };
      expect(doc.paths['/api/audit'].get?.parameters?.map((p) => p.name)).toEqual(
        expect.arrayContaining(['user', 'partner', 'action', 'from', 'to', 'cursor', 'limit']),
      );
    });
  });
