import type { Location, Standard, Transaction } from './model';
import { diagnostic } from './diagnostic';
import type { ReaderOptions } from './reader-types';
import type { ProfileSet } from './profile/profile-set';
import { codeFor } from './profile/codes';
import { validateTransaction } from './profile/validate';
import { unknownUnits } from './x12/unit-codes';
import { unknownEdifactUnits } from './edifact/unit-codes';

/**
 * Runs when a transaction set is complete: the syntax checks every segment gets, then, where a
 * profile exists for it, the loop tree and implementation-guide checks.
 */
export function finishTransaction(
  standard: Standard,
  tx: Transaction,
  opts: ReaderOptions,
  location: Location,
  decimal?: string,
): void {
  if ((opts.level ?? 'full') !== 'full') return;
  // Built for a first finding only: most transactions have none.
  let base: Location | undefined;
  const segments = tx.segments;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const last = seg.elements[seg.elements.length - 1];
    const trailing =
      last === ''
        ? 'element'
        : Array.isArray(last) && last.length > 1 && last[last.length - 1] === ''
          ? 'component'
          : undefined;
    if (trailing && seg.elements.length > 0) {
      tx.errors.push(
        diagnostic(
          'segment',
          codeFor(standard, 'trailing-separator'),
          `${seg.id} ends with an empty ${trailing} (trailing separator)`,
          {
            ...(base ??= { ...location, transaction: tx.controlNumber }),
            segment: i + 1,
            segmentId: seg.id,
            element: seg.elements.length,
            offset: seg.offset,
          },
          { severity: 'warning' },
        ),
      );
    }
  }
  const cp = opts.profiles?.find(standard, tx.type, tx.version, tx.implementation);
  if (cp) {
    const { tree, diagnostics } = validateTransaction(tx, cp, {
      standard,
      location,
      keepTree: opts.tree !== false,
      ...(decimal ? { decimal } : {}),
    });
    if (tree) tx.tree = tree;
    // A loop, not push(...): a set with 150,000 faulty lines has more findings than a call takes arguments.
    for (const d of diagnostics) tx.errors.push(d);
  }
  if (standard === 'x12') for (const d of unknownUnits(tx, location, tx.errors)) tx.errors.push(d);
  else for (const d of unknownEdifactUnits(tx, location, tx.errors)) tx.errors.push(d);
}

/**
 * The loop tree of a set parsed with `tree: false`, built now (structure only: its findings were
 * recorded when it was parsed); a set that has its tree, or has no profile, is left as it is.
 */
export function ensureTree(standard: Standard, tx: Transaction, profiles: ProfileSet | undefined): void {
  if (tx.tree) return;
  const cp = profiles?.find(standard, tx.type, tx.version, tx.implementation);
  if (cp) tx.tree = validateTransaction(tx, cp, { standard, location: {}, treeOnly: true }).tree;
}
