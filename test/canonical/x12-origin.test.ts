/**
 * X12-origin data the census found lost (issue 14 §2): each mapping travels X12 → canonical → EDIFACT →
 * canonical → X12 and back from EDIFACT, written clean for the target's profile, with the loss check
 * naming only what the standards cannot say.
 */
import type { Standard } from '../../src/edi/model';
import { type DocumentKind, invoice, purchaseOrder, shipNotice } from '../../src/canonical';
import { edifactSet as edifact, lossKeys as losses, x12Set as x12, via, expectClean, roundTripVia } from './support';

/** Through the other standard and back: clean both ways, and the document as portable() says. */
const roundTrip = <D>(kind: DocumentKind<D>, from: Standard, doc: D): D => roundTripVia(kind, from, doc).back;

/** The segments of a written body as `TAG*...` (X12) or `TAG+...` (EDIFACT) strings, for asserting on placement. */
function tags<D>(kind: DocumentKind<D>, standard: Standard, doc: D, tag: string): string[] {
  const sep = standard === 'x12' ? '*' : '+';
  return kind[standard]
    .write(doc)
    .filter((s) => s.id === tag)
    .map((s) =>
      [s.id, ...s.elements.map((e) => (Array.isArray(e) ? e.join(':') : e))].join(sep).replace(/[*+:]+$/, ''),
    );
}

describe('x12 origin: an 810 with FOB and CAD (delivery terms and carrier of an invoice)', () => {
  const tx = () =>
    x12('IN', '810', [
      'BIG*20240301*INV-7**PO-9',
      'FOB*PP***01*FCA',
      'IT1*1*10*EA*9.5**BP*A-1',
      'TDS*9500',
      'CAD*M***ABCD*FREEFORM ROUTING',
      'CTT*1',
    ]);

  test('reads FOB as the delivery terms and CAD as the carrier; INVOIC TOD and TDT and back, clean, no loss', async () => {
    const inv = invoice.x12.read(tx());
    expect(inv.deliveryTerms).toEqual({ payment: 'prepaid', incoterm: 'free-carrier' });
    expect(inv.carriers).toEqual([{ mode: 'road', id: 'ABCD', idQualifier: 'scac', routing: 'FREEFORM ROUTING' }]);
    expect(tags(invoice, 'edifact', inv, 'TOD')).toEqual(['TOD++PP+FCA']);
    expect(tags(invoice, 'edifact', inv, 'TDT')).toEqual(['TDT+20++3++ABCD::182:FREEFORM ROUTING']);
    expect(roundTrip(invoice, 'x12', inv)).toEqual(inv);
    expect(await losses(invoice, 'x12', tx())).toEqual([]);
  });

  test('an INVOIC with TDT and TOD reaches the 810 as CAD and FOB; a carrier id of another agency is reported', async () => {
    const msg = () =>
      edifact('INVOIC', [
        'BGM+380+INV-8+9',
        'DTM+137:20240301:102',
        'TDT+20++3++4012345000009::9:TRUCKS INC',
        'TOD++CC',
        'LIN+1++4012345000016:EN',
        'QTY+47:2:EA',
        'UNS+S',
        'MOA+77:20',
      ]);
    const inv = invoice.edifact.read(msg());
    expect(inv.deliveryTerms).toEqual({ payment: 'collect' });
    expect(inv.carriers).toEqual([{ mode: 'road', id: '4012345000009', idQualifier: 'gln', routing: 'TRUCKS INC' }]);
    const out = via(invoice, 'x12', inv);
    expectClean(out.ic);
    expect(tags(invoice, 'x12', inv, 'CAD')).toEqual(['CAD*M****TRUCKS INC']);
    expect(tags(invoice, 'x12', inv, 'FOB')).toEqual(['FOB*CC']);
    // CAD04 is a SCAC: a GLN (the id and its agency) has no element in the 810, and the loss check names it.
    expect(await losses(invoice, 'edifact', msg())).toEqual(['TDT 20:5', 'TDT 20:5']);
  });
});

describe('x12 origin: free-form packaging instructions of an 850 (PKG F)', () => {
  const tx = () =>
    x12('PO', '850', [
      'BEG*00*SA*PO-1**20240301',
      'PKG*F*68***PALLETIZE SHIPMENT',
      'PKG*F****REGULAR',
      'PO1*1*10*EA*9.5**BP*A-1',
      'CTT*1',
    ]);

  test('PKG F reaches the ORDERS as FTX PKG and comes back; only the coded characteristic PKG02 is reported', async () => {
    const po = purchaseOrder.x12.read(tx());
    expect(po.packagingNotes).toEqual(['PALLETIZE SHIPMENT', 'REGULAR']);
    expect(po.notes).toEqual([]);
    expect(tags(purchaseOrder, 'edifact', po, 'FTX')).toEqual(['FTX+PKG+++PALLETIZE SHIPMENT', 'FTX+PKG+++REGULAR']);
    expect(roundTrip(purchaseOrder, 'x12', po)).toEqual(po);
    expect(tags(purchaseOrder, 'x12', po, 'PKG')).toEqual(['PKG*F****PALLETIZE SHIPMENT', 'PKG*F****REGULAR']);
    expect(await losses(purchaseOrder, 'x12', tx())).toEqual(['PKG F:2']);
  });

  test('an ORDERS FTX PKG beside a general note: the note stays a note, the instruction a PKG', async () => {
    const msg = () =>
      edifact('ORDERS', [
        'BGM+220+PO-2+9',
        'DTM+137:20240301:102',
        'FTX+AAI+++Call before delivery',
        'FTX+PKG+++SHRINK WRAP EACH PALLET',
        'LIN+1++4012345000016:EN',
        'QTY+21:2:EA',
        'UNS+S',
      ]);
    const po = purchaseOrder.edifact.read(msg());
    expect(po.notes).toEqual(['Call before delivery']);
    expect(po.packagingNotes).toEqual(['SHRINK WRAP EACH PALLET']);
    expect(roundTrip(purchaseOrder, 'edifact', po)).toEqual(po);
    expect(await losses(purchaseOrder, 'edifact', msg())).toEqual([]);
  });
});

describe('x12 origin: a header PER (no N1 loop) is the contact of the party that issued the document', () => {
  const po = (n1: string[]) =>
    x12('PO', '850', [
      'BEG*00*SA*PO-1**20240301',
      'PER*BD*ED SMITH*TE*8001234567',
      ...n1,
      'PO1*1*10*EA*9.5**BP*A-1',
      'CTT*1',
    ]);

  test('850: the buyer contact, CTA PD with its COM in the NAD BY group, and back in its N1 loop', async () => {
    const tx = () => po(['N1*BY*ABC AEROSPACE*92*B-1', 'PER*OC*JANE*EM*JANE@EXAMPLE.COM', 'N1*ST*DOCK 4*92*S-1']);
    const doc = purchaseOrder.x12.read(tx());
    expect(doc.parties[0].contacts).toEqual([
      { function: 'purchasing', name: 'ED SMITH', communications: [{ channel: 'phone', value: '8001234567' }] },
      { function: 'order', name: 'JANE', communications: [{ channel: 'email', value: 'JANE@EXAMPLE.COM' }] },
    ]);
    expect(doc.parties[1].contacts).toBeUndefined();
    expect(tags(purchaseOrder, 'edifact', doc, 'CTA')).toEqual(['CTA+PD+:ED SMITH', 'CTA+OC+:JANE']);
    expect(roundTrip(purchaseOrder, 'x12', doc)).toEqual(doc);
    expect(await losses(purchaseOrder, 'x12', tx())).toEqual([]);
  });

  test('850 without a buyer: the header PER has no party to go with, and the loss check names it', async () => {
    const tx = () => po(['N1*ST*DOCK 4*92*S-1']);
    expect(purchaseOrder.x12.read(tx()).parties[0].contacts).toBeUndefined();
    expect(await losses(purchaseOrder, 'x12', tx())).toEqual(['PER BD']);
  });

  test('810: the seller contact', async () => {
    const tx = () =>
      x12('IN', '810', [
        'BIG*20240301*INV-7',
        'PER*AR*MAX*TE*555',
        'N1*VN*SELLER INC*92*V-1',
        'IT1*1*1*EA*2',
        'TDS*200',
        'CTT*1',
      ]);
    const inv = invoice.x12.read(tx());
    expect(inv.parties[0].contacts).toEqual([
      { function: 'accounts-receivable', name: 'MAX', communications: [{ channel: 'phone', value: '555' }] },
    ]);
    expect(roundTrip(invoice, 'x12', inv)).toEqual(inv);
    expect(await losses(invoice, 'x12', tx())).toEqual([]);
  });
});

describe('x12 origin: a TD1 count of pieces (PCS) is a count without a package type', () => {
  const sn = (td1: string) =>
    x12('SH', '856', [
      'BSN*00*ASN-1*20240301*1200',
      'HL*1**S',
      td1,
      'REF*BM*BOL-1',
      'HL*2*1*O',
      'PRF*PO-1',
      'HL*3*2*I',
      'LIN**VP*A-1',
      'SN1**4*EA',
      'CTT*3',
    ]);

  test('TD1 PCS 2 is PAC 2 with no C202, and a PAC count without a type comes back as TD1 PCS: no type made up', async () => {
    const tx = () => sn('TD1*PCS*2****G*60.3*LB');
    const doc = shipNotice.x12.read(tx());
    expect(doc.packaging).toEqual([{ count: 2, weight: 60.3, weightKind: 'gross', weightUnit: 'LBR' }]);
    expect(tags(shipNotice, 'edifact', doc, 'PAC')).toEqual(['PAC+2']);
    expect(roundTrip(shipNotice, 'x12', doc)).toEqual(doc);
    expect(tags(shipNotice, 'x12', doc, 'TD1')).toEqual(['TD1*PCS*2****G*60.3*LB']);
    expect(await losses(shipNotice, 'x12', tx())).toEqual([]);
  });

  test('a count of a type no list maps is not turned into pieces: type and count are reported', async () => {
    const tx = () => sn('TD1*XYZ*3');
    const doc = shipNotice.x12.read(tx());
    expect(doc.packaging).toEqual([{ type: 'x12:XYZ', count: 3 }]);
    expect(tags(shipNotice, 'edifact', doc, 'PAC')).toEqual([]);
    expect(await losses(shipNotice, 'x12', tx())).toEqual(['TD1 XYZ']);
  });
});

describe('x12 origin: measurements of an order line (MEA in the PO1 loop)', () => {
  const tx = () =>
    x12('PO', '850', [
      'BEG*00*SA*XX-1234**20170301',
      'PO1*1*25*EA*36*PE*MG*XYZ-1234',
      'MEA*WT*WT*10*OZ',
      'MEA*PD*HT*12.5*IN',
      'PID*F****WIDGET',
      'CTT*1',
    ]);

  test('MEA WT and PD reach the LIN group as MEA AAE and PD and come back, clean, no loss', async () => {
    const po = purchaseOrder.x12.read(tx());
    expect(po.lines[0].measurements).toEqual([
      { dimension: 'weight', value: 10, unit: 'ONZ' },
      { dimension: 'height', value: 12.5, unit: 'INH' },
    ]);
    expect(tags(purchaseOrder, 'edifact', po, 'MEA')).toEqual(['MEA+AAE+WT+ONZ:10', 'MEA+PD+HT+INH:12.5']);
    expect(roundTrip(purchaseOrder, 'x12', po)).toEqual(po);
    expect(await losses(purchaseOrder, 'x12', tx())).toEqual([]);
  });
});
