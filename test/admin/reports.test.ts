import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Store } from '../../src/store/store';
import {
  AckRecord,
  DeliveryRecord,
  InterchangeRecord,
  TransactionRecord,
  type Direction,
} from '../../src/store/entities';
import { parseBuffer } from '../../src/edi/parse';
import {
  overdueAckCount,
  periodOfDays,
  rowFields,
  summaryRows,
  summaryTotals,
  transactionRows,
  firstErrorOf,
  type TransactionRow,
} from '../../src/admin/reports/query';
import { renderCsv } from '../../src/admin/reports/csv';
import { renderJson } from '../../src/admin/reports/json';
import { renderHtml } from '../../src/admin/reports/html';
import { x12 } from '../helpers/build';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';

/** A strict RFC 4180 reader: CRLF between records, quotes doubled inside quoted fields, no bare LF outside quotes. */
function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      while (true) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        if (text[i] === '"') {
          i++;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`bare quote at ${i}`);
        field += text[i++];
      }
    }
    row.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text.startsWith('\r\n', i)) {
      records.push(row);
      row = [];
      i += 2;
      continue;
    }
    if (i < text.length) throw new Error(`expected , or CRLF at ${i}, found ${JSON.stringify(text[i])}`);
  }
  if (row.length) throw new Error('last record does not end with CRLF');
  return records;
}

const at = (iso: string) => new Date(iso);
const NOW = at('2026-05-02T08:00:00.000Z');
const HOSTILE = '<script>alert(1)</script>';

for (const kind of DATABASES) {
  describeOn(kind, `audit report on ${kind}`, () => {
    let db: TestDatabase | undefined;
    let store: Store;
    let now = NOW;
    const ids: Record<string, string[]> = {};

    /** Receives one interchange at `when` and records it as the pipeline would. */
    async function seed(
      name: string,
      when: string,
      o: {
        partner: string | null;
        direction?: Direction;
        control: string;
        transactions?: string[][];
        transport?: string;
        as2?: string;
        file?: string;
        tracked?: Array<Record<string, string>>;
        ackDueAt?: string;
        test?: boolean;
        breakCount?: boolean;
      },
    ): Promise<void> {
      now = at(when);
      let text = x12({ control: o.control, transactions: o.transactions });
      if (o.test) text = text.replace('*0*P*:~', '*0*T*:~');
      if (o.breakCount) text = text.replace('SE*4*0001', 'SE*9*0001');
      const bytes = Buffer.from(text);
      const r = await store.receive({
        direction: o.direction ?? 'in',
        transport: o.transport ?? 'file',
        bytes,
        partnerId: o.partner,
        fileName: o.file ?? null,
        as2MessageId: o.as2 ?? null,
        as2From: o.as2 ? 'GW' : null,
        job: null,
      });
      const ic = parseBuffer(bytes).interchanges[0];
      const rec = await store.transaction((m) =>
        store.recordInterchange(m, {
          message: r.message,
          interchange: ic,
          partnerId: o.partner,
          tracked: (i) => o.tracked?.[i] ?? null,
          ackDueAt: o.ackDueAt ? at(o.ackDueAt) : null,
        }),
      );
      ids[name] = rec.transactions.map((t) => t.id);
      ids[`${name}:msg`] = [r.message.id];
      ids[`${name}:ic`] = [rec.interchange.id];
    }

    async function delivery(
      transactionId: string | null,
      status: string,
      when: string,
      deliveredAt: string | null = null,
      messageId: string = randomUUID(),
    ): Promise<void> {
      await store.ds.getRepository(DeliveryRecord).insert({
        id: randomUUID(),
        messageId,
        transactionId,
        partnerId: null,
        endpoint: 'erp-orders',
        status,
        attempts: 1,
        nextAttemptAt: null,
        lastError: status === 'delivered' ? null : 'connection refused',
        deliveredAt: deliveredAt ? at(deliveredAt) : null,
        createdAt: at(when),
        updatedAt: at(when),
      });
    }

    /** The acknowledgement we sent for an interchange, carried by `messageId` (null: built, not sent). */
    async function ourAck(interchangeId: string, messageId: string | null, when: string): Promise<void> {
      await store.ds.getRepository(AckRecord).insert({
        id: randomUUID(),
        direction: 'out',
        kind: '997',
        messageId,
        acknowledgesInterchangeId: interchangeId,
        partnerId: 'acme',
        interchangeControlNumber: null,
        groupControlNumber: null,
        transactionControlNumber: null,
        status: 'A',
        report: null,
        createdAt: at(when),
      });
    }

    beforeAll(async () => {
      db = await freshDatabase(kind);
      store = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads'), clock: () => now });
      await store.migrate();
      const po = ['BEG*00*SA*PO1**20240102', 'PO1*1*10*EA*9.5**VP*ABC'];
      // 04-28: acme sends two orders; the first is delivered on the second try, the second is dead-lettered.
      await seed('acme1', '2026-04-28T09:00:00.000Z', {
        partner: 'acme',
        control: '000000101',
        file: 'po-1.edi',
        transactions: [po, po],
        tracked: [
          { po: 'PO-1', total: '100.00' },
          { po: 'PO-2', total: '-12.50' },
        ],
      });
      await delivery(ids.acme1[0], 'failed', '2026-04-28T09:01:00.000Z');
      await delivery(ids.acme1[0], 'delivered', '2026-04-28T09:05:00.000Z', '2026-04-28T09:05:30.000Z');
      await delivery(ids.acme1[1], 'dead', '2026-04-28T09:10:00.000Z');
      // Our 997 for it: the first delivery of its message failed, the second reached acme.
      const ack997 = randomUUID();
      await ourAck(ids['acme1:ic'][0], ack997, '2026-04-28T09:00:01.000Z');
      await delivery(null, 'failed', '2026-04-28T09:00:01.000Z', null, ack997);
      await delivery(null, 'delivered', '2026-04-28T09:02:00.000Z', '2026-04-28T09:02:01.000Z', ack997);
      // 04-28, late: we send beta an order over AS2 and expect a 997 within a day (it never comes).
      await seed('beta1', '2026-04-28T23:30:00.000Z', {
        partner: 'beta',
        direction: 'out',
        transport: 'as2',
        as2: '<out-1@gw.example>',
        control: '000000201',
        tracked: [{ po: 'B-1' }],
        ackDueAt: '2026-04-29T23:30:00.000Z',
      });
      // Sent as a whole message (as `send` queues it): its delivery names no transaction set.
      await delivery(null, 'pending', '2026-04-28T23:30:00.000Z', null, ids['beta1:msg'][0]);
      // 04-29: acme sends an invalid order whose tracked fields are hostile to spreadsheets and browsers.
      await seed('acme2', '2026-04-29T12:00:00.000Z', {
        partner: 'acme',
        control: '000000102',
        breakCount: true,
        file: 'po-2.edi',
        tracked: [{ po: 'A,"B"\nC', note: '=HYPERLINK("http://evil.example")', buyer: HOSTILE }],
      });
      // A 999 was built for it, but acme names no endpoint for acknowledgements.
      await ourAck(ids['acme2:ic'][0], null, '2026-04-29T12:00:01.000Z');
      // 04-30: two more to beta: one still within its ack window, one rejected by beta's 997.
      await seed('beta2', '2026-04-30T08:00:00.000Z', {
        partner: 'beta',
        direction: 'out',
        transport: 'as2',
        as2: '<out-2@gw.example>',
        control: '000000202',
        ackDueAt: '2026-05-03T00:00:00.000Z',
      });
      await delivery(ids.beta2[0], 'delivered', '2026-04-30T08:00:01.000Z', '2026-04-30T08:00:02.000Z');
      await seed('beta3', '2026-04-30T10:00:00.000Z', {
        partner: 'beta',
        direction: 'out',
        transport: 'as2',
        as2: '<out-3@gw.example>',
        control: '000000203',
        ackDueAt: '2026-04-30T12:00:00.000Z',
      });
      await store.ds.getRepository(InterchangeRecord).update({ id: ids['beta3:ic'][0] }, { ackStatus: 'R' });
      await store.ds.getRepository(TransactionRecord).update({ interchangeId: ids['beta3:ic'][0] }, { ackStatus: 'R' });
      // 05-01 at midnight exactly: a test interchange from acme; later an interchange from nobody we know.
      await seed('acme3', '2026-05-01T00:00:00.000Z', {
        partner: 'acme',
        control: '000000103',
        test: true,
        tracked: [{ po: 'PO-9' }],
      });
      await seed('unknown', '2026-05-01T09:00:00.000Z', { partner: null, control: '000000999' });
      now = NOW;
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });
    const it = testWith(() => db);

    it('one row per transaction set, oldest first, with its envelopes, message and latest delivery', async () => {
      const rows = await transactionRows(store, { now: NOW });
      expect(rows.map((r) => [r.partner, r.interchangeControlNumber, r.transactionControlNumber])).toEqual([
        ['acme', '000000101', '0001'],
        ['acme', '000000101', '0002'],
        ['beta', '000000201', '0001'],
        ['acme', '000000102', '0001'],
        ['beta', '000000202', '0001'],
        ['beta', '000000203', '0001'],
        ['acme', '000000103', '0001'],
        [null, '000000999', '0001'],
      ]);
      expect(rows[0]).toEqual({
        partner: 'acme',
        direction: 'in',
        transport: 'file',
        as2MessageId: null,
        fileName: 'po-1.edi',
        standard: 'x12',
        version: '004010',
        implementation: null,
        type: '850',
        interchangeControlNumber: '000000101',
        groupControlNumber: '1',
        transactionControlNumber: '0001',
        senderQualifier: 'ZZ',
        sender: 'SENDER',
        receiverQualifier: 'ZZ',
        receiver: 'RECEIVER',
        test: false,
        receivedAt: '2026-04-28T09:00:00.000Z',
        deliveredAt: '2026-04-28T09:05:30.000Z',
        validation: 'valid',
        ackStatus: 'none',
        ackOverdue: false,
        deliveryStatus: 'delivered',
        tracked: { po: 'PO-1', total: '100.00' },
        reference: 'PO-1',
        messageId: expect.any(String),
        transactionId: ids.acme1[0],
        reason: null,
        losses: null,
        ackDelivery: 'delivered',
      } satisfies Record<keyof TransactionRow, unknown>);
      expect(rows[1]).toMatchObject({
        deliveryStatus: 'dead',
        deliveredAt: null,
        tracked: { po: 'PO-2', total: '-12.50' },
      });
      expect(rows[2]).toMatchObject({
        direction: 'out',
        transport: 'as2',
        as2MessageId: '<out-1@gw.example>',
        ackStatus: 'overdue',
        ackOverdue: true,
        deliveryStatus: 'pending',
        tracked: { po: 'B-1' },
        ackDelivery: 'none',
      });
      expect(rows[3]).toMatchObject({ validation: 'invalid', fileName: 'po-2.edi', ackDelivery: 'unsent' });
      expect(rows[4]).toMatchObject({
        ackStatus: 'expected',
        ackOverdue: false,
        deliveryStatus: 'delivered',
        deliveredAt: '2026-04-30T08:00:02.000Z',
        tracked: {},
        reference: null,
      });
      expect(rows[5]).toMatchObject({ ackStatus: 'R', ackOverdue: false, deliveryStatus: 'none', ackDelivery: 'none' });
      expect(rows[6]).toMatchObject({ test: true, receivedAt: '2026-05-01T00:00:00.000Z' });
      expect(rows[7]).toMatchObject({ partner: null, tracked: {} });
    });

    it('filters by partner and by whole UTC days, --to inclusive', async () => {
      const acme = await transactionRows(store, { partner: 'acme', now: NOW });
      expect(acme.map((r) => r.interchangeControlNumber)).toEqual(['000000101', '000000101', '000000102', '000000103']);
      const p = periodOfDays('2026-04-29', '2026-04-30');
      if ('error' in p) throw new Error(p.error);
      expect(p).toEqual({ from: at('2026-04-29T00:00:00.000Z'), to: at('2026-05-01T00:00:00.000Z') });
      const days = await transactionRows(store, { ...p, now: NOW });
      // 04-28T23:30 is before; 05-01T00:00:00.000 is the first instant after.
      expect(days.map((r) => r.interchangeControlNumber)).toEqual(['000000102', '000000202', '000000203']);
      const both = await transactionRows(store, { ...p, partner: 'beta', now: NOW });
      expect(both.map((r) => r.interchangeControlNumber)).toEqual(['000000202', '000000203']);
      const may = periodOfDays('2026-05-01', '2026-05-01');
      if ('error' in may) throw new Error(may.error);
      expect((await transactionRows(store, { ...may, now: NOW })).map((r) => r.interchangeControlNumber)).toEqual([
        '000000103',
        '000000999',
      ]);
      expect(await transactionRows(store, { partner: 'nobody' })).toEqual([]);
    });

    it('bad days are refused with a reason', async () => {
      expect(periodOfDays('2026-02-30')).toEqual({ error: '--from "2026-02-30" is not a date (YYYY-MM-DD)' });
      expect(periodOfDays(undefined, '1 May')).toEqual({ error: '--to "1 May" is not a date (YYYY-MM-DD)' });
      expect(periodOfDays('2026-05-02', '2026-05-01')).toEqual({ error: '--from 2026-05-02 is after --to 2026-05-01' });
    });

    it('an expected ack is overdue only once its time has passed, and reading never flags it', async () => {
      const before = await transactionRows(store, { partner: 'beta', now: at('2026-04-29T23:29:59.999Z') });
      expect(before.map((r) => [r.interchangeControlNumber, r.ackStatus, r.ackOverdue])).toEqual([
        ['000000201', 'expected', false],
        ['000000202', 'expected', false],
        ['000000203', 'R', false],
      ]);
      const after = await transactionRows(store, { partner: 'beta', now: NOW });
      expect(after.map((r) => r.ackOverdue)).toEqual([true, false, false]);
      expect(
        (await store.ds.getRepository(InterchangeRecord).findOneByOrFail({ id: ids['beta1:ic'][0] })).ackStatus,
      ).toBe('expected');
    });

    it('the newest rows, newest first, for the console; and the count of overdue acks by the same rule', async () => {
      const latest = await transactionRows(store, { latest: 3, now: NOW });
      expect(latest.map((r) => r.interchangeControlNumber)).toEqual(['000000999', '000000103', '000000203']);
      expect(await overdueAckCount(store, at('2026-04-29T23:29:59.999Z'))).toBe(0);
      expect(await overdueAckCount(store, NOW)).toBe(1);
      expect(await overdueAckCount(store, at('2026-05-03T00:00:00.001Z'))).toBe(2);
    });

    it('per-day summary per partner, with totals', async () => {
      const summary = summaryRows(await transactionRows(store, { now: NOW }));
      const zero = {
        transactions: 0,
        inbound: 0,
        outbound: 0,
        invalid: 0,
        rejected: 0,
        failures: 0,
        overdueAcks: 0,
        delivered: 0,
      };
      expect(summary).toEqual([
        { ...zero, day: '2026-04-28', partner: 'acme', transactions: 2, inbound: 2, failures: 1, delivered: 1 },
        { ...zero, day: '2026-04-28', partner: 'beta', transactions: 1, outbound: 1, overdueAcks: 1 },
        { ...zero, day: '2026-04-29', partner: 'acme', transactions: 1, inbound: 1, invalid: 1 },
        { ...zero, day: '2026-04-30', partner: 'beta', transactions: 2, outbound: 2, rejected: 1, delivered: 1 },
        { ...zero, day: '2026-05-01', partner: 'acme', transactions: 1, inbound: 1 },
        { ...zero, day: '2026-05-01', partner: null, transactions: 1, inbound: 1 },
      ]);
      expect(summaryTotals(summary)).toEqual({
        transactions: 8,
        inbound: 5,
        outbound: 3,
        invalid: 1,
        rejected: 1,
        failures: 1,
        overdueAcks: 1,
        delivered: 2,
      });
    });

    it('CSV: RFC 4180 with CRLF, tracked fields as sorted columns, formula cells neutralized', async () => {
      const rows = await transactionRows(store, { now: NOW });
      const csv = renderCsv(rows);
      const records = readCsv(csv);
      const header = records[0];
      expect(header).toEqual([
        ...rowFields.slice(0, rowFields.indexOf('tracked')),
        'tracked.buyer',
        'tracked.note',
        'tracked.po',
        'tracked.total',
        'reference',
        'messageId',
        'transactionId',
        'reason',
        'losses',
        'ackDelivery',
      ]);
      expect(records).toHaveLength(rows.length + 1);
      const get = (rec: string[], name: string) => rec[header.indexOf(name)];
      const hostile = records.find((r) => get(r, 'interchangeControlNumber') === '000000102')!;
      expect(get(hostile, 'tracked.po')).toBe('A,"B"\nC');
      expect(get(hostile, 'tracked.note')).toBe(`'=HYPERLINK("http://evil.example")`);
      expect(get(hostile, 'tracked.buyer')).toBe(HOSTILE);
      expect(get(hostile, 'validation')).toBe('invalid');
      expect(get(records[2], 'tracked.total')).toBe('-12.50');
      expect(get(records[1], 'deliveredAt')).toBe('2026-04-28T09:05:30.000Z');
      expect(get(records[1], 'test')).toBe('false');
      expect(get(records[1], 'as2MessageId')).toBe('');
      // A report without embedded quotes or line breaks reads back with a plain split.
      const beta = renderCsv(await transactionRows(store, { partner: 'beta', now: NOW }));
      const lines = beta.split('\r\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((l) => l.split(',')[rowFields.indexOf('interchangeControlNumber')])).toEqual([
        'interchangeControlNumber',
        '000000201',
        '000000202',
        '000000203',
      ]);
      expect(lines[0].split(',')).toContain('tracked.po');
    });

    it('JSON: an array of rows with exactly the documented keys', async () => {
      const rows = await transactionRows(store, { now: NOW });
      const parsed = JSON.parse(renderJson(rows)) as Array<Record<string, unknown>>;
      expect(Array.isArray(parsed)).toBe(true);
      expect(parsed).toHaveLength(8);
      for (const r of parsed) expect(Object.keys(r)).toEqual([...rowFields]);
      expect(parsed[3].tracked).toEqual({ po: 'A,"B"\nC', note: '=HYPERLINK("http://evil.example")', buyer: HOSTILE });
      expect(parsed[2]).toMatchObject({ ackOverdue: true, test: false, deliveredAt: null });
    });

    it('HTML: one self-contained page, every value escaped, with a chart and the totals', async () => {
      const rows = await transactionRows(store, { now: NOW });
      const html = renderHtml(rows, {
        from: at('2026-04-28T00:00:00Z'),
        to: at('2026-05-02T00:00:00Z'),
        generatedAt: NOW,
      });
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.toMatch(/\b(src|href)\s*=/i);
      expect(html).toContain('<svg');
      expect(html).toContain('thead { display: table-header-group; }');
      expect(html).toMatch(/Period \(UTC\)<\/dt><dd>2026-04-28 to 2026-05-01</);
      expect(html).toMatch(/Generated<\/dt><dd>2026-05-02 08:00:00 UTC</);
      const card = (label: string) =>
        new RegExp(`<div class="label">${label}</div><div class="value">(\\d+)</div>`).exec(html)?.[1];
      expect([
        card('Transaction sets'),
        card('Delivered'),
        card('Invalid'),
        card('Rejected'),
        card('Delivery failures'),
        card('Overdue acks'),
      ]).toEqual(['8', '2', '1', '1', '1', '1']);
      expect(html).toContain('Transaction sets (8)');
      // The control numbers of every row are on the page.
      for (const r of rows) expect(html).toContain(r.interchangeControlNumber!);
      const acme = renderHtml(
        rows.filter((r) => r.partner === 'acme'),
        { partner: 'ac<me', generatedAt: NOW },
      );
      expect(acme).toContain('<dd>ac&lt;me</dd>');
      expect(renderHtml([], { generatedAt: NOW })).toContain('No transaction sets were recorded in this period.');
      // Whether our acknowledgement reached the partner shows under the acknowledgement.
      expect(html).toContain('our ack delivered');
      expect(html).toContain('our ack not sent: no endpoint');
    });

    it('HTML: with the console address, each row links to its message page there', async () => {
      const rows = await transactionRows(store, { now: NOW });
      const html = renderHtml(rows, { generatedAt: NOW, consoleUrl: 'https://edi.example.com/ops' });
      const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
      expect(links).toEqual(rows.map((r) => `https://edi.example.com/ops/messages/${r.messageId}`));
      expect(html).toContain('Each row links to its message in the console.');
    });
  });
}

describe('cli: report', () => {
  const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
  const dir = mkdtempSync(join(tmpdir(), 'edigw-report-'));
  const url = `sqlite:${join(dir, 'gateway.sqlite')}`;
  const cli = (env: Record<string, string>, ...args: string[]) => {
    const { EDI_GATEWAY_CONFIG: _unused, ...base } = process.env;
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { ...base, ...env } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  beforeAll(async () => {
    expect(cli({ DATABASE_URL: url }, 'migrate').code).toBe(0);
    const store = await Store.open(url, { payloadDir: join(dir, 'payloads'), clock: () => at('2026-05-01T10:00:00Z') });
    try {
      const bytes = Buffer.from(x12({ control: '000000777' }));
      const r = await store.receive({
        direction: 'in',
        transport: 'file',
        bytes,
        partnerId: 'acme',
        fileName: 'po.edi',
      });
      await store.transaction((m) =>
        store.recordInterchange(m, {
          message: r.message,
          interchange: parseBuffer(bytes).interchanges[0],
          partnerId: 'acme',
          tracked: () => ({ po: 'PO-7' }),
        }),
      );
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('report --format json prints the rows and exits 0', () => {
    const r = cli({ DATABASE_URL: url }, 'report', '--format', 'json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0])).toEqual([...rowFields]);
    expect(rows[0]).toMatchObject({
      partner: 'acme',
      interchangeControlNumber: '000000777',
      fileName: 'po.edi',
      tracked: { po: 'PO-7' },
      receivedAt: '2026-05-01T10:00:00.000Z',
    });
    expect(JSON.parse(cli({ DATABASE_URL: url }, 'report', '--format', 'json', '--to', '2026-04-30').out)).toEqual([]);
    expect(
      JSON.parse(
        cli(
          { DATABASE_URL: url },
          'report',
          '--format',
          'json',
          '--from',
          '2026-05-01',
          '--to',
          '2026-05-01',
          '--partner',
          'acme',
        ).out,
      ),
    ).toHaveLength(1);
  });

  test('CSV is the default and HTML is a whole page', () => {
    const csv = cli({ DATABASE_URL: url }, 'report');
    expect(csv.code).toBe(0);
    expect(csv.out.split('\r\n')[0]).toMatch(/^partner,direction,transport,/);
    const html = cli({ DATABASE_URL: url }, 'report', '--format', 'html');
    expect(html.code).toBe(0);
    expect(html.out).toMatch(/^<!DOCTYPE html>/);
    // No gateway.yaml here, so no admin listener and no console to link to.
    expect(html.out).not.toMatch(/<a class="mid"/);
  });

  test("HTML: each row links to its message in the console the admin listener serves, or alerts.console's", () => {
    const config = (name: string, yaml: string) => {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'gateway.yaml'), yaml);
      return join(dir, name, 'gateway.yaml');
    };
    const page = (file: string) => cli({ DATABASE_URL: url }, 'report', '--format', 'html', '--config', file).out;
    expect(page(config('listener', 'admin: { port: 18090 }\n'))).toMatch(
      /<a class="mid" href="http:\/\/127\.0\.0\.1:18090\/messages\/[0-9a-f-]{36}">/,
    );
    expect(
      page(
        config(
          'named',
          "admin: { port: 18090 }\nalerts: { console: 'https://edi.example.com/ops', webhook: { url: 'https://hooks.example.com/x' } }\n",
        ),
      ),
    ).toMatch(/<a class="mid" href="https:\/\/edi\.example\.com\/ops\/messages\/[0-9a-f-]{36}">/);
  });

  test('a bad date exits 2 with one line; so does an unknown format', () => {
    const r = cli({ DATABASE_URL: url }, 'report', '--from', '2026-13-01');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toEqual(['edi-gateway: report: --from "2026-13-01" is not a date (YYYY-MM-DD)']);
    expect(cli({ DATABASE_URL: url }, 'report', '--format', 'pdf').code).toBe(2);
  });

  test('a database that is not there or not reachable exits 1 with one line, and nothing is created', () => {
    const missing = cli({ DATABASE_URL: `sqlite:${join(dir, 'nope', 'gw.sqlite')}` }, 'report');
    expect(missing.code).toBe(1);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/no database file there/);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
    expect(cli({ DATABASE_URL: url }, 'report').code).toBe(0);
    const down = cli({ DATABASE_URL: 'mysql://root:secret@127.0.0.1:1/x' }, 'report');
    expect(down.code).toBe(1);
    expect(down.err.trim().split('\n')).toHaveLength(1);
    expect(down.err).toMatch(/^edi-gateway: reporting from mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/x: /);
    expect(down.err).not.toContain('secret');
    expect(down.err).not.toMatch(/\bat .*\.js:\d+/);
  });
});

describe('report: the reason column', () => {
  it('is the first error of a stored validation report, with the acknowledgement segment that carries its code', () => {
    const report = [
      { severity: 'warning', level: 'segment', code: '3', message: 'a warning first' },
      { severity: 'error', level: 'transaction', code: '5', message: 'number of included segments does not match' },
    ];
    expect(firstErrorOf(report, 'x12')).toBe('AK5 5: number of included segments does not match');
    expect(firstErrorOf(JSON.stringify({ diagnostics: report, omitted: 3 }), 'edifact')).toBe(
      'UCM 5: number of included segments does not match',
    );
    expect(firstErrorOf([{ severity: 'error', level: 'interchange', code: '006', message: 'duplicate' }], 'x12')).toBe(
      'TA1 006: duplicate',
    );
    expect(firstErrorOf(null, 'x12')).toBeNull();
    expect(firstErrorOf([report[0]], 'x12')).toBeNull();
  });
});
