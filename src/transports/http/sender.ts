/**
 * Outbound `http`: sends each item as the body of one request to a partner's or a local system's URL.
 * A 2xx answer is the receipt; every other outcome is a GatewayError whose kind tells the deliver step
 * whether to back off and retry (the server may recover) or to dead-letter (it will answer the same
 * way again). Redirects are never followed: a 301/302 would turn the POST into a bodiless GET whose
 * 200 looks like a delivery, and following one to another host would hand it the Authorization header.
 *
 * Requests go through node:http / node:https with one keep-alive pool per sender (fetch cost about
 * twice the CPU per request). A connection the server closed while it sat idle in the pool is the one
 * failure sent again at once, on a new connection: nothing of that request reached the server.
 */
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { redactUrl } from '../../redact-url';
import {
  answerError,
  answerText,
  errCode,
  EXCERPT_BYTES,
  requestError,
  requestFor,
  requestTarget,
  sendRequest,
  type RequestOutcome,
} from './request';
import { GatewayError } from '../../errors';
import { secret } from '../../config/secret';
import { duration } from '../../config/units';
import { defineOutbound, type Outbound, type OutboundDeps, type OutboundItem } from '../spec';

/** Headers the request itself owns: configuring them would break framing or hide who sent the file. */
const RESERVED_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'x-edi-gateway-file']);

/** What node:http accepts: a header name is an HTTP token; a value is tabs and visible or latin-1 characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Leading and trailing whitespace is not part of a header value (fetch's Headers dropped it the same way). */
const headerValue = (v: string) => v.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');

const validHeaders = (headers: Record<string, string>) =>
  Object.entries(headers).every(([k, v]) => HEADER_NAME.test(k) && HEADER_VALUE.test(headerValue(v)));

/** The partner file's `http` endpoint: the sender's whole config (it adds nothing of the gateway's). */
export const httpSenderConfig = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).meta({ secret: 'url' }),
    method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
    /** Values of Authorization, Cookie and other credential-like headers are redacted. */
    headers: z
      .record(z.string().min(1), z.string())
      .refine(validHeaders, 'header names must be HTTP tokens (no spaces) and values must not contain line breaks')
      .refine(
        (h) => !Object.keys(h).some((k) => RESERVED_HEADERS.has(k.toLowerCase())),
        `these headers are set by the gateway: ${[...RESERVED_HEADERS].join(', ')}`,
      )
      .meta({ secret: 'credential-headers' })
      .optional(),
    token: secret(z.string().min(1), 'bearer token sent as Authorization: Bearer …').optional(),
    /** From sending the first byte to the end of the answer's headers. */
    timeout: duration.refine((ms) => ms > 0, 'a timeout above zero').default(30_000),
  })
  .refine(
    (c) => c.token === undefined || !Object.keys(c.headers ?? {}).some((k) => k.toLowerCase() === 'authorization'),
    {
      message: 'give either token or an Authorization header, not both',
      path: ['token'],
    },
  );
export type HttpSenderConfig = z.output<typeof httpSenderConfig>;

// The one URL redaction; exported here too for the modules that import it from the http sender.
export { redactUrl };

/** A 2xx answer's body is read and dropped so its connection can serve the next request; a longer one costs the connection instead. */
const DISCARD_BYTES = 64 * 1024;

/**
 * The ports of other protocols (SMTP, X11, IRC, …) that fetch refuses to send to
 * (https://fetch.spec.whatwg.org/#bad-port), still refused now that fetch is not used: an endpoint
 * configured with one is a mistake that no retry mends.
 */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/**
 * The pool of one sender. Idle connections are closed after 4 s, before the 5 s after which Node's and
 * Apache's servers close theirs, so that the pool rarely offers a connection the server is closing.
 */
const AGENT_OPTIONS: http.AgentOptions = {
  keepAlive: true,
  keepAliveMsecs: 1000,
  maxSockets: 32,
  maxFreeSockets: 32,
  timeout: 4000,
  scheduling: 'lifo',
};

/** How one request ended before (or instead of) its answer. */
export class HttpSender implements Outbound {
  private readonly shownUrl: string;
  /** The URL without credentials, for resolving a Location. */
  private readonly url: string;
  private readonly target: http.RequestOptions;
  private readonly request: typeof http.request;
  private readonly agent: http.Agent;
  private readonly badPort: boolean;
  /** The endpoint's own headers, names in lower case, values trimmed, Authorization included. */
  private readonly fixedHeaders: Record<string, string>;

  constructor(
    private readonly config: HttpSenderConfig,
    private readonly deps: OutboundDeps,
  ) {
    // Credentials in the URL become Basic authentication; the request line never carries them.
    const u = new URL(config.url);
    const basic =
      u.username || u.password
        ? Buffer.from(`${percentDecoded(u.username)}:${percentDecoded(u.password)}`).toString('base64')
        : undefined;
    u.username = '';
    u.password = '';
    u.hash = '';
    this.url = u.toString();
    this.shownUrl = redactUrl(config.url);
    this.request = requestFor(u);
    this.agent = u.protocol === 'https:' ? new https.Agent(AGENT_OPTIONS) : new http.Agent(AGENT_OPTIONS);
    this.badPort = u.port !== '' && BAD_PORTS.has(Number(u.port));
    this.target = { ...requestTarget(u), method: config.method };

    const fixed: Record<string, string> = {};
    for (const [k, v] of Object.entries(config.headers ?? {})) fixed[k.toLowerCase()] = headerValue(v);
    if (config.token !== undefined) fixed.authorization = headerValue(`Bearer ${config.token}`);
    else if (basic !== undefined && fixed.authorization === undefined) fixed.authorization = `Basic ${basic}`;
    this.fixedHeaders = fixed;
  }

  async send(item: OutboundItem): Promise<{ remoteName: string }> {
    const { method, timeout } = this.config;
    const context = `sending ${item.fileName} by ${method} to ${this.shownUrl}`;
    if (this.badPort) throw new GatewayError('EDIGW_HTTP_REQUEST_INVALID', `${context}: bad port`);
    const deadline = Date.now() + timeout;
    const headers = this.headers(item);

    let outcome = await this.attempt(item.bytes, headers, this.agent, deadline);
    if ('failure' in outcome && outcome.failure === 'stale') {
      // The keep-alive race: the server closed the idle connection as the request went out on it.
      // Nothing reached the server, so the request goes again at once, on a connection of its own.
      this.deps.logger.info(
        { url: this.shownUrl, method, fileName: item.fileName, error: errCode(outcome.err) },
        'http connection closed by the server while idle; sending again on a new connection',
      );
      outcome = await this.attempt(item.bytes, headers, false, deadline);
    }
    if ('failure' in outcome) throw requestError(outcome, context, timeout);
    const { res } = outcome;
    const status = res.statusCode ?? 0;

    if (status >= 200 && status < 300) {
      // The answer's body is not needed: it is read and dropped, which returns the connection to the pool
      // before the next send asks it for one.
      await discard(res);
      const remoteName = this.location(res) ?? this.shownUrl;
      this.deps.logger.info(
        { url: this.shownUrl, method, fileName: item.fileName, status, bytes: item.bytes.length },
        'http delivered',
      );
      return { remoteName };
    }

    throw answerError(context, status, await excerpt(res), this.location(res));
  }

  /** Closes the pool's connections; a send after this opens new ones. */
  async close(): Promise<void> {
    this.agent.destroy();
  }

  /**
   * One request, up to its answer's headers. The deadline also bounds reading the answer's body: when
   * it passes, the request and its connection are destroyed, whatever part of the exchange is left.
   */
  private attempt(
    body: Buffer,
    headers: http.OutgoingHttpHeaders,
    agent: http.Agent | false,
    deadline: number,
  ): Promise<RequestOutcome> {
    // agent false: a connection of this request's own, closed after its answer.
    return sendRequest({ request: this.request, options: { ...this.target, headers }, body, agent, deadline });
  }

  /** The answer's Location as an absolute, redacted URL; a malformed one is ignored rather than failing a delivery that succeeded. */
  private location(res: http.IncomingMessage): string | undefined {
    const location = res.headers.location;
    if (!location) return undefined;
    try {
      return redactUrl(new URL(location, this.url).toString());
    } catch {
      return undefined;
    }
  }

  private headers(item: OutboundItem): http.OutgoingHttpHeaders {
    return {
      // The endpoint's own headers come after the item's content type: what the receiver demands wins.
      'content-type': headerValue(item.contentType ?? 'application/octet-stream'),
      // Firewalls and access logs in front of receivers like to see who is calling.
      'user-agent': 'edi-gateway',
      ...this.fixedHeaders,
      'x-edi-gateway-file': headerValue(headerSafe(item.fileName)),
      'content-length': item.bytes.length,
    };
  }
}

/** URL userinfo is percent-encoded; a stray `%` that encodes nothing is taken literally rather than failing. */
function percentDecoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A header value carries visible ASCII only; any other file name travels percent-encoded (RFC 3986). */
function headerSafe(name: string): string {
  return /^[\x20-\x7e]*$/.test(name) ? name : encodeURIComponent(name);
}

/**
 * Reads a 2xx answer's body to its end and drops it. One longer than DISCARD_BYTES is cut off with its
 * connection, as is one still unfinished at the deadline (the request's timer destroys it).
 */
function discard(res: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DISCARD_BYTES) res.destroy();
    });
    res.on('end', resolve);
    res.on('close', resolve);
    res.resume();
  });
}

/**
 * The start of an error answer, on one line, for the message; never fails. An answer longer than
 * EXCERPT_BYTES is not read further: its connection is closed instead.
 */
function excerpt(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      res.removeListener('data', onData);
      resolve(answerText(Buffer.concat(chunks)));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= EXCERPT_BYTES) {
        res.destroy();
        finish();
      }
    };
    res.on('data', onData);
    // A body cut off or timed out still gives what arrived.
    res.on('end', finish);
    res.on('close', finish);
  });
}

export const httpSender = defineOutbound({
  kind: 'http',
  config: httpSenderConfig,
  partner: { key: 'http', schema: httpSenderConfig },
  settings: (section) => section,
  create: (config, deps) => new HttpSender(config, deps),
});
