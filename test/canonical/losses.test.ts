import type { Segment, Transaction } from '../../src/edi/model';
import { purchaseOrder } from '../../src/canonical';
import { formatLoss, standardTranslation, type Translate, translationLosses } from '../../src/canonical/losses';
import { parse, profiles } from './support';

// A small 850 with what the PurchaseOrder carries and the ORDERS writes (BEG, N1 BY, an N1 MI with its
// N3, PO1 with its price basis, a CTP retail price, PID, PO4 pack and type, SDQ store allocations), what
// the document carries but the ORDERS cannot (REF DP, a CTP unit cost price, the PO4 size and unit), and
// what the document does not carry (the PO4 weight).
const isa =
  'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240102*1230*U*00401*000000042*0*P*>~';
const body = (beg02: string) =>
  [
    'ST*850*0001',
    `BEG*00*${beg02}*PO-1**20240301`,
    'REF*DP*042',
    'N1*BY*Buyer Inc*92*B1',
    'N1*MI*Mark For*92*M1',
    'N3*1 Mark Street',
    'PO1*1*12*EA*9.5*TE*BP*A-1*SN*S-77',
    'CTP**RES*19.99',
    'CTP**UCP*8.1',
    'PID*F****Widget',
    'PO4*6*2*EA*CTN25*G*3.5*LB',
    'SDQ*EA*92*0012*6*0014*6',
    'CTT*1',
  ].join('~') + '~';
function tx850(beg02 = 'SA'): Transaction {
  const segs = body(beg02);
  const count = segs.split('~').length;
  const edi = `${isa}GS*PO*SENDER*RECEIVER*20240102*1230*1*X*004010~${segs}SE*${count}*0001~GE*1*1~IEA*1*000000042~`;
  return parse(Buffer.from(edi))[0].groups[0].transactions[0];
}

const toEdifact = standardTranslation(purchaseOrder, 'x12', 'edifact');
const losses = async (tx: Transaction, t: Translate = toEdifact) =>
  translationLosses({ standard: 'x12', tx, file: 'po.x12', interchange: '000000042', profiles }, t, 'EDIFACT ORDERS');
const brief = async (tx: Transaction, t?: Translate) =>
  (await losses(tx, t)).map((l) => [l.segment, l.tag, l.qualifier ?? null, l.element ?? null, l.value ?? null]);

describe('translation losses', () => {
  test('an 850 to ORDERS: every dropped segment and element, located, and nothing the ORDERS carries', async () => {
    const tx = tx850();
    expect(tx.tree).toBeDefined();
    expect(await brief(tx)).toEqual([
      [3, 'REF', 'DP', null, null],
      [9, 'CTP', 'UCP', null, null],
      [11, 'PO4', null, 2, '2'],
      [11, 'PO4', null, 3, 'EA'],
      // The package type (CTN) reaches the PAC, its material (25) does not: the code as sent does not arrive.
      [11, 'PO4', null, 4, 'CTN25'],
      [11, 'PO4', null, 5, 'G'],
      [11, 'PO4', null, 6, '3.5'],
      [11, 'PO4', null, 7, 'LB'],
    ]);
    const [ref, ctp, size] = await losses(tx);
    // The document carries a department number (as x12:DP, a code EDIFACT's reference list has no
    // entry for), and the ORDERS written from it has no RFF for it.
    expect(formatLoss(ref)).toBe(
      'po.x12, interchange 000000042, transaction 0001, segment 3 (REF DP): dropped: the document carries it but the EDIFACT ORDERS written from it does not',
    );
    expect(formatLoss(ctp)).toContain('segment 9 (CTP UCP): dropped: the document carries it but');
    expect(formatLoss(size)).toContain('segment 11 (PO4), element 2: "2" dropped: the document carries it but');
  });

  test('a code read as the default it is (BEG02 SA) is not a loss; one read as that default though it is not (NE) is', async () => {
    expect((await losses(tx850('SA'))).filter((l) => l.tag === 'BEG')).toEqual([]);
    expect((await brief(tx850('NE'))).filter(([, tag]) => tag === 'BEG')).toEqual([[2, 'BEG', 'NE', 2, 'NE']]);
  });

  test('detection knows no fields: a translation that keeps every segment loses nothing, one that skips REF loses the REF', async () => {
    const tx = tx850();
    const keep: Translate = (t) => ({ document: null, output: t.segments.map((s: Segment) => [s.id, s.elements]) });
    expect(await losses(tx, keep)).toEqual([]);
    const noRef: Translate = (t) => ({
      document: null,
      output: t.segments.filter((s) => s.id !== 'REF').map((s) => [s.id, s.elements]),
    });
    expect(await brief(tx, noRef)).toEqual([[3, 'REF', 'DP', null, null]]);
  });

  test("a field the document carries but the writer leaves out is said to be the writer's", async () => {
    const tx = tx850();
    const noNotes: Translate = (t) => {
      const doc = purchaseOrder.x12.read(t);
      return {
        document: doc,
        output: purchaseOrder.edifact.write({
          ...doc,
          lines: doc.lines.map((l) => ({ ...l, description: undefined })),
        }),
      };
    };
    const pid = (await losses(tx, noNotes)).find((l) => l.tag === 'PID');
    expect(pid).toMatchObject({
      segment: 10,
      reason: 'the document carries it but the EDIFACT ORDERS written from it does not',
    });
  });

  test('a set too large to check within the budget is reported as not checked from the segment it stopped at, never as clean', async () => {
    const tx = tx850();
    const bounded = await translationLosses(
      { standard: 'x12', tx, file: 'po.x12', interchange: '000000042', profiles, budget: 40 },
      toEdifact,
      'EDIFACT ORDERS',
    );
    const last = bounded[bounded.length - 1];
    expect(last.reason).toMatch(
      /^not checked from here on: the transaction set \(\d+ segments\) is too large to check whole/,
    );
    expect(bounded.length).toBeLessThan((await losses(tx)).length + 1);
    expect(formatLoss(last)).toContain(`segment ${last.segment} (${last.tag})`);
  });
});
