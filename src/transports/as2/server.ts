/**
 * The AS2 listener (RFC 4130): HTTP or HTTPS on one path. A message is unwrapped with message.ts by
 * the sending partner's policy, handed to `deps.intake`, and answered with an MDN only once intake has
 * resolved, that is once the payload and its Message row are committed. An MDN POSTed to us (the async
 * receipt for something we sent) is verified and handed to `deps.mdnReceived`.
 *
 * An async MDN is handed to `deps.recordMdn` with the MDN it records, so that the store can queue
 * its delivery in the same commit; one it did not queue goes to `deps.deliverMdn` (without it, a few
 * tries from memory).
 *
 * Everything the gateway knows (partners, store, our keys) comes in through the options and `deps`:
 * this module imports nothing from the pipeline or the store.
 *
 * HTTP statuses (RFC 4130 puts the outcome in the MDN, so anything the MDN can say goes with 200):
 * - 200: taken, or refused with an MDN that says why (processed/error …). With an async MDN the body
 *   is empty.
 * - 400: refused and no MDN was asked for, or the request is no AS2 message (headers missing).
 * - 403: AS2-From is no partner of ours, or AS2-To is not us. No MDN: an MDN signed for a stranger
 *   would tell anyone what we accept. Like a declared length over maxBytes (413) and missing AS2-From
 *   or AS2-To (400), this is answered from the headers, before any of the body is read, and the
 *   connection is closed.
 * - 413: larger than `maxBytes`; 408 (Node): the request took longer than `requestTimeoutMs`.
 * - 500: the message could not be stored. The sync MDN in the body says unexpected-processing-error,
 *   and the status says "not taken, send again": nothing was recorded, so the resend is processed as
 *   new. No async MDN is sent then, because an async MDN is final for most senders.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GatewayError } from '../../errors';
import { defineListener } from '../spec';
import { as2Inbound, checkAs2Inbound } from './partner-file';
import type { DecompressionLimits } from './cms';
import { BodyBudget } from './body-budget';
import { startAs2Crypto, type As2Crypto } from './crypto-pool';
import { dispositionFor, dispositionOf, formatDispositionType, parseMdn, type ParsedMdn } from './mdn';
import { header, readAs2Headers, type As2RequestHeaders } from './message';
import { formatMic } from './mic';
import { buildEntity, contentType as contentTypeOf, parseEntity, splitSigned } from './mime';
import { As2Answers, partyHeaders, Refusal, type Parties } from './server-answers';
import type { Unwrapped } from './unwrap-task';
import type { As2Identity, As2IntakeInput, As2PartnerPolicy, As2IntakeResult, As2ServerDeps } from './server-deps';

export type {
  As2Identity,
  As2PartnerPolicy,
  As2IntakeInput,
  As2IntakeResult,
  MdnRecord,
  As2Refusal,
  AsyncMdnRequest,
  ReceivedMdn,
  As2ServerDeps,
} from './server-deps';

export interface As2ServerOptions {
  port: number;
  /** Default: every interface. */
  host?: string;
  path: string;
  maxBytes: number;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** The whole request, headers and body (default 5 minutes): Node answers 408 after it. */
  requestTimeoutMs?: number;
  identity: As2Identity;
  /** Default: output at most `maxBytes`, with cms.ts's ratio limits. */
  decompression?: Partial<DecompressionLimits>;
  /**
   * Threads that unwrap messages and sign MDNs (crypto-pool.ts); 0 (the default here) does that work
   * on the event loop. The gateway passes gateway.yaml `as2.cryptoThreads`.
   */
  cryptoThreads?: number;
  /**
   * Messages of our own each crypto thread unwraps at start (warm-up.ts); 0 (the default here) none.
   * The gateway passes gateway.yaml `as2.cryptoWarmup`.
   */
  cryptoWarmup?: number;
  /** Tests only: see As2CryptoOptions.testHooks. */
  cryptoTestHooks?: boolean;
  /** Tests only: how long a crypto thread's task may take (crypto-pool.ts TASK_TIMEOUT_MS). */
  cryptoTaskTimeoutMs?: number;
  /** Bytes of request bodies read and not yet unwrapped, at most (default BODY_BUDGET_BYTES; body-budget.ts). */
  bodyBudgetBytes?: number;
  /** Tests only: how long a body waits for the budget at most (default BODY_BUDGET_WAIT_MS). */
  bodyBudgetWaitMs?: number;
  reportingUA?: string;
  deps: As2ServerDeps;
}

export interface As2Server {
  readonly port: number;
  /** Where partners POST (with 127.0.0.1 when listening on every interface). */
  readonly url: string;
  /** Takes nothing new; waits for requests in flight and async MDNs being delivered (each bounded). */
  close(): Promise<void>;
}

/** How long close() waits for requests still being processed and for async MDNs still being tried. */
const DRAIN_MS = 10_000;

/**
 * The bodies read and not yet unwrapped, at most (body-budget.ts): four 1 MB messages at a time, which
 * keep the event loop busy (it unwraps them one after the other), while 16 or more in flight each held
 * their chunks and their joined copy at once (docs/bench.md, AS2 rows, session 18). 10 KB messages never
 * meet it. A larger body is read alone.
 */
export const BODY_BUDGET_BYTES = 4 * 1024 * 1024;

/** How long a body waits for the budget at most before it is read anyway (body-budget.ts). */
export const BODY_BUDGET_WAIT_MS = 1_000;

/** An async MDN comes with no request for an MDN, as a multipart/report, signed or not. */
function isMdn(headers: http.IncomingHttpHeaders, body: Buffer, as2: As2RequestHeaders): boolean {
  if (as2.dispositionNotificationTo !== undefined) return false;
  const ct = header(headers, 'content-type');
  if (!ct) return false;
  try {
    const top = parseEntity(buildEntity([['Content-Type', ct]], Buffer.alloc(0)));
    const type = contentTypeOf(top).value;
    if (type === 'multipart/report') return true;
    if (type !== 'multipart/signed') return false;
    const inner = splitSigned(parseEntity(buildEntity([['Content-Type', ct]], body))).content;
    return contentTypeOf(inner).value === 'multipart/report';
  } catch {
    return false;
  }
}

/** What every step of a request works with: the options, and how to answer. */
interface Listener {
  opts: As2ServerOptions;
  deps: As2ServerDeps;
  identity: As2Identity;
  decompression: Partial<DecompressionLimits>;
  crypto: As2Crypto;
  answers: As2Answers;
  budget: BodyBudget;
  closing(): boolean;
}

/** An AS2 request as read: its headers, the partner who sends it and its body. */
interface ReadRequest {
  as2: As2RequestHeaders;
  partner: As2PartnerPolicy;
  /** Emptied when a message is handed to the unwrap: see unwrap(). */
  body: Buffer;
  parties: Parties;
  /** Gives the body's share of the budget back (once; later calls do nothing). */
  release(): void;
}

const NO_BODY = Buffer.alloc(0);

// ---------------------------------------------------------------------------------------------
// Reading

function declaredTooLarge(l: Listener, req: http.IncomingMessage): boolean {
  const cl = Number(req.headers['content-length']);
  return Number.isFinite(cl) && cl > l.opts.maxBytes;
}

function tooLarge(l: Listener): Refusal {
  const e = new GatewayError('EDIGW_AS2_TOO_LARGE', `the request is longer than ${l.opts.maxBytes} bytes`);
  return new Refusal(413, e, { kind: 'unread' });
}

/** The sending partner, or why the headers alone refuse the request (who sends, to whom). */
function checkParties(l: Listener, as2: As2RequestHeaders): As2PartnerPolicy | Refusal {
  const unread = { kind: 'unread' } as const;
  if (!as2.as2From || !as2.as2To) {
    const missing = [!as2.as2From && 'AS2-From', !as2.as2To && 'AS2-To'].filter(Boolean).join(', ');
    return new Refusal(400, new GatewayError('EDIGW_AS2_HEADERS_INVALID', `missing or invalid: ${missing}`), unread);
  }
  if (as2.as2To !== l.identity.id) {
    const e = new GatewayError(
      'EDIGW_AS2_RECIPIENT_UNKNOWN',
      `AS2-To ${JSON.stringify(as2.as2To)} is not this gateway`,
    );
    return new Refusal(403, e, unread);
  }
  return (
    l.deps.partner(as2.as2From) ??
    new Refusal(403, new GatewayError('EDIGW_AS2_PARTNER_UNKNOWN', `AS2-From ${JSON.stringify(as2.as2From)}`), unread)
  );
}

/** The body, or undefined when it passed maxBytes (the 413 is then already sent) or the client went away. */
function readBody(l: Listener, req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: Buffer | undefined) => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      resolve(v);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > l.opts.maxBytes) {
        chunks.length = 0;
        finish(undefined);
        void l.answers.refuse(req, res, tooLarge(l), partyHeaders(req));
        return;
      }
      chunks.push(c);
    };
    // A request that ended while it waited for the budget has nothing more to give.
    if (req.destroyed) return finish(undefined);
    req.on('data', onData);
    // The chunks are let go at once: this listener stays on the request until it is answered, and
    // would keep a second copy of the body alive while the message waits for its commit.
    req.on('end', () => finish(Buffer.concat(chunks.splice(0), size)));
    req.on('close', () => finish(undefined));
    req.on('error', () => finish(undefined));
  });
}

/** What a request gets before anything of AS2 is looked at: not our path, not a POST, or we are stopping. */
function earlyAnswer(
  l: Listener,
  req: http.IncomingMessage,
): { status: number; text: string; extra: Record<string, string> } | undefined {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== l.opts.path)
    return { status: 404, text: `no AS2 endpoint here; partners POST to ${l.opts.path}`, extra: {} };
  if (req.method !== 'POST') return { status: 405, text: 'AS2 messages are POSTed', extra: { Allow: 'POST' } };
  if (l.closing())
    return {
      status: 503,
      text: 'the gateway is stopping; send again later',
      extra: { Connection: 'close', 'Retry-After': '30' },
    };
  return undefined;
}

/**
 * Reads a request up to its body: undefined when it was answered already (not our path, not a POST,
 * stopping, the client went away). A stranger's body is never read: the headers say enough, and
 * buffering it would let anyone spend our memory up to maxBytes per request.
 */
async function readRequest(
  l: Listener,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<ReadRequest | undefined> {
  const { answers } = l;
  const early = earlyAnswer(l, req);
  if (early) {
    req.resume();
    answers.text(res, early.status, early.text, early.extra);
    return undefined;
  }
  const as2 = readAs2Headers(req.headers);
  const parties: Parties = {
    as2From: as2.as2From,
    as2To: as2.as2To,
    messageId: as2.messageId,
    remote: req.socket.remoteAddress,
  };
  const partner = declaredTooLarge(l, req) ? tooLarge(l) : checkParties(l, as2);
  if (partner instanceof Refusal) throw partner;
  const release = await holdBudget(l, req);
  const body = await readBody(l, req, res);
  if (body === undefined) {
    release();
    return undefined;
  }
  return { as2, partner, body, parties: { ...parties, partnerId: partner.partnerId }, release };
}

/**
 * Waits until the request's body fits the budget: its declared length, or, without one (chunked),
 * as much as it may be (maxBytes, at most the whole budget). Returns how to give it back.
 */
async function holdBudget(l: Listener, req: http.IncomingMessage): Promise<() => void> {
  const declared = Number(req.headers['content-length']);
  const bytes = Number.isFinite(declared) ? declared : Math.min(l.opts.maxBytes, l.budget.limit);
  await l.budget.acquire(bytes);
  let held = true;
  return () => {
    if (held) l.budget.release(bytes);
    held = false;
  };
}

// ---------------------------------------------------------------------------------------------
// Unwrapping and storing a message

/**
 * The payload, every AS2 layer removed as the partner's policy asks, with the `processed` MDN it will
 * be answered with once stored; refused with the MDN disposition that says why. A crypto thread that
 * died on it is answered 500 like a failed intake: nothing was taken, send again.
 */
async function unwrap(l: Listener, req: http.IncomingMessage, r: ReadRequest): Promise<Unwrapped> {
  try {
    const mdnAt = r.as2.dispositionNotificationTo !== undefined ? l.answers.now() : undefined;
    // The body is handed over (to a thread, or to the decryption here): nothing here reads it again,
    // and a message waiting for its commit holds its payload only, not the body it came in.
    const body = r.body;
    r.body = NO_BODY;
    return await l.crypto.unwrap(
      req.headers,
      body,
      {
        signed: r.partner.signed,
        encrypted: r.partner.encrypted,
        certificates: r.partner.certificates,
        keys: l.identity.keys,
        decompression: l.decompression,
      },
      mdnAt,
    );
  } catch (e) {
    const error =
      e instanceof GatewayError
        ? e
        : new GatewayError('EDIGW_AS2_PROCESSING_FAILED', `receiving ${r.as2.messageId}`, { cause: e });
    const disposition = dispositionFor(error);
    if (error.code === 'EDIGW_AS2_WORKER_FAILED') {
      const syncMdn = r.as2.dispositionNotificationTo !== undefined && r.as2.receiptDeliveryOption === undefined;
      throw new Refusal(500, error, syncMdn ? { kind: 'mdn' } : { kind: 'text' }, disposition);
    }
    if (r.as2.dispositionNotificationTo !== undefined) throw new Refusal(200, error, { kind: 'mdn' }, disposition);
    throw new Refusal(400, error, { kind: 'text', text: `${formatDispositionType(disposition)}: ${error.describe()}` });
  } finally {
    // The body is gone (or is the payload now, which waits for its commit as before): the next one may be read.
    r.release();
  }
}

/** Hands the payload to intake (the commit); refused with 500 when it cannot be stored: nothing was recorded, send again. */
async function store(l: Listener, r: ReadRequest, received: Unwrapped): Promise<As2IntakeResult> {
  const messageId = r.as2.messageId!;
  const mic = formatMic(received.mic);
  try {
    return await l.deps.intake({
      partnerId: r.partner.partnerId,
      bytes: received.payload,
      fileName: received.fileName,
      contentType: received.contentType,
      as2MessageId: messageId,
      as2From: r.as2.as2From!,
      mic,
      sha256: received.sha256,
      receipt: receiptWithIntake(r.as2, received, mic),
    });
  } catch (e) {
    const error = new GatewayError('EDIGW_AS2_INTAKE_FAILED', `storing ${messageId} from ${r.partner.partnerId}`, {
      cause: e,
    });
    // No async MDN then: an async MDN is final for most senders.
    const syncMdn = r.as2.dispositionNotificationTo !== undefined && r.as2.receiptDeliveryOption === undefined;
    throw new Refusal(500, error, syncMdn ? { kind: 'mdn' } : { kind: 'text' }, dispositionFor(error));
  }
}

/**
 * The receipt that can be recorded in the message's own commit: the sync MDN built with the unwrap,
 * or the disposition alone when no MDN was asked for. An async MDN is left to recordMdn, which
 * queues its delivery; so is a sync MDN the unwrap did not build (answerTaken builds it then).
 */
function receiptWithIntake(as2: As2RequestHeaders, received: Unwrapped, mic: string): As2IntakeInput['receipt'] {
  const processed = formatDispositionType({ kind: 'processed' });
  if (as2.dispositionNotificationTo === undefined) return { disposition: processed, mic };
  if (as2.receiptDeliveryOption !== undefined || !received.mdn) return undefined;
  return {
    mdn: received.mdn,
    disposition: processed,
    mic,
    ...(received.mdnSha256 ? { mdnSha256: received.mdnSha256 } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Answering a message

/** RFC 4130 §5.5: a resent message gets the reply sent the first time, byte for byte when we kept it. */
async function answerDuplicate(
  l: Listener,
  res: http.ServerResponse,
  r: ReadRequest,
  received: Unwrapped,
  stored: As2IntakeResult,
): Promise<void> {
  const { deps, answers } = l;
  const messageId = r.as2.messageId!;
  deps.logger.info(
    { partner: r.partner.partnerId, messageId, message: stored.messageId },
    'as2 duplicate Message-ID: not processed again',
  );
  if (r.as2.dispositionNotificationTo === undefined) {
    answers.text(res, 200, `${messageId} was received before`);
    return;
  }
  const first = await deps.storedMdn(stored.messageId).catch((e) => {
    deps.logger.error({ message: stored.messageId, err: (e as Error).message }, 'as2: reading the stored MDN failed');
    return undefined;
  });
  const entity = first ?? (await answers.mdn(r.as2, dispositionOf('EDIGW_AS2_DUPLICATE_DOCUMENT'), received.mic));
  answers.withMdn(res, r.as2, r.partner.partnerId, entity, 200, stored.messageId);
}

/** A message taken: its MDN recorded (and, async, queued in the same commit when the store can), then sent. */
async function answerTaken(
  l: Listener,
  res: http.ServerResponse,
  r: ReadRequest,
  received: Unwrapped,
  stored: As2IntakeResult,
): Promise<void> {
  const { deps, answers } = l;
  const { as2, partner } = r;
  const messageId = as2.messageId!;
  const mdnWanted = as2.dispositionNotificationTo !== undefined;
  // Built with the unwrap, before the commit; sent only now that the receipt is committed.
  const mdn = mdnWanted ? (received.mdn ?? (await answers.mdn(as2, { kind: 'processed' }, received.mic))) : undefined;
  const asyncMdn = mdn ? answers.asyncMdnRequest(as2, partner.partnerId, mdn, stored.messageId) : undefined;
  let queued = false;
  try {
    // Recorded with the message already (receiptWithIntake), in the commit the partner waited for.
    const recorded = stored.receiptRecorded
      ? undefined
      : await deps.recordMdn(stored.messageId, {
          mdn,
          disposition: formatDispositionType({ kind: 'processed' }),
          mic: formatMic(received.mic),
          ...(mdn === received.mdn && received.mdnSha256 ? { mdnSha256: received.mdnSha256 } : {}),
          ...(asyncMdn ? { async: asyncMdn } : {}),
        });
    queued = !!asyncMdn && !!recorded && recorded.mdnQueued === true;
  } catch (e) {
    // The message is stored and will be processed: the receipt still goes out; only a resend would get a fresh one.
    deps.logger.error({ message: stored.messageId, err: (e as Error).message }, 'as2: recording the MDN failed');
  }
  deps.logger.info(
    {
      partner: partner.partnerId,
      messageId,
      message: stored.messageId,
      bytes: received.payload.length,
      fileName: received.fileName,
      signed: received.signed?.digest,
      encrypted: received.encrypted?.cipher,
      compressed: received.compressed?.order,
      mdn: mdnWanted ? (as2.receiptDeliveryOption ? 'async' : 'sync') : 'none',
    },
    'as2 received',
  );
  if (mdn) answers.withMdn(res, as2, partner.partnerId, mdn, 200, stored.messageId, queued);
  else answers.text(res, 200, `${messageId} received`);
}

/** A message: unwrapped, stored, answered. */
async function receiveAs2Message(
  l: Listener,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  r: ReadRequest,
): Promise<void> {
  if (!r.as2.messageId)
    throw new Refusal(400, new GatewayError('EDIGW_AS2_HEADERS_INVALID', 'missing or invalid: Message-ID'));
  const received = await unwrap(l, req, r);
  const stored = await store(l, r, received);
  if (stored.duplicate) await answerDuplicate(l, res, r, received, stored);
  else await answerTaken(l, res, r, received, stored);
}

/** An async MDN for something we sent: read, verified with their certificates, handed to mdnReceived. */
async function receiveMdn(l: Listener, req: http.IncomingMessage, res: http.ServerResponse, r: ReadRequest) {
  const { deps, answers } = l;
  const ct = header(req.headers, 'content-type')!;
  if (!deps.mdnReceived)
    throw new Refusal(400, new GatewayError('EDIGW_AS2_MDN_UNMATCHED', 'an async MDN, and this listener takes none'));
  let mdn: ParsedMdn;
  try {
    mdn = parseMdn(ct, r.body, {
      certificates: r.partner.certificates.length ? r.partner.certificates : undefined,
      transferEncoding: header(req.headers, 'content-transfer-encoding'),
    });
  } catch (e) {
    throw new Refusal(
      400,
      e instanceof GatewayError ? e : new GatewayError('EDIGW_AS2_MDN_INVALID', 'reading an async MDN', { cause: e }),
    );
  }
  const matched = await deps.mdnReceived({
    partnerId: r.partner.partnerId,
    as2From: r.as2.as2From!,
    mdn,
    entity: buildEntity([['Content-Type', ct]], r.body),
    remote: r.parties.remote,
  });
  // A readable MDN is taken either way: sending it again would not make it match.
  answers.text(
    res,
    200,
    matched.matched
      ? `MDN for ${mdn.originalMessageId} received`
      : `MDN received; ${matched.detail ?? 'it matches nothing we sent'}`,
  );
}

/** One request: read, then a message or an async MDN; every refusal of any step answered by the one path. */
async function handle(l: Listener, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let read: ReadRequest | undefined;
  try {
    read = await readRequest(l, req, res);
    if (!read) return;
    if (isMdn(req.headers, read.body, read.as2)) await receiveMdn(l, req, res, read);
    else await receiveAs2Message(l, req, res, read);
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    await l.answers.refuse(req, res, e, read?.parties ?? partyHeaders(req), read?.as2);
  } finally {
    // An async MDN, a refusal before the unwrap, anything unexpected: its body is let go by now.
    read?.release();
  }
}

// ---------------------------------------------------------------------------------------------
// The server

export async function startAs2Server(opts: As2ServerOptions): Promise<As2Server> {
  const { deps } = opts;
  const requestTimeout = opts.requestTimeoutMs ?? 300_000;
  let closing = false;
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };
  const crypto = startAs2Crypto({
    threads: opts.cryptoThreads ?? 0,
    signing: { id: opts.identity.id, reportingUA: opts.reportingUA ?? 'edi-gateway', signer: opts.identity.signer },
    keys: opts.identity.keys,
    logger: deps.logger,
    testHooks: opts.cryptoTestHooks,
    taskTimeoutMs: opts.cryptoTaskTimeoutMs,
    warmup: opts.cryptoWarmup,
  });
  const l: Listener = {
    opts,
    deps,
    identity: opts.identity,
    decompression: opts.decompression ?? { maxBytes: opts.maxBytes },
    crypto,
    budget: new BodyBudget(opts.bodyBudgetBytes ?? BODY_BUDGET_BYTES, opts.bodyBudgetWaitMs ?? BODY_BUDGET_WAIT_MS),
    closing: () => closing,
    answers: new As2Answers({
      identity: opts.identity,
      deps,
      clock: deps.clock ?? (() => new Date()),
      crypto,
      track,
      closing: () => closing,
    }),
  };

  const serverOptions: http.ServerOptions = {
    requestTimeout,
    headersTimeout: Math.min(60_000, requestTimeout),
    // Node looks for timed-out requests this often (30 s by default): short timeouts need a shorter look.
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(requestTimeout / 4))),
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    void track(
      handle(l, req, res).catch((e) => {
        deps.logger.error({ err: (e as Error).message }, 'as2 request failed unexpectedly');
        if (!res.headersSent) l.answers.text(res, 500, 'internal error; the gateway log has the detail');
        else res.destroy();
      }),
    );
  };
  const server = opts.tls
    ? https.createServer({ ...serverOptions, key: opts.tls.key, cert: opts.tls.cert }, handler)
    : http.createServer(serverOptions, handler);
  // Without this, Node answers `Expect: 100-continue` itself and the client sends a body we refuse anyway.
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!declaredTooLarge(l, req) && !(checkParties(l, readAs2Headers(req.headers)) instanceof Refusal))
      res.writeContinue();
    handler(req, res);
  });

  await listen(server, opts).catch(async (e: unknown) => {
    await crypto.close();
    throw e;
  });
  server.on('error', (e) => deps.logger.error({ err: e.message }, 'as2 server error'));
  const port = (server.address() as AddressInfo).port;
  const host =
    !opts.host || opts.host === '0.0.0.0' || opts.host === '::'
      ? '127.0.0.1'
      : opts.host.includes(':')
        ? `[${opts.host}]`
        : opts.host;
  const url = `${opts.tls ? 'https' : 'http'}://${host}:${port}${opts.path}`;

  let closed: Promise<void> | undefined;
  return {
    port,
    url,
    close: () =>
      (closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const drained = Promise.all([...inFlight]).then(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          drained,
          new Promise<void>((r) => {
            timer = setTimeout(r, DRAIN_MS);
          }),
        ]);
        clearTimeout(timer);
        server.closeAllConnections();
        await stopped;
        await crypto.close();
      })()),
  };
}

function listen(server: http.Server, opts: As2ServerOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (e: Error) =>
      reject(
        new GatewayError('EDIGW_AS2_LISTEN', `port ${opts.port}${opts.host ? ` on ${opts.host}` : ''}`, { cause: e }),
      );
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}

/** The AS2 listener: gateway.yaml `as2` sets it up; a partner's `inbound.as2` says what its messages must be. */
export const as2Server = defineListener({
  kind: 'as2-server',
  partner: { key: 'as2', schema: as2Inbound, check: checkAs2Inbound },
});
