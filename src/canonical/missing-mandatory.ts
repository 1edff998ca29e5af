import type { Standard, Transaction } from '../edi/model';

/**
 * Where a value the target requires would have been in each source standard: the segments that carry
 * it, and the segment they come after (or, for X12, before). A refusal is said at that place of the
 * document the partner sent, so that they can find what to add.
 */
export interface SourcePlace {
  /** The segments (tag and qualifier) that state the value, as the source would send them. */
  stated: string[];
  /** Where they go: after this segment (EDIFACT UNS) or before it (X12 CTT), else before the trailer. */
  after?: string;
  before?: string;
}

/**
 * A writer's refusal of a document that lacks a value the target makes mandatory, which it will not
 * invent (an invoice without a total: a sum of the lines would leave out charges and taxes).
 */
export class MissingMandatory extends Error {
  constructor(
    /** What is missing, in the document's terms (`invoice INV1 states no total amount`). */
    readonly what: string,
    /** The target's place that needs it (`TDS01 of the X12 810`). */
    readonly needed: string,
    readonly places: Record<Standard, SourcePlace>,
  ) {
    super(`${what} (${listed(places.x12)} in X12, ${listed(places.edifact)} in EDIFACT), which ${needed} requires`);
  }
}

const listed = (p: SourcePlace) => p.stated.join(', ');

/**
 * The refusal said at its place in the source transaction: the segment the missing ones would follow
 * (or precede), by position (ST / UNH = 1), as `translate` locates losses.
 */
export function locatedRefusal(e: MissingMandatory, standard: Standard, tx: Transaction): string {
  const place = e.places[standard];
  const trailer = standard === 'x12' ? 'SE' : 'UNT';
  const find = (tag: string | undefined) => (tag ? tx.segments.findIndex((s) => s.id === tag) : -1);
  const after = find(place.after);
  const before = after < 0 ? find(place.before) : -1;
  const at = after >= 0 ? after : before >= 0 ? before : find(trailer);
  const where = `${standard === 'x12' ? 'transaction' : 'message'} ${tx.controlNumber}`;
  const segment = at >= 0 ? `, segment ${at + 1} (${tx.segments[at].id})` : '';
  const relation = after >= 0 ? 'after it' : 'before it';
  return `${where}${segment}: no ${listed(place).replace(/, ([^,]*)$/, ' or $1')} ${relation}: ${e.what}, which ${e.needed} requires`;
}
