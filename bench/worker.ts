/**
 * One measurement in a process of its own, so that its peak RSS is its own. Forked by run.ts with
 * the job as argv[2] (JSON); sends a WorkerResult back over IPC. Run by hand (no IPC channel), it
 * prints the result on stdout, which is how profiles are taken:
 *   node --cpu-prof dist/bench/worker.js '{"suite":"x12","impl":"p","kind":"ours-full","files":["/tmp/…"]}'
 * The store rows are in store.ts (the `jobs` rows fork two more processes, drain.ts), the pipeline
 * rows in pipeline.ts (they run the real gateway as a child process), the sftp rows in sftp.ts (the
 * gateway's hosted SFTP server, or OpenSSH's sshd, fed by OpenSSH sftp clients).
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { TextDecoder } from 'node:util';
import type { Job, WorkerResult } from './types';

const CHUNK = 1 << 20;

/** What a measured piece of work counted; `bytes` only when it read less than the whole of the files (a slice). */
type Counted = Partial<
  Pick<WorkerResult, 'transactions' | 'segments' | 'chars' | 'errors' | 'warnings' | 'trees' | 'bytes'>
>;

type Work = () => Promise<Counted>;

function totalBytes(files: string[]): number {
  return files.reduce((n, f) => n + statSync(f).size, 0);
}

/**
 * What every streaming row reads through: 1 MiB chunks of the file, counted, and cut off once the
 * job's time budget is spent (then MB/s is over the bytes read so far and the row says so).
 */
class Source {
  bytes = 0;
  stopped = false;
  private deadline = 0n;

  constructor(private readonly budgetSeconds: number | undefined) {}

  start(): void {
    if (this.budgetSeconds !== undefined)
      this.deadline = process.hrtime.bigint() + BigInt(Math.round(this.budgetSeconds * 1e9));
  }

  async *read(file: string): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
      if (this.stopped || (this.deadline !== 0n && process.hrtime.bigint() > this.deadline)) {
        this.stopped = true;
        return;
      }
      this.bytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
}

/** The read+decode ceiling: 1 MiB chunks, decoded in stream mode, characters counted. */
function ceiling(job: Job, src: Source, encoding: 'utf-8' | 'latin1'): Work {
  return async () => {
    let chars = 0;
    for (const file of job.files) {
      if (src.stopped) break;
      const dec = new TextDecoder(encoding);
      for await (const chunk of src.read(file)) {
        chars += dec.decode(chunk, { stream: true }).length;
      }
      chars += dec.decode().length;
    }
    return { chars };
  };
}

/** Our streaming parser, at envelope or full level. Setup (module load, profiles) happens before timing. */
async function ours(job: Job, src: Source, level: 'envelope' | 'full', validate: boolean): Promise<Work> {
  const { parseStream } = await import('../src/edi/parse');
  const opts: Parameters<typeof parseStream>[1] = { level };
  if (validate) {
    const { builtInProfiles } = await import('../src/config/profiles');
    opts.profiles = builtInProfiles().set;
    // Profiles are read on first use; read the ones this data needs before the clock starts.
    opts.profiles.find('x12', '850', '004010');
    opts.profiles.find('edifact', 'ORDERS', 'D96A');
  }
  return async () => {
    let transactions = 0;
    let segments = 0;
    let errors = 0;
    let warnings = 0;
    let trees = 0;
    const tally = (list: ReadonlyArray<{ severity: string }>) => {
      for (const d of list) {
        if (d.severity === 'error') errors++;
        else warnings++;
      }
    };
    for (const file of job.files) {
      if (src.stopped) break;
      for await (const ev of parseStream(src.read(file), opts)) {
        if (ev.kind === 'transaction') {
          transactions++;
          const tx = ev.transaction;
          segments += tx.segmentCount;
          if (tx.tree) trees++;
          tally(tx.errors);
        } else if (ev.kind === 'interchange-end') {
          const ic = ev.interchange;
          tally(ic.errors);
          segments += (ic.header.elements.length ? 1 : 0) + (ic.trailer ? 1 : 0);
          for (const g of ic.groups) {
            tally(g.errors);
            segments += (g.header ? 1 : 0) + (g.trailer ? 1 : 0);
          }
        } else if (ev.kind === 'diagnostic') {
          tally([ev.diagnostic]);
        }
      }
    }
    return { transactions, segments, errors, warnings, trees };
  };
}

/**
 * Translation there and back, as `translate` and a route do it: each transaction set of the files, read
 * with the shipped profiles, becomes its canonical document, is written in the other standard (bytes,
 * with the text fitted to its syntax level or delimiters), read again, and written back in its own. Counts
 * a transaction for each document that made the round trip; one that cannot be made is an error.
 */
async function oursTranslate(job: Job, src: Source): Promise<Work> {
  const { parseBuffer, parseStream } = await import('../src/edi/parse');
  const { builtInProfiles } = await import('../src/config/profiles');
  const { documentFor, edifactInterchange, x12Interchange } = await import('../src/canonical');
  const { write } = await import('../src/edi/write');
  const { applyOutboundSettings } = await import('../src/pipeline/outbound');
  type Standard = 'x12' | 'edifact';
  const profiles = builtInProfiles().set;
  profiles.find('x12', '850', '004010');
  profiles.find('edifact', 'ORDERS', 'D96A');
  const env = {
    sender: { qualifier: 'ZZ', id: 'US' },
    receiver: { qualifier: 'ZZ', id: 'THEM' },
    controlNumber: 1,
    now: new Date('2026-01-02T03:04:00Z'),
  };
  /** The document as bytes of `target`, through the same envelope and text fitting as the CLI's. */
  const bytesOf = (doc: unknown, kind: NonNullable<ReturnType<typeof documentFor>>, target: Standard): Buffer => {
    const message = { type: kind[target].type, version: kind[target].version, body: kind[target].write(doc) };
    const ic =
      target === 'x12'
        ? x12Interchange([message], { ...env, functionalId: kind.x12.functionalId })
        : edifactInterchange([message], env);
    return write(applyOutboundSettings(ic, undefined));
  };
  return async () => {
    let transactions = 0;
    let segments = 0;
    let errors = 0;
    for (const file of job.files) {
      if (src.stopped) break;
      for await (const ev of parseStream(src.read(file), { level: 'full', profiles })) {
        if (ev.kind !== 'transaction') continue;
        const tx = ev.transaction;
        const from = ev.interchange.standard;
        const to: Standard = from === 'x12' ? 'edifact' : 'x12';
        const kind = documentFor(from, tx.type);
        if (!kind) continue;
        try {
          const there = bytesOf(kind[from].read(tx), kind, to);
          const [back] = parseBuffer(there, { level: 'full', profiles }).interchanges[0].groups[0].transactions;
          const again = bytesOf(kind[to].read(back), kind, from);
          segments += tx.segmentCount;
          if (again.length === 0) throw new Error('nothing written');
          transactions++;
        } catch {
          errors++;
        }
      }
    }
    return { transactions, segments, errors };
  };
}

/** node-x12's Transform stream (non-strict: strict throws on every chunk, see docs/bench.md). */
async function nodeX12Stream(job: Job, src: Source): Promise<Work> {
  const { X12Parser } = await import('node-x12');
  return async () => {
    let transactions = 0;
    let segments = 0;
    for (const file of job.files) {
      if (src.stopped) break;
      // A new parser per file: it detects the delimiters once, from the first ISA it sees.
      const parser = new X12Parser(false);
      await pipeline(src.read(file), parser, async (source: AsyncIterable<{ tag: string }>) => {
        for await (const seg of source) {
          segments++;
          if (seg.tag === 'ST') transactions++;
        }
      });
    }
    return { transactions, segments };
  };
}

/** node-x12's whole-string parse (strict), on the first sliceBytes of the file. */
async function nodeX12Parse(job: Job): Promise<Work> {
  const { X12Parser, X12FatInterchange } = await import('node-x12');
  return async () => {
    const bytes = job.sliceBytes ?? statSync(job.files[0]).size;
    const text = readFileSync(job.files[0]).subarray(0, bytes).toString('utf8');
    const result = new X12Parser(true).parse(text);
    const interchanges = result instanceof X12FatInterchange ? result.interchanges : [result];
    let transactions = 0;
    let segments = 0;
    for (const ic of interchanges) {
      segments += 2;
      for (const g of ic.functionalGroups) {
        segments += 2;
        for (const t of g.transactions) {
          transactions++;
          segments += t.segments.length + 2;
        }
      }
    }
    return { transactions, segments, bytes };
  };
}

/**
 * The `edifact` package's streaming Parser (UNOC, callbacks set on the instance as its README
 * advises for speed). It reads one interchange: its UNA is only recognised at the very start, so
 * a fresh Parser is started at each UNA found between segments (indexOf on the decoded chunk).
 * Chunks are cut so that no write ends on a release character or inside a UNA.
 */
async function edifactPackage(job: Job, src: Source): Promise<Work> {
  const { default: Parser } = await import('edifact/parser.js');
  return async () => {
    let transactions = 0;
    let segments = 0;
    let components = 0;
    const fresh = () => {
      const p = new Parser();
      p.encoding('UNOC');
      p.onopensegment = (name: string) => {
        segments++;
        if (name === 'UNH') transactions++;
      };
      p.onelement = () => {};
      p.oncomponent = () => {
        components++;
      };
      p.onclosesegment = () => {};
      return p;
    };
    for (const file of job.files) {
      let parser: InstanceType<typeof Parser> | undefined;
      let carry = '';
      let prev = '\n';
      const feed = (text: string) => {
        let from = 0;
        let at = text.indexOf('UNA', 0);
        while (at >= 0) {
          const before = at === 0 ? prev : text[at - 1];
          if (before === "'" || before === '\n' || before === '\r') {
            if (at > from) parser?.write(text.slice(from, at));
            parser?.end();
            parser = fresh();
            from = at;
          }
          at = text.indexOf('UNA', at + 3);
        }
        if (from < text.length) {
          if (!parser) parser = fresh();
          parser.write(text.slice(from));
        }
        if (text.length) prev = text[text.length - 1];
      };
      for await (const chunk of src.read(file)) {
        const text = carry + chunk.toString('latin1');
        // Hold back a tail that could be the start of a UNA (or an unfinished UNA header), so that a
        // UNA split across chunks is still seen whole.
        let cut = text.length;
        for (let i = Math.max(0, text.length - 9); i < text.length; i++) {
          if (text[i] === 'U' && 'UNA'.startsWith(text.slice(i, i + 3))) {
            cut = i;
            break;
          }
        }
        // Never end a write on a release character: the package reads the released character from
        // the same write and loses it when it is not there (then `?'` across writes ends the segment).
        // Every interchange here uses '?' as its release character.
        let releases = 0;
        while (cut - releases > 0 && text[cut - releases - 1] === '?') releases++;
        if (releases % 2 === 1) cut--;
        carry = text.slice(cut);
        feed(text.slice(0, cut));
      }
      if (src.stopped) break;
      feed(carry);
      parser?.end();
    }
    if (components === 0) throw new Error('no components read');
    return { transactions, segments };
  };
}

async function prepare(job: Job, src: Source): Promise<Work> {
  switch (job.kind) {
    case 'ceiling-utf8':
      return ceiling(job, src, 'utf-8');
    case 'ceiling-latin1':
      return ceiling(job, src, 'latin1');
    case 'ours-envelope':
      return ours(job, src, 'envelope', false);
    case 'ours-canonical':
      return ours(job, src, 'full', false);
    case 'ours-full':
      return ours(job, src, 'full', true);
    case 'ours-translate':
      return oursTranslate(job, src);
    case 'node-x12-stream':
      return nodeX12Stream(job, src);
    case 'node-x12-parse':
      return nodeX12Parse(job);
    case 'edifact-package':
      return edifactPackage(job, src);
    case 'store-jobs':
    case 'store-records':
      throw new Error(`${job.kind} runs through storeRow (bench/store.ts)`);
    case 'pipeline-e2e':
      throw new Error(`${job.kind} runs through pipelineRow (bench/pipeline.ts)`);
    case 'sftp-files':
    case 'sftp-big':
      throw new Error(`${job.kind} runs through sftpRow (bench/sftp.ts)`);
    case 'as2-receive':
    case 'as2-bound':
      throw new Error(`${job.kind} runs through as2Row (bench/as2.ts)`);
    case 'large-envelope':
    case 'large-full':
    case 'large-e2e':
      throw new Error(`${job.kind} runs through largeRow (bench/large.ts)`);
    case 'cli-read':
    case 'cli-command':
      throw new Error(`${job.kind} runs through cliRow (bench/cli.ts)`);
  }
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  let result: WorkerResult;
  try {
    if (job.suite === 'store') {
      // Store rows time themselves (and fork their own queue workers): see store.ts.
      const { storeRow } = await import('./store');
      result = await storeRow(job);
    } else if (job.suite === 'pipeline') {
      // Pipeline rows run the real gateway and time it themselves: see pipeline.ts.
      const { pipelineRow } = await import('./pipeline');
      result = await pipelineRow(job);
    } else if (job.suite === 'sftp') {
      // sftp rows run the real gateway (or OpenSSH's sshd) and OpenSSH clients: see sftp.ts.
      const { sftpRow } = await import('./sftp');
      result = await sftpRow(job);
    } else if (job.suite === 'large') {
      // The large-file rows: the parser over one big file, and the real gateway processing it: see large.ts.
      const { largeRow } = await import('./large');
      result = await largeRow(job);
    } else if (job.suite === 'as2') {
      // as2 rows run the real gateway (or the libas2 receiver) and a load process: see as2.ts.
      const { as2Row } = await import('./as2');
      result = await as2Row(job);
    } else if (job.suite === 'cli') {
      // cli rows run the real CLI as a child process and read its peak RSS: see cli.ts.
      const { cliRow } = await import('./cli');
      result = await cliRow(job);
    } else {
      result = await parserRow(job);
    }
  } catch (e) {
    const err = e as Error;
    result = { ok: false, bytes: 0, seconds: 0, peakRssMb: peakRssMb(), error: `${err.name}: ${err.message}` };
  }
  if (process.send) {
    process.send(result, () => process.exit(0));
  } else {
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0);
  }
}

async function parserRow(job: Job): Promise<WorkerResult> {
  const src = new Source(job.budgetSeconds);
  const work = await prepare(job, src);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  src.start();
  const counted = await work();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // CPU time (this process, its GC threads included): on a shared machine the steadier figure.
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const { bytes, ...rest } = counted;
  const read = bytes ?? (src.stopped ? src.bytes : totalBytes(job.files));
  const result: WorkerResult = {
    ok: true,
    bytes: read,
    seconds,
    ...rest,
    peakRssMb: peakRssMb(),
    notes: [`${(read / (1 << 20) / cpuSeconds).toFixed(1)} MB per CPU-second`],
  };
  // The translate rows are about documents: what one costs in CPU is the figure to compare across runs.
  if (job.kind === 'ours-translate' && counted.transactions)
    result.notes?.push(`${(counted.transactions / cpuSeconds).toFixed(0)} documents per CPU-second`);
  if (src.stopped) {
    result.stoppedEarly = true;
    result.totalBytes = totalBytes(job.files);
  }
  return result;
}

void main();
