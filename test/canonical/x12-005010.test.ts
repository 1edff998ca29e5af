/**
 * Canonical documents written as X12 005010 meet the 005010 profiles: 005010 took MSG out of the 850 and
 * 855 and put MTX in its place, so the writers' notes go out as MTX and are read back from MTX.
 */
import { checkDocument, orderResponse, purchaseOrder } from '../../src/canonical';
import { allDiagnostics } from '../../src/edi/model';
import { write } from '../../src/edi/write';
import { x12Interchange, type DocumentKind } from '../../src/canonical';
import { env, parse } from './support';

function as005010<D>(kind: DocumentKind<D>, doc: D) {
  const bytes = write(
    x12Interchange([{ type: kind.x12.type, version: '005010', body: kind.x12.write(doc) }], {
      ...env,
      functionalId: kind.x12.functionalId,
    }),
  );
  const [ic] = parse(bytes);
  const tx = ic.groups[0].transactions[0];
  return { text: bytes.toString('utf8'), ic, tx, back: kind.x12.read(tx) };
}

function checked<D>(kind: DocumentKind<D>, input: object): D {
  const r = checkDocument(kind, input);
  if (!r.ok) throw new Error(r.issues.join('; '));
  return r.value;
}

const order = checked(purchaseOrder, {
  number: 'PO-5010',
  date: '2024-01-02',
  notes: ['DELIVER TO DOCK 4', { qualifier: 'delivery', text: 'CALL BEFORE ARRIVAL' }],
  lines: [{ lineNumber: '1', quantity: 2, unit: 'EA', unitPrice: 9.5, notes: ['GIFT WRAP'] }],
});

describe('canonical documents as X12 005010', () => {
  test('an 850 with heading and line notes writes them as MTX and passes the 005010 850 profile', () => {
    const { text, ic, tx, back } = as005010(purchaseOrder, order);
    expect(text).not.toMatch(/^MSG\*/m);
    expect(text).toContain('MTX**DELIVER TO DOCK 4~');
    expect(text).toContain('MTX**GIFT WRAP~');
    expect([tx.version, tx.tree !== undefined]).toEqual(['005010', true]);
    expect(allDiagnostics(ic)).toEqual([]);
    expect(back.notes).toEqual(order.notes);
    expect(back.lines[0].notes).toEqual(['GIFT WRAP']);
  });

  test('the same 850 as 004010 keeps MSG, which the 004010 profile has', () => {
    const body = purchaseOrder.x12.write(order);
    const bytes = write(x12Interchange([{ type: '850', version: '004010', body }], { ...env, functionalId: 'PO' }));
    const [ic] = parse(bytes);
    expect(bytes.toString('utf8')).toContain('MSG*DELIVER TO DOCK 4~');
    expect(allDiagnostics(ic)).toEqual([]);
  });

  test('an 855 with a note writes it as MTX and passes the 005010 855 profile', () => {
    const response = checked(orderResponse, {
      orderNumber: 'PO-5010',
      orderDate: '2024-01-02',
      notes: ['ALL LINES CONFIRMED'],
      lines: [],
    });
    const { text, ic, back } = as005010(orderResponse, response);
    expect(text).toContain('MTX**ALL LINES CONFIRMED~');
    expect(allDiagnostics(ic)).toEqual([]);
    expect(back.notes).toEqual(['ALL LINES CONFIRMED']);
  });
});
