import type { Segment } from './model';
import { type CopyRange, splitRange } from './split';

/**
 * Bytes decoded at once: segments are split out of the window by range, so no string is made per
 * segment. Bounded so that a large buffer is never one string (V8 caps a string near 512 MB).
 */
const WINDOW = 64 * 1024;

/** A byte outside ASCII, in the window's one-character-per-byte image. */
const HIGH = /[\u0080-\u00ff]/g;

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
  /** Window index of the first byte outside ASCII at or after the last segment asked about (text.length: none). */
  private nextHigh = 0;

  private readonly copy: CopyRange = (start, end) => this.buf!.toString('latin1', start + this.at, end + this.at);

  /** Starts a chunk: nothing is decoded until a segment asks. */
  begin(buf: Buffer): void {
    this.buf = buf;
    this.text = '';
    this.at = 0;
    this.nextHigh = 0;
  }

  /** Ends the chunk: neither it nor its characters outlive the scan. */
  end(): void {
    this.buf = undefined;
    this.text = '';
  }

  private cover(s: number, e: number): void {
    if (s >= this.at && e <= this.at + this.text.length) return;
    const buf = this.buf!;
    this.at = s;
    this.text = buf.toString('latin1', s, Math.min(buf.length, s + Math.max(WINDOW, e - s)));
    this.nextHigh = -1;
  }

  /** Whether bytes [s, e) of the chunk are all ASCII (found once per stretch: segments come in order). */
  ascii(s: number, e: number): boolean {
    this.cover(s, e);
    const from = s - this.at;
    if (this.nextHigh < from) {
      HIGH.lastIndex = from;
      const m = HIGH.exec(this.text);
      this.nextHigh = m === null ? this.text.length : m.index;
    }
    return this.nextHigh >= e - this.at;
  }

  /** The segment in bytes [s, e) of the chunk, split as splitPlain splits its text read as ISO-8859-1. */
  split(s: number, e: number, el: number, comp: number, rep: number, offset: number): Segment {
    this.cover(s, e);
    const at = this.at;
    return splitRange(this.text, s - at, e - at, el, comp, rep, offset, this.copy);
  }
}
