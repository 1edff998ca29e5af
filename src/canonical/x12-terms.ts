import type { Segment } from '../edi/model';
import { type PaymentTerms, ccyymmdd, compactOrNone, isoDate, numberOf } from './common';
import type { Seg } from './sections';
import { num, seg, t } from './x12-common';

/** Payment terms as X12 ITD (810, 850, 855 header): the first ITD of the header. */
export function itdTerms(header: Seg[]): PaymentTerms | undefined {
  const itd = header.find((x) => x.id === 'ITD');
  if (!itd) return undefined;
  return compactOrNone<PaymentTerms>({
    discountPercent: numberOf(t(itd, 3)),
    discountDays: numberOf(t(itd, 5)),
    netDays: numberOf(t(itd, 7)),
    dueDate: isoDate(t(itd, 6)),
  });
}

export function itdSegments(terms: PaymentTerms | undefined): Segment[] {
  if (!terms) return [];
  // ITD01 01 basic terms, ITD02 3 counted from the invoice date: what the day counts of the canonical terms mean.
  return [
    seg(
      'ITD',
      '01',
      '3',
      num(terms.discountPercent),
      '',
      num(terms.discountDays),
      terms.dueDate ? ccyymmdd(terms.dueDate) : '',
      num(terms.netDays),
    ),
  ];
}
