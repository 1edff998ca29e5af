import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { x12 } from '../helpers/build';
import { parseBuffer } from '../../src/edi/parse';
import { readAcks } from '../../src/edi/ack/read';

const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
const dir = mkdtempSync(join(tmpdir(), 'edigw-cli-'));

/** Runs the built CLI as a user would (npm test builds dist/ first). */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const clean = file(
  'clean.edi',
  x12({ nl: '\n', transactions: [['BEG*00*SA*PO1**20240102', 'PO1*1*10*EA*9.5**VP*ABC', 'CTT*1']] }),
);
const badCount = file('bad-count.edi', x12({ nl: '\n' }).replace('SE*4*0001', 'SE*9*0001'));
const edifact = file(
  'orders.edi',
  "UNB+UNOC:3+S:14+R:14+240102:1230+7'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNT+3+1'UNZ+1+7'",
);

describe('cli: parse', () => {
  test('prints the canonical model as JSON and exits 0 for a clean file', () => {
    const r = cli('parse', clean);
    expect(r.code).toBe(0);
    const model = JSON.parse(r.out);
    expect(model.interchanges[0].controlNumber).toBe('000000905');
    expect(model.interchanges[0].groups[0].transactions[0]).toMatchObject({ type: '850', controlNumber: '0001' });
  });

  test('exits 1 when errors are found and still prints the JSON', () => {
    const r = cli('parse', badCount);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).interchanges[0].groups[0].transactions[0].errors[0].code).toBe('4');
  });

  test('an unreadable file gives exit 2 and one clear line, no stack trace', () => {
    const r = cli('parse', file('notes.txt', 'Dear partner, please find attached our order.\n'));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/notes\.txt: not X12 or EDIFACT: starts with "Dear partner/);
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
  });

  test('a missing file gives exit 2 and says which', () => {
    const r = cli('parse', join(dir, 'nope.edi'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/reading .*nope\.edi: cannot read the file: ENOENT/);
  });

  test('usage errors exit 2', () => {
    expect(cli('parse').code).toBe(2);
    expect(cli('frobnicate').code).toBe(2);
    expect(cli('ack', clean, '--kind', 'XYZ').code).toBe(2);
  });
});

describe('cli: validate', () => {
  test('a valid file: exit 0 and a summary line', () => {
    const r = cli('validate', clean);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/clean\.edi: 1 interchange\(s\), 1 transaction set\(s\): 0 error\(s\), 0 warning\(s\)/);
  });

  test('an invalid file: exit 1 and one located line per finding (file:line:col, control numbers, segment, element, code)', () => {
    const r = cli('validate', badCount);
    expect(r.code).toBe(1);
    const first = r.out.split('\n')[0];
    expect(first).toBe(
      `${badCount}:6:1: error: interchange 000000905, group 1, transaction 0001, segment 4 (SE), element 1, ` +
        `byte ${x12({ nl: '\n' }).indexOf('SE*')}: SE01 says 9 segments but the transaction set has 4 [transaction 4]`,
    );
  });
});

describe('cli: validate, control numbers within one file', () => {
  test('an ISA13 used twice by one sender is flagged (TA1 025) on the second interchange; another sender may reuse it', () => {
    const one = x12({ nl: '\n', control: '000000777' });
    const other = one.replace(/SENDER {9}/, 'OTHERSENDER    ');
    const p = file('twice.x12', one + one + other);
    const r = cli('validate', p);
    expect(r.code).toBe(1);
    const errors = r.out.split('\n').filter((l) => l.includes(': error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^${p}:${one.split('\n').length}:1: error: ` +
          `.*ISA13 interchange control number 000000777 from ZZ/SENDER is used again in this file \\(first on line 1\\) \\[interchange 025\\]`,
      ),
    );
  });

  test('a UNB 0020 used twice by one sender is flagged (0085 code 26)', () => {
    const ic = "UNB+UNOC:3+S:14+R:14+240102:1230+7'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNT+3+1'UNZ+1+7'\n";
    const r = cli('validate', file('twice.edi', ic + ic));
    expect(r.out).toMatch(
      /:2:1: error: .*UNB 0020 interchange control number 7 from 14\/S is used again in this file \(first on line 1\) \[interchange 26\]/,
    );
  });
});

describe('cli: ack', () => {
  test('997 by default for X12; it parses back and acknowledges the group', () => {
    const r = cli('ack', badCount);
    expect(r.code).toBe(0);
    const [ack] = readAcks(parseBuffer(Buffer.from(r.out)).interchanges[0]);
    expect(ack.groups[0].transactions[0]).toMatchObject({ controlNumber: '0001', status: 'R', codes: ['4'] });
  });

  test('CONTRL by default for EDIFACT; TA1 on request; a kind that does not fit the standard is exit 2', () => {
    expect(cli('ack', edifact).out).toMatch(/^UNB\+UNOC:3\+R:14\+S:14\+/);
    expect(cli('ack', clean, '--kind', 'TA1').out).toMatch(/^TA1\*000000905\*240102\*1230\*A\*000~$/m);
    const r = cli('ack', edifact, '--kind', '997');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/997 acknowledges X12; use CONTRL for EDIFACT/);
  });
});

describe('cli: migrate', () => {
  test('creates the SQLite schema, then says it is up to date', () => {
    const first = cli('migrate');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/gateway\.sqlite: applied Initial\d+/);
    expect(cli('migrate').out).toMatch(/up to date/);
  });

  test('an unreachable database is exit 1 with one clear line and the password hidden', () => {
    const r = spawnSync(process.execPath, [bin, 'migrate'], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, DATABASE_URL: 'mysql://root:secret@127.0.0.1:1/x' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      'edi-gateway: migrating mysql://root:***@127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1',
    );
  });
});

describe('cli: a reader that stops early', () => {
  test('parse piped into a reader that closes after the first chunk stops quietly with 141, no stack trace', async () => {
    const many = Array.from({ length: 4000 }, (_, i) => [
      `BEG*00*SA*PO${i}**20240102`,
      'PO1*1*10*EA*9.5**VP*ABC',
      'CTT*1',
    ]);
    const big = file('many.edi', x12({ nl: '\n', transactions: many }));
    const child = spawn(process.execPath, [bin, 'parse', big], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect({ code, err }).toEqual({ code: 141, err: '' });
  });
});
