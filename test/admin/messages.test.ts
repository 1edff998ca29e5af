/**
 * The admin API's message search, lineage, payloads, dead letters and replay, against the real
 * gateway (in this process: its admin listener over HTTP, its workers, a real store) on SQLite and
 * MariaDB. Files are dropped into a partner's inbox; the ERP is a local HTTP server that refuses some
 * POs until told otherwise, so that their deliveries are dead-lettered.
 */
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/main';
import { silentLogger } from '../../src/pipeline/logger';
import { hashPassword } from '../../src/password-hash';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';
import { cli, eventually, freePort, HttpSink, scratch, type Scratch, x12Order } from '../e2e/gateway';

jest.setTimeout(120_000);

const OPERATOR = 'olga:operator-secret-0123456789';
const AUDITOR = 'auditor-token-0123456789';

interface Summary {
  id: string;
  direction: string;
  partnerId: string;
  fileName: string | null;
  status: string;
  transactions: Array<{ type: string; reference: string | null; controlNumber: string }>;
  deliveries: Array<{ id: string; status: string; reference: string | null; sourceMessageId: string | null }>;
}
interface Page {
  messages: Summary[];
  next: string | null;
}
interface DeadLetterRow {
  id: string;
  messageId: string;
  endpoint: string;
  reference: string | null;
  sourceMessageId: string | null;
  lastError: string | null;
}
interface LineageBody {
  message: { id: string; fileName: string };
  interchanges: Array<{ controlNumber: string; groups: Array<{ transactions: Array<{ reference: string }> }> }>;
  acks: { received: unknown[]; sent: Array<{ kind: string; status: string }> };
  deliveries: Array<{ id: string; endpoint: string; status: string; history: Array<{ stage: string }> }>;
  events: Array<{ stage: string; actor?: { user: string; role: string; requestId: string } }>;
}

for (const kind of DATABASES)
  describeOn(kind, `admin API: messages and dead letters (real gateway, ${kind})`, () => {
    let db: TestDatabase | undefined;
    let s: Scratch;
    let sink: HttpSink;
    let gw: RunningGateway;
    let base = '';
    /** POs the ERP refuses for now. */
    const refused = new Set(['PO-DEAD-1', 'PO-DEAD-2']);

    beforeAll(async () => {
      db = await freshDatabase(kind);
      s = scratch();
      sink = new HttpSink();
      sink.respond = (body) => {
        const po = /"po":"([^"]+)"/.exec(body)?.[1];
        return po && refused.has(po) ? 503 : 200;
      };
      await sink.start();
      const port = await freePort();
      s.file(
        'gateway.yaml',
        [
          'identity:',
          '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
          'admin:',
          `  port: ${port}`,
          '  users:',
          `    - { name: olga, role: operator, tokenHash: '${await hashPassword(OPERATOR.slice(5))}' }`,
          `    - { name: arno, role: auditor, token: ${AUDITOR} }`,
          'workers: 2',
          'delivery: { attempts: 2, backoff: 100ms, maxBackoff: 200ms }',
        ].join('\n'),
      );
      s.file(
        'partners/acme.yaml',
        [
          'id: acme',
          'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
          'inbound: { file: { dir: inbox/acme, every: 100ms, minAge: 100ms } }',
          "acks: { x12: '997', to: acks }",
          'tracking: { po: BEG.BEG03 }',
          'routes:',
          "  - match: { standard: x12, type: '850' }",
          '    map: acme/maps/order.jsonata',
          '    to: erp',
          'endpoints:',
          `  erp: { http: { url: 'http://127.0.0.1:${sink.port}/orders' } }`,
          '  acks: { file: { dir: out/acme-acks } }',
        ].join('\n'),
      );
      s.file('partners/acme/maps/order.jsonata', '{ "po": BEG.BEG03 }');
      gw = await startGateway({
        configFile: join(s.dir, 'gateway.yaml'),
        env: { DATABASE_URL: db.url },
        logger: silentLogger,
      });
      base = `http://127.0.0.1:${gw.admin!.port}`;
      s.drop('inbox/acme/po-1001.x12', x12Order({ sender: 'ACME', control: 1001, po: 'PO-1001', lines: 2 }));
      s.drop('inbox/acme/po-1002.x12', x12Order({ sender: 'ACME', control: 1002, po: 'PO-1002' }));
      s.drop('inbox/acme/dead-1.x12', x12Order({ sender: 'ACME', control: 1003, po: 'PO-DEAD-1' }));
      s.drop('inbox/acme/dead-2.x12', x12Order({ sender: 'ACME', control: 1004, po: 'PO-DEAD-2' }));
      await eventually(
        'two orders delivered and two dead-lettered',
        async () =>
          sink.requests.filter((r) => r.status === 200).length === 2 &&
          (await get<{ deadLetters: unknown[] }>('/api/dead-letters', AUDITOR)).deadLetters.length === 2,
        60_000,
      );
    });

    afterAll(async () => {
      await gw?.stop();
      await sink?.stop();
      s?.remove();
      await db?.drop();
    });
    const test = testWith(() => db);

    const call = (path: string, token: string, init: RequestInit = {}) =>
      fetch(base + path, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      });
    async function get<T>(path: string, token = AUDITOR): Promise<T> {
      const r = await call(path, token);
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    }
    const inbound = async (po: string) => {
      const page = await get<Page>(`/api/messages?reference=${po}&direction=in`);
      expect(page.messages).toHaveLength(1);
      return page.messages[0];
    };

    test('search finds a message by reference, control number, type, partner and file name', async () => {
      const m = await inbound('PO-1001');
      expect(m).toMatchObject({ direction: 'in', partnerId: 'acme', fileName: 'po-1001.x12', status: 'processed' });
      expect(m.transactions).toEqual([expect.objectContaining({ type: '850', reference: 'PO-1001' })]);
      expect((await get<Page>('/api/messages?controlNumber=000001001')).messages.map((x) => x.id)).toEqual([m.id]);
      expect((await get<Page>('/api/messages?q=po-1001')).messages.map((x) => x.id)).toEqual([m.id]);
      // The order sent on to the ERP carries the reference of the transaction set it delivers.
      const out = await get<Page>('/api/messages?reference=PO-1001&direction=out&transport=http');
      expect(out.messages).toHaveLength(1);
      expect(out.messages[0].deliveries[0]).toMatchObject({ status: 'delivered', sourceMessageId: m.id });
      const orders = await get<Page>('/api/messages?type=850&partner=acme&direction=in');
      expect(orders.messages).toHaveLength(4);
      expect((await get<Page>('/api/messages?partner=nobody')).messages).toEqual([]);
      expect((await get<Page>('/api/messages?from=2000-01-01&to=2000-01-02')).messages).toEqual([]);
    });

    test('pages through every message with the cursor, newest first, none twice', async () => {
      const all = await get<Page>('/api/messages?limit=500');
      expect(all.next).toBeNull();
      const seen: string[] = [];
      let next: string | null = '';
      while (next !== null) {
        const page: Page = await get<Page>(`/api/messages?limit=3${next ? `&cursor=${next}` : ''}`);
        seen.push(...page.messages.map((x) => x.id));
        next = page.next;
      }
      expect(seen).toEqual(all.messages.map((x) => x.id));
      // 4 orders in, 4 acks and 4 orders out.
      expect(seen.length).toBe(12);
    });

    test('the lineage: interchanges, transaction sets, the 997 we sent, the delivery and its attempts, the events', async () => {
      const m = await inbound('PO-1001');
      const l = await get<LineageBody>(`/api/messages/${m.id}`);
      expect(l.message.fileName).toBe('po-1001.x12');
      expect(l.interchanges[0].controlNumber).toBe('000001001');
      expect(l.interchanges[0].groups[0].transactions[0].reference).toBe('PO-1001');
      expect(l.acks.sent).toEqual([expect.objectContaining({ kind: '997', status: 'A' })]);
      const erp = l.deliveries.find((d) => d.endpoint === 'erp');
      expect(erp?.status).toBe('delivered');
      expect(erp?.history.map((e) => e.stage)).toEqual(['queued', 'delivered']);
      expect(l.deliveries.find((d) => d.endpoint === 'acks')?.status).toBe('delivered');
      expect(l.events.map((e) => e.stage)).toEqual(expect.arrayContaining(['received', 'queued', 'delivered']));
    });

    test('the payload is the bytes as received', async () => {
      const m = await inbound('PO-1002');
      const r = await call(`/api/messages/${m.id}/payload`, AUDITOR);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/octet-stream');
      expect(r.headers.get('content-disposition')).toContain('po-1002.x12');
      expect(Buffer.from(await r.arrayBuffer()).toString('utf8')).toBe(
        x12Order({ sender: 'ACME', control: 1002, po: 'PO-1002' }),
      );
    });

    test('unknown messages are 404, malformed queries 400', async () => {
      for (const path of ['/api/messages/nope', '/api/messages/nope/payload']) {
        const r = await call(path, AUDITOR);
        expect(r.status).toBe(404);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_MESSAGE_UNKNOWN');
      }
      for (const q of [
        'direction=sideways',
        'from=yesterday',
        'from=2026-13-45',
        'to=2026-02-30',
        'limit=0',
        'cursor=zzz',
        'partnr=acme',
        'type=1&type=2',
      ]) {
        const r = await call(`/api/messages?${q}`, AUDITOR);
        expect([q, r.status]).toEqual([q, 400]);
      }
    });

    test('dead letters: listed with what they carry; an auditor may not replay; an operator replays one, then the rest in bulk; /health follows', async () => {
      const list = await get<{ deadLetters: DeadLetterRow[] }>('/api/dead-letters?partner=acme');
      expect(list.deadLetters.map((d) => d.reference).sort()).toEqual(['PO-DEAD-1', 'PO-DEAD-2']);
      expect(list.deadLetters[0]).toMatchObject({ endpoint: 'erp', lastError: expect.stringContaining('503') });
      const health = async () =>
        (
          (await (await fetch(`${base}/health`)).json()) as {
            detail: { deadLetters: number; queue: Record<string, number> };
          }
        ).detail;
      expect(await health()).toMatchObject({ deadLetters: 2, queue: expect.objectContaining({ dead: 2 }) });

      const one = list.deadLetters.find((d) => d.reference === 'PO-DEAD-1')!;
      const denied = await call(`/api/deliveries/${one.id}/replay`, AUDITOR, { method: 'POST' });
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_FORBIDDEN');
      expect((await call('/api/dead-letters/replay', AUDITOR, { method: 'POST', body: '{"all":true}' })).status).toBe(
        403,
      );

      refused.clear();
      const r = await call(`/api/deliveries/${one.id}/replay`, OPERATOR, { method: 'POST' });
      expect(r.status).toBe(202);
      const requestId = r.headers.get('x-request-id');
      expect(await r.json()).toMatchObject({ deliveryId: one.id, status: 'pending' });
      // Replaying it again while it is queued is refused: it is no longer dead.
      expect((await call(`/api/deliveries/${one.id}/replay`, OPERATOR, { method: 'POST' })).status).toBe(409);
      expect((await call('/api/deliveries/nope/replay', OPERATOR, { method: 'POST' })).status).toBe(404);
      // An empty filter replays nothing.
      expect((await call('/api/dead-letters/replay', OPERATOR, { method: 'POST', body: '{}' })).status).toBe(400);
      const bulk = await call('/api/dead-letters/replay', OPERATOR, {
        method: 'POST',
        body: JSON.stringify({ partner: 'acme', endpoint: 'erp' }),
      });
      expect(bulk.status).toBe(202);
      const b = (await bulk.json()) as { replayed: Array<{ deliveryId: string }>; failed: unknown[]; more: boolean };
      expect(b).toMatchObject({ failed: [], more: false });
      expect(b.replayed).toHaveLength(1);

      const source = await inbound('PO-DEAD-1');
      await eventually('the replayed orders delivered', async () => {
        const l = await get<LineageBody>(`/api/messages/${source.id}`);
        return l.deliveries.find((d) => d.endpoint === 'erp')?.status === 'delivered' && l;
      });
      expect(await health()).toMatchObject({ deadLetters: 0 });
      expect((await health()).queue.dead ?? 0).toBe(0);
      expect((await get<{ deadLetters: unknown[] }>('/api/dead-letters')).deadLetters).toEqual([]);

      // The replay is in the lineage, with who did it.
      const l = await get<LineageBody>(`/api/messages/${source.id}`);
      const replay = l.events.find((e) => e.stage === 'admin.replay');
      expect(replay?.actor).toEqual({ user: 'olga', role: 'operator', requestId, deliveryId: one.id });
      const erp = l.deliveries.find((d) => d.endpoint === 'erp')!;
      expect(erp.history.map((e) => e.stage)).toEqual(
        expect.arrayContaining(['queued', 'delivery-failed', 'dead-letter', 'replayed', 'delivered']),
      );
      const other = await get<LineageBody>(`/api/messages/${(await inbound('PO-DEAD-2')).id}`);
      expect(other.events.find((e) => e.stage === 'admin.bulk-replay')?.actor).toMatchObject({ user: 'olga' });
    });

    test('the CLI: show --reference prints the lineage, dead-letters lists what is left', async () => {
      const args = ['--config', join(s.dir, 'gateway.yaml')];
      const env = { DATABASE_URL: db!.url };
      const shown = await cli(['show', '--reference', 'PO-1001', ...args], env);
      expect(shown.stderr).toBe('');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('850 0001 ref PO-1001: valid');
      expect(shown.stdout).toContain('ack sent 997 A');
      expect(shown.stdout).toMatch(/delivery \S+ → erp: delivered/);
      const missing = await cli(['show', 'no-such-message', ...args], env);
      expect(missing.code).toBe(1);
      const dead = await cli(['dead-letters', '--partner', 'acme', ...args], env);
      expect([dead.code, dead.stdout]).toEqual([0, 'no dead letters\n']);
    });

    test('the lineage of a file refused as a duplicate shows the TA1 we sent back and its delivery', async () => {
      s.drop('inbox/acme/po-1002-again.x12', x12Order({ sender: 'ACME', control: 1002, po: 'PO-1002' }));
      let again: Summary | undefined;
      await eventually(
        'the copy refused',
        async () => {
          again = (await get<Page>('/api/messages?q=po-1002-again&direction=in')).messages[0];
          return again?.status === 'rejected';
        },
        60_000,
      );
      const l = await get<LineageBody>(`/api/messages/${again!.id}`);
      expect(l.interchanges).toEqual([]);
      expect(l.acks.sent).toEqual([expect.objectContaining({ kind: 'TA1', status: 'R' })]);
      await eventually(
        'the TA1 delivered',
        async () =>
          (await get<LineageBody>(`/api/messages/${again!.id}`)).deliveries.some(
            (d) => d.endpoint === 'acks' && d.status === 'delivered',
          ),
        30_000,
      );
    });
  });
