/**
 * What the receiving version or directory defines decides what is written, and the loss check translates
 * the same way: X12 REF DP (department number) is EDIFACT 1153 AMV, which D01B has and D96A lacks; a
 * 005010 810 has no CAD without a transport mode.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { edifactInterchange, invoice, purchaseOrder, type PurchaseOrder } from '../../src/canonical';
import { formatLoss, standardTranslation, translationLosses } from '../../src/canonical/losses';
import type { DocumentKind } from '../../src/canonical/kind';
import type { Standard, Transaction } from '../../src/edi/model';
import { checkGenerated } from '../../src/edi/generated-check';
import { formatDiagnostic } from '../../src/edi/diagnostic';
import { write } from '../../src/edi/write';
import { env, lossWarnings, parse, profiles, x12Set } from './support';

async function lossLines<D>(
  kind: DocumentKind<D>,
  from: Standard,
  tx: Transaction,
  version: string,
): Promise<string[]> {
  const to: Standard = from === 'x12' ? 'edifact' : 'x12';
  const found = await translationLosses(
    { standard: from, tx, profiles, file: 'in', interchange: '42' },
    standardTranslation(kind as DocumentKind, from, to, version),
    `${to} ${version}`,
  );
  return found.map(formatLoss);
}

const po850 = () =>
  x12Set('PO', '850', ['BEG*00*SA*PO-7**20240301', 'REF*DP*038', 'PO1*1*6*EA***IN*SKU-1', 'REF*DP*114', 'CTT*1']);

describe('X12 REF DP ⇄ EDIFACT RFF AMV (department number, a D01B code)', () => {
  test('to D01B the department numbers are carried, header and line; to D96A each is a located loss', async () => {
    expect(await lossLines(purchaseOrder, 'x12', po850(), 'D01B')).toEqual([]);
    expect(await lossLines(purchaseOrder, 'x12', po850(), 'D96A')).toEqual([
      'in, interchange 42, transaction 0001, segment 3 (REF DP): dropped: the document carries it but the edifact D96A written from it does not',
      'in, interchange 42, transaction 0001, segment 5 (REF DP): dropped: the document carries it but the edifact D96A written from it does not',
    ]);
  });

  test('a D01B ORDERS holds RFF+AMV, is valid for its profile, and reads back as the department', () => {
    const po = purchaseOrder.x12.read(po850());
    const written = (directory: string) =>
      write(edifactInterchange([{ type: 'ORDERS', version: directory, body: purchaseOrder.edifact.write(po) }], env));
    const d01b = written('D01B');
    expect(checkGenerated(d01b, profiles).errors.map((d) => formatDiagnostic(d))).toEqual([]);
    const tx = parse(d01b)[0].groups[0].transactions[0];
    expect(tx.segments.filter((s) => s.id === 'RFF').map((s) => s.elements)).toEqual([
      [['AMV', '038']],
      [['AMV', '114']],
    ]);
    const back: PurchaseOrder = purchaseOrder.edifact.read(tx);
    expect(back.references).toEqual([{ qualifier: 'department', value: '038' }]);
    expect(back.lines[0].references).toEqual([{ qualifier: 'department', value: '114' }]);
    // D96A defines no AMV: the segments are left out rather than sent with a code the directory lacks.
    const d96a = written('D96A');
    expect(checkGenerated(d96a, profiles).errors).toEqual([]);
    expect(parse(d96a)[0].groups[0].transactions[0].segments.filter((s) => s.id === 'RFF')).toEqual([]);
  });

  test('a D01B ORDERS with RFF+AMV reaches the 850 as REF DP, with no loss', async () => {
    const body = [
      'UNH+1+ORDERS:D:01B:UN',
      'BGM+220+PO-7+9',
      'DTM+137:20240301:102',
      'RFF+AMV:038',
      'LIN+1++SKU-1:IN',
      'QTY+21:6:EA',
      'UNS+S',
      'UNT+8+1',
    ];
    const edi = `UNA:+.? 'UNB+UNOC:3+5412345000013:14+5400000000001:14+240102:1230+77'${body.join("'")}'UNZ+1+77'`;
    const tx = parse(Buffer.from(edi, 'latin1'))[0].groups[0].transactions[0];
    expect(tx.tree).toBeDefined();
    expect(await lossLines(purchaseOrder, 'edifact', tx, '004010')).toEqual([]);
    const x12 = purchaseOrder.x12.write(purchaseOrder.edifact.read(tx));
    expect(x12.filter((s) => s.id === 'REF').map((s) => s.elements)).toEqual([['DP', '038']]);
  });
});

describe('X12 PER UR ⇄ EDIFACT COM AH (a URL, a D01B code)', () => {
  const withUrl = () =>
    x12Set('PO', '850', [
      'BEG*00*SA*PO-7**20240301',
      'N1*BY*Buyer',
      'PER*IC*Ann*TE*5550100*UR*https://example.com',
      'PO1*1*6*EA***IN*SKU-1',
      'CTT*1',
    ]);

  test('to D01B the URL is carried; to D96A its PER elements are located losses', async () => {
    expect(await lossLines(purchaseOrder, 'x12', withUrl(), 'D01B')).toEqual([]);
    const lost = await lossLines(purchaseOrder, 'x12', withUrl(), 'D96A');
    expect(lost.map((l) => l.replace(/: .*/, ''))).toEqual([
      'in, interchange 42, transaction 0001, segment 4 (PER IC), element 5',
      'in, interchange 42, transaction 0001, segment 4 (PER IC), element 6',
    ]);
  });

  test('a sixth channel that is a URL: D01B writes it under a second CTA; D96A writes neither, not an empty CTA', () => {
    const channels = ['phone', 'fax', 'email', 'telex', 'extension', 'url'] as const;
    const po: PurchaseOrder = {
      number: 'PO-7',
      date: '2024-03-01',
      purpose: 'original',
      type: 'order',
      parties: [
        {
          role: 'buyer',
          name: 'Buyer',
          contacts: [
            {
              function: 'information',
              name: 'Ann',
              communications: channels.map((channel, i) => ({ channel, value: `V${i}` })),
            },
          ],
        },
      ],
      references: [],
      dates: [],
      lines: [{ quantity: 6, unit: 'EA', buyerItem: 'SKU-1' }],
      totals: { lineCount: 1 },
      notes: [],
    };
    const as = (directory: string) => {
      const body = purchaseOrder.edifact.write(po);
      const bytes = write(edifactInterchange([{ type: 'ORDERS', version: directory, body }], env));
      expect(checkGenerated(bytes, profiles).errors).toEqual([]);
      const tx = parse(bytes)[0].groups[0].transactions[0];
      return { tx, doc: purchaseOrder.edifact.read(tx) };
    };
    const d01b = as('D01B');
    expect(d01b.tx.segments.filter((x) => x.id === 'CTA')).toHaveLength(2);
    expect(d01b.doc.parties).toEqual(po.parties);
    const d96a = as('D96A');
    expect(d96a.tx.segments.filter((x) => x.id === 'CTA')).toHaveLength(1);
    expect(d96a.tx.segments.filter((x) => x.id === 'COM')).toHaveLength(5);
    expect(d96a.doc.parties[0].contacts?.[0].communications?.map((x) => x.channel)).toEqual(channels.slice(0, 5));
  });
});

describe('the loss check translates in the X12 version written', () => {
  test('an 810 carrier without a transport mode is a loss in 005010 (CAD01 mandatory there), not in 004010', async () => {
    const tx = x12Set('IN', '810', ['BIG*20240102*INV1', 'IT1*1*1*EA*10', 'TDS*1000', 'CAD*****FREEFORM', 'CTT*1']);
    expect(await lossLines(invoice, 'x12', tx, '004010')).toEqual([]);
    const to5010 = await translationLosses(
      { standard: 'x12', tx, profiles },
      standardTranslation(invoice as DocumentKind, 'x12', 'x12', '005010'),
      'X12 810 005010',
    );
    expect(to5010.map((l) => [l.segment, l.tag])).toEqual([[5, 'CAD']]);
  });
});

describe('cli: translate --partner writes the partner’s directory, and says only what that directory drops', () => {
  const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
  const dir = mkdtempSync(join(tmpdir(), 'edigw-directory-'));
  mkdirSync(join(dir, 'partners'));
  writeFileSync(
    join(dir, 'gateway.yaml'),
    [
      'database: sqlite:data/gateway.sqlite',
      'partners: partners',
      `profiles: ${resolve(__dirname, '..', '..', 'profiles')}`,
      'certs: certs',
      'identity:',
      '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
      "  edifact: [{ qualifier: '14', id: '5400000000001' }]",
      '',
    ].join('\n'),
  );
  const partner = (id: string, directory: string) =>
    writeFileSync(
      join(dir, 'partners', `${id}.yaml`),
      [
        `id: ${id}`,
        `name: ${id}`,
        'identifiers:',
        `  edifact: [{ qualifier: '14', id: '40000010000${directory === 'D01B' ? '11' : '22'}' }]`,
        'outbound:',
        `  edifact: { directory: ${directory} }`,
        '',
      ].join('\n'),
    );
  partner('zeta', 'D01B');
  partner('eta', 'D96A');
  const file = join(dir, 'po.x12');
  const isa =
    'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240102*1230*U*00401*000000042*0*P*>~';
  writeFileSync(
    file,
    `${isa}GS*PO*SENDER*RECEIVER*20240102*1230*1*X*004010~ST*850*0001~BEG*00*SA*PO-7**20240301~REF*DP*038~` +
      'PO1*1*6*EA***IN*SKU-1~CTT*1~SE*6*0001~GE*1*1~IEA*1*000000042~',
  );
  const cli = (id: string) => {
    const r = spawnSync(
      process.execPath,
      [bin, 'translate', file, '--to', 'edifact', '--partner', id, '--config', join(dir, 'gateway.yaml')],
      { encoding: 'utf8', cwd: dir, env: { ...process.env, EDI_GATEWAY_CONFIG: '' } },
    );
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  test('D01B: RFF+AMV is written and nothing is reported (exit 0)', () => {
    const r = cli('zeta');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain("UNH+1+ORDERS:D:01B:UN'");
    expect(r.out).toContain("RFF+AMV:038'");
  });

  test('D96A: no RFF, and the REF DP is one located warning (exit 1)', () => {
    const r = cli('eta');
    expect(r.code).toBe(1);
    expect(r.out).not.toContain('RFF');
    expect(lossWarnings(r.err)).toEqual([
      `warning: ${file}, interchange 000000042, transaction 0001, segment 3 (REF DP): dropped: ` +
        'the document carries it but the EDIFACT ORDERS written from it does not',
    ]);
  });
});
