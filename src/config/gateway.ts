import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { quotedText } from './quoted-text';
import { type ConfigIssue, parseYaml } from './yaml';
import { byteSize, duration } from './units';
import { secret } from './secret';
import { parsePasswordHash } from '../password-hash';

/** One of our ids; the examples are what the quotes hint shows for a value YAML read as a number. */
const partyId = (qualifier: string, id: string) =>
  z.strictObject({ qualifier: quotedText(qualifier).min(1).max(4), id: quotedText(id).min(1).max(35) });
const port = z.number().int().min(1).max(65535);

/**
 * A user of the admin API: an auditor reads everything, an operator also acts (replay, submit, send).
 * The name is what the audit trail records; it is also the hint a `tokenHash` user's token carries
 * (`<name>:<token>`), so it holds no colon.
 */
const adminUser = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'letters, digits, . _ @ - (at most 64, no colon)'),
    role: z.enum(['operator', 'auditor']),
    token: secret(z.string().min(16, 'at least 16 characters'), 'the bearer token, in clear').optional(),
    tokenHash: secret(
      z.string().refine((h) => parsePasswordHash(h) !== undefined, {
        error: 'a $scrypt$… hash as `edi-gateway partners hash-password` prints it',
      }),
      'scrypt hash of the bearer token',
    ).optional(),
  })
  .refine((u) => (u.token === undefined) !== (u.tokenHash === undefined), {
    error: 'give either token or tokenHash, not both and not neither',
  });

export type AdminUserConfig = z.infer<typeof adminUser>;

/** The heap cap of the child process that runs a large payload's `process` job (gateway.yaml jobs.childHeap). */
export const CHILD_HEAP_DEFAULT = 192 * 1024 ** 2;

/** gateway.yaml (DESIGN.md's contract): every key optional, unknown keys are errors. */
/**
 * Alerts: a dead letter, a rejecting ack, an overdue ack, an expiring certificate, a silent partner, a
 * job that stopped its worker. Each goes to every channel; at most one per kind and partner in `every`.
 */
const alertsSchema = z
  .strictObject({
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).meta({ secret: 'url' }),
        /** Sent as `Authorization: Bearer <token>`. */
        token: secret(z.string().min(1), 'webhook bearer token').optional(),
        timeout: duration.default(10_000),
      })
      .optional(),
    email: z
      .strictObject({
        /** smtp://host:port (STARTTLS when the server offers it) or smtps://host:port; user:password@ for login. */
        smtp: z.url({ protocol: /^smtps?$/, error: 'an smtp:// or smtps:// URL' }).meta({ secret: 'url' }),
        from: z.email(),
        to: z.array(z.email()).min(1),
      })
      .optional(),
    /** At most one alert of a kind for a partner within this window; the rest are in the console and report. */
    every: duration.refine((ms) => ms >= 1000, 'at least 1s').default(15 * 60_000),
    /** Alert on certificates that expire within this many days (checked once a day). */
    certificateDays: z.number().int().min(1).max(365).default(30),
    /** The console's address as people reach it, for links in alerts (e.g. https://edi.example.com/). */
    console: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional(),
  })
  .refine((a) => a.webhook || a.email, 'name a channel: webhook or email');

export type AlertsConfig = z.infer<typeof alertsSchema>;

export const gatewaySchema = z.strictObject({
  database: z.string().min(1).default('sqlite:data/gateway.sqlite'),
  /** A folder for payload files, or `database` to keep payload bytes in the database. */
  payloads: z.string().min(1).default('data/payloads'),
  partners: z.string().min(1).default('partners'),
  profiles: z.string().min(1).default('profiles'),
  certs: z.string().min(1).default('certs'),
  identity: z
    .strictObject({
      x12: z.array(partyId('ZZ', '123456789')).default([]),
      edifact: z.array(partyId('14', '5400000000001')).default([]),
      as2: z
        .strictObject({ id: z.string().min(1).max(128), key: z.string().min(1), certificate: z.string().min(1) })
        .optional(),
    })
    .default({ x12: [], edifact: [] }),
  as2: z
    .strictObject({
      /**
       * Where partners POST async MDNs to us, as they reach us (in front of any proxy or load balancer);
       * EDI_GATEWAY_AS2_URL overrides it. Absent: http(s)://<this host's name>:<port><path>.
       */
      url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional(),
      port: port.default(4080),
      path: z.string().startsWith('/').default('/as2'),
      maxBytes: byteSize.default(100 * 1024 ** 2),
      tls: z.strictObject({ key: z.string(), certificate: z.string() }).optional(),
      /**
       * Threads that unwrap received messages (decrypt, verify, MIC) and sign their MDNs, so that
       * intake uses every core (ADR 0013). Absent: os.availableParallelism(); 0: on the event loop.
       */
      cryptoThreads: z.number().int().min(0).max(64).optional(),
      /**
       * Messages of our own each crypto thread unwraps when it starts, so that V8 has compiled the AS2
       * code before partners wait (src/transports/as2/warm-up.ts). Absent: 500; 0: none.
       */
      cryptoWarmup: z.number().int().min(0).max(100_000).optional(),
    })
    .optional(),
  sftp: z
    .strictObject({ port: port.default(2222), hostKey: z.string().optional(), root: z.string().default('data/sftp') })
    .optional(),
  admin: z
    .strictObject({
      port: port.default(8080),
      /** Where the admin API listens; keep it on loopback unless a proxy with TLS stands in front. */
      host: z.string().min(1).default('127.0.0.1'),
      /** Bearer token for /api (submit, send, report); EDI_GATEWAY_TOKEN overrides it. Absent: /api is closed. */
      token: z.string().min(16, 'at least 16 characters').optional(),
      /** Named users with a role; `token` above is one more operator, named `admin`. */
      users: z
        .array(adminUser)
        .default([])
        .refine((list) => new Set(list.map((u) => u.name)).size === list.length, {
          error: 'user names must be unique',
        }),
      maxBytes: byteSize.default(100 * 1024 ** 2),
      /** GET /metrics (Prometheus): `open` to anyone who reaches the admin port, or `token` (the admin token). */
      metrics: z.enum(['open', 'token']).default('open'),
    })
    .optional(),
  workers: z.number().int().min(1).max(64).default(2),
  /**
   * Processes that run workers: this one and processes-1 more it starts (each with `workers` loops), so
   * parsing, mapping and sending use more than one core. Intake, the admin API and maintenance stay here.
   */
  processes: z.number().int().min(1).max(32).default(1),
  /**
   * The work queue. `lease`: how long a claimed job is its worker's before another may take it over
   * (a running job renews it every third of that, so it only runs out when the worker died).
   * `maxCrashes`: starts of one job that may end with its worker dead (a crash, an OOM, a kill) before
   * the job is dead-lettered rather than started again; ordinary failures are retried and do not count.
   * `childHeap`: `process` jobs of large payloads (those processed streamed, from 8 MiB) run in a child
   * process whose V8 heap is capped at this size, so one that runs it out takes the child down, never
   * the gateway and its intake; `off` runs them in the worker itself.
   */
  jobs: z
    .strictObject({
      lease: duration.refine((ms) => ms >= 1000, 'at least 1s').default(60_000),
      maxCrashes: z.number().int().min(1).max(100).default(3),
      childHeap: z
        .union([z.literal('off'), byteSize.refine((b) => b >= 64 * 1024 ** 2, 'at least 64MB (or off)')])
        .default(CHILD_HEAP_DEFAULT),
    })
    .prefault({}),
  /**
   * The database connections of each gateway process (MariaDB; SQLite has one writer and no pool).
   * `pool`: connections at most; absent, sized from `workers` (docs/store.md). `acquireTimeout`: a
   * wait for a connection longer than this fails (and the job goes back to the queue). `lockWaitTimeout`:
   * a statement waits this long for a row lock (innodb_lock_wait_timeout, whole seconds).
   */
  store: z
    .strictObject({
      pool: z.number().int().min(2).max(256).optional(),
      acquireTimeout: duration.refine((ms) => ms >= 100 && ms <= 10 * 60_000, 'between 100ms and 10m').default(10_000),
      lockWaitTimeout: duration
        .refine((ms) => ms >= 1000 && ms <= 3_600_000 && ms % 1000 === 0, 'whole seconds, between 1s and 1h')
        .default(15_000),
    })
    .prefault({}),
  /** Retries of a failed delivery: exponential backoff from `backoff`, at most `maxBackoff` apart, then dead letter. */
  delivery: z
    .strictObject({
      attempts: z.number().int().min(1).max(100).default(8),
      backoff: duration.default(2000),
      maxBackoff: duration.default(10 * 60_000),
    })
    .prefault({}),
  /** How long payload bytes are kept; audit rows are kept regardless. */
  retention: z.strictObject({ payloads: duration.optional() }).optional(),
  /** Who is told when something needs a person (docs/alerts.md). */
  alerts: alertsSchema.optional(),
});

export type GatewayConfig = z.infer<typeof gatewaySchema> & { file?: string; dir: string };

export type LoadedGateway = { ok: true; config: GatewayConfig } | { ok: false; issues: ConfigIssue[] };

/** The config file to use: --config, else EDI_GATEWAY_CONFIG, else ./gateway.yaml if present. */
export function configFile(flag?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) return resolve(flag);
  if (env.EDI_GATEWAY_CONFIG) return resolve(env.EDI_GATEWAY_CONFIG);
  return existsSync('gateway.yaml') ? resolve('gateway.yaml') : undefined;
}

/**
 * Loads and validates gateway.yaml; relative paths become relative to its folder; DATABASE_URL
 * overrides `database`. Without a file, the defaults apply relative to the working folder.
 */
export function loadGateway(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedGateway {
  const dir = file ? dirname(file) : process.cwd();
  let value: z.infer<typeof gatewaySchema>;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return {
        ok: false,
        issues: [{ file, line: 1, column: 1, path: '', message: `cannot read: ${(e as Error).message}` }],
      };
    }
    const r = parseYaml(text, file, gatewaySchema);
    if (!r.ok) return r;
    value = r.value;
  } else {
    value = gatewaySchema.parse({});
  }
  const at = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const database = env.DATABASE_URL?.trim() || value.database;
  const config: GatewayConfig = {
    ...value,
    database:
      database.startsWith('sqlite:') && !database.startsWith('sqlite::memory:')
        ? `sqlite:${at(database.slice(7))}`
        : database,
    payloads: value.payloads === 'database' ? 'database' : at(value.payloads),
    partners: at(value.partners),
    profiles: at(value.profiles),
    certs: at(value.certs),
    dir,
    ...(file ? { file } : {}),
  };
  return { ok: true, config };
}
