import { parseBuffer } from '../../src/edi/parse';
import type { Interchange } from '../../src/edi/model';
import type { PipelineView } from '../../src/pipeline/context';
import { identifyInterchange } from '../../src/pipeline/interchange-steps';
import { type Deployment, deployment, edifactInterchange, pipelineView, x12Interchange } from './support';

const parse = (text: string): Interchange =>
  parseBuffer(Buffer.from(text, 'latin1'), { level: 'envelope' }).interchanges[0];

describe('identify: who sent an interchange, and is it for us', () => {
  let d: Deployment;
  let view: PipelineView;
  beforeAll(() => {
    d = deployment({
      'partners/acme.yaml':
        "id: acme\nidentifiers: { x12: [{ qualifier: ZZ, id: ACME }], edifact: [{ qualifier: '14', id: '4000001000005' }] }\n",
      'partners/initech.yaml': 'id: initech\nidentifiers: { x12: [{ qualifier: ZZ, id: INITECH }] }\n',
    });
    view = pipelineView(d);
  });
  afterAll(() => d.remove());
  const acme = () => view.partners.get('acme')!;

  it('a known sender addressing one of our ids: its partner, no refusal (with or without a channel)', () => {
    expect(identifyInterchange(view, parse(x12Interchange({ sender: 'ACME', control: 1 })), undefined)).toEqual({
      partner: acme(),
    });
    expect(identifyInterchange(view, parse(x12Interchange({ sender: 'ACME', control: 1 })), acme())).toEqual({
      partner: acme(),
    });
    expect(
      identifyInterchange(view, parse(edifactInterchange({ sender: '4000001000005', control: 1 })), acme()),
    ).toEqual({ partner: acme() });
  });

  it('an unknown sender is refused with X12 TA1 note 006 / EDIFACT 23, recorded under the channel it came through', () => {
    const x = identifyInterchange(view, parse(x12Interchange({ sender: 'NOBODY', control: 2 })), acme());
    expect(x).toEqual({
      partner: acme(),
      refusal: { code: 'EDIGW_PARTNER_UNKNOWN', ediCode: '006', message: 'no partner file claims sender ZZ/NOBODY' },
    });
    const e = identifyInterchange(view, parse(edifactInterchange({ sender: '4999999999999', control: 2 })), undefined);
    expect(e).toEqual({
      partner: undefined,
      refusal: {
        code: 'EDIGW_PARTNER_UNKNOWN',
        ediCode: '23',
        message: 'no partner file claims sender 14/4999999999999',
      },
    });
  });

  it("a known sender arriving through another partner's channel is refused as a mismatch", () => {
    const r = identifyInterchange(view, parse(x12Interchange({ sender: 'INITECH', control: 3 })), acme());
    expect(r.partner).toBe(acme());
    expect(r.refusal).toEqual({
      code: 'EDIGW_PARTNER_MISMATCH',
      ediCode: '006',
      message: "sender ZZ/INITECH is partner initech, but it came through partner acme's channel",
    });
  });

  it('an interchange addressed to someone else is refused with X12 008 / EDIFACT 7, under its sender', () => {
    const x = identifyInterchange(
      view,
      parse(x12Interchange({ sender: 'ACME', receiver: 'SOMEONEELSE', control: 4 })),
      undefined,
    );
    expect(x.partner).toBe(acme());
    expect(x.refusal).toEqual({
      code: 'EDIGW_RECEIVER_UNKNOWN',
      ediCode: '008',
      message: 'receiver ZZ/SOMEONEELSE is not one of our ids (ZZ/OURCOMPANY)',
    });
    // Our id under another qualifier is not us either.
    expect(
      identifyInterchange(
        view,
        parse(x12Interchange({ sender: 'ACME', receiverQualifier: '01', control: 5 })),
        undefined,
      ).refusal?.ediCode,
    ).toBe('008');
    const e = identifyInterchange(
      view,
      parse(edifactInterchange({ sender: '4000001000005', receiver: '5499999999999', control: 4 })),
      undefined,
    );
    expect(e.refusal).toMatchObject({ code: 'EDIGW_RECEIVER_UNKNOWN', ediCode: '7' });
  });
});
