import { GatewayError } from '../errors';
import {
  answerError,
  answerText,
  requestError,
  requestFor,
  requestTarget,
  sendRequest,
} from '../transports/http/request';
import { redactUrl } from '../redact-url';
import type { Alert } from './alert';

export interface WebhookSettings {
  url: string;
  token?: string;
  timeout: number;
}

/** POSTs the alert as JSON; a 2xx answer is delivery, anything else an error worth a retry. */
export async function postAlert(w: WebhookSettings, alert: Alert): Promise<void> {
  const u = new URL(w.url);
  const body = Buffer.from(JSON.stringify(alert));
  const context = `alert webhook ${redactUrl(w.url)}`;
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': body.length,
    'user-agent': 'edi-gateway',
  };
  if (w.token) headers.authorization = `Bearer ${w.token}`;
  const outcome = await sendRequest({
    request: requestFor(u),
    options: { ...requestTarget(u), method: 'POST', headers },
    body,
    agent: false,
    deadline: Date.now() + w.timeout,
  });
  if (!('res' in outcome)) throw requestError(outcome, context, w.timeout);
  const chunks: Buffer[] = [];
  for await (const c of outcome.res) chunks.push(c as Buffer);
  const status = outcome.res.statusCode ?? 0;
  if (status >= 200 && status < 300) return;
  const err = answerError(context, status, answerText(Buffer.concat(chunks)), outcome.res.headers.location);
  throw new GatewayError('EDIGW_ALERT_UNDELIVERED', err.describe(), { cause: err });
}
