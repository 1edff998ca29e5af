import type { Segment, Transaction } from '../../src/edi/model';
import { documentFor, purchaseOrder } from '../../src/canonical';
import { corpusFiles, describeWithCorpus, read } from '../helpers/corpus';
import {
  formatLoss,
  standardTranslation,
  type Translate,
  translationLosses,
  VerdictCache,
} from '../../src/canonical/losses';
import { parse, profiles } from './support';
import { loadProfiles } from '../../src/config/profiles';
import { parseBuffer } from '../../src/edi/parse';

// A small 850 with what the PurchaseOrder carries and the ORDERS writes (BEG, N1 BY, an N1 MI with its
// N3, PO1 with its price basis, a CTP retail price, PID, PO4 pack and type, SDQ store allocations),
// and what the document carries but the ORDERS cannot (REF DP, a CTP unit cost price, the PO4 size and
// unit); the PO4 weight is the PAC group's MEA AAE.
const isa =
  'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240102*1230*U*00401*000000042*0*P*>~';
const body = (beg02: string, buyer = 'N1*BY*Buyer Inc*92*B1') =>
  [
    'ST*850*0001',
    `BEG*00*${beg02}*PO-1**20240301`,
    'REF*DP*042',
    buyer,
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
function edi850(beg02 = 'SA', buyer?: string): string {
  const segs = body(beg02, buyer);
  const count = segs.split('~').length;
  return `${isa}GS*PO*SENDER*RECEIVER*20240102*1230*1*X*004010~${segs}SE*${count}*0001~GE*1*1~IEA*1*000000042~`;
}
function tx850(beg02 = 'SA', buyer?: string): Transaction {
  return parse(Buffer.from(edi850(beg02, buyer)))[0].groups[0].transactions[0];
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

  test('a PO1 unit with no exact EDIFACT counterpart (X12 CS, cassette) is located as the code it comes back as', async () => {
    const tx = parse(Buffer.from(edi850().replace('PO1*1*12*EA*', 'PO1*1*12*CS*')))[0].groups[0].transactions[0];
    const changed = (await losses(tx)).filter((l) => l.changedTo !== undefined);
    // Rec 20 CS is a case, which X12 writes CA: the receiver is told cases, and the 850 gives back CA.
    expect(changed.map(formatLoss)).toEqual([
      'po.x12, interchange 000000042, transaction 0001, segment 7 (PO1), element 3: "CS" changed to "CA": ' +
        'the document reads "CS" as it reads "CA", so the EDIFACT ORDERS written from it gives back "CA"',
    ]);
    // The same order in EA arrives as sent: no line.
    expect((await losses(tx850())).filter((l) => l.changedTo !== undefined)).toEqual([]);
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

  test('verdicts kept from one set hold for the next of the same shape without a probe; other codes are probed afresh', async () => {
    let calls = 0;
    const counted: Translate = Object.assign(
      (t: Transaction) => {
        calls++;
        return toEdifact(t);
      },
      { restore: toEdifact.restore },
    );
    const check = async (tx: Transaction, verdicts?: VerdictCache) => {
      calls = 0;
      const found = await translationLosses(
        { standard: 'x12', tx, file: 'po.x12', interchange: '000000042', profiles, ...(verdicts ? { verdicts } : {}) },
        counted,
        'EDIFACT ORDERS',
      );
      return { found, calls };
    };
    const cache = new VerdictCache();
    const first = await check(tx850(), cache);
    expect(first.calls).toBeGreaterThan(20);
    expect(cache.size).toBeGreaterThan(0);
    // Another order of the same shape (other names and numbers): the baseline translation, no probe,
    // and the same losses as a check of its own.
    const next = tx850('SA', 'N1*BY*Another Buyer*92*B77');
    const cached = await check(next, cache);
    expect(cached.calls).toBe(1);
    expect(cached.found).toEqual((await check(next)).found);
    // An agency no list maps (N103 31) is a code: that N1 is probed again and its loss found.
    const other = tx850('SA', 'N1*BY*Buyer Inc*31*B1');
    const own = (await check(other)).found;
    expect(own).toContainEqual(expect.objectContaining({ segment: 4, tag: 'N1', element: 3, value: '31' }));
    const withCache = await check(other, cache);
    expect(withCache.calls).toBeGreaterThan(1);
    expect(withCache.found).toEqual(own);
  });

  test('a cache used with another profile set (partner profiles reloaded) starts afresh', async () => {
    const cache = new VerdictCache();
    await translationLosses({ standard: 'x12', tx: tx850(), profiles, verdicts: cache }, toEdifact, 'EDIFACT ORDERS');
    const kept = cache.size;
    expect(kept).toBeGreaterThan(0);
    const reloaded = loadProfiles().set;
    const tx = parseBuffer(Buffer.from(edi850()), { level: 'full', profiles: reloaded }).interchanges[0].groups[0]
      .transactions[0];
    let calls = 0;
    const counted: Translate = Object.assign(
      (t: Transaction) => {
        calls++;
        return toEdifact(t);
      },
      { restore: toEdifact.restore },
    );
    await translationLosses({ standard: 'x12', tx, profiles: reloaded, verdicts: cache }, counted, 'EDIFACT ORDERS');
    expect(calls).toBeGreaterThan(20);
    expect(cache.size).toBe(kept);
  });
});

describeWithCorpus('translation losses over the corpus', () => {
  // Every set of a document kind in the clean corpus, with the standard translation to the other standard.
  const sets = [...corpusFiles('x12'), ...corpusFiles('edifact')].flatMap((file) => {
    let ics;
    try {
      ics = parseBuffer(read(file), { level: 'full', profiles }).interchanges;
    } catch {
      return []; // not X12 or EDIFACT
    }
    return ics.flatMap((ic) =>
      ic.groups
        .flatMap((g) => g.transactions)
        .flatMap((tx) => {
          const kind = documentFor(ic.standard, tx.type);
          if (!kind) return [];
          const to = ic.standard === 'x12' ? 'edifact' : 'x12';
          return [
            { ic, tx, translate: standardTranslation(kind, ic.standard, to), name: `${kind.name} ${ic.standard}` },
          ];
        }),
    );
  });
  const check = (s: (typeof sets)[number], verdicts?: VerdictCache) =>
    translationLosses(
      { standard: s.ic.standard, tx: s.tx, profiles, ...(verdicts ? { verdicts } : {}) },
      s.translate,
      'target',
    );

  test('kept verdicts change no finding: each set loses the same with them as on its own, in either order', async () => {
    expect(sets.length).toBeGreaterThanOrEqual(20);
    const own = await Promise.all(sets.map((s) => check(s)));
    for (const order of [sets, [...sets].reverse()]) {
      const caches = new Map<string, VerdictCache>();
      for (const s of order) {
        if (!caches.has(s.name)) caches.set(s.name, new VerdictCache());
        expect(await check(s, caches.get(s.name))).toEqual(own[sets.indexOf(s)]);
      }
    }
  });
});
