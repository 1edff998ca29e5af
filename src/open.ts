/**
 * Opening what the pipeline's steps work with (config, partners, profiles, maps, the store) without
 * the gateway around them: for commands, for the gateway itself (main.ts), and for the child process
 * that runs a large payload's job (cli/process-child.ts), which must not load the admin API, the
 * listeners or the transports' clients (its RSS counts against the large-file target, docs/reliability.md).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type GatewayConfig, loadGateway } from './config/gateway';
import { packageRoot } from './config/paths';
import { loadProfiles } from './config/profiles';
import { formatIssue } from './config/yaml';
import { GatewayError } from './errors';
import type { PipelineContext, PipelineView } from './pipeline/context';
import type { Logger } from './pipeline/logger';
import { VerdictCaches } from './canonical/losses';
import { Maps } from './pipeline/maps';
import { PartnerDirectory } from './pipeline/partner-directory';
import { poolOptionsFor } from './pipeline/pool-size';
import { redactUrl } from './store/data-source';
import { Store } from './store/store';

/** Loads gateway.yaml or throws a config GatewayError listing every located problem. */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const r = loadGateway(file, env);
  if (!r.ok) throw new GatewayError('EDIGW_CONFIG_INVALID', r.issues.map(formatIssue).join('\n'));
  return r.config;
}

/** The profiles a gateway validates with: the shipped ones, then gateway.yaml's folder (which may override them). */
export function profilesOf(config: GatewayConfig, logger: Logger) {
  const shipped = join(packageRoot(), 'profiles');
  const dirs = [
    shipped,
    ...(existsSync(config.profiles) && resolve(config.profiles) !== resolve(shipped) ? [config.profiles] : []),
  ];
  const profiles = loadProfiles(dirs);
  for (const i of profiles.issues) logger.warn({ issue: formatIssue(i) }, 'profile skipped');
  return profiles;
}

export async function openStore(config: GatewayConfig, logger: Logger, running = false): Promise<Store> {
  const store = await Store.open(config.database, {
    payloads: config.payloads === 'database' ? 'database' : 'file',
    payloadDir: config.payloads === 'database' ? undefined : config.payloads,
    base: config.dir,
    pool: poolOptionsFor(config, running),
    ...(running ? { checkpoints: checkpointLog(logger) } : {}),
    onSyncError: syncErrorLog(logger),
  });
  try {
    const ran = await store.migrate();
    logger.info(
      { database: redactUrl(config.database), migrations: ran },
      ran.length ? 'database migrated' : 'database is up to date',
    );
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

/** A gateway process checkpoints SQLite on a thread of its own; a command, done in a moment, need not. */
export function checkpointLog(logger: Logger) {
  return {
    onError: (message: string) =>
      logger.warn({ err: message }, 'SQLite checkpoints keep failing; the commits checkpoint instead (slower)'),
  };
}

/** A WAL sync that failed: every write fails from then on, so it is an error that asks for a restart. */
export function syncErrorLog(logger: Logger) {
  return (e: Error) =>
    logger.error({ err: e.message, code: 'EDIGW_STORE_SYNC_FAILED' }, 'the database could not be synced to disk');
}

/** What a command needs to run the pipeline's steps without running the gateway: config, partners, maps, profiles. */
export function openView(opts: { configFile?: string; logger: Logger; env?: NodeJS.ProcessEnv }): PipelineView {
  const config = loadConfig(opts.configFile, opts.env ?? process.env);
  const partners = new PartnerDirectory(config, opts.logger);
  partners.reload(true);
  return {
    config,
    partners,
    profiles: profilesOf(config, opts.logger).set,
    maps: new Maps(config.partners),
    lossVerdicts: new VerdictCaches(),
    logger: opts.logger,
    clock: () => new Date(),
  };
}

/** openView plus the store (migrated): for commands that record what they do (send, replay). */
export async function openContext(opts: {
  configFile?: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}): Promise<PipelineContext> {
  const view = openView(opts);
  return { ...view, store: await openStore(view.config, opts.logger) };
}
