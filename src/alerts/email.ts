import nodemailer from 'nodemailer';
import { GatewayError } from '../errors';
import { redactUrl } from '../redact-url';
import { alertTitle, type Alert } from './alert';

export interface EmailSettings {
  smtp: string;
  from: string;
  to: string[];
}

/** The alert as a plain-text e-mail: what happened, to whom, the ids to look up, and the link. */
export function alertText(a: Alert): string {
  const lines = [
    a.reason,
    '',
    `kind:    ${a.kind}`,
    `partner: ${a.partner ?? '-'}`,
    `at:      ${a.at}`,
    ...Object.entries(a.ids).map(([k, v]) => `${`${k}:`.padEnd(9)}${v}`),
  ];
  if (a.link) lines.push('', a.link);
  return `${lines.join('\n')}\n`;
}

/** Sends the alert through the SMTP server; a refusal or a connection failure is an error worth a retry. */
export async function mailAlert(e: EmailSettings, alert: Alert, timeout = 30_000): Promise<void> {
  const u = new URL(e.smtp);
  const secure = u.protocol === 'smtps:';
  const transport = nodemailer.createTransport({
    host: u.hostname,
    port: Number(u.port) || (secure ? 465 : 25),
    secure,
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    await transport.sendMail({ from: e.from, to: e.to, subject: alertTitle(alert), text: alertText(alert) });
  } catch (err) {
    throw new GatewayError(
      'EDIGW_ALERT_UNDELIVERED',
      `alert e-mail through ${redactUrl(e.smtp)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  } finally {
    transport.close();
  }
}
