/** Outbound: canonical JSON written as X12 in the partner's envelope, or raw EDI as it is, queued and recorded. */
import { documentFor } from '../../src/canonical';
import { parseBuffer } from '../../src/edi/parse';
import { GatewayError } from '../../src/errors';
import { DeliveryRecord, InterchangeRecord, MessageRecord, TransactionRecord } from '../../src/store/entities';
import { sendDocument } from '../../src/pipeline/send';
import { DATABASES, describeOn } from '../helpers/databases';
import { type Harness, manualClock, pipelineSuite, x12Interchange } from './support';

/** A canonical PurchaseOrder, as the shipped reader makes it from an 850. */
function purchaseOrder(po: string): object {
  const tx = parseBuffer(Buffer.from(x12Interchange({ sender: 'X', control: 1, pos: [po] })), { level: 'full' })
    .interchanges[0].groups[0].transactions[0];
  return { document: 'PurchaseOrder', ...(documentFor('x12', '850')!.x12.read(tx) as object) };
}

for (const kind of DATABASES) {
  describeOn(kind, `sendDocument on ${kind}`, () => {
    const time = manualClock();
    const it = pipelineSuite(
      kind,
      {
        'partners/umbrella.yaml': [
          'id: umbrella',
          'identifiers: { x12: [{ qualifier: ZZ, id: UMBRELLA }] }',
          'acks: { expectWithin: 2h }',
          'endpoints: { orders: { file: { dir: out/umbrella } } }',
          'outbound: { x12: { isa: { test: true, ackRequested: true } } }',
        ].join('\n'),
      },
      time.clock,
    );
    const send = (h: Harness, bytes: Buffer | string, fileName?: string) =>
      sendDocument(h.ctx, {
        partnerId: 'umbrella',
        endpoint: 'orders',
        bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes),
        ...(fileName ? { fileName } : {}),
      });
    const payloadOf = async (h: Harness, messageId: string) =>
      h.store.payload((await h.store.ds.manager.findOneByOrFail(MessageRecord, { id: messageId })).sha256);
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected a failure');
        },
        (e: unknown) => e as GatewayError,
      );

    it('a JSON array of two PurchaseOrders: one X12 interchange with two 850s, recorded outbound with its ack expected', async (h) => {
      const queued = await send(h, JSON.stringify([purchaseOrder('PO-A'), purchaseOrder('PO-B')]), 'orders.json');
      expect(queued).toHaveLength(1);
      const [{ deliveryId, messageId }] = queued;
      const m = h.store.ds.manager;
      expect(await m.findOneByOrFail(DeliveryRecord, { id: deliveryId })).toMatchObject({
        messageId,
        partnerId: 'umbrella',
        endpoint: 'orders',
        status: 'pending',
      });
      const msg = await m.findOneByOrFail(MessageRecord, { id: messageId });
      expect(msg).toMatchObject({ direction: 'out', transport: 'file', partnerId: 'umbrella', status: 'queued' });
      expect(msg.fileName).toMatch(/^umbrella-850-\d{9}\.x12$/);

      const ic = parseBuffer(await payloadOf(h, messageId), { level: 'full' }).interchanges[0];
      expect(ic.errors).toEqual([]);
      expect([ic.sender.id.trim(), ic.receiver.id.trim(), ic.test]).toEqual(['OURCOMPANY', 'UMBRELLA', true]);
      expect(ic.header.elements[13]).toBe('1');
      expect(ic.groups).toHaveLength(1);
      expect(
        ic.groups[0].transactions.map((t) => [t.type, t.segments.find((s) => s.id === 'BEG')?.elements[2]]),
      ).toEqual([
        ['850', 'PO-A'],
        ['850', 'PO-B'],
      ]);

      const [rec] = await m.findBy(InterchangeRecord, { messageId });
      expect(rec).toMatchObject({
        direction: 'out',
        partnerId: 'umbrella',
        controlNumber: ic.controlNumber,
        ackStatus: 'expected',
      });
      expect(rec.ackDueAt?.getTime()).toBe(time.clock().getTime() + 2 * 3_600_000);
      expect(
        (await m.findBy(TransactionRecord, { interchangeId: rec.id })).map((t) => `${t.direction} ${t.type}`),
      ).toEqual(['out 850', 'out 850']);
    });

    it('control numbers increase with every interchange sent to the partner', async (h) => {
      const numbers: number[] = [];
      for (const po of ['PO-C', 'PO-D', 'PO-E']) {
        const [{ messageId }] = await send(h, JSON.stringify(purchaseOrder(po)));
        numbers.push(
          Number(parseBuffer(await payloadOf(h, messageId), { level: 'envelope' }).interchanges[0].controlNumber),
        );
      }
      expect(numbers[1]).toBe(numbers[0] + 1);
      expect(numbers[2]).toBe(numbers[1] + 1);
    });

    it('a document without "document" is refused, located by its index in the array; nothing is queued', async (h) => {
      const before = await h.store.ds.manager.count(DeliveryRecord);
      const { document: _drop, ...nameless } = purchaseOrder('PO-F') as { document: string };
      const e = await failure(send(h, JSON.stringify([purchaseOrder('PO-G'), nameless]), 'batch.json'));
      expect(e).toBeInstanceOf(GatewayError);
      expect(e.code).toBe('EDIGW_SEND_INVALID');
      expect(e.describe()).toBe(
        'batch.json [1]: the document cannot be sent: "document" must name the kind: PurchaseOrder, Invoice, ' +
          'ShipNotice or OrderResponse (got undefined) [EDIGW_SEND_INVALID]',
      );
      expect(await h.store.ds.manager.count(DeliveryRecord)).toBe(before);
    });

    it('raw X12 goes out byte for byte, and is recorded so its 997 is expected', async (h) => {
      const raw = Buffer.from(x12Interchange({ sender: 'OURCOMPANY', receiver: 'UMBRELLA', control: 555 }), 'latin1');
      const [{ messageId }] = await send(h, raw, 'po 555.x12');
      expect((await payloadOf(h, messageId)).equals(raw)).toBe(true);
      const m = h.store.ds.manager;
      expect(await m.findOneByOrFail(MessageRecord, { id: messageId })).toMatchObject({ fileName: 'po_555.x12' });
      expect(await m.findOneByOrFail(InterchangeRecord, { messageId })).toMatchObject({
        direction: 'out',
        controlNumber: '000000555',
        ackStatus: 'expected',
      });
    });

    it('neither JSON nor EDI, broken JSON, an unknown partner or endpoint: refused with what was wrong', async (h) => {
      const garbage = await failure(send(h, 'hello, this is not a purchase order\n', 'note.txt'));
      expect(garbage.code).toBe('EDIGW_SEND_INVALID');
      expect(garbage.describe()).toMatch(
        /^note\.txt: the document cannot be sent: neither canonical JSON nor X12\/EDIFACT: .+ \[EDIGW_SEND_INVALID\]$/,
      );
      const json = await failure(send(h, '{ "document": "PurchaseOrder", ', 'cut.json'));
      expect(json.describe()).toMatch(/^cut\.json: the document cannot be sent: not valid JSON: /);
      const envelope = await failure(
        send(
          h,
          x12Interchange({ sender: 'OURCOMPANY', receiver: 'UMBRELLA', control: 556 }).replace(
            'IEA*1*000000556',
            'IEA*1*000000557',
          ),
          'bad.x12',
        ),
      );
      expect(envelope.describe()).toMatch(/^bad\.x12: the document cannot be sent: the envelope is invalid: IEA02/);
      expect(
        await failure(sendDocument(h.ctx, { partnerId: 'nobody', endpoint: 'orders', bytes: Buffer.from('{}') })),
      ).toMatchObject({ code: 'EDIGW_SEND_INVALID' });
      expect(
        await failure(sendDocument(h.ctx, { partnerId: 'umbrella', endpoint: 'erp', bytes: Buffer.from('{}') })),
      ).toMatchObject({ code: 'EDIGW_ENDPOINT_UNKNOWN' });
    });
  });
}
