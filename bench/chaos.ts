/**
 * `npm run chaos -- --db sqlite|mariadb --kills N [--nodes 2] [--seed S]`: the promise "every message
 * that got a positive receipt is stored and delivered" tested the way an operator breaks it. Load goes
 * at the real gateway over AS2, SFTP and the admin API (bench/rig.ts), the gateway is `kill -9`'d at
 * random (seeded) moments and started again, then the load stops, the gateway drains (no job queued or
 * running), and every message is looked for in the store, at the HTTP sink and among the 997s.
 *
 * Failures (exit 1): a receipt given for a message not stored or not delivered (lost); a message stored
 * without a receipt that was never delivered (stuck); a document delivered twice where no kill fell
 * between the two copies (the gateway could have known); an interchange recorded twice; an outbound
 * ISA13 used twice for the partner; a 997 missing; worker processes left behind by a kill (orphans);
 * a node that does not come back (start or /health) within the bound; no drain within the bound; the
 * whole run past its hard timeout. A copy delivered twice with a kill between the copies is allowed:
 * the gateway died after the endpoint took the document and before it recorded that, so it cannot know;
 * those are counted apart.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from './gen';
import { sleep } from './pipeline';
import {
  CHANNELS,
  type Channel,
  fileOf,
  gatewayProcesses,
  type GatewayNode,
  Load,
  missingPeers,
  poOf,
  type Sent,
  setUp,
  Sink,
  within,
} from './rig';
import { scratch, type Scratch } from './store';

/** How long a worker process whose gateway died may take to stop by itself (it gives its jobs up after 30 s). */
const ORPHAN_GRACE_MS = 35_000;

export interface ChaosOptions {
  db: 'sqlite' | 'mariadb';
  kills: number;
  nodes: number;
  seed: number;
  /** gateway.yaml `processes` of each node (default: 2 on MariaDB, 1 on SQLite). */
  processes?: number;
  /** Messages per second over all channels. */
  rate: number;
  /** Up time between kills, seconds: uniform in [min, max]. */
  upSeconds: [number, number];
  /** Hard bound of the whole run, seconds (default from the kills). */
  timeoutSeconds?: number;
  /** Bound of the drain after the load stops, seconds (a killed node's leases run 60 s). */
  drainSeconds: number;
  /** Bound of a (re)start until /health answers, seconds. */
  startSeconds: number;
  keep?: boolean;
  log?: (line: string) => void;
}

export const DEFAULTS: ChaosOptions = {
  db: 'sqlite',
  kills: 8,
  nodes: 1,
  seed: 1,
  rate: 20,
  upSeconds: [4, 12],
  drainSeconds: 240,
  startSeconds: 90,
};

export interface ChannelCounts {
  sent: number;
  receipts: number;
  stored: number;
  delivered: number;
  twice: number;
  explained: number;
  lost: number;
  storedNoReceipt: number;
  stuck: number;
}

export interface ChaosResult {
  ok: boolean;
  options: ChaosOptions;
  seconds: number;
  killsDone: number;
  byChannel: Record<Channel, ChannelCounts>;
  total: ChannelCounts;
  acks: { expected: number; files: number; missing: number; duplicateControlNumbers: number; twice: number };
  /** Every failure, one line each. */
  failures: string[];
  /** Lines that explain what was allowed (duplicates the gateway could not know of). */
  notes: string[];
  orphans: number;
  errorLogLines: number;
  dir?: string;
}

const empty = (): ChannelCounts => ({
  sent: 0,
  receipts: 0,
  stored: 0,
  delivered: 0,
  twice: 0,
  explained: 0,
  lost: 0,
  storedNoReceipt: 0,
  stuck: 0,
});

export interface StoreFacts {
  /** File name → inbound message rows (AS2, SFTP and admin all carry po-<ISA13>.x12). */
  messages: Map<string, number>;
  /** Tracked PO → inbound transaction rows. */
  transactions: Map<string, number>;
  /** Inbound ISA13 → interchange rows. */
  interchanges: Map<string, number>;
  /** Outbound ISA13 used more than once for one partner. */
  outboundDuplicates: Array<{ partner: string; control: string; n: number }>;
  /** Jobs not done, by kind:status. */
  open: Record<string, number>;
  dead: Array<{ kind: string; error: string }>;
}

async function openStore(url: string) {
  const { Store } = await import('../src/store/store');
  const { quote } = await import('../src/store/sql');
  const store = await Store.open(url, { payloads: 'database' });
  const q = (n: string) => quote(store.driver, n);
  return { store, q };
}

/** Jobs queued or running (the recurring maintenance jobs aside). */
async function openJobs(url: string): Promise<number> {
  const { store, q } = await openStore(url);
  try {
    const [r] = await store.query<Array<{ n: number | string }>>(
      `SELECT COUNT(*) AS n FROM ${q('job')} WHERE status IN ('queued', 'running') AND kind NOT LIKE 'maintenance%'`,
    );
    return Number(r.n);
  } finally {
    await store.close();
  }
}

async function storeFacts(url: string): Promise<StoreFacts> {
  const { store, q } = await openStore(url);
  try {
    const count = async (sql: string) =>
      new Map(
        (await store.query<Array<{ k: string; n: number | string }>>(sql)).map((r) => [String(r.k), Number(r.n)]),
      );
    const messages = await count(
      `SELECT fileName AS k, COUNT(*) AS n FROM ${q('message')} WHERE direction = 'in' GROUP BY fileName`,
    );
    const transactions = await count(
      `SELECT reference AS k, COUNT(*) AS n FROM ${q('edi_transaction')} WHERE direction = 'in' GROUP BY reference`,
    );
    const interchanges = await count(
      `SELECT controlNumber AS k, COUNT(*) AS n FROM ${q('interchange')} WHERE direction = 'in' GROUP BY controlNumber`,
    );
    const outboundDuplicates = (
      await store.query<Array<{ p: string; c: string; n: number | string }>>(
        `SELECT partnerId AS p, controlNumber AS c, COUNT(*) AS n FROM ${q('interchange')} WHERE direction = 'out' ` +
          `GROUP BY partnerId, controlNumber HAVING COUNT(*) > 1`,
      )
    ).map((r) => ({ partner: r.p, control: r.c, n: Number(r.n) }));
    const open = Object.fromEntries(
      (
        await store.query<Array<{ k: string; s: string; n: number | string }>>(
          `SELECT kind AS k, status AS s, COUNT(*) AS n FROM ${q('job')} WHERE status <> 'done' AND kind NOT LIKE 'maintenance%' GROUP BY kind, status`,
        )
      ).map((r) => [`${r.k}:${r.s}`, Number(r.n)]),
    );
    const dead = (
      await store.query<Array<{ kind: string; lastError: string | null }>>(
        `SELECT kind, lastError FROM ${q('job')} WHERE status = 'dead' AND kind NOT LIKE 'maintenance%'`,
      )
    ).map((r) => ({ kind: r.kind, error: (r.lastError ?? '').slice(0, 200) }));
    return { messages, transactions, interchanges, outboundDuplicates, open, dead };
  } finally {
    await store.close();
  }
}

export interface AckFacts {
  files: number;
  byGroup: Map<string, number[]>;
  controlNumbers: Map<string, Set<string>>;
}

/** The 997 files the `file` endpoint wrote: per acknowledged group (AK102, our ISA13 = GS06 there) their mtimes, and each file's own ISA13. */
function ackFacts(dir: string): AckFacts {
  const out: AckFacts = { files: 0, byGroup: new Map(), controlNumbers: new Map() };
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch {
    return out;
  }
  for (const name of names) {
    const text = readFileSync(join(dir, name), 'latin1');
    const el = text[3];
    const isa13 = text.split(el)[13];
    out.files++;
    const ak1 = new RegExp(`AK1\\${el}PO\\${el}(\\d+)`).exec(text);
    // The same 997 written twice keeps its ISA13; one ISA13 on 997s of different groups is a reuse.
    const groups = out.controlNumbers.get(isa13) ?? new Set<string>();
    groups.add(ak1?.[1] ?? name);
    out.controlNumbers.set(isa13, groups);
    if (ak1) {
      const list = out.byGroup.get(ak1[1]) ?? [];
      list.push(statSync(join(dir, name)).mtimeMs);
      out.byGroup.set(ak1[1], list);
    }
  }
  return out;
}

/** Whether a kill fell between the first and the last of `times` (a copy the gateway could not know it had sent). */
const killBetween = (times: number[], kills: number[]) => {
  const first = Math.min(...times);
  const last = Math.max(...times);
  return kills.some((k) => k >= first - 250 && k <= last);
};

interface Accounting {
  byChannel: Record<Channel, ChannelCounts>;
  total: ChannelCounts;
  acks: ChaosResult['acks'];
  failures: string[];
  notes: string[];
}

/** Every message sent looked for in the store, at the sink and among the 997s; what failed and what was allowed. */
export function account(
  sent: Sent[],
  facts: StoreFacts,
  acks: AckFacts,
  arrivalsOf: Map<string, number[]>,
  badDocuments: number,
  kills: number[],
): Accounting {
  const failures: string[] = [];
  const notes: string[] = [];
  const fail = (line: string) => failures.push(line);
  const byChannel = Object.fromEntries(CHANNELS.map((c) => [c, empty()])) as Record<Channel, ChannelCounts>;
  const total = empty();
  const lostSamples: string[] = [];
  let unexplained = 0;
  const unexplainedSamples: string[] = [];
  const acksUnexplained: string[] = [];
  /** For each explained duplicate, how long before the kill its first copy arrived, ms. */
  const gaps: number[] = [];
  let acksExpected = 0;
  let acksMissing = 0;
  let acksTwice = 0;
  const seen = new Set<string>();
  for (const s of sent) {
    const po = poOf(s.icn);
    seen.add(po);
    const c = byChannel[s.channel];
    const stored =
      (facts.messages.get(fileOf(s.icn)) ?? 0) > 0 || (facts.interchanges.get(String(s.icn).padStart(9, '0')) ?? 0) > 0;
    const arrivals = arrivalsOf.get(po) ?? [];
    const delivered = arrivals.length > 0;
    const add = (k: keyof ChannelCounts) => {
      c[k]++;
      total[k]++;
    };
    add('sent');
    if (s.receipt) add('receipts');
    if (stored) add('stored');
    if (delivered) add('delivered');
    if (arrivals.length > 1) {
      add('twice');
      if (killBetween(arrivals, kills)) {
        add('explained');
        const first = Math.min(...arrivals);
        gaps.push(Math.min(...kills.filter((k) => k >= first - 250).map((k) => k - first)));
      } else {
        unexplained++;
        if (unexplainedSamples.length < 5) unexplainedSamples.push(`${po} (${s.channel}) ×${arrivals.length}`);
      }
    }
    if (s.receipt && (!stored || !delivered)) {
      add('lost');
      if (lostSamples.length < 10)
        lostSamples.push(
          `${po} (${s.channel} via node ${s.node}): ${stored ? 'stored, never delivered' : 'not stored'}`,
        );
    }
    if (!s.receipt && stored) add('storedNoReceipt');
    if (!s.receipt && stored && !delivered) add('stuck');
    if ((facts.transactions.get(po) ?? 0) > 1)
      fail(`${po}: ${facts.transactions.get(po)} inbound transaction rows (processed twice)`);
    if ((facts.interchanges.get(String(s.icn).padStart(9, '0')) ?? 0) > 1)
      fail(`ISA13 ${s.icn}: ${facts.interchanges.get(String(s.icn).padStart(9, '0'))} inbound interchange rows`);
    if (stored) {
      acksExpected++;
      const a = acks.byGroup.get(String(s.icn)) ?? [];
      if (!a.length) acksMissing++;
      if (a.length > 1) {
        acksTwice++;
        if (!killBetween(a, kills)) acksUnexplained.push(po);
      }
    }
  }
  if (total.lost)
    fail(
      `lost: ${total.lost} message(s) got a receipt and were not stored or not delivered: ${lostSamples.join('; ')}`,
    );
  if (total.stuck) fail(`stuck: ${total.stuck} message(s) stored (without a receipt) and never delivered`);
  const strangers = [...arrivalsOf.keys()].filter((po) => !seen.has(po));
  if (strangers.length || badDocuments)
    fail(`the sink got ${strangers.length} PO(s) nobody sent and ${badDocuments} unreadable document(s)`);
  if (acksMissing) fail(`997s: ${acksMissing} of ${acksExpected} stored interchanges have no 997 in out/acks`);
  const reused = [...acks.controlNumbers].filter(([, groups]) => groups.size > 1);
  if (reused.length)
    fail(
      `997s: ${reused.length} ISA13(s) used for 997s of different interchanges (${reused
        .slice(0, 5)
        .map(([c, g]) => `${c}: ${[...g].join(' ')}`)
        .join(', ')})`,
    );
  if (facts.outboundDuplicates.length)
    fail(
      `outbound control numbers reused in the store: ${facts.outboundDuplicates
        .slice(0, 5)
        .map((d) => `${d.partner} ${d.control}×${d.n}`)
        .join(', ')}`,
    );
  if (Object.keys(facts.open).length)
    fail(
      `jobs not done at the end: ${Object.entries(facts.open)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
  if (facts.dead.length)
    notes.push(
      `dead jobs: ${facts.dead
        .slice(0, 5)
        .map((d) => `${d.kind}: ${d.error}`)
        .join(' | ')}`,
    );
  const why = new Map<string, number>();
  for (const s of sent) {
    if (s.receipt) continue;
    // Numbers out, so that the same cause is counted once.
    const key = `${s.channel}: ${(s.error ?? '?').replace(/\d+/g, 'N').slice(0, 120)}`;
    why.set(key, (why.get(key) ?? 0) + 1);
  }
  if (why.size)
    notes.push(
      `no receipt for ${total.sent - total.receipts} send(s): ${[...why]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([k, n]) => `${n}× ${k}`)
        .join(' | ')}`,
    );
  if (total.explained) {
    notes.push(
      `${total.explained} document(s) delivered twice, each with a kill -9 between the two copies: ` +
        `the node died after the sink took the POST and before it recorded the delivery, ` +
        `so the job ran again (at-least-once delivery; the gateway cannot know); ` +
        `the first copies arrived ${(Math.max(0, Math.min(...gaps)) / 1000).toFixed(1)}-${(Math.max(...gaps) / 1000).toFixed(1)} s before the kill`,
    );
  }
  if (acksTwice)
    notes.push(
      `${acksTwice} 997(s) written twice (a kill between the copies: the file endpoint wrote it, the node died before recording it)`,
    );
  if (unexplained)
    fail(
      `${unexplained} document(s) delivered twice with no kill between the copies (e.g. ${unexplainedSamples.join(', ')})`,
    );
  if (acksUnexplained.length)
    fail(
      `${acksUnexplained.length} 997(s) written twice with no kill between (e.g. ${acksUnexplained.slice(0, 5).join(', ')})`,
    );
  return {
    byChannel,
    total,
    acks: {
      expected: acksExpected,
      files: acks.files,
      missing: acksMissing,
      duplicateControlNumbers: reused.length,
      twice: acksTwice,
    },
    failures,
    notes,
  };
}

export async function chaos(options: Partial<ChaosOptions> & Pick<ChaosOptions, 'db'>): Promise<ChaosResult> {
  const o: ChaosOptions = { ...DEFAULTS, ...options };
  const processes = o.processes ?? (o.db === 'mariadb' ? 2 : 1);
  if (o.nodes > 1 && o.db !== 'mariadb') throw new Error('several nodes need MariaDB (SQLite serves one node)');
  const log = o.log ?? (() => undefined);
  const timeoutMs = (o.timeoutSeconds ?? 120 + o.kills * (o.upSeconds[1] + o.startSeconds / 3) + o.drainSeconds) * 1000;
  const t0 = Date.now();
  const rng = new Rng(o.seed);
  const failures: string[] = [];
  const notes: string[] = [];
  const fail = (line: string) => {
    failures.push(line);
    log(`FAIL ${line}`);
  };
  const missing = missingPeers();
  if (missing) throw new Error(missing);

  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const hard = new Promise<void>((r) => {
    timer = setTimeout(() => {
      timedOut = true;
      r();
    }, timeoutMs);
  });
  const bounded = <T>(p: Promise<T>) =>
    Promise.race([
      p,
      hard.then(() => {
        throw new Error('the hard timeout');
      }),
    ]);

  const db: Scratch = await scratch(o.db);
  const sink = new Sink();
  await sink.start();
  let nodes: GatewayNode[] = [];
  let load: Load | undefined;
  const kills: number[] = [];
  let orphans = 0;
  let killsDone = 0;

  /**
   * Orphans: worker processes of `node`'s config whose parent is not the node's live process. A worker
   * whose parent died stops by itself (it finishes or gives back the jobs in hand, then exits; at the
   * latest after 30 s): one still there after ORPHAN_GRACE_MS is a failure, and is killed.
   */
  const reaps: Promise<void>[] = [];
  let slowestOrphanMs = 0;
  const reap = async (node: GatewayNode, when: string) => {
    const from = Date.now();
    await sleep(1500);
    const isOrphan = (p: { pid: number; ppid: number }) =>
      p.pid !== node.pid && p.ppid !== node.pid && p.ppid !== process.pid;
    const seen = new Set(
      gatewayProcesses(node.config)
        .filter(isOrphan)
        .map((p) => p.pid),
    );
    if (!seen.size) return;
    let left = [...seen];
    while (left.length && Date.now() - from < ORPHAN_GRACE_MS) {
      await sleep(250);
      const alive = new Set(gatewayProcesses(node.config).map((p) => p.pid));
      left = left.filter((pid) => alive.has(pid));
    }
    slowestOrphanMs = Math.max(slowestOrphanMs, Date.now() - from);
    if (!left.length) return;
    orphans += left.length;
    fail(
      `orphans: ${left.length} worker process(es) of node ${node.index} outlived ${when} by ${ORPHAN_GRACE_MS / 1000} s (pids ${left.join(', ')}); killed`,
    );
    // Only processes this run started (their command line names this run's config): ended by pid.
    for (const pid of left)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    // An orphan may have sent a document it had not recorded yet: this kill explains a second copy too.
    kills.push(Date.now());
  };

  try {
    nodes = await setUp({ dir: db.dir, url: db.url, driver: o.db, nodes: o.nodes, processes }, sink);
    // The first node makes our AS2 key and SSH host key; the others share them.
    for (const n of nodes) await bounded(n.start(o.startSeconds * 1000));
    log(
      `chaos: ${o.db}, ${o.nodes} node(s), processes ${processes}, ${o.kills} kills, seed ${o.seed}, ${o.rate} msg/s, folder ${db.dir}`,
    );
    load = new Load(db.dir, nodes, {
      rate: o.rate,
      channels: CHANNELS,
      inFlight: 4,
      base: 100_000_000,
      payloadBytes: 2048,
      requestTimeoutMs: 30_000,
    });
    load.start();

    // The node that is killed: the first one (with two, the other keeps taking traffic).
    const victim = nodes[0];
    for (let k = 1; k <= o.kills && !timedOut; k++) {
      const up = o.upSeconds[0] + rng.next() * (o.upSeconds[1] - o.upSeconds[0]);
      await bounded(sleep(up * 1000)).catch(() => undefined);
      if (timedOut) break;
      const pid = await victim.kill();
      kills.push(Date.now());
      load.dropConnections(victim.index);
      log(
        `kill ${k}/${o.kills}: node ${victim.index} pid ${pid} after ${up.toFixed(1)} s up; ${load.sent.length} sent so far`,
      );
      reaps.push(reap(victim, `kill ${k}`));
      await sleep(rng.int(0, 1000));
      const started = Date.now();
      try {
        await bounded(victim.start(o.startSeconds * 1000));
        killsDone++;
        log(`  node ${victim.index} back in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${victim.pid})`);
      } catch (e) {
        fail(`restart after kill ${k}: ${(e as Error).message} (the gateway hangs or crash-loops; stopped killing)`);
        // A hung node may hold documents it sent and could not record: this kill explains their second copies.
        await victim.kill();
        kills.push(Date.now());
        reaps.push(reap(victim, `the failed restart ${k}`));
        // One more start, so that what was taken in can still drain and be counted.
        try {
          await bounded(victim.start(o.startSeconds * 1000));
          log(`  node ${victim.index} started again (pid ${victim.pid}) for the drain`);
        } catch (e2) {
          fail(`the start after the failed restart: ${(e2 as Error).message}`);
          await victim.kill();
          kills.push(Date.now());
          reaps.push(reap(victim, 'the second failed start'));
        }
        break;
      }
    }
    // Some more load on the last start, then stop it.
    if (!timedOut) await bounded(sleep(o.upSeconds[0] * 1000)).catch(() => undefined);
    await load.stop();
    log(`load stopped: ${load.sent.length} sent, ${load.sent.filter((s) => s.receipt).length} receipts; draining`);

    // Drain: no job queued or running (each look bounded: a hung store answers nothing).
    if (!nodes.some((n) => n.ready)) fail('no node is up to drain the queue: what follows counts what was done before');
    const drainEnd = nodes.some((n) => n.ready) ? Date.now() + o.drainSeconds * 1000 : Date.now();
    let drained = false;
    let last = -1;
    while (!timedOut && Date.now() < drainEnd) {
      try {
        last = await bounded(within(openJobs(db.url), 30_000, 'counting open jobs'));
        if (last === 0) {
          drained = true;
          break;
        }
      } catch (e) {
        log(`  drain: ${(e as Error).message}`);
      }
      await sleep(1000);
    }
    if (!drained && nodes.some((n) => n.ready))
      fail(
        `drain: ${last < 0 ? 'the store did not answer' : `${last} job(s) still queued or running`} after ${o.drainSeconds} s`,
      );
    // A delivery recorded as done was POSTed before; give the sink's last answers a moment.
    await sleep(500);
    for (const n of nodes) {
      const r = await n.stop(30_000);
      if (r.killed) {
        kills.push(Date.now());
        fail(`node ${n.index} did not stop within 30 s of SIGTERM (killed)`);
      }
      reaps.push(reap(n, 'its SIGTERM'));
    }
    await Promise.all(reaps);
    if (slowestOrphanMs)
      notes.push(
        `worker processes left by a kill of their gateway exited by themselves within ${(slowestOrphanMs / 1000).toFixed(1)} s`,
      );

    // The accounting.
    const facts = await within(storeFacts(db.url), 60_000, 'reading the store');
    const acc = account(load.sent, facts, ackFacts(join(db.dir, 'out/acks')), sink.arrivals, sink.bad, kills);
    for (const f of acc.failures) fail(f);
    notes.push(...acc.notes);
    if (killsDone < o.kills && !failures.some((f) => f.startsWith('restart')))
      fail(`only ${killsDone} of ${o.kills} kills done before the hard timeout`);
    if (timedOut) fail(`the run passed its hard timeout of ${Math.round(timeoutMs / 1000)} s`);
    const errorLogLines = nodes.reduce((n, x) => n + x.errors, 0);
    if (errorLogLines)
      notes.push(
        `${errorLogLines} error line(s) in the node logs, e.g. ${nodes
          .flatMap((n) => n.errorSamples)
          .slice(0, 2)
          .join(' | ')}`,
      );
    return {
      ok: failures.length === 0,
      options: o,
      seconds: (Date.now() - t0) / 1000,
      killsDone,
      byChannel: acc.byChannel,
      total: acc.total,
      acks: acc.acks,
      failures,
      notes,
      orphans,
      errorLogLines,
      ...(o.keep ? { dir: db.dir } : {}),
    };
  } catch (e) {
    fail(`the run broke off: ${(e as Error).message}`);
    return {
      ok: false,
      options: o,
      seconds: (Date.now() - t0) / 1000,
      killsDone,
      byChannel: Object.fromEntries(CHANNELS.map((c) => [c, empty()])) as Record<Channel, ChannelCounts>,
      total: empty(),
      acks: { expected: 0, files: 0, missing: 0, duplicateControlNumbers: 0, twice: 0 },
      failures,
      notes,
      orphans,
      errorLogLines: 0,
      ...(o.keep ? { dir: db.dir } : {}),
    };
  } finally {
    clearTimeout(timer);
    await load?.stop().catch(() => undefined);
    for (const n of nodes) {
      if (n.running) await n.kill();
      for (const p of gatewayProcesses(n.config))
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      n.close();
    }
    await sink.stop();
    if (!o.keep) await db.drop().catch(() => rmSync(db.dir, { recursive: true, force: true }));
  }
}

/** The table a person reads. */
export function formatResult(r: ChaosResult): string {
  const o = r.options;
  const rows: Array<[string, keyof ChannelCounts]> = [
    ['sent', 'sent'],
    ['receipts given', 'receipts'],
    ['stored', 'stored'],
    ['delivered', 'delivered'],
    ['delivered twice', 'twice'],
    ['  of which a kill between', 'explained'],
    ['lost (receipt, not stored/delivered)', 'lost'],
    ['stored without a receipt', 'storedNoReceipt'],
    ['  of which never delivered', 'stuck'],
  ];
  const w = 38;
  const cell = (v: string | number) => String(v).padStart(8);
  const lines = [
    `chaos: ${o.db}, ${o.nodes} node(s), ${o.kills} kills asked, ${r.killsDone} survived, seed ${o.seed}, ${r.seconds.toFixed(0)} s`,
    `${''.padEnd(w)}${cell('as2')}${cell('sftp')}${cell('admin')}${cell('total')}`,
    ...rows.map(
      ([label, k]) => `${label.padEnd(w)}${CHANNELS.map((c) => cell(r.byChannel[c][k])).join('')}${cell(r.total[k])}`,
    ),
    `${'997s: expected / written / missing'.padEnd(w)}${cell(r.acks.expected)}${cell(r.acks.files)}${cell(r.acks.missing)}`,
    `${'997 ISA13 reused / written twice'.padEnd(w)}${cell(r.acks.duplicateControlNumbers)}${cell(r.acks.twice)}`,
    `${'orphan worker processes'.padEnd(w)}${cell(r.orphans)}`,
    ...r.notes.map((n) => `note: ${n}`),
    ...r.failures.map((f) => `FAIL: ${f}`),
    r.ok ? 'OK: no loss, no unexplained duplicate' : `NOT OK: ${r.failures.length} failure(s)`,
  ];
  if (r.dir) lines.push(`kept: ${r.dir}`);
  return lines.join('\n');
}

export function parseArgs(argv: string[]): Partial<ChaosOptions> & { json?: boolean } {
  const out: Partial<ChaosOptions> & { json?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const num = () => {
      const x = Number(v());
      if (!Number.isFinite(x) || x < 0) throw new Error(`${a} needs a number`);
      return x;
    };
    if (a === '--db') {
      const d = v();
      if (d !== 'sqlite' && d !== 'mariadb') throw new Error('--db is sqlite or mariadb');
      out.db = d;
    } else if (a === '--kills') out.kills = num();
    else if (a === '--nodes') out.nodes = num();
    else if (a === '--seed') out.seed = num();
    else if (a === '--processes') out.processes = num();
    else if (a === '--rate') out.rate = num();
    else if (a === '--timeout') out.timeoutSeconds = num();
    else if (a === '--drain') out.drainSeconds = num();
    else if (a === '--keep') out.keep = true;
    else if (a === '--json') out.json = true;
    else throw new Error(`unknown option ${a}`);
  }
  return out;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(
      `${(e as Error).message}\nusage: npm run chaos -- --db sqlite|mariadb [--kills 8] [--nodes 1|2] [--seed N] ` +
        `[--rate MSG/S] [--processes N] [--timeout S] [--drain S] [--keep] [--json]\n`,
    );
    process.exit(2);
  }
  const { json, ...options } = args;
  const r = await chaos({ db: 'sqlite', ...options, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${json ? JSON.stringify(r, null, 2) : formatResult(r)}\n`);
  process.exit(r.ok ? 0 : 1);
}

if (require.main === module) void main();
