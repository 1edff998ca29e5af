/**
 * The file inbox's batches against a crash (issue 17): the real gateway is killed (-9) while it takes
 * in a folder of files in batches, and started again. Every file comes in, each interchange is
 * recorded once, and no file leaves the inbox without its committed message.
 */
import { join } from 'node:path';
import { InterchangeRecord, MessageRecord } from '../../src/store/entities';
import { Store } from '../../src/store/store';
import { DATABASES, describeOn, freshDatabase, type TestDatabase } from '../helpers/databases';
import { eventually, GatewayProcess, scratch, type Scratch, x12Order } from './gateway';

jest.setTimeout(240_000);

const FILES = 240;

for (const kind of DATABASES)
  describeOn(kind, `file inbox batches across a kill -9 (real process, ${kind})`, () => {
    let db: TestDatabase | undefined;
    let s: Scratch;
    let gw: GatewayProcess | undefined;
    let store: Store | undefined;

    beforeAll(async () => {
      db = await freshDatabase(kind);
      s = scratch();
      s.file(
        'gateway.yaml',
        ['payloads: data/payloads', 'identity:', '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]', 'workers: 2'].join('\n'),
      );
      s.file(
        'partners/acme.yaml',
        [
          'id: acme',
          'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
          'inbound: { file: { dir: inbox/acme, every: 100ms, minAge: 100ms } }',
          'duplicates: { interchange: reject }',
        ].join('\n'),
      );
    });
    afterAll(async () => {
      if (gw) gw.kill('SIGKILL');
      await store?.close();
      s?.remove();
      await db?.drop();
    });

    const name = (i: number) => `po-${String(i).padStart(4, '0')}.x12`;

    test('killed while batches are taken in: after a restart every file is in once, none left, none lost', async () => {
      const env = { DATABASE_URL: db!.url, LOG_LEVEL: 'info' };
      gw = new GatewayProcess(`${s.dir}/gateway.yaml`, env);
      await gw.start();
      for (let i = 1; i <= FILES; i++)
        // Every tenth above the inline size: a payload file, fsynced with its folder before the commit.
        s.drop(
          `inbox/acme/${name(i)}`,
          x12Order({ sender: 'ACME', control: i, po: `PO-${i}`, lines: i % 10 === 0 ? 2500 : 2 }),
        );
      // The first batch committed; later ones are being read, stored or committed.
      await eventually('a first file taken in', () => gw!.logged('file taken in'), 60_000);
      gw.kill('SIGKILL');
      await gw.exit;

      gw = new GatewayProcess(`${s.dir}/gateway.yaml`, env);
      await gw.start();
      await eventually(
        'the inbox to empty',
        () => s.files('inbox/acme').filter((n) => n.endsWith('.x12')).length === 0,
        120_000,
      );
      store = await Store.open(db!.url, { payloadDir: join(s.dir, 'data/payloads') });
      await eventually(
        'every interchange recorded',
        async () => (await store!.ds.manager.count(InterchangeRecord, { where: { direction: 'in' } })) === FILES,
        120_000,
      );
      expect(await gw.stop()).toBe(0);
      gw = undefined;

      const expected = Array.from({ length: FILES }, (_, i) => name(i + 1));
      expect(s.files('inbox/acme/processed')).toEqual(expected);
      const interchanges = await store.ds.manager.find(InterchangeRecord, { where: { direction: 'in' } });
      expect(new Set(interchanges.map((i) => i.controlNumber)).size).toBe(FILES);
      // Each file has a message; one taken in again (committed, killed before its move) is the only
      // second message a file may have, and its interchange is not recorded twice (checked above).
      const messages = await store.ds.manager.find(MessageRecord, { where: { direction: 'in' } });
      expect(new Set(messages.map((m) => m.fileName))).toEqual(new Set(expected));
      for (const m of messages)
        expect((await store.payload(m.sha256, m.size)).toString()).toContain(
          `BEG*00*SA*PO-${Number(m.fileName!.slice(3, 7))}*`,
        );
    });
  });
