/**
 * One HTTP request up to its answer's headers: the core that the http sender and AS2 (messages and
 * async MDNs) share. The deadline bounds the whole exchange: when it passes, the request and its
 * connection are destroyed, whatever part is left, the answer's body included.
 */
import http from 'node:http';
import https from 'node:https';
import { GatewayError, type ErrorCode } from '../../errors';

export type RequestOutcome =
  /** `timedOut` tells a reader whose body ended early whether the deadline cut it. */
  | { res: http.IncomingMessage; timedOut: () => boolean }
  | { failure: 'timeout' }
  /** http.request refused the request as built: a header or path it will not send. */
  | { failure: 'invalid'; err: unknown }
  /** The connection, reused from the pool, was closed before a byte of the answer: the server dropped it while idle. */
  | { failure: 'stale'; err: unknown }
  | { failure: 'network'; err: unknown };

/** Where a URL points, as http.request takes it (an IPv6 literal without its brackets). */
export function requestTarget(u: URL): http.RequestOptions {
  const secure = u.protocol === 'https:';
  return {
    protocol: u.protocol,
    hostname: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname,
    port: u.port || (secure ? 443 : 80),
    path: `${u.pathname}${u.search}`,
  };
}

/** http.request or https.request, as the URL asks. */
export function requestFor(u: URL): typeof http.request {
  return u.protocol === 'https:' ? https.request : http.request;
}

export interface RequestOptions {
  request: typeof http.request;
  options: http.RequestOptions;
  body: Buffer;
  /** A keep-alive pool, or false for a connection of this request's own. */
  agent: http.Agent | false;
  /** Epoch milliseconds. */
  deadline: number;
}

const ignore = () => undefined;

export function sendRequest(o: RequestOptions): Promise<RequestOutcome> {
  return new Promise<RequestOutcome>((resolve) => {
    let req: http.ClientRequest;
    try {
      req = o.request({ ...o.options, agent: o.agent });
    } catch (err) {
      resolve({ failure: 'invalid', err });
      return;
    }
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        resolve({ failure: 'timeout' });
        req.destroy();
      },
      Math.max(0, o.deadline - Date.now()),
    );
    const done = () => clearTimeout(timer);
    let socket: { bytesRead: number } | undefined;
    let readBefore = 0;
    req.on('socket', (s) => {
      socket = s;
      readBefore = s.bytesRead;
    });
    // Stays attached for the request's life: an error after the answer (the deadline destroying it) is not news.
    req.on('error', (err) => {
      done();
      const code = (err as { code?: unknown }).code;
      const stale =
        req.reusedSocket &&
        (code === 'ECONNRESET' || code === 'EPIPE') &&
        socket !== undefined &&
        socket.bytesRead === readBefore;
      resolve({ failure: stale ? 'stale' : 'network', err });
    });
    req.on('response', (res) => {
      res.on('error', ignore);
      res.on('end', done);
      res.on('close', done);
      resolve({ res, timedOut: () => timedOut });
    });
    req.end(o.body);
  });
}

export const errCode = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed, temporarily',
  ETIMEDOUT: 'connecting timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
};

/** OpenSSL's words for a failed handshake, in an EPROTO error's message: `…:SSL routines:<function>:<reason>:…`. */
const SSL_REASON = /SSL routines:[^:]*:([^:]+)/;

/** Classifies how a request failed before any answer arrived; a timeout is named as configured. */
export function requestError(
  outcome: Exclude<RequestOutcome, { res: http.IncomingMessage }>,
  context: string,
  timeout: number,
): GatewayError {
  if (outcome.failure === 'timeout') {
    return new GatewayError('EDIGW_HTTP_UNREACHABLE', `${context}: no answer within ${timeout} ms`);
  }
  const { err } = outcome;
  // http.request's own refusals (a header value it will not send) will not change on a retry.
  if (outcome.failure === 'invalid')
    return new GatewayError('EDIGW_HTTP_REQUEST_INVALID', `${context}: ${messageOf(err)}`, { cause: err });
  // Connecting to every address of a name may fail one by one: an AggregateError, the first failure first.
  const errors = (err as { errors?: unknown } | null)?.errors;
  const inner = Array.isArray(errors) && errors.length > 0 ? errors[0] : err;
  const code = errCode(inner) ?? errCode(err);
  if (code !== undefined && UNREACHABLE[code]) {
    return new GatewayError('EDIGW_HTTP_UNREACHABLE', `${context}: ${UNREACHABLE[code]}`, { cause: inner });
  }
  if (
    code !== undefined &&
    (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code))
  ) {
    return new GatewayError('EDIGW_HTTP_TLS', `${context}: ${code}`, { cause: inner });
  }
  // A handshake that fails while the request is being written surfaces as EPROTO; it is named as Node names it otherwise.
  const ssl = code === 'EPROTO' ? SSL_REASON.exec(messageOf(inner)) : null;
  if (ssl)
    return new GatewayError(
      'EDIGW_HTTP_TLS',
      `${context}: ERR_SSL_${ssl[1].trim().toUpperCase().replace(/\W+/g, '_')}`,
      { cause: inner },
    );
  return new GatewayError('EDIGW_HTTP_UNREACHABLE', `${context}: ${messageOf(inner)}`, { cause: inner });
}

function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

/** Answers that say "try again later"; every other 4xx will be answered the same way next time. */
const TRANSIENT_STATUS = new Set([408, 429]);

/**
 * The error for an answer that is not 2xx: a redirect is not followed (dead), a 4xx other than 408
 * and 429 will be answered the same way next time (dead), the rest is worth a retry.
 */
export function answerError(context: string, status: number, excerpt: string, location?: string): GatewayError {
  const answered = `${context}: HTTP ${status}${excerpt ? ` ${JSON.stringify(excerpt)}` : ''}`;
  if (status >= 300 && status < 400)
    return new GatewayError('EDIGW_HTTP_REDIRECTED', location ? `${answered} (Location: ${location})` : answered);
  const code: ErrorCode =
    status >= 400 && status < 500 && !TRANSIENT_STATUS.has(status) ? 'EDIGW_HTTP_REJECTED' : 'EDIGW_HTTP_SERVER';
  return new GatewayError(code, answered);
}

/** How much of an error answer is shown: enough for 200 characters of UTF-8, small enough to be harmless. */
export const EXCERPT_BYTES = 1024;
const EXCERPT_CHARS = 200;

/** The start of an error answer, on one line, for a message. */
export function answerText(bytes: Buffer): string {
  const text = bytes
    .subarray(0, EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\p{Cc}+/gu, ' ')
    .trim();
  return Array.from(text).slice(0, EXCERPT_CHARS).join('');
}
