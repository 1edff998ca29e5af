/**
 * A dead acknowledgement (a 997 or TA1 whose delivery was given up) names what it acknowledges: the
 * inbound message of the interchange, its reference and the ack's kind, in the admin API's dead
 * letters, in the outbound message's deliveries and in `edi-gateway dead-letters`. The join is
 * ack.messageId → ack.acknowledgesInterchangeId → interchange.messageId. Real gateway, SQLite and MariaDB.
 */
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/main';
import { silentLogger } from '../../src/pipeline/logger';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';
import { cli, eventually, freePort, HttpSink, scratch, type Scratch, x12Order } from '../e2e/gateway';

jest.setTimeout(120_000);

const TOKEN = 'operator-token-0123456789abcdef';

interface DeadLetterRow {
  id: string;
  messageId: string;
  endpoint: string;
  type: string | null;
  reference: string | null;
  sourceMessageId: string | null;
}
interface Page {
  messages: Array<{
    id: string;
    fileName: string | null;
    deliveries: Array<{ type: string | null; reference: string | null; sourceMessageId: string | null }>;
  }>;
}

for (const kind of DATABASES)
  describeOn(kind, `dead letters of acknowledgements name the acknowledged message (real gateway, ${kind})`, () => {
    let db: TestDatabase | undefined;
    let s: Scratch;
    let ackSink: HttpSink;
    let gw: RunningGateway;
    let base = '';

    const get = async <T>(path: string): Promise<T> => {
      const r = await fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    };

    beforeAll(async () => {
      db = await freshDatabase(kind);
      s = scratch();
      // The partner's ack endpoint refuses everything, so both acks (TA1 and 997) are dead-lettered.
      ackSink = new HttpSink();
      ackSink.respond = () => 503;
      await ackSink.start();
      s.file(
        'gateway.yaml',
        [
          'identity:',
          '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
          `admin: { port: ${await freePort()}, token: ${TOKEN} }`,
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
          "acks: { x12: '997', ta1: always, to: acks }",
          'tracking: { po: BEG.BEG03 }',
          'routes:',
          "  - match: { type: '850' }",
          '    to: erp',
          'endpoints:',
          '  erp: { file: { dir: out/erp } }',
          `  acks: { http: { url: 'http://127.0.0.1:${ackSink.port}/acks' } }`,
        ].join('\n'),
      );
      gw = await startGateway({
        configFile: join(s.dir, 'gateway.yaml'),
        env: { DATABASE_URL: db.url },
        logger: silentLogger,
      });
      base = `http://127.0.0.1:${gw.admin!.port}`;
      s.drop('inbox/acme/po-2001.x12', x12Order({ sender: 'ACME', control: 2001, po: 'PO-ACKED-1' }));
      s.drop('inbox/acme/po-2002.x12', x12Order({ sender: 'ACME', control: 2002, po: 'PO-ACKED-2' }));
      await eventually(
        'four acks dead-lettered',
        async () => (await get<{ deadLetters: unknown[] }>('/api/dead-letters')).deadLetters.length === 4,
        60_000,
      );
    });

    afterAll(async () => {
      await gw?.stop();
      await ackSink?.stop();
      s?.remove();
      await db?.drop();
    });
    const test = testWith(() => db);

    const inboundId = async (fileName: string) => {
      const page = await get<Page>(`/api/messages?direction=in&q=${fileName}`);
      expect(page.messages.map((m) => m.fileName)).toEqual([fileName]);
      return page.messages[0].id;
    };

    test('GET /api/dead-letters gives each dead 997 and TA1 its kind, the reference and the source message', async () => {
      const first = await inboundId('po-2001.x12');
      const second = await inboundId('po-2002.x12');
      const { deadLetters } = await get<{ deadLetters: DeadLetterRow[] }>('/api/dead-letters?partner=acme');
      const seen = deadLetters.map((d) => [d.type, d.reference, d.sourceMessageId, d.endpoint]);
      expect(seen.sort()).toEqual(
        [
          ['997', 'PO-ACKED-1', first, 'acks'],
          ['997', 'PO-ACKED-2', second, 'acks'],
          ['TA1', 'PO-ACKED-1', first, 'acks'],
          ['TA1', 'PO-ACKED-2', second, 'acks'],
        ].sort(),
      );
    });

    test("an ack's outbound message lists its delivery with the acknowledged message as its source", async () => {
      const first = await inboundId('po-2001.x12');
      const out = await get<Page>('/api/messages?direction=out&partner=acme&transport=http&limit=50');
      const deliveries = out.messages.flatMap((m) => m.deliveries);
      expect(deliveries).toHaveLength(4);
      expect(
        deliveries
          .filter((d) => d.sourceMessageId === first)
          .map((d) => d.type)
          .sort(),
      ).toEqual(['997', 'TA1']);
      expect(deliveries.every((d) => d.reference !== null)).toBe(true);
    });

    test('edi-gateway dead-letters prints the kind and the reference of each dead ack', async () => {
      const r = await cli(['dead-letters', '--config', join(s.dir, 'gateway.yaml')], { DATABASE_URL: db!.url });
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n').filter((l) => l.includes('acme/acks'));
      expect(lines).toHaveLength(4);
      expect(lines.filter((l) => / 997 PO-ACKED-1 /.test(l))).toHaveLength(1);
      expect(lines.filter((l) => / TA1 PO-ACKED-2 /.test(l))).toHaveLength(1);
    });
  });
