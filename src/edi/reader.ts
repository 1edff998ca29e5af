import type { Diagnostic, Interchange } from './model';
import { diagnostic } from './diagnostic';
import type { ReaderOptions, ReaderSink, Scanner } from './reader-types';
import { X12Scanner } from './x12/scanner';
import { EdifactScanner } from './edifact/scanner';

export type { ReaderOptions, ReaderSink, ParseLevel, Retain } from './reader-types';

/** Input that is not X12 or EDIFACT at all: the one case the engine throws for. */
export class UnreadableInput extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'UnreadableInput';
  }
}

const isBreak = (b: number) => b === 0x0a || b === 0x0d || b === 0x20 || b === 0x09 || b === 0x00 || b === 0x1a;

function startsWith(buf: Buffer, pos: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (buf[pos + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** Which standard the bytes at pos begin, if either. */
export function detectAt(buf: Buffer, pos: number): 'x12' | 'edifact' | undefined {
  if (startsWith(buf, pos, 'ISA')) return 'x12';
  if (startsWith(buf, pos, 'UNA') || startsWith(buf, pos, 'UNB') || startsWith(buf, pos, 'UNH')) return 'edifact';
  return undefined;
}

/**
 * Reads X12 and EDIFACT from chunks of bytes, in any sizes: results do not depend on where chunks
 * break. Each interchange may use other delimiters, and a file may mix standards. The unconsumed
 * tail (an unfinished segment) is all that is carried between chunks.
 */
export class EdiReader {
  private pending: Buffer = Buffer.alloc(0);
  private base = 0;
  private readonly x12: X12Scanner;
  private readonly edifact: EdifactScanner;
  private active: Scanner | undefined;
  private sawInterchange = false;
  private garbageFrom = -1;
  private ended = false;

  constructor(
    private readonly sink: ReaderSink,
    opts: ReaderOptions = {},
  ) {
    const stray = (d: Diagnostic) => this.sink.diagnostic?.(d);
    const counting: ReaderSink = {
      ...sink,
      interchangeStart: (ic: Interchange) => {
        this.sawInterchange = true;
        sink.interchangeStart?.(ic);
      },
    };
    this.x12 = new X12Scanner(counting, opts, stray);
    this.edifact = new EdifactScanner(counting, opts, stray);
  }

  /** Reused to join the unfinished tail with the next chunk: a fresh buffer per chunk churns native memory. */
  private work: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    if (this.ended) throw new Error('EdiReader: push after end');
    if (this.pending.length === 0) {
      this.run(chunk, false);
      return;
    }
    const need = this.pending.length + chunk.length;
    if (this.work.length < need) this.work = Buffer.allocUnsafe(Math.max(need, this.work.length * 2));
    this.pending.copy(this.work, 0);
    chunk.copy(this.work, this.pending.length);
    this.run(this.work.subarray(0, need), false);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.run(this.pending, true);
    this.flushGarbage(this.base);
    this.x12.finish(this.base);
    this.edifact.finish(this.base);
    if (!this.sawInterchange) {
      this.sink.diagnostic?.(
        diagnostic('interchange', '023', 'no interchange found (no ISA or UNB header)', { offset: 0 }),
      );
    }
  }

  private run(buf: Buffer, final: boolean): void {
    let pos = 0;
    while (pos < buf.length) {
      if (this.active && !this.active.idle) {
        const next = this.active.scan(buf, pos, this.base, final);
        if (next === pos && !this.active.idle) break; // needs more bytes
        pos = next;
        continue;
      }
      // Between interchanges: skip blank bytes, then find which standard starts here.
      while (pos < buf.length && isBreak(buf[pos])) pos++;
      if (pos === 0 && this.base === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      if (pos >= buf.length) break;
      if (buf.length - pos < 3 && !final) break;
      const std = detectAt(buf, pos);
      if (std) {
        this.flushGarbage(this.base + pos);
        this.active = std === 'x12' ? this.x12 : this.edifact;
        const next = this.active.scan(buf, pos, this.base, final);
        if (next === pos) {
          if (!final) break;
          pos++; // unreadable header: it has been reported; move past it
        } else {
          pos = next;
        }
        continue;
      }
      // Not a header: remember where the garbage began and look for the next header.
      if (this.garbageFrom < 0) this.garbageFrom = this.base + pos;
      const next = this.nextHeader(buf, pos + 1);
      if (next < 0) {
        pos = final ? buf.length : Math.max(pos + 1, buf.length - 2);
        if (!final) break;
      } else {
        pos = next;
      }
    }
    this.base += pos;
    this.pending = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
  }

  private nextHeader(buf: Buffer, from: number): number {
    let best = -1;
    // The same headers detectAt knows, so recovery after garbage does not depend on chunking.
    for (const tag of ['ISA', 'UNA', 'UNB', 'UNH']) {
      const i = buf.indexOf(tag, from, 'latin1');
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best;
  }

  private flushGarbage(upTo: number): void {
    if (this.garbageFrom < 0) return;
    const from = this.garbageFrom;
    this.garbageFrom = -1;
    const what = this.sawInterchange ? 'between interchanges' : 'before the first interchange';
    this.sink.diagnostic?.(
      diagnostic('interchange', '022', `${upTo - from} bytes that are not an interchange ${what}`, { offset: from }),
    );
  }
}
