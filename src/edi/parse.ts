import type { Readable } from 'node:stream';
import type { Diagnostic, Group, Interchange, Transaction } from './model';
import { EdiReader, UnreadableInput } from './reader';
import type { ReaderOptions } from './reader-types';
import { ackSummary } from './ack/summary';

export interface ParseResult {
  interchanges: Interchange[];
  /** Findings outside any interchange. */
  diagnostics: Diagnostic[];
}

/** How many leading bytes notEdi looks at: a stream keeps this much of its head to decide at its end. */
export const EDI_HEAD_BYTES = 64;

/** Whether bytes that hold no interchange still look like EDI segments (so they get diagnostics, not "unreadable"). */
function looksLikeEdi(buf: Buffer): boolean {
  const head = buf
    .subarray(0, EDI_HEAD_BYTES)
    .toString('latin1')
    .replace(/^[\s\uFEFF\u00EF\u00BB\u00BF]+/, '');
  return /^(GS|ST|UNH|UNG|ISA|UNA|UNB)[^A-Za-z0-9\s]/.test(head);
}

/** Parses a whole payload into the canonical model. Throws UnreadableInput only when it is not EDI at all. */
export function parseBuffer(buf: Buffer, opts: ReaderOptions = {}): ParseResult {
  const interchanges: Interchange[] = [];
  const diagnostics: Diagnostic[] = [];
  const reader = new EdiReader(
    { interchangeEnd: (ic) => interchanges.push(ic), diagnostic: (d) => diagnostics.push(d) },
    { retain: 'all', ...opts },
  );
  reader.push(buf);
  reader.end();
  assertReadable(buf, interchanges.length > 0);
  return { interchanges, diagnostics };
}

/**
 * Throws UnreadableInput for input that held no interchange and does not look like EDI at all; `head`
 * is the input, or its first 64 bytes when it was streamed.
 */
export function assertReadable(head: Buffer, sawInterchange: boolean): void {
  if (sawInterchange) return;
  const unreadable = notEdi(head, head.length);
  if (unreadable) throw unreadable;
}

/**
 * For input that held no interchange: the UnreadableInput to throw when it is not EDI at all
 * (head: its first EDI_HEAD_BYTES bytes or fewer; length: its whole length), or undefined when it still
 * looks like EDI segments and deserves diagnostics instead.
 */
export function notEdi(head: Buffer, length: number): UnreadableInput | undefined {
  if (looksLikeEdi(head)) return undefined;
  const utf16 = utf16Of(head);
  if (utf16)
    return new UnreadableInput(
      `the file is UTF-16 text (${utf16}): X12 and EDIFACT are read as 8-bit or UTF-8 bytes; ` +
        `save or convert it as UTF-8 (or the character set its UNB names) and send it again`,
      0,
    );
  const start = head
    .subarray(0, 24)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return new UnreadableInput(
    length === 0
      ? 'empty input: no ISA or UNB header'
      : `not X12 or EDIFACT: starts with ${JSON.stringify(start)}, not ISA, UNA or UNB`,
    0,
  );
}

/**
 * UTF-16 as some Windows tools save "Unicode" text: a byte-order mark, or an interchange header whose
 * letters alternate with NUL bytes. Said by name, because "not X12" would send the sender looking for
 * the wrong fault.
 */
function utf16Of(head: Buffer): string | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return 'little-endian, with a byte-order mark';
  if (head[0] === 0xfe && head[1] === 0xff) return 'big-endian, with a byte-order mark';
  const le = head.toString('latin1', 0, 12);
  if (/^(I\0S\0A\0|U\0N\0[ABH]\0)/.test(le)) return 'little-endian';
  if (/^(\0I\0S\0A|\0U\0N\0[ABH])/.test(le)) return 'big-endian';
  return undefined;
}

const SLICE = 16 * 1024;

export type ParseEvent =
  | { kind: 'interchange-start'; interchange: Interchange }
  | { kind: 'transaction'; transaction: Transaction; group: Group; interchange: Interchange }
  | { kind: 'interchange-end'; interchange: Interchange }
  | { kind: 'diagnostic'; diagnostic: Diagnostic };

/**
 * Streams events from a readable of bytes. With the default retain 'none', each transaction is
 * handed out and dropped, so memory stays bounded by the largest transaction, not the file.
 */
export async function* parseStream(
  input: Readable | AsyncIterable<Buffer>,
  opts: ReaderOptions = {},
): AsyncGenerator<ParseEvent> {
  const queue: ParseEvent[] = [];
  const reader = new EdiReader(
    {
      interchangeStart: (interchange) => queue.push({ kind: 'interchange-start', interchange }),
      // With retain 'summary' the reader drops a transaction's segments as soon as the sink returns, and the
      // event is read later: it gets a shallow copy that keeps them. The group keeps what the acknowledgement
      // reads (the header, each faulty segment's claim: ackSummary), so a streamed ack is the whole parse's.
      transaction: (transaction, group, interchange) => {
        if (opts.retain === 'summary') {
          const at = group.transactions.lastIndexOf(transaction);
          if (at >= 0) group.transactions[at] = ackSummary(transaction);
        }
        queue.push({
          kind: 'transaction',
          transaction: opts.retain === 'summary' ? { ...transaction } : transaction,
          group,
          interchange,
        });
      },
      interchangeEnd: (interchange) => queue.push({ kind: 'interchange-end', interchange }),
      diagnostic: (diagnostic) => queue.push({ kind: 'diagnostic', diagnostic }),
    },
    { retain: 'none', ...opts },
  );
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    // Hand on what each slice completes before reading the next, so a large read chunk does not keep
    // hundreds of finished transactions alive at once (they would outlive the young generation).
    for (let off = 0; off < buf.length; off += SLICE) {
      reader.push(buf.subarray(off, Math.min(buf.length, off + SLICE)));
      if (queue.length) {
        yield* queue;
        queue.length = 0;
      }
    }
  }
  reader.end();
  yield* queue;
}

export { UnreadableInput };
