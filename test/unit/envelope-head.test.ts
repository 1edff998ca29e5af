import { envelopeHead } from '../../src/edi/envelope-head';

const head = (s: string) => envelopeHead(Buffer.from(s, 'latin1'));

describe('envelopeHead: the first interchange key, read from the head of a payload', () => {
  test('X12: qualifiers, padded ids trimmed, ISA13', () => {
    expect(
      head(
        'ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     *261206*0930*U*00401*000000101*0*P*>~GS*PO',
      ),
    ).toEqual({
      standard: 'x12',
      sender: { qualifier: 'ZZ', id: 'ACME' },
      receiver: { qualifier: 'ZZ', id: 'OURCOMPANY' },
      controlNumber: '000000101',
    });
  });

  test('EDIFACT without UNA: the default service characters', () => {
    expect(head("UNB+UNOC:3+4000001000005:14+5400000000001:14+261206:0930+GLX0000101'UNH+1")).toEqual({
      standard: 'edifact',
      sender: { id: '4000001000005', qualifier: '14' },
      receiver: { id: '5400000000001', qualifier: '14' },
      controlNumber: 'GLX0000101',
    });
  });

  test('EDIFACT with a UNA of its own, and a released separator in an id', () => {
    expect(head('UNA|*,# !\r\nUNB*UNOC|3*AB#*C|ZZ*OUR|14*261206|0930*77!\nUNH*1')).toEqual({
      standard: 'edifact',
      sender: { id: 'AB*C', qualifier: 'ZZ' },
      receiver: { id: 'OUR', qualifier: '14' },
      controlNumber: '77',
    });
  });

  test('anything else, or a header cut short, gives undefined (the process step judges it)', () => {
    expect(head('hello')).toBeUndefined();
    expect(head('ISA*00*short')).toBeUndefined();
    expect(head('UNB+UNOC:3+A:1+B:1')).toBeUndefined();
    expect(head("UNB+UNOC:3+A:1'")).toBeUndefined();
  });
});
