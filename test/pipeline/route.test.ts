import { parseBuffer } from '../../src/edi/parse';
import { builtInProfiles } from '../../src/config/profiles';
import type { Interchange } from '../../src/edi/model';
import { findRoute, trackedFields } from '../../src/pipeline/route';
import { edifactInterchange, order850, partner, x12Interchange } from './support';

const parse = (text: string): Interchange =>
  parseBuffer(Buffer.from(text, 'latin1'), { level: 'full', profiles: builtInProfiles().set }).interchanges[0];
const firstTx = (ic: Interchange) => ic.groups[0].transactions[0];

const endpoints = {
  a: { file: { dir: 'out/a' } },
  b: { file: { dir: 'out/b' } },
  c: { file: { dir: 'out/c' } },
  d: { file: { dir: 'out/d' } },
  e: { file: { dir: 'out/e' } },
};
const withRoutes = (routes: unknown[]) =>
  partner({ id: 'acme', identifiers: { x12: [{ qualifier: 'ZZ', id: 'ACME' }] }, routes, endpoints });
const routeTo = (p: ReturnType<typeof withRoutes>, ic: Interchange) => findRoute(p, ic, firstTx(ic))?.to;

describe('router: findRoute', () => {
  const production = parse(x12Interchange({ sender: 'ACME', control: 1 }));
  const test = parse(x12Interchange({ sender: 'ACME', control: 2, test: true }));
  const vics = parse(x12Interchange({ sender: 'ACME', control: 3, version: '004010VICS' }));
  const orders = parse(edifactInterchange({ sender: '4000001000005', control: 4 }));

  it('the first matching route wins, even when a later one matches more closely', () => {
    const p = withRoutes([
      { match: { standard: 'x12' }, to: 'a' },
      { match: { standard: 'x12', type: '850' }, to: 'b' },
    ]);
    expect(routeTo(p, production)).toBe('a');
  });

  it('an absent or empty match takes everything', () => {
    expect(routeTo(withRoutes([{ to: 'a' }]), orders)).toBe('a');
    expect(routeTo(withRoutes([{ match: {}, to: 'b' }]), production)).toBe('b');
  });

  it('standard, type and test each narrow the match', () => {
    const p = withRoutes([
      { match: { standard: 'edifact' }, to: 'a' },
      { match: { type: '810' }, to: 'b' },
      { match: { type: 850, test: true }, to: 'c' },
      { match: { type: '850', test: false }, to: 'd' },
    ]);
    expect(routeTo(p, orders)).toBe('a');
    expect(routeTo(p, test)).toBe('c');
    expect(routeTo(p, production)).toBe('d');
  });

  it('version matches the GS08 version or the implementation it names (004010VICS)', () => {
    const p = withRoutes([
      { match: { version: '004010VICS' }, to: 'a' },
      { match: { version: '004010' }, to: 'b' },
    ]);
    expect(routeTo(p, vics)).toBe('a');
    expect(routeTo(p, production)).toBe('b');
    // A plain 004010 route also takes the VICS transaction: its version is 004010.
    expect(routeTo(withRoutes([{ match: { version: '004010' }, to: 'b' }]), vics)).toBe('b');
    expect(
      routeTo(withRoutes([{ match: { standard: 'edifact', version: 'D96A', type: 'ORDERS' }, to: 'e' }]), orders),
    ).toBe('e');
  });

  it('no matching route, or no routes at all: undefined', () => {
    expect(
      findRoute(
        withRoutes([
          { match: { type: '810' }, to: 'a' },
          { match: { standard: 'edifact' }, to: 'b' },
        ]),
        production,
        firstTx(production),
      ),
    ).toBeUndefined();
    expect(
      findRoute(partner({ id: 'bare', identifiers: { as2: 'BARE' } }), production, firstTx(production)),
    ).toBeUndefined();
  });
});

describe('router: trackedFields', () => {
  const ic = parse(
    x12Interchange({ sender: 'ACME', control: 5, bodies: [[...order850('PO-77', 2).slice(0, -1), 'CTT*2*21']] }),
  );
  const tx = firstTx(ic);

  it('reads the first occurrence of each SEGMENT.ELEMENT', () => {
    expect(trackedFields({ po: 'BEG.BEG03', sku: 'PO1.PO107', lines: 'CTT.CTT01', total: 'CTT.CTT02' }, tx)).toEqual({
      po: 'PO-77',
      sku: 'SKU-1',
      lines: '2',
      total: '21',
    });
  });

  it('leaves out empty and absent values; nothing found or no tracking: null', () => {
    expect(trackedFields({ po: 'BEG.BEG03', contract: 'BEG.BEG04', ref: 'REF.REF02' }, tx)).toEqual({ po: 'PO-77' });
    expect(trackedFields({ ref: 'REF.REF02' }, tx)).toBeNull();
    expect(trackedFields(undefined, tx)).toBeNull();
  });

  it('reads EDIFACT segments the same way', () => {
    expect(
      trackedFields(
        { order: 'BGM.BGM02' },
        firstTx(parse(edifactInterchange({ sender: '4000001000005', control: 6, po: 'ORD-6' }))),
      ),
    ).toEqual({ order: 'ORD-6' });
  });
});
