import { invoice } from '../../src/canonical';
import { MissingMandatory, locatedRefusal } from '../../src/canonical/missing-mandatory';
import { describeWithCorpus } from '../helpers/corpus';
import { standardTranslation, translationLosses } from '../../src/canonical/losses';
import { lossKeys, profiles, readCorpus, transactions, via, x12Set } from './support';

/**
 * Issue 14, the invoice side: what the corpus INVOICs and 810s send that used to be dropped or changed,
 * now carried where both standards have a place for it, or said where they do not.
 */
describeWithCorpus('invoice: what crosses between the 810 and the INVOIC', () => {
  const d97b = 'edifact/staedi__EDIFACT_invoic_d97b.edi';
  const d93a = 'edifact/staedi__EDIFACT_invoic_d93a_una.edi';

  test('a PRI+INV unit price reaches the 810 as IT104 with a CTP INV, and comes back PRI+INV', () => {
    const doc = readCorpus(invoice, 'edifact', d97b);
    expect(doc.lines.map((l) => [l.unitPrice, l.unitPriceQualifier])).toEqual([
      [1.179, 'invoice'],
      [20.5, 'invoice'],
    ]);
    const x12 = via(invoice, 'x12', doc);
    const segs = x12.ic.groups[0].transactions[0].segments;
    expect(segs.filter((s) => s.id === 'CTP').map((s) => s.elements.slice(0, 3))).toEqual([
      ['', 'INV', '1.179'],
      ['', 'INV', '20.5'],
    ]);
    // The CTP says what IT104 is: not a second price of the line.
    expect(x12.doc.lines.map((l) => [l.unitPriceQualifier, l.prices])).toEqual([
      ['invoice', undefined],
      ['invoice', undefined],
    ]);
    const back = via(invoice, 'edifact', x12.doc).ic.groups[0].transactions[0].segments;
    expect(back.filter((s) => s.id === 'PRI').map((s) => s.elements[0])).toEqual([
      ['INV', '1.179'],
      ['INV', '20.5'],
    ]);
  });

  test('the PRI INV of the staedi D97B INVOIC is no longer reported changed to AAA', async () => {
    const [tx] = transactions(d97b, 'INVOIC');
    expect((await lossKeys(invoice, 'edifact', tx)).filter((k) => k.startsWith('PRI'))).toEqual([]);
  });

  test('an 810 CTP INV of another amount than IT104 stays a price of its own', () => {
    const tx = x12Set('IN', '810', [
      'BIG*20240102*INV1',
      'IT1*1*2*EA*10**VP*SKU1',
      'CTP**INV*9.5',
      'TDS*2000',
      'CTT*1',
    ]);
    const [line] = invoice.x12.read(tx).lines;
    expect(line.unitPriceQualifier).toBeUndefined();
    expect(line.prices).toEqual([{ qualifier: 'invoice', amount: 9.5 }]);
  });

  test('a MOA 128 total of a decimal-comma D93A INVOIC that reaches the 810 as TDS01 is reported changed to 77', async () => {
    const [tx] = transactions(d93a, 'INVOIC');
    const keys = await lossKeys(invoice, 'edifact', tx);
    expect(keys).toContain('MOA 128:1');
  });

  test('an 810 ITD without ITD01 that the INVOIC must give a PAT type is reported given the code 01', async () => {
    const [tx] = transactions('x12/stupidedi__IN810_pass_1.edi', '810');
    expect(tx.segments[5]).toMatchObject({ id: 'ITD', elements: ['', '3', '', '', '', '', '30'] });
    const found = await translationLosses(
      { standard: 'x12', tx, profiles },
      standardTranslation(invoice, 'x12', 'edifact'),
      'EDIFACT INVOIC',
    );
    expect(found.filter((l) => l.tag === 'ITD' && l.element === 1)).toEqual([
      expect.objectContaining({ segment: 6, value: '', changedTo: '01' }),
    ]);
  });

  test('an invoice without a total is refused at the place of the source where the total belongs', () => {
    const tx = x12Set('IN', '810', ['BIG*20240102*INV1', 'IT1*1*2*EA*10**VP*SKU1', 'CTT*1']);
    const doc = invoice.x12.read(tx);
    let refusal: unknown;
    try {
      invoice.x12.write(doc);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(MissingMandatory);
    expect(locatedRefusal(refusal as MissingMandatory, 'x12', tx)).toBe(
      'transaction 0001, segment 4 (CTT): no TDS before it: invoice INV1 states no total amount, which TDS01 of the X12 810 requires',
    );
  });
});
