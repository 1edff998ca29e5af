import { parseBuffer } from '../../src/edi/parse';
import type { PipelineView } from '../../src/pipeline/context';
import { simulate } from '../../src/pipeline/simulate';
import { type Deployment, deployment, order850, pipelineView, x12Interchange } from './support';

describe('simulate: what the pipeline would do, with no store', () => {
  let d: Deployment;
  let view: PipelineView;
  beforeAll(() => {
    d = deployment({
      'partners/acme.yaml': [
        'id: acme',
        'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
        "acks: { x12: '997', to: acks }",
        'tracking: { po: BEG.BEG03 }',
        'routes:',
        "  - match: { type: '850', test: true }",
        '    map: acme/maps/broken.jsonata',
        '    to: erp',
        "  - match: { type: '850' }",
        '    map: acme/maps/order.jsonata',
        '    to: erp',
        'endpoints: { erp: { file: { dir: out/erp } }, acks: { file: { dir: out/acks } } }',
      ].join('\n'),
      'partners/acme/maps/order.jsonata': '{ "po": BEG.BEG03, "from": $source.partner }',
      'partners/acme/maps/broken.jsonata': '{ "po": ',
      'partners/initech.yaml': [
        'id: initech',
        'identifiers: { x12: [{ qualifier: ZZ, id: INITECH }] }',
        "routes: [{ match: { type: '850' }, format: x12, partner: umbrella, to: orders }]",
      ].join('\n'),
      'partners/globex.yaml': [
        'id: globex',
        "identifiers: { edifact: [{ qualifier: '14', id: '4000000000003' }] }",
        'routes: [{ match: { type: INVOIC }, format: x12, partner: umbrella, to: orders }]',
      ].join('\n'),
      'partners/umbrella.yaml':
        'id: umbrella\nidentifiers: { x12: [{ qualifier: ZZ, id: UMBRELLA }] }\nendpoints: { orders: { file: { dir: out/umbrella } } }\n',
    });
    // Anything reaching for a store would fail loudly: simulate must not need one.
    view = Object.defineProperty({ ...pipelineView(d) }, 'store', {
      get() {
        throw new Error('simulate touched the store');
      },
    });
  });
  afterAll(() => d.remove());

  it("shows the partner, the 997 it would get, each transaction's route and the mapped output", async () => {
    const text = x12Interchange({
      sender: 'ACME',
      control: 42,
      bodies: [order850('PO-1'), ['PO1*1*10*EA*9.5**VP*SKU-1', 'CTT*1']],
    });
    const [ic] = await simulate(view, 'acme', Buffer.from(text));
    expect(ic).toMatchObject({
      standard: 'x12',
      controlNumber: '000000042',
      sender: 'ZZ/ACME',
      receiver: 'ZZ/OURCOMPANY',
      partner: 'acme',
    });
    expect(ic.refused).toBeUndefined();
    expect(ic.acks.map((a) => `${a.kind} ${a.status} ${a.to}`)).toEqual(['997 P acks']);
    expect(ic.acks[0].text).toMatch(/^ISA\*.*\*ZZ\*ACME {11}\*/);
    const [good, bad] = ic.transactions;
    expect(good).toMatchObject({
      type: '850',
      controlNumber: '0001',
      status: 'A',
      tracked: { po: 'PO-1' },
      diagnostics: [],
      route: { to: 'erp', partner: 'acme', map: 'acme/maps/order.jsonata', format: 'json' },
      output: { contentType: 'application/json', fileName: 'acme-850-000000042-0001.json' },
    });
    expect(JSON.parse(good.output!.text)).toEqual({ po: 'PO-1', from: 'acme' });
    // A rejected transaction is not routed; its diagnostics say why.
    expect(bad).toMatchObject({ status: 'R' });
    expect(bad.route).toBeUndefined();
    expect(bad.diagnostics.join('\n')).toContain('required segment BEG is missing');
  });

  it('X12 out to another partner: the interchange it would send, with a placeholder control number', async () => {
    const [ic] = await simulate(view, 'initech', Buffer.from(x12Interchange({ sender: 'INITECH', control: 7 })));
    const [tx] = ic.transactions;
    expect(tx.route).toEqual({ to: 'orders', partner: 'umbrella', format: 'x12' });
    expect(tx.output?.fileName).toBe('umbrella-850-000000001.x12');
    const out = parseBuffer(Buffer.from(tx.output!.text, 'latin1')).interchanges[0];
    expect([out.sender.id.trim(), out.receiver.id.trim(), out.controlNumber]).toEqual([
      'OURCOMPANY',
      'UMBRELLA',
      '000000001',
    ]);
  });

  it('an invoice that states no total is not routed to X12: the refusal names the place of the source where the total belongs', async () => {
    // A D93A INVOIC, which no shipped profile holds: read from its segments, with no MOA after UNS.
    const edi = [
      "UNA:+.? '",
      "UNB+UNOC:3+4000000000003:14+5400000000001:14+240102:1230+47'",
      "UNH+1+INVOIC:D:93A:UN'",
      "BGM+380+INV-1+9'",
      "DTM+137:20240102:102'",
      "LIN+1++SKU-1:SA'",
      "QTY+47:2'",
      "UNS+S'",
      "UNT+7+1'",
      "UNZ+1+47'",
    ].join('');
    const [ic] = await simulate(view, 'globex', Buffer.from(edi, 'latin1'));
    const [tx] = ic.transactions;
    expect(tx.route).toMatchObject({ to: 'orders', partner: 'umbrella', format: 'x12' });
    expect(tx.output).toBeUndefined();
    expect(tx.error).toContain(
      'message 1, segment 6 (UNS): no MOA 77, MOA 86, MOA 39 or MOA 128 after it: invoice INV-1 states no total amount, which TDS01 of the X12 810 requires',
    );
  });

  it('a map that does not compile is reported on the transaction, located', async () => {
    const [ic] = await simulate(view, 'acme', Buffer.from(x12Interchange({ sender: 'ACME', control: 43, test: true })));
    expect(ic.transactions[0].route?.map).toBe('acme/maps/broken.jsonata');
    expect(ic.transactions[0].error).toMatch(
      /^map acme\/maps\/broken\.jsonata:1:\d+: the map cannot be read or compiled: .* \[EDIGW_MAP_INVALID\]$/,
    );
    expect(ic.transactions[0].output).toBeUndefined();
  });

  it("an unknown sender in a partner's channel is refused: the rejection TA1 goes to the channel partner, nothing is routed", async () => {
    const [ic] = await simulate(view, 'acme', Buffer.from(x12Interchange({ sender: 'NOBODY', control: 44 })));
    expect(ic.partner).toBe('acme');
    expect(ic.refused).toBe('no partner file claims sender ZZ/NOBODY [EDIGW_PARTNER_UNKNOWN]');
    expect(ic.acks.map((a) => `${a.kind} ${a.status}`)).toEqual(['TA1 R']);
    expect(ic.acks[0].text).toContain('*R*006~');
    expect(ic.transactions[0].route).toBeUndefined();
  });

  it('no route matches: said on the transaction', async () => {
    const edi = x12Interchange({ sender: 'ACME', control: 45 })
      .replace(/ST\*850/, 'ST*830')
      .replace(/GS\*PO/, 'GS*PS');
    const [ic] = await simulate(view, 'acme', Buffer.from(edi));
    expect(ic.transactions[0].error).toMatch(/^no route of partner acme matches 830 004010 \[EDIGW_NO_ROUTE\]$/);
  });

  it('an unknown partner to simulate for is refused', async () => {
    await expect(
      simulate(view, 'nobody', Buffer.from(x12Interchange({ sender: 'ACME', control: 46 }))),
    ).rejects.toMatchObject({ code: 'EDIGW_SEND_INVALID' });
  });
});
