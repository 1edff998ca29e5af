import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main';
import { LineCounter, lineIndex, parseFile, profilesFor } from '../../src/cli/input';
import { type Diagnostic, allDiagnostics } from '../../src/edi/model';
import { formatDiagnostic } from '../../src/edi/diagnostic';
import { buildAck, defaultAckKind } from '../../src/edi/ack/build';
import type { AckKind } from '../../src/edi/ack/options';
import { write } from '../../src/edi/write';
import { GatewayError } from '../../src/errors';
import { writeLargeX12 } from '../../bench/cli-input';
import { describeNeeding } from '../helpers/requirements';
import { corpusDir as corpus, corpusFiles, describeWithCorpus } from '../helpers/corpus';

const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
const dir = mkdtempSync(join(tmpdir(), 'edigw-cli-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  out: string;
  err: string;
}

async function streamed(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(args, {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

/**
 * The commands as they were before they streamed: the whole file in memory, parsed with retain 'all',
 * printed at the end. Kept here as the reference the streamed output must match byte for byte.
 */
function wholeBuffer(command: string, file: string, o: { envelope?: boolean; kind?: AckKind } = {}): Run {
  let out = '';
  let err = '';
  const io = {
    out: (s: string) => {
      out += s;
    },
    err: (s: string) => {
      err += s;
    },
  };
  try {
    const buf = readFileSync(file);
    if (command === 'parse') {
      const level = o.envelope ? 'envelope' : 'full';
      const result = parseFile(file, buf, {
        level,
        ...(level === 'full' ? { profiles: profilesFor(undefined).set } : {}),
      });
      io.out(
        JSON.stringify({ file, interchanges: result.interchanges, diagnostics: result.diagnostics }, null, 2) + '\n',
      );
      const failed =
        result.diagnostics.some((d) => d.severity === 'error') ||
        result.interchanges.some((ic) => allDiagnostics(ic).some((d) => d.severity === 'error'));
      return { code: failed ? 1 : 0, out, err };
    }
    const result = parseFile(file, buf, { level: 'full', profiles: profilesFor(undefined).set });
    if (command === 'validate') {
      const where = lineIndex(buf);
      // validate also says when a sender repeats an interchange control number within the file.
      const first = new Map<string, number>();
      const repeats: Diagnostic[] = [];
      for (const ic of result.interchanges) {
        const key = `${ic.standard} ${ic.sender.qualifier}/${ic.sender.id} ${ic.controlNumber}`;
        const line = first.get(key);
        if (line === undefined) first.set(key, where(ic.offset).line);
        else
          repeats.push({
            severity: 'error',
            level: 'interchange',
            code: ic.standard === 'x12' ? '025' : '26',
            message:
              `${ic.standard === 'x12' ? 'ISA13' : 'UNB 0020'} interchange control number ${ic.controlNumber} ` +
              `from ${ic.sender.qualifier}/${ic.sender.id} is used again in this file (first on line ${line})`,
            location: {
              interchange: ic.controlNumber,
              offset: ic.offset,
              segmentId: ic.standard === 'x12' ? 'ISA' : 'UNB',
              element: ic.standard === 'x12' ? 13 : 5,
            },
          });
      }
      const all: Diagnostic[] = [...result.diagnostics, ...repeats, ...result.interchanges.flatMap(allDiagnostics)];
      all.sort((a, b) => (a.location.offset ?? 0) - (b.location.offset ?? 0));
      for (const d of all) {
        const at = d.location.offset !== undefined ? where(d.location.offset) : undefined;
        io.out(formatDiagnostic(d, at ? `${file}:${at.line}:${at.column}` : file) + '\n');
      }
      let transactions = 0;
      const unprofiled = new Set<string>();
      for (const ic of result.interchanges)
        for (const g of ic.groups)
          for (const t of g.transactions) {
            transactions++;
            if (!t.tree) unprofiled.add(`${t.type} ${t.implementation ?? t.version}`);
          }
      const errors = all.filter((d) => d.severity === 'error').length;
      for (const u of unprofiled) io.err(`${file}: note: no profile for ${u}: envelope and syntax checks only\n`);
      io.out(
        `${file}: ${result.interchanges.length} interchange(s), ${transactions} transaction set(s): ${errors} error(s), ${all.length - errors} warning(s)\n`,
      );
      return { code: errors > 0 ? 1 : 0, out, err };
    }
    let control = 1;
    for (const ic of result.interchanges) {
      let ack;
      try {
        ack = buildAck(ic, o.kind ?? defaultAckKind(ic), { controlNumber: control++ });
      } catch (e) {
        if (e instanceof RangeError)
          throw new GatewayError('EDIGW_ACK_KIND', `${file}: interchange ${ic.controlNumber}: ${e.message}`);
        throw e;
      }
      io.out(write(ack, { lineBreak: '\n' }).toString(ic.standard === 'x12' ? 'utf8' : 'latin1'));
    }
    if (result.interchanges.length === 0) io.err(`${file}: no interchange to acknowledge\n`);
    return { code: 0, out, err };
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    io.err(`edi-gateway: ${e.describe()}\n`);
    return { code: e.kind === 'usage' || e.code === 'EDIGW_EDI_UNREADABLE' ? 2 : 1, out, err };
  }
}

const files = (['x12', 'edifact', 'bad'] as const).flatMap(corpusFiles);

const variants: Array<{ args: string[]; command: string; o: { envelope?: boolean; kind?: AckKind } }> = [
  { args: ['parse'], command: 'parse', o: {} },
  { args: ['parse', '--envelope'], command: 'parse', o: { envelope: true } },
  { args: ['validate'], command: 'validate', o: {} },
  { args: ['ack'], command: 'ack', o: {} },
  { args: ['ack', '--kind', '999'], command: 'ack', o: { kind: '999' } },
  { args: ['ack', '--kind', 'TA1'], command: 'ack', o: { kind: 'TA1' } },
  { args: ['ack', '--kind', 'CONTRL'], command: 'ack', o: { kind: 'CONTRL' } },
];

describeWithCorpus('cli streaming: the same bytes as the whole-file path', () => {
  // Acks carry today's date: one fixed clock for both paths (only Date is faked, the streams need real timers).
  beforeAll(() => {
    jest.useFakeTimers({
      now: new Date('2026-01-02T03:04:05Z'),
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
  });
  afterAll(() => jest.useRealTimers());

  test('the corpus is there', () => expect(files.length).toBeGreaterThan(50));

  test.each(files.map((f) => [f.slice(corpus.length + 1), f]))('parse, validate and ack of %s', async (_name, file) => {
    for (const v of variants) {
      const want = wholeBuffer(v.command, file, v.o);
      const got = await streamed(...v.args, file);
      expect({ args: v.args, ...got }).toEqual({ args: v.args, ...want });
    }
  });

  // Read chunks are 64 KiB: put a two-byte character and a segment across the first boundary, a finding after it.
  test('a segment and a UTF-8 character across read chunks, and findings after them, stay located and intact', async () => {
    const head =
      'ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     ' +
      '*240102*1230*U*00401*000000905*0*P*>~\nGS*PO*ACME*OURCOMPANY*20240102*1230*1*X*004010~\n';
    const set = (n: number, lines: string[]) =>
      [
        `ST*850*${String(n).padStart(4, '0')}`,
        `BEG*00*SA*PO${n}**20240102`,
        ...lines,
        `CTT*${lines.length}`,
        `SE*${lines.length + 4}*${String(n).padStart(4, '0')}`,
      ].join('~\n') + '~\n';
    const po1 = (i: number) => `PO1*${i}*1*EA*9.5**VP*SKU${i}`;
    let text = head;
    const lines: string[] = [];
    for (let i = 1; Buffer.byteLength(text + set(1, lines)) < 65536 - 200; i++) lines.push(po1(i));
    text += set(1, lines);
    // A PID description whose Ü starts at the last byte of the first chunk.
    const before = 'PO1*1*1*EA*9.5**VP*X~\nPID*F****';
    const fill = 65535 - 1 - Buffer.byteLength(text + 'ST*850*0002~\nBEG*00*SA*PO2**20240102~\n' + before);
    const name = 'A'.repeat(fill) + 'MÜLLER';
    text += `ST*850*0002~\nBEG*00*SA*PO2**20240102~\n${before}${name}~\nCTT*1~\nSE*9*0002~\n`; // wrong count: a finding after the boundary
    text += set(3, [po1(1), po1(2)]) + 'GE*3*1~\nIEA*1*000000905~\n';
    const buf = Buffer.from(text);
    expect(buf.indexOf('Ü')).toBe(65535);
    const file = join(dir, 'straddle.edi');
    writeFileSync(file, buf);
    for (const v of variants) {
      const got = await streamed(...v.args, file);
      expect({ args: v.args, ...got }).toEqual({ args: v.args, ...wholeBuffer(v.command, file, v.o) });
    }
    const validate = await streamed('validate', file);
    expect(validate.out).toMatch(/straddle\.edi:\d+:1: error: .*transaction 0002, segment 6 \(SE\)/);
    expect(
      JSON.parse((await streamed('parse', file)).out).interchanges[0].groups[0].transactions[1].segments[3].elements[4],
    ).toBe(name);
  });
});

describe('cli streaming: line numbers', () => {
  test('the line counter agrees with the whole-buffer index for chunks of any size', () => {
    const buf = Buffer.from('ab\ncd\r\n\nefgh\nÜ\nlast');
    const whole = lineIndex(buf);
    for (const size of [1, 2, 3, 7, buf.length]) {
      const lines = new LineCounter();
      for (let off = 0; off < buf.length; off += size) lines.feed(buf.subarray(off, off + size));
      for (let o = 0; o < buf.length; o++) {
        expect(lines.at(o)).toEqual(whole(o));
        lines.forget(o);
      }
    }
  });
});

/** Peak RSS in MB of `edi-gateway ARGS` as a child process, from GNU time's %M (KiB). */
function peakRss(...args: string[]): number {
  const r = spawnSync('/usr/bin/time', ['-f', 'peak-kb %M', process.execPath, bin, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const m = /peak-kb (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`edi-gateway ${args.join(' ')}: exit ${r.status}: ${r.stderr.slice(-500)}`);
  return Number(m[1]) / 1024;
}

const memoryNeeds = !existsSync('/usr/bin/time')
  ? 'GNU time is not at /usr/bin/time (apt-get install time); it measures peak RSS'
  : !existsSync(resolve(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js'))
    ? 'dist/ is not built (npx tsc -p tsconfig.build.json)'
    : undefined;

describeNeeding('cli streaming: memory', 'GNU time and the built CLI', memoryNeeds, () => {
  // Sizes in MiB (EDIGW_CLI_MEMORY_MB=small,large to change them); 256 KiB sets, one interchange.
  const [small, large] = (process.env.EDIGW_CLI_MEMORY_MB ?? '8,64').split(',').map(Number);

  test(`validate of a ${large} MB file needs no more memory than of a ${small} MB one (it grew ~20 bytes per byte before)`, () => {
    const a = join(dir, 'small.edi');
    const b = join(dir, 'large.edi');
    writeLargeX12(a, small << 20, 256 << 10);
    writeLargeX12(b, large << 20, 256 << 10);
    try {
      const peaks = [peakRss('validate', a), peakRss('validate', b)];
      // Whole-file reading grew by about 20x the extra bytes; streaming stays flat (GC leaves some noise).
      expect(peaks[1] - peaks[0]).toBeLessThan((large - small) / 2);
      expect(peaks[1]).toBeLessThan(large * 4);
    } finally {
      rmSync(a, { force: true });
      rmSync(b, { force: true });
    }
  }, 600_000);
});
