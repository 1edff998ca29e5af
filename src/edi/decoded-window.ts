import type { Segment } from './model';
import { type CopyRange, splitWindow } from './split';

/**
 * Bytes decoded at once: segments are split out of the window by range, so no string is made per
 * segment. Bounded so that a large buffer is never one string (V8 caps a string near 512 MB).
 */
const WINDOW = 64 * 1024;

/** The top bit of each byte of a 32-bit word: set in any byte outside ASCII. */
const HIGH_BITS = 0x80808080 | 0;

/**
 * The bytes of the chunk being scanned as ISO-8859-1 text, a window at a time: one character per byte,
 * so a window index is a buffer index shifted. A segment whose bytes are all ASCII reads the same in
 * every character set the scanners decode, so it is split from the window; the scanner decodes any
 * other segment itself. A value long enough to come out of a slice as a V8 sliced string (which would
 * keep the whole window alive) is read from the bytes instead.
 */
export class DecodedWindow {
  private text = '';
  private at = 0;
  private buf: Buffer | undefined;
  /** The chunk's bytes four at a time, from the first index aligned in its ArrayBuffer (`wordsAt`). */
  private words: Int32Array | undefined;
  private wordsAt = 0;
  /** Chunk index of the first byte outside ASCII at or after the last segment asked about (buf.length: none). */
  private nextHigh = -1;

  private readonly copy: CopyRange = (start, end) => this.buf!.toString('latin1', start + this.at, end + this.at);

  /** Starts a chunk: nothing is decoded until a segment asks. */
  begin(buf: Buffer): void {
    this.buf = buf;
    this.text = '';
    this.at = 0;
    this.nextHigh = -1;
    const skip = (4 - (buf.byteOffset & 3)) & 3;
    const n = (buf.length - skip) >> 2;
    this.words = n > 0 ? new Int32Array(buf.buffer, buf.byteOffset + skip, n) : undefined;
    this.wordsAt = skip;
  }

  /** Ends the chunk: neither it nor its characters outlive the scan. */
  end(): void {
    this.buf = undefined;
    this.words = undefined;
    this.text = '';
  }

  private cover(s: number, e: number): void {
    if (s >= this.at && e <= this.at + this.text.length) return;
    const buf = this.buf!;
    this.at = s;
    this.text = buf.toString('latin1', s, Math.min(buf.length, s + Math.max(WINDOW, e - s)));
  }

  /**
   * Whether bytes [s, e) of the chunk are all ASCII (found once per stretch: segments come in order).
   * Read from the bytes a word at a time: a regular expression over the window's characters read
   * one character per step and cost a tenth of the instructions of the whole parse of the bench's X12.
   */
  ascii(s: number, e: number): boolean {
    if (this.nextHigh < s) this.nextHigh = this.highFrom(s);
    return this.nextHigh >= e;
  }

  /** Index of the first byte outside ASCII at or after `from` in the chunk, or its length. */
  private highFrom(from: number): number {
    const buf = this.buf!;
    const len = buf.length;
    const words = this.words;
    let i = from;
    if (words !== undefined) {
      const at = this.wordsAt;
      // Byte by byte up to a word boundary, then a word at a time while no top bit is set.
      for (; i < len && (i < at || ((i - at) & 3) !== 0); i++) if (buf[i] >= 0x80) return i;
      let k = (i - at) >> 2;
      const n = words.length;
      while (k < n && (words[k] & HIGH_BITS) === 0) k++;
      i = at + (k << 2);
    }
    for (; i < len; i++) if (buf[i] >= 0x80) return i;
    return len;
  }

  /** The segment in bytes [s, e) of the chunk, split as splitPlain splits its text read as ISO-8859-1. */
  split(s: number, e: number, el: number, comp: number, rep: number, offset: number): Segment {
    this.cover(s, e);
    const at = this.at;
    return splitWindow(this.buf!, at, this.text, s - at, e - at, el, comp, rep, offset, this.copy);
  }
}
