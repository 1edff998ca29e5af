import type { Segment } from '../edi/model';
import { type PaymentTerms, ccyymmdd, compactOrNone, isoDate, numberOf } from './common';
import type { Seg } from './sections';
import { termsTypes } from './code-lists';
import { num, seg, t } from './x12-common';

/** Payment terms as X12 ITD (810, 850, 855 header): the first ITD of the header. */
export function itdTerms(header: Seg[]): PaymentTerms | undefined {
  const itd = header.find((x) => x.id === 'ITD');
  if (!itd) return undefined;
  const type = termsTypes.read('x12', t(itd, 1));
  return compactOrNone<PaymentTerms>({
    // Basic terms are what a document without a type means (the code written when there is none).
    type: type === 'basic' ? undefined : type,
    discountPercent: numberOf(t(itd, 3)),
    discountDays: numberOf(t(itd, 5)),
    netDays: numberOf(t(itd, 7)),
    dueDate: isoDate(t(itd, 6)),
  });
}

export function itdSegments(terms: PaymentTerms | undefined): Segment[] {
  if (!terms) return [];
  // A type only EDIFACT has a code for is left out (ITD01 is optional), never written as another type
  // (basic): the loss check reports it.
  const type = terms.type === undefined ? '01' : (termsTypes.write('x12', terms.type) ?? '');
  // ITD01 the type (01 basic), ITD02 3 counted from the invoice date: what the day counts of the canonical terms mean.
  return [
    seg(
      'ITD',
      type,
      '3',
      num(terms.discountPercent),
      '',
      num(terms.discountDays),
      terms.dueDate ? ccyymmdd(terms.dueDate) : '',
      num(terms.netDays),
    ),
  ];
}
