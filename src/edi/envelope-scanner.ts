import type { Diagnostic, Group, Interchange, Location, Standard, Transaction } from './model';
import { diagnostic } from './diagnostic';
import type { ReaderOptions, ReaderSink } from './reader-types';
import { finishTransaction } from './transaction-end';

/**
 * What the X12 and EDIFACT scanners share: the interchange, group and transaction being read, the
 * counts their trailers are checked against, locations for diagnostics, and handing each finished
 * transaction set to the sink.
 */
export abstract class EnvelopeScanner {
  protected ic: Interchange | undefined;
  protected group: Group | undefined;
  protected tx: Transaction | undefined;
  /** Segments of the open transaction set so far, its header included. */
  protected txCount = 0;
  protected groupCount = 0;
  protected groupTxCount = 0;
  /** The chunk being scanned is all ASCII: decoding is a plain byte copy. */
  protected ascii = false;
  private lineBreak: string | undefined;
  private breaks = '';
  protected readonly full: boolean;
  protected abstract readonly standard: Standard;

  constructor(
    protected readonly sink: ReaderSink,
    protected readonly opts: ReaderOptions,
    protected readonly stray: (d: Diagnostic) => void,
  ) {
    this.full = (opts.level ?? 'full') === 'full';
  }

  /** The group control number diagnostics name (EDIFACT leaves out its implicit groups). */
  protected groupRef(): string | undefined {
    return this.group?.controlNumber;
  }

  /** The decimal mark numeric values are written with (EDIFACT's UNA). */
  protected decimal(): string | undefined {
    return undefined;
  }

  protected begin(ic: Interchange): void {
    this.ic = ic;
    this.group = undefined;
    this.tx = undefined;
    this.groupCount = 0;
    this.groupTxCount = 0;
    this.lineBreak = undefined;
    this.breaks = '';
    this.sink.interchangeStart?.(ic);
  }

  /** Skips layout bytes between segments; the first run after the header is the layout a writer repeats. */
  protected skipLayout(buf: Buffer, pos: number, layout: (b: number) => boolean): number {
    const start = pos;
    while (pos < buf.length && layout(buf[pos])) pos++;
    if (this.ic && this.lineBreak === undefined) {
      // The layout may arrive in a later chunk than the terminator before it: it is known once a segment starts.
      this.breaks += buf.toString('latin1', start, pos);
      if (pos < buf.length) {
        this.lineBreak = this.breaks;
        // Set now, not only at the trailer: a streamed writer prints the syntax before the transaction sets.
        const lineBreak = this.layoutLineBreak();
        if (lineBreak) this.ic.syntax.lineBreak = lineBreak;
      }
    }
    return pos;
  }

  /** The line break closeInterchange records for the interchange, once the layout is known. */
  protected layoutLineBreak(): string | undefined {
    return this.lineBreak;
  }

  protected icDiag(code: string, message: string, loc: Location, severity: 'error' | 'warning' = 'error'): void {
    const ic = this.ic!;
    ic.errors.push(diagnostic('interchange', code, message, { interchange: ic.controlNumber, ...loc }, { severity }));
  }

  protected groupLoc(loc: Location): Location {
    return { interchange: this.ic?.controlNumber, group: this.group?.controlNumber, ...loc };
  }

  protected txLoc(loc: Location): Location {
    const group = this.groupRef();
    return {
      interchange: this.ic?.controlNumber,
      ...(group !== undefined ? { group } : {}),
      transaction: this.tx?.controlNumber,
      ...loc,
    };
  }

  protected endTransaction(endOffset: number): void {
    const tx = this.tx!;
    const g = this.group!;
    tx.segmentCount = this.txCount;
    tx.length = endOffset - tx.offset;
    this.tx = undefined;
    const group = this.groupRef();
    finishTransaction(
      this.standard,
      tx,
      this.opts,
      { interchange: this.ic!.controlNumber, ...(group !== undefined ? { group } : {}) },
      this.decimal(),
    );
    const retain = this.opts.retain ?? 'all';
    if (retain !== 'none') g.transactions.push(tx);
    this.sink.transaction?.(tx, g, this.ic!);
    if (retain === 'summary') {
      tx.segments = [];
      delete tx.tree;
    }
  }

  protected closeInterchange(endOffset: number, lineBreak = this.lineBreak): void {
    const ic = this.ic!;
    ic.length = endOffset - ic.offset;
    if (lineBreak) ic.syntax.lineBreak = lineBreak;
    this.ic = undefined;
    this.group = undefined;
    this.sink.interchangeEnd?.(ic);
  }
}
