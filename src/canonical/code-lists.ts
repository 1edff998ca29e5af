/**
 * The qualifier code lists mapped between X12 and EDIFACT, as data: one row per canonical name with the
 * codes each standard uses for it (the first is written). docs/canonical.md renders these tables
 * (test/canonical/code-lists.test.ts keeps the two equal).
 *
 * A code no row maps is never guessed: it is carried as-is, tagged with the standard it came from
 * (`x12:DP`, `edifact:AAK`), written back unchanged to that standard, and not written to the other one.
 */

export type Standard = 'x12' | 'edifact';

/** A qualifier no table maps, as sent, with the standard that sent it. */
export type RawCode = `${Standard}:${string}`;

export interface CodeRow<N extends string> {
  name: N;
  x12: readonly string[];
  edifact: readonly string[];
  /**
   * Codes of this row written but not read: the standard has one code for two names, which reads as the
   * other row's name (X12 SU supplier and VN vendor are both EDIFACT SU, read as the vendor).
   */
  writeOnly?: Partial<Record<Standard, readonly string[]>>;
}

/**
 * The first EDIFACT directory we write whose code lists hold the codes marked `{AMV}` in a row: a later
 * code (D96A has no department number; D00A and D01B have AMV). The writers write it, and the envelope
 * leaves it out of a message of an earlier directory (`inDirectory`, envelope.ts), where the loss check
 * then reports it.
 */
export const LATER_DIRECTORY = 'D01B';

export const isRawCode = (v: string): v is RawCode => /^(x12|edifact):\S+$/.test(v);

export class QualifierList<N extends string> {
  readonly names: readonly N[];
  private readonly byCode: Record<Standard, Map<string, N>> = { x12: new Map(), edifact: new Map() };

  constructor(
    /** What the list qualifies, and the element of each standard it lives in (for the docs table). */
    readonly title: string,
    readonly elements: Record<Standard, string>,
    readonly rows: ReadonlyArray<CodeRow<N>>,
    /** Codes read but never written: a later directory's code that the one we write lacks. */
    readonly readOnly: Record<Standard, ReadonlySet<string>> = { x12: new Set(), edifact: new Set() },
    /** EDIFACT codes of directories later than D96A: read, written, and left out of a D96A message. */
    readonly later: ReadonlySet<string> = new Set(),
  ) {
    this.names = rows.map((r) => r.name);
    for (const r of rows)
      for (const std of ['x12', 'edifact'] as const)
        for (const c of r[std]) if (!r.writeOnly?.[std]?.includes(c)) this.byCode[std].set(c, r.name);
  }

  /** The canonical name of a code, else the code as-is; undefined for an empty code. */
  read(standard: Standard, code: string | undefined): N | RawCode | undefined {
    if (!code) return undefined;
    return this.byCode[standard].get(code) ?? `${standard}:${code}`;
  }

  /** The code to write for a name, or a raw code of this standard; undefined when this standard has none. */
  write(standard: Standard, value: N | RawCode | undefined): string | undefined {
    if (value === undefined) return undefined;
    if (isRawCode(value)) {
      const [std, code] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
      return std === standard ? code : undefined;
    }
    return this.rows.find((r) => r.name === value)?.[standard].find((c) => !this.readOnly[standard].has(c));
  }

  /**
   * The code as read, where writing its name back would give another code of the same row (EDIFACT
   * NAD BT, read as the bill-to party, is written IV): kept beside the name so that the standard that
   * sent it writes it back. Undefined when the written code is the one read, or the name is a raw code.
   */
  keep(standard: Standard, name: N | RawCode | undefined, code: string): string | undefined {
    if (name === undefined || isRawCode(name)) return undefined;
    return this.write(standard, name) === code ? undefined : code;
  }

  /** The code to write for a name: a kept code where this standard's row has it, else the written one. */
  writeKept(standard: Standard, value: N | RawCode | undefined, kept: string | undefined): string | undefined {
    const row = value === undefined || isRawCode(value) ? undefined : this.rows.find((r) => r.name === value);
    if (kept !== undefined && row?.[standard].includes(kept) && !this.readOnly[standard].has(kept)) return kept;
    return this.write(standard, value);
  }
}

/**
 * Rows as [name, X12 codes, EDIFACT codes]; a code string with spaces lists several codes, a code
 * in brackets, `(X)`, is read but not written, one in square brackets, `[SU]`, written but not read,
 * and an EDIFACT one in braces, `{AMV}`, a code of later directories (LATER_DIRECTORY) than D96A.
 */
function list<const N extends string>(
  title: string,
  elements: Record<Standard, string>,
  rows: ReadonlyArray<readonly [N, string, string]>,
): QualifierList<N> {
  const codes = (s: string) => s.split(' ').filter((c) => c !== '');
  const bare = (c: string) =>
    c
      .replace(/^\((.*)\)$/, '$1')
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/^\{(.*)\}$/, '$1');
  const writeOnly = (s: string) => codes(s).filter((c) => c.startsWith('['));
  const readOnly = (std: 1 | 2) =>
    new Set(
      rows.flatMap((r) =>
        codes(r[std])
          .filter((c) => c.startsWith('('))
          .map(bare),
      ),
    );
  return new QualifierList(
    title,
    elements,
    rows.map(([name, x12, edifact]) => {
      const only = { x12: writeOnly(x12).map(bare), edifact: writeOnly(edifact).map(bare) };
      return {
        name,
        x12: codes(x12).map(bare),
        edifact: codes(edifact).map(bare),
        ...(only.x12.length || only.edifact.length ? { writeOnly: only } : {}),
      };
    }),
    { x12: readOnly(1), edifact: readOnly(2) },
    new Set(
      rows.flatMap((r) =>
        codes(r[2])
          .filter((c) => c.startsWith('{'))
          .map(bare),
      ),
    ),
  );
}

/**
 * Party roles; the first code is the one written. X12 has vendor (VN) and supplier (SU) where EDIFACT
 * has one code (SU), read as the vendor (`seller`, the common X12 spelling); a `supplier` is kept apart
 * in the document, so X12 SU comes back as SU, and is written to EDIFACT as SU too (the loss check
 * says that EDIFACT gives it back as VN). The selling party (SE) and the payee (X12 RI remit to, PE) are
 * roles of their own, so that a round trip never turns one role into another. EDIFACT has two codes for
 * the bill-to party, IV (invoicee, EANCOM's and the one written) and BT (bill to); a party sent as BT is
 * carried to X12 as N1 BT, and keeps its code (`roleCode`) to be written back as BT within EDIFACT.
 */
export const partyRoles = list('Party role', { x12: 'N101 (98)', edifact: 'NAD 3035' }, [
  ['buyer', 'BY', 'BY'],
  ['seller', 'VN', 'SU'],
  ['supplier', 'SU', '[SU]'],
  ['sellingParty', 'SE', 'SE'],
  ['shipTo', 'ST', 'DP ST'],
  ['billTo', 'BT', 'IV BT'],
  ['remitTo', 'RE', 'RE'],
  ['payee', 'RI PE', 'PE'],
  ['shipFrom', 'SF', 'SF'],
  ['carrier', 'CA', 'CA'],
  ['shipper', 'SH', 'CZ'],
  ['consignee', 'CN', 'CN'],
  ['orderedBy', 'OB', 'OB'],
  ['releaseIssuer', 'MI', 'MI'],
  ['manufacturer', 'MF', 'MF'],
  ['payer', 'PR', 'PR'],
  ['invoiceIssuer', 'II', 'II'],
  ['forwarder', 'FW', 'FW'],
  ['warehouse', 'WH', 'WH'],
  ['markFor', 'Z7', 'UC'],
]);

/**
 * Who issued a party's id. "Mutually defined" (X12 ZZ, EDIFACT no agency) is no qualifier at all;
 * D-U-N-S+4 is EDIFACT agency 16 with code list qualifier 4 (edifact-common.ts).
 */
export const partyIdAgencies = list('Party id agency', { x12: 'N103 (66)', edifact: 'NAD C082 3055' }, [
  ['gln', 'UL', '9'],
  ['duns', '1', '16'],
  ['duns+4', '9', ''],
  ['seller-assigned', '91', '91'],
  ['buyer-assigned', '92', '92'],
]);

/**
 * References. A row is a code of the same meaning in both lists (the checked names: X12 128 of 004010,
 * UN/EDIFACT 1153 of D96A). X12 DP (department number) is 1153 AMV (department number), a code of later
 * directories than D96A: AMV is read (a D01B ORDERS sends it) and written to X12 as DP, and a DP is
 * written as AMV to a D01B message and not to a D96A one (the loss check reports it there). X12 MU
 * (MILSPEC number) and WH (master reference (link) number, not a warehouse) have no 1153 code of their
 * meaning; X12 ZZZ is no 128 code (ZZ is mutually defined): they stay raw codes, reported as losses
 * towards EDIFACT.
 */
export const referenceQualifiers = list('Reference', { x12: 'REF01 (128)', edifact: 'RFF C506 1153' }, [
  ['contract', 'CT', 'CT'],
  ['promotion', 'PD', 'PD'],
  ['vendor-order', 'VN', 'VN'],
  ['customer-reference', 'CR', 'CR'],
  ['price-list', 'PL', 'PL'],
  ['internal-vendor', 'IA', 'IA'],
  ['bill-of-lading', 'BM', 'BM'],
  ['carrier-reference', 'CN', 'CN'],
  ['invoice', 'IV', 'IV'],
  ['packing-list', 'PK', 'PK'],
  ['import-license', '2A', 'IP'],
  ['internal-customer', 'IT', 'IT'],
  ['purchase-order', 'PO', 'ON'],
  ['shipment-id', 'SI', 'SI'],
  ['transaction', 'TN', 'TN'],
  ['vat-registration', 'VX', 'VA'],
  ['purchase-order-suffix', 'PS', 'PS'],
  ['price-quote', 'PR', 'PR'],
  ['prior-purchase-order', 'PW', 'PW'],
  ['mutually-defined', 'ZZ', 'ZZZ'],
  ['department', 'DP', '{AMV}'],
]);

/**
 * Dates. X12 DTM02 is CCYYMMDD and DTM03 HHMM; EDIFACT C507 2380 is written in format 102 or 203.
 *
 * UN/EDIFACT took the X12 delivery and shipment windows (374 070-085) into 2005 under the same numbers,
 * but not all of them: D96A has 71, 72, 74, 75, 79, 84 and 85 with the X12 meaning (requested or
 * promised, after or prior to and including), while its 70, 73, 76-78, 80, 82 and 83 mean other things
 * or are not defined (76 is delivery scheduled for, not X12's week of). The scheduled windows (X12 070,
 * 073, 080, 083) and X12 082 therefore have no counterpart and stay raw codes. EDIFACT 81 (shipment
 * requested for, after and including) is not a row: 004010's 374 list has no 081.
 */
export const dateQualifiers = list('Date', { x12: 'DTM01 (374)', edifact: 'DTM C507 2005' }, [
  ['cancel-after', '001', '61'],
  ['requested-delivery', '002', '2'],
  ['invoice', '003', '3'],
  ['order', '004', '4'],
  ['effective', '007', '7'],
  ['requested-ship', '010', '10'],
  ['shipped', '011', '11'],
  ['estimated-delivery', '017', '17'],
  ['delivered', '035', '35'],
  ['expiry', '036', '36'],
  ['ship-not-before', '037', '37'],
  ['ship-not-after', '038', '38'],
  ['deliver-not-after', '063', '63'],
  ['deliver-not-before', '064', '64'],
  ['promised-delivery', '069', '69'],
  ['requested-delivery-from', '071', '71'],
  ['promised-delivery-from', '072', '72'],
  ['requested-delivery-by', '074', '74'],
  ['promised-delivery-by', '075', '75'],
  ['promised-ship', '079', '79'],
  ['requested-ship-by', '084', '84'],
  ['promised-ship-by', '085', '85'],
  ['requested-pickup', '118', '200'],
]);

/**
 * Contact functions. UN/EDIFACT 3139 took most of these from X12 366 with their names (X12 DC delivery
 * contact is EDIFACT DL); a function one list lacks stays a raw code.
 */
export const contactFunctions = list('Contact function', { x12: 'PER01 (366)', edifact: 'CTA 3139' }, [
  ['information', 'IC', 'IC'],
  ['purchasing', 'BD', 'PD'],
  ['order', 'OC', 'OC'],
  ['sales', 'SR', 'SR'],
  ['accounting', 'AD', 'AD'],
  ['accounts-payable', 'AP', 'AP'],
  ['accounts-receivable', 'AR', 'AR'],
  ['customer-relations', 'CR', 'CR'],
  ['confirmed-with', 'CW', 'CW'],
  ['delivery', 'DC', 'DL'],
  ['entered-by', 'EB', 'EB'],
  ['expeditor', 'EX', 'EX'],
  ['quality-assurance', 'QA', 'QA'],
  ['quality-coordinator', 'QC', 'QC'],
  ['receiving-dock', 'RD', 'RD'],
  ['sales-administration', 'SA', 'SA'],
  ['shipping', 'SD', 'SD'],
  ['supplier', 'SU', 'SU'],
  ['warehouse', 'WH', 'WH'],
]);

export const channels = list('Communication channel', { x12: 'PER03 (365)', edifact: 'COM C076 3155' }, [
  ['phone', 'TE', 'TE'],
  ['email', 'EM', 'EM'],
  ['fax', 'FX', 'FX'],
  ['url', 'UR', '{AH}'],
  ['telex', 'TX', 'TL'],
  ['extension', 'EX', 'EX'],
]);

/** What an allowance or charge is for (the first code is written). X12 SAC02 codes are four characters. */
export const chargeCodes = list('Allowance or charge', { x12: 'SAC02 (1300)', edifact: 'ALC C214 7161' }, [
  ['advertising', 'A260', 'AA'],
  ['discount', 'C310', 'DI'],
  ['delivery', 'C040', 'DL'],
  ['free-goods', 'D170', 'FG'],
  ['freight', 'D240', 'FC'],
  ['handling', 'D500', 'HD'],
  ['insurance', 'D980', 'IN'],
  ['other', 'F050', 'ZZZ'],
  ['promotion', 'F800', 'PAD'],
  ['special-handling', 'H090', 'SH'],
  ['trade-discount', 'I170', 'TD'],
  ['volume-discount', 'I530', 'VAB'],
]);

/** How an allowance or charge is settled: the two code lists number the same six methods alike. */
export const chargeHandling = list('Allowance or charge settlement', { x12: 'SAC12 (331)', edifact: 'ALC 4471' }, [
  ['bill-back', '01', '1'],
  ['off-invoice', '02', '2'],
  ['vendor-check', '03', '3'],
  ['credit-customer', '04', '4'],
  ['paid-by-vendor', '05', '5'],
  ['paid-by-customer', '06', '6'],
]);

/** What a note is about. `general` notes are plain strings in the documents. */
export const noteQualifiers = list('Note', { x12: 'NTE01 (363), N902 with N901 L1', edifact: 'FTX 4451' }, [
  ['general', 'GEN', 'AAI GEN'],
  ['additional', 'ADD', 'ACB'],
  ['delivery', 'DEL', 'DEL'],
  ['invoice-instructions', 'INV', 'INV'],
  ['order-instructions', 'ORI', 'ORI'],
  ['payment', 'PMT', 'PMT'],
  ['purchasing', 'PUR', 'PUR'],
  ['special-handling', 'SPH', 'SPH'],
  ['transportation', 'TRA', 'TRA'],
  ['warehouse', 'WHI', 'WHI'],
  ['mutually-defined', 'ZZZ', 'ZZZ'],
]);

/** Tax types. X12 TXI TX (all taxes) is the Invoice's totals.taxAmount, not a row here. */
export const taxTypes = list('Tax type', { x12: 'TXI01 (963)', edifact: 'TAX C241 5153' }, [
  ['vat', 'VA', 'VAT'],
  ['gst', 'GS', 'GST'],
  ['state-sales', 'ST', 'STT'],
  ['local-sales', 'LS', 'LOC'],
]);

/** Modes of transport: X12 TD504 (91) / EDIFACT TDT C220 8067 (UN/ECE Recommendation 19). */
export const transportModes = list('Transport mode', { x12: 'TD504 (91)', edifact: 'TDT C220 8067' }, [
  ['sea', 'S', '1'],
  ['rail', 'R', '2'],
  ['road', 'M', '3'],
  ['air', 'A', '4'],
  ['multimodal', 'X', '6'],
]);

/** Who issued a carrier's id: X12 TD502 (66) / EDIFACT TDT C040 3055. */
export const carrierIdAgencies = list('Carrier id agency', { x12: 'TD502 (66)', edifact: 'TDT C040 3055' }, [
  ['scac', '2', '182'],
  ['duns', '1', '16'],
  ['gln', 'UL', '9'],
  ['seller-assigned', '91', '91'],
  ['buyer-assigned', '92', '92'],
]);

/** Transport equipment: X12 TD301 (40) / EDIFACT EQD 8053. */
export const equipmentTypes = list('Equipment', { x12: 'TD301 (40)', edifact: 'EQD 8053' }, [
  ['container', 'CN', 'CN'],
  ['trailer', 'TL', 'TE'],
  ['rail-car', 'RR', 'RR'],
]);

// ---------------------------------------------------------------------------------------------
// Line-level business data (docs/canonical.md, "Line prices, packaging, store allocations and
// product ids"). An empty column: the standard has no code of that meaning, so the value is not
// written there (and the loss check says so).
// ---------------------------------------------------------------------------------------------

/** What a price of a line is. The unit price (PO104 / PRI AAA) has a field of its own; these are the others. */
export const priceQualifiers = list('Price', { x12: 'CTP02 (236)', edifact: 'PRI C509 5125' }, [
  ['net', '', 'AAA'],
  ['gross', '', 'AAB'],
  ['retail', 'RES', 'AAE'],
  ['retail-excluding-tax', '', 'AAF'],
  ['average-selling', '', 'AAD'],
  ['calculation', '', 'CAL'],
  ['information', '', 'INF'],
  // X12 236 INV is the invoice billing price, EDIFACT 5125 INV the invoice price: one meaning.
  ['invoice', 'INV', 'INV'],
  ['unit-cost', 'UCP', ''],
  ['list', 'LPR', ''],
  ['promotional', 'PRP', ''],
  ['suggested-retail', 'MSR', ''],
  ['contract', 'CON', ''],
  ['catalogue', 'CAT', ''],
]);

/**
 * The kind of price (X12 639 basis of unit price: PO105, IT105, CTP09 / EDIFACT 5375 price type). X12 PE
 * (price per each) and TE (contract price per each) are no rows: they are read as a price per one EA,
 * the second of contract type (x12-pricing.ts).
 */
export const priceTypes = list('Price type', { x12: 'PO105, IT105, CTP09 (639)', edifact: 'PRI C509 5375' }, [
  ['catalogue', 'CA', 'CA'],
  ['contract', 'CT', 'CT'],
  ['distributor', 'DI', 'DI'],
  ['suggested-retail', 'SR', 'SR'],
]);

/**
 * The type of a package (X12 103 packaging code, its first three characters / EDIFACT PAC C202 7065, UN/ECE
 * Recommendation 21). The material X12 adds (the last two characters of 103) has no EDIFACT element.
 */
export const packageTypes = list('Package type', { x12: 'PO404 (103), 1-3', edifact: 'PAC C202 7065' }, [
  ['carton', 'CTN', 'CT'],
  ['case', 'CAS', 'CS'],
  ['box', 'BOX', 'BX'],
  ['pallet', 'PLT', 'PX'],
  ['bag', 'BAG', 'BG'],
  ['bundle', 'BDL', 'BE'],
  ['crate', 'CRT', 'CR'],
  ['drum', 'DRM', 'DR'],
  ['roll', 'ROL', 'RO'],
]);

/**
 * Product ids beside the five a line has fields for (buyer, vendor, manufacturer item, GTIN, ISBN):
 * X12 PO1/IT1/LIN qualifier pairs (235) / EDIFACT PIA C212 7143.
 */
export const productIdQualifiers = list('Product id', { x12: 'PO106… (235)', edifact: 'PIA C212 7143' }, [
  ['serial-number', 'SN', 'SN'],
  ['batch', 'LT', 'NB'],
  ['drawing', 'DR', 'DR'],
  ['engineering-change', 'EC', 'EC'],
  ['colour', 'BO', ''],
  ['size', 'IZ', ''],
]);

/**
 * Payment terms types (X12 ITD01 (336) / EDIFACT PAT 4279 of the terms' main group): the two lists number
 * 1-12 alike. Basic terms (01 / 1) are what a document without a type means, and what is written then.
 */
export const termsTypes = list('Payment terms type', { x12: 'ITD01 (336)', edifact: 'PAT 4279' }, [
  ['basic', '01', '1'],
  ['end-of-month', '02', '2'],
  ['fixed-date', '03', '3'],
  ['deferred', '04', '4'],
  ['discount-not-applicable', '05', '5'],
  ['mixed', '06', '6'],
  ['extended', '07', '7'],
  ['basic-discount-offered', '08', '8'],
  ['proximo', '09', '9'],
  ['instant', '10', '10'],
  ['elective', '11', '11'],
  ['ten-days-after-end-of-month', '12', '12'],
  ['previously-agreed', '14', '18'],
]);

/**
 * Monetary amounts beside the ones a document has fields for (the total, the tax total): X12 AMT01 (522)
 * / EDIFACT MOA C516 5025. An empty column: that standard has no code of that meaning, so the amount is
 * not written there (and the loss check says so).
 */
export const amountQualifiers = list('Monetary amount', { x12: 'AMT01 (522)', edifact: 'MOA C516 5025' }, [
  ['line-items-total', '1', '79'],
  ['total-discount', '8', ''],
  ['line-item', '', '203'],
  ['goods-item-total', '', '66'],
  ['total', '', '128'],
  ['tax', '', '124'],
  ['taxable', '', '125'],
  ['charges-total', '', '131'],
  ['amount-due', '', '9'],
]);

// ---------------------------------------------------------------------------------------------
// Packages of a ship notice (docs/canonical.md, "The ShipNotice").
// ---------------------------------------------------------------------------------------------

/** A package's marks: X12 MAN01 (88) / EDIFACT GIN 7405 (the GIN of the package's PCI). */
export const markQualifiers = list('Package mark', { x12: 'MAN01 (88)', edifact: 'GIN 7405' }, [['sscc', 'GM', 'BJ']]);

/** What a measurement measures: X12 MEA02 (738) / EDIFACT MEA C502 6313. */
export const measurements = list('Measurement', { x12: 'MEA02 (738)', edifact: 'MEA C502 6313' }, [
  ['gross-weight', 'G', 'G'],
  ['net-weight', 'N', 'N'],
  ['height', 'HT', 'HT'],
  ['length', 'LN', 'LN'],
  ['width', 'WD', 'WD'],
  ['weight', 'WT', 'WT'],
]);

export type Role = (typeof partyRoles.names)[number];
export type IdAgency = (typeof partyIdAgencies.names)[number];
export type RefQualifier = (typeof referenceQualifiers.names)[number];
export type DateQualifierName = (typeof dateQualifiers.names)[number];
export type ContactFunctionName = (typeof contactFunctions.names)[number];
export type ChannelName = (typeof channels.names)[number];
export type ChargeCodeName = (typeof chargeCodes.names)[number];
export type ChargeHandlingName = (typeof chargeHandling.names)[number];
export type NoteQualifierName = (typeof noteQualifiers.names)[number];
export type TaxTypeName = (typeof taxTypes.names)[number];
export type TransportModeName = (typeof transportModes.names)[number];
export type CarrierIdAgency = (typeof carrierIdAgencies.names)[number];
export type EquipmentTypeName = (typeof equipmentTypes.names)[number];
export type PriceQualifierName = (typeof priceQualifiers.names)[number];
export type PriceTypeName = (typeof priceTypes.names)[number];
export type PackageTypeName = (typeof packageTypes.names)[number];
export type ProductIdQualifierName = (typeof productIdQualifiers.names)[number];
export type TermsTypeName = (typeof termsTypes.names)[number];
export type AmountQualifierName = (typeof amountQualifiers.names)[number];
export type MarkQualifierName = (typeof markQualifiers.names)[number];
export type MeasurementName = (typeof measurements.names)[number];
export type OrderTypeName = (typeof orderTypes.names)[number];
export type TransportPaymentName = (typeof transportPayments.names)[number];
export type IncotermName = (typeof incoterms.names)[number];

// ---------------------------------------------------------------------------------------------
// Purchase order header (docs/canonical.md, "The PurchaseOrder and where each field goes").
// ---------------------------------------------------------------------------------------------

/**
 * What kind of order (X12 BEG02, 92 / EDIFACT BGM C002 1001). A type one standard has no code for is
 * written there without one (BGM C002 is conditional in D96A; BEG02 is mandatory, so an 850 of such a
 * type does not validate and is refused), never as another type: NE (new order) and SA (stand-alone)
 * are both UN/EDIFACT 220, which reads back as SA, so NE is not written as 220.
 */
export const orderTypes = list('Order type', { x12: 'BEG02 (92)', edifact: 'BGM C002 1001' }, [
  ['order', 'SA', '220 105'],
  ['new-order', 'NE', ''],
  ['blanket', 'BK', '221'],
  ['rush', 'RO', '224'],
  ['release', 'RL', '226'],
  ['consigned', 'CN', '227'],
  ['drop-ship', 'DS', ''],
  ['emergency', 'EO', ''],
]);

/**
 * Who pays the transport (X12 FOB01, 146 / EDIFACT TOD 4215). UN/EDIFACT took these codes from X12:
 * both lists hold CC, PP, PC and TP; the rows are those whose X12 meaning is named below.
 */
export const transportPayments = list('Transport payment', { x12: 'FOB01 (146)', edifact: 'TOD 4215' }, [
  ['collect', 'CC', 'CC'],
  ['prepaid', 'PP', 'PP'],
  ['prepaid-charged-to-customer', 'PC', 'PC'],
  ['third-party', 'TP', 'TP'],
]);

/**
 * The trade terms of a delivery (X12 FOB05 with FOB04 01, Incoterms / EDIFACT TOD C100 4053, which
 * D96A fills from UN/ECE Recommendation 5, Incoterms 1990). Only the Incoterms 1990 rules found under
 * the same code in the published X12 335 lists are rows (EXW, FCA, FAS, FOB, DAF, DDP since 002002; CFR,
 * CIF, CIP by 003040); CPT, DES, DEQ and DDU were not confirmed there and stay losses.
 */
export const incoterms = list('Incoterms', { x12: 'FOB05 (335) with FOB04 01', edifact: 'TOD C100 4053' }, [
  ['ex-works', 'EXW', 'EXW'],
  ['free-carrier', 'FCA', 'FCA'],
  ['free-alongside-ship', 'FAS', 'FAS'],
  ['free-on-board', 'FOB', 'FOB'],
  ['cost-and-freight', 'CFR', 'CFR'],
  ['cost-insurance-freight', 'CIF', 'CIF'],
  ['carriage-insurance-paid', 'CIP', 'CIP'],
  ['delivered-at-frontier', 'DAF', 'DAF'],
  ['delivered-duty-paid', 'DDP', 'DDP'],
]);

/** Every list, in the order docs/canonical.md shows them. */
export const codeLists: ReadonlyArray<QualifierList<string>> = [
  partyRoles,
  partyIdAgencies,
  referenceQualifiers,
  dateQualifiers,
  contactFunctions,
  channels,
  chargeCodes,
  chargeHandling,
  noteQualifiers,
  taxTypes,
  transportModes,
  carrierIdAgencies,
  equipmentTypes,
  priceQualifiers,
  priceTypes,
  packageTypes,
  productIdQualifiers,
  termsTypes,
  amountQualifiers,
  markQualifiers,
  measurements,
  orderTypes,
  transportPayments,
  incoterms,
];

/** A row's codes of one standard for the docs: a code read but not written is marked so. */
function shown(l: QualifierList<string>, r: CodeRow<string>, std: Standard): string {
  const mark = (c: string) =>
    l.readOnly[std].has(c)
      ? `${c} (read only)`
      : r.writeOnly?.[std]?.includes(c)
        ? `${c} (written only)`
        : std === 'edifact' && l.later.has(c)
          ? `${c} (${LATER_DIRECTORY} only)`
          : c;
  return r[std].map(mark).join(', ') || '—';
}

/** The lists as Markdown tables, as docs/canonical.md carries them between its code-list markers. */
export function codeListsMarkdown(): string {
  return codeLists
    .map((l) =>
      [
        `**${l.title}** (X12 ${l.elements.x12}, EDIFACT ${l.elements.edifact})`,
        '',
        '| canonical | X12 | EDIFACT |',
        '| --- | --- | --- |',
        ...l.rows.map((r) => `| \`${r.name}\` | ${shown(l, r, 'x12')} | ${shown(l, r, 'edifact')} |`),
      ].join('\n'),
    )
    .join('\n\n');
}
