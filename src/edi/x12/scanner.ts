import { isAscii, isUtf8 } from 'node:buffer';
import type { Diagnostic, Group, Interchange, Location, Segment, Transaction } from '../model';
import { text } from '../model';
import { diagnostic } from '../diagnostic';
import type { Scanner } from '../reader-types';
import { ISA_NOTE, type IsaDelimiters, scanIsa } from './isa';
import type { X12Delimiters } from './segment';
import { splitRange } from '../split';
import { DecodedWindow } from '../decoded-window';
import { EnvelopeScanner } from '../envelope-scanner';
import { validDate, validTime, x12DateTime } from './dates';

const CR = 0x0d;
const LF = 0x0a;

const enum Tag {
  Other,
  ISA,
  IEA,
  GS,
  GE,
  ST,
  SE,
  TA1,
  ISB,
  ISE,
}

/**
 * A streaming X12 scanner: finds segment boundaries in bytes (memchr on the terminator), tracks
 * ISA/GS/ST envelopes with their counts and control numbers, and hands each complete transaction
 * set to the sink. It never throws on content: what is wrong becomes a located diagnostic.
 */
export class X12Scanner extends EnvelopeScanner implements Scanner {
  protected readonly standard = 'x12' as const;
  private d: X12Delimiters = { element: '*', component: ':', segment: '~' };
  private el = 0x2a;
  private comp = 0x3a;
  /** Repetition separator as a character code, -1 before 00402 or when ISA11 is not a separator. */
  private rep = -1;
  private term = 0x7e;
  private crlf = false;
  private groupTxNumbers = new Set<string>();
  private icGroupNumbers = new Set<string>();

  get idle(): boolean {
    return this.ic === undefined;
  }

  /** Bytes before this index of the chunk are known valid UTF-8: segments there decode without a check each. */
  private utf8Until = 0;

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

  // eslint-disable-next-line complexity -- a scanner: one branch per byte class and envelope segment, kept in one loop for speed
  private scanChunk(buf: Buffer, pos: number, base: number, final: boolean): number {
    this.utf8Until = 0;
    if (!this.ascii) {
      const last = buf.lastIndexOf(this.term);
      if (last > pos && isUtf8(buf.subarray(pos, last + 1))) this.utf8Until = last + 1;
    }
    const len = buf.length;
    while (pos < len) {
      if (this.ic === undefined) {
        // Between interchanges: only an ISA may start here.
        if (len - pos < 3 && !final) return pos;
        if (!(buf[pos] === 0x49 && buf[pos + 1] === 0x53 && buf[pos + 2] === 0x41)) return pos; // the reader decides
        const isa = scanIsa(buf, pos, base, final);
        if (isa.kind === 'more') return pos;
        if (isa.kind === 'bad') {
          this.stray(diagnostic('interchange', isa.code, isa.message, { offset: base + pos, segmentId: 'ISA' }));
          // Skip this ISA tag so the reader can look for the next interchange.
          return pos + 3;
        }
        this.openInterchange(buf, pos, base, isa.delimiters, isa.diagnostics);
        pos = isa.delimiters.end;
        continue;
      }
      // Layout between segments may arrive in a later chunk than the terminator before it.
      pos = this.skipBreaks(buf, pos);
      if (pos >= len) break;
      if (this.tx && buf[pos] === 0x42 && buf[pos + 3] === this.el && binaryTag(buf, pos)) {
        const next = this.binary(buf, pos, base, final);
        if (next === -1) return pos;
        if (next > 0) {
          pos = next;
          continue;
        }
      }
      const idx = buf.indexOf(this.term, pos);
      let end: number;
      let next: number;
      if (idx < 0) {
        if (!final) return pos;
        end = len;
        next = len;
      } else {
        end = idx;
        next = idx + 1;
        if (this.crlf && end > pos && buf[end - 1] === CR) end--;
      }
      if (end > pos) {
        // A newline terminator can leave a CR behind when lines end in CRLF but the ISA did not say so.
        if (this.term === LF && buf[end - 1] === CR) end--;
        if (this.tag(buf, pos, end) === Tag.ISA) {
          // A new ISA before IEA: close what is open; the next turn of the loop starts the new interchange.
          this.interrupt(base + pos);
          continue;
        }
        this.segment(buf, pos, end, base, idx < 0);
      } else if (this.term !== LF && this.term !== CR && idx >= 0) {
        this.icDiag('022', 'empty segment (two terminators in a row)', { offset: base + pos }, 'warning');
      }
      pos = next;
    }
    return pos;
  }

  finish(base: number): void {
    if (this.ic !== undefined) {
      if (this.tx) this.closeTransactionMissingTrailer(base);
      if (this.group) this.closeGroupMissingTrailer(base);
      this.icDiag('023', 'interchange has no IEA trailer (file ends early)', { offset: base, segmentId: 'IEA' });
      this.closeInterchange(base);
    }
  }

  /** Line breaks and indentation between segments are layout, not data (unless one is the terminator). */
  private readonly layout = (b: number) => (b === CR || b === LF || b === 0x20 || b === 0x09) && b !== this.term;

  private skipBreaks(buf: Buffer, pos: number): number {
    return this.skipLayout(buf, pos, this.layout);
  }

  /** Set when a segment of this interchange was not UTF-8: it is then read, and written, as ISO-8859-1. */
  private latin1 = false;

  private decode(buf: Buffer, start: number, end: number, offset: number): string {
    if (this.ascii || this.latin1) return buf.toString('latin1', start, end);
    if (end <= this.utf8Until) return buf.toString('utf8', start, end);
    const slice = buf.subarray(start, end);
    if (isAscii(slice) || isUtf8(slice)) return buf.toString('utf8', start, end);
    this.latin1 = true;
    this.ic!.syntax.charset = 'iso-8859-1';
    this.icDiag(
      '024',
      'segment is not valid UTF-8: the interchange is read (and written back) as ISO-8859-1',
      { offset },
      'warning',
    );
    return buf.toString('latin1', start, end);
  }

  private openInterchange(buf: Buffer, pos: number, base: number, dl: IsaDelimiters, diags: Diagnostic[]): void {
    this.el = dl.element;
    this.term = dl.segment;
    this.crlf = dl.crlf;
    const isa = ['ISA', ...dl.fields.map(([a, b]) => buf.toString('latin1', pos + a, pos + b))];
    const elChar = String.fromCharCode(dl.element);
    const version = (isa[12] ?? '').trim();
    const repetitionChar = isa[11] ?? '';
    const usesRepetition = version >= '00402' && repetitionChar.length === 1 && !/[A-Za-z0-9 ]/.test(repetitionChar);
    isa.forEach((v, k) => {
      if (k === 0 || k === 16) return;
      if (v.includes(elChar))
        diags.push(
          diagnostic(
            'interchange',
            ISA_NOTE[k - 1],
            `ISA${String(k).padStart(2, '0')} holds the element separator ${JSON.stringify(elChar)} inside its fixed width`,
            { offset: base + pos, segmentId: 'ISA', element: k },
          ),
        );
      // A delimiter may be a control character (as ISA16 and the terminator may); ISA11 is one from 00402 on.
      if (/[^\x20-\x7e]/.test(v) && !(k === 11 && usesRepetition))
        diags.push(
          diagnostic(
            'interchange',
            ISA_NOTE[k - 1],
            `ISA${String(k).padStart(2, '0')} holds characters outside the basic character set`,
            { offset: base + pos, segmentId: 'ISA', element: k },
          ),
        );
    });
    if (
      usesRepetition &&
      (repetitionChar === String.fromCharCode(dl.component) || repetitionChar.charCodeAt(0) === dl.segment)
    )
      diags.push(
        diagnostic(
          'interchange',
          '016',
          `ISA11 repetition separator ${JSON.stringify(repetitionChar)} is also used as another delimiter`,
          { offset: base + pos, segmentId: 'ISA', element: 11 },
        ),
      );
    this.comp = dl.component;
    this.rep = usesRepetition ? repetitionChar.charCodeAt(0) : -1;
    this.d = {
      element: String.fromCharCode(dl.element),
      component: String.fromCharCode(dl.component),
      segment: dl.crlf ? '\r' : String.fromCharCode(dl.segment),
      repetition: usesRepetition ? repetitionChar : undefined,
    };
    const header: Segment = { id: 'ISA', elements: isa.slice(1), offset: base + pos };
    const controlNumber = isa[13] ?? '';
    // Bytes outside ASCII in the ISA are kept as they are: the interchange is then read and written as latin-1.
    // eslint-disable-next-line no-control-regex
    this.latin1 = isa.some((v) => /[^\x00-\x7f]/.test(v));
    const ic: Interchange = {
      standard: 'x12',
      sender: { qualifier: (isa[5] ?? '').trim(), id: (isa[6] ?? '').trim() },
      receiver: { qualifier: (isa[7] ?? '').trim(), id: (isa[8] ?? '').trim() },
      controlNumber,
      date: x12DateTime(isa[9] ?? '', isa[10] ?? ''),
      test: (isa[15] ?? '').trim() === 'T',
      syntax: {
        version,
        element: this.d.element,
        component: this.d.component,
        segment: this.d.segment,
        ...(this.d.repetition !== undefined ? { repetition: this.d.repetition } : {}),
        charset: this.latin1 ? 'iso-8859-1' : 'utf-8',
      },
      groups: [],
      header,
      errors: [],
      offset: base + pos,
      length: 0,
    };
    for (const d of diags) {
      d.location.interchange = controlNumber;
      ic.errors.push(d);
    }
    this.icGroupNumbers.clear();
    this.begin(ic);
    this.checkIsa(isa, base + pos);
  }

  private checkIsa(isa: string[], offset: number): void {
    const at = (element: number): Location => ({ offset, segmentId: 'ISA', element });
    if (isa.length !== 17) this.icDiag('022', `ISA has ${isa.length - 1} elements, not 16`, at(isa.length - 1));
    if (!/^\d{9}$/.test(isa[13] ?? ''))
      this.icDiag('018', `ISA13 control number ${JSON.stringify(isa[13])} is not 9 digits`, at(13));
    if (!/^\d{6}$/.test(isa[9] ?? '') || !validDate('20' + isa[9]))
      this.icDiag('014', `ISA09 date ${JSON.stringify(isa[9])} is not a valid YYMMDD`, at(9));
    if (!/^\d{4}$/.test(isa[10] ?? '') || !validTime(isa[10] ?? ''))
      this.icDiag('015', `ISA10 time ${JSON.stringify(isa[10])} is not a valid HHMM`, at(10));
    if (!/^[01]$/.test(isa[14] ?? ''))
      this.icDiag('019', `ISA14 acknowledgment requested ${JSON.stringify(isa[14])} is not 0 or 1`, at(14));
    if (!/^[PTI]$/.test(isa[15] ?? ''))
      this.icDiag('020', `ISA15 usage indicator ${JSON.stringify(isa[15])} is not P, T or I`, at(15));
    if (!/^\d{5}$/.test(isa[12] ?? ''))
      this.icDiag('017', `ISA12 version ${JSON.stringify(isa[12])} is not 5 digits`, at(12));
  }

  private tag(buf: Buffer, s: number, e: number): Tag {
    const el = this.el;
    const b0 = buf[s];
    const b1 = buf[s + 1];
    const b2 = s + 2 < e ? buf[s + 2] : el;
    if (b2 === el) {
      if (b0 === 0x53) return b1 === 0x54 ? Tag.ST : b1 === 0x45 ? Tag.SE : Tag.Other;
      if (b0 === 0x47) return b1 === 0x53 ? Tag.GS : b1 === 0x45 ? Tag.GE : Tag.Other;
      return Tag.Other;
    }
    const b3 = s + 3 < e ? buf[s + 3] : el;
    if (b3 !== el) return Tag.Other;
    if (b0 === 0x49) {
      if (b1 === 0x45 && b2 === 0x41) return Tag.IEA;
      if (b1 === 0x53) return b2 === 0x41 ? Tag.ISA : b2 === 0x42 ? Tag.ISB : b2 === 0x45 ? Tag.ISE : Tag.Other;
    } else if (b0 === 0x54 && b1 === 0x41 && b2 === 0x31) return Tag.TA1;
    return Tag.Other;
  }

  private parse(buf: Buffer, s: number, e: number, offset: number): Segment {
    // ASCII reads the same as UTF-8 or ISO-8859-1, and a latin-1 interchange reads its bytes as they are.
    if (this.ascii || this.latin1 || this.window.ascii(s, e))
      return this.window.split(s, e, this.el, this.comp, this.rep, offset);
    const t = this.decode(buf, s, e, offset);
    return splitRange(t, 0, t.length, this.el, this.comp, this.rep, offset, undefined);
  }

  private segment(buf: Buffer, s: number, e: number, base: number, unterminated: boolean): void {
    const offset = base + s;
    const tag = this.tag(buf, s, e);
    if (unterminated && tag !== Tag.IEA) {
      this.icDiag('023', 'last segment has no terminator (file ends early)', { offset });
    }
    // ISB and ISE are interchange-level service requests, allowed between ISA and the first GS.
    if ((tag === Tag.ISB || tag === Tag.ISE) && !this.tx && !this.group) {
      (this.ic!.services ??= []).push(this.parse(buf, s, e, offset));
      return;
    }
    switch (tag) {
      case Tag.ST:
        return this.openTransaction(this.parse(buf, s, e, offset));
      case Tag.SE:
        return this.closeTransaction(this.parse(buf, s, e, offset), offset + (e - s) + 1);
      case Tag.GS:
        return this.openGroup(this.parse(buf, s, e, offset));
      case Tag.GE:
        return this.closeGroup(this.parse(buf, s, e, offset));
      case Tag.IEA:
        return this.closeInterchangeWith(this.parse(buf, s, e, offset), offset + (e - s) + 1);
      case Tag.TA1:
        return this.ta1(this.parse(buf, s, e, offset));
      default: {
        const tx = this.tx;
        if (tx === undefined) {
          const seg = this.parse(buf, s, e, offset);
          if (this.group) {
            this.group.errors.push(
              diagnostic(
                'group',
                '024',
                `segment ${seg.id} outside a transaction set`,
                this.groupLoc({ offset, segmentId: seg.id }),
              ),
            );
          } else {
            this.icDiag('024', `segment ${JSON.stringify(seg.id.slice(0, 8))} outside a functional group`, {
              offset,
              segmentId: seg.id,
            });
          }
          return;
        }
        this.txCount++;
        if (this.full) {
          const seg = this.parse(buf, s, e, offset);
          if (!isX12Tag(seg.id)) {
            tx.errors.push(
              diagnostic(
                'segment',
                '1',
                `unrecognized segment ID ${JSON.stringify(seg.id.slice(0, 8))}`,
                this.txLoc({ offset, segment: this.txCount, segmentId: seg.id.slice(0, 3) }),
              ),
            );
          }
          if (seg.id === 'BIN' || seg.id === 'BDS') this.checkBinaryLength(buf, s, e, seg);
          tx.segments.push(seg);
        }
      }
    }
  }

  /**
   * BIN and BDS (005010) carry binary data that may hold any byte, the terminator included: the data
   * is read by the byte length BIN01 / BDS02 declares. Returns the position after the segment, -1 for
   * "need more bytes", or 0 when the declared length does not end at a terminator (then the segment is
   * read as text and its length checked against its raw bytes).
   */
  private binary(buf: Buffer, pos: number, base: number, final: boolean): number {
    const bds = buf[pos + 1] === 0x44;
    let j = pos + 4;
    const elements: string[] = [];
    if (bds) {
      // BDS01, the filter (ASC, B64, UUE...): a short code before the length.
      while (j < buf.length && j < pos + 8 && buf[j] !== this.el) j++;
      if (j >= buf.length) return final ? 0 : -1;
      if (buf[j] !== this.el) return 0;
      elements.push(buf.toString('latin1', pos + 4, j));
      j++;
    }
    const digits = j;
    while (j < buf.length && buf[j] >= 0x30 && buf[j] <= 0x39) j++;
    if (j >= buf.length) return final ? 0 : -1;
    if (buf[j] !== this.el || j === digits) return 0;
    const length = Number(buf.toString('latin1', digits, j));
    const end = j + 1 + length;
    // With CRLF as the terminator the CR comes first.
    const termAt = this.crlf && buf[end] === CR ? end + 1 : end;
    if (termAt >= buf.length) return final ? 0 : -1;
    if (buf[termAt] !== this.term) return 0;
    this.txCount++;
    if (this.full) {
      const data = buf.subarray(j + 1, end);
      // Bytes as they are: UTF-8 text stays readable, anything else maps byte for byte (latin-1).
      const value = isUtf8(data) ? data.toString('utf8') : data.toString('latin1');
      elements.push(String(length), value);
      this.tx!.segments.push({ id: bds ? 'BDS' : 'BIN', elements, offset: base + pos });
    }
    return termAt + 1;
  }

  /**
   * A BIN or BDS whose declared length did not end at a terminator was read as text: say by how much,
   * counting the raw bytes of its data (not the characters they decoded to).
   */
  private checkBinaryLength(buf: Buffer, s: number, e: number, seg: Segment): void {
    const bds = seg.id === 'BDS';
    const lengthAt = bds ? 2 : 1;
    let dataStart = s;
    for (let k = 0; k <= lengthAt && dataStart < e; k++) {
      const at = buf.indexOf(this.el, dataStart);
      dataStart = at < 0 || at >= e ? e : at + 1;
    }
    const declared = text(seg.elements[lengthAt - 1]);
    const actual = e - dataStart;
    const at = (element: number) =>
      this.txLoc({ offset: seg.offset, segment: this.txCount, segmentId: seg.id, element });
    if (!/^\d+$/.test(declared)) {
      this.tx!.errors.push(
        diagnostic(
          'element',
          '6',
          `${seg.id}0${lengthAt} length ${JSON.stringify(declared)} is not a number`,
          at(lengthAt),
          {
            value: declared,
            elementRef: '784',
          },
        ),
      );
    } else if (Number(declared) !== actual) {
      this.tx!.errors.push(
        diagnostic(
          'element',
          Number(declared) < actual ? '5' : '4',
          `${seg.id}0${lengthAt} says ${declared} bytes of binary data but ${seg.id}0${lengthAt + 1} holds ${actual}`,
          at(lengthAt + 1),
          { elementRef: '785' },
        ),
      );
    }
  }

  private interrupt(offset: number): void {
    if (this.tx) this.closeTransactionMissingTrailer(offset);
    if (this.group) this.closeGroupMissingTrailer(offset);
    this.icDiag('023', 'interchange has no IEA trailer before the next ISA', { offset, segmentId: 'IEA' });
    this.closeInterchange(offset);
  }

  private openGroup(gs: Segment): void {
    if (this.tx) this.closeTransactionMissingTrailer(gs.offset);
    if (this.group) this.closeGroupMissingTrailer(gs.offset);
    const e = gs.elements;
    const g: Group = {
      functionalId: text(e[0]),
      sender: text(e[1]),
      receiver: text(e[2]),
      date: x12DateTime(text(e[3]), text(e[4])),
      controlNumber: text(e[5]),
      version: text(e[7]),
      transactions: [],
      header: gs,
      errors: [],
    };
    this.group = g;
    this.groupTxCount = 0;
    this.groupTxNumbers.clear();
    this.ic!.groups.push(g);
    this.groupCount++;
    const loc = (element: number) => this.groupLoc({ offset: gs.offset, segmentId: 'GS', element });
    if (e.length < 8) g.errors.push(diagnostic('group', '1', `GS has ${e.length} elements, not 8`, loc(e.length)));
    if (!/^\d{1,9}$/.test(g.controlNumber ?? ''))
      g.errors.push(
        diagnostic(
          'group',
          '6',
          `GS06 group control number ${JSON.stringify(g.controlNumber)} is not 1-9 digits`,
          loc(6),
        ),
      );
    if (this.icGroupNumbers.has(g.controlNumber ?? ''))
      g.errors.push(
        diagnostic(
          'group',
          '19',
          `GS06 group control number ${g.controlNumber} is used twice in this interchange`,
          loc(6),
        ),
      );
    this.icGroupNumbers.add(g.controlNumber ?? '');
    if (g.version === '') g.errors.push(diagnostic('group', '2', 'GS08 version is empty', loc(8)));
  }

  private closeGroup(ge: Segment): void {
    if (this.tx) this.closeTransactionMissingTrailer(ge.offset);
    const g = this.group;
    if (!g) {
      this.icDiag('024', 'GE without a GS', { offset: ge.offset, segmentId: 'GE' });
      return;
    }
    g.trailer = ge;
    const count = text(ge.elements[0]);
    const ctrl = text(ge.elements[1]);
    if (count !== String(this.groupTxCount)) {
      g.errors.push(
        diagnostic(
          'group',
          '5',
          `GE01 says ${count || 'nothing'} transaction sets but the group has ${this.groupTxCount}`,
          this.groupLoc({ offset: ge.offset, segmentId: 'GE', element: 1 }),
          { value: count },
        ),
      );
    }
    if (ctrl !== g.controlNumber) {
      g.errors.push(
        diagnostic(
          'group',
          '4',
          `GE02 ${JSON.stringify(ctrl)} does not match GS06 ${JSON.stringify(g.controlNumber)}`,
          this.groupLoc({ offset: ge.offset, segmentId: 'GE', element: 2 }),
          { value: ctrl },
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
        '3',
        `functional group ${g.controlNumber} has no GE trailer`,
        this.groupLoc({ offset, segmentId: 'GE' }),
      ),
    );
    this.group = undefined;
  }

  private openTransaction(st: Segment): void {
    if (this.tx) this.closeTransactionMissingTrailer(st.offset);
    if (!this.group) {
      this.icDiag('024', 'ST outside a functional group (no GS)', { offset: st.offset, segmentId: 'ST' });
      // Read it all the same, in an implicit group, so its content is still checked and reported.
      this.group = { version: '', transactions: [], errors: [] };
      this.ic!.groups.push(this.group);
      this.groupTxCount = 0;
      this.groupTxNumbers.clear();
    }
    const g = this.group;
    const type = text(st.elements[0]);
    const controlNumber = text(st.elements[1]);
    const st03 = text(st.elements[2]);
    const tx: Transaction = {
      type,
      version: g.version.slice(0, 6),
      controlNumber,
      segments: this.full ? [st] : [],
      segmentCount: 0,
      errors: [],
      offset: st.offset,
      length: 0,
    };
    const impl = st03 || (g.version.length > 6 ? g.version : '');
    if (impl) tx.implementation = impl;
    this.tx = tx;
    this.txCount = 1;
    this.groupTxCount++;
    const loc = (element: number) => this.txLoc({ offset: st.offset, segment: 1, segmentId: 'ST', element });
    if (!/^\d{3}$/.test(type))
      tx.errors.push(
        diagnostic(
          'transaction',
          '6',
          `ST01 transaction set identifier ${JSON.stringify(type)} is not 3 digits`,
          loc(1),
        ),
      );
    if (!/^[A-Za-z0-9]{4,9}$/.test(controlNumber))
      tx.errors.push(
        diagnostic(
          'transaction',
          '7',
          `ST02 control number ${JSON.stringify(controlNumber)} is not 4-9 characters`,
          loc(2),
        ),
      );
    if (this.groupTxNumbers.has(controlNumber))
      tx.errors.push(
        diagnostic('transaction', '23', `ST02 control number ${controlNumber} is used twice in this group`, loc(2)),
      );
    this.groupTxNumbers.add(controlNumber);
  }

  private closeTransaction(se: Segment, endOffset: number): void {
    const tx = this.tx;
    if (!tx) {
      const where = this.group
        ? this.groupLoc({ offset: se.offset, segmentId: 'SE' })
        : { interchange: this.ic!.controlNumber, offset: se.offset, segmentId: 'SE' };
      const d = diagnostic(this.group ? 'group' : 'interchange', '024', 'SE without an ST', where);
      (this.group ? this.group.errors : this.ic!.errors).push(d);
      return;
    }
    this.txCount++;
    if (this.full) tx.segments.push(se);
    const count = text(se.elements[0]);
    const ctrl = text(se.elements[1]);
    if (count !== String(this.txCount)) {
      tx.errors.push(
        diagnostic(
          'transaction',
          '4',
          `SE01 says ${count || 'nothing'} segments but the transaction set has ${this.txCount}`,
          this.txLoc({ offset: se.offset, segment: this.txCount, segmentId: 'SE', element: 1 }),
          { value: count },
        ),
      );
    }
    if (ctrl !== tx.controlNumber) {
      tx.errors.push(
        diagnostic(
          'transaction',
          '3',
          `SE02 ${JSON.stringify(ctrl)} does not match ST02 ${JSON.stringify(tx.controlNumber)}`,
          this.txLoc({ offset: se.offset, segment: this.txCount, segmentId: 'SE', element: 2 }),
          { value: ctrl },
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
        '2',
        `transaction set ${tx.controlNumber} has no SE trailer`,
        this.txLoc({ offset, segment: this.txCount + 1, segmentId: 'SE' }),
      ),
    );
    this.endTransaction(offset);
  }

  private ta1(seg: Segment): void {
    const e = seg.elements;
    (this.ic!.ta1 ??= []).push({
      controlNumber: text(e[0]),
      date: text(e[1]),
      time: text(e[2]),
      status: text(e[3]),
      note: text(e[4]),
    });
  }

  private closeInterchangeWith(iea: Segment, endOffset: number): void {
    if (this.tx) this.closeTransactionMissingTrailer(iea.offset);
    if (this.group) this.closeGroupMissingTrailer(iea.offset);
    const ic = this.ic!;
    ic.trailer = iea;
    const count = text(iea.elements[0]);
    const ctrl = text(iea.elements[1]);
    if (count !== String(this.groupCount)) {
      this.icDiag(
        '021',
        `IEA01 says ${count || 'nothing'} functional groups but the interchange has ${this.groupCount}`,
        { offset: iea.offset, segmentId: 'IEA', element: 1 },
      );
    }
    if (ctrl !== ic.controlNumber) {
      this.icDiag('001', `IEA02 ${JSON.stringify(ctrl)} does not match ISA13 ${JSON.stringify(ic.controlNumber)}`, {
        offset: iea.offset,
        segmentId: 'IEA',
        element: 2,
      });
    }
    this.closeInterchange(endOffset);
  }

  protected override closeInterchange(endOffset: number): void {
    super.closeInterchange(endOffset, this.crlf ? '\n' : undefined);
  }

  protected override layoutLineBreak(): string | undefined {
    return this.crlf ? '\n' : super.layoutLineBreak();
  }
}

function upperOrDigit(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/** Two or three of A-Z and 0-9 (read per segment: no regular expression). */
function isX12Tag(id: string): boolean {
  const n = id.length;
  if (n !== 2 && n !== 3) return false;
  return (
    upperOrDigit(id.charCodeAt(0)) && upperOrDigit(id.charCodeAt(1)) && (n === 2 || upperOrDigit(id.charCodeAt(2)))
  );
}

/** BIN or BDS at pos (the element separator after it is checked by the caller). */
function binaryTag(buf: Buffer, pos: number): boolean {
  return (buf[pos + 1] === 0x49 && buf[pos + 2] === 0x4e) || (buf[pos + 1] === 0x44 && buf[pos + 2] === 0x53);
}
