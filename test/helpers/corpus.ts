import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithShared, shared, sharedMissing } from './shared';

/** ../shared/corpus beside the repository: real files from other projects, read in place. */
export const corpusDir = shared('corpus');

/** `describe` over the corpus; without ../shared/corpus, a block whose one test fails saying where it looked. */
export function describeWithCorpus(title: string, body: () => void): void {
  describeWithShared(title, ['corpus'], body);
}

/**
 * Whether the corpus is there, for a test that adds corpus cases to others of its own. A file that
 * uses it must also have a `describeWithCorpus` block, so that a missing corpus fails the file.
 */
export function corpusAvailable(): boolean {
  return sharedMissing('corpus') === undefined;
}

/** The files of a corpus folder, sorted; none when the corpus is missing (describeWithCorpus fails then). */
export function corpusFiles(sub: 'x12' | 'edifact' | 'bad'): string[] {
  if (!corpusAvailable()) return [];
  const dir = join(corpusDir, sub);
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f));
}

export function read(file: string): Buffer {
  return readFileSync(file);
}
