/**
 * Outbound `http`: sends each item as the body of one request to a partner's or a local system's URL.
 * A 2xx answer is the receipt; every other outcome is a GatewayError whose kind tells the deliver step
 * whether to back off and retry (the server may recover) or to dead-letter (it will answer the same
 * way again). Redirects are never followed: a 301/302 would turn the POST into a bodiless GET whose
 * 200 looks like a delivery, and following one to another host would hand it the Authorization header.
 */
import { z } from 'zod';
import { GatewayError, type ErrorCode } from '../../errors';
import { duration } from '../../config/units';
import { defineOutbound, type Outbound, type OutboundDeps, type OutboundItem } from '../spec';

/** Headers the request itself owns: configuring them would break framing or hide who sent the file. */
const RESERVED_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'x-edi-gateway-file']);

const validHeaders = (headers: Record<string, string>) => {
  try {
    new Headers(headers);
    return true;
  } catch {
    return false;
  }
};

/** The partner file's `http` endpoint (src/config/partner.ts), plus how long to wait for the answer. */
export const httpSenderConfig = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
  headers: z.record(z.string().min(1), z.string())
    .refine(validHeaders, 'header names must be HTTP tokens and values must not contain line breaks')
    .refine((h) => !Object.keys(h).some((k) => RESERVED_HEADERS.has(k.toLowerCase())), `these headers are set by the gateway: ${[...RESERVED_HEADERS].join(', ')}`)
    .optional(),
  token: z.string().min(1).optional(),
  /** From sending the first byte to the end of the answer's headers. */
  timeout: duration.refine((ms) => ms > 0, 'a timeout above zero').default(30_000),
}).refine((c) => c.token === undefined || !Object.keys(c.headers ?? {}).some((k) => k.toLowerCase() === 'authorization'), {
  message: 'give either token or an Authorization header, not both',
  path: ['token'],
});
export type HttpSenderConfig = z.output<typeof httpSenderConfig>;

const SECRET_PARAM = /token|secret|password|passwd|pwd|auth|key|sig|signature|code|credential/i;

/**
 * The URL as logs, errors and the store may show it: no password, and no value of a query parameter
 * whose name suggests a credential (`?code=` of an Azure function, `?sig=` of a SAS URL).
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(an invalid URL)';
  }
  let changed = false;
  if (u.password) {
    u.password = '***';
    changed = true;
  }
  for (const name of new Set(u.searchParams.keys())) {
    if (SECRET_PARAM.test(name)) {
      u.searchParams.set(name, '***');
      changed = true;
    }
  }
  // Unchanged, the URL is shown as the partner file writes it (URL would add a trailing slash).
  return changed ? u.toString() : url;
}

/** Answers that say "try again later"; every other 4xx will be answered the same way next time. */
const TRANSIENT_STATUS = new Set([408, 429]);

/** How much of an error answer is read: enough for 200 characters of UTF-8, small enough to be harmless. */
const EXCERPT_BYTES = 1024;
const EXCERPT_CHARS = 200;

export class HttpSender implements Outbound {
  private readonly url: string;
  private readonly shownUrl: string;
  private readonly basic: string | undefined;

  constructor(private readonly config: HttpSenderConfig, private readonly deps: OutboundDeps) {
    // fetch refuses a URL with credentials in it; they become Basic authentication instead.
    const u = new URL(config.url);
    this.basic = u.username || u.password
      ? Buffer.from(`${percentDecoded(u.username)}:${percentDecoded(u.password)}`).toString('base64')
      : undefined;
    u.username = '';
    u.password = '';
    this.url = u.toString();
    this.shownUrl = redactUrl(config.url);
  }

  async send(item: OutboundItem): Promise<{ remoteName: string }> {
    const { method, timeout } = this.config;
    const context = `sending ${item.fileName} by ${method} to ${this.shownUrl}`;
    let res: Response;
    try {
      res = await fetch(this.url, {
        method,
        headers: this.headers(item),
        body: item.bytes,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw networkError(err, context, timeout);
    }

    if (res.status >= 200 && res.status < 300) {
      // The answer's body is not needed; cancelling it frees the connection instead of leaving it half read.
      await res.body?.cancel().catch(() => undefined);
      const remoteName = this.location(res) ?? this.shownUrl;
      this.deps.logger.info({ url: this.shownUrl, method, fileName: item.fileName, status: res.status, bytes: item.bytes.length }, 'http delivered');
      return { remoteName };
    }

    const body = await excerpt(res);
    const answered = `${context}: HTTP ${res.status}${body ? ` ${JSON.stringify(body)}` : ''}`;
    if (res.status >= 300 && res.status < 400) {
      const location = this.location(res);
      throw new GatewayError('EDIGW_HTTP_REDIRECTED', location ? `${answered} (Location: ${location})` : answered);
    }
    const code: ErrorCode = res.status >= 400 && res.status < 500 && !TRANSIENT_STATUS.has(res.status) ? 'EDIGW_HTTP_REJECTED' : 'EDIGW_HTTP_SERVER';
    throw new GatewayError(code, answered);
  }

  /** The answer's Location as an absolute, redacted URL; a malformed one is ignored rather than failing a delivery that succeeded. */
  private location(res: Response): string | undefined {
    const location = res.headers.get('location');
    if (!location) return undefined;
    try {
      return redactUrl(new URL(location, this.url).toString());
    } catch {
      return undefined;
    }
  }

  private headers(item: OutboundItem): Headers {
    const h = new Headers({ 'content-type': item.contentType ?? 'application/octet-stream' });
    // The endpoint's own headers come after the item's content type: what the receiver demands wins.
    for (const [k, v] of Object.entries(this.config.headers ?? {})) h.set(k, v);
    h.set('x-edi-gateway-file', headerSafe(item.fileName));
    if (this.config.token !== undefined) h.set('authorization', `Bearer ${this.config.token}`);
    else if (this.basic !== undefined && !h.has('authorization')) h.set('authorization', `Basic ${this.basic}`);
    return h;
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

/** The start of an error answer, on one line, for the message; never throws, always releases the body. */
async function excerpt(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // A body cut off or timed out still gives what arrived.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\p{Cc}+/gu, ' ').trim();
  return Array.from(text).slice(0, EXCERPT_CHARS).join('');
}

const errCode = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed, temporarily',
  ETIMEDOUT: 'connecting timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'no answer in time',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
};

/** Classifies what fetch threw before any answer arrived. */
function networkError(err: unknown, context: string, timeout: number): GatewayError {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new GatewayError('EDIGW_HTTP_UNREACHABLE', `${context}: no answer within ${timeout} ms`, { cause: err });
  }
  // fetch wraps the real failure: TypeError('fetch failed', { cause }), the cause sometimes an AggregateError of one per address.
  // Names, not instanceof: fetch's errors come from Node's own realm, which a test sandbox (jest's vm) does not share.
  const cause = (err as { cause?: unknown } | null)?.cause ?? err;
  const errors = (cause as { errors?: unknown } | null)?.errors;
  const inner = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause;
  const code = errCode(inner) ?? errCode(cause);
  if (code !== undefined && UNREACHABLE[code]) {
    return new GatewayError('EDIGW_HTTP_UNREACHABLE', `${context}: ${UNREACHABLE[code]}`, { cause: inner });
  }
  if (code !== undefined && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code))) {
    return new GatewayError('EDIGW_HTTP_TLS', `${context}: ${code}`, { cause: inner });
  }
  const innerMessage = (inner as { message?: unknown } | null)?.message;
  const message = typeof innerMessage === 'string' ? innerMessage : String(inner);
  // fetch's own refusals (a port it blocks, a header it will not send) will not change on a retry.
  if (name === 'TypeError' && (message === 'bad port' || cause === err)) {
    return new GatewayError('EDIGW_HTTP_REQUEST_INVALID', `${context}: ${message}`, { cause: inner });
  }
  return new GatewayError('EDIGW_HTTP_UNREACHABLE', `${context}: ${message}`, { cause: inner });
}

export const httpSender = defineOutbound({
  kind: 'http',
  config: httpSenderConfig,
  create: (config, deps) => new HttpSender(config, deps),
});
