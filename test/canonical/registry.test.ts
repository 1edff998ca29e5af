import {
  documentFor,
  documentNamed,
  documents,
  fromOrders,
  fromX12_850,
  purchaseOrderReader,
} from '../../src/canonical';

describe('canonical registry', () => {
  test('one kind per business document, each with its X12 set, functional id and EDIFACT message', () => {
    expect(
      documents.map((d) => [d.name, d.x12.type, d.x12.functionalId, d.x12.version, d.edifact.type, d.edifact.version]),
    ).toEqual([
      ['PurchaseOrder', '850', 'PO', '004010', 'ORDERS', 'D96A'],
      ['Invoice', '810', 'IN', '004010', 'INVOIC', 'D96A'],
      ['ShipNotice', '856', 'SH', '004010', 'DESADV', 'D96A'],
      ['OrderResponse', '855', 'PR', '004010', 'ORDRSP', 'D96A'],
    ]);
  });

  test('documentFor finds the kind by standard and type, and only in that standard', () => {
    for (const d of documents) {
      expect(documentFor('x12', d.x12.type)).toBe(d);
      expect(documentFor('edifact', d.edifact.type)).toBe(d);
      expect(documentFor('edifact', d.x12.type)).toBeUndefined();
      expect(documentFor('x12', d.edifact.type)).toBeUndefined();
    }
    expect(documentFor('x12', '997')).toBeUndefined();
    expect(documentFor('edifact', 'CONTRL')).toBeUndefined();
  });

  test('documentNamed finds the kind by the name the json output carries', () => {
    for (const d of documents) expect(documentNamed(d.name)).toBe(d);
    expect(documentNamed('purchaseorder')).toBeUndefined();
    expect(documentNamed('RemittanceAdvice')).toBeUndefined();
  });

  test('purchaseOrderReader still answers for purchase orders only', () => {
    expect(purchaseOrderReader('x12', '850')).toBe(fromX12_850);
    expect(purchaseOrderReader('edifact', 'ORDERS')).toBe(fromOrders);
    expect(purchaseOrderReader('x12', '810')).toBeUndefined();
    expect(purchaseOrderReader('edifact', 'INVOIC')).toBeUndefined();
  });
});
