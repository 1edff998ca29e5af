import type { Location, Segment, Standard, Transaction } from './model';
import { text } from './model';
import { diagnostic } from './diagnostic';
import type { ReaderOptions } from './reader-types';
import { codeFor } from './profile/codes';
import { validateTransaction } from './profile/validate';

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
  const base: Location = { ...location, transaction: tx.controlNumber };
  tx.segments.forEach((seg, i) => {
    if (seg.id === 'BIN' && standard === 'x12') checkBinary(tx, seg, i + 1, base);
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
          { ...base, segment: i + 1, segmentId: seg.id, element: seg.elements.length, offset: seg.offset },
          { severity: 'warning' },
        ),
      );
    }
  });
  const cp = opts.profiles?.find(standard, tx.type, tx.version, tx.implementation);
  if (!cp) return;
  const { tree, diagnostics } = validateTransaction(tx, cp, { standard, location, ...(decimal ? { decimal } : {}) });
  tx.tree = tree;
  tx.errors.push(...diagnostics);
}

/** X12 BIN: BIN01 states the byte length of BIN02; a mismatch means the payload was cut or padded. */
function checkBinary(tx: Transaction, seg: Segment, position: number, base: Location): void {
  const declared = text(seg.elements[0]);
  const data = seg.elements
    .slice(1)
    .map((e) => (typeof e === 'string' ? e : text(e)))
    .join('');
  const actual = Buffer.byteLength(data, 'utf8');
  if (!/^\d+$/.test(declared)) {
    tx.errors.push(
      diagnostic(
        'element',
        '6',
        `BIN01 length ${JSON.stringify(declared)} is not a number`,
        { ...base, segment: position, segmentId: 'BIN', element: 1, offset: seg.offset },
        { value: declared, elementRef: '784' },
      ),
    );
  } else if (Number(declared) !== actual) {
    tx.errors.push(
      diagnostic(
        'element',
        Number(declared) < actual ? '5' : '4',
        `BIN01 says ${declared} bytes of binary data but BIN02 holds ${actual}`,
        { ...base, segment: position, segmentId: 'BIN', element: 2, offset: seg.offset },
        { elementRef: '785' },
      ),
    );
  }
}
