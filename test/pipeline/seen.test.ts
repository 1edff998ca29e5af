import { join } from 'node:path';
import { Store } from '../../src/store/store';
import { seenInStore } from '../../src/pipeline/intake';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';

for (const kind of DATABASES) {
  describeOn(kind, `what pollers have taken in, from the store (${kind})`, () => {
    let db: TestDatabase | undefined;
    let store: Store;
    beforeAll(async () => {
      db = await freshDatabase(kind);
      store = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads') });
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });
    const it = testWith(() => db);

    it('a file counts as seen once a message from its URL with its bytes is committed, for that partner only', async () => {
      const url = 'sftp://gw@sftp.acme.example:22/out/po%201.edi';
      const bytes = Buffer.from('ISA*…');
      const r = await store.receive({
        direction: 'in',
        transport: 'sftp-poll',
        bytes,
        partnerId: 'acme',
        remotePath: url,
        fileName: 'po 1.edi',
      });
      const key = `${url} ${bytes.length} 1767225600000 ${r.message.sha256}`;
      expect(await seenInStore(store, 'acme').has(key)).toBe(true);
      expect(await seenInStore(store, 'globex').has(key)).toBe(false);
      // Changed content under the same name is a new file.
      expect(await seenInStore(store, 'acme').has(`${url} 9 1767225600001 ${'0'.repeat(64)}`)).toBe(false);
      expect(
        await seenInStore(store, 'acme').has(
          `sftp://gw@sftp.acme.example:22/out/other.edi ${bytes.length} 1 ${r.message.sha256}`,
        ),
      ).toBe(false);
    });

    it('a message that recorded the mtime the poller listed matches that mtime only: the same bytes put again later are a new file', async () => {
      const url = 'ftp://gw@ftp.acme.example:21/out/resend.edi';
      const bytes = Buffer.from('ISA*resend');
      const r = await store.receive({
        direction: 'in',
        transport: 'ftp-poll',
        bytes,
        partnerId: 'acme',
        remotePath: url,
        remoteMtime: 1767225600000,
      });
      expect((await store.message(r.message.id))?.remoteMtime).toBe(1767225600000);
      const seen = seenInStore(store, 'acme');
      expect(await seen.has(`${url} ${bytes.length} 1767225600000 ${r.message.sha256}`)).toBe(true);
      expect(await seen.has(`${url} ${bytes.length} 1767225660000 ${r.message.sha256}`)).toBe(false);
    });
  });
}
