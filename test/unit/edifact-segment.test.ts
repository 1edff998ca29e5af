import { DEFAULT_DELIMITERS, splitSegment } from '../../src/edi/edifact/segment';

const syntax4 = { ...DEFAULT_DELIMITERS, repetition: '*' };

describe('edifact segment splitting', () => {
  test('released separators stay in the value, in simple elements, components and repeats', () => {
    expect(splitSegment("FTX+AAI+++DOCK 4?: RING ?+ WAIT?'?? OK", DEFAULT_DELIMITERS, 7)).toEqual({
      id: 'FTX',
      elements: ['AAI', '', '', "DOCK 4: RING + WAIT'? OK"],
      offset: 7,
    });
    expect(splitSegment('IMD+F++:::PUMP 10?:5:X?+Y', DEFAULT_DELIMITERS, 0).elements).toEqual([
      'F',
      '',
      ['', '', '', 'PUMP 10:5', 'X+Y'],
    ]);
    expect(splitSegment('RFF+A?*B*C:D?:E*F', syntax4, 0).elements).toEqual([{ repeats: ['A*B', ['C', 'D:E'], 'F'] }]);
  });

  test('a release before an ordinary character is dropped and reported; one that ends the text is kept', () => {
    expect(splitSegment('NAD+B?Y+X?', DEFAULT_DELIMITERS, 0)).toEqual({
      id: 'NAD',
      elements: ['BY', 'X?'],
      offset: 0,
      strayRelease: true,
    });
    expect(splitSegment('NAD+X?', DEFAULT_DELIMITERS, 0)).toEqual({ id: 'NAD', elements: ['X?'], offset: 0 });
  });

  test('a released segment with no elements, and a tag that is a composite', () => {
    expect(splitSegment('UN?+S', DEFAULT_DELIMITERS, 0)).toEqual({ id: 'UN+S', elements: [], offset: 0 });
    expect(splitSegment('AB:C+?+', DEFAULT_DELIMITERS, 0)).toEqual({ id: 'AB', elements: ['+'], offset: 0 });
  });
});
