/**
 * The admin HTTP API: health for load balancers, and behind a bearer token the routes ops and scripts
 * use to submit inbound files, send outbound ones and read reports. Everything it acts on is injected
 * (AdminDeps), so it knows neither the pipeline nor the store, and tests drive it over real HTTP.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { GatewayError, type ErrorCode, type ErrorKind } from '../errors';
import {
  actorOf,
  adminUsers,
  createAuthenticator,
  limitFailures,
  operatorsAct,
  RateLimited,
  requireUser,
  type AdminUserSpec,
} from './auth';
import type { Audit } from './audit';
import { createConsole, type ConsoleSources } from './console/router';
import { messagesRouter, type MessageDeps } from './routes/messages';
import { auditRouter, type AuditDeps } from './routes/audit';
import { deadLettersRouter, type DeadLetterDeps } from './routes/dead-letters';
import { openApiRouter } from './routes/openapi';
import { dayParam, parseQuery } from './routes/params';
import { partnersRouter, type PartnerSources } from './routes/partners';
import { mountMetrics, type MetricsMode } from './metrics';

export interface AdminLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AdminDeps {
  /** An operator's bearer token (admin.token); with no token and no users, /api answers 503 with how to set one. */
  token: string | undefined;
  /** admin.users: named operators and auditors (auth.ts). */
  users?: readonly AdminUserSpec[];
  /** Records an operator action as an `admin.<action>` event (audit.ts); absent: not recorded. */
  audit?: Audit;
  /** Request body limit in bytes; a larger body is answered 413. */
  maxBytes: number;
  /** 404 for unknown partners. */
  partnerExists(id: string): boolean;
  /** Inbound submit: store durably; resolves after commit. */
  submit(input: {
    partnerId: string;
    bytes: Buffer;
    fileName?: string;
  }): Promise<{ messageId: string; duplicate?: boolean; duplicateOf?: string }>;
  /** Outbound send through the partner's endpoint (canonical JSON or raw EDI); resolves when queued. */
  send(input: {
    partnerId: string;
    endpoint: string;
    bytes: Buffer;
    contentType: string;
    fileName?: string;
  }): Promise<{ messageId: string }>;
  /** Shown to anyone who can reach the port: keep secrets out of `detail`. */
  health(): Promise<{ ok: boolean; detail: Record<string, unknown> }>;
  report?(query: { from?: string; to?: string; partner?: string }): Promise<unknown>;
  /** The AS2 certificates that expire within 30 days or have expired (ours, and the partner's when one is named). */
  certificates?(query: { partner?: string }): Promise<unknown>;
  /** The gateway's version, for the OpenAPI document. */
  version?: string;
  /** Message search, lineage and payloads (routes/messages.ts); absent: those routes are 404. */
  messages?: MessageDeps;
  /** Dead letters and replay (routes/dead-letters.ts). */
  deadLetters?: DeadLetterDeps;
  /** The audit trail of operator actions (routes/audit.ts); absent: GET /api/audit is 404. */
  auditTrail?: AuditDeps;
  /** Partner health, connectivity check, pause and resume (routes/partners.ts); absent: those routes are 404. */
  partners?: PartnerSources;
  /** `GET /metrics` (Prometheus text), open or behind the token (admin/metrics.ts); absent: no such route. */
  metrics?: { mode: MetricsMode; scrape(): Promise<{ contentType: string; body: string }> };
  logger: AdminLogger;
  /** The web console at `/` (docs/console.md): how it signs users in and what it shows. */
  console?: ConsoleSources;
}

/** What the API answers for each of its own codes; a GatewayError from a dependency is answered by kind. */
const STATUS_OF_CODE: Partial<Record<ErrorCode, number>> = {
  EDIGW_ADMIN_TOKEN_UNSET: 503,
  EDIGW_ADMIN_UNAUTHORIZED: 401,
  EDIGW_ADMIN_RATE_LIMITED: 429,
  EDIGW_ADMIN_NOT_FOUND: 404,
  EDIGW_ADMIN_PARTNER_UNKNOWN: 404,
  EDIGW_ADMIN_BAD_REQUEST: 400,
  EDIGW_ADMIN_BODY_EMPTY: 400,
  EDIGW_ADMIN_BODY_TOO_LARGE: 413,
  EDIGW_ADMIN_REPORTS_OFF: 501,
  EDIGW_ADMIN_INTERNAL: 500,
  EDIGW_ADMIN_FORBIDDEN: 403,
  EDIGW_ADMIN_MESSAGE_UNKNOWN: 404,
  EDIGW_ADMIN_PAYLOAD_GONE: 410,
  EDIGW_DELIVERY_NOT_FOUND: 404,
  EDIGW_NOT_DEAD: 409,
  EDIGW_ALREADY_PROCESSED: 409,
  EDIGW_ADMIN_CSRF_REFUSED: 403,
};

const STATUS_OF_KIND: Record<ErrorKind, number> = {
  usage: 400,
  config: 400,
  dead: 422,
  disposition: 422,
  retry: 503,
};

export function statusOf(err: GatewayError): number {
  return STATUS_OF_CODE[err.code] ?? STATUS_OF_KIND[err.kind];
}

/** Same rule as the partner file's endpoint names. */
const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** A name that stays a name wherever a transport uses it: in a folder (no separators) and in a header (no control characters). */
const isPlainName = (name: string) =>
  name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\\p{Cc}]/u.test(name);

type Locals = { requestId: string };
const requestIdOf = (res: Response) => (res.locals as Locals).requestId;

/** Seconds a client is asked to wait before trying again a request refused for now (a busy database). */
export const RETRY_AFTER_S = 5;

function fail(res: Response, err: GatewayError): void {
  const status = statusOf(err);
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="edi-gateway"');
  if (status === 503 && err.kind === 'retry') res.setHeader('Retry-After', String(RETRY_AFTER_S));
  if (err instanceof RateLimited) res.setHeader('Retry-After', String(err.retryAfterS));
  res.status(status).json({ error: { code: err.code, message: err.message } });
}

/** An optional query parameter given at most once, as text. */
/** What `edi-gateway report` takes: days, checked here, so that 2026-13-45 is a 400 and not an empty report. */
const reportQuery = z.object({
  from: dayParam.optional(),
  to: dayParam.optional(),
  partner: z.string().min(1).optional(),
});

function queryText(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw new GatewayError('EDIGW_ADMIN_BAD_REQUEST', `query parameter ${name} must be given once`);
  return v;
}

function fileNameOf(req: Request): string | undefined {
  const name = queryText(req, 'fileName');
  if (name !== undefined && !isPlainName(name)) {
    throw new GatewayError(
      'EDIGW_ADMIN_BAD_REQUEST',
      'fileName must be a plain file name: no folders, no control characters, at most 255 characters',
    );
  }
  return name;
}

/** The raw body, which express.raw has read into a Buffer; anything else means there was none. */
function bodyOf(req: Request): Buffer {
  const body: unknown = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0)
    throw new GatewayError('EDIGW_ADMIN_BODY_EMPTY', `${req.method} ${req.path}`);
  return body;
}

export function createAdminApp(deps: AdminDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // The simple parser: `a[b]=c` stays a plain key, so a query value is a string or a list, never an object.
  app.set('query parser', 'simple');

  const auth = limitFailures(createAuthenticator(adminUsers(deps.token, deps.users)), deps.logger);

  // Handlers below are async: Express 5 hands a rejected promise to the error handler at the end.
  app.use((_req, res, next) => {
    const requestId = randomUUID();
    (res.locals as Locals).requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    next();
  });

  app.get('/health', async (_req, res) => {
    try {
      const h = await deps.health();
      res.status(h.ok ? 200 : 503).json({ ok: h.ok, detail: h.detail });
    } catch (err) {
      deps.logger.error({ err, requestId: requestIdOf(res) }, 'admin: health check failed');
      res.status(503).json({ ok: false, detail: {} });
    }
  });

  // The console signs people in with the same users and tokens as /api; a session cookie stands in for the token.
  const webConsole = createConsole({
    authenticate: (token, from) => auth.authenticate(token, from),
    ...deps,
    ...deps.console,
  });
  app.use(webConsole.router);
  app.use('/api', webConsole.apiSession);
  app.use('/api', requireUser(auth, deps.logger, fail), operatorsAct);
  if (deps.metrics) mountMetrics(app, deps.metrics, requireUser(auth, deps.logger, fail));

  // Checked before the body is read, so a request for an unknown partner is not made to upload first.
  const knownPartner: RequestHandler = (req, res, next) => {
    const id = String(req.params.id);
    if (!deps.partnerExists(id))
      return fail(res, new GatewayError('EDIGW_ADMIN_PARTNER_UNKNOWN', `partner ${JSON.stringify(id)}`));
    next();
  };
  const rawBody = express.raw({ type: () => true, limit: deps.maxBytes });

  app.post('/api/partners/:id/submit', knownPartner, rawBody, async (req, res) => {
    const fileName = fileNameOf(req);
    const bytes = bodyOf(req);
    const partnerId = String(req.params.id);
    const r = await deps.submit({ partnerId, bytes, ...(fileName !== undefined ? { fileName } : {}) });
    await deps.audit?.({
      action: 'submit',
      actor: actorOf(res),
      messageId: r.messageId,
      partnerId,
      detail: { fileName: fileName ?? null, bytes: bytes.length, duplicate: r.duplicate === true },
    });
    deps.logger.info(
      {
        partner: partnerId,
        messageId: r.messageId,
        bytes: bytes.length,
        duplicate: r.duplicate === true,
        ...(r.duplicateOf ? { duplicateOf: r.duplicateOf } : {}),
      },
      'admin: submitted',
    );
    res.status(202).json({
      messageId: r.messageId,
      duplicate: r.duplicate === true,
      ...(r.duplicateOf ? { duplicateOf: r.duplicateOf } : {}),
    });
  });

  app.post('/api/partners/:id/send', knownPartner, rawBody, async (req, res) => {
    const endpoint = queryText(req, 'endpoint');
    if (endpoint === undefined || !ENDPOINT_NAME.test(endpoint)) {
      throw new GatewayError(
        'EDIGW_ADMIN_BAD_REQUEST',
        "endpoint must name one of the partner's endpoints (?endpoint=NAME)",
      );
    }
    const fileName = fileNameOf(req);
    const bytes = bodyOf(req);
    const partnerId = String(req.params.id);
    const contentType = req.get('content-type')?.trim() || 'application/octet-stream';
    const r = await deps.send({
      partnerId,
      endpoint,
      bytes,
      contentType,
      ...(fileName !== undefined ? { fileName } : {}),
    });
    await deps.audit?.({
      action: 'send',
      actor: actorOf(res),
      messageId: r.messageId,
      partnerId,
      detail: { endpoint, fileName: fileName ?? null, bytes: bytes.length },
    });
    deps.logger.info(
      { partner: partnerId, endpoint, messageId: r.messageId, bytes: bytes.length },
      'admin: queued for sending',
    );
    res.status(202).json({ messageId: r.messageId });
  });

  app.get('/api/report', async (req, res) => {
    if (!deps.report) throw new GatewayError('EDIGW_ADMIN_REPORTS_OFF', 'GET /api/report');
    const { from, to, partner } = parseQuery(reportQuery, req);
    if (partner !== undefined && !deps.partnerExists(partner))
      throw new GatewayError('EDIGW_ADMIN_PARTNER_UNKNOWN', `partner ${JSON.stringify(partner)}`);
    const report = await deps.report({
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(partner !== undefined ? { partner } : {}),
    });
    res.status(200).json(report);
  });

  app.get('/api/report/certificates', async (req, res) => {
    if (!deps.certificates) throw new GatewayError('EDIGW_ADMIN_REPORTS_OFF', 'GET /api/report/certificates');
    const partner = queryText(req, 'partner');
    if (partner !== undefined && !deps.partnerExists(partner))
      throw new GatewayError('EDIGW_ADMIN_PARTNER_UNKNOWN', `partner ${JSON.stringify(partner)}`);
    res.status(200).json(await deps.certificates(partner !== undefined ? { partner } : {}));
  });

  app.use('/api', openApiRouter(deps.version ?? '0.0.0'));
  if (deps.messages) app.use('/api', messagesRouter(deps.messages));
  if (deps.auditTrail) app.use('/api', auditRouter(deps.auditTrail));
  if (deps.deadLetters)
    app.use('/api', deadLettersRouter({ ...deps.deadLetters, ...(deps.audit ? { audit: deps.audit } : {}) }));
  if (deps.partners)
    app.use(
      '/api',
      partnersRouter({
        ...deps.partners,
        exists: (id) => deps.partnerExists(id),
        ...(deps.audit ? { audit: deps.audit } : {}),
      }),
    );

  app.use((req, res) => {
    fail(res, new GatewayError('EDIGW_ADMIN_NOT_FOUND', `${req.method} ${req.path}`));
  });

  // Express knows an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = requestIdOf(res);
    if (res.headersSent) {
      deps.logger.error({ err, requestId }, 'admin: failed after answering');
      res.destroy();
      return;
    }
    if (err instanceof GatewayError) {
      const status = statusOf(err);
      const log = status >= 500 ? deps.logger.error : deps.logger.warn;
      log.call(
        deps.logger,
        { code: err.code, detail: err.describe(), method: req.method, path: req.path, requestId },
        'admin: request failed',
      );
      return fail(res, err);
    }
    const parserError = clientError(err, req);
    if (parserError) return fail(res, parserError);
    deps.logger.error({ err, method: req.method, path: req.path, requestId }, 'admin: unexpected error');
    fail(res, new GatewayError('EDIGW_ADMIN_INTERNAL', `request ${requestId}`));
  });

  return app;
}

/** The body reader's and router's own errors (http-errors with a 4xx status): the client's fault, said in our words. */
function clientError(err: unknown, req: Request): GatewayError | undefined {
  const e = err as { status?: unknown; type?: unknown } | null;
  if (!e || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return undefined;
  if (e.type === 'entity.too.large') return new GatewayError('EDIGW_ADMIN_BODY_TOO_LARGE', 'reading the request body');
  if (typeof e.type !== 'string') return new GatewayError('EDIGW_ADMIN_BAD_REQUEST', `${req.method} ${req.path}`);
  const what =
    e.type === 'encoding.unsupported'
      ? 'unsupported Content-Encoding (gzip, deflate and br are read)'
      : e.type === 'request.aborted'
        ? 'the client aborted the upload'
        : e.type === 'request.size.invalid'
          ? 'the body is shorter or longer than Content-Length'
          : 'the body cannot be read or decompressed';
  return new GatewayError('EDIGW_ADMIN_BAD_REQUEST', `reading the request body: ${what}`);
}

export interface AdminListener {
  port: number;
  /** Stops accepting, lets requests in flight finish, and closes every connection, keep-alive ones too. */
  close(): Promise<void>;
}

/** How long requests in flight may take to finish once close() is called, before their connections are cut. */
const CLOSE_GRACE_MS = 10_000;

export function listenAdmin(app: express.Express, port: number, host?: string): Promise<AdminListener> {
  const server = http.createServer();
  let closing = false;
  const inFlight = new Set<http.ServerResponse>();
  // Registered before the app, so that during close a keep-alive client is told to go away with its answer.
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (closing) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.on('close', () => {
      inFlight.delete(res);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  server.on('request', app);

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const closed = new Promise<void>((done) => server.once('close', () => done()));
      resolve({
        port: (server.address() as AddressInfo).port,
        close: async () => {
          if (!closing) {
            closing = true;
            for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
            server.close();
            server.closeIdleConnections();
            const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
            cut.unref();
            void closed.then(() => clearTimeout(cut));
          }
          await closed;
        },
      });
    });
  });
}
