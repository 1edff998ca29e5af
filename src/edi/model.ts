/**
 * The canonical model of EDI interchanges (see ../shared/DESIGN.md). Every other layer reads these
 * types; edi/ itself imports nothing of the project but this file and its own modules.
 */

export type Standard = 'x12' | 'edifact';

/** A simple value, or the components of a composite (trailing empty components are kept). */
export type Value = string | string[];

/** An element that repeats (X12 repetition separator, EDIFACT syntax 4 repetition separator). */
export interface Repeated {
  repeats: Value[];
}

export type Element = Value | Repeated;

export interface Segment {
  id: string;
  /** Elements after the tag, in order; EDIFACT values are unescaped (release characters removed). */
  elements: Element[];
  /** Byte offset of the segment's first byte in the payload. */
  offset: number;
}

export interface PartyId {
  qualifier: string;
  id: string;
}

export interface SyntaxInfo {
  version: string;
  element: string;
  component: string;
  segment: string;
  repetition?: string;
  release?: string;
  decimal?: string;
  charset?: string;
  /** EDIFACT: whether the interchange opened with a UNA service string advice. */
  una?: boolean;
  /** Characters written after each segment terminator as sent (CR, LF, CRLF), kept for writing back. */
  lineBreak?: string;
}

export type Severity = 'error' | 'warning';

/** Where a diagnostic points. Positions are 1-based, as acknowledgements report them. */
export interface Location {
  /** Byte offset in the payload of the segment at fault. */
  offset?: number;
  interchange?: string;
  group?: string;
  transaction?: string;
  /** Segment position within the transaction set (ST / UNH = 1); absent for envelope segments. */
  segment?: number;
  segmentId?: string;
  element?: number;
  component?: number;
  repeat?: number;
  loop?: string;
}

export type DiagnosticLevel = 'interchange' | 'group' | 'transaction' | 'segment' | 'element';

/**
 * One finding of the engine. `code` is the acknowledgement code of the standard at this level:
 * X12 TA1 I18 (interchange), AK9/IK9 716 (group), AK5/IK5 717-718 (transaction), IK3 620 (segment),
 * IK4 621 (element), or EDIFACT 0085 at every level. Acks are rendered from these, never retyped.
 */
export interface Diagnostic {
  severity: Severity;
  level: DiagnosticLevel;
  code: string;
  message: string;
  location: Location;
  /** The offending value, where one exists (997 AK404 / 999 IK404 copy of bad data element). */
  value?: string;
  /** X12 data element reference number (AK403 / IK403) where the profile knows it. */
  elementRef?: string;
}

/** DESIGN.md calls the per-transaction findings EdiError; they are diagnostics. */
export type EdiError = Diagnostic;

/** A node of the profile loop tree: segments keyed by id, loops keyed `<loopId>_loop` as arrays. */
export interface LoopNode {
  [key: string]: SegmentNode | SegmentNode[] | LoopNode[];
}

/** A segment in the tree: elements keyed by position id (`BEG03`), composites as component arrays. */
export interface SegmentNode {
  [elementId: string]: Element;
}

export interface Transaction {
  type: string;
  version: string;
  controlNumber: string;
  /** X12 ST03 / EDIFACT S009 association assigned code: the implementation guide, where given. */
  implementation?: string;
  segments: Segment[];
  /** Segments from header to trailer as counted while reading (kept when `segments` is not). */
  segmentCount: number;
  tree?: LoopNode;
  errors: Diagnostic[];
  /** Byte range of the transaction set (header to trailer) in the payload. */
  offset: number;
  length: number;
}

export interface Group {
  functionalId?: string;
  controlNumber?: string;
  version: string;
  /** X12 GS02/GS03, EDIFACT UNG sender and recipient, where present. */
  sender?: string;
  receiver?: string;
  date?: string;
  transactions: Transaction[];
  /** The header and trailer segments as sent (GS/GE, UNG/UNE); absent for an implicit group. */
  header?: Segment;
  trailer?: Segment;
  errors: Diagnostic[];
}

/** An X12 TA1 carried in an interchange (an interchange acknowledgement). */
export interface InterchangeAck {
  controlNumber: string;
  date: string;
  time: string;
  status: string;
  note: string;
}

export interface Interchange {
  standard: Standard;
  sender: PartyId;
  receiver: PartyId;
  controlNumber: string;
  /** ISO 8601 date and time of preparation as sent. */
  date: string;
  test: boolean;
  syntax: SyntaxInfo;
  groups: Group[];
  ta1?: InterchangeAck[];
  /** X12 interchange-level service segments between ISA and the first GS (ISB, ISE), as sent. */
  services?: Segment[];
  /** Header and trailer as sent (ISA/IEA, UNB/UNZ). */
  header: Segment;
  trailer?: Segment;
  errors: Diagnostic[];
  /** Byte range of the interchange in the payload. */
  offset: number;
  length: number;
}

/** Every finding of an interchange, its groups and transactions, in payload order of discovery. */
export function allDiagnostics(interchange: Interchange): Diagnostic[] {
  // Concatenated, not push(...): one transaction can hold more findings than a call takes arguments.
  let out = interchange.errors;
  for (const g of interchange.groups) {
    out = out.concat(g.errors);
    for (const t of g.transactions) out = out.concat(t.errors);
  }
  return out === interchange.errors ? [...out] : out;
}

/** The first value of an element as a plain string: first repeat, first component. */
export function text(e: Element | undefined): string {
  if (e === undefined) return '';
  if (typeof e === 'string') return e;
  if (Array.isArray(e)) return e[0] ?? '';
  const first = e.repeats[0];
  if (first === undefined) return '';
  return typeof first === 'string' ? first : (first[0] ?? '');
}

/** The components of an element (a simple value is a composite of one). */
export function components(e: Element | undefined): string[] {
  if (e === undefined) return [];
  if (typeof e === 'string') return [e];
  if (Array.isArray(e)) return e;
  const first = e.repeats[0];
  if (first === undefined) return [];
  return typeof first === 'string' ? [first] : first;
}
