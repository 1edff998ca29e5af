/**
 * ../shared beside the repository: the corpus and the protocol peers' scripts and configurations,
 * read in place. EDIGW_SHARED_DIR puts it elsewhere. A suite that needs it and does not find it
 * fails with one line saying where it looked: it is part of the checkout, so its absence is a
 * broken setup, not a reason to pass.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeFailing } from './requirements';

export const sharedDir = resolve(process.env.EDIGW_SHARED_DIR ?? join(__dirname, '../../../shared'));

/** A path under ../shared. */
export const shared = (...parts: string[]): string => join(sharedDir, ...parts);

/** Why the given parts of ../shared are not usable, or undefined when they all exist. */
export function sharedMissing(...parts: string[]): string | undefined {
  const absent = parts.map((p) => shared(p)).filter((p) => !existsSync(p));
  if (absent.length === 0) return undefined;
  return `${absent.join(', ')} not found: clone the shared repository beside this one as ../shared, or set EDIGW_SHARED_DIR`;
}

/** `describe` when the given parts of ../shared are there; otherwise a block whose one test fails saying so. */
export function describeWithShared(title: string, parts: string[], body: () => void): void {
  const missing = sharedMissing(...parts);
  if (missing === undefined) describe(title, body);
  else describeFailing(title, `../shared (${parts.join(', ')})`, missing);
}
