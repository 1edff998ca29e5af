/**
 * Prometheus metrics (prom-client), all named `edi_gateway_…` in a registry of their own (never the
 * library's global one, so two gateways in one process, as in tests, do not share counts). The
 * pipeline counts through the Meter interface (pipeline/meter.ts); what is state rather than events
 * (the queue, the dead letters, certificates) is read when Prometheus scrapes. Worker processes
 * (gateway.yaml `processes`) keep counters of their own, which the gateway asks for over their IPC
 * channel at each scrape and adds up with prom-client's aggregation (docs/metrics.md).
 */
import type express from 'express';
import type { RequestHandler } from 'express';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';
import type { Meter } from '../pipeline/meter';

export const PREFIX = 'edi_gateway_';

/** gateway.yaml `admin.metrics`: `open` (the default) answers anyone who reaches the admin port; `token` asks for the admin token. */
export type MetricsMode = 'open' | 'token';

/** What a scrape reads from the running gateway (absent in worker processes: the gateway reads it for all). */
export interface ScrapeSources {
  backlog(): Promise<{
    jobs: Array<{ kind: string; status: string; count: number }>;
    deadLetters: number;
    pausedPartners?: string[];
  }>;
  certificates(): Array<{ owner: string; subject: string; file: string; daysLeft: number }>;
  /** The metrics of the worker processes that answered in time, and how many did not. */
  workers?(): Promise<{ answered: MetricObjectWithValues<MetricValue<string>>[][]; missing: number }>;
}

/** How long a scrape waits for the database and for each worker process before it answers without them. */
export const SCRAPE_WAIT_MS = 2_000;

/** Job run times, from a quick delivery to a large file's parse. */
const JOB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly meter: Meter;
  /** Set when the last scrape could not read the database in time (a gauge of its own says so). */
  private readonly scrapeErrors: Counter;

  constructor(private readonly sources?: ScrapeSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    const received = new Counter({
      name: `${PREFIX}messages_received_total`,
      help: 'Messages received, by transport, partner and what became of them (processed, partial, rejected, duplicate, refused)',
      labelNames: ['transport', 'partner', 'outcome'] as const,
      registers,
    });
    const sets = new Counter({
      name: `${PREFIX}transaction_sets_total`,
      help: 'Transaction sets received, by type and the status our acknowledgement gives them (A, E, P, R, none)',
      labelNames: ['type', 'ack_status'] as const,
      registers,
    });
    const deliveries = new Counter({
      name: `${PREFIX}deliveries_total`,
      help: 'Delivery attempts, by endpoint kind and outcome (delivered, retry, dead)',
      labelNames: ['endpoint_kind', 'outcome'] as const,
      registers,
    });
    const jobs = new Histogram({
      name: `${PREFIX}job_duration_seconds`,
      help: 'How long one run of a job took, by job kind and outcome (done, failed)',
      labelNames: ['kind', 'outcome'] as const,
      buckets: JOB_BUCKETS,
      registers,
    });
    const mdns = new Counter({
      name: `${PREFIX}as2_mdns_total`,
      help: 'AS2 MDNs, sent (for messages received) and received (for messages sent), by outcome (processed, error, failed)',
      labelNames: ['direction', 'outcome'] as const,
      registers,
    });
    const sftp = new Counter({
      name: `${PREFIX}sftp_sessions_total`,
      help: 'Connections to the hosted SFTP server, by login outcome (opened, refused)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.scrapeErrors = new Counter({
      name: `${PREFIX}scrape_errors_total`,
      help: 'Scrapes that could not read the database (or a worker process) in time; their gauges were left out',
      labelNames: ['source'] as const,
      registers,
    });
    this.meter = {
      messageReceived: (l) => received.inc({ transport: l.transport, partner: l.partner, outcome: l.outcome }),
      transactionSet: (l) => sets.inc({ type: l.type, ack_status: l.ackStatus }),
      delivery: (l) => deliveries.inc({ endpoint_kind: l.endpointKind, outcome: l.outcome }),
      job: (l, seconds) => jobs.observe({ kind: l.kind, outcome: l.outcome }, seconds),
      mdn: (l) => mdns.inc({ direction: l.direction, outcome: l.outcome }),
      sftpSession: (l) => sftp.inc({ outcome: l.outcome }),
    };
    if (sources) this.scraped(sources);
  }

  /** The gauges read at each scrape: queue depth, dead letters, paused partners, certificate expiry. */
  private scraped(sources: ScrapeSources): void {
    const registers = [this.registry];
    const backlog = () => this.backlog;
    new Gauge({
      name: `${PREFIX}queue_jobs`,
      help: 'Unfinished jobs in the queue, by kind and status (queued, running, dead)',
      labelNames: ['kind', 'status'] as const,
      registers,
      collect() {
        const b = backlog();
        this.reset();
        for (const j of b?.jobs ?? []) this.set({ kind: j.kind, status: j.status }, j.count);
      },
    });
    new Gauge({
      name: `${PREFIX}dead_letters`,
      help: 'Dead-lettered deliveries waiting for a replay',
      registers,
      collect() {
        const b = backlog();
        this.reset();
        // Unknown (the database did not answer) is NaN, never a reassuring 0.
        this.set(b ? b.deadLetters : Number.NaN);
      },
    });
    new Gauge({
      name: `${PREFIX}partner_paused`,
      help: 'Partners whose outbound deliveries an operator paused (1 each; a running partner has no sample)',
      labelNames: ['partner'] as const,
      registers,
      collect() {
        const b = backlog();
        this.reset();
        for (const p of b?.pausedPartners ?? []) this.set({ partner: p }, 1);
      },
    });
    new Gauge({
      name: `${PREFIX}certificate_days_left`,
      help: 'Whole days until a certificate expires (negative once expired), ours (owner "us") and each partner\'s',
      labelNames: ['owner', 'subject', 'file'] as const,
      registers,
      collect() {
        this.reset();
        for (const c of sources.certificates())
          this.set({ owner: c.owner, subject: c.subject, file: c.file }, c.daysLeft);
      },
    });
  }

  /** This process's metrics as JSON: what a worker process answers the gateway with. */
  json(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return this.registry.getMetricsAsJSON();
  }

  /** What the last scrape read from the database (one read serves the queue and dead-letter gauges). */
  private backlog: Awaited<ReturnType<ScrapeSources['backlog']>> | undefined;

  /** The exposition text of this process, added up with the worker processes' counters. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    if (this.sources) {
      this.backlog = await within(this.sources.backlog(), SCRAPE_WAIT_MS).catch(() => undefined);
      if (!this.backlog) this.scrapeErrors.inc({ source: 'database' });
    }
    const { answered: workers, missing } = this.sources?.workers
      ? await this.sources.workers()
      : { answered: [], missing: 0 };
    if (missing > 0) this.scrapeErrors.inc({ source: 'worker' }, missing);
    if (workers.length === 0) return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    const all = AggregatorRegistry.aggregate([await this.json(), ...workers]);
    return { contentType: all.contentType, body: await all.metrics() };
  }
}

function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Mounts `GET /metrics` on the admin app: open, or behind `requireToken` (the /api check) when the
 * mode is `token`.
 */
export function mountMetrics(
  app: express.Express,
  metrics: { mode: MetricsMode; scrape(): Promise<{ contentType: string; body: string }> },
  requireToken: RequestHandler,
): void {
  const handlers: RequestHandler[] = metrics.mode === 'token' ? [requireToken] : [];
  app.get('/metrics', ...handlers, async (_req, res) => {
    const { contentType, body } = await metrics.scrape();
    res.status(200).type(contentType).send(body);
  });
}

// ---------------------------------------------------------------------------------------------
// Worker processes: the gateway asks each for its metrics over the IPC channel fork() opened.

export const METRICS_REQUEST = 'edi-gateway:metrics?';
export const METRICS_ANSWER = 'edi-gateway:metrics';

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}
interface MetricsAnswer {
  type: typeof METRICS_ANSWER;
  id: number;
  metrics: MetricObjectWithValues<MetricValue<string>>[];
}

/** In a worker process: answers the gateway's requests for this process's metrics. Returns the listener's remover. */
export function answerMetricsRequests(metrics: GatewayMetrics, proc: NodeJS.Process = process): () => void {
  const onMessage = (m: unknown) => {
    if (!m || typeof m !== 'object' || (m as MetricsRequest).type !== METRICS_REQUEST) return;
    const id = (m as MetricsRequest).id;
    void metrics.json().then(
      (list) => {
        if (proc.connected) proc.send?.({ type: METRICS_ANSWER, id, metrics: list } satisfies MetricsAnswer);
      },
      () => undefined,
    );
  };
  proc.on('message', onMessage);
  return () => proc.off('message', onMessage);
}

/** Something with an IPC channel: a forked ChildProcess. */
export interface IpcPeer {
  connected: boolean;
  send(message: unknown): boolean;
  on(event: 'message', listener: (m: unknown) => void): unknown;
  off(event: 'message', listener: (m: unknown) => void): unknown;
}

let nextRequest = 1;

/** In the gateway: the metrics of each worker process that answers within `ms`; the others are left out (and counted). */
export async function askWorkers(
  peers: IpcPeer[],
  ms = SCRAPE_WAIT_MS,
): Promise<{ answered: MetricObjectWithValues<MetricValue<string>>[][]; missing: number }> {
  const answers = await Promise.all(
    peers
      .filter((p) => p.connected)
      .map(
        (p) =>
          new Promise<MetricObjectWithValues<MetricValue<string>>[] | undefined>((resolve) => {
            const id = nextRequest++;
            const done = (v: MetricObjectWithValues<MetricValue<string>>[] | undefined) => {
              clearTimeout(timer);
              p.off('message', onMessage);
              resolve(v);
            };
            const onMessage = (m: unknown) => {
              const a = m as MetricsAnswer | null;
              if (a && typeof a === 'object' && a.type === METRICS_ANSWER && a.id === id) done(a.metrics);
            };
            const timer = setTimeout(() => done(undefined), ms);
            p.on('message', onMessage);
            try {
              p.send({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
            } catch {
              done(undefined);
            }
          }),
      ),
  );
  const answered = answers.filter((a): a is MetricObjectWithValues<MetricValue<string>>[] => a !== undefined);
  return { answered, missing: peers.length - answered.length };
}
