import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ShipNotice, checkDocument, shipNotice } from '../../src/canonical';
import { standardTranslation, translationLosses } from '../../src/canonical/losses';
import fc from 'fast-check';
import { expectClean, parse, profiles, shipNotices, via } from './support';

/** A hand-written 856: one order picked and packed in cartons (S/O/P/I), one on a pallet of cartons (S/O/T/P/I), SSCCs on each. */
const file = join(__dirname, '../fixtures/canonical/856-packs.edi');

function transaction() {
  const [ic] = parse(readFileSync(file));
  const tx = ic.groups[0].transactions[0];
  expect(tx.errors).toEqual([]);
  return tx;
}

function read(): ShipNotice {
  return shipNotice.x12.read(transaction());
}

/** Each package's SSCC, and the GTINs of the items packed in it (directly), per order. */
function packing(sn: ShipNotice) {
  return (sn.packs ?? []).map((p) => ({
    level: p.level,
    parent: p.parent && sn.packs?.find((x) => x.id === p.parent)?.marks?.[0]?.value,
    sscc: p.marks?.find((m) => m.qualifier === 'sscc')?.value,
    items: sn.orders.flatMap((o) => o.items.filter((i) => i.pack === p.id).map((i) => `${o.number}:${i.gtin}`)),
  }));
}

const expectedPacking = [
  { level: 'pack', sscc: '00012345600000000017', items: ['PO-100:4012345000030', 'PO-100:4012345000047'] },
  { level: 'pack', sscc: '00012345600000000024', items: ['PO-100:4012345000054'] },
  { level: 'tare', sscc: '00012345600000000031', items: [] },
  { level: 'pack', parent: '00012345600000000031', sscc: '00012345600000000048', items: ['PO-200:4012345000061'] },
  { level: 'pack', parent: '00012345600000000031', sscc: '00012345600000000055', items: ['PO-200:4012345000078'] },
];

/** What a DESADV has no place for: the order level's references, dates and parties. */
function withoutOrderLevel(sn: ShipNotice): ShipNotice {
  return { ...sn, orders: sn.orders.map(({ references: _r, dates: _d, parties: _p, ...o }) => o) };
}

describe('canonical ship notice: packages, marks and the order level', () => {
  test('856 with S/O/P/I and S/O/T/P/I: each package with its SSCC, parent and items; order-level REF, DTM, N1; shipment MEA', () => {
    const sn = read();
    expect(packing(sn)).toEqual(expectedPacking);
    expect(sn.packs?.[0]).toEqual({
      id: '1',
      level: 'pack',
      packaging: [{ type: 'carton', count: 1, weight: 12.5, weightKind: 'gross', weightUnit: 'LBR' }],
      marks: [{ qualifier: 'sscc', value: '00012345600000000017' }],
    });
    expect(sn.packs?.[3]).toMatchObject({
      id: '4',
      parent: '3',
      measurements: [{ dimension: 'height', value: 30, unit: 'INH' }],
    });
    expect(sn.measurements).toEqual([{ dimension: 'gross-weight', value: 412.5, unit: 'LBR' }]);
    expect(sn.orders[0]).toMatchObject({
      number: 'PO-100',
      orderDate: '2024-02-20',
      references: [{ qualifier: 'internal-vendor', value: 'VEND-9' }],
      dates: [{ qualifier: 'requested-delivery', date: '2024-03-05' }],
      parties: [{ role: 'buyer', id: '4012345000023', idQualifier: 'gln', name: 'BUYER CO' }],
    });
    expect(sn.orders.map((o) => o.items.length)).toEqual([3, 2]);
  });

  test('856 -> ShipNotice -> 856 gives back the same levels, parents and segments, clean', () => {
    const sn = read();
    const back = via(shipNotice, 'x12', sn);
    expectClean(back.ic);
    expect(back.doc).toEqual(sn);
    const original = readFileSync(file, 'latin1');
    const body = (s: string) => s.slice(s.indexOf('\nBSN'), s.indexOf('\nSE'));
    expect(body(back.bytes.toString('latin1'))).toEqual(body(original.replace(/\r?\n/g, '\n')));
  });

  test('856 -> DESADV: a CPS per package under its parent, PAC with PCI 33E and GIN BJ, the lines inside; back to the same ShipNotice', () => {
    const sn = read();
    const desadv = via(shipNotice, 'edifact', sn);
    expectClean(desadv.ic);
    const text = desadv.bytes.toString('latin1');
    expect(text.match(/CPS[^']*/g)).toEqual(['CPS+1', 'CPS+2+1', 'CPS+3+1', 'CPS+4+1+3', 'CPS+5+4', 'CPS+6+4']);
    expect(text).toContain(
      "CPS+2+1'\nPAC+1++CT'\nMEA+AAE+G+LBR:12.5'\nPCI+33E'\nGIN+BJ+00012345600000000017'\nLIN+1++4012345000030:EN'",
    );
    expect(text).toContain(
      "CPS+5+4'\nPAC'\nMEA+PD+HT+INH:30'\nPCI+33E'\nGIN+BJ+00012345600000000048'\nLIN+1++4012345000061:EN'",
    );
    expect(text).toContain("MEA+PD+G+LBR:412.5'");
    expect(desadv.doc).toEqual(withoutOrderLevel(sn));
    expect(packing(desadv.doc)).toEqual(expectedPacking);
    // ...and on to X12 again: the same 856 but for what the DESADV had no place for.
    const again = via(shipNotice, 'x12', desadv.doc);
    expectClean(again.ic);
    expect(again.doc).toEqual(withoutOrderLevel(sn));
  });

  test('DESADV -> ShipNotice -> 856 -> ShipNotice -> DESADV: the same packages, SSCCs and items in them', () => {
    const start = via(shipNotice, 'edifact', withoutOrderLevel(read()));
    const x12 = via(shipNotice, 'x12', start.doc);
    expectClean(x12.ic);
    expect(x12.doc).toEqual(start.doc);
    const back = via(shipNotice, 'edifact', x12.doc);
    expectClean(back.ic);
    expect(back.doc).toEqual(start.doc);
    expect(back.bytes.toString('latin1').replace(/UNB.*?'\n/, '')).toEqual(
      start.bytes.toString('latin1').replace(/UNB.*?'\n/, ''),
    );
    expect(packing(back.doc)).toEqual(expectedPacking);
  });

  test('a pallet that carries two orders: the 856 nests S/T/P/O/I with the order repeated, and reads back as one order each', () => {
    const sn: ShipNotice = {
      number: 'ASN-MIX',
      date: '2024-03-01',
      purpose: 'original',
      parties: [],
      references: [],
      dates: [],
      packs: [
        { id: '1', level: 'tare', marks: [{ qualifier: 'sscc', value: '340123450000000011' }] },
        { id: '2', parent: '1', level: 'pack', marks: [{ qualifier: 'sscc', value: '340123450000000028' }] },
        { id: '3', parent: '1', level: 'pack', marks: [{ qualifier: 'sscc', value: '340123450000000035' }] },
      ],
      orders: [
        {
          number: 'PO-A',
          items: [
            { lineNumber: '1', quantity: 5, unit: 'EA', gtin: '4012345000030', pack: '2' },
            { lineNumber: '2', quantity: 5, unit: 'EA', gtin: '4012345000047', pack: '3' },
          ],
        },
        { number: 'PO-B', items: [{ lineNumber: '1', quantity: 7, unit: 'EA', gtin: '4012345000054', pack: '2' }] },
      ],
    };
    const x12 = via(shipNotice, 'x12', sn);
    expectClean(x12.ic);
    expect(x12.bytes.toString().match(/HL\*[^~]*/g)).toEqual([
      'HL*1**S*1',
      'HL*2*1*O*0',
      'HL*3*1*O*0',
      'HL*4*1*T*1',
      'HL*5*4*P*1',
      'HL*6*5*O*1',
      'HL*7*6*I*0',
      'HL*8*5*O*1',
      'HL*9*8*I*0',
      'HL*10*4*P*1',
      'HL*11*10*O*1',
      'HL*12*11*I*0',
    ]);
    expect(x12.doc).toEqual(sn);
    const desadv = via(shipNotice, 'edifact', sn);
    expectClean(desadv.ic);
    expect(desadv.doc).toEqual(sn);
  });

  test('856 -> DESADV: the loss check names what the DESADV has no place for, and nothing of the packages', async () => {
    const found = await translationLosses(
      { standard: 'x12', tx: transaction(), profiles },
      standardTranslation(shipNotice, 'x12', 'edifact'),
      'EDIFACT DESADV',
    );
    expect(
      found.map(
        (l) => `${l.segment} ${l.tag}${l.qualifier ? ` ${l.qualifier}` : ''}${l.element ? `:${l.element}` : ''}`,
      ),
    ).toEqual(['14 REF IA', '15 DTM 002', '16 N1 BY']);
    expect(found[0].reason).toBe('the document carries it but the EDIFACT DESADV written from it does not');
  });

  test('an EANCOM-style DESADV (CPS under CPS, PAC, PCI 33E, GIN BJ, mixed pallet) -> 856 -> DESADV: the same packages and items, nothing lost', async () => {
    const [ic] = parse(readFileSync(join(__dirname, '../fixtures/canonical/desadv-packs.edi')));
    const tx = ic.groups[0].transactions[0];
    expect(tx.errors).toEqual([]);
    const sn = shipNotice.edifact.read(tx);
    const byPack = (d: ShipNotice) =>
      (d.packs ?? []).map((p) => [
        p.level,
        p.marks?.[0]?.value,
        d.orders.flatMap((o) => o.items.filter((i) => i.pack === p.id).map((i) => `${o.number}:${i.lineNumber}`)),
      ]);
    const expected = [
      ['tare', '354123450000000014', []],
      ['pack', '354123450000000021', ['PO-4711:1', 'PO-4711:2']],
      ['pack', '354123450000000038', ['PO-4712:3']],
      ['tare', '354123450000000045', ['PO-4711:4']],
    ];
    expect(byPack(sn)).toEqual(expected);
    expect(sn.packs?.map((p) => p.parent)).toEqual([undefined, '1', '1', undefined]);
    expect(sn.measurements).toEqual([{ dimension: 'gross-weight', value: 310, unit: 'KGM' }]);
    const x12 = via(shipNotice, 'x12', sn);
    expectClean(x12.ic);
    // The first pallet carries two orders: its 856 levels are S/T/P/O/I, each order's level repeated under its carton.
    expect(x12.bytes.toString()).toContain(
      'HL*5*4*P*1~\nTD1*CTN*1~\nMAN*GM*354123450000000021~\nHL*6*5*O*1~\nPRF*PO-4711***20240220~',
    );
    expect(x12.doc).toEqual(sn);
    expect(byPack(x12.doc)).toEqual(expected);
    const back = via(shipNotice, 'edifact', x12.doc);
    expectClean(back.ic);
    expect(back.doc).toEqual(sn);
    const found = await translationLosses(
      { standard: 'edifact', tx, profiles },
      standardTranslation(shipNotice, 'edifact', 'x12'),
      'X12 856',
    );
    expect(found).toEqual([]);
  });

  test('canonical JSON: a package or item naming a package that is not listed (before it) is refused with its path', () => {
    const r = checkDocument(shipNotice, {
      number: 'ASN-1',
      packs: [
        { id: '1', parent: '2', level: 'pack' },
        { id: '2', level: 'tare' },
        { id: '2', level: 'pack' },
      ],
      orders: [
        {
          items: [
            { quantity: 1, pack: '9' },
            { quantity: 2, pack: '1' },
          ],
        },
      ],
    });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.issues).toEqual([
      'packs[0].parent: "2" names no package listed before this one',
      'packs[2].id: "2" is the id of an earlier package',
      'orders[0].items[0].pack: "9" names no package of the notice',
    ]);
  });
});

/** Generated notices with packages: each item in a random package (or none), each package under a random earlier one (or none). */
const packedNotices = shipNotices.chain((sn) => {
  const n = sn.orders.reduce((k, o) => k + o.items.length, 0);
  return fc
    .record({
      packs: fc.array(
        fc.record({
          parent: fc.nat(),
          tare: fc.boolean(),
          sscc: fc.boolean(),
          weight: fc.option(fc.integer({ min: 1, max: 999 }), { nil: undefined }),
          height: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
        }),
        { maxLength: 5 },
      ),
      where: fc.array(fc.nat(), { minLength: n, maxLength: n }),
    })
    .map(({ packs, where }): ShipNotice => {
      let k = 0;
      return {
        ...sn,
        packs: packs.length
          ? packs.map((p, i) => {
              const parent = p.parent % (i + 1);
              return {
                id: String(i + 1),
                ...(parent < i ? { parent: String(parent + 1) } : {}),
                level: p.tare ? 'tare' : 'pack',
                ...(p.weight !== undefined
                  ? {
                      packaging: [
                        { type: 'carton', count: 1, weight: p.weight, weightKind: 'gross', weightUnit: 'KGM' },
                      ],
                    }
                  : {}),
                ...(p.sscc
                  ? { marks: [{ qualifier: 'sscc', value: `3401234500000000${String(i).padStart(2, '0')}` }] }
                  : {}),
                ...(p.height !== undefined
                  ? { measurements: [{ dimension: 'height', value: p.height, unit: 'CMT' }] }
                  : {}),
              } as const;
            })
          : undefined,
        orders: sn.orders.map((o) => ({
          ...o,
          items: o.items.map((i) => {
            const at = where[k++] % (packs.length + 1);
            return at ? { ...i, pack: String(at) } : i;
          }),
        })),
      };
    })
    .map((d) => (d.packs ? d : ((({ packs: _p, ...rest }) => rest)(d) as ShipNotice)));
});

/**
 * What packing means, whatever the order the standards list things in: each item (with its order) and
 * the chain of packages it sits in, innermost first, each package by its level, marks, packaging and
 * measurements; and the same chains of the packages that hold no item.
 */
function packed(sn: ShipNotice): string[] {
  // Key order is how a reader happened to fill an object, not data.
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sorted(x)]),
          )
        : v;
  const byId = new Map((sn.packs ?? []).map((p) => [p.id, p]));
  const chain = (id: string | undefined): unknown[] => {
    const out: unknown[] = [];
    for (let p = id ? byId.get(id) : undefined; p; p = p.parent ? byId.get(p.parent) : undefined)
      out.push([p.level, p.marks, p.packaging, p.measurements]);
    return out;
  };
  const holding = new Set<string>();
  const items = sn.orders.flatMap((o) =>
    o.items.map(({ pack, ...i }) => {
      for (let p = pack ? byId.get(pack) : undefined; p; p = p.parent ? byId.get(p.parent) : undefined)
        holding.add(p.id);
      return JSON.stringify(sorted([o.number, o.orderDate, i, chain(pack)]));
    }),
  );
  const empty = (sn.packs ?? []).filter((p) => !holding.has(p.id)).map((p) => JSON.stringify(sorted(chain(p.id))));
  return [...items, ...empty].sort();
}

describe('canonical ship notice: the time it was issued', () => {
  const base: ShipNotice = {
    number: 'ASN-T',
    date: '2024-03-01',
    purpose: 'original',
    parties: [],
    references: [],
    dates: [],
    orders: [{ number: 'PO-1', items: [{ quantity: 1, unit: 'EA', gtin: '4012345000030' }] }],
  };

  test.each([
    ['14:24', 'BSN*00*ASN-T*20240301*1424~', "DTM+137:202403011424:203'"],
    ['14:24:28', 'BSN*00*ASN-T*20240301*142428~', "DTM+137:20240301142428:204'"],
  ])('BSN04 %s <-> DTM 137 with the time, both ways', (time, bsn, dtm) => {
    const sn = { ...base, time };
    const x12 = via(shipNotice, 'x12', sn);
    expectClean(x12.ic);
    expect(x12.bytes.toString()).toContain(bsn);
    expect(x12.doc).toEqual(sn);
    const edifact = via(shipNotice, 'edifact', sn);
    expectClean(edifact.ic);
    expect(edifact.bytes.toString('latin1')).toContain(dtm);
    expect(edifact.doc).toEqual(sn);
  });

  test('no time: BSN04 0000 (mandatory) and DTM 137 a date, both read back as no time', () => {
    const x12 = via(shipNotice, 'x12', base);
    expect(x12.bytes.toString()).toContain('BSN*00*ASN-T*20240301*0000~');
    expect(x12.doc).toEqual(base);
    expect(via(shipNotice, 'edifact', base).bytes.toString('latin1')).toContain("DTM+137:20240301:102'");
  });
});

describe('canonical ship notice: packages, property', () => {
  test('any packing survives X12 and EDIFACT and each through the other: every item in the same chain of packages, both documents clean', () => {
    fc.assert(
      fc.property(packedNotices, (sn) => {
        const want = packed(sn);
        for (const std of ['x12', 'edifact'] as const) {
          const r = via(shipNotice, std, sn);
          expectClean(r.ic);
          expect(packed(r.doc)).toEqual(want);
          const other = via(shipNotice, std === 'x12' ? 'edifact' : 'x12', r.doc);
          expectClean(other.ic);
          expect(packed(other.doc)).toEqual(want);
        }
      }),
      { numRuns: 60 },
    );
  });
});
