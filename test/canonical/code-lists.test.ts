import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  codeLists,
  codeListsMarkdown,
  dateQualifiers,
  partyRoles,
  referenceQualifiers,
} from '../../src/canonical/code-lists';
import { inDirectory } from '../../src/canonical/envelope';

describe('canonical code lists', () => {
  test('docs/canonical.md shows the lists as they are in the code', () => {
    const doc = readFileSync(join(__dirname, '../../docs/canonical.md'), 'utf8');
    const between = /<!-- code-lists:start -->\n([\s\S]*?)\n<!-- code-lists:end -->/.exec(doc);
    expect(between?.[1]).toBe(codeListsMarkdown());
  });

  test('a code means one thing: no code is listed under two names of one list', () => {
    for (const list of codeLists)
      for (const std of ['x12', 'edifact'] as const) {
        // A code written for a second name but read as one (EDIFACT SU: seller and supplier) means one thing.
        const codes = list.rows.flatMap((r) => r[std].filter((c) => !r.writeOnly?.[std]?.includes(c)));
        expect([list.title, std, codes.filter((c, i) => codes.indexOf(c) !== i)]).toEqual([list.title, std, []]);
      }
  });

  test('a mapped code reads to its name and writes as the first code of the other standard', () => {
    expect(partyRoles.read('x12', 'SH')).toBe('shipper');
    // X12 SU and VN are one EDIFACT code, SU, read as the vendor; the supplier stays apart in the document.
    expect(partyRoles.read('x12', 'SU')).toBe('supplier');
    expect(partyRoles.write('edifact', 'supplier')).toBe('SU');
    expect(partyRoles.read('edifact', 'SU')).toBe('seller');
    expect(partyRoles.write('x12', 'seller')).toBe('VN');
    expect(partyRoles.write('x12', 'supplier')).toBe('SU');
    expect(partyRoles.write('edifact', 'shipper')).toBe('CZ');
    expect(partyRoles.read('edifact', 'ST')).toBe('shipTo');
    expect(partyRoles.write('edifact', 'shipTo')).toBe('DP');
    expect(dateQualifiers.read('x12', '063')).toBe('deliver-not-after');
    expect(dateQualifiers.write('edifact', 'deliver-not-after')).toBe('63');
    expect(referenceQualifiers.write('edifact', 'purchase-order')).toBe('ON');
  });

  test('a second code of a row is kept as read and written back where a list has it for the name', () => {
    // EDIFACT BT (bill to) beside IV (invoicee, written): read as the bill-to party, kept, written back BT.
    expect(partyRoles.read('edifact', 'BT')).toBe('billTo');
    expect(partyRoles.keep('edifact', 'billTo', 'BT')).toBe('BT');
    expect(partyRoles.keep('edifact', 'billTo', 'IV')).toBeUndefined();
    expect(partyRoles.writeKept('edifact', 'billTo', 'BT')).toBe('BT');
    expect(partyRoles.writeKept('x12', 'billTo', 'BT')).toBe('BT');
    // X12 PE (payee) beside RI: kept for X12; EDIFACT writes its own code for the payee.
    expect(partyRoles.keep('x12', 'payee', 'PE')).toBe('PE');
    expect(partyRoles.writeKept('x12', 'payee', 'PE')).toBe('PE');
    expect(partyRoles.writeKept('edifact', 'payee', 'RI')).toBe('PE');
    // A raw code is no name: nothing kept beside it.
    expect(partyRoles.keep('edifact', 'edifact:CO', 'CO')).toBeUndefined();
  });

  test('X12 DP (department number) is 1153 AMV of later directories: written AMV, which a D96A message leaves out', () => {
    expect(referenceQualifiers.read('x12', 'DP')).toBe('department');
    expect(referenceQualifiers.read('edifact', 'AMV')).toBe('department');
    expect(referenceQualifiers.write('x12', 'department')).toBe('DP');
    expect(referenceQualifiers.write('edifact', 'department')).toBe('AMV');
    expect([...referenceQualifiers.later]).toEqual(['AMV']);
    const body = [
      { id: 'RFF', elements: [['AMV', '038']], offset: 0 },
      { id: 'RFF', elements: [['CT', 'K-1']], offset: 0 },
    ];
    expect(inDirectory(body, 'D96A').map((s) => s.elements)).toEqual([[['CT', 'K-1']]]);
    expect(inDirectory(body, 'D97B')).toHaveLength(1);
    expect(inDirectory(body, 'D01B')).toEqual(body);
  });

  test('an unmapped code is carried as sent for its own standard, never guessed for the other', () => {
    expect(referenceQualifiers.read('x12', 'MU')).toBe('x12:MU');
    expect(referenceQualifiers.write('x12', 'x12:MU')).toBe('MU');
    expect(referenceQualifiers.write('edifact', 'x12:MU')).toBeUndefined();
    expect(partyRoles.read('edifact', 'CO')).toBe('edifact:CO');
    expect(partyRoles.write('x12', 'edifact:CO')).toBeUndefined();
    expect(partyRoles.read('x12', '')).toBeUndefined();
  });
});
