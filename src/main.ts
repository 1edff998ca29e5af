/**
 * The running gateway: config, store (migrated before anything listens), partners (reloaded when their
 * files change), inbound transports per partner, the admin API, the workers and maintenance; and the
 * orderly stop: intake first, then the workers finish what they hold, then the store closes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join, relative } from 'node:path';
import type { GatewayConfig } from './config/gateway';
import { gatewayFileIssues } from './config/partners';
import type { LoadedPartner } from './config/partners';
import { inboundTransports } from './config/partner';
import { packageRoot } from './config/paths';
import { ensureOurKeys } from './config/our-keys';
import { formatIssue } from './config/yaml';
import { readFileSync } from 'node:fs';
import { GatewayError } from './errors';
import { Store } from './store/store';
import type { Inbound, PollerState } from './transports';
import { createAdminApp, listenAdmin, type AdminListener } from './admin/server';
import { auditEvent } from './admin/audit';
import { answerMetricsRequests, askWorkers, GatewayMetrics } from './admin/metrics';
import { overdueAckCount, transactionRows } from './admin/reports/query';
import { recentOf } from './admin/console/recent';
import { certificateRows } from './admin/reports/certificates';
import { createLogger, type Logger } from './pipeline/logger';
import { VerdictCaches } from './canonical/losses';
import { Maps } from './pipeline/maps';
import { PartnerDirectory } from './pipeline/partner-directory';
import type { PipelineContext } from './pipeline/context';
import { IntakeGate } from './pipeline/intake-gate';
import { poolOptionsFor, Workers, type WorkerOptions } from './pipeline/worker';
import { intake, intakeFile, intakeFiles, seenInStore } from './pipeline/intake';
import { transportConfig } from './pipeline/transport-settings';
import { sendDocument } from './pipeline/send';
import { replayDelivery } from './pipeline/deliver';
import { processingState, replayProcessing } from './pipeline/replay-process';
import { scheduleMaintenance } from './pipeline/maintenance';
import { listeners } from './pipeline/listeners';
import { expiringCertificates } from './pipeline/as2';
import { checkPartner } from './pipeline/partner-check';
import { certificateInventory } from './pipeline/certificate-inventory';
import { partnersHealth, setPartnerPaused } from './pipeline/partner-health';

export interface GatewayOptions {
  configFile?: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** How often partner files are checked for changes (default 2s). */
  reloadEveryMs?: number;
}

export interface RunningGateway {
  ctx: PipelineContext;
  admin?: AdminListener;
  /** Stops intake, lets the workers finish or release their jobs, closes the store. */
  stop(): Promise<void>;
}

import { checkpointLog, syncErrorLog, loadConfig, openStore, profilesOf } from './open';

export { loadConfig, openContext, openView } from './open';

/**
 * A worker process (gateway.yaml `processes`): claims and runs jobs from the shared store, with its own
 * partners view kept current; no intake, no admin API. Stops like the gateway on SIGTERM.
 */
export async function runWorkerProcess(opts: GatewayOptions = {}): Promise<{ stop(): Promise<void> }> {
  const logger = opts.logger ?? createLogger();
  const config = loadConfig(opts.configFile, opts.env ?? process.env);
  const store = await Store.open(config.database, {
    payloads: config.payloads === 'database' ? 'database' : 'file',
    payloadDir: config.payloads === 'database' ? undefined : config.payloads,
    base: config.dir,
    checkpoints: checkpointLog(logger),
    onSyncError: syncErrorLog(logger),
    pool: poolOptionsFor(config, true),
  });
  const partners = new PartnerDirectory(config, logger);
  partners.reload(true);
  partners.watch(opts.reloadEveryMs ?? 2000, () => undefined);
  const ctx: PipelineContext = {
    config,
    store,
    partners,
    profiles: profilesOf(config, logger).set,
    maps: new Maps(config.partners),
    lossVerdicts: new VerdictCaches(),
    logger,
    clock: () => new Date(),
  };
  // Counted here, added up by the gateway at each scrape (admin/metrics.ts askWorkers).
  const metrics = new GatewayMetrics();
  ctx.meter = metrics.meter;
  const unanswer = answerMetricsRequests(metrics);
  const workers = new Workers(ctx, workerOptions(config));
  ctx.kick = () => workers.kick();
  workers.start();
  logger.info({ workers: config.workers }, 'worker process running');
  return {
    stop: async () => {
      unanswer();
      partners.unwatch();
      if (!(await workers.stop()))
        logger.warn({}, 'some jobs did not finish in time: their leases will return them to the queue');
      await store.close();
    },
  };
}

/** The queue settings of gateway.yaml `jobs`, as the workers of every process take them. */
function workerOptions(config: GatewayConfig): WorkerOptions {
  const { childHeap } = config.jobs;
  return {
    count: config.workers,
    leaseMs: config.jobs.lease,
    maxCrashes: config.jobs.maxCrashes,
    ...(childHeap === 'off' ? {} : { child: { heapMb: Math.round(childHeap / 1024 ** 2), configFile: config.file } }),
  };
}

/** Restart delays of a worker process that keeps dying: doubling from the first to the last. */
const WORKER_RESTART = {
  firstMs: 1000,
  maxMs: 60_000,
  /** a process that ran this long was healthy: back to firstMs */ healthyMs: 60_000,
};

/**
 * How long to wait before starting a worker process again, given the wait before it was started and
 * how long it ran: a process that keeps dying at once (a database that refuses it, a broken install)
 * is restarted after 1, 2, 4 … 60 s rather than spinning; one that ran a while starts over at 1 s.
 */
export function workerRestartDelay(previousMs: number | undefined, ranMs: number): number {
  if (previousMs === undefined || ranMs >= WORKER_RESTART.healthyMs) return WORKER_RESTART.firstMs;
  return Math.min(previousMs * 2, WORKER_RESTART.maxMs);
}

/** How long a worker process may take to stop after SIGTERM (its own grace is 20 s) before it is killed. */
const WORKER_STOP_MS = 30_000;

/**
 * The extra worker processes of gateway.yaml `processes`, restarted when one dies (with a growing
 * pause, so one that dies at start does not spin), stopped on stop(). Each exits by itself when this
 * process dies, however it dies: its IPC channel closes (runWorkerProcess's caller, cli/gateway.ts).
 */
function forkWorkers(
  count: number,
  configFile: string | undefined,
  logger: Logger,
): { pids(): number[]; peers(): ChildProcess[]; stop(): Promise<void> } {
  const children = new Set<ChildProcess>();
  const restarts = new Set<NodeJS.Timeout>();
  let stopping = false;
  const spawnOne = (waited: number | undefined) => {
    const began = Date.now();
    const child = fork(
      join(packageRoot(), 'bin', 'edi-gateway.js'),
      ['worker', ...(configFile ? ['--config', configFile] : [])],
      { stdio: 'inherit' },
    );
    children.add(child);
    child.on('error', (e) =>
      logger.error({ pid: child.pid, err: e.message }, 'a worker process could not be started or signalled'),
    );
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (stopping) return;
      const wait = workerRestartDelay(waited, Date.now() - began);
      logger.error({ pid: child.pid, code, signal, restartInMs: wait }, 'a worker process exited; starting another');
      const t = setTimeout(() => {
        restarts.delete(t);
        if (!stopping) spawnOne(wait);
      }, wait);
      restarts.add(t);
    });
  };
  for (let i = 0; i < count; i++) spawnOne(undefined);
  return {
    pids: () => [...children].map((c) => c.pid).filter((p): p is number => p !== undefined),
    peers: () => [...children],
    stop: async () => {
      stopping = true;
      for (const t of restarts) clearTimeout(t);
      restarts.clear();
      await Promise.all(
        [...children].map(
          (c) =>
            new Promise<void>((r) => {
              if (c.exitCode !== null || c.signalCode !== null) return r();
              const kill = setTimeout(() => {
                logger.warn({ pid: c.pid }, 'a worker process did not stop in time; killing it');
                c.kill('SIGKILL');
              }, WORKER_STOP_MS);
              c.once('exit', () => {
                clearTimeout(kill);
                r();
              });
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** The admin API of a running gateway: submit, send, health, reports, certificates, metrics. */
function adminApp(
  ctx: PipelineContext,
  env: NodeJS.ProcessEnv,
  metrics: GatewayMetrics,
  pollers: (partnerId: string) => PollerState[],
) {
  const { config, store, partners, logger } = ctx;
  const admin = config.admin!;
  return createAdminApp({
    token: env.EDI_GATEWAY_TOKEN?.trim() || admin.token,
    users: admin.users,
    version: (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version,
    audit: async (entry) => {
      await store.event({
        ...auditEvent(entry),
        messageId: entry.messageId ?? null,
        partnerId: entry.partnerId ?? null,
      });
    },
    maxBytes: admin.maxBytes,
    partnerExists: (id) => partners.get(id) !== undefined,
    submit: async (i) => {
      const r = await intake(ctx, {
        // Its own label, not `http`: that is the outbound HTTP endpoint's kind (docs/admin-api.md).
        transport: 'api',
        partnerId: i.partnerId,
        bytes: i.bytes,
        fileName: i.fileName ?? null,
      });
      return {
        messageId: r.messageId,
        duplicate: r.duplicate || r.duplicateOf !== undefined,
        duplicateOf: r.duplicateOf,
      };
    },
    send: async (i) => {
      const q = await sendDocument(ctx, {
        partnerId: i.partnerId,
        endpoint: i.endpoint,
        bytes: i.bytes,
        fileName: i.fileName,
      });
      return { messageId: q[0].messageId, messages: q.map((x) => x.messageId) };
    },
    // Bounded, and never queued behind the jobs for a pooled connection (Store.health).
    health: async () => {
      const { ok, ...detail } = await store.health();
      return { ok, detail: { ...detail, partners: partners.list().length } };
    },
    report: (q) =>
      transactionRows(store, {
        partner: q.partner,
        from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
        to: q.to ? new Date(Date.parse(`${q.to}T00:00:00Z`) + 86_400_000) : undefined,
      }),
    certificates: async (q) => {
      const now = ctx.clock();
      return certificateRows(expiringCertificates(ctx, undefined, now), now, q.partner);
    },
    console: {
      overdueAcks: () => overdueAckCount(store, ctx.clock()),
      recentMessages: async (limit) => (await transactionRows(store, { latest: limit })).map(recentOf),
      certificateInventory: () => certificateInventory(ctx),
    },
    messages: {
      searchMessages: (filter, page) => store.history.search(filter, page),
      lineage: (id) => store.history.lineage(id),
      payload: async (id) => {
        const message = await store.message(id);
        if (!message) return undefined;
        if ((await store.payloadState(message.sha256)) !== 'present') return 'purged';
        return { size: message.size, fileName: message.fileName, chunks: store.payloadChunks(message.sha256) };
      },
    },
    auditTrail: { searchAudit: (filter, page) => store.auditTrail.search(filter, page) },
    deadLetters: {
      deadLetters: (filter, page) => store.deliveries.deadLetters(filter, page),
      deadWork: (filter, limit) => store.read((m) => store.queue.deadWork(filter, limit, m)),
      replay: async (id) => {
        const d = await replayDelivery(ctx, id);
        // A worker picks the job up now rather than at its next poll.
        ctx.kick?.();
        return { id: d.id, messageId: d.messageId, partnerId: d.partnerId, status: d.status };
      },
      replayProcessing: async (id) => {
        const r = await replayProcessing(ctx, id);
        ctx.kick?.();
        return r;
      },
      processingState: (id) => processingState(store, id),
    },
    partners: {
      list: () => partnersHealth(ctx, pollers),
      check: async (id) => {
        const partner = partners.get(id);
        return partner ? checkPartner(ctx, partner) : undefined;
      },
      setPaused: (id, paused, by, reason) => setPartnerPaused(ctx, id, paused, by, reason),
    },
    metrics: { mode: admin.metrics, scrape: () => metrics.scrape() },
    logger,
  });
}

export async function startGateway(opts: GatewayOptions = {}): Promise<RunningGateway> {
  const env = opts.env ?? process.env;
  const logger = opts.logger ?? createLogger();
  const config = loadConfig(opts.configFile, env);

  const made = await ensureOurKeys(config, logger);
  if (made.length) logger.info({ files: made }, 'generated our keys and certificates (first start)');
  if (config.file) {
    const issues = gatewayFileIssues(config, readFileSync(config.file, 'utf8'));
    if (issues.length) throw new GatewayError('EDIGW_CONFIG_INVALID', issues.map(formatIssue).join('\n'));
  }

  const store = await openStore(config, logger, true);
  const profiles = profilesOf(config, logger);

  const partners = new PartnerDirectory(config, logger);
  const ctx: PipelineContext = {
    config,
    store,
    partners,
    profiles: profiles.set,
    maps: new Maps(config.partners),
    lossVerdicts: new VerdictCaches(),
    logger,
    clock: () => new Date(),
    intakeGate: new IntakeGate(),
  };
  let extra: ReturnType<typeof forkWorkers> | undefined = undefined;
  const metrics = new GatewayMetrics({
    backlog: () => store.backlog(),
    // Every certificate, however far its expiry: a gauge per certificate, for alerting rules to compare.
    certificates: () =>
      expiringCertificates(ctx, Number.POSITIVE_INFINITY).map((c) => ({
        owner: c.owner,
        subject: c.subject,
        file: relative(config.dir, c.file),
        daysLeft: c.daysLeft,
      })),
    workers: () => askWorkers(extra?.peers() ?? []),
  });
  ctx.meter = metrics.meter;
  const workers = new Workers(ctx, workerOptions(config));
  ctx.kick = () => workers.kick();

  // Inbound transports, per partner; replaced when the partner's file changes.
  const inbound = new Map<string, Inbound[]>();
  const startInbound = async (p: LoadedPartner) => {
    const list: Inbound[] = [];
    for (const t of inboundTransports(p)) {
      let cfg: unknown;
      try {
        cfg = transportConfig(config, p, t.spec, t.section, t.path);
      } catch (e) {
        // partners check refuses what the transport's schema would; a gateway-level setting may still be missing.
        logger.error(
          { partner: p.id, kind: t.spec.kind, err: (e as GatewayError).message },
          'inbound transport not started',
        );
        continue;
      }
      list.push(
        t.spec.create(cfg, {
          intake: (input) =>
            intake(ctx, {
              transport: t.spec.kind,
              partnerId: p.id,
              bytes: input.bytes,
              fileName: input.fileName ?? null,
              remotePath: input.remotePath ?? null,
              remoteMtime: input.remoteMtime ?? null,
            }),
          intakeFile: (input) =>
            intakeFile(ctx, {
              transport: t.spec.kind,
              partnerId: p.id,
              ...input,
              remotePath: input.remotePath ?? null,
            }),
          intakeFiles: (inputs) =>
            intakeFiles(
              ctx,
              inputs.map((input) => ({
                transport: t.spec.kind,
                partnerId: p.id,
                ...input,
                remotePath: input.remotePath ?? null,
              })),
            ),
          seen: seenInStore(store, p.id),
          logger,
          clock: ctx.clock,
        }),
      );
      logger.info({ partner: p.id, kind: t.spec.kind, at: t.path.join('.') }, 'inbound transport started');
    }
    for (const t of list) await t.start();
    inbound.set(p.id, list);
  };
  const stopInbound = async (id: string) => {
    const list = inbound.get(id) ?? [];
    inbound.delete(id);
    await Promise.all(list.map((t) => t.stop()));
  };

  const first = partners.reload(true);
  for (const p of partners.list()) await startInbound(p);
  logger.info(
    { partners: partners.list().map((p) => p.id), refused: [...new Set(first?.issues.map((i) => i.file) ?? [])] },
    'partners loaded',
  );
  let applying = Promise.resolve();
  partners.watch(opts.reloadEveryMs ?? 2000, (change) => {
    applying = applying
      .then(async () => {
        for (const id of change.removed) await stopInbound(id);
        for (const p of change.changed) {
          await stopInbound(p.id);
          await startInbound(p);
        }
      })
      .catch((e) => logger.error({ err: (e as Error).message }, 'applying a partner change failed'));
  });

  await scheduleMaintenance(ctx).catch((e) =>
    logger.error({ err: (e as Error).message }, 'scheduling maintenance failed'),
  );
  const maintenance = setInterval(() => {
    scheduleMaintenance(ctx).catch((e) => logger.error({ err: (e as Error).message }, 'scheduling maintenance failed'));
  }, 30_000);
  maintenance.unref();

  // Intake first, then the workers finish what they hold, then the store: the one teardown, whether
  // the gateway stops or fails to start (the workers have not started then; `extra` does not exist).
  const listening: { close(): Promise<void> }[] = [];
  const teardown = async (workerGraceMs?: number) => {
    partners.unwatch();
    clearInterval(maintenance);
    await applying;
    for (const l of listening) await l.close();
    await Promise.all([...inbound.keys()].map(stopInbound));
    const [finished] = await Promise.all([workers.stop(workerGraceMs), extra?.stop()]);
    if (!finished) logger.warn({}, 'some jobs did not finish in time: their leases will return them to the queue');
    await store.close();
  };

  let admin: AdminListener | undefined;
  try {
    if (config.admin) {
      // The pollers run here, in the process that serves the admin API: their state is read in memory.
      const pollerStates = (id: string) =>
        (inbound.get(id) ?? []).flatMap((t) => (t.pollerState ? [t.pollerState()] : []));
      const app = adminApp(ctx, env, metrics, pollerStates);
      try {
        admin = await listenAdmin(app, config.admin.port, config.admin.host);
      } catch (e) {
        logger.error({ port: config.admin.port, err: (e as Error).message }, 'admin API could not listen');
        throw new GatewayError('EDIGW_CONFIG_INVALID', `admin.port ${config.admin.port}`, { cause: e });
      }
      listening.push(admin);
      logger.info({ port: admin.port, host: config.admin.host }, 'admin API listening');
    }
    // The gateway's own servers (AS2, hosted SFTP), each started when gateway.yaml sets it up.
    for (const listener of listeners) {
      const running = await listener.start(ctx);
      if (running) listening.push(running);
    }
  } catch (e) {
    await teardown(1000);
    throw e;
  }

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      logger.info({}, 'stopping: intake first');
      await teardown();
      logger.info({}, 'stopped');
    })());
  // The workers start last, once every listener is up: a job that takes the process down (a payload
  // that runs the heap out) must not keep intake from starting; the crash guard (crash-guard.ts) ends it.
  workers.start();
  extra = config.processes > 1 ? forkWorkers(config.processes - 1, config.file, logger) : undefined;
  logger.info(
    {
      config: config.file ?? '(defaults)',
      workers: config.workers,
      processes: config.processes,
      workerPids: extra?.pids() ?? [],
    },
    'gateway running',
  );
  return { ctx, admin, stop };
}
