import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { packageRoot } from '../config/paths';
import { GatewayError } from '../errors';
import {
  EDI_HEAD_BYTES,
  type ParseEvent,
  type ParseResult,
  notEdi,
  parseBuffer,
  parseStream,
  UnreadableInput,
} from '../edi/parse';
import type { ReaderOptions } from '../edi/reader-types';
import { type LoadedProfiles, builtInProfiles, loadProfiles } from '../config/profiles';
import { formatIssue } from '../config/yaml';
import type { Io } from './io';

export function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new GatewayError('EDIGW_FILE_UNREADABLE', `reading ${file}`, { cause: e });
  }
}

export function profilesFor(extra: string | undefined): LoadedProfiles {
  return extra ? loadProfiles([join(packageRoot(), 'profiles'), resolve(extra)]) : builtInProfiles();
}

/** A broken profile is skipped, not fatal: say where, once, without drowning the output. */
export function reportProfileIssues(loaded: LoadedProfiles, io: Io): void {
  const byFile = new Map<string, number>();
  for (const i of loaded.issues) {
    const n = (byFile.get(i.file) ?? 0) + 1;
    byFile.set(i.file, n);
    if (n <= 3) io.err(`edi-gateway: profile skipped: ${formatIssue(i)}\n`);
  }
  for (const [file, n] of byFile)
    if (n > 3) io.err(`edi-gateway: profile skipped: ${file}: ${n - 3} more problem(s)\n`);
}

export function parseFile(file: string, buf: Buffer, opts: ReaderOptions): ParseResult {
  try {
    return parseBuffer(buf, opts);
  } catch (e) {
    if (e instanceof UnreadableInput) throw new GatewayError('EDIGW_EDI_UNREADABLE', `${file}: ${e.message}`);
    throw e;
  }
}

/** 1-based line and column of a byte offset, for messages editors can jump to. */
export function lineIndex(buf: Buffer): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) starts.push(i + 1);
  return (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  };
}

/**
 * Each transaction set read becomes garbage once handed on, but by then it has outlived the young
 * generation; V8's default lets the old generation grow to about twice what survives before it
 * collects, which with 1 MiB sets took RSS to 250-320 MB. A 20% growth step holds it near 130 MB, for
 * some 10-25% more time (measured in docs/bench.md, cli rows). It only tunes when V8 collects.
 */
function collectSooner(): void {
  setFlagsFromString('--heap-growing-percent=20');
}

/**
 * 1-based line and column of byte offsets in a stream, fed the bytes as they pass. It keeps the line
 * starts from `forget`'s offset on, so memory follows the lines not yet reported, not the file.
 */
export class LineCounter {
  private starts: number[] = [0];
  /** Line number of starts[0]. */
  private firstLine = 1;
  private seen = 0;

  feed(chunk: Buffer): void {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) this.starts.push(this.seen + i + 1);
    this.seen += chunk.length;
  }

  /** For an offset at or after the last one forgotten. */
  at(offset: number): { line: number; column: number } {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: this.firstLine + lo, column: offset - starts[lo] + 1 };
  }

  /** No offset before this one will be asked for again. */
  forget(before: number): void {
    // Binary search: the last line start at or before `before` stays, as the line that holds it.
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= before) lo = mid;
      else hi = mid - 1;
    }
    const k = lo;
    if (k === 0) return;
    this.starts.splice(0, k);
    this.firstLine += k;
  }
}

/**
 * Streams FILE through the parser with nothing retained, so memory follows the largest transaction
 * set, not the file. Unreadable files and bytes that are not EDI at all end it with the same errors
 * readInput and parseFile give; `lines`, when given, sees every byte before the events it completes.
 */
export async function* streamFile(file: string, opts: ReaderOptions, lines?: LineCounter): AsyncGenerator<ParseEvent> {
  collectSooner();
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    throw new GatewayError('EDIGW_FILE_UNREADABLE', `reading ${file}`, { cause: e });
  }
  const head: Buffer[] = [];
  let headLength = 0;
  let length = 0;
  let sawInterchange = false;
  async function* bytes(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of handle!.createReadStream() as AsyncIterable<Buffer>) {
        if (headLength < EDI_HEAD_BYTES) {
          head.push(chunk.subarray(0, EDI_HEAD_BYTES - headLength));
          headLength += head[head.length - 1].length;
        }
        length += chunk.length;
        lines?.feed(chunk);
        yield chunk;
      }
    } catch (e) {
      throw new GatewayError('EDIGW_FILE_UNREADABLE', `reading ${file}`, { cause: e });
    }
  }
  try {
    for await (const event of parseStream(bytes(), { ...opts, retain: 'none' })) {
      if (event.kind === 'interchange-start') sawInterchange = true;
      yield event;
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  if (!sawInterchange) {
    const unreadable = notEdi(Buffer.concat(head), length);
    if (unreadable) throw new GatewayError('EDIGW_EDI_UNREADABLE', `${file}: ${unreadable.message}`);
  }
}
