/**
 * `node dist/bench/losses.js`: what the loss check (src/canonical/losses.ts) costs per transaction set,
 * beside the translation it checks, in this process (it is CPU work, no I/O):
 *
 *   translate   one read of the set and one write of the target (what `translate` and a route do anyway)
 *   check       translationLosses from scratch, as for the first set of its shape
 *   check again the same set once more, with the verdicts of its first check kept (`VerdictCache`), as for
 *               the next set of a partner who sends the same shape
 *
 * over every X12 850/810/856/855 and EDIFACT ORDERS/INVOIC/DESADV/ORDRSP set of the clean corpus
 * (../shared/corpus or EDIGW_SHARED_DIR/corpus), and over an 850 of BENCH_LOSSES_LINES PO1 loops (default
 * 200, the size of a VICS store order) built from the corpus's node-x12 850. Each figure is the best of
 * BENCH_LOSSES_RUNS (default 5) runs, in CPU milliseconds (the machine is shared: wall time says little).
 * `--json` prints the rows as JSON.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseBuffer } from '../src/edi/parse';
import type { Interchange, Transaction } from '../src/edi/model';
import { builtInProfiles } from '../src/config/profiles';
import { type DocumentKind, documentFor } from '../src/canonical';
import { standardTranslation, translationLosses, VerdictCache } from '../src/canonical/losses';

const profiles = builtInProfiles().set;
const corpus = join(resolve(process.env.EDIGW_SHARED_DIR ?? join(__dirname, '../../../shared')), 'corpus');
const RUNS = Number(process.env.BENCH_LOSSES_RUNS ?? 5);
const LINES = Number(process.env.BENCH_LOSSES_LINES ?? 200);

interface Case {
  name: string;
  ic: Interchange;
  tx: Transaction;
  kind: DocumentKind;
}

function casesOf(name: string, bytes: Buffer): Case[] {
  const out: Case[] = [];
  for (const ic of parseBuffer(bytes, { level: 'full', profiles }).interchanges)
    for (const tx of ic.groups.flatMap((g) => g.transactions)) {
      const kind = documentFor(ic.standard, tx.type);
      if (kind) out.push({ name: `${name} ${tx.type} ${tx.controlNumber}`, ic, tx, kind });
    }
  return out;
}

/** The node-x12 850 with its PO1 loops repeated up to `lines` lines, numbered on. */
function bigOrder(lines: number): Buffer {
  const text = readFileSync(join(corpus, 'x12', 'node-x12__test-data_850.edi'), 'latin1');
  const segs = text.split('~').map((s) => s.replace(/^\s+/, ''));
  const first = segs.findIndex((s) => s.startsWith('PO1*'));
  const ctt = segs.findIndex((s) => s.startsWith('CTT*'));
  const loops: string[][] = [];
  for (const s of segs.slice(first, ctt)) {
    if (s.startsWith('PO1*')) loops.push([]);
    loops[loops.length - 1].push(s);
  }
  const body: string[] = [];
  for (let n = 0; n < lines; n++)
    body.push(...loops[n % loops.length].map((s, k) => (k === 0 ? s.replace(/^PO1\*[^*]*/, `PO1*${n + 1}`) : s)));
  const st = segs.findIndex((s) => s.startsWith('ST*'));
  const se = segs.findIndex((s) => s.startsWith('SE*'));
  const all = [...segs.slice(st, first), ...body, `CTT*${lines}`];
  const control = segs[st].split('*')[2];
  return Buffer.from(
    [...segs.slice(0, st), ...all, `SE*${all.length + 1}*${control}`, ...segs.slice(se + 1)].join('~'),
    'latin1',
  );
}

async function cpu(f: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = process.cpuUsage();
    await f();
    const d = process.cpuUsage(t);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  return best;
}

async function main(): Promise<void> {
  const cases: Case[] = [];
  for (const sub of ['x12', 'edifact'])
    for (const f of readdirSync(join(corpus, sub)).sort()) {
      try {
        cases.push(...casesOf(`${sub}/${f}`, readFileSync(join(corpus, sub, f))));
      } catch {
        // not X12 or EDIFACT: not a case
      }
    }
  cases.push(...casesOf(`generated 850, ${LINES} PO1 loops`, bigOrder(LINES)));
  const rows: Array<{
    set: string;
    segments: number;
    losses: number;
    translate: number;
    check: number;
    again: number;
  }> = [];
  for (const c of cases) {
    const target = c.ic.standard === 'x12' ? 'edifact' : 'x12';
    const translate = standardTranslation(c.kind, c.ic.standard, target);
    const source = {
      standard: c.ic.standard,
      tx: c.tx,
      profiles,
      ...(c.ic.syntax.decimal ? { decimal: c.ic.syntax.decimal } : {}),
    };
    const name = `${target === 'x12' ? 'X12' : 'EDIFACT'} ${c.kind[target].type}`;
    const once = await cpu(() => translate(c.tx));
    let losses = 0;
    const check = await cpu(async () => {
      losses = (await translationLosses(source, translate, name)).length;
    });
    const cache = new VerdictCache();
    await translationLosses({ ...source, verdicts: cache }, translate, name);
    const again = await cpu(() => translationLosses({ ...source, verdicts: cache }, translate, name));
    rows.push({ set: c.name, segments: c.tx.segments.length, losses, translate: once, check, again });
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ runs: RUNS, rows }, null, 2) + '\n');
    return;
  }
  const w = Math.max(...rows.map((r) => r.set.length));
  const ms = (n: number) => n.toFixed(1).padStart(8);
  process.stdout.write(
    `${'set'.padEnd(w)}  segs  losses  translate     check  check again   (CPU ms, best of ${RUNS})\n`,
  );
  for (const r of rows)
    process.stdout.write(
      `${r.set.padEnd(w)}  ${String(r.segments).padStart(4)}  ${String(r.losses).padStart(6)}  ${ms(r.translate)}  ${ms(r.check)}  ${ms(r.again)}\n`,
    );
  const sum = (k: 'translate' | 'check' | 'again') => rows.reduce((n, r) => n + r[k], 0);
  process.stdout.write(
    `${'all'.padEnd(w)}  ${''.padStart(4)}  ${''.padStart(6)}  ${ms(sum('translate'))}  ${ms(sum('check'))}  ${ms(sum('again'))}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
