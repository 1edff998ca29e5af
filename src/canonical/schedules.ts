import type { Segment } from '../edi/model';
import { type DateRef, calendarDate, ccyymmdd, compact, numberOf, unitFromX12Code, unitToX12Code } from './common';
import { dateQualifiers } from './code-lists';
import type { Seg } from './sections';
import { c, num as edifactNum, seg as edifactSeg } from './edifact-common';
import { dtmDates, dtmSegments } from './edifact-parties';
import { num, seg, t } from './x12-common';

/**
 * Delivery schedules of an order line: X12 SCH in the PO1 loop / EDIFACT SG49 SCC with its SG50 QTY
 * and DTM groups. Each schedule is a quantity (with its unit) due at its dates; the dates go through
 * the date list, as a line's dates do.
 */
export interface LineSchedule {
  /** X12 SCH01 / EDIFACT QTY 6060 of the SG50 group. */
  quantity: number;
  /** UN/ECE Recommendation 20 (X12 SCH02 converted / EDIFACT QTY 6411). */
  unit?: string;
  /** X12 SCH05-SCH07 and SCH08-SCH10 / EDIFACT DTM of the SG50 group. */
  dates?: DateRef[];
}

/** The SCC a schedule set is written under: 4017 1, firm. */
const FIRM = '1';
/** SG50 QTY written: 6063 113, quantity to be delivered. */
const TO_DELIVER = '113';

function schDates(s: Seg): DateRef[] {
  const out: DateRef[] = [];
  for (const at of [5, 8]) {
    const qualifier = dateQualifiers.read('x12', t(s, at));
    const date = calendarDate(t(s, at + 1));
    const hhmm = t(s, at + 2);
    if (qualifier && date)
      out.push(
        compact<DateRef>({
          qualifier,
          date,
          time: /^\d{4}/.test(hhmm) ? `${hhmm.slice(0, 2)}:${hhmm.slice(2, 4)}` : undefined,
        }),
      );
  }
  return out;
}

/** The SCH segments of a PO1 loop. */
export function schSchedules(segs: Seg[]): LineSchedule[] {
  return segs
    .filter((s) => s.id === 'SCH')
    .flatMap((s) => {
      const quantity = numberOf(t(s, 1));
      if (quantity === undefined) return [];
      const dates = schDates(s);
      return [
        compact<LineSchedule>({ quantity, unit: unitFromX12Code(t(s, 2)), dates: dates.length ? dates : undefined }),
      ];
    });
}

/**
 * SCH for each schedule: SCH02 and the first date are mandatory, so a schedule takes the line's unit
 * when it has none, and one without a date X12 has a code for is not written (the loss check says so).
 */
export function schSegments(schedules: LineSchedule[] | undefined, lineUnit: string | undefined): Segment[] {
  return (schedules ?? []).flatMap((sc) => {
    const unit = sc.unit ?? lineUnit;
    const dates = (sc.dates ?? []).flatMap((d) => {
      const q = dateQualifiers.write('x12', d.qualifier);
      return q ? [[q, ccyymmdd(d.date), d.time ? d.time.replace(':', '') : '']] : [];
    });
    if (!unit || !dates.length) return [];
    return [seg('SCH', num(sc.quantity), unitToX12Code(unit), '', '', ...dates.slice(0, 2).flat())];
  });
}

/** The segments of a LIN group before its first SCC, and the schedules that follow it. */
export function splitSchedules(segs: Seg[]): [Seg[], LineSchedule[]] {
  const i = segs.findIndex((s) => s.id === 'SCC');
  if (i < 0) return [segs, []];
  const out: LineSchedule[] = [];
  let run: Seg[] | undefined;
  const flush = () => {
    if (!run) return;
    const [, value, unit] = c(run[0], 1);
    const quantity = numberOf(value ?? '');
    const dates = dtmDates(run.slice(1));
    if (quantity !== undefined)
      out.push(compact<LineSchedule>({ quantity, unit: unit || undefined, dates: dates.length ? dates : undefined }));
    run = undefined;
  };
  for (const s of segs.slice(i + 1)) {
    if (s.id === 'QTY') {
      flush();
      run = [s];
    } else if (run && s.id === 'DTM') run.push(s);
    else if (s.id !== 'SCC') flush();
  }
  flush();
  return [segs.slice(0, i), out];
}

/** One SCC (firm) with a QTY 113 and its DTMs for each schedule. */
export function sccSegments(schedules: LineSchedule[] | undefined): Segment[] {
  if (!schedules?.length) return [];
  return [
    edifactSeg('SCC', FIRM),
    ...schedules.flatMap((sc) => [
      edifactSeg('QTY', [TO_DELIVER, edifactNum(sc.quantity), sc.unit ?? '']),
      ...dtmSegments(sc.dates),
    ]),
  ];
}
