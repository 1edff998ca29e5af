/**
 * The one rule for a suite that needs something it does not find. A peer on the machine (MariaDB,
 * openssl, OpenSSH, vsftpd) is the machine's business: without it the suite is skipped, its title
 * and the console saying why, except under CI, which installs every peer, so there the suite fails.
 * ../shared is part of the checkout, not of the machine: without it a suite fails everywhere
 * (see shared.ts).
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** An error whose whole report is its one line: the reason says everything, a stack would bury it. */
export class MissingRequirement extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingRequirement';
    this.stack = `${this.name}: ${message}`;
  }
}

/** A block whose only test fails with `reason`, in place of the tests it cannot run. */
export function describeFailing(title: string, need: string, reason: string): void {
  describe(title, () => {
    test(`needs ${need}`, () => {
      throw new MissingRequirement(reason);
    });
  });
}

/**
 * `describe` when `missing` is undefined; otherwise skipped with the reason (in the title and on the
 * console), or under CI a block whose one test fails with it.
 */
export function describeNeeding(title: string, need: string, missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    describe(title, body);
    return;
  }
  if (process.env.CI) {
    describeFailing(title, need, `${need}: ${missing}; CI must provide it (.ci/run)`);
    return;
  }
  // One plain line (console.warn would add a code frame under jest).
  process.stderr.write(`skipping "${title}": ${need}: ${missing}\n`);
  describe.skip(`${title} [skipped: ${need}: ${missing}]`, body);
}

/** Debian's chromium, which the console's browser test drives through playwright-core. */
export const CHROMIUM = process.env.EDIGW_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the browser cannot be used here, or undefined when it can: the binary must exist and say its
 * version. Synchronous, like every check here, because jest decides to skip while collecting.
 */
export function chromiumMissing(path = CHROMIUM): string | undefined {
  if (!existsSync(path)) return `${path} is not installed (apt-get install chromium)`;
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || !/chrom/i.test(r.stdout))
    return `${path} --version failed (${r.error?.message || r.stderr.trim() || `exit ${r.status}`})`;
  return undefined;
}

/** `describe` for a block that drives Chromium: skipped with the reason without it, failing under CI. */
export function describeWithBrowser(title: string, body: () => void): void {
  describeNeeding(title, 'Chromium', chromiumMissing(), body);
}
