/**
 * How the AS2 listener answers: plain text, an MDN (in the response or POSTed to the
 * Receipt-Delivery-Option), and the one refusal path. Every MDN the listener sends is built here
 * (`mdn`, on the crypto threads when there are any), and every refusal is answered and audited here (refuse), whichever step refused.
 */
import type http from 'node:http';
import type net from 'node:net';
import { GatewayError } from '../../errors';
import type { TransportLogger } from '../spec';
import type { As2Crypto } from './crypto-pool';
import { deliverAsyncMdn } from './http-client';
import { formatDispositionType, type Disposition } from './mdn';
import { formatAs2Name, newMessageId, readAs2Headers, type As2RequestHeaders } from './message';
import type { Mic } from './mic';
import { parseEntity } from './mime';
import type { As2Identity, As2Refusal, As2ServerDeps, AsyncMdnRequest } from './server-deps';

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };
/** How much of a refused body is read and dropped, at most, after the answer: see refuseUnread. */
const LINGER_BYTES = 4 * 1024 * 1024;
const LINGER_MS = 2_000;

/**
 * A request we do not take, and how it is answered: `unread` (from the headers alone, the body never
 * read, the connection closed), `text`, or `mdn` (the MDN the sender asked for, saying `disposition`).
 * Each step that refuses throws one; the handler's one catch answers it with `refuse`.
 */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: GatewayError,
    readonly answer: { kind: 'unread' } | { kind: 'text'; text?: string } | { kind: 'mdn' } = { kind: 'text' },
    /** What an MDN says, or would have said (kept in the audit). */
    readonly disposition?: Disposition,
  ) {
    super(error.message);
  }
}

/** Who sent a request, as far as its headers say: for the audit trail. */
export interface Parties {
  partnerId?: string;
  as2From?: string;
  as2To?: string;
  messageId?: string;
  remote?: string;
}

export interface AnswerContext {
  identity: As2Identity;
  deps: Pick<As2ServerDeps, 'refused' | 'deliverMdn'> & { logger: TransportLogger };
  clock: () => Date;
  /** Builds and signs MDNs (on the crypto threads when there are any). */
  crypto: As2Crypto;
  /** Keeps close() waiting for an async MDN being tried. */
  track<T>(p: Promise<T>): Promise<T>;
  closing(): boolean;
}

function httpDate(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

export function partyHeaders(req: http.IncomingMessage): Parties {
  const as2 = readAs2Headers(req.headers);
  return { as2From: as2.as2From, as2To: as2.as2To, messageId: as2.messageId, remote: req.socket.remoteAddress };
}

export class As2Answers {
  constructor(private readonly ctx: AnswerContext) {}

  text(res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
    const body = Buffer.from(`${text}\n`, 'utf8');
    res.writeHead(status, { ...TEXT, 'Content-Length': String(body.length), ...extra });
    res.end(body);
  }

  /** The time an MDN made now is signed at. */
  now(): Date {
    return this.ctx.clock();
  }

  /** The MDN for a message as one MIME entity, signed when the sender asked for a signed one and we have a key. */
  mdn(as2: As2RequestHeaders, disposition: Disposition, mic?: Mic): Promise<Buffer> {
    return this.ctx.crypto.mdn(as2, disposition, mic, this.ctx.clock());
  }

  private mdnHeaders(as2: As2RequestHeaders, contentType: string): Record<string, string> {
    const { identity, clock } = this.ctx;
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
  asyncMdnRequest(
    as2: As2RequestHeaders,
    partnerId: string,
    entity: Buffer,
    messageId?: string,
  ): AsyncMdnRequest | undefined {
    const url = as2.receiptDeliveryOption;
    if (url === undefined || !/^https?:\/\//i.test(url)) return undefined;
    const parsed = parseEntity(entity);
    const headers = this.mdnHeaders(as2, parsed.headers.get('content-type') ?? 'multipart/report');
    return { url, headers, body: parsed.body, entity, partnerId, originalMessageId: as2.messageId ?? '', messageId };
  }

  /**
   * Sends the MDN as asked: in the response, or to Receipt-Delivery-Option after an empty 200. An
   * async one that recordMdn queued (`queued`) is left to whoever runs that queue.
   */
  withMdn(
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
      const headers = this.mdnHeaders(as2, parsed.headers.get('content-type') ?? 'multipart/report');
      res.writeHead(status, { ...headers, 'Content-Length': String(parsed.body.length) });
      res.end(parsed.body);
      return;
    }
    res.writeHead(status, { 'Content-Length': '0' });
    res.end();
    if (!queued) this.sendAsyncMdn(as2, partnerId, entity, messageId);
  }

  private sendAsyncMdn(as2: As2RequestHeaders, partnerId: string, entity: Buffer, messageId?: string): void {
    const { deps } = this.ctx;
    const url = as2.receiptDeliveryOption;
    const request = this.asyncMdnRequest(as2, partnerId, entity, messageId);
    if (!url || !request) {
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
          keepGoing: () => !this.ctx.closing(),
        });
    void this.ctx.track(
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

  /**
   * The one refusal path: answers as the refusal says (with the MDN the sender asked for, when it
   * asked for one and the refusal carries a disposition) and puts it on the audit trail.
   */
  async refuse(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    r: Refusal,
    parties: Parties,
    as2?: As2RequestHeaders,
  ): Promise<void> {
    const described = r.error.describe();
    const { answer } = r;
    if (answer.kind === 'unread') this.unread(req, res, r.status, described);
    else if (answer.kind === 'mdn' && as2 && r.disposition)
      this.withMdn(res, as2, parties.partnerId ?? '', await this.mdn(as2, r.disposition), r.status);
    else this.text(res, r.status, answer.kind === 'text' && answer.text !== undefined ? answer.text : described);
    this.audit({
      ...parties,
      code: r.error.code,
      reason: described,
      status: r.status,
      ...(r.disposition ? { disposition: formatDispositionType(r.disposition) } : {}),
    });
  }

  private audit(r: As2Refusal): void {
    const { deps } = this.ctx;
    deps.logger.warn({ ...r }, 'as2 request refused');
    void Promise.resolve()
      .then(() => deps.refused(r))
      .catch((e) => deps.logger.error({ err: (e as Error).message }, 'recording an AS2 refusal failed'));
  }

  /**
   * Answers a request whose body we will not read, and closes its connection. Node would destroy the
   * socket as soon as the answer is out; with body bytes still unread the kernel then resets the
   * connection, and the reset can overtake the answer (curl over TLS read no 413, now and then). So the
   * sending side is closed and what still comes is dropped for a bounded while (LINGER_*), long enough
   * for the client to read the answer and stop, never the whole body.
   */
  private unread(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string): void {
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
    this.text(res, status, text, { Connection: 'close' });
  }
}
