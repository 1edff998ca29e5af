import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeWithCorpus, corpusDir } from '../helpers/corpus';
import { invoice, orderResponse, purchaseOrder, shipNotice } from '../../src/canonical';
import { expectClean, parse, readCorpus, transactions } from './support';

const run = describeWithCorpus;

run('cli: translate, every document kind', () => {
  const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
  const dir = mkdtempSync(join(tmpdir(), 'edigw-translate-kinds-'));
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, 'translate', ...args], { encoding: 'utf8', cwd: dir });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const path = (f: string) => join(corpusDir, f);
  const dual = 'x12/staedi__x12_invoice810_po850_dual.edi';

  test('810s and an 850 in one interchange to x12: one interchange per kind, control numbers consecutive, GS01 IN then PO', () => {
    const r = cli(path(dual), '--to', 'x12', '--control-number', '7');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const ics = parse(Buffer.from(r.out));
    expect(
      ics.map((ic) => [
        ic.controlNumber,
        ic.groups.map((g) => g.functionalId),
        ic.groups[0].transactions.map((t) => t.type),
      ]),
    ).toEqual([
      ['000000007', ['IN'], ['810', '810']],
      ['000000008', ['PO'], ['850']],
    ]);
    for (const ic of ics) expectClean(ic);
    const invoices = transactions(dual, '810').map(invoice.x12.read);
    expect(ics[0].groups[0].transactions.map(invoice.x12.read)).toEqual(invoices);
    expect(purchaseOrder.x12.read(ics[1].groups[0].transactions[0])).toEqual(readCorpus(purchaseOrder, 'x12', dual));
  });

  test('the same file to edifact: an INVOIC interchange and an ORDERS interchange, each clean D96A', () => {
    const r = cli(path(dual), '--to', 'edifact');
    expect(r.code).toBe(0);
    const ics = parse(Buffer.from(r.out, 'latin1'));
    expect(ics.map((ic) => [ic.controlNumber, ic.groups[0].transactions.map((t) => `${t.type}:${t.version}`)])).toEqual(
      [
        ['1', ['INVOIC:D96A', 'INVOIC:D96A']],
        ['2', ['ORDERS:D96A']],
      ],
    );
    for (const ic of ics) expectClean(ic);
    expect(ics[0].groups[0].transactions.map(invoice.edifact.read)).toEqual(
      transactions(dual, '810').map(invoice.x12.read),
    );
  });

  test('json: every document with its kind in a document field, in input order', () => {
    const r = cli(path(dual), '--to', 'json');
    expect(r.code).toBe(0);
    const docs = JSON.parse(r.out) as Array<{ document: string }>;
    const [inv1, inv2] = transactions(dual, '810').map(invoice.x12.read);
    expect(docs).toEqual([
      { document: 'Invoice', ...inv1 },
      { document: 'Invoice', ...inv2 },
      { document: 'PurchaseOrder', ...readCorpus(purchaseOrder, 'x12', dual) },
    ]);
  });

  test("856 to edifact: a clean DESADV from the input's own parties (ISA 12 -> ZZ, 01 -> 1)", () => {
    const file = 'x12/node-x12__test-data_856.edi';
    const r = cli(path(file), '--to', 'edifact', '--control-number', '3');
    expect(r.code).toBe(0);
    const [ic] = parse(Buffer.from(r.out, 'latin1'));
    expect(ic).toMatchObject({
      controlNumber: '3',
      sender: { id: '4405197800', qualifier: 'ZZ' },
      receiver: { id: '999999999', qualifier: '1' },
    });
    expectClean(ic);
    expect(shipNotice.edifact.read(ic.groups[0].transactions[0])).toEqual(readCorpus(shipNotice, 'x12', file));
  });

  test('855 to edifact and INVOIC to x12 (GS01 PR, IN)', () => {
    const ack = cli(path('x12/node-x12__test-data_855.edi'), '--to', 'edifact');
    expect(ack.code).toBe(0);
    const [ordrsp] = parse(Buffer.from(ack.out, 'latin1'));
    expectClean(ordrsp);
    expect(orderResponse.edifact.read(ordrsp.groups[0].transactions[0])).toEqual(
      readCorpus(orderResponse, 'x12', 'x12/node-x12__test-data_855.edi'),
    );

    const inv = cli(path('edifact/staedi__EDIFACT_invoic_d97b.edi'), '--to', 'x12');
    expect(inv.code).toBe(0);
    const [x12] = parse(Buffer.from(inv.out));
    expect(x12.groups[0].functionalId).toBe('IN');
    expectClean(x12);
    expect(invoice.x12.read(x12.groups[0].transactions[0])).toEqual(
      readCorpus(invoice, 'edifact', 'edifact/staedi__EDIFACT_invoic_d97b.edi'),
    );
  });
});

run('cli: translate --partner', () => {
  const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
  const repo = resolve(__dirname, '..', '..');
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, 'translate', ...args], {
      encoding: 'utf8',
      cwd: repo,
      env: { ...process.env, EDI_GATEWAY_CONFIG: '' },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const po = join(corpusDir, 'x12/node-x12__test-data_850.edi');

  test("addresses the output from our identity to the partner's identifier", () => {
    const r = cli(po, '--to', 'edifact', '--partner', 'globex', '--config', join(repo, 'gateway.yaml'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const ic = parse(Buffer.from(r.out, 'latin1'))[0];
    expect(ic.sender).toMatchObject({ id: '5400000000001', qualifier: '14' });
    expect(ic.receiver).toMatchObject({ id: '4000001000005', qualifier: '14' });
    expectClean(ic);
  });

  test('an unknown partner is a usage error naming the loaded ones', () => {
    const r = cli(po, '--to', 'x12', '--partner', 'nobody', '--config', join(repo, 'gateway.yaml'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--partner nobody: no such partner is loaded \(partners: acme, globex;/);
  });
});
