import type { Segment } from '../edi/model';
import type { Seg } from './sections';
import { chunks } from './common';
import { c, seg as edifactSeg, t as edifactText } from './edifact-common';
import { seg as x12Seg, t as x12Text } from './x12-common';

/**
 * Free-form packaging instructions of an order: X12 PKG with PKG01 F (free-form) and its PKG05 text /
 * EDIFACT FTX with 4451 PKG (packaging information). The coded parts of a PKG (PKG02 characteristic,
 * PKG03 agency, PKG04 description code) have no FTX element the other side would read the same way, so
 * they stay behind and the loss check names them.
 */

/** PKG05 holds 80 characters: one PKG per instruction, a longer one cut (as an 810 NTE is). */
const PKG_TEXT = 80;

export function pkgNotes(segs: Seg[]): string[] {
  return segs.filter((x) => x.id === 'PKG' && x12Text(x, 1) === 'F' && x12Text(x, 5) !== '').map((x) => x12Text(x, 5));
}

export function pkgSegments(notes: string[] | undefined): Segment[] {
  return (notes ?? []).map((n) => x12Seg('PKG', 'F', '', '', '', n.slice(0, PKG_TEXT)));
}

const isPackagingFtx = (x: Seg): boolean => x.id === 'FTX' && edifactText(x, 1) === 'PKG';

export function ftxPackagingNotes(segs: Seg[]): string[] {
  return segs.filter(isPackagingFtx).flatMap((x) => {
    const text = c(x, 4).join('');
    return text ? [text] : [];
  });
}

/** The FTX segments that are not packaging instructions (those are read by ftxPackagingNotes). */
export function otherFtx(segs: Seg[]): Seg[] {
  return segs.filter((x) => !isPackagingFtx(x));
}

/** One FTX PKG per instruction, its text in up to two 70-character parts (PKG05 is 80). */
export function ftxPackagingSegments(notes: string[] | undefined): Segment[] {
  return (notes ?? []).map((n) => edifactSeg('FTX', 'PKG', '', '', chunks(n.slice(0, PKG_TEXT), 70)));
}
