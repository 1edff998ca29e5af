import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** ../shared/corpus beside the repository: real files from other projects, read in place. */
export const corpusDir = resolve(__dirname, '../../../shared/corpus');

export function corpusAvailable(): boolean {
  if (existsSync(corpusDir)) return true;
  if (process.env.CI)
    throw new Error(`the shared corpus is missing at ${corpusDir}; CI must run with ../shared beside the repository`);
  console.warn(`skipping corpus tests: ${corpusDir} not found (clone with ../shared beside the repository)`);
  return false;
}

export function corpusFiles(sub: 'x12' | 'edifact' | 'bad'): string[] {
  const dir = join(corpusDir, sub);
  return existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((f) => join(dir, f))
    : [];
}

export function read(file: string): Buffer {
  return readFileSync(file);
}
