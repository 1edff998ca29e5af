import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../config/paths';
import { GatewayError } from '../errors';
import { type ParseResult, parseBuffer, UnreadableInput } from '../edi/parse';
import type { ReaderOptions } from '../edi/reader-types';
import { type LoadedProfiles, builtInProfiles, loadProfiles } from '../config/profiles';
import { formatIssue } from '../config/yaml';
import type { Io } from './main';

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
  for (const [file, n] of byFile) if (n > 3) io.err(`edi-gateway: profile skipped: ${file}: ${n - 3} more problem(s)\n`);
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
      if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  };
}
