/**
 * What every canonical business document shares, whatever the standard: parties, references, item
 * numbers, the two-way code tables and the small conversions (dates, numbers, units) both standards need.
 */

import type {
  ChannelName,
  ContactFunctionName,
  DateQualifierName,
  IdAgency,
  RawCode,
  RefQualifier,
  Role,
  TermsTypeName,
} from './code-lists';
import type { ItemField } from './item-codes';

export type { RawCode } from './code-lists';

/** Why a document was sent: X12 BEG01, BIG08, BSN01, BAK01 (353) / EDIFACT BGM 1225. */
export type DocumentPurpose =
  | 'original'
  | 'cancellation'
  | 'change'
  | 'replace'
  | 'confirmation'
  | 'duplicate'
  /** X12 353 14 / UN/EDIFACT 1225 14 (D96A on): an 856 BSN01 that announces the shipment. */
  | 'advance-notification';

/** A party's role: X12 N101 (98) / EDIFACT NAD 3035, mapped in code-lists.ts; an unmapped code is carried as-is. */
export type PartyRole = Role | RawCode;

/** Who issued the party's id: X12 N103 (66) / EDIFACT NAD C082 3055. */
export type PartyIdQualifier = IdAgency | RawCode;

/** A reference's kind: X12 REF01 (128) / EDIFACT RFF 1153. */
export type ReferenceQualifier = RefQualifier | RawCode;

/** A date's meaning: X12 DTM01 (374) / EDIFACT DTM 2005. */
export type DateQualifier = DateQualifierName | RawCode;

/** How to reach a contact: X12 PER03/05/07 (365) / EDIFACT COM 3155. */
export interface Communication {
  channel: ChannelName | RawCode;
  value: string;
}

/** A contact of a party: X12 PER / EDIFACT CTA with its COMs. */
export interface Contact {
  /** X12 PER01 (366) / EDIFACT CTA 3139. */
  function: ContactFunctionName | RawCode;
  name?: string;
  communications?: Communication[];
}

/** A party; R stays a parameter so documents can still name the roles they use. */
export interface Party<R extends string = PartyRole> {
  role: R;
  /**
   * The code the party was sent under, where its standard writes another code for the role (EDIFACT BT
   * beside IV for the bill-to party, X12 PE beside RI for the payee, EDIFACT ST beside DP); each writer
   * writes it where its own list has it for the role, so a document gives back the code it came with.
   */
  roleCode?: string;
  id?: string;
  /** Absent: no qualifier, or one that is only "mutually defined" (X12 ZZ, EDIFACT no agency). */
  idQualifier?: PartyIdQualifier;
  name?: string;
  /**
   * Further names of the party (a division, a department): X12 N2 (N201, N202; two N2 to a loop) /
   * EDIFACT NAD C080 3036 lines after the name's own. Each is written in lines of 35 characters, all full
   * but its last, so a line shorter than 35 ends a name (docs/canonical.md).
   */
  additionalNames?: string[];
  addressLines?: string[];
  city?: string;
  region?: string;
  postalCode?: string;
  /** ISO 3166 country code as sent. */
  country?: string;
  contacts?: Contact[];
  /** The party's references (X12 REF of its N1 loop / EDIFACT RFF of its NAD group: a VAT number...). */
  references?: Reference[];
}

export interface Reference<Q extends string = ReferenceQualifier> {
  qualifier: Q;
  value: string;
}

/** Payment terms: X12 ITD / EDIFACT PAT groups. */
export interface PaymentTerms {
  /** What kind of terms (X12 ITD01 (336) / EDIFACT PAT 4279 of the main group); absent: basic (01 / 1). */
  type?: TermsTypeName | RawCode;
  /** Percent off when paid within discountDays (X12 ITD03, EDIFACT PCD 12 in the PAT 22 group). */
  discountPercent?: number;
  discountDays?: number;
  /** Days after the invoice date the full amount is due. */
  netDays?: number;
  /** ISO 8601 date the full amount is due. */
  dueDate?: string;
}

/** A dated event of a document or a line (X12 DTM / EDIFACT DTM), beside the dates a document names. */
export interface DateRef {
  qualifier: DateQualifier;
  /** YYYY-MM-DD. */
  date: string;
  /** HH:MM, when one was sent. */
  time?: string;
}

/** The item numbers a line can carry in both standards (X12 235 qualifiers / EDIFACT 7143 item number types). */
export interface ItemIds {
  buyerItem?: string;
  vendorItem?: string;
  manufacturerItem?: string;
  /** GTIN / EAN / UPC, as sent (no check digit is computed). */
  gtin?: string;
  isbn?: string;
  /**
   * The code an item number was sent under (X12 235 / EDIFACT 7143), where writing the field would not
   * give it back: X12 VN beside the VP written for any vendor's number, X12 BP beside the EDIFACT IN
   * (item-codes.ts).
   */
  itemIdQualifiers?: Partial<Record<ItemField, string>>;
}

/** A two-way code table: canonical name <-> the code of one standard. The first code listed for a name is written. */
export class CodeMap<N extends string> {
  private readonly byCode = new Map<string, N>();
  private readonly byName = new Map<N, string>();
  constructor(pairs: Array<[N, string]>) {
    for (const [name, code] of pairs) {
      this.byCode.set(code, name);
      if (!this.byName.has(name)) this.byName.set(name, code);
    }
  }
  name(code: string): N | undefined {
    return this.byCode.get(code);
  }
  code(name: N | undefined): string | undefined {
    return name === undefined ? undefined : this.byName.get(name);
  }
}

/** A number as sent ('9.25', '10,5' with an EDIFACT decimal comma); undefined when empty or not a number. */
export function numberOf(s: string): number | undefined {
  if (s.trim() === '') return undefined;
  const n = Number(s.replace(',', '.'));
  return Number.isFinite(n) ? n : undefined;
}

/** CCYYMMDD, YYMMDD (X12 003010 and earlier; 19xx from 50) or CCYYMMDDHHMM to YYYY-MM-DD. */
export function isoDate(s: string): string | undefined {
  let d = s;
  if (/^\d{6}$/.test(d)) d = (Number(d.slice(0, 2)) >= 50 ? '19' : '20') + d;
  if (!/^\d{8}(\d{4})?$/.test(d)) return undefined;
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}

/** isoDate(), and undefined unless it is a real calendar day (a sender's 19999715 is no date to carry on). */
export function calendarDate(s: string): string | undefined {
  const iso = isoDate(s);
  if (!iso) return undefined;
  const [y, m, d] = iso.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d ? iso : undefined;
}

export function ccyymmdd(iso: string): string {
  return iso.replace(/-/g, '');
}

/**
 * Splits text into pieces of at most n characters (rejoined with '' on reading, so nothing is lost).
 * Characters are code points: a piece never ends inside a surrogate pair, whose halves no charset carries.
 */
export function chunks(s: string, n: number): string[] {
  const out: string[] = [];
  const astral = /[\ud800-\udbff]/.test(s);
  if (!astral) {
    for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
    return out;
  }
  const chars = [...s];
  for (let i = 0; i < chars.length; i += n) out.push(chars.slice(i, i + n).join(''));
  return out;
}

/** Drops undefined and empty optional fields so two equal documents compare equal whatever standard they came from. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0 && k === 'addressLines')) continue;
    out[k] = v;
  }
  return out as T;
}

/** A list, or undefined when empty: the optional lists of a line. */
export const some = <T>(xs: T[]): T[] | undefined => (xs.length ? xs : undefined);

/** compact(), and undefined when nothing is left: for optional sub-objects such as payment terms. */
export function compactOrNone<T extends object>(o: T): T | undefined {
  const c = compact(o);
  return Object.keys(c).length ? c : undefined;
}

/** Units: UN/ECE Recommendation 20 ⇄ X12 355, as data in units.ts. */
export { rec20ToX12 as x12Units, unitFromX12Code, unitToX12Code } from './units';
