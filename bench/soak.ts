/**
 * `npm run soak -- --minutes 30 [--db sqlite|mariadb] [--rate 20] [--warmup M] [--json] [--heap]`:
 * steady AS2 + SFTP load (bench/rig.ts) at a fixed rate on one gateway node for the given minutes, the
 * gateway's VmRSS sampled every 10 s from /proc/<pid>/status. Exits 1 when RSS after the warm-up rises
 * more than `--limit` MB (50) above what it was at the end of the warm-up, or when a message that got
 * its receipt was not delivered.
 *
 * `--heap`: the gateway runs with --heapsnapshot-signal=SIGUSR2 and takes a heap snapshot at the end of
 * the warm-up and at the end of the load; the report lists the constructors whose live count and size
 * grew most between the two (what a leak would be made of).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './pipeline';
import { Load, missingPeers, setUp, Sink, vmRssMb, within } from './rig';
import { scratch } from './store';

export interface SoakOptions {
  db: 'sqlite' | 'mariadb';
  minutes: number;
  /** Messages per second (AS2 and SFTP alternately). */
  rate: number;
  /** Minutes of warm-up before the baseline; default a fifth of the run, at most 3. */
  warmup?: number;
  /** Growth after the warm-up that fails the run, MB. */
  limitMb: number;
  sampleSeconds: number;
  heap: boolean;
  keep?: boolean;
  log?: (line: string) => void;
}

export interface Sample {
  at: number;
  rssMb: number;
  sent: number;
  receipts: number;
  delivered: number;
}

export interface HeapGrowth {
  name: string;
  count: [number, number];
  sizeMb: [number, number];
}

export interface SoakResult {
  ok: boolean;
  options: SoakOptions;
  samples: Sample[];
  baselineMb: number;
  peakAfterWarmupMb: number;
  growthMb: number;
  /** Least-squares slope of RSS after the warm-up, MB per minute. */
  slopeMbPerMin: number;
  sent: number;
  receipts: number;
  delivered: number;
  lost: number;
  heap?: HeapGrowth[];
  failures: string[];
}

export const SOAK_DEFAULTS: SoakOptions = {
  db: 'sqlite',
  minutes: 30,
  rate: 10,
  limitMb: 50,
  sampleSeconds: 10,
  heap: false,
};

/** Live objects per constructor in a V8 heap snapshot: count and self size. */
export function heapSummary(file: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]];
    // Strings, code and numbers by their type; objects and closures by their constructor/function name.
    const key =
      type === 'object' || type === 'closure' || type === 'native'
        ? `${type}:${snap.strings[snap.nodes[i + iName]]}`
        : `(${type})`;
    const e = out.get(key) ?? { count: 0, size: 0 };
    e.count++;
    e.size += snap.nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}

function heapDiff(a: string, b: string, top = 15): HeapGrowth[] {
  const x = heapSummary(a);
  const y = heapSummary(b);
  const rows: HeapGrowth[] = [];
  for (const [name, e] of y) {
    const before = x.get(name) ?? { count: 0, size: 0 };
    rows.push({ name, count: [before.count, e.count], sizeMb: [before.size / 1048576, e.size / 1048576] });
  }
  return rows.sort((p, q) => q.sizeMb[1] - q.sizeMb[0] - (p.sizeMb[1] - p.sizeMb[0])).slice(0, top);
}

/** Sends SIGUSR2 and waits until a new .heapsnapshot file in `dir` stops growing. */
async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir).filter((n) => n.endsWith('.heapsnapshot')));
  process.kill(pid, 'SIGUSR2');
  const end = Date.now() + 180_000;
  let last = -1;
  while (Date.now() < end) {
    await sleep(1000);
    const name = readdirSync(dir).find((n) => n.endsWith('.heapsnapshot') && !before.has(n));
    if (!name) continue;
    const size = statSync(join(dir, name)).size;
    if (size > 0 && size === last) return join(dir, name);
    last = size;
  }
  throw new Error('no heap snapshot within 180 s of SIGUSR2');
}

function slope(points: Array<[number, number]>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den ? num / den : 0;
}

export async function soak(options: Partial<SoakOptions>): Promise<SoakResult> {
  const o: SoakOptions = { ...SOAK_DEFAULTS, ...options };
  const warmupMin = o.warmup ?? Math.min(3, o.minutes / 5);
  const log = o.log ?? (() => undefined);
  const missing = missingPeers();
  if (missing) throw new Error(missing);
  const failures: string[] = [];
  const db = await scratch(o.db);
  const sink = new Sink();
  await sink.start();
  const [node] = await setUp(
    {
      dir: db.dir,
      url: db.url,
      driver: o.db,
      nodes: 1,
      processes: 1,
      nodeArgs: o.heap ? ['--heapsnapshot-signal=SIGUSR2'] : [],
    },
    sink,
  );
  let load: Load | undefined;
  const samples: Sample[] = [];
  const snapshots: string[] = [];
  try {
    await node.start(90_000);
    const pid = node.pid!;
    load = new Load(db.dir, [node], {
      rate: o.rate,
      channels: ['as2', 'sftp'],
      inFlight: 4,
      base: 100_000_000,
      payloadBytes: 2048,
      requestTimeoutMs: 30_000,
    });
    const t0 = Date.now();
    const warmEnd = t0 + warmupMin * 60_000;
    const end = t0 + o.minutes * 60_000;
    load.start();
    log(
      `soak: ${o.db}, ${o.minutes} min at ${o.rate} msg/s (AS2 + SFTP), warm-up ${warmupMin.toFixed(1)} min, gateway pid ${pid}, folder ${db.dir}`,
    );
    let baselineTaken = false;
    let baselineAt = 0;
    while (Date.now() < end) {
      await sleep(Math.min(o.sampleSeconds * 1000, Math.max(0, end - Date.now())));
      if (!node.running)
        throw new Error(`the gateway exited during the soak (${node.child?.exitCode ?? node.child?.signalCode})`);
      const rss = vmRssMb(pid) ?? NaN;
      const s: Sample = {
        at: (Date.now() - t0) / 1000,
        rssMb: rss,
        sent: load.sent.length,
        receipts: load.sent.filter((x) => x.receipt).length,
        delivered: sink.count,
      };
      samples.push(s);
      log(
        `${s.at.toFixed(0).padStart(6)} s  RSS ${rss.toFixed(1).padStart(7)} MB  sent ${s.sent}  receipts ${s.receipts}  delivered ${s.delivered}`,
      );
      if (o.heap && !baselineTaken && Date.now() >= warmEnd) {
        baselineTaken = true;
        snapshots.push(await snapshot(pid, db.dir));
        baselineAt = Date.now() - t0;
        log(`  heap snapshot (warm-up end): ${snapshots[0]}`);
      }
    }
    if (o.heap) {
      snapshots.push(await snapshot(pid, db.dir));
      log(`  heap snapshot (end): ${snapshots[snapshots.length - 1]}`);
    }
    await load.stop();
    // Let the backlog through: until everything with a receipt is delivered, or nothing more arrives for 60 s.
    const receipted = load.sent.filter((x) => x.receipt);
    let progress = { count: sink.count, at: Date.now() };
    while (
      receipted.some((x) => !sink.arrivals.has(`PO${String(x.icn).padStart(9, '0')}`)) &&
      Date.now() - progress.at < 60_000
    ) {
      await sleep(1000);
      if (sink.count !== progress.count) progress = { count: sink.count, at: Date.now() };
    }
    const stop = await node.stop(30_000);
    if (stop.killed) failures.push('the gateway did not stop within 30 s of SIGTERM');

    // Taking a heap snapshot itself raises RSS for good (V8 builds the whole graph in native memory):
    // with --heap the baseline is the first sample after the first snapshot.
    const from = o.heap && baselineAt ? baselineAt : warmEnd - t0;
    const after = samples.filter((s) => s.at * 1000 >= from);
    const baseline = after[0]?.rssMb ?? NaN;
    const peak = Math.max(...after.map((s) => s.rssMb));
    const growth = peak - baseline;
    const lost = receipted.filter((x) => !sink.arrivals.has(`PO${String(x.icn).padStart(9, '0')}`)).length;
    if (after.length < 2) failures.push('too few samples after the warm-up to judge');
    if (growth > o.limitMb)
      failures.push(
        `RSS grew ${growth.toFixed(1)} MB after the warm-up (${baseline.toFixed(1)} → peak ${peak.toFixed(1)} MB), more than ${o.limitMb} MB`,
      );
    if (lost) failures.push(`${lost} message(s) with a receipt not delivered`);
    const failedSends = load.sent.length - receipted.length;
    if (failedSends)
      failures.push(`${failedSends} send(s) got no receipt (e.g. ${load.sent.find((x) => !x.receipt)?.error ?? '?'})`);
    let heap: HeapGrowth[] | undefined;
    if (snapshots.length === 2)
      heap = await within(
        Promise.resolve().then(() => heapDiff(snapshots[0], snapshots[1])),
        600_000,
        'reading the heap snapshots',
      );
    return {
      ok: failures.length === 0,
      options: o,
      samples,
      baselineMb: baseline,
      peakAfterWarmupMb: peak,
      growthMb: growth,
      slopeMbPerMin: slope(after.map((s) => [s.at / 60, s.rssMb])),
      sent: load.sent.length,
      receipts: receipted.length,
      delivered: sink.count,
      lost,
      heap,
      failures,
    };
  } finally {
    await load?.stop().catch(() => undefined);
    if (node.running) await node.kill();
    node.close();
    await sink.stop();
    if (!o.keep) {
      for (const f of snapshots) if (existsSync(f)) rmSync(f);
      await db.drop().catch(() => rmSync(db.dir, { recursive: true, force: true }));
    }
  }
}

export function formatSoak(r: SoakResult): string {
  const lines = [
    `soak: ${r.options.db}, ${r.options.minutes} min at ${r.options.rate} msg/s: ${r.sent} sent, ${r.receipts} receipts, ` +
      `${r.delivered} delivered, ${r.lost} lost`,
    '     s   RSS MB    sent  delivered',
    ...r.samples.map(
      (s) =>
        `${s.at.toFixed(0).padStart(6)} ${s.rssMb.toFixed(1).padStart(8)} ${String(s.sent).padStart(7)} ${String(s.delivered).padStart(10)}`,
    ),
    `after the warm-up: baseline ${r.baselineMb.toFixed(1)} MB, peak ${r.peakAfterWarmupMb.toFixed(1)} MB, ` +
      `growth ${r.growthMb.toFixed(1)} MB (limit ${r.options.limitMb}), slope ${r.slopeMbPerMin.toFixed(2)} MB/min`,
  ];
  if (r.heap) {
    lines.push('heap growth between the snapshots (warm-up end → end), by self size:');
    for (const h of r.heap)
      lines.push(
        `  ${h.name.slice(0, 60).padEnd(60)} ${String(h.count[0]).padStart(8)} → ${String(h.count[1]).padStart(8)}  ` +
          `${h.sizeMb[0].toFixed(2).padStart(8)} → ${h.sizeMb[1].toFixed(2).padStart(8)} MB`,
      );
  }
  lines.push(...r.failures.map((f) => `FAIL: ${f}`), r.ok ? 'OK' : 'NOT OK');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const o: Partial<SoakOptions> = {};
  let json = false;
  const argv = process.argv.slice(2);
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      const num = () => {
        const x = Number(argv[++i]);
        if (!Number.isFinite(x) || x <= 0) throw new Error(`${a} needs a positive number`);
        return x;
      };
      if (a === '--minutes') o.minutes = num();
      else if (a === '--rate') o.rate = num();
      else if (a === '--warmup') o.warmup = num();
      else if (a === '--limit') o.limitMb = num();
      else if (a === '--db') {
        const d = argv[++i];
        if (d !== 'sqlite' && d !== 'mariadb') throw new Error('--db is sqlite or mariadb');
        o.db = d;
      } else if (a === '--heap') o.heap = true;
      else if (a === '--keep') o.keep = true;
      else if (a === '--json') json = true;
      else throw new Error(`unknown option ${a}`);
    }
  } catch (e) {
    process.stderr.write(
      `${(e as Error).message}\nusage: npm run soak -- --minutes N [--db sqlite|mariadb] [--rate MSG/S] ` +
        `[--warmup MIN] [--limit MB] [--heap] [--keep] [--json]\n`,
    );
    process.exit(2);
  }
  const r = await soak({ ...o, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${json ? JSON.stringify(r, null, 2) : formatSoak(r)}\n`);
  process.exit(r.ok ? 0 : 1);
}

if (require.main === module) void main();
