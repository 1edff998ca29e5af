import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeWithCorpus, corpusDir } from '../helpers/corpus';
import { invoice, orderResponse, purchaseOrder, shipNotice } from '../../src/canonical';
import { expectClean, lossWarnings, parse, portable, readCorpus, transactions } from './support';

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
    // X12 to X12 through the documents drops what they do not carry (ISS, ITD12...), and says so.
    expect(lossWarnings(r.err)).toContainEqual(expect.stringContaining('segment 30 (ISS): dropped'));
    expect(r.code).toBe(1);
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
    expect(lossWarnings(r.err)).toContainEqual(expect.stringContaining('segment 30 (ISS): dropped'));
    expect(r.code).toBe(1);
    const ics = parse(Buffer.from(r.out, 'latin1'));
    expect(ics.map((ic) => [ic.controlNumber, ic.groups[0].transactions.map((t) => `${t.type}:${t.version}`)])).toEqual(
      [
        ['1', ['INVOIC:D96A', 'INVOIC:D96A']],
        ['2', ['ORDERS:D96A']],
      ],
    );
    for (const ic of ics) expectClean(ic);
    expect(ics[0].groups[0].transactions.map(invoice.edifact.read)).toEqual(
      transactions(dual, '810')
        .map(invoice.x12.read)
        .map((d) => portable(d)),
    );
  });

  test('json: every document with its kind in a document field, in input order', () => {
    const r = cli(path(dual), '--to', 'json');
    expect(lossWarnings(r.err).length).toBeGreaterThan(0);
    expect(r.code).toBe(1);
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
    // TD1 PCS (pieces) is a count without a package type: PAC 7224 without C202. Its weight qualifier (A3) no list maps.
    expect(lossWarnings(r.err).filter((w) => w.includes('(TD1 PCS), element 1'))).toEqual([]);
    expect(r.out).toContain("PAC+2'");
    expect(lossWarnings(r.err)).toContainEqual(expect.stringContaining('segment 4 (TD1 PCS), element 6: "A3" dropped'));
    expect(r.code).toBe(1);
    const [ic] = parse(Buffer.from(r.out, 'latin1'));
    expect(ic).toMatchObject({
      controlNumber: '3',
      sender: { id: '4405197800', qualifier: 'ZZ' },
      receiver: { id: '999999999', qualifier: '1' },
    });
    expectClean(ic);
    expect(shipNotice.edifact.read(ic.groups[0].transactions[0])).toEqual(
      portable(readCorpus(shipNotice, 'x12', file)),
    );
  });

  test('855 to edifact and INVOIC to x12 (GS01 PR, IN)', () => {
    const ack = cli(path('x12/node-x12__test-data_855.edi'), '--to', 'edifact');
    expect(lossWarnings(ack.err)).toContainEqual(expect.stringContaining('segment 4 (REF ZZZ): dropped'));
    expect(ack.code).toBe(1);
    const [ordrsp] = parse(Buffer.from(ack.out, 'latin1'));
    expectClean(ordrsp);
    expect(orderResponse.edifact.read(ordrsp.groups[0].transactions[0])).toEqual(
      portable(readCorpus(orderResponse, 'x12', 'x12/node-x12__test-data_855.edi')),
    );

    const inv = cli(path('edifact/staedi__EDIFACT_invoic_d97b.edi'), '--to', 'x12');
    expect(lossWarnings(inv.err)).toContainEqual(expect.stringContaining('segment 22 (ALC C): dropped'));
    expect(inv.code).toBe(1);
    const [x12] = parse(Buffer.from(inv.out));
    expect(x12.groups[0].functionalId).toBe('IN');
    expectClean(x12);
    expect(invoice.x12.read(x12.groups[0].transactions[0])).toEqual(
      portable(readCorpus(invoice, 'edifact', 'edifact/staedi__EDIFACT_invoic_d97b.edi'), 'x12'),
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
    expect(lossWarnings(r.err).length).toBeGreaterThan(0);
    expect(r.code).toBe(1);
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

describe('cli: translate refuses what the target cannot be made of, located', () => {
  const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
  const dir = mkdtempSync(join(tmpdir(), 'edigw-translate-refusals-'));
  const cli = (name: string, text: string, to: string) => {
    writeFileSync(join(dir, name), text);
    const r = spawnSync(process.execPath, [bin, 'translate', name, '--to', to], { encoding: 'utf8', cwd: dir });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const edifact = (type: string, body: string) =>
    `UNB+UNOC:3+5412345000013:14+5400000000001:14+240102:1230+77'UNH+1+${type}:D:96A:UN'${body}UNT+${body.split("'").length + 1}+1'UNZ+1+77'`;

  test('an ORDRSP without RFF+ON: no TypeError, one located line naming the missing order number, exit 1', () => {
    const r = cli(
      'ordrsp.edi',
      edifact(
        'ORDRSP',
        "BGM+231+RSP-1+9+AP'DTM+137:20240102:102'NAD+BY+5412345000013::9'LIN+1+5+4000862141404:EN'QTY+21:10'UNS+S'",
      ),
      'x12',
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'ordrsp.edi: interchange 77, transaction 1: EDIFACT ORDRSP: OrderResponse orderNumber: missing: expected a string (refused: not written as X12 855)\n',
    );
  });

  test.each([
    ['INVOIC', 'x12', 'Invoice number'],
    ['DESADV', 'x12', 'ShipNotice number'],
    ['ORDERS', 'x12', 'PurchaseOrder number'],
  ])('an empty %s to %s is refused at %s, not written with a hole', (type, to, field) => {
    const r = cli(`${type}.edi`, edifact(type, "DTM+137:20240102:102'"), to);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`EDIFACT ${type}: ${field}: missing`);
    expect(r.err).not.toMatch(/TypeError|\bat .*\.js:\d+/);
  });

  test('the same to json: the document as read, with the same line as a warning', () => {
    const r = cli('orders.edi', edifact('ORDERS', "DTM+137:20240102:102'"), 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toHaveLength(1);
    expect(r.err).toContain('PurchaseOrder number: missing: expected a string (incomplete)');
  });
});
