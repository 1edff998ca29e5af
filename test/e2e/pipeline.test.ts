/**
 * The pipeline end to end, through the real gateway process: files dropped for partners are taken in,
 * acknowledged, mapped, routed and delivered to a local HTTP server and folders; the report and the
 * CLI (replay) are run as an operator would.
 */
import { parseBuffer } from '../../src/edi/parse';
import { builtInProfiles } from '../../src/config/profiles';
import { allDiagnostics } from '../../src/edi/model';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';
import { cli, eventually, freePort, GatewayProcess, HttpSink, scratch, type Scratch, x12Order } from './gateway';

jest.setTimeout(120_000);

interface ReportRow {
  transport: string;
  fileName: string | null;
  partner: string;
  type: string;
  interchangeControlNumber: string;
  transactionControlNumber: string;
  ackStatus: string;
  deliveryStatus: string;
  validation: string;
  tracked: Record<string, string> | null;
  deliveredAt: string | null;
  direction: string;
  standard: string;
  messageId: string;
}

for (const kind of DATABASES)
  describeOn(kind, `the gateway end to end (real process, ${kind})`, () => {
    let db: TestDatabase | undefined;
    let s: Scratch;
    let sink: HttpSink;
    let gw: GatewayProcess;
    let env: NodeJS.ProcessEnv;
    let admin = 0;
    /** POs the sink refuses: for how many more attempts (Infinity: until told otherwise). */
    const refuse = new Map<string, number>();

    beforeAll(async () => {
      db = await freshDatabase(kind);
      s = scratch();
      sink = new HttpSink();
      sink.respond = (body) => {
        const po = /"po":"([^"]+)"/.exec(body)?.[1];
        const left = po ? refuse.get(po) : undefined;
        if (po && left !== undefined && left > 0) {
          refuse.set(po, left - 1);
          return 503;
        }
        return 200;
      };
      await sink.start();
      admin = await freePort();
      env = { DATABASE_URL: db.url, LOG_LEVEL: 'info' };
      s.file(
        'gateway.yaml',
        [
          'payloads: data/payloads',
          'identity:',
          '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
          "  edifact: [{ qualifier: '14', id: '5400000000001' }]",
          `admin: { port: ${admin}, token: e2e-token-0123456789 }`,
          'workers: 2',
          // On MariaDB, a second worker process shares the queue (gateway.yaml processes).
          `processes: ${kind === 'mariadb' ? 2 : 1}`,
          'delivery: { attempts: 3, backoff: 100ms, maxBackoff: 200ms }',
        ].join('\n'),
      );
      s.file(
        'partners/acme.yaml',
        [
          'id: acme',
          'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
          'inbound: { file: { dir: inbox/acme, every: 100ms, minAge: 100ms } }',
          "acks: { x12: '997', ta1: on-error, to: acks, expectWithin: 1h }",
          'duplicates: { interchange: reject }',
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
      s.file(
        'partners/acme/maps/order.jsonata',
        '{ "po": BEG.BEG03, "lines": [PO1_loop.{ "sku": PO1.PO107, "qty": $number(PO1.PO102), "name": $xref("items", PO1.PO107) }] }',
      );
      s.file('partners/xref/items.csv', 'sku,name\nSKU-1,Blue widget\nSKU-2,Red widget\n');
      // Initech sends X12; its orders go on to Globex as EDIFACT ORDERS.
      s.file(
        'partners/initech.yaml',
        [
          'id: initech',
          'identifiers: { x12: [{ qualifier: ZZ, id: INITECH }] }',
          'inbound: { file: { dir: inbox/initech, every: 100ms, minAge: 100ms } }',
          "acks: { x12: '997', to: acks }",
          'routes:',
          "  - match: { type: '850' }",
          '    format: edifact',
          '    partner: globex',
          '    to: orders',
          'endpoints:',
          '  acks: { file: { dir: out/initech-acks } }',
        ].join('\n'),
      );
      s.file(
        'partners/globex.yaml',
        [
          'id: globex',
          "identifiers: { edifact: [{ qualifier: '14', id: '4000001000005' }] }",
          'endpoints:',
          '  orders: { file: { dir: out/globex } }',
        ].join('\n'),
      );
      gw = new GatewayProcess(`${s.dir}/gateway.yaml`, env);
      await gw.start();
    });

    afterAll(async () => {
      await gw?.stop();
      await sink?.stop();
      s?.remove();
      await db?.drop();
    });
    const test = testWith(() => db);

    const report = async (partner?: string): Promise<ReportRow[]> => {
      const r = await cli(
        ['report', '--config', `${s.dir}/gateway.yaml`, '--format', 'json', ...(partner ? ['--partner', partner] : [])],
        env,
      );
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as ReportRow[];
    };
    const row = async (partner: string, po: string) => (await report(partner)).find((r) => r.tracked?.po === po);

    test('a file dropped for a partner: its 997 lands in the ack endpoint, the mapped order reaches the HTTP server, the report shows both', async () => {
      s.drop('inbox/acme/po-1001.x12', x12Order({ sender: 'ACME', control: 1001, po: 'PO-1001', lines: 2 }));
      const ack = await eventually('the 997', () => s.files('out/acme-acks').find((f) => f.includes('997')));
      const parsed = parseBuffer(Buffer.from(s.read(`out/acme-acks/${ack}`)), { level: 'full' });
      const ak = parsed.interchanges[0].groups[0].transactions[0].segments;
      expect(ak.find((x) => x.id === 'AK1')?.elements).toEqual(['PO', '1001']);
      expect(ak.find((x) => x.id === 'AK9')?.elements[0]).toBe('A');
      expect(parsed.interchanges[0].receiver.id.trim()).toBe('ACME');

      const req = await eventually('the order at the HTTP server', () =>
        sink.ok().find((r) => r.body.toString().includes('PO-1001')),
      );
      expect(req.path).toBe('/orders');
      expect(req.headers['content-type']).toBe('application/json');
      expect(JSON.parse(req.body.toString())).toEqual({
        po: 'PO-1001',
        lines: [
          { sku: 'SKU-1', qty: 10, name: 'Blue widget' },
          { sku: 'SKU-2', qty: 11, name: 'Red widget' },
        ],
      });

      const r = await eventually('the delivered row in the report', async () => {
        const x = await row('acme', 'PO-1001');
        return x?.deliveryStatus === 'delivered' && x;
      });
      expect(r).toMatchObject({
        partner: 'acme',
        direction: 'in',
        standard: 'x12',
        type: '850',
        interchangeControlNumber: '000001001',
        validation: 'valid',
        ackStatus: 'A',
        deliveryStatus: 'delivered',
      });
      expect(r.deliveredAt).not.toBeNull();
      expect(s.files('inbox/acme/processed')).toContain('po-1001.x12');
    });

    test('an endpoint that fails and recovers: delivered once, the attempts recorded', async () => {
      refuse.set('PO-1002', 2);
      s.drop('inbox/acme/po-1002.x12', x12Order({ sender: 'ACME', control: 1002, po: 'PO-1002' }));
      await eventually(
        'delivery after two refusals',
        async () => (await row('acme', 'PO-1002'))?.deliveryStatus === 'delivered',
      );
      const tries = sink.requests.filter((r) => r.body.toString().includes('PO-1002'));
      expect(tries.map((t) => t.status)).toEqual([503, 503, 200]);
    });

    test('an endpoint that never recovers: dead-lettered after its attempts, then replayed once it is back', async () => {
      refuse.set('PO-1003', Infinity);
      s.drop('inbox/acme/po-1003.x12', x12Order({ sender: 'ACME', control: 1003, po: 'PO-1003' }));
      await eventually('the dead letter', async () => (await row('acme', 'PO-1003'))?.deliveryStatus === 'dead');
      expect(sink.requests.filter((r) => r.body.toString().includes('PO-1003')).map((t) => t.status)).toEqual([
        503, 503, 503,
      ]);
      // Log lines reach stdout in batches (ADR 0019-c): up to 100 ms after the store's status.
      const dead = await eventually('the dead letter logged', () =>
        gw.lines.find(
          (l) =>
            l.msg === 'delivery dead-lettered' && typeof l.delivery === 'string' && String(l.error).includes('503'),
        ),
      );
      expect(dead).toBeDefined();

      refuse.delete('PO-1003');
      // The id the report shows for the order (its inbound message) replays what was made from it.
      const reported = (await row('acme', 'PO-1003'))!.messageId;
      const replay = await cli(['replay', reported, '--config', `${s.dir}/gateway.yaml`], env);
      expect(replay.stderr).toBe('');
      expect(replay.stdout).toMatch(/^delivered /);
      expect(replay.code).toBe(0);
      expect(sink.ok().filter((r) => r.body.toString().includes('PO-1003'))).toHaveLength(1);
      expect((await row('acme', 'PO-1003'))?.deliveryStatus).toBe('delivered');
      // The replay is in the audit trail as an operator action by the user who ran the command.
      const shown = await cli(['show', reported, '--config', `${s.dir}/gateway.yaml`], env);
      expect(shown.stdout).toMatch(/admin\.replay \w+: \{"user":"cli:[^"]+","role":"operator"/);
      const again = await cli(['replay', String(dead!.delivery), '--config', `${s.dir}/gateway.yaml`], env);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(
        /delivery .* is delivered: only a dead-lettered delivery, or a message whose processing was dead-lettered, can be replayed \[EDIGW_NOT_DEAD\]/,
      );
      // With nothing dead left, the report's id (a message processed already) is refused, and says why.
      const none = await cli(['replay', reported, '--config', `${s.dir}/gateway.yaml`], env);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(new RegExp(`message ${reported} was processed at .*\\[EDIGW_ALREADY_PROCESSED\\]`));
      // An id that names nothing says what replay takes.
      const nothing = await cli(['replay', 'no-such-id', '--config', `${s.dir}/gateway.yaml`], env);
      expect(nothing.code).toBe(2);
      expect(nothing.stderr).toContain('replay no-such-id (a delivery, an outbound message, or an inbound message');
    });

    test('a duplicate interchange is rejected with a TA1 (025) and not delivered again', async () => {
      const before = sink.ok().filter((r) => r.body.toString().includes('PO-1001')).length;
      s.drop('inbox/acme/po-1001-again.x12', x12Order({ sender: 'ACME', control: 1001, po: 'PO-1001', lines: 2 }));
      const ta1 = await eventually('the TA1', () => s.files('out/acme-acks').find((f) => f.includes('TA1')));
      const ic = parseBuffer(Buffer.from(s.read(`out/acme-acks/${ta1}`))).interchanges[0];
      expect(ic.ta1?.[0]).toMatchObject({ controlNumber: '000001001', status: 'R', note: '025' });
      await new Promise((r) => setTimeout(r, 500));
      expect(sink.ok().filter((r) => r.body.toString().includes('PO-1001'))).toHaveLength(before);
    });

    test("an unknown sender in a partner's folder is refused with a TA1 (006) and reported", async () => {
      s.drop('inbox/acme/stranger.x12', x12Order({ sender: 'NOBODY', control: 2001, po: 'PO-X' }));
      const ta1 = await eventually('the TA1', () =>
        s.files('out/acme-acks').find((f) => f.includes('TA1') && s.read(`out/acme-acks/${f}`).includes('000002001')),
      );
      const ic = parseBuffer(Buffer.from(s.read(`out/acme-acks/${ta1}`))).interchanges[0];
      expect(ic.ta1?.[0]).toMatchObject({ status: 'R', note: '006' });
      const r = await eventually('the rejected row', async () =>
        (await report('acme')).find((x) => x.interchangeControlNumber === '000002001'),
      );
      expect(r.deliveryStatus).toBe('rejected');
    });

    test('X12 850 in from one partner, EDIFACT ORDERS out to another, valid against the D96A profile', async () => {
      s.drop('inbox/initech/po-3001.x12', x12Order({ sender: 'INITECH', control: 3001, po: 'PO-3001', lines: 3 }));
      const out = await eventually('the ORDERS file', () => s.files('out/globex').find((f) => f.includes('ORDERS')));
      const bytes = Buffer.from(s.read(`out/globex/${out}`), 'latin1');
      const parsed = parseBuffer(bytes, { level: 'full', profiles: builtInProfiles().set });
      const ic = parsed.interchanges[0];
      expect(ic.standard).toBe('edifact');
      expect(ic.sender).toMatchObject({ id: '5400000000001', qualifier: '14' });
      expect(ic.receiver).toMatchObject({ id: '4000001000005', qualifier: '14' });
      expect(allDiagnostics(ic)).toEqual([]);
      const tx = ic.groups[0].transactions[0];
      expect(tx.type).toBe('ORDERS');
      expect(tx.segments.find((x) => x.id === 'BGM')?.elements[1]).toBe('PO-3001');
      expect(tx.segments.filter((x) => x.id === 'LIN')).toHaveLength(3);
      await eventually("initech's 997", () => s.files('out/initech-acks').length === 1);
      // The ORDERS we sent Globex is recorded as an outbound interchange.
      const sent = await eventually('the outbound row', async () =>
        (await report('globex')).find((x) => x.direction === 'out' && x.type === 'ORDERS'),
      );
      expect(sent.deliveryStatus === 'none' || sent.deliveryStatus === 'delivered').toBe(true);
    });

    test('a broken partner file added while running is refused with its location; the others keep working', async () => {
      s.file('partners/broken.yaml', 'id: broken\nidentifiers: { x12: [{ qualifier: ZZZ, id: BROKEN }] }\n');
      const refused = await eventually('the refusal in the log', () =>
        gw.lines.find((l) => l.msg === 'partner file refused' && String(l.file).endsWith('broken.yaml')),
      );
      expect(String(refused.issue)).toMatch(/broken\.yaml:2:\d+: identifiers\.x12\.0\.qualifier: /);
      // A broken edit of a working partner keeps its last good version running.
      const good = s.read('partners/acme.yaml');
      s.file(
        'partners/acme.yaml',
        good.replace('duplicates: { interchange: reject }', 'duplicates: { interchange: sometimes }'),
      );
      await eventually('the kept version', () =>
        gw.lines.find((l) => l.msg === 'partner file is broken: its last good version keeps running'),
      );
      s.drop('inbox/acme/po-1004.x12', x12Order({ sender: 'ACME', control: 1004, po: 'PO-1004' }));
      await eventually(
        'acme still delivering',
        async () => (await row('acme', 'PO-1004'))?.deliveryStatus === 'delivered',
      );
      s.file('partners/acme.yaml', good);
    });

    test('the admin API takes a file in for a partner with the token, and refuses it without', async () => {
      const url = `http://127.0.0.1:${admin}/api/partners/acme/submit?fileName=po-5001.x12`;
      const body = x12Order({ sender: 'ACME', control: 5001, po: 'PO-5001' });
      const denied = await fetch(url, {
        method: 'POST',
        body,
        headers: { authorization: 'Bearer wrong-token-0123456789' },
      });
      expect(denied.status).toBe(401);
      const r = await fetch(url, {
        method: 'POST',
        body,
        headers: { authorization: 'Bearer e2e-token-0123456789', 'content-type': 'application/edi-x12' },
      });
      expect(r.status).toBe(202);
      const { messageId } = (await r.json()) as { messageId: string };
      expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
      await eventually(
        'the submitted order delivered',
        async () => (await row('acme', 'PO-5001'))?.deliveryStatus === 'delivered',
      );
      expect((await report('acme')).find((x) => x.tracked?.po === 'PO-5001')).toMatchObject({
        transport: 'api',
        fileName: 'po-5001.x12',
      });
      // Labelled by how it came in, not as the outbound HTTP endpoints are: the search tells them apart.
      const search = async (transport: string) => {
        const r = await fetch(`http://127.0.0.1:${admin}/api/messages?partner=acme&transport=${transport}`, {
          headers: { authorization: 'Bearer e2e-token-0123456789' },
        });
        return ((await r.json()) as { messages: Array<{ id: string }> }).messages.map((m) => m.id);
      };
      expect(await search('api')).toEqual([messageId]);
      expect(await search('http')).not.toContain(messageId);
    });

    test('the web console signs in with the token and lists the newest messages with the live counts', async () => {
      const base = `http://127.0.0.1:${admin}`;
      const signIn = await fetch(`${base}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'token=e2e-token-0123456789',
      });
      expect(signIn.status).toBe(303);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
      const page = await (await fetch(`${base}/`, { headers: { cookie } })).text();
      // PO-5001, submitted just before, is among the newest transaction sets, with its delivery status.
      expect(page).toMatch(
        /<td>acme<\/td>\s*<td>inbound<\/td>\s*<td>850<\/td>\s*<td>PO-5001<\/td>\s*<td>[^<]*<\/td>\s*<td>delivered<\/td>/,
      );
      const counts = await (await fetch(`${base}/fragments/counts`, { headers: { cookie } })).text();
      for (const key of ['queueDepth', 'deadLetters', 'overdueAcks', 'expiringCertificates'])
        expect(counts).toMatch(new RegExp(`data-count="${key}">\\d+`));
    });

    test("send: canonical JSON goes out as an X12 850 with an ack expected; the partner's 997 is matched to it", async () => {
      const order = {
        document: 'PurchaseOrder',
        number: 'OUT-77',
        date: '2026-01-15',
        purpose: 'original',
        type: 'order',
        parties: [],
        references: [],
        lines: [{ lineNumber: '1', quantity: 3, unit: 'EA', unitPrice: 2.5, vendorItem: 'V-1' }],
      };
      const file = s.file('order.json', JSON.stringify(order));
      const sent = await cli(
        ['send', '--partner', 'acme', '--endpoint', 'acks', file, '--config', `${s.dir}/gateway.yaml`],
        env,
      );
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      const name = s.files('out/acme-acks').find((f) => f.includes('-850-'));
      expect(name).toBeDefined();
      const ic = parseBuffer(Buffer.from(s.read(`out/acme-acks/${name}`)), {
        level: 'full',
        profiles: builtInProfiles().set,
      }).interchanges[0];
      expect(allDiagnostics(ic)).toEqual([]);
      expect(ic.receiver.id.trim()).toBe('ACME');
      expect(ic.groups[0].transactions[0].segments.find((x) => x.id === 'BEG')?.elements[2]).toBe('OUT-77');
      const out = await eventually('the outbound row', async () =>
        (await report('acme')).find((x) => x.direction === 'out' && x.type === '850'),
      );
      expect(out.ackStatus).toBe('expected');

      const gs06 = ic.groups[0].controlNumber!;
      const ack = [
        'ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     *260115*1200*U*00401*000009001*0*P*>~',
        'GS*FA*ACME*OURCOMPANY*20260115*1200*9001*X*004010~',
        'ST*997*0001~',
        `AK1*PO*${gs06}~`,
        'AK2*850*0001~',
        'AK5*A~',
        'AK9*A*1*1*1~',
        'SE*6*0001~',
        'GE*1*9001~',
        'IEA*1*000009001~',
        '',
      ].join('\n');
      const acksBefore = s.files('out/acme-acks').length;
      s.drop('inbox/acme/997-9001.x12', ack);
      await eventually(
        'the 997 matched',
        async () => (await report('acme')).find((x) => x.direction === 'out' && x.type === '850')?.ackStatus === 'A',
      );
      await new Promise((r) => setTimeout(r, 500));
      // No 997 of a 997 (and the 997 itself is not an order to route anywhere).
      expect(s.files('out/acme-acks')).toHaveLength(acksBefore);
    });

    test('SIGTERM: the gateway stops taking files, finishes its work and exits 0', async () => {
      const code = await gw.stop();
      expect(code).toBe(0);
      expect(gw.logged('stopped')).toBeDefined();
      if (kind === 'mariadb') expect(gw.lines.filter((l) => l.msg === 'worker process running')).toHaveLength(1);
    });
  });
