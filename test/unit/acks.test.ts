import { parseBuffer } from '../../src/edi/parse';
import { write } from '../../src/edi/write';
import { buildAck } from '../../src/edi/ack/build';
import { readAcks } from '../../src/edi/ack/read';
import { x12 } from '../helpers/build';
import { testProfiles } from '../helpers/test-profile';
import { builtInProfiles } from '../../src/config/profiles';
import { diagnostic } from '../../src/edi/diagnostic';
import { codeFor } from '../../src/edi/profile/codes';
import { allDiagnostics, type Interchange } from '../../src/edi/model';

const profiles = testProfiles();
const now = new Date('2026-03-04T05:06:00Z');
const lines = (b: Buffer) => b.toString('utf8').trim().split('\n');

describe('997: rendered from diagnostics at every level', () => {
  const file = x12({
    transactions: [
      ['BEG*00*SA*PO1**20240102', 'PO1*1*10*EA', 'CTT*1'],
      ['BEG*09*SA*PO2**20241302', 'PO1*1*10*EA', 'CTT*1'],
      ['BEG*00*SA*PO3**20240102', 'PO1*1*10*EA', 'CTT*1*EXTRA'],
    ],
  });
  const ic = parseBuffer(Buffer.from(file), { profiles }).interchanges[0];

  test('sender and receiver are swapped, delimiters and version kept, our control number used', () => {
    const out = lines(write(buildAck(ic, '997', { controlNumber: 42, now }), { lineBreak: '\n' }));
    expect(out[0]).toBe(
      'ISA*00*          *00*          *ZZ*RECEIVER       *ZZ*SENDER         *260304*0506*U*00401*000000042*0*P*:~',
    );
    expect(out[1]).toBe('GS*FA*RECEIVER*SENDER*20260304*0506*42*X*004010~');
  });

  test('accepted, rejected with AK3/AK4, and a partially accepted group', () => {
    const out = lines(write(buildAck(ic, '997', { controlNumber: 42, now }), { lineBreak: '\n' }));
    expect(out.slice(2)).toEqual([
      'ST*997*0001~',
      'AK1*PO*1~',
      'AK2*850*0001~',
      'AK5*A~',
      'AK2*850*0002~',
      'AK3*BEG*2**8~',
      'AK4*1*353*7*09~',
      'AK4*5*373*8*20241302~',
      'AK5*R*5~',
      'AK2*850*0003~',
      'AK3*CTT*4**8~',
      'AK4*2**3~',
      'AK5*R*5~',
      'AK9*P*3*3*1~',
      'SE*15*0001~',
      'GE*1*42~',
      'IEA*1*000000042~',
    ]);
  });

  test('the 997 reads back as what it acknowledges', () => {
    const [report] = readAcks(parseBuffer(write(buildAck(ic, '997', { now }))).interchanges[0]);
    expect(report.groups[0]).toMatchObject({ controlNumber: '1', status: 'P' });
    expect(report.groups[0].transactions.map((t) => `${t.controlNumber}:${t.status}`)).toEqual([
      '0001:A',
      '0002:R',
      '0003:R',
    ]);
    expect(report.groups[0].transactions[1].findings).toEqual([
      { segmentId: 'BEG', position: 2, code: '8' },
      { segmentId: 'BEG', position: 2, code: '7', element: '1', value: '09' },
      { segmentId: 'BEG', position: 2, code: '8', element: '5', value: '20241302' },
    ]);
  });

  test('warnings alone give accepted with errors (E) at transaction and group level', () => {
    const warn = parseBuffer(
      Buffer.from(x12({ transactions: [['BEG*00*SA*PO1**20240102', 'PO1*1*10*EA*', 'CTT*1']] })),
      { profiles },
    ).interchanges[0];
    const out = lines(write(buildAck(warn, '997', { now }), { lineBreak: '\n' }));
    expect(out).toContain('AK5*E*5~');
    expect(out).toContain('AK9*E*1*1*1~');
  });

  test('999 for a non-HIPAA group is the plain 005010 999 with AK103/AK203 and IK codes', () => {
    const out = lines(write(buildAck(ic, '999', { now }), { lineBreak: '\n' }));
    expect(out).toContain('ST*999*0001~');
    expect(out[1]).toMatch(/\*X\*005010~$/);
    expect(out).toContain('AK1*PO*1*004010~');
    expect(out).toContain('IK3*BEG*2**8~');
    expect(out).toContain('IK4*1*353*7*09~');
  });

  test('TA1 reports the interchange status and note code', () => {
    const bad = parseBuffer(Buffer.from(file.replace('IEA*1*000000905', 'IEA*2*000000905'))).interchanges[0];
    const out = lines(write(buildAck(bad, 'TA1', { now }), { lineBreak: '\n' }));
    expect(out[1]).toBe('TA1*000000905*240102*1230*R*021~');
    expect(out[2]).toBe('IEA*0*000000001~');
  });

  test('a CONTRL cannot acknowledge X12 (a clear error, not a wrong ack)', () => {
    expect(() => buildAck(ic, 'CONTRL')).toThrow('CONTRL acknowledges EDIFACT');
  });
});

describe('CONTRL: rendered from diagnostics', () => {
  const two =
    "UNA:+.? 'UNB+UNOC:3+SENDER:14+RECEIVER:14+240102:1230+REF1'UNH+M1+ORDERS:D:96A:UN'BGM+220+1'" +
    "UNT+3+M1'UNH+M2+ORDERS:D:96A:UN'BGM+220+2'UNT+9+M2'UNZ+2+REF1'";

  test('one message accepted, one rejected with its code; the interchange acknowledged', () => {
    const ic = parseBuffer(Buffer.from(two)).interchanges[0];
    const out = write(buildAck(ic, 'CONTRL', { controlNumber: 5, now }), { lineBreak: '\n' })
      .toString('latin1')
      .trim()
      .split('\n');
    expect(out).toEqual([
      "UNA:+.? '",
      "UNB+UNOC:3+RECEIVER:14+SENDER:14+260304:0506+5'",
      "UNH+1+CONTRL:D:3:UN'",
      "UCI+REF1+SENDER:14+RECEIVER:14+7'",
      "UCM+M1+ORDERS:D:96A:UN+7'",
      "UCM+M2+ORDERS:D:96A:UN+4+29'",
      "UNT+5+1'",
      "UNZ+1+5'",
    ]);
    const [report] = readAcks(parseBuffer(Buffer.from(out.join(''))).interchanges[0]);
    expect(report.interchange).toEqual({ controlNumber: 'REF1', status: 'A' });
    expect(report.groups[0].transactions.map((t) => [t.controlNumber, t.status, t.codes])).toEqual([
      ['M1', 'A', []],
      ['M2', 'R', ['29']],
    ]);
  });
});

describe('CONTRL: levels agree, and the guide is named', () => {
  const contrl = (text: string, opts = {}) =>
    write(buildAck(parseBuffer(Buffer.from(text)).interchanges[0], 'CONTRL', { controlNumber: 5, now, ...opts }), {
      lineBreak: '\n',
    })
      .toString('latin1')
      .trim()
      .split('\n');

  test('a rejected interchange rejects every message in it: UCI 4 is never followed by a UCM 7', () => {
    // UNZ counts 3 messages but holds 1: the interchange is rejected (0085 code 29).
    const text =
      "UNB+UNOC:3+SENDER:14+RECEIVER:14+240102:1230+REF1'UNH+M1+ORDERS:D:96A:UN'BGM+220+1'UNT+3+M1'UNZ+3+REF1'";
    const out = contrl(text);
    expect(out.filter((l) => /^UC[IM]/.test(l))).toEqual([
      "UCI+REF1+SENDER:14+RECEIVER:14+4+29+UNZ+1'",
      "UCM+M1+ORDERS:D:96A:UN+4'",
    ]);
    const [report] = readAcks(parseBuffer(Buffer.from(out.join(''))).interchanges[0]);
    expect(report.groups[0].transactions.map((t) => t.status)).toEqual(['R']);
  });

  test('the UNH association assigned code (EAN008) is kept in the UCM message identifier', () => {
    const text =
      "UNB+UNOC:3+SENDER:14+RECEIVER:14+240102:1230+REF1'UNH+M1+ORDERS:D:96A:UN:EAN008'BGM+220+1'UNT+3+M1'UNZ+1+REF1'";
    expect(contrl(text).filter((l) => l.startsWith('UCM'))).toEqual(["UCM+M1+ORDERS:D:96A:UN:EAN008+7'"]);
  });
});

describe('acknowledgements detail at most N segments per transaction set', () => {
  // 2,000 lines, each with a bad date: every one is a segment at fault.
  const lines850 = Array.from({ length: 2000 }, (_, i) => `DTM*002*2024${i % 2 ? '13' : '14'}01`);
  const ic = parseBuffer(Buffer.from(x12({ transactions: [['BEG*00*SA*PO1**20240102', ...lines850, 'CTT*1']] })), {
    profiles: builtInProfiles().set,
  }).interchanges[0];

  test('a 997 details 100 AK3 by default and still rejects the set (AK5 R 5)', () => {
    const out = lines(write(buildAck(ic, '997', { controlNumber: 7, now }), { lineBreak: '\n' }));
    expect(out.filter((l) => l.startsWith('AK3'))).toHaveLength(100);
    expect(out.find((l) => l.startsWith('AK5'))).toBe('AK5*R*5~');
    expect(out.filter((l) => l.startsWith('AK3')).at(-1)).toMatch(/^AK3\*DTM\*102\*/);
  });

  test('an 850 with 150,000 faulty PO1 is read and acknowledged with 100 AK3, not a stack overflow', () => {
    const po1 = Array.from({ length: 150_000 }, (_, i) => `PO1*${i + 1}*1*ZZZZ*1**UP*012345678905`);
    const big = parseBuffer(Buffer.from(x12({ transactions: [['BEG*00*SA*PO1**20240102', ...po1, 'CTT*150000']] })), {
      profiles: builtInProfiles().set,
    }).interchanges[0];
    expect(allDiagnostics(big).filter((d) => d.location.segmentId === 'PO1').length).toBeGreaterThanOrEqual(150_000);
    const out = lines(write(buildAck(big, '997', { controlNumber: 7, now }), { lineBreak: '\n' }));
    expect(out.filter((l) => l.startsWith('AK3'))).toHaveLength(100);
    expect(out.find((l) => l.startsWith('AK5'))).toBe('AK5*R*5~');
  });

  test("the cap is the partner's to set (acks.detail), and a 999 and a CONTRL keep to it too", () => {
    const ack = (kind: '997' | '999') =>
      lines(write(buildAck(ic, kind, { controlNumber: 7, now, segmentDetail: 3 }), { lineBreak: '\n' }));
    expect(ack('997').filter((l) => l.startsWith('AK3'))).toHaveLength(3);
    expect(ack('999').filter((l) => l.startsWith('IK3'))).toHaveLength(3);
    expect(ack('999').find((l) => l.startsWith('IK5'))).toBe('IK5*R*5~');
    const bad = Array.from({ length: 50 }, () => 'DTM+137:20241401:102').join("'");
    const orders = parseBuffer(
      Buffer.from(`UNB+UNOC:3+S:14+R:14+240102:1230+9'UNH+1+ORDERS:D:96A:UN'BGM+220+1'${bad}'UNT+52+1'UNZ+1+9'`),
      { profiles: builtInProfiles().set },
    ).interchanges[0];
    const contrl = write(buildAck(orders, 'CONTRL', { controlNumber: 7, now, segmentDetail: 2 }), { lineBreak: '\n' })
      .toString('latin1')
      .split('\n');
    expect(contrl.filter((l) => l.startsWith('UCS'))).toHaveLength(2);
    expect(contrl.find((l) => l.startsWith('UCM'))).toMatch(/^UCM\+1\+ORDERS:D:96A:UN\+4/);
  });
});

describe('999 business unit context', () => {
  test('an error inside a claim is placed with CTX*CLM01:<claim id>', () => {
    const file = x12({
      version: '00501',
      transactions: [['BHT*0019*00*1*20240102*1230*CH', 'CLM*CLAIM-77*100', 'ZZZ*X']],
    })
      .replace('*004010~', '*005010X222A1~')
      .replace('ST*850*0001', 'ST*837*0001*005010X222A1');
    const ic = parseBuffer(Buffer.from(file)).interchanges[0];
    // Without a profile there is no structural finding; add one as the validator would.
    const tx = ic.groups[0].transactions[0];
    tx.errors.push({
      severity: 'error',
      level: 'segment',
      code: '6',
      message: 'not in set',
      location: { segment: 4, segmentId: 'ZZZ' },
    });
    const out = lines(write(buildAck(ic, '999', { now }), { lineBreak: '\n' }));
    const at = out.indexOf('IK3*ZZZ*4**6~');
    expect(at).toBeGreaterThan(0);
    expect(out[at + 1]).toBe('CTX*CLM01:CLAIM-77~');
  });
});

describe('997 and 999: every code is one the version it is sent in defines', () => {
  const builtIn = builtInProfiles().set;
  const findings = [
    'unrecognized-segment',
    'unexpected-segment',
    'segment-missing',
    'loop-over-max',
    'segment-over-max',
    'segment-not-in-set',
    'segment-out-of-order',
    'segment-not-used',
    'trailing-separator',
    'element-missing',
    'conditional-missing',
    'too-many-elements',
    'too-short',
    'too-long',
    'invalid-character',
    'invalid-code',
    'invalid-date',
    'invalid-time',
    'exclusion-violated',
    'too-many-repeats',
    'too-many-components',
    'element-not-used',
  ] as const;
  /** The first nine are about segments (AK304 / IK304), the rest about elements (AK403 / IK403). */
  const SEGMENT_FINDINGS = 9;
  /** An interchange whose one group carries every finding the engine makes, at every level. */
  function withEveryCode(version: '00401' | '00501', hipaa = false): Interchange {
    const ic = parseBuffer(
      Buffer.from(
        x12({
          version,
          rep: version === '00501' ? '^' : 'U',
          transactions: findings.map(() => ['BEG*00*SA*PO1**20240102']),
        }),
      ),
    ).interchanges[0];
    const g = ic.groups[0];
    // The 999 guide (X231A1) acknowledges HIPAA groups: say this one is claims.
    if (hipaa) {
      Object.assign(g, { functionalId: 'HC', version: '005010X222A1' });
      for (const tx of g.transactions) tx.type = '837';
    }
    for (const code of ['1', '2', '3', '4', '5', '6', '19'])
      g.errors.push(diagnostic('group', code, 'group finding', { segmentId: 'GS' }));
    g.transactions.forEach((tx, i) => {
      const at = { segment: 2, segmentId: 'BEG' };
      for (const code of ['1', '2', '3', '4', '5', '6', '7', '23'])
        tx.errors.push(diagnostic('transaction', code, 'transaction finding', at));
      const code = codeFor('x12', findings[i]);
      if (i < SEGMENT_FINDINGS) tx.errors.push(diagnostic('segment', code, findings[i], at));
      else tx.errors.push(diagnostic('element', code, findings[i], { ...at, element: 1 }, { elementRef: '353' }));
    });
    return ic;
  }

  test.each([
    ['997', '00401', '004010'],
    ['997', '00501', '005010'],
    ['999', '00501', '005010X231A1'],
  ] as const)('a %s for an ISA %s group validates against our own %s profile', (kind, version, profile) => {
    const ack = write(buildAck(withEveryCode(version, kind === '999'), kind, { controlNumber: 7, now }));
    const parsed = parseBuffer(ack, { profiles: builtIn }).interchanges[0];
    const tx = parsed.groups[0].transactions[0];
    expect(tx.implementation ?? tx.version).toBe(profile);
    expect(tx.tree).toBeDefined();
    expect(
      allDiagnostics(parsed).map(
        (d) => `${d.location.segmentId}${d.location.element ?? ''} ${d.code} ${d.value ?? ''}`,
      ),
    ).toEqual([]);
  });

  test('a repeated GS06 is AK905 6 in a 004010 997 (which has no 19) and 19 in a 005010 one', () => {
    const ak9 = (version: '00401' | '00501') => {
      const one = x12({ version, rep: version === '00501' ? '^' : 'U' });
      const group = one.slice(one.indexOf('GS*'), one.indexOf('IEA*'));
      const twice = one.replace(group, group + group).replace('IEA*1*', 'IEA*2*');
      const ic = parseBuffer(Buffer.from(twice)).interchanges[0];
      expect(ic.groups[1].errors.map((d) => d.code)).toEqual(['19']);
      return lines(write(buildAck(ic, '997', { controlNumber: 7, now }), { lineBreak: '\n' })).filter((l) =>
        l.startsWith('AK9'),
      );
    };
    expect(ak9('00401')).toEqual(['AK9*A*1*1*1~', 'AK9*R*1*1*1*6~']);
    expect(ak9('00501')).toEqual(['AK9*A*1*1*1~', 'AK9*R*1*1*1*19~']);
  });
});
