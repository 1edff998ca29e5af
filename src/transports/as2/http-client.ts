/**
 * One AS2 POST and its whole answer: the sender's message (whose answer may be a sync MDN) and the
 * server's async MDN. Failures before an answer become the same GatewayErrors as the http sender's
 * (unreachable and TLS failures are worth a retry; a request Node refuses to send is not); the status
 * of an answer is classified by `statusError`. Redirects are never followed: an AS2 message is signed
 * for one recipient, and a 3xx would turn the POST into a GET.
 */
import http from 'node:http';
import https from 'node:https';
import { GatewayError } from '../../errors';
import { redactUrl } from '../../redact-url';
import { answerError, answerText, requestError, requestFor, requestTarget, sendRequest } from '../http/request';

export interface PostOptions {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  /** From the first byte sent to the last byte of the answer. */
  timeoutMs: number;
  /** A keep-alive pool; false (the default) for a connection of this request's own. */
  agent?: http.Agent | false;
  /** An answer longer than this is cut off and the request fails: an MDN is a few kilobytes. */
  maxResponseBytes?: number;
  /** What was being done, for error messages. */
  context: string;
}

export interface PostAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const DEFAULT_MAX_RESPONSE = 1024 * 1024;

/**
 * The pool of one sender: idle connections close after 4 s, before the 5 s after which Node's and
 * Apache's servers close theirs, so that a pooled connection is rarely one the server is closing.
 */
export function keepAliveAgent(url: string): http.Agent {
  const options: http.AgentOptions = {
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxSockets: 32,
    maxFreeSockets: 32,
    timeout: 4000,
    scheduling: 'lifo',
  };
  return new URL(url).protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

type Outcome =
  | { answer: PostAnswer }
  | { failure: 'timeout' }
  | { failure: 'too-large' }
  | { failure: 'invalid' | 'stale' | 'network'; err: unknown };

/** One POST over the shared request core (../http/request.ts), and its whole answer. */
async function attempt(o: PostOptions, agent: http.Agent | false, deadline: number): Promise<Outcome> {
  const u = new URL(o.url);
  const sent = await sendRequest({
    request: requestFor(u),
    options: {
      ...requestTarget(u),
      method: 'POST',
      headers: { ...o.headers, 'Content-Length': String(o.body.length) },
    },
    body: o.body,
    agent,
    deadline,
  });
  if (!('res' in sent)) return sent;
  return readAnswer(sent.res, o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE, sent.timedOut);
}

/** The whole answer, up to `limit` bytes; one cut off by the deadline is a timeout. */
function readAnswer(res: http.IncomingMessage, limit: number, timedOut: () => boolean): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        settle({ failure: 'too-large' });
        res.destroy();
        return;
      }
      chunks.push(c);
    });
    res.on('end', () =>
      settle({ answer: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) } }),
    );
    res.on('error', (err) => settle(timedOut() ? { failure: 'timeout' } : { failure: 'network', err }));
    res.on('close', () => {
      if (res.complete) return;
      settle(timedOut() ? { failure: 'timeout' } : { failure: 'network', err: new Error('the answer was cut off') });
    });
  });
}

/** POSTs the body and reads the whole answer, whatever its status; throws only when no answer came. */
export async function post(o: PostOptions): Promise<PostAnswer> {
  const deadline = Date.now() + o.timeoutMs;
  const agent = o.agent ?? false;
  let outcome = await attempt(o, agent, deadline);
  // Nothing of a request on a stale pooled connection reached the server: it goes again at once.
  if ('failure' in outcome && outcome.failure === 'stale') outcome = await attempt(o, false, deadline);
  if ('answer' in outcome) return outcome.answer;
  const context = `${o.context} (${redactUrl(o.url)})`;
  if (outcome.failure === 'too-large')
    throw new GatewayError(
      'EDIGW_AS2_MDN_INVALID',
      `${context}: the answer is longer than ${o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE} bytes`,
    );
  throw requestError(outcome, context, o.timeoutMs);
}

/** The error for an answer that is not 2xx, with the start of its text (the http sender's rules). */
export function statusError(context: string, answer: PostAnswer): GatewayError {
  return answerError(context, answer.status, answerText(answer.body));
}

export interface AsyncMdnPost {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs?: number;
  context: string;
}

/**
 * One try at POSTing an async MDN: resolves on a 2xx, else throws the GatewayError of the failure
 * (`kind: 'retry'` for one worth trying again: unreachable, TLS, 5xx, 408, 429, a timeout). The
 * pipeline's `as2-mdn` job calls it once per attempt, with the queue's backoff between attempts.
 */
export async function postAsyncMdn(d: AsyncMdnPost): Promise<void> {
  let answer: PostAnswer;
  try {
    answer = await post({
      url: d.url,
      headers: d.headers,
      body: d.body,
      timeoutMs: d.timeoutMs ?? 30_000,
      context: d.context,
      maxResponseBytes: 64 * 1024,
    });
  } catch (e) {
    throw e instanceof GatewayError ? e : new GatewayError('EDIGW_HTTP_UNREACHABLE', d.context, { cause: e });
  }
  if (answer.status < 200 || answer.status >= 300) throw statusError(`${d.context} (${redactUrl(d.url)})`, answer);
}

export interface AsyncMdnDelivery extends AsyncMdnPost {
  /** Tries in all (default 3), `backoffMs` apart and doubling (default 2 s). */
  attempts?: number;
  backoffMs?: number;
  /** Whether to keep trying (false once the server is closing). */
  keepGoing?: () => boolean;
}

/**
 * POSTs an async MDN, trying again a few times on transient failures, in memory: what the listener
 * does when nothing durable takes the MDN over (its deps have no deliverMdn, or the store is
 * unreachable). An MDN still undelivered when the tries run out (or the process stops) is lost; its
 * message is stored, so the sender will at worst resend and get the stored MDN back as a duplicate.
 */
export async function deliverAsyncMdn(d: AsyncMdnDelivery): Promise<void> {
  const attempts = d.attempts ?? 3;
  let wait = d.backoffMs ?? 2000;
  for (let i = 1; ; i++) {
    let error: GatewayError;
    try {
      await postAsyncMdn(d);
      return;
    } catch (e) {
      error = e instanceof GatewayError ? e : new GatewayError('EDIGW_HTTP_UNREACHABLE', d.context, { cause: e });
    }
    if (error.kind !== 'retry' || i >= attempts || (d.keepGoing && !d.keepGoing())) {
      // The cause names the URL already.
      throw new GatewayError('EDIGW_AS2_MDN_UNDELIVERED', `${d.context}, ${i} attempt${i === 1 ? '' : 's'}`, {
        cause: error,
      });
    }
    await new Promise((r) => setTimeout(r, wait).unref());
    wait *= 2;
  }
}
