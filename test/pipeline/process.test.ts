/**
 * The process job on a real store: parse, identify, dedupe, record, acknowledge, route, map and queue;
 * reconciling the acknowledgements partners send back; and the fence that keeps a job whose lease was
 * taken over from committing twice.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAck } from '../../src/edi/ack/build';
import { parseBuffer } from '../../src/edi/parse';
import { write } from '../../src/edi/write';
import {
  AckRecord,
  DeliveryRecord,
  EventRecord,
  GroupRecord,
  InterchangeRecord,
  JobRecord,
  MessageRecord,
  TransactionRecord,
} from '../../src/store/entities';
import { deliverJob, Senders } from '../../src/pipeline/deliver';
import { processMessage } from '../../src/pipeline/process';
import { transactionRows } from '../../src/admin/reports/query';
import { describeOn } from '../helpers/databases';
import { corpusAvailable, corpusDir, read } from '../helpers/corpus';
import { edifactInterchange, type Harness, manualClock, order850, pipelineSuite, x12Interchange } from './support';

const PARTNERS = {
  'partners/acme.yaml': [
    'id: acme',
    'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
    "acks: { x12: '997', ta1: on-error, to: acks }",
    'duplicates: { interchange: reject }',
    'tracking: { po: BEG.BEG03 }',
    'routes:',
    "  - match: { type: '850' }",
    '    map: acme/maps/order.jsonata',
    '    to: erp',
    'endpoints:',
    '  erp: { file: { dir: out/erp } }',
    '  acks: { file: { dir: out/acme-acks } }',
  ].join('\n'),
  'partners/acme/maps/order.jsonata':
    '{ "po": BEG.BEG03, "lines": [PO1_loop.{ "sku": PO1.PO107, "qty": $number(PO1.PO102), "name": $xref("items", PO1.PO107) }] }',
  'partners/xref/items.csv': 'sku,name\nSKU-1,Blue widget\n',
  'partners/warner.yaml': [
    'id: warner',
    'identifiers: { x12: [{ qualifier: ZZ, id: WARNER }] }',
    "acks: { x12: '997', to: acks }",
    'duplicates: { interchange: warn }',
    "routes: [{ match: { type: '850' }, to: erp }]",
    'endpoints: { erp: { file: { dir: out/warner } }, acks: { file: { dir: out/warner-acks } } }',
  ].join('\n'),
  'partners/accepter.yaml': [
    'id: accepter',
    'identifiers: { x12: [{ qualifier: ZZ, id: ACCEPTER }] }',
    'duplicates: { interchange: accept }',
    "routes: [{ match: { type: '850' }, to: erp }]",
    'endpoints: { erp: { file: { dir: out/accepter } } }',
  ].join('\n'),
  // Initech's orders go on to Umbrella as X12 of our own, whose 997 Umbrella owes within a day.
  'partners/initech.yaml': [
    'id: initech',
    'identifiers: { x12: [{ qualifier: ZZ, id: INITECH }] }',
    'routes:',
    "  - { match: { type: '850', test: true }, format: edifact, partner: globex, to: orders }",
    "  - { match: { type: '850' }, format: x12, partner: umbrella, to: orders }",
  ].join('\n'),
  'partners/globex.yaml': [
    'id: globex',
    "identifiers: { edifact: [{ qualifier: '14', id: '4000001000005' }] }",
    'acks: { expectWithin: 1h }',
    'endpoints: { orders: { file: { dir: out/globex } } }',
  ].join('\n'),
  // Hooli's orders go on to Stark, which reads only EDIFACT level A (upper case): lower case is refused, never sent.
  'partners/hooli.yaml': [
    'id: hooli',
    'identifiers: { x12: [{ qualifier: ZZ, id: HOOLI }] }',
    "routes: [{ match: { type: '850' }, format: edifact, partner: stark, to: orders }]",
  ].join('\n'),
  'partners/stark.yaml': [
    'id: stark',
    "identifiers: { edifact: [{ qualifier: '14', id: '4000001000012' }] }",
    "outbound: { edifact: { syntax: 'UNOA:3' } }",
    'endpoints: { orders: { file: { dir: out/stark } } }',
  ].join('\n'),
  // Pied Piper's orders go on to Hoff, pinned to level A but asking for transliteration: lower case is sent upper, and said.
  'partners/pied.yaml': [
    'id: pied',
    'identifiers: { x12: [{ qualifier: ZZ, id: PIED }] }',
    "routes: [{ match: { type: '850' }, format: edifact, partner: hoff, to: orders }]",
  ].join('\n'),
  'partners/hoff.yaml': [
    'id: hoff',
    "identifiers: { edifact: [{ qualifier: '14', id: '4000001000029' }] }",
    "outbound: { edifact: { syntax: 'UNOA:3', transliterate: true } }",
    'endpoints: { orders: { file: { dir: out/hoff } } }',
  ].join('\n'),
  'partners/edison.yaml': [
    'id: edison',
    "identifiers: { edifact: [{ qualifier: '14', id: '4000001000099' }] }",
    "routes: [{ match: { type: 'ORDERS' }, to: erp }]",
    'endpoints: { erp: { file: { dir: out/edison } } }',
  ].join('\n'),
  // Two partners of the shared corpus, for the acknowledgements of its faulty files: a 999 (with CTX) and a CONTRL.
  'gateway.yaml': [
    'identity:',
    '  x12: [{ qualifier: ZZ, id: OURCOMPANY }, { qualifier: ZZ, id: RECEIVERS.ID }]',
    "  edifact: [{ qualifier: '14', id: '5400000000001' }, { qualifier: '1', id: '006415160' }]",
    'delivery: { attempts: 3, backoff: 1s, maxBackoff: 4s }',
  ].join('\n'),
  'partners/submitter.yaml': [
    'id: submitter',
    'identifiers: { x12: [{ qualifier: ZZ, id: SUBMITTERS.ID }] }',
    "acks: { x12: '999', to: acks }",
    'endpoints: { acks: { file: { dir: out/submitter-acks } } }',
  ].join('\n'),
  'partners/widget.yaml': [
    'id: widget',
    "identifiers: { edifact: [{ qualifier: '1', id: '005435656' }] }",
    'acks: { edifact: CONTRL, to: acks }',
    'endpoints: { acks: { file: { dir: out/widget-acks } } }',
  ].join('\n'),
  // Lossy's orders go on to Globex as EDIFACT; what ORDERS cannot carry is recorded, and its test orders go strict.
  'partners/lossy.yaml': [
    'id: lossy',
    'identifiers: { x12: [{ qualifier: ZZ, id: LOSSY }] }',
    'routes:',
    "  - { match: { type: '850', test: true }, format: edifact, partner: globex, to: orders, strict: true }",
    "  - { match: { type: '850' }, format: edifact, partner: globex, to: orders }",
  ].join('\n'),
  // Dept's orders go on to Zenith, which reads D01B: a department number (REF DP) is RFF+AMV there.
  'partners/dept.yaml': [
    'id: dept',
    'identifiers: { x12: [{ qualifier: ZZ, id: DEPT }] }',
    "routes: [{ match: { type: '850' }, format: edifact, partner: zenith, to: orders, strict: true }]",
  ].join('\n'),
  'partners/zenith.yaml': [
    'id: zenith',
    "identifiers: { edifact: [{ qualifier: '14', id: '4000001000077' }] }",
    'outbound: { edifact: { directory: D01B } }',
    'endpoints: { orders: { file: { dir: out/zenith } } }',
  ].join('\n'),
  'partners/noisy.yaml': 'id: noisy\nidentifiers: { x12: [{ qualifier: ZZ, id: NOISY }] }\n',
  'partners/umbrella.yaml': [
    'id: umbrella',
    'identifiers: { x12: [{ qualifier: ZZ, id: UMBRELLA }] }',
    'acks: { expectWithin: 24h }',
    'endpoints: { orders: { file: { dir: out/umbrella } } }',
  ].join('\n'),
};

// Each case again with the payload streamed in batches of two transaction sets (process-stream.ts): it must record the same.
const STREAMED = { streamFrom: 0, batchTransactions: 2 };
for (const [kind, opts] of [
  ['sqlite', {}],
  ['sqlite', STREAMED],
  ['mariadb', {}],
  ['mariadb', STREAMED],
] as const) {
  describeOn(kind, `process job on ${kind}${opts === STREAMED ? ', streamed' : ''}`, () => {
    const time = manualClock();
    const it = pipelineSuite(kind, PARTNERS, time.clock);

    const receive = async (h: Harness, text: string, partnerId: string | null = null) => {
      const r = await h.store.receive({
        direction: 'in',
        transport: 'file',
        bytes: Buffer.from(text, 'latin1'),
        fileName: 'in.x12',
        partnerId,
      });
      return r.message.id;
    };
    const claim = async (h: Harness, messageId: string, worker = 'w1', leaseMs = 60_000) => {
      const job = await h.store.queue.claimKey(`${messageId}:process`, worker, leaseMs);
      if (!job) throw new Error(`no queued process job for ${messageId}`);
      return job;
    };
    const processed = async (h: Harness, text: string, partnerId: string | null = null) => {
      const id = await receive(h, text, partnerId);
      await processMessage(h.ctx, await claim(h, id), opts);
      return id;
    };
    const rows = (h: Harness) => h.store.ds.manager;
    const interchangesOf = (h: Harness, messageId: string) =>
      rows(h).find(InterchangeRecord, { where: { messageId }, order: { byteOffset: 'ASC' } });
    const transactionsOf = (h: Harness, interchangeId: string) =>
      rows(h).find(TransactionRecord, { where: { interchangeId }, order: { byteOffset: 'ASC' } });
    const acksOf = (h: Harness, interchangeId: string) =>
      rows(h).find(AckRecord, {
        where: { acknowledgesInterchangeId: interchangeId, direction: 'out' },
        order: { kind: 'ASC' },
      });
    const message = (h: Harness, id: string) => rows(h).findOneByOrFail(MessageRecord, { id });
    const payloadOf = async (h: Harness, messageId: string) => h.store.payload((await message(h, messageId)).sha256);
    const deliveriesOf = (h: Harness, transactionId: string) => rows(h).findBy(DeliveryRecord, { transactionId });
    const ackText = async (h: Harness, ack: AckRecord) => (await payloadOf(h, ack.messageId!)).toString('latin1');

    // The streamed path keeps of each set only what the acknowledgement reads (ackSummary): its 999
    // (with the CTX of each faulty segment's claim) and its CONTRL (echoing UNH S009) must be the bytes
    // the whole path sends, which are the acknowledgement of the file parsed whole.
    for (const [file, partner, kind] of [
      ['bad/imsweb__837_5010_x12_missing_elements.txt', 'submitter', '999'],
      ['bad/staedi__EDIFACT_invoic_d97b_bad.edi', 'widget', 'CONTRL'],
    ] as const) {
      it(`the ${kind} of corpus file ${file} is the acknowledgement of the file parsed whole`, async (h) => {
        corpusAvailable(); // without ../shared/corpus this fails, saying where it looked
        const bytes = read(join(corpusDir, file));
        const id = await processed(h, bytes.toString('latin1'), partner);
        const [ic] = await interchangesOf(h, id);
        const [ack] = (await acksOf(h, ic.id)).filter((a) => a.kind === kind);
        expect(ack).toBeDefined();
        const sent = await ackText(h, ack);
        // Our control number of the ack (ISA13 / UNB 0020), as allocated when it was sent.
        const controlNumber = Number(
          kind === 'CONTRL' ? /UNB\+[^+]*\+[^+]*\+[^+]*\+[^+]*\+(\d+)/.exec(sent)![1] : sent.split('*')[13],
        );
        const [whole] = parseBuffer(bytes, { level: 'full', profiles: h.ctx.profiles }).interchanges;
        const expected = write(buildAck(whole, kind, { controlNumber, now: time.clock() })).toString('latin1');
        expect(sent).toBe(expected);
        expect(sent).toMatch(kind === '999' ? /^CTX\*CLM01:/m : /UCM\+00000000000117\+INVOIC:D:97B:UN/);
      });
    }

    it('one message, two interchanges: the good one is acknowledged and routed, the unknown sender is refused with a TA1 006', async (h) => {
      const text =
        x12Interchange({ sender: 'ACME', control: 101, pos: ['PO-101'] }) +
        x12Interchange({ sender: 'NOBODY', control: 102 });
      const id = await processed(h, text, 'acme');
      expect(await message(h, id)).toMatchObject({
        status: 'partial',
        partnerId: 'acme',
        error: '1 of 2 interchange(s) rejected',
      });
      const [good, refused] = await interchangesOf(h, id);
      expect(good).toMatchObject({
        controlNumber: '000000101',
        partnerId: 'acme',
        validation: 'valid',
        ackStatus: 'A',
      });
      expect(refused).toMatchObject({
        controlNumber: '000000102',
        partnerId: 'acme',
        validation: 'invalid',
        ackStatus: 'R',
      });

      const [tx] = await transactionsOf(h, good.id);
      expect(tx).toMatchObject({
        type: '850',
        deliveryStatus: 'pending',
        route: 'acme/erp',
        ackStatus: 'A',
        tracked: { po: 'PO-101' },
        reference: 'PO-101',
      });
      expect((await transactionsOf(h, refused.id)).map((t) => t.deliveryStatus)).toEqual(['rejected']);
      expect(await deliveriesOf(h, (await transactionsOf(h, refused.id))[0].id)).toEqual([]);

      const [ack997] = await acksOf(h, good.id);
      expect(ack997).toMatchObject({ kind: '997', status: 'A', partnerId: 'acme' });
      expect(await ackText(h, ack997)).toMatch(/AK1\*PO\*101~[\s\S]*AK9\*A\*1\*1\*1~/);
      const [ta1] = await acksOf(h, refused.id);
      expect(ta1).toMatchObject({ kind: 'TA1', status: 'R' });
      expect(await ackText(h, ta1)).toContain('TA1*000000102*240102*1230*R*006~');
      const icEvent = (await h.store.events(id)).find((e) => e.stage === 'interchange' && e.status === 'error');
      expect(icEvent).toMatchObject({ code: 'EDIGW_PARTNER_UNKNOWN' });
      expect(icEvent?.detail).toContain('no partner file claims sender ZZ/NOBODY');

      // The routed order is delivered through the file endpoint, mapped, with its xref name.
      const [delivery] = await deliveriesOf(h, tx.id);
      expect(delivery).toMatchObject({ partnerId: 'acme', endpoint: 'erp', status: 'pending', attempts: 0 });
      const job = await h.store.queue.claimKey(`deliver:${delivery.id}`, 'w1');
      await deliverJob(h.ctx, job!, new Senders(h.ctx));
      const out = join(h.d.dir, 'out/erp');
      const [file] = readdirSync(out).filter((n) => n.includes('000000101'));
      expect(JSON.parse(readFileSync(join(out, file), 'utf8'))).toEqual({
        po: 'PO-101',
        lines: [{ sku: 'SKU-1', qty: 10, name: 'Blue widget' }],
      });
      expect(await rows(h).findOneByOrFail(DeliveryRecord, { id: delivery.id })).toMatchObject({
        status: 'delivered',
        attempts: 1,
        lastError: null,
      });
      expect(await rows(h).findOneByOrFail(TransactionRecord, { id: tx.id })).toMatchObject({
        deliveryStatus: 'delivered',
        deliveredAt: time.clock(),
      });
      expect(await rows(h).findOneByOrFail(JobRecord, { key: `deliver:${delivery.id}` })).toMatchObject({
        status: 'done',
      });
    });

    it('an EDIFACT interchange that repeats a UNH message reference delivers the first message only', async (h) => {
      const one = edifactInterchange({ sender: '4000001000099', control: 161, po: 'ORD-161' });
      const [head, tail] = one.split("UNZ+1+161'");
      // The same message again under the same reference (a valid message of its own, but for that).
      const again = head.slice(head.indexOf('UNH+')).replace('ORD-161', 'ORD-162');
      const id = await processed(h, `${head}${again}UNZ+2+161'${tail}`);
      const [ic] = await interchangesOf(h, id);
      const txs = await transactionsOf(h, ic.id);
      expect(txs.map((t) => [t.controlNumber, t.deliveryStatus])).toEqual([
        ['1', 'pending'],
        ['1', 'rejected'],
      ]);
      expect(await deliveriesOf(h, txs[0].id)).toHaveLength(1);
      expect(await deliveriesOf(h, txs[1].id)).toEqual([]);
    });

    it("a message from no particular channel may hold interchanges of several partners: each is its own sender's", async (h) => {
      const text =
        x12Interchange({ sender: 'ACCEPTER', control: 151 }) + x12Interchange({ sender: 'WARNER', control: 152 });
      const id = await processed(h, text);
      expect(await message(h, id)).toMatchObject({ status: 'processed', partnerId: 'accepter' });
      const ics = await interchangesOf(h, id);
      expect(ics.map((ic) => `${ic.partnerId} ${ic.validation}`)).toEqual(['accepter valid', 'warner valid']);
      expect((await transactionsOf(h, ics[1].id)).map((t) => t.route)).toEqual(['warner/erp']);
    });

    it('duplicates: reject refuses the second copy with a TA1 025 and routes nothing again', async (h) => {
      const text = x12Interchange({ sender: 'ACME', control: 201 });
      const first = await processed(h, text, 'acme');
      time.advance(1000);
      const again = await processed(h, text, 'acme');
      expect(await message(h, again)).toMatchObject({ status: 'rejected' });
      const [firstIc] = await interchangesOf(h, first);
      // The duplicate is not recorded as an interchange of its own: the first one stays the only one.
      expect(await interchangesOf(h, again)).toEqual([]);
      expect(await rows(h).countBy(TransactionRecord, { interchangeId: firstIc.id })).toBe(1);
      expect(await deliveriesOf(h, (await transactionsOf(h, firstIc.id))[0].id)).toHaveLength(1);
      const ta1 = await rows(h).findOneByOrFail(AckRecord, {
        direction: 'out',
        kind: 'TA1',
        interchangeControlNumber: '000000201',
      });
      expect(ta1).toMatchObject({ status: 'R', acknowledgesInterchangeId: null });
      expect(await ackText(h, ta1)).toContain('*R*025~');
      expect((await h.store.events(again)).find((e) => e.stage === 'interchange')).toMatchObject({
        status: 'error',
        code: 'EDIGW_DUPLICATE_INTERCHANGE',
      });
    });

    it('duplicates: warn records the copy with a warning, acknowledges it E and routes its transactions again', async (h) => {
      const text = x12Interchange({ sender: 'WARNER', control: 301 });
      const first = await processed(h, text);
      time.advance(1000);
      const again = await processed(h, text);
      expect(await message(h, again)).toMatchObject({ status: 'processed', partnerId: 'warner' });
      const [a] = await interchangesOf(h, first);
      const [b] = await interchangesOf(h, again);
      expect(b).toMatchObject({ controlNumber: '000000301', validation: 'warnings', ackStatus: 'E' });
      expect(b.id).not.toBe(a.id);
      expect(JSON.stringify(b.validationReport)).toContain('"code":"025"');
      const [tx] = await transactionsOf(h, b.id);
      expect(tx).toMatchObject({ deliveryStatus: 'pending', route: 'warner/erp' });
      expect(await deliveriesOf(h, tx.id)).toHaveLength(1);
      // The warning makes the envelope E, and ta1: on-error (the default) answers that too.
      expect((await acksOf(h, b.id)).map((x) => `${x.kind} ${x.status}`)).toEqual(['997 E', 'TA1 E']);
      expect((await h.store.events(again)).find((e) => e.stage === 'interchange')?.detail).toContain(
        '(duplicate accepted)',
      );
    });

    it('duplicates: accept records the copy as valid and routes its transactions again', async (h) => {
      const text = x12Interchange({ sender: 'ACCEPTER', control: 401 });
      const first = await processed(h, text);
      time.advance(1000);
      const again = await processed(h, text);
      const [a] = await interchangesOf(h, first);
      const [b] = await interchangesOf(h, again);
      expect(b).toMatchObject({ controlNumber: '000000401', validation: 'valid', partnerId: 'accepter' });
      expect(b.id).not.toBe(a.id);
      const [ta, tb] = [(await transactionsOf(h, a.id))[0], (await transactionsOf(h, b.id))[0]];
      expect(await deliveriesOf(h, ta.id)).toHaveLength(1);
      expect(await deliveriesOf(h, tb.id)).toHaveLength(1);
      expect(tb).toMatchObject({ deliveryStatus: 'pending', route: 'accepter/erp' });
      expect(await message(h, again)).toMatchObject({ status: 'processed' });
      // A third copy is accepted too: the first occurrence keeps the unique key, the copies their own.
      time.advance(1000);
      const third = await processed(h, text);
      expect(await interchangesOf(h, third)).toHaveLength(1);
    });

    it('a transaction with validation errors is not routed; the others in its interchange are', async (h) => {
      const text = x12Interchange({
        sender: 'ACME',
        control: 501,
        bodies: [order850('PO-501A'), ['PO1*1*10*EA*9.5**VP*SKU-1', 'CTT*1'], order850('PO-501C')],
      });
      const id = await processed(h, text, 'acme');
      // The one interchange was taken in, acknowledged and routed in part: it is not counted as not processed.
      expect(await message(h, id)).toMatchObject({
        status: 'partial',
        error: '1 of 1 interchange(s) with transaction sets rejected',
      });
      const [ic] = await interchangesOf(h, id);
      const txs = await transactionsOf(h, ic.id);
      expect(txs.map((t) => `${t.controlNumber} ${t.validation} ${t.ackStatus} ${t.deliveryStatus}`)).toEqual([
        '0001 valid A pending',
        '0002 invalid R rejected',
        '0003 valid A pending',
      ]);
      expect(await deliveriesOf(h, txs[1].id)).toEqual([]);
      expect(await deliveriesOf(h, txs[0].id)).toHaveLength(1);
      expect(await deliveriesOf(h, txs[2].id)).toHaveLength(1);
      const [ack] = await acksOf(h, ic.id);
      expect(ack).toMatchObject({ kind: '997', status: 'P' });
      expect(await ackText(h, ack)).toMatch(/AK2\*850\*0002~[\s\S]*AK5\*R\*5~[\s\S]*AK9\*P\*3\*3\*2~/);
    });

    it('X12 routed to another partner is recorded as our outbound interchange, its 997 expected; the 997 that comes back settles it', async (h) => {
      const id = await processed(h, x12Interchange({ sender: 'INITECH', control: 601, pos: ['PO-601'] }));
      expect(await message(h, id)).toMatchObject({ status: 'processed' });
      const [inTx] = await transactionsOf(h, (await interchangesOf(h, id))[0].id);
      expect(inTx).toMatchObject({ deliveryStatus: 'pending', route: 'umbrella/orders' });
      const [delivery] = await deliveriesOf(h, inTx.id);
      expect(delivery).toMatchObject({ partnerId: 'umbrella', endpoint: 'orders' });

      const [out] = await interchangesOf(h, delivery.messageId);
      expect(out).toMatchObject({ direction: 'out', partnerId: 'umbrella', ackStatus: 'expected' });
      expect([out.senderId.trim(), out.receiverId.trim()]).toEqual(['OURCOMPANY', 'UMBRELLA']);
      expect(out.ackDueAt?.getTime()).toBe(time.clock().getTime() + 24 * 3_600_000);
      const outTxs = await transactionsOf(h, out.id);
      expect(outTxs.map((t) => `${t.direction} ${t.type} ${t.ackStatus}`)).toEqual(['out 850 expected']);
      const sent = parseBuffer(await payloadOf(h, delivery.messageId), { level: 'full' }).interchanges[0];
      expect(sent.groups[0].transactions[0].segments.find((s) => s.id === 'BEG')?.elements[2]).toBe('PO-601');

      // Umbrella's 997 for it: from UMBRELLA to us, acknowledging the group we sent.
      time.advance(60_000);
      const ackBytes = write(buildAck(sent, '997', { controlNumber: 9001, now: time.clock() }));
      const ackMsg = await processed(h, ackBytes.toString('latin1'), 'umbrella');
      expect(await message(h, ackMsg)).toMatchObject({ status: 'processed', partnerId: 'umbrella' });
      expect(await rows(h).findOneByOrFail(InterchangeRecord, { id: out.id })).toMatchObject({ ackStatus: 'A' });
      expect((await transactionsOf(h, out.id)).map((t) => t.ackStatus)).toEqual(['A']);
      const received = await rows(h).findOneByOrFail(AckRecord, { direction: 'in', messageId: ackMsg });
      expect(received).toMatchObject({
        kind: '997',
        status: 'A',
        acknowledgesInterchangeId: out.id,
        partnerId: 'umbrella',
      });
      expect((await h.store.events(ackMsg)).find((e) => e.stage === 'ack-received')).toMatchObject({
        status: 'ok',
        interchangeId: out.id,
      });
      // The 997 itself is matched, not routed: Umbrella has no route, and that is no failure.
      const [ackTx] = await transactionsOf(h, (await interchangesOf(h, ackMsg))[0].id);
      expect(ackTx).toMatchObject({ type: '997', deliveryStatus: 'unrouted' });
    });

    it('a 997 that rejects the set we sent leaves R on our interchange, its group and its transaction set, and an error event', async (h) => {
      const id = await processed(h, x12Interchange({ sender: 'INITECH', control: 602, pos: ['PO-602'] }));
      const [inTx] = await transactionsOf(h, (await interchangesOf(h, id))[0].id);
      const [delivery] = await deliveriesOf(h, inTx.id);
      const [out] = await interchangesOf(h, delivery.messageId);
      const sent = parseBuffer(await payloadOf(h, delivery.messageId), { level: 'full' }).interchanges[0];

      // Umbrella's 997 says AK5*R for the set and AK9*R for the group.
      time.advance(60_000);
      const accepted = write(buildAck(sent, '997', { controlNumber: 9011, now: time.clock() })).toString('latin1');
      const rejecting = accepted.replace(/AK5\*A~/, 'AK5*R*5~').replace(/AK9\*A\*1\*1\*1~/, 'AK9*R*1*1*0~');
      expect(rejecting).not.toBe(accepted);
      const ackMsg = await processed(h, rejecting, 'umbrella');
      expect(await rows(h).findOneByOrFail(InterchangeRecord, { id: out.id })).toMatchObject({ ackStatus: 'R' });
      expect((await transactionsOf(h, out.id)).map((t) => t.ackStatus)).toEqual(['R']);
      expect((await rows(h).findBy(GroupRecord, { interchangeId: out.id })).map((g) => g.ackStatus)).toEqual(['R']);
      expect(await rows(h).findOneByOrFail(AckRecord, { direction: 'in', messageId: ackMsg })).toMatchObject({
        kind: '997',
        status: 'R',
        acknowledgesInterchangeId: out.id,
      });
      expect((await h.store.events(ackMsg)).find((e) => e.stage === 'ack-received')).toMatchObject({
        status: 'error',
        interchangeId: out.id,
      });
    });

    it('EDIFACT to a partner pinned to UNOA: text the level cannot carry fails the route with its place, and nothing is queued', async (h) => {
      const id = await processed(h, x12Interchange({ sender: 'HOOLI', control: 701, pos: ['PO-701', 'po-702'] }));
      const [ic] = await interchangesOf(h, id);
      const [carried, refused] = await transactionsOf(h, ic.id);
      expect(carried).toMatchObject({ deliveryStatus: 'pending', route: 'stark/orders' });
      expect(refused).toMatchObject({ deliveryStatus: 'failed' });
      expect(await deliveriesOf(h, refused.id)).toEqual([]);
      const event = (await h.store.events(id)).find((e) => e.stage === 'route' && e.transactionId === refused.id);
      expect(event).toMatchObject({ status: 'error', code: 'EDIGW_SERIALIZE_FAILED' });
      expect(event?.detail).toMatch(
        /for partner stark: .*message 1, segment 2 \(BGM\), element 2: 'p' \(U\+0070\) is not in UNOA .*outbound\.edifact\.syntax/,
      );
      const [delivery] = await deliveriesOf(h, carried.id);
      const sent = parseBuffer(await payloadOf(h, delivery.messageId)).interchanges[0];
      expect(sent.syntax).toMatchObject({ charset: 'UNOA', version: '3' });
    });

    it('EDIFACT to a partner pinned to UNOA with transliterate: the text is sent transliterated, with a located warning event', async (h) => {
      const id = await processed(h, x12Interchange({ sender: 'PIED', control: 731, pos: ['PO-731', 'po-732'] }));
      const [ic] = await interchangesOf(h, id);
      const [plain, changed] = await transactionsOf(h, ic.id);
      expect([plain.deliveryStatus, changed.deliveryStatus]).toEqual(['pending', 'pending']);
      const events = (await h.store.events(id)).filter((e) => e.code === 'EDIGW_TEXT_TRANSLITERATED');
      expect(events.map((e) => [e.transactionId, e.status])).toEqual([[changed.id, 'warning']]);
      expect(events[0].detail).toMatch(
        /route to hoff\/orders: .*segment 2 \(BGM\), element 2: "po-732" written as "PO-732"/,
      );
      const [delivery] = await deliveriesOf(h, changed.id);
      const sent = (await payloadOf(h, delivery.messageId)).toString('latin1');
      expect(sent).toContain("BGM+220+PO-732+9'");
    });

    const withDepartment = ['BEG*00*SA*PO-801**20240102', 'REF*DP*042', 'PO1*1*10*EA*9.5**VP*SKU-1', 'CTT*1'];
    it('a route that drops data records a located warning, shown in the report; the document is still sent', async (h) => {
      const id = await processed(
        h,
        x12Interchange({ sender: 'LOSSY', control: 801, bodies: [withDepartment, order850('PO-802')] }),
      );
      const [lossy, whole] = await transactionsOf(h, (await interchangesOf(h, id))[0].id);
      expect(lossy).toMatchObject({ deliveryStatus: 'pending', route: 'globex/orders' });
      expect(await deliveriesOf(h, lossy.id)).toHaveLength(1);
      const events = (await h.store.events(id)).filter((e) => e.code === 'EDIGW_TRANSLATION_LOSS');
      expect(events.map((e) => [e.transactionId, e.status])).toEqual([[lossy.id, 'warning']]);
      expect(events[0].detail).toMatch(
        new RegExp(
          String.raw`route to globex\/orders: 1 segment\(s\) or element\(s\) of 850 0001 .*: ` +
            String.raw`interchange 000000801, transaction 0001, segment 3 \(REF DP\): dropped: ` +
            String.raw`the document carries it but the EDIFACT ORDERS written from it does not ` +
            String.raw`\[EDIGW_TRANSLATION_LOSS\]$`,
        ),
      );
      const report = await transactionRows(h.store, { partner: 'lossy' });
      expect(report.map((r) => [r.transactionControlNumber, r.losses !== null])).toEqual([
        ['0001', true],
        ['0002', false],
      ]);
      expect(report[0].losses).toContain('segment 3 (REF DP): dropped');
      expect(whole).toMatchObject({ deliveryStatus: 'pending' });
    });

    it('a route to a D01B partner carries the department number as RFF+AMV: nothing dropped, even strict', async (h) => {
      const id = await processed(h, x12Interchange({ sender: 'DEPT', control: 831, bodies: [withDepartment] }));
      const [carried] = await transactionsOf(h, (await interchangesOf(h, id))[0].id);
      expect(carried).toMatchObject({ deliveryStatus: 'pending', route: 'zenith/orders' });
      expect((await h.store.events(id)).filter((e) => e.code === 'EDIGW_TRANSLATION_LOSS')).toEqual([]);
      const [delivery] = await deliveriesOf(h, carried.id);
      const sent = (await payloadOf(h, delivery.messageId)).toString('latin1');
      expect(sent).toContain("UNH+1+ORDERS:D:01B:UN'");
      expect(sent).toContain("RFF+AMV:042'");
    });

    it('a route reports a code that arrives as another code (an order type EDIFACT has no code for), located, as a loss', async (h) => {
      const newOrder = ['BEG*00*NE*PO-821**20240102', 'PO1*1*10*EA*9.5**VP*SKU-1', 'CTT*1'];
      const id = await processed(h, x12Interchange({ sender: 'LOSSY', control: 821, bodies: [newOrder] }));
      const [changed] = await transactionsOf(h, (await interchangesOf(h, id))[0].id);
      const events = (await h.store.events(id)).filter((e) => e.code === 'EDIGW_TRANSLATION_LOSS');
      expect(events.map((e) => [e.transactionId, e.status])).toEqual([[changed.id, 'warning']]);
      expect(events[0].detail).toMatch(/segment 2 \(BEG NE\), element 2: "NE" changed to "SA"/);
    });

    it('a strict route dead-letters a document it would send with data dropped, with the located reason', async (h) => {
      const id = await processed(
        h,
        x12Interchange({ sender: 'LOSSY', control: 811, test: true, bodies: [withDepartment, order850('PO-812')] }),
      );
      const [refused, whole] = await transactionsOf(h, (await interchangesOf(h, id))[0].id);
      expect(refused).toMatchObject({ deliveryStatus: 'failed' });
      expect(await deliveriesOf(h, refused.id)).toEqual([]);
      const event = (await h.store.events(id)).find((e) => e.stage === 'route' && e.transactionId === refused.id);
      expect(event).toMatchObject({ status: 'error', code: 'EDIGW_TRANSLATION_LOSS' });
      expect(event?.detail).toContain('segment 3 (REF DP): dropped');
      expect(whole).toMatchObject({ deliveryStatus: 'pending' });
      expect(await deliveriesOf(h, whole.id)).toHaveLength(1);
    });

    it('EDIFACT routed to another partner: its CONTRL, matched by the interchange control number, settles it', async (h) => {
      const id = await processed(h, x12Interchange({ sender: 'INITECH', control: 651, test: true }));
      const [delivery] = await deliveriesOf(h, (await transactionsOf(h, (await interchangesOf(h, id))[0].id))[0].id);
      const [out] = await interchangesOf(h, delivery.messageId);
      expect(out).toMatchObject({
        direction: 'out',
        standard: 'edifact',
        partnerId: 'globex',
        ackStatus: 'expected',
        test: true,
      });
      const sent = parseBuffer(await payloadOf(h, delivery.messageId), { level: 'full' }).interchanges[0];
      expect(sent.groups[0].transactions[0].type).toBe('ORDERS');

      time.advance(60_000);
      const contrl = write(buildAck(sent, 'CONTRL', { controlNumber: 9101, now: time.clock() }));
      const ackMsg = await processed(h, contrl.toString('latin1'), 'globex');
      expect(await rows(h).findOneByOrFail(AckRecord, { direction: 'in', messageId: ackMsg })).toMatchObject({
        kind: 'CONTRL',
        status: 'A',
        acknowledgesInterchangeId: out.id,
      });
      expect(await rows(h).findOneByOrFail(InterchangeRecord, { id: out.id })).toMatchObject({ ackStatus: 'A' });
      expect((await transactionsOf(h, out.id)).map((t) => t.ackStatus)).toEqual(['A']);
    });

    it('a 997 finds our interchange even when many newer groups of other partners share its group control number', async (h) => {
      const id = await processed(h, x12Interchange({ sender: 'INITECH', control: 701 }));
      const [delivery] = await deliveriesOf(h, (await transactionsOf(h, (await interchangesOf(h, id))[0].id))[0].id);
      const [out] = await interchangesOf(h, delivery.messageId);
      const sent = parseBuffer(await payloadOf(h, delivery.messageId), { level: 'full' }).interchanges[0];
      // Group control numbers are small per-partner counters: other partners' groups reuse them all the time.
      time.advance(1000);
      const gs06 = Number(sent.groups[0].controlNumber);
      await processed(
        h,
        Array.from({ length: 60 }, (_, i) =>
          x12Interchange({ sender: 'NOISY', control: 702_000 + i, group: gs06 }),
        ).join(''),
      );
      time.advance(1000);
      const ackMsg = await processed(
        h,
        write(buildAck(sent, '997', { controlNumber: 9003, now: time.clock() })).toString('latin1'),
        'umbrella',
      );
      expect(await rows(h).findOneByOrFail(AckRecord, { direction: 'in', messageId: ackMsg })).toMatchObject({
        acknowledgesInterchangeId: out.id,
      });
      expect(await rows(h).findOneByOrFail(InterchangeRecord, { id: out.id })).toMatchObject({ ackStatus: 'A' });
    });

    it('an acknowledgement of something never sent is recorded unmatched, with a warning event', async (h) => {
      const never = parseBuffer(
        Buffer.from(x12Interchange({ sender: 'OURCOMPANY', receiver: 'UMBRELLA', control: 777_001 })),
        { level: 'full' },
      ).interchanges[0];
      const ackMsg = await processed(
        h,
        write(buildAck(never, '997', { controlNumber: 9002, now: time.clock() })).toString('latin1'),
        'umbrella',
      );
      const rec = await rows(h).findOneByOrFail(AckRecord, { direction: 'in', messageId: ackMsg });
      expect(rec).toMatchObject({
        kind: '997',
        acknowledgesInterchangeId: null,
        groupControlNumber: '777001',
        status: 'A',
      });
      const warning = (await h.store.events(ackMsg)).find((e) => e.stage === 'ack-received');
      expect(warning).toMatchObject({ status: 'warning', code: 'unmatched', partnerId: 'umbrella' });
      expect(warning?.detail).toBe('997 acknowledges nothing we sent umbrella (group 777001)');
    });

    it('a process job whose lease was taken over rolls back; the new holder records everything once', async (h) => {
      const id = await receive(h, x12Interchange({ sender: 'ACME', control: 801 }), 'acme');
      const stale = await claim(h, id, 'slow-worker', 1_000);
      time.advance(2_000);
      const [fresh] = (await h.store.queue.claim('fast-worker', 10, 60_000, ['process'])).filter(
        (j) => j.messageId === id,
      );
      expect(fresh).toMatchObject({ id: stale.id, attempts: 2, claimedBy: 'fast-worker' });

      await expect(processMessage(h.ctx, stale, opts)).rejects.toThrow(
        `job ${stale.id} was taken over by another worker (lease expired); rolled back`,
      );
      expect(await interchangesOf(h, id)).toEqual([]);
      expect(await rows(h).countBy(EventRecord, { messageId: id })).toBe(1); // only `received`
      expect(await message(h, id)).toMatchObject({ status: 'received' });

      await processMessage(h.ctx, fresh, opts);
      const [ic] = await interchangesOf(h, id);
      expect(await interchangesOf(h, id)).toHaveLength(1);
      expect(await rows(h).countBy(AckRecord, { acknowledgesInterchangeId: ic.id })).toBe(1);
      expect(await deliveriesOf(h, (await transactionsOf(h, ic.id))[0].id)).toHaveLength(1);
      expect((await h.store.events(id)).filter((e) => e.stage === 'processed')).toHaveLength(1);
      expect(await rows(h).findOneByOrFail(JobRecord, { id: String(fresh.id) })).toMatchObject({
        status: 'done',
        claimedBy: 'fast-worker',
      });

      // The stale worker trying again changes nothing either.
      await expect(processMessage(h.ctx, stale, opts)).rejects.toThrow(/taken over/);
      expect(await interchangesOf(h, id)).toHaveLength(1);
    });

    it('unreadable bytes: the message is rejected with EDIGW_EDI_UNREADABLE and the job completes', async (h) => {
      const id = await processed(h, 'this is not EDI at all\n', 'acme');
      expect(await message(h, id)).toMatchObject({ status: 'rejected' });
      expect((await message(h, id)).error).toContain('[EDIGW_EDI_UNREADABLE]');
      expect(await rows(h).findOneByOrFail(JobRecord, { key: `${id}:process` })).toMatchObject({ status: 'done' });
      expect(existsSync(join(h.d.dir, 'out/acme-acks'))).toBe(false);
    });
  });
}
