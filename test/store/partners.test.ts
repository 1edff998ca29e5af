import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Store } from '../../src/store/store';
import { DeliveryRecord } from '../../src/store/entities';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';

for (const kind of DATABASES)
  describeOn(kind, `store: partner health and pause on ${kind}`, () => {
    let db: TestDatabase | undefined;
    let store: Store;
    let now = new Date('2026-05-01T10:00:00.000Z');

    beforeAll(async () => {
      db = await freshDatabase(kind);
      store = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads'), clock: () => now });
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });
    const it = testWith(() => db);

    const message = async (partnerId: string, direction: 'in' | 'out', status: string, at: Date) => {
      now = at;
      const r = await store.receive({ direction, transport: 'file', bytes: Buffer.from(randomUUID()), partnerId });
      await store.setMessageStatus(r.message.id, status);
      return r.message.id;
    };
    const delivery = (partnerId: string, status: string) =>
      store.ds.getRepository(DeliveryRecord).insert({
        id: randomUUID(),
        messageId: randomUUID(),
        transactionId: null,
        partnerId,
        endpoint: 'erp',
        status,
        attempts: 0,
        nextAttemptAt: null,
        lastError: null,
        deliveredAt: null,
        createdAt: now,
        updatedAt: now,
      });

    it("counts today's traffic and refusals per partner, finds the last message each way, and the open deliveries", async () => {
      await message('acme', 'in', 'processed', new Date('2026-04-30T23:00:00.000Z'));
      await message('acme', 'out', 'sent', new Date('2026-04-30T23:30:00.000Z'));
      await message('acme', 'in', 'processed', new Date('2026-05-01T08:00:00.000Z'));
      await message('acme', 'in', 'rejected', new Date('2026-05-01T09:00:00.000Z'));
      await message('acme', 'out', 'failed', new Date('2026-05-01T09:30:00.000Z'));
      await message('globex', 'in', 'processed', new Date('2026-05-01T09:45:00.000Z'));
      await message('stranger', 'in', 'rejected', new Date('2026-05-01T09:50:00.000Z'));
      for (const status of ['pending', 'retrying', 'dead', 'delivered']) await delivery('acme', status);
      await delivery('globex', 'dead');

      const a = await store.partners.activity(['acme', 'globex', 'quiet'], new Date('2026-05-01T00:00:00.000Z'));
      expect([...a.keys()]).toEqual(['acme', 'globex', 'quiet']);
      expect(a.get('acme')).toEqual({
        lastIn: new Date('2026-05-01T09:00:00.000Z'),
        lastOut: new Date('2026-05-01T09:30:00.000Z'),
        today: { in: 2, out: 1, refused: 1, failed: 1 },
        deliveries: { waiting: 2, dead: 1 },
      });
      expect(a.get('globex')?.deliveries).toEqual({ waiting: 0, dead: 1 });
      expect(a.get('quiet')).toEqual({
        lastIn: null,
        lastOut: null,
        today: { in: 0, out: 0, refused: 0, failed: 0 },
        deliveries: { waiting: 0, dead: 0 },
      });
    });

    it("a partner's last message per direction is one index lookup, not a scan of its messages", async () => {
      const sql = 'SELECT MAX(receivedAt) AS last FROM message WHERE partnerId = ? AND direction = ?';
      const plan = JSON.stringify(
        await store.query(kind === 'sqlite' ? `EXPLAIN QUERY PLAN ${sql}` : `EXPLAIN ${sql}`, ['acme', 'in']),
      );
      expect(plan).toMatch(kind === 'sqlite' ? /ix_message_partner_direction/ : /Select tables optimized away/);
    });

    it('a pause is kept with who and why, a second pause changes nothing, and a resume clears it', async () => {
      expect(await store.partners.paused()).toEqual(new Set());
      now = new Date('2026-05-01T11:00:00.000Z');
      expect((await store.partners.setPaused('acme', true, 'olga', 'maintenance')).before).toBe(false);
      expect((await store.partners.setPaused('acme', true, 'olga', 'maintenance')).before).toBe(true);
      expect(await store.partners.paused()).toEqual(new Set(['acme']));
      // The metrics scrape reads the same, on its side connection.
      expect((await store.backlog()).pausedPartners).toEqual(['acme']);
      expect((await store.partners.states()).get('acme')).toEqual({
        partnerId: 'acme',
        paused: true,
        changedBy: 'olga',
        reason: 'maintenance',
        changedAt: now,
      });
      expect((await store.partners.setPaused('acme', false, 'max')).before).toBe(true);
      expect(await store.partners.paused()).toEqual(new Set());
      expect((await store.backlog()).pausedPartners).toEqual([]);
      expect((await store.partners.states()).get('acme')).toMatchObject({ paused: false, changedBy: 'max' });
    });
  });
