import { isAscii } from 'node:buffer';
import type { Group, Interchange, Location, Segment, Transaction } from '../model';
import { components, text } from '../model';
import { diagnostic } from '../diagnostic';
import type { Scanner } from '../reader-types';
import { type Charset, decode, edifactCharset } from '../charset';
import { DEFAULT_DELIMITERS, type EdifactDelimiters, splitSegment } from './segment';
import { EnvelopeScanner } from '../envelope-scanner';
import { DecodedWindow } from '../decoded-window';

const CR = 0x0d;
const LF = 0x0a;
/** A-Z then two of A-Z and 0-9 (read per segment: no regular expression). */
function isEdifactTag(id: string): boolean {
  if (id.length !== 3) return false;
  const c0 = id.charCodeAt(0);
  const c1 = id.charCodeAt(1);
  const c2 = id.charCodeAt(2);
  return c0 >= 0x41 && c0 <= 0x5a && upperOrDigit(c1) && upperOrDigit(c2);
}

function upperOrDigit(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

const enum Tag {
  Other,
  UNA,
  UNB,
  UNZ,
  UNG,
  UNE,
  UNH,
  UNT,
}

/**
 * Between segments, line breaks and the spaces or tabs that pad fixed-length (80-column) records are
 * layout, not data: a segment starts with its tag. Never the terminator itself, whatever it is.
 */
function isLayout(b: number, term: number): boolean {
  return (b === CR || b === LF || b === 0x20 || b === 0x09) && b !== term;
}

function indexOrEnd(buf: Buffer, byte: number, from: number): number {
  const i = buf.indexOf(byte, from);
  return i < 0 ? buf.length : i;
}

/** EDIFACT S004 date (YYMMDD or CCYYMMDD) and time (HHMM) as ISO 8601. */
export function edifactDateTime(date: string, time: string): string {
  let d = date;
  if (/^\d{6}$/.test(d)) d = (Number(d.slice(0, 2)) < 70 ? '20' : '19') + d;
  if (!/^\d{8}$/.test(d)) return `${date}T${time}`;
  const iso = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  return /^\d{4}$/.test(time) ? `${iso}T${time.slice(0, 2)}:${time.slice(2, 4)}` : iso;
}

/**
 * A streaming EDIFACT scanner. Segment ends are found in bytes (the terminator, unless an odd run of
 * release characters precedes it), so a release character at the end of a chunk is handled: the
 * reader keeps the unfinished segment and rescans it with the next chunk. Bytes are decoded only
 * after UNB has named the character set. Line breaks are not data in EDIFACT and are dropped.
 */
export class EdifactScanner extends EnvelopeScanner implements Scanner {
  protected readonly standard = 'edifact' as const;
  private d: EdifactDelimiters = DEFAULT_DELIMITERS;
  private term = 0x27;
  private una: EdifactDelimiters | undefined;
  private charset: Charset = 'iso-8859-1';
  /** The interchange declares UNOA or UNOB, whose text is ASCII: other bytes get one warning per interchange. */
  private sevenBit = false;
  private sevenBitWarned = false;
  private explicitGroups = false;
  private bareMessages = 0;
  /** UNH 0062 references seen in this interchange: ISO 9735 makes them unique there, not only per group. */
  private messageRefs = new Set<string>();

  protected override groupRef(): string | undefined {
    return this.explicitGroups ? this.group?.controlNumber : undefined;
  }

  protected override decimal(): string {
    return this.d.decimal;
  }

  get idle(): boolean {
    return this.ic === undefined && this.una === undefined;
  }

  /** The chunk's characters when it is ASCII (segments are split from it without a string each). */
  private readonly window = new DecodedWindow();

  scan(buf: Buffer, pos: number, base: number, final: boolean): number {
    this.ascii = isAscii(buf.subarray(pos));
    this.window.begin(buf);
    try {
      return this.scanChunk(buf, pos, base, final);
    } finally {
      this.window.end();
    }
  }

  // eslint-disable-next-line complexity -- a scanner: one branch per byte class, release character and envelope segment, kept in one loop for speed
  private scanChunk(buf: Buffer, pos: number, base: number, final: boolean): number {
    // The reader reuses its buffer for new bytes: positions found in an earlier call mean nothing now.
    this.breaksIn = undefined;
    this.releaseIn = undefined;
    const len = buf.length;
    while (pos < len) {
      if (this.ic === undefined) {
        if (this.una) {
          // Between UNA and UNB there may be a line break (and record padding), in this chunk or the next.
          const term = this.una.segment.charCodeAt(0);
          while (pos < len && isLayout(buf[pos], term)) pos++;
          if (pos >= len) return pos;
        }
        if (len - pos < 3) {
          if (!final) return pos;
          if (!this.una) return pos;
        }
        const t = this.idleTag(buf, pos);
        if (t === Tag.UNA) {
          if (this.una)
            this.stray(
              diagnostic('interchange', '1', 'second UNA without a UNB between them', {
                offset: base + pos,
                segmentId: 'UNA',
              }),
            );
          if (len - pos < 9) {
            if (!final) return pos;
            this.stray(
              diagnostic('interchange', '1', 'file ends inside the UNA service string advice', {
                offset: base + pos,
                segmentId: 'UNA',
              }),
            );
            return len;
          }
          this.una = this.readUna(buf, pos, base);
          pos = this.skipBreaks(buf, pos + 9);
          continue;
        }
        if (t === Tag.UNB || t === Tag.UNH) {
          const end = this.findEnd(
            buf,
            pos,
            t === Tag.UNB ? (this.una ?? DEFAULT_DELIMITERS) : (this.una ?? DEFAULT_DELIMITERS),
          );
          if (end < 0 && !final) return pos;
          const segEnd = end < 0 ? len : end;
          if (t === Tag.UNB) {
            this.openInterchange(buf, pos, segEnd, base);
            pos = end < 0 ? len : end + 1;
          } else {
            this.openBare(base + pos);
            // The UNH is read again as the first segment of the implicit interchange.
          }
          continue;
        }
        if (this.una) {
          this.stray(
            diagnostic('interchange', '13', 'UNA is not followed by a UNB interchange header', {
              offset: base + pos,
              segmentId: 'UNB',
            }),
          );
          this.una = undefined;
        }
        return pos; // not EDIFACT here: the reader decides
      }
      pos = this.skipBreaks(buf, pos);
      if (pos >= len) break;
      const idx = this.findEnd(buf, pos, this.d);
      let end: number;
      let next: number;
      if (idx < 0) {
        if (!final) return pos;
        end = len;
        next = len;
      } else {
        end = idx;
        next = idx + 1;
      }
      if (end > pos) {
        const tag = this.tag(buf, pos, end);
        if (tag === Tag.UNB || tag === Tag.UNA) {
          this.interrupt(base + pos);
          continue;
        }
        this.segment(buf, pos, end, base, tag, idx < 0);
      } else if (idx >= 0) {
        this.icDiag('12', 'empty segment (two terminators in a row)', { offset: base + pos }, 'warning');
      }
      pos = next;
    }
    return pos;
  }

  finish(base: number): void {
    if (this.una && !this.ic) {
      this.stray(
        diagnostic('interchange', '13', 'UNA is not followed by a UNB interchange header', {
          offset: base,
          segmentId: 'UNB',
        }),
      );
      this.una = undefined;
    }
    if (this.ic !== undefined) {
      if (this.tx) this.closeTransactionMissingTrailer(base);
      if (this.group && this.explicitGroups) this.closeGroupMissingTrailer(base);
      if (this.ic.header.elements.length > 0)
        this.icDiag('13', 'interchange has no UNZ trailer (file ends early)', { offset: base, segmentId: 'UNZ' });
      this.closeInterchange(base);
    }
  }

  private idleTag(buf: Buffer, pos: number): Tag {
    if (buf[pos] !== 0x55 || buf[pos + 1] !== 0x4e) return Tag.Other;
    const c = buf[pos + 2];
    return c === 0x41 ? Tag.UNA : c === 0x42 ? Tag.UNB : c === 0x48 ? Tag.UNH : Tag.Other;
  }

  private readUna(buf: Buffer, pos: number, base: number): EdifactDelimiters {
    const s = buf.toString('latin1', pos + 3, pos + 9);
    const d: EdifactDelimiters = {
      component: s[0],
      element: s[1],
      decimal: s[2],
      release: s[3],
      segment: s[5],
      ...(s[4] !== ' ' ? { repetition: s[4] } : {}),
    };
    const chars = [d.component, d.element, d.release, d.segment, ...(d.repetition ? [d.repetition] : [])];
    if (new Set(chars).size !== chars.length || chars.some((c) => /[A-Za-z0-9]/.test(c))) {
      this.stray(
        diagnostic(
          'interchange',
          '20',
          `UNA service characters ${JSON.stringify(s)} are not distinct non-alphanumeric characters`,
          { offset: base + pos, segmentId: 'UNA' },
        ),
      );
    }
    if (d.decimal !== '.' && d.decimal !== ',') {
      this.stray(
        diagnostic(
          'interchange',
          '19',
          `UNA decimal mark ${JSON.stringify(d.decimal)} is neither '.' nor ','`,
          { offset: base + pos, segmentId: 'UNA' },
          { severity: 'warning' },
        ),
      );
    }
    return d;
  }

  /** Index of the terminator that ends the segment starting at pos, skipping released ones; -1 if none yet. */
  private findEnd(buf: Buffer, pos: number, d: EdifactDelimiters): number {
    const term = d.segment.charCodeAt(0);
    const rel = d.release.charCodeAt(0);
    let from = pos;
    while (true) {
      const idx = buf.indexOf(term, from);
      if (idx < 0) return -1;
      let n = 0;
      for (let j = idx - 1; j >= pos && buf[j] === rel; j--) n++;
      if ((n & 1) === 0) return idx;
      from = idx + 1;
    }
  }

  private skipBreaks(buf: Buffer, pos: number): number {
    return this.skipLayout(buf, pos, this.layout);
  }

  private readonly layout = (b: number) => isLayout(b, this.term);

  /** Only the line break is repeated on writing: the spaces that pad fixed-length records are not. */
  protected override layoutLineBreak(): string | undefined {
    const lineBreak = super.layoutLineBreak()?.replace(/[ \t]/g, '');
    return lineBreak || undefined;
  }

  private tag(buf: Buffer, s: number, e: number): Tag {
    if (e - s < 3) return Tag.Other;
    let b0 = buf[s];
    let b1 = buf[s + 1];
    let b2 = buf[s + 2];
    let b3 = e - s > 3 ? buf[s + 3] : -1;
    if (b0 === CR || b0 === LF || b1 === CR || b1 === LF || b2 === CR || b2 === LF || b3 === CR || b3 === LF) {
      // Hard-wrapped files break anywhere, the tag included: read the first four bytes that are not line breaks.
      const b: number[] = [];
      for (let i = s; i < e && b.length < 4; i++) if (buf[i] !== CR && buf[i] !== LF) b.push(buf[i]);
      [b0, b1, b2, b3] = [b[0] ?? -1, b[1] ?? -1, b[2] ?? -1, b[3] ?? -1];
    }
    if (b0 !== 0x55 || b1 !== 0x4e) return Tag.Other;
    if (b2 === 0x41) return Tag.UNA;
    if (b3 !== -1 && b3 !== this.d.element.charCodeAt(0)) return Tag.Other;
    switch (b2) {
      case 0x48:
        return Tag.UNH;
      case 0x54:
        return Tag.UNT;
      case 0x47:
        return Tag.UNG;
      case 0x45:
        return Tag.UNE;
      case 0x5a:
        return Tag.UNZ;
      case 0x42:
        return Tag.UNB;
      default:
        return Tag.Other;
    }
  }

  /** The next CR and LF at or after the segment being read, found once per stretch (searches only go forward). */
  private breaksIn: Buffer | undefined;
  private nextLf = 0;
  private nextCr = 0;

  /** Whether bytes s..e hold a line break (a hard-wrapped file), which is not data. */
  private breakWithin(buf: Buffer, s: number, e: number): boolean {
    if (buf === this.breaksIn && this.nextLf < s) this.nextLf = indexOrEnd(buf, LF, s);
    if (buf === this.breaksIn && this.nextCr < s) this.nextCr = indexOrEnd(buf, CR, s);
    if (buf !== this.breaksIn) {
      this.breaksIn = buf;
      this.nextLf = indexOrEnd(buf, LF, s);
      this.nextCr = indexOrEnd(buf, CR, s);
    }
    return this.nextLf < e || this.nextCr < e;
  }

  private text(buf: Buffer, s: number, e: number, offset: number, charset: Charset): string {
    if (this.breakWithin(buf, s, e)) {
      const parts: Buffer[] = [];
      let from = s;
      for (let i = s; i < e; i++) {
        if (buf[i] === LF || buf[i] === CR) {
          if (i > from) parts.push(buf.subarray(from, i));
          from = i + 1;
        }
      }
      if (from < e) parts.push(buf.subarray(from, e));
      const joined = Buffer.concat(parts);
      return this.text(joined, 0, joined.length, offset, charset);
    }
    if (this.ascii || charset === 'iso-8859-1') return buf.toString('latin1', s, e);
    const t = decode(buf, s, e, charset);
    if (t !== undefined) {
      if (this.sevenBit && !this.sevenBitWarned && !isAscii(buf.subarray(s, e))) {
        this.sevenBitWarned = true;
        this.icDiag(
          '21',
          `UNB declares ${this.ic?.syntax.charset}, a 7-bit level, but the data holds UTF-8: read as UTF-8`,
          { offset },
          'warning',
        );
      }
      return t;
    }
    this.icDiag('21', `segment is not valid ${charset}; read as ISO-8859-1`, { offset }, 'warning');
    return buf.toString('latin1', s, e);
  }

  /** The next release character at or after the segment being read, found once per stretch as nextLf is. */
  private releaseIn: Buffer | undefined;
  private releaseByte = -1;
  private nextRelease = 0;

  /**
   * Whether bytes s..e hold no release character: then the segment's text holds none either (every
   * charset read here maps ASCII bytes to themselves, and no other byte to ASCII), and splitting need
   * not search the text for one. Not known for a release character outside ASCII.
   */
  private releaseFree(buf: Buffer, s: number, e: number): boolean {
    const rel = this.d.release.charCodeAt(0);
    if (!(rel < 0x80)) return false;
    if (buf !== this.releaseIn || rel !== this.releaseByte || this.nextRelease < s) {
      this.releaseIn = buf;
      this.releaseByte = rel;
      this.nextRelease = indexOrEnd(buf, rel, s);
    }
    return this.nextRelease >= e;
  }

  private parse(buf: Buffer, s: number, e: number, offset: number, charset = this.charset): Segment {
    // ASCII reads the same in every character set (and ISO-8859-1 is the bytes as they are), so without
    // a release character or line break the text is the chunk's window: split it from there.
    if (
      (this.ascii || charset === 'iso-8859-1' || this.window.ascii(s, e)) &&
      this.releaseFree(buf, s, e) &&
      !this.breakWithin(buf, s, e)
    ) {
      const d = this.d;
      const rep = d.repetition !== undefined ? d.repetition.charCodeAt(0) : -1;
      return this.window.split(s, e, d.element.charCodeAt(0), d.component.charCodeAt(0), rep, offset);
    }
    const seg = splitSegment(this.text(buf, s, e, offset, charset), this.d, offset, this.releaseFree(buf, s, e));
    if (seg.strayRelease) {
      delete seg.strayRelease;
      // Written back without it: the release character may only precede a service character.
      if (this.ic)
        this.icDiag(
          '20',
          `${seg.id} has a release character before a character that needs none`,
          { offset, segmentId: seg.id },
          'warning',
        );
    }
    return seg;
  }

  private openInterchange(buf: Buffer, s: number, e: number, base: number): void {
    const offset = base + s;
    this.d = this.una ?? DEFAULT_DELIMITERS;
    const header = this.parse(buf, s, e, offset, 'iso-8859-1');
    const el = header.elements;
    const s001 = components(el[0]);
    const syntaxId = s001[0] ?? '';
    const syntaxVersion = s001[1] ?? '';
    if (!this.una && syntaxVersion === '4') this.d = { ...DEFAULT_DELIMITERS, repetition: '*' };
    this.term = this.d.segment.charCodeAt(0);
    const cs = edifactCharset(syntaxId);
    this.charset = cs ?? 'iso-8859-1';
    this.sevenBit = /^UNO[AB]$/i.test(syntaxId);
    this.sevenBitWarned = false;
    const sender = components(el[1]);
    const receiver = components(el[2]);
    const dt = components(el[3]);
    const controlNumber = text(el[4]);
    const ic: Interchange = {
      standard: 'edifact',
      sender: { qualifier: sender[1] ?? '', id: sender[0] ?? '' },
      receiver: { qualifier: receiver[1] ?? '', id: receiver[0] ?? '' },
      controlNumber,
      date: edifactDateTime(dt[0] ?? '', dt[1] ?? ''),
      test: text(el[10]) === '1',
      syntax: {
        version: syntaxVersion,
        element: this.d.element,
        component: this.d.component,
        segment: this.d.segment,
        release: this.d.release,
        decimal: this.d.decimal,
        charset: syntaxId,
        ...(this.d.repetition !== undefined ? { repetition: this.d.repetition } : {}),
        ...(this.una ? { una: true } : {}),
      },
      groups: [],
      header,
      errors: [],
      offset: this.una ? offset - 9 : offset,
      length: 0,
    };
    this.una = undefined;
    this.begin(ic);
    if (splitSegment(this.text(buf, s, e, offset, 'iso-8859-1'), this.d, offset).strayRelease) {
      this.icDiag(
        '20',
        'UNB has a release character before a character that needs none',
        { offset, segmentId: 'UNB' },
        'warning',
      );
    }
    const at = (element: number, component?: number): Location => ({
      offset,
      segmentId: 'UNB',
      element,
      ...(component ? { component } : {}),
    });
    if (!cs)
      this.icDiag(
        '2',
        `UNB syntax identifier ${JSON.stringify(syntaxId)} is not one this gateway reads (UNOA-UNOK, UNOW, UNOY, IATA, IATB); read as ISO-8859-1`,
        at(1, 1),
      );
    if (!/^[1-4]$/.test(syntaxVersion))
      this.icDiag('2', `UNB syntax version ${JSON.stringify(syntaxVersion)} is not 1 to 4`, at(1, 2));
    if (!sender[0]) this.icDiag('13', 'UNB interchange sender is missing', at(2, 1));
    if (!receiver[0]) this.icDiag('13', 'UNB interchange recipient is missing', at(3, 1));
    if (!/^\d{6}(\d{2})?$/.test(dt[0] ?? '') || !/^\d{4}$/.test(dt[1] ?? ''))
      this.icDiag('12', `UNB date/time ${JSON.stringify(dt.join(':'))} is not YYMMDD:HHMM`, at(4));
    if (!controlNumber) this.icDiag('13', 'UNB interchange control reference is missing', at(5));
    else if (controlNumber.length > 14)
      this.icDiag('39', `UNB interchange control reference ${JSON.stringify(controlNumber)} is longer than 14`, at(5));
  }

  /** Messages with no UNB: read them in an implicit interchange so their content is still checked. */
  private openBare(offset: number): void {
    this.d = this.una ?? DEFAULT_DELIMITERS;
    this.term = this.d.segment.charCodeAt(0);
    this.charset = 'iso-8859-1';
    this.sevenBit = false;
    const ic: Interchange = {
      standard: 'edifact',
      sender: { qualifier: '', id: '' },
      receiver: { qualifier: '', id: '' },
      controlNumber: '',
      date: '',
      test: false,
      syntax: {
        version: '',
        element: this.d.element,
        component: this.d.component,
        segment: this.d.segment,
        release: this.d.release,
        decimal: this.d.decimal,
        ...(this.una ? { una: true } : {}),
        ...(this.d.repetition !== undefined ? { repetition: this.d.repetition } : {}),
      },
      groups: [],
      header: { id: 'UNB', elements: [], offset },
      errors: [],
      offset: this.una ? offset - 9 : offset,
      length: 0,
    };
    this.una = undefined;
    this.begin(ic);
    this.icDiag('13', 'messages without a UNB interchange header', { offset, segmentId: 'UNB' });
  }

  protected override begin(ic: Interchange): void {
    this.explicitGroups = false;
    this.bareMessages = 0;
    this.messageRefs.clear();
    super.begin(ic);
  }

  private interrupt(offset: number): void {
    if (this.tx) this.closeTransactionMissingTrailer(offset);
    if (this.group && this.explicitGroups) this.closeGroupMissingTrailer(offset);
    if (this.ic!.header.elements.length > 0)
      this.icDiag('13', 'interchange has no UNZ trailer before the next UNB', { offset, segmentId: 'UNZ' });
    this.closeInterchange(offset);
  }

  private segment(buf: Buffer, s: number, e: number, base: number, tag: Tag, unterminated: boolean): void {
    const offset = base + s;
    const end = offset + (e - s) + 1;
    if (unterminated && tag !== Tag.UNZ)
      this.icDiag('13', 'last segment has no terminator (file ends early)', { offset });
    switch (tag) {
      case Tag.UNH:
        return this.openTransaction(this.parse(buf, s, e, offset));
      case Tag.UNT:
        return this.closeTransaction(this.parse(buf, s, e, offset), end);
      case Tag.UNG:
        return this.openGroup(this.parse(buf, s, e, offset));
      case Tag.UNE:
        return this.closeGroup(this.parse(buf, s, e, offset));
      case Tag.UNZ:
        return this.closeInterchangeWith(this.parse(buf, s, e, offset), end);
      default: {
        const tx = this.tx;
        if (tx === undefined) {
          const seg = this.parse(buf, s, e, offset);
          this.icDiag('33', `segment ${JSON.stringify(seg.id.slice(0, 8))} outside a message`, {
            offset,
            segmentId: seg.id.slice(0, 3),
          });
          return;
        }
        this.txCount++;
        if (this.full) {
          const seg = this.parse(buf, s, e, offset);
          if (!isEdifactTag(seg.id)) {
            tx.errors.push(
              diagnostic(
                'segment',
                '15',
                `unrecognized segment tag ${JSON.stringify(seg.id.slice(0, 8))}`,
                this.txLoc({ offset, segment: this.txCount, segmentId: seg.id.slice(0, 3) }),
              ),
            );
          }
          tx.segments.push(seg);
        }
      }
    }
  }

  private openGroup(ung: Segment): void {
    if (this.tx) this.closeTransactionMissingTrailer(ung.offset);
    if (this.group && this.explicitGroups) this.closeGroupMissingTrailer(ung.offset);
    if (this.bareMessages > 0)
      this.icDiag('30', 'UNG after messages outside any group', { offset: ung.offset, segmentId: 'UNG' });
    const e = ung.elements;
    const v = components(e[6]);
    const g: Group = {
      functionalId: text(e[0]),
      sender: text(e[1]),
      receiver: text(e[2]),
      date: edifactDateTime(components(e[3])[0] ?? '', components(e[3])[1] ?? ''),
      controlNumber: text(e[4]),
      version: (v[0] ?? '') + (v[1] ?? ''),
      transactions: [],
      header: ung,
      errors: [],
    };
    this.explicitGroups = true;
    this.group = g;
    this.groupTxCount = 0;
    this.groupCount++;
    this.ic!.groups.push(g);
    if (!g.controlNumber)
      g.errors.push(
        diagnostic(
          'group',
          '13',
          'UNG group reference is missing',
          this.groupLoc({ offset: ung.offset, segmentId: 'UNG', element: 5 }),
        ),
      );
  }

  private closeGroup(une: Segment): void {
    if (this.tx) this.closeTransactionMissingTrailer(une.offset);
    const g = this.group;
    if (!g || !this.explicitGroups) {
      this.icDiag('33', 'UNE without a UNG', { offset: une.offset, segmentId: 'UNE' });
      return;
    }
    g.trailer = une;
    const count = text(une.elements[0]);
    const ref = text(une.elements[1]);
    if (count !== String(this.groupTxCount)) {
      g.errors.push(
        diagnostic(
          'group',
          '29',
          `UNE says ${count || 'nothing'} messages but the group has ${this.groupTxCount}`,
          this.groupLoc({ offset: une.offset, segmentId: 'UNE', element: 1 }),
          { value: count },
        ),
      );
    }
    if (ref !== g.controlNumber) {
      g.errors.push(
        diagnostic(
          'group',
          '28',
          `UNE reference ${JSON.stringify(ref)} does not match UNG ${JSON.stringify(g.controlNumber)}`,
          this.groupLoc({ offset: une.offset, segmentId: 'UNE', element: 2 }),
          { value: ref },
        ),
      );
    }
    this.group = undefined;
  }

  private closeGroupMissingTrailer(offset: number): void {
    const g = this.group!;
    g.errors.push(
      diagnostic(
        'group',
        '13',
        `functional group ${g.controlNumber} has no UNE trailer`,
        this.groupLoc({ offset, segmentId: 'UNE' }),
      ),
    );
    this.group = undefined;
  }

  private openTransaction(unh: Segment): void {
    if (this.tx) this.closeTransactionMissingTrailer(unh.offset);
    const s009 = components(unh.elements[1]);
    const version = (s009[1] ?? '') + (s009[2] ?? '');
    if (!this.group) {
      if (this.explicitGroups)
        this.icDiag('30', 'message outside a group in an interchange that uses groups', {
          offset: unh.offset,
          segmentId: 'UNH',
        });
      this.group = { version, transactions: [], errors: [] };
      this.ic!.groups.push(this.group);
      this.groupTxCount = 0;
    }
    if (!this.explicitGroups) this.bareMessages++;
    const tx: Transaction = {
      type: s009[0] ?? '',
      version,
      controlNumber: text(unh.elements[0]),
      segments: this.full ? [unh] : [],
      segmentCount: 0,
      errors: [],
      offset: unh.offset,
      length: 0,
    };
    if (s009[4]) tx.implementation = s009[4];
    this.tx = tx;
    this.txCount = 1;
    this.groupTxCount++;
    const loc = (element: number, component?: number) =>
      this.txLoc({ offset: unh.offset, segment: 1, segmentId: 'UNH', element, ...(component ? { component } : {}) });
    if (!tx.controlNumber) tx.errors.push(diagnostic('transaction', '13', 'UNH message reference is missing', loc(1)));
    else if (this.messageRefs.has(tx.controlNumber))
      tx.errors.push(
        diagnostic(
          'transaction',
          '26',
          `UNH message reference ${tx.controlNumber} is used twice in this interchange`,
          loc(1),
        ),
      );
    this.messageRefs.add(tx.controlNumber);
    if (!/^[A-Z0-9]{1,6}$/.test(tx.type))
      tx.errors.push(
        diagnostic('transaction', '12', `UNH message type ${JSON.stringify(tx.type)} is not valid`, loc(2, 1)),
      );
    if (!s009[1] || !s009[2] || !s009[3])
      tx.errors.push(
        diagnostic('transaction', '13', 'UNH message identifier lacks version, release or agency', loc(2)),
      );
  }

  private closeTransaction(unt: Segment, endOffset: number): void {
    const tx = this.tx;
    if (!tx) {
      this.icDiag('33', 'UNT without a UNH', { offset: unt.offset, segmentId: 'UNT' });
      return;
    }
    this.txCount++;
    if (this.full) tx.segments.push(unt);
    const count = text(unt.elements[0]);
    const ref = text(unt.elements[1]);
    if (count !== String(this.txCount)) {
      tx.errors.push(
        diagnostic(
          'transaction',
          '29',
          `UNT says ${count || 'nothing'} segments but the message has ${this.txCount}`,
          this.txLoc({ offset: unt.offset, segment: this.txCount, segmentId: 'UNT', element: 1 }),
          { value: count },
        ),
      );
    }
    if (ref !== tx.controlNumber) {
      tx.errors.push(
        diagnostic(
          'transaction',
          '28',
          `UNT reference ${JSON.stringify(ref)} does not match UNH ${JSON.stringify(tx.controlNumber)}`,
          this.txLoc({ offset: unt.offset, segment: this.txCount, segmentId: 'UNT', element: 2 }),
          { value: ref },
        ),
      );
    }
    this.endTransaction(endOffset);
  }

  private closeTransactionMissingTrailer(offset: number): void {
    const tx = this.tx!;
    tx.errors.push(
      diagnostic(
        'transaction',
        '13',
        `message ${tx.controlNumber} has no UNT trailer`,
        this.txLoc({ offset, segment: this.txCount + 1, segmentId: 'UNT' }),
      ),
    );
    this.endTransaction(offset);
  }

  private closeInterchangeWith(unz: Segment, endOffset: number): void {
    if (this.tx) this.closeTransactionMissingTrailer(unz.offset);
    if (this.group && this.explicitGroups) this.closeGroupMissingTrailer(unz.offset);
    const ic = this.ic!;
    ic.trailer = unz;
    const count = text(unz.elements[0]);
    const ref = text(unz.elements[1]);
    const expected = this.explicitGroups ? this.groupCount : this.bareMessages;
    if (count !== String(expected)) {
      this.icDiag(
        '29',
        `UNZ says ${count || 'nothing'} ${this.explicitGroups ? 'groups' : 'messages'} but the interchange has ${expected}`,
        { offset: unz.offset, segmentId: 'UNZ', element: 1 },
      );
    }
    if (ref !== ic.controlNumber) {
      this.icDiag('28', `UNZ reference ${JSON.stringify(ref)} does not match UNB ${JSON.stringify(ic.controlNumber)}`, {
        offset: unz.offset,
        segmentId: 'UNZ',
        element: 2,
      });
    }
    if (expected === 0)
      this.icDiag('32', 'interchange holds no messages', { offset: unz.offset, segmentId: 'UNZ' }, 'warning');
    this.closeInterchange(endOffset);
  }

  protected override closeInterchange(endOffset: number): void {
    super.closeInterchange(endOffset, this.layoutLineBreak());
    this.d = DEFAULT_DELIMITERS;
  }
}
