import { applyOutboundSettings, interchangeDocument, outboundVersion } from '../../src/pipeline/outbound';
import { builtInProfiles } from '../../src/config/profiles';
import { GatewayError } from '../../src/errors';
import { edifactInterchange, purchaseOrder, x12Interchange } from '../../src/canonical';
import { write } from '../../src/edi/write';
import { parseBuffer } from '../../src/edi/parse';
import type { LoadedPartner } from '../../src/config/partners';

const env = {
  sender: { qualifier: '14', id: '5400000000001' },
  receiver: { qualifier: '14', id: '4000001000005' },
  controlNumber: 7,
  now: new Date('2026-01-02T03:04:00Z'),
};
const body = [{ id: 'BGM', elements: ['220', 'PO-1', '9'], offset: 0 }];
const partner = (outbound: LoadedPartner['outbound']) =>
  ({ id: 'p', identifiers: { edifact: [] }, outbound, file: 'p.yaml' }) as unknown as LoadedPartner;

describe("a partner's outbound envelope settings", () => {
  test('EDIFACT: the UNB syntax identifier and no UNA when the partner says so', () => {
    const ic = applyOutboundSettings(
      edifactInterchange([{ type: 'ORDERS', version: 'D96A', body }], env),
      partner({ edifact: { syntax: 'UNOA:2', una: false, transliterate: false } }),
    );
    const text = write(ic).toString('latin1');
    expect(text.startsWith('UNB+UNOA:2+5400000000001:14+4000001000005:14+')).toBe(true);
    const back = parseBuffer(Buffer.from(text, 'latin1')).interchanges[0];
    expect(back.syntax).toMatchObject({ version: '2' });
    expect(back.errors).toEqual([]);
  });

  test('EDIFACT: the defaults keep UNA and UNOC:3', () => {
    const ic = applyOutboundSettings(
      edifactInterchange([{ type: 'ORDERS', version: 'D96A', body }], env),
      partner({ edifact: { syntax: 'UNOC:3', una: true, transliterate: false } }),
    );
    expect(write(ic).toString('latin1')).toMatch(/^UNA:\+\.\? '\s*UNB\+UNOC:3\+/);
  });

  test('X12: ISA01, ISA03, ISA14 and ISA15 from the partner file', () => {
    const x = { ...env, sender: { qualifier: 'ZZ', id: 'US' }, receiver: { qualifier: 'ZZ', id: 'THEM' } };
    const ic = applyOutboundSettings(
      x12Interchange(
        [
          {
            type: '850',
            version: '004010',
            body: [{ id: 'BEG', elements: ['00', 'SA', 'PO-1', '', '20260102'], offset: 0 }],
          },
        ],
        x,
      ),
      partner({ x12: { isa: { authorization: '03', security: '01', test: true, ackRequested: true } } }),
    );
    const isa = write(ic).toString('utf8').split('~')[0].split('*');
    expect([isa[1], isa[3], isa[14], isa[15]]).toEqual(['03', '01', '1', 'T']);
  });
});

describe("the version a partner's outbound settings ask for", () => {
  const us = { ...env, sender: { qualifier: 'ZZ', id: 'US' }, receiver: { qualifier: 'ZZ', id: 'THEM' } };
  const beg = { id: 'BEG', elements: ['00', 'SA', 'PO-1', '', '20260102'], offset: 0 };
  const ref = { id: 'REF', elements: ['ZZ', 'A^B'], offset: 0 };

  test('outbound.x12.version 005010: GS08 005010, ISA12 00501 and a repetition separator in ISA11 the data does not use', () => {
    const p = partner({ x12: { version: '005010', delimiters: { alternatives: '!' } } });
    const version = outboundVersion(purchaseOrder, 'x12', p);
    expect(version).toBe('005010');
    const bytes = write(applyOutboundSettings(x12Interchange([{ type: '850', version, body: [beg, ref] }], us), p));
    const back = parseBuffer(bytes).interchanges[0];
    expect(back.header.elements.slice(10, 12)).toEqual(['!', '00501']);
    expect(back.groups[0].version).toBe('005010');
    expect(back.groups[0].transactions[0].segments[2].elements[1]).toBe('A^B');
    expect(back.errors).toEqual([]);
  });

  test('without a version, or without a partner, X12 stays 004010 with U in ISA11', () => {
    expect(outboundVersion(purchaseOrder, 'x12', partner({ x12: {} }))).toBe('004010');
    expect(outboundVersion(purchaseOrder, 'x12', undefined)).toBe('004010');
    const text = write(x12Interchange([{ type: '850', version: '004010', body: [beg] }], us)).toString('utf8');
    expect(text.split('~')[0].split('*').slice(11, 13)).toEqual(['U', '00401']);
  });

  test('an implementation suffix is kept (004010VICS); a version the writers do not know is refused, not relabelled', () => {
    expect(outboundVersion(purchaseOrder, 'x12', partner({ x12: { version: '004010VICS' } }))).toBe('004010VICS');
    expect(() => outboundVersion(purchaseOrder, 'x12', partner({ x12: { version: '003040' } }))).toThrow(
      /partner p, outbound.x12.version 003040: .*written as 004010 or 005010 only/,
    );
  });

  test('outbound.edifact.directory D01B: UNH says D:01B and the D01B profile finds the message valid', () => {
    const p = partner({ edifact: { directory: 'D01B', una: true, transliterate: false } });
    const version = outboundVersion(purchaseOrder, 'edifact', p);
    expect(version).toBe('D01B');
    const orders = [
      ...body,
      { id: 'DTM', elements: [['137', '20260102', '102']], offset: 0 },
      { id: 'UNS', elements: ['S'], offset: 0 },
    ];
    const ic = applyOutboundSettings(edifactInterchange([{ type: 'ORDERS', version, body: orders }], env), p);
    const text = write(ic).toString('latin1');
    expect(text).toContain("UNH+1+ORDERS:D:01B:UN'");
    const [tx] = parseBuffer(Buffer.from(text, 'latin1'), { profiles: builtInProfiles().set }).interchanges[0].groups[0]
      .transactions;
    expect(tx.tree).toBeDefined();
    expect(tx.errors).toEqual([]);
    expect(outboundVersion(purchaseOrder, 'edifact', partner({}))).toBe('D96A');
  });
});

describe('a generated document is checked against its target profile before it is delivered', () => {
  const profiles = builtInProfiles().set;
  const po = (unit: string) =>
    x12Interchange(
      [
        {
          type: '850',
          version: '004010',
          body: [
            { id: 'BEG', elements: ['00', 'SA', 'PO-1', '', '20260102'], offset: 0 },
            { id: 'PO1', elements: ['1', '2', unit, '9.5'], offset: 0 },
            { id: 'CTT', elements: ['1'], offset: 0 },
          ],
        },
      ],
      { ...env, sender: { qualifier: 'ZZ', id: 'US' }, receiver: { qualifier: 'ZZ', id: 'THEM' } },
    );

  test('valid for the 004010 850 profile: the bytes, as written', () => {
    const ic = po('EA');
    expect(interchangeDocument(ic, profiles).bytes).toEqual(write(ic));
  });

  test('an EDIFACT unit (GBND) in PO103, an ID 2/2 element: refused as a dead error naming segment and element', () => {
    let error: unknown;
    try {
      interchangeDocument(po('GBND'), profiles);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GatewayError);
    const g = error as GatewayError;
    expect(g).toMatchObject({ code: 'EDIGW_SERIALIZE_FAILED', kind: 'dead' });
    expect(g.describe()).toMatch(/segment 3 \(PO1\), element 3.*GBND/);
  });
});
