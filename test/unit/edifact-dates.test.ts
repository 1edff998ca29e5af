import { builtInProfiles } from '../../src/config/profiles';
import { buildContrl } from '../../src/edi/edifact/ack-contrl';
import { allDiagnostics, type Interchange } from '../../src/edi/model';
import { parseBuffer } from '../../src/edi/parse';
import { dateFits } from '../../src/edi/profile/date-format';
import { validDate, validDate6, validTime } from '../../src/edi/x12/dates';

const profiles = builtInProfiles().set;

/** A D.96A ORDERS whose second DTM is the one given (`137:20240517:102`). */
function orders(dtm: string): Interchange {
  const text =
    "UNA:+.? 'UNB+UNOC:3+SENDER:14+RECEIVER:14+240305:1000+1'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'" +
    `DTM+2:20240601:102'DTM+${dtm}'UNS+S'UNT+6+1'UNZ+1+1'`;
  return parseBuffer(Buffer.from(text, 'latin1'), { profiles }).interchanges[0];
}

const found = (ic: Interchange) =>
  allDiagnostics(ic).map(
    (d) => `${d.location.segmentId}${d.location.element ?? ''}-${d.location.component ?? ''} ${d.code} ${d.message}`,
  );

describe('EDIFACT DTM: the date is checked against its format code', () => {
  test.each([
    ['137:20240517:102'],
    ['137:20240229:102'],
    ['137:202405171230:203'],
    ['137:202405172359:203'],
    ['137:20240517123059:204'],
    ['137:20240101-20240131:718'],
    ['137:20240101-20240101:718'],
    ['137:240517:101'],
    ['137:2405171230:201'],
    ['137:20240517'],
    ['137:202405171230'],
    // A format this validator does not read (802: a number of days) is left alone.
    ['137:7:802'],
  ])('a real date is accepted: DTM+%s', (dtm) => {
    expect(found(orders(dtm))).toEqual([]);
  });

  test.each([
    ['137:20261401:102', 'format 102 (CCYYMMDD)'],
    ['137:20230229:102', 'format 102 (CCYYMMDD)'],
    ['137:20240431:102', 'format 102 (CCYYMMDD)'],
    ['137:20240500:102', 'format 102 (CCYYMMDD)'],
    ['137:202405171230:102', 'format 102 (CCYYMMDD)'],
    ['137:202405172430:203', 'format 203 (CCYYMMDDHHMM)'],
    ['137:202405171260:203', 'format 203 (CCYYMMDDHHMM)'],
    ['137:202413171200:203', 'format 203 (CCYYMMDDHHMM)'],
    ['137:20240517:203', 'format 203 (CCYYMMDDHHMM)'],
    ['137:20240517123060:204', 'format 204 (CCYYMMDDHHMMSS)'],
    ['137:20240101-20241331:718', 'format 718 (CCYYMMDD-CCYYMMDD)'],
    ['137:20240131-20240101:718', 'format 718 (CCYYMMDD-CCYYMMDD)'],
    ['137:20240101:718', 'format 718 (CCYYMMDD-CCYYMMDD)'],
    ['137:230229:101', 'format 101 (YYMMDD)'],
    ['137:20261401', 'no format code (CCYYMMDD, CCYYMMDDHHMM or CCYYMMDDHHMMSS)'],
  ])('a date that is not one is refused where it stands: DTM+%s', (dtm, expected) => {
    const value = dtm.split(':')[1];
    expect(found(orders(dtm))).toEqual([
      `DTM1-2 12 DTM01-02 ${JSON.stringify(value)} is not a valid date for ${expected}`,
    ]);
  });

  test('the finding carries the value and renders as CONTRL UCD 12 (invalid value) at C507 component 2', () => {
    const ic = orders('137:20261401:102');
    const d = allDiagnostics(ic)[0];
    expect(d).toMatchObject({ code: '12', value: '20261401', elementRef: '2380' });
    expect(d.location).toMatchObject({ segment: 4, segmentId: 'DTM', element: 1, component: 2 });
    const rows = buildContrl(ic, { now: new Date('2024-03-05T10:00:00Z') })
      .groups[0].transactions[0].segments.filter((s) => ['UCM', 'UCS', 'UCD'].includes(s.id))
      .map((s) => [s.id, ...s.elements]);
    expect(rows).toEqual([
      ['UCM', '1', ['ORDERS', 'D', '96A', 'UN'], '4'],
      ['UCS', '4'],
      ['UCD', '12', ['1', '2']],
    ]);
  });

  test('dateFits reads each format on the calendar, leap years included', () => {
    expect(dateFits('20240229', '102')).toBe(true);
    expect(dateFits('20000229', '102')).toBe(true);
    expect(dateFits('19000229', '102')).toBe(false);
    expect(dateFits('2024022', '102')).toBe(false);
    expect(dateFits('2024O229', '102')).toBe(false);
    expect(dateFits('202402291200', '')).toBe(true);
    expect(dateFits('202402291275', '')).toBe(false);
    expect(dateFits('2024-02-29', '')).toBe(true);
  });
});

describe('X12 DT and TM elements are real dates and times', () => {
  test('DT: CCYYMMDD and YYMMDD on the calendar', () => {
    expect([validDate('20240229'), validDate('20230229'), validDate('20261401'), validDate('20240431')]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect([validDate6('240229'), validDate6('230229'), validDate6('261301')]).toEqual([true, false, false]);
  });

  test('TM: HHMM[SS[d..]] within the day', () => {
    expect([validTime('2359'), validTime('235959'), validTime('23595912')]).toEqual([true, true, true]);
    expect([validTime('2400'), validTime('1260'), validTime('123060'), validTime('12:0')]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
