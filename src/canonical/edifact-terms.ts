import type { Segment } from '../edi/model';
import { type PaymentTerms, compactOrNone, numberOf } from './common';
import { type Seg, groups } from './sections';
import { c, dateOf, dtm, num, seg, t } from './edifact-common';
import { termsTypes } from './code-lists';

/**
 * Payment terms as EDIFACT PAT groups (INVOIC SG8, ORDERS SG8, ORDRSP SG9): one net and one discount
 * group, each with its DTM and PCD.
 */

/** PAT 4279: 1 basic (net) terms, 22 discount terms; C112 counts days (2151 D) after the invoice date (2475 5, 2009 3). */
const NET = '1';
const DISCOUNT = '22';
const DAYS_AFTER_INVOICE = ['5', '3', 'D'];

/** The due dates the terms read (DTM 13 terms net due date, 140 payment due date), so not among a document's other dates. */
export const TERMS_DATES = ['13', '140'];

function days(pat: Seg): number | undefined {
  const c112 = c(pat, 3);
  return c112[2] === 'D' ? numberOf(c112[3] ?? '') : undefined;
}

export function terms(header: Seg[]): PaymentTerms | undefined {
  const pats = groups(header, 'PAT', ['DTM', 'PCD', 'MOA', 'PAI', 'FII']);
  const discount = pats.find((g) => t(g[0], 1) === DISCOUNT);
  const net = pats.find((g) => t(g[0], 1) !== DISCOUNT);
  const pcd = discount?.find((x) => x.id === 'PCD' && c(x, 1)[0] === '12');
  const type = net ? termsTypes.read('edifact', t(net[0], 1)) : undefined;
  return compactOrNone<PaymentTerms>({
    // Basic terms are what a document without a type means (the code written when there is none).
    type: type === 'basic' ? undefined : type,
    discountPercent: pcd ? numberOf(c(pcd, 1)[1] ?? '') : undefined,
    discountDays: discount ? days(discount[0]) : undefined,
    netDays: net ? days(net[0]) : undefined,
    dueDate: net ? dateOf(net, '13', '140') : undefined,
  });
}

export function patSegments(terms: PaymentTerms | undefined): Segment[] {
  const out: Segment[] = [];
  // A type only X12 has a code for is not written as another type (basic): the loss check reports it.
  const type = terms?.type === undefined ? NET : termsTypes.write('edifact', terms.type);
  if (terms && type && (terms.netDays !== undefined || terms.dueDate || terms.type !== undefined)) {
    out.push(seg('PAT', type, '', terms.netDays !== undefined ? [...DAYS_AFTER_INVOICE, num(terms.netDays)] : ''));
    if (terms.dueDate) out.push(dtm('13', terms.dueDate));
  }
  if (terms && (terms.discountDays !== undefined || terms.discountPercent !== undefined)) {
    const c112 = terms.discountDays !== undefined ? [...DAYS_AFTER_INVOICE, num(terms.discountDays)] : '';
    out.push(seg('PAT', DISCOUNT, '', c112));
    if (terms.discountPercent !== undefined) out.push(seg('PCD', ['12', num(terms.discountPercent)]));
  }
  return out;
}
