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
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { GatewayError, type ErrorCode } from '../../errors';
import { defineListener, type TransportLogger } from '../spec';
import { as2Inbound, checkAs2Inbound } from './partner-file';
import { DIGESTS, type Certificate, type DecompressionLimits, type DecryptionKey, type DigestAlgorithm } from './cms';
import { deliverAsyncMdn } from './http-client';
import {
  buildMdn,
  dispositionFor,
  formatDispositionType,
  parseMdn,
  type BuiltMdn,
  type Disposition,
  type ParsedMdn,
} from './mdn';
import {
  formatAs2Name,
  header,
  newMessageId,
  readAs2Headers,
  receiveMessage,
  type As2RequestHeaders,
  type ReceivedMessage,
  type Requirement,
} from './message';
import { chooseMicAlgorithm, formatMic, type Mic } from './mic';
import { buildEntity, contentType as contentTypeOf, parseEntity, splitSigned } from './mime';

export interface As2Identity {
  /** Our AS2 name: what AS2-To must say. */
  id: string;
  /** Our keys (two during our own rollover). */
  keys: readonly DecryptionKey[];
  /** Signs MDNs; without it every MDN goes unsigned. */
  signer?: { key: KeyObject; certificate: Certificate };
}

/** What the partner file says about what it sends us. */
export interface As2PartnerPolicy {
  partnerId: string;
  signed: Requirement;
  encrypted: Requirement;
  /** Their certificates: two during a rollover, either verifies. */
  certificates: readonly Certificate[];
}

export interface As2IntakeInput {
  partnerId: string;
  /** The payload, every AS2 layer removed. */
  bytes: Buffer;
  fileName?: string;
  contentType: string;
  as2MessageId: string;
  as2From: string;
  /** `base64, sha-256`, as the MDN carries it. */
  mic: string;
}

export interface As2IntakeResult {
  messageId: string;
  /** The same Message-ID came from the same AS2-From before: nothing new was stored. */
  duplicate: boolean;
}

export interface MdnRecord {
  /** The MDN as one MIME entity (Content-Type, empty line, body); absent when the sender asked for none. */
  mdn?: Buffer;
  /** `processed`, `processed/warning: duplicate-document` … */
  disposition: string;
  mic?: string;
  /**
   * The MDN goes asynchronously, as this request (an http or https Receipt-Delivery-Option): recordMdn
   * may queue it durably in the same commit, and says so with `{ mdnQueued: true }`.
   */
  async?: AsyncMdnRequest;
}

/** A request we did not take, for the audit trail. */
export interface As2Refusal {
  code: ErrorCode;
  /** The whole story, as GatewayError.describe() tells it. */
  reason: string;
  status: number;
  /** The MDN's disposition, when one was sent. */
  disposition?: string;
  partnerId?: string;
  as2From?: string;
  as2To?: string;
  messageId?: string;
  remote?: string;
}

export interface AsyncMdnRequest {
  url: string;
  /** The HTTP headers of the MDN's POST (AS2 headers, its own Message-ID and Date, Content-Type). */
  headers: Record<string, string>;
  /** The HTTP body: the MDN entity's body. */
  body: Buffer;
  /** The MDN as one MIME entity, as recordMdn and storedMdn hold it. */
  entity: Buffer;
  partnerId: string;
  originalMessageId: string;
  /** The Message row the MDN is for, when the message was stored. */
  messageId?: string;
}

export interface ReceivedMdn {
  partnerId: string;
  as2From: string;
  mdn: ParsedMdn;
  /** The MDN as one MIME entity, for the record. */
  entity: Buffer;
  remote?: string;
}

export interface As2ServerDeps {
  /** The partner whose identifiers.as2 is this AS2-From (compared exactly). */
  partner(as2From: string): As2PartnerPolicy | undefined;
  /** The store's durable receive; resolves after the commit. */
  intake(input: As2IntakeInput): Promise<As2IntakeResult>;
  /**
   * Keeps the MDN sent for a stored message, so that a repeated Message-ID gets the same bytes back.
   * With `record.async` it may also queue the MDN's delivery in the same commit: it then resolves to
   * `{ mdnQueued: true }`, and the listener does not POST the MDN itself.
   */
  recordMdn(messageId: string, record: MdnRecord): Promise<void | { mdnQueued?: boolean }>;
  /** The MDN recorded for a stored message, as recordMdn was given it. */
  storedMdn(messageId: string): Promise<Buffer | undefined>;
  refused(r: As2Refusal): void | Promise<void>;
  /**
   * Takes over an async MDN that recordMdn did not queue: the replayed MDN of a repeated Message-ID, the
   * MDN of a refusal, or one whose recordMdn failed. Called after the empty 200. Default: a few tries
   * with backoff, in memory (deliverAsyncMdn).
   */
  deliverMdn?(req: AsyncMdnRequest): Promise<void>;
  /** An async MDN for something we sent; without it such MDNs are refused. */
  mdnReceived?(m: ReceivedMdn): Promise<{ matched: boolean; detail?: string }>;
  logger: TransportLogger;
  clock?: () => Date;
}

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

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };
/** How long close() waits for requests still being processed and for async MDNs still being tried. */
const DRAIN_MS = 10_000;
/** How much of a refused body is read and dropped, at most, after the answer: see refuseUnread. */
const LINGER_BYTES = 4 * 1024 * 1024;
const LINGER_MS = 2_000;

/** A refusal answered by HTTP status and text alone. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: GatewayError,
  ) {
    super(error.message);
  }
}

function wantsSignedMdn(as2: As2RequestHeaders): boolean {
  return !!as2.dispositionNotificationOptions.signedReceiptProtocol?.values.some(
    (v) => v.toLowerCase() === 'pkcs7-signature',
  );
}

/** The digest an MDN is signed with: the MIC algorithm asked for when we can sign with it, else SHA-256. */
function mdnDigest(as2: As2RequestHeaders, mic?: Mic): DigestAlgorithm {
  const choice = chooseMicAlgorithm(as2.dispositionNotificationOptions, 'sha256');
  const alg = mic?.algorithm ?? ('algorithm' in choice ? choice.algorithm : 'sha256');
  return (DIGESTS as readonly string[]).includes(alg) ? (alg as DigestAlgorithm) : 'sha256';
}

function httpDate(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

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

export async function startAs2Server(opts: As2ServerOptions): Promise<As2Server> {
  const { deps, identity } = opts;
  const clock = deps.clock ?? (() => new Date());
  const reportingUA = opts.reportingUA ?? 'edi-gateway';
  const decompression = opts.decompression ?? { maxBytes: opts.maxBytes };
  const requestTimeout = opts.requestTimeoutMs ?? 300_000;
  let closing = false;
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  const serverOptions: http.ServerOptions = {
    requestTimeout,
    headersTimeout: Math.min(60_000, requestTimeout),
    // Node looks for timed-out requests this often (30 s by default): short timeouts need a shorter look.
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(requestTimeout / 4))),
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    void track(
      handle(req, res).catch((e) => {
        deps.logger.error({ err: (e as Error).message }, 'as2 request failed unexpectedly');
        if (!res.headersSent) respondText(res, 500, 'internal error; the gateway log has the detail');
        else res.destroy();
      }),
    );
  };
  const server = opts.tls
    ? https.createServer({ ...serverOptions, key: opts.tls.key, cert: opts.tls.cert }, handler)
    : http.createServer(serverOptions, handler);
  // Without this, Node answers `Expect: 100-continue` itself and the client sends a body we refuse anyway.
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (declaredTooLarge(req) || checkParties(readAs2Headers(req.headers)) instanceof Refusal) handler(req, res);
    else {
      res.writeContinue();
      handler(req, res);
    }
  });

  function declaredTooLarge(req: http.IncomingMessage): boolean {
    const cl = Number(req.headers['content-length']);
    return Number.isFinite(cl) && cl > opts.maxBytes;
  }

  function respondText(
    res: http.ServerResponse,
    status: number,
    text: string,
    extra: Record<string, string> = {},
  ): void {
    const body = Buffer.from(`${text}\n`, 'utf8');
    res.writeHead(status, { ...TEXT, 'Content-Length': String(body.length), ...extra });
    res.end(body);
  }

  function tooLarge(req: http.IncomingMessage, res: http.ServerResponse): void {
    const e = new GatewayError('EDIGW_AS2_TOO_LARGE', `the request is longer than ${opts.maxBytes} bytes`);
    refuseUnread(req, res, 413, e.describe());
    audit({ code: e.code, reason: e.describe(), status: 413, remote: req.socket.remoteAddress, ...partyHeaders(req) });
  }

  /**
   * Answers a request whose body we will not read, and closes its connection. Node would destroy the
   * socket as soon as the answer is out; with body bytes still unread the kernel then resets the
   * connection, and the reset can overtake the answer (curl over TLS read no 413, now and then). So the
   * sending side is closed and what still comes is dropped for a bounded while (LINGER_*), long enough
   * for the client to read the answer and stop, never the whole body.
   */
  function refuseUnread(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string): void {
    const socket = req.socket as net.Socket & { destroySoon?: () => void };
    socket.destroySoon = () => socket.end();
    // Never before the answer is handed to the OS: destroy() drops what is still buffered.
    const cut = () => (res.writableFinished ? socket.destroy() : res.once('finish', () => socket.destroy()));
    let dropped = 0;
    const timer = setTimeout(cut, LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    req.on('data', (c: Buffer) => {
      dropped += c.length;
      if (dropped > LINGER_BYTES) cut();
    });
    respondText(res, status, text, { Connection: 'close' });
  }

  function partyHeaders(req: http.IncomingMessage) {
    const as2 = readAs2Headers(req.headers);
    return { as2From: as2.as2From, as2To: as2.as2To, messageId: as2.messageId };
  }

  function audit(r: As2Refusal): void {
    deps.logger.warn({ ...r }, 'as2 request refused');
    void Promise.resolve()
      .then(() => deps.refused(r))
      .catch((e) => deps.logger.error({ err: (e as Error).message }, 'recording an AS2 refusal failed'));
  }

  /** The body, or undefined when it passed maxBytes (the 413 is then already sent) or the client went away. */
  function readBody(req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer | undefined> {
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
        if (size > opts.maxBytes) {
          chunks.length = 0;
          finish(undefined);
          tooLarge(req, res);
          return;
        }
        chunks.push(c);
      };
      req.on('data', onData);
      req.on('end', () => finish(Buffer.concat(chunks, size)));
      req.on('close', () => finish(undefined));
      req.on('error', () => finish(undefined));
    });
  }

  /** The sending partner, or why the headers alone refuse the request (who sends, to whom). */
  function checkParties(as2: As2RequestHeaders): As2PartnerPolicy | Refusal {
    if (!as2.as2From || !as2.as2To) {
      const missing = [!as2.as2From && 'AS2-From', !as2.as2To && 'AS2-To'].filter(Boolean).join(', ');
      return new Refusal(400, new GatewayError('EDIGW_AS2_HEADERS_INVALID', `missing or invalid: ${missing}`));
    }
    if (as2.as2To !== identity.id) {
      return new Refusal(
        403,
        new GatewayError('EDIGW_AS2_RECIPIENT_UNKNOWN', `AS2-To ${JSON.stringify(as2.as2To)} is not this gateway`),
      );
    }
    return (
      deps.partner(as2.as2From) ??
      new Refusal(403, new GatewayError('EDIGW_AS2_PARTNER_UNKNOWN', `AS2-From ${JSON.stringify(as2.as2From)}`))
    );
  }

  function mdnFor(as2: As2RequestHeaders, disposition: Disposition, mic?: Mic): BuiltMdn {
    const sign =
      wantsSignedMdn(as2) && identity.signer ? { ...identity.signer, digest: mdnDigest(as2, mic) } : undefined;
    return buildMdn({
      reportingUA,
      originalRecipient: as2.as2To,
      finalRecipient: identity.id,
      originalMessageId: as2.messageId ?? '',
      disposition,
      receivedContentMic: mic,
      sign,
      signingTime: clock(),
    });
  }

  function mdnHeaders(as2: As2RequestHeaders, contentType: string): Record<string, string> {
    return {
      'AS2-Version': '1.2',
      'AS2-From': formatAs2Name(identity.id),
      'AS2-To': formatAs2Name(as2.as2From ?? ''),
      'Message-ID': newMessageId(identity.id),
      Date: httpDate(clock()),
      Subject: 'Message Disposition Notification',
      'MIME-Version': '1.0',
      'Content-Type': contentType,
    };
  }

  /** The POST of an async MDN, when the message asks for one at an http or https URL. */
  function asyncMdnRequest(
    as2: As2RequestHeaders,
    partnerId: string,
    entity: Buffer,
    messageId?: string,
  ): AsyncMdnRequest | undefined {
    const url = as2.receiptDeliveryOption;
    if (url === undefined || !/^https?:\/\//i.test(url)) return undefined;
    const parsed = parseEntity(entity);
    const headers = mdnHeaders(as2, parsed.headers.get('content-type') ?? 'multipart/report');
    return { url, headers, body: parsed.body, entity, partnerId, originalMessageId: as2.messageId ?? '', messageId };
  }

  /**
   * Sends the MDN as asked: in the response, or to Receipt-Delivery-Option after an empty 200. An
   * async one that recordMdn queued (`queued`) is left to whoever runs that queue.
   */
  function answerWithMdn(
    res: http.ServerResponse,
    as2: As2RequestHeaders,
    partnerId: string,
    entity: Buffer,
    status: number,
    messageId?: string,
    queued = false,
  ): void {
    const url = as2.receiptDeliveryOption;
    if (url === undefined) {
      const parsed = parseEntity(entity);
      const headers = mdnHeaders(as2, parsed.headers.get('content-type') ?? 'multipart/report');
      res.writeHead(status, { ...headers, 'Content-Length': String(parsed.body.length) });
      res.end(parsed.body);
      return;
    }
    res.writeHead(status, { 'Content-Length': '0' });
    res.end();
    if (queued) return;
    const request = asyncMdnRequest(as2, partnerId, entity, messageId);
    if (!request) {
      deps.logger.warn(
        { partner: partnerId, messageId: as2.messageId, receiptDeliveryOption: url },
        'as2: the async MDN cannot go there (only http and https URLs); none was sent',
      );
      return;
    }
    const deliver = deps.deliverMdn
      ? deps.deliverMdn(request)
      : deliverAsyncMdn({
          url,
          headers: request.headers,
          body: request.body,
          context: `sending the async MDN for ${as2.messageId}`,
          keepGoing: () => !closing,
        });
    void track(
      deliver.catch((e) =>
        deps.logger.error(
          {
            partner: partnerId,
            messageId: as2.messageId,
            err: e instanceof GatewayError ? e.describe() : (e as Error).message,
          },
          'as2: the async MDN was not delivered',
        ),
      ),
    );
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const remote = req.socket.remoteAddress;
    const path = (req.url ?? '/').split('?')[0];
    if (path !== opts.path) {
      req.resume();
      respondText(res, 404, `no AS2 endpoint here; partners POST to ${opts.path}`);
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      respondText(res, 405, 'AS2 messages are POSTed', { Allow: 'POST' });
      return;
    }
    if (closing) {
      req.resume();
      respondText(res, 503, 'the gateway is stopping; send again later', { Connection: 'close', 'Retry-After': '30' });
      return;
    }
    if (declaredTooLarge(req)) {
      tooLarge(req, res);
      return;
    }
    const as2 = readAs2Headers(req.headers);
    const parties = { as2From: as2.as2From, as2To: as2.as2To, messageId: as2.messageId, remote };
    // A stranger's body is never read: the headers say enough, and buffering it would let anyone spend
    // our memory up to maxBytes per request.
    const partner = checkParties(as2);
    if (partner instanceof Refusal) {
      refuseUnread(req, res, partner.status, partner.error.describe());
      audit({ code: partner.error.code, reason: partner.error.describe(), status: partner.status, ...parties });
      return;
    }
    const body = await readBody(req, res);
    if (body === undefined) return;

    const mdnMessage = isMdn(req.headers, body, as2);
    if (!mdnMessage && !as2.messageId) {
      const e = new GatewayError('EDIGW_AS2_HEADERS_INVALID', 'missing or invalid: Message-ID');
      respondText(res, 400, e.describe());
      audit({ code: e.code, reason: e.describe(), status: 400, ...parties });
      return;
    }
    const who = {
      partnerId: partner.partnerId,
      as2From: as2.as2From,
      as2To: as2.as2To,
      messageId: as2.messageId,
      remote,
    };
    if (mdnMessage) {
      await receiveMdn(req, res, body, as2, partner, remote);
      return;
    }
    const messageId = as2.messageId!;
    const mdnWanted = as2.dispositionNotificationTo !== undefined;

    let received: ReceivedMessage;
    try {
      received = receiveMessage(req.headers, body, {
        signed: partner.signed,
        encrypted: partner.encrypted,
        certificates: partner.certificates,
        keys: identity.keys,
        decompression,
      });
    } catch (e) {
      const error =
        e instanceof GatewayError
          ? e
          : new GatewayError('EDIGW_AS2_PROCESSING_FAILED', `receiving ${messageId}`, { cause: e });
      const disposition = dispositionFor(error);
      const status = mdnWanted ? 200 : 400;
      if (mdnWanted) answerWithMdn(res, as2, partner.partnerId, mdnFor(as2, disposition).entity, status);
      else respondText(res, status, `${formatDispositionType(disposition)}: ${error.describe()}`);
      audit({
        ...who,
        code: error.code,
        reason: error.describe(),
        status,
        disposition: mdnWanted ? formatDispositionType(disposition) : undefined,
      });
      return;
    }

    const mic = formatMic(received.mic);
    let stored: As2IntakeResult;
    try {
      stored = await deps.intake({
        partnerId: partner.partnerId,
        bytes: received.payload,
        fileName: received.fileName,
        contentType: received.contentType,
        as2MessageId: messageId,
        as2From: as2.as2From!,
        mic,
      });
    } catch (e) {
      const error = new GatewayError('EDIGW_AS2_INTAKE_FAILED', `storing ${messageId} from ${partner.partnerId}`, {
        cause: e,
      });
      const disposition = dispositionFor(error);
      if (mdnWanted && as2.receiptDeliveryOption === undefined)
        answerWithMdn(res, as2, partner.partnerId, mdnFor(as2, disposition).entity, 500);
      else respondText(res, 500, error.describe());
      audit({
        ...who,
        code: error.code,
        reason: error.describe(),
        status: 500,
        disposition: formatDispositionType(disposition),
      });
      return;
    }

    if (stored.duplicate) {
      deps.logger.info(
        { partner: partner.partnerId, messageId, message: stored.messageId },
        'as2 duplicate Message-ID: not processed again',
      );
      if (!mdnWanted) {
        respondText(res, 200, `${messageId} was received before`);
        return;
      }
      // RFC 4130 §5.5: a resent message gets the reply sent the first time, byte for byte when we kept it.
      const first = await deps.storedMdn(stored.messageId).catch((e) => {
        deps.logger.error(
          { message: stored.messageId, err: (e as Error).message },
          'as2: reading the stored MDN failed',
        );
        return undefined;
      });
      const entity = first ?? mdnFor(as2, { kind: 'warning', warning: 'duplicate-document' }, received.mic).entity;
      answerWithMdn(res, as2, partner.partnerId, entity, 200, stored.messageId);
      return;
    }

    const disposition: Disposition = { kind: 'processed' };
    const mdn = mdnWanted ? mdnFor(as2, disposition, received.mic) : undefined;
    const asyncMdn = mdn ? asyncMdnRequest(as2, partner.partnerId, mdn.entity, stored.messageId) : undefined;
    let queued = false;
    try {
      const r = await deps.recordMdn(stored.messageId, {
        mdn: mdn?.entity,
        disposition: formatDispositionType(disposition),
        mic,
        ...(asyncMdn ? { async: asyncMdn } : {}),
      });
      queued = !!asyncMdn && !!r && r.mdnQueued === true;
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
    if (mdn) answerWithMdn(res, as2, partner.partnerId, mdn.entity, 200, stored.messageId, queued);
    else respondText(res, 200, `${messageId} received`);
  }

  async function receiveMdn(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    as2: As2RequestHeaders,
    partner: As2PartnerPolicy,
    remote?: string,
  ): Promise<void> {
    const ct = header(req.headers, 'content-type')!;
    const who = {
      partnerId: partner.partnerId,
      as2From: as2.as2From,
      as2To: as2.as2To,
      messageId: as2.messageId,
      remote,
    };
    if (!deps.mdnReceived) {
      const e = new GatewayError('EDIGW_AS2_MDN_UNMATCHED', 'an async MDN, and this listener takes none');
      respondText(res, 400, e.describe());
      audit({ ...who, code: e.code, reason: e.describe(), status: 400 });
      return;
    }
    let mdn: ParsedMdn;
    try {
      mdn = parseMdn(ct, body, {
        certificates: partner.certificates.length ? partner.certificates : undefined,
        transferEncoding: header(req.headers, 'content-transfer-encoding'),
      });
    } catch (e) {
      const error =
        e instanceof GatewayError ? e : new GatewayError('EDIGW_AS2_MDN_INVALID', 'reading an async MDN', { cause: e });
      respondText(res, 400, error.describe());
      audit({ ...who, code: error.code, reason: error.describe(), status: 400 });
      return;
    }
    const r = await deps.mdnReceived({
      partnerId: partner.partnerId,
      as2From: as2.as2From!,
      mdn,
      entity: buildEntity([['Content-Type', ct]], body),
      remote,
    });
    // A readable MDN is taken either way: sending it again would not make it match.
    respondText(
      res,
      200,
      r.matched
        ? `MDN for ${mdn.originalMessageId} received`
        : `MDN received; ${r.detail ?? 'it matches nothing we sent'}`,
    );
  }

  await new Promise<void>((resolve, reject) => {
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
      })()),
  };
}

/** The AS2 listener: gateway.yaml `as2` sets it up; a partner's `inbound.as2` says what its messages must be. */
export const as2Server = defineListener({
  kind: 'as2-server',
  partner: { key: 'as2', schema: as2Inbound, check: checkAs2Inbound },
});
