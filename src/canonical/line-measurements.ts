import type { Segment } from '../edi/model';
import { measurements as measurementNames } from './code-lists';
import { compact, numberOf, unitFromX12Code, unitToX12Code } from './common';
import type { Seg } from './sections';
import type { Measurement } from './ship-notice';
import { c, num as edifactNum, seg as edifactSeg, t as edifactText } from './edifact-common';
import { num as x12Num, seg as x12Seg, t as x12Text } from './x12-common';

/**
 * Measurements of an order line: X12 MEA of the PO1 loop (before its PID loop, whose MEA describe the
 * description) / EDIFACT MEA right after the LIN, PIA and IMD of a LIN group (the MEA of its CCI and PAC
 * groups describe a characteristic and the packaging).
 * MEA01 (737) and 6311 say what kind of measurement it is; both are written from the dimension, so the
 * reference code of a weight is WT (X12) / AAE, measurement (EDIFACT), and of a dimension PD.
 */

const WEIGHTS: ReadonlySet<string> = new Set(['gross-weight', 'net-weight', 'weight']);
const x12Reference = (m: Measurement) => (WEIGHTS.has(m.dimension) ? 'WT' : 'PD');
const edifactPurpose = (m: Measurement) => (WEIGHTS.has(m.dimension) ? 'AAE' : 'PD');

/** The segments of a line up to the first of `stop`. */
function before(segs: Seg[], stop: string): Seg[] {
  const at = segs.findIndex((x) => x.id === stop);
  return at < 0 ? segs : segs.slice(0, at);
}

export function x12LineMeasurements(segs: Seg[]): Measurement[] {
  return before(segs, 'PID').flatMap((x) => {
    if (x.id !== 'MEA') return [];
    const dimension = measurementNames.read('x12', x12Text(x, 2));
    const value = numberOf(x12Text(x, 3));
    if (!dimension || value === undefined) return [];
    return [compact<Measurement>({ dimension, value, unit: unitFromX12Code(x12Text(x, 4)) })];
  });
}

/** MEA with MEA03 and its unit MEA04 (R0304 needs one of them; the value is always there). */
export function x12LineMeasurementSegments(list: Measurement[] | undefined): Segment[] {
  return (list ?? []).flatMap((m) => {
    const dimension = measurementNames.write('x12', m.dimension);
    return dimension ? [x12Seg('MEA', x12Reference(m), dimension, x12Num(m.value), unitToX12Code(m.unit))] : [];
  });
}

export function edifactLineMeasurements(segs: Seg[]): Measurement[] {
  const end = segs.findIndex((x) => !['LIN', 'PIA', 'IMD', 'MEA'].includes(x.id));
  return (end < 0 ? segs : segs.slice(0, end)).flatMap((x) => {
    if (x.id !== 'MEA' || !['AAE', 'PD'].includes(edifactText(x, 1))) return [];
    const dimension = measurementNames.read('edifact', c(x, 2)[0]);
    const value = numberOf(c(x, 3)[1] ?? '');
    if (!dimension || value === undefined) return [];
    return [compact<Measurement>({ dimension, value, unit: c(x, 3)[0] || undefined })];
  });
}

export function edifactLineMeasurementSegments(list: Measurement[] | undefined): Segment[] {
  return (list ?? []).flatMap((m) => {
    const dimension = measurementNames.write('edifact', m.dimension);
    // C174 requires the unit (6411): a value without one is not written (the loss check says so).
    return dimension && m.unit
      ? [edifactSeg('MEA', edifactPurpose(m), [dimension], [m.unit, edifactNum(m.value)])]
      : [];
  });
}
