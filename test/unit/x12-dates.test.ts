import { validDate, validDate6, validTime } from '../../src/edi/x12/dates';

describe('x12 dates and times: read digit by digit', () => {
  test('a CCYYMMDD date must exist on the calendar, leap years included', () => {
    expect(validDate('20240229')).toBe(true);
    expect(validDate('20000229')).toBe(true);
    expect(validDate('19000229')).toBe(false);
    expect(validDate('20230229')).toBe(false);
    expect(validDate('20241231')).toBe(true);
    expect(validDate('20241301')).toBe(false);
    expect(validDate('20240100')).toBe(false);
    expect(validDate('20240431')).toBe(false);
  });

  test('a date with a sign, a space, a non-ASCII digit or the wrong length is refused', () => {
    for (const v of ['2024010', '202401011', '2024-101', '2024 101', '2024010\u0661', '+2024010', ''])
      expect(validDate(v)).toBe(false);
  });

  test('a YYMMDD date is read in the 2000s', () => {
    expect(validDate6('240229')).toBe(true);
    expect(validDate6('230229')).toBe(false);
    expect(validDate6('24022')).toBe(false);
    expect(validDate6('2402x9')).toBe(false);
  });

  test('a time is HHMM with optional seconds and decimal seconds', () => {
    for (const v of ['0000', '2359', '235959', '2359599', '23595999']) expect(validTime(v)).toBe(true);
    for (const v of ['2400', '2360', '235960', '23595', '235959999', '12:3', '12a0', '1230x', '2359599x', ''])
      expect(validTime(v)).toBe(false);
  });
});
