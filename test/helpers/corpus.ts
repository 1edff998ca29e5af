import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MissingRequirement } from './requirements';
import { describeWithShared, shared, sharedMissing } from './shared';

/** ../shared/corpus beside the repository: real files from other projects, read in place. */
export const corpusDir = shared('corpus');

/** `describe` over the corpus; without ../shared/corpus, a block whose one test fails saying where it looked. */
export function describeWithCorpus(title: string, body: () => void): void {
  describeWithShared(title, ['corpus'], body);
}

/**
 * True when the corpus is there; without it the test file fails while being collected, in one line.
 * For a file that adds corpus cases to others of its own (and for tests written before
 * `describeWithCorpus`, whose `corpusAvailable() ? describe : describe.skip` must not skip silently).
 */
export function corpusAvailable(): boolean {
  const missing = sharedMissing('corpus');
  if (missing) throw new MissingRequirement(missing);
  return true;
}

/** The files of a corpus folder, sorted; none when the corpus is missing (describeWithCorpus fails then). */
export function corpusFiles(sub: 'x12' | 'edifact' | 'bad'): string[] {
  if (sharedMissing('corpus')) return [];
  const dir = join(corpusDir, sub);
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f));
}

export function read(file: string): Buffer {
  return readFileSync(file);
}
