/**
 * Alerts. A maintenance scan reads what the pipeline recorded anyway (dead letters, acks, overdue
 * acks, last receipts) and the certificates, and queues one `alert` job per channel for what needs a
 * person. So alerts never add work to intake, they are as durable as the queue (retried with backoff
 * when a channel is down), and every process may scan: a job's key (kind, partner, time slot) lets
 * one alert through per kind and partner in each `alerts.every`, however many scans see the cause.
 */
import { type Alert, type AlertKind, alertTitle } from '../alerts/alert';
import { mailAlert } from '../alerts/email';
import { postAlert } from '../alerts/webhook';
import type { AlertsConfig } from '../config/gateway';
import { GatewayError } from '../errors';
import type { Window } from '../store/alert-sources';
import type { Job } from '../store/queue';
import { expiringCertificates } from './as2';
import type { PipelineContext } from './context';

export const ALERT_JOB = 'alert';
const DAY = 86_400_000;
/**
 * How far back a scan looks. Scans run every minute and overlap (the job keys make that harmless);
 * the hour covers a restart, so what happened just before a crash is still alerted after it.
 */
export const ALERT_LOOKBACK_MS = 60 * 60_000;

type Channel = 'webhook' | 'email';
interface AlertJobData {
  channel: Channel;
  alert: Alert;
}

interface Found {
  alert: Alert;
  /** What the rate limit counts in: alerts of one kind and partner in one slot are one alert. */
  slotOf: number;
}

const channelsOf = (a: AlertsConfig): Channel[] => (['webhook', 'email'] as const).filter((c) => a[c] !== undefined);

function linkTo(a: AlertsConfig, alert: Alert): string | undefined {
  if (!a.console) return undefined;
  const base = a.console.endsWith('/') ? a.console : `${a.console}/`;
  return alert.ids.message ? `${base}messages/${encodeURIComponent(alert.ids.message)}` : base;
}

/** What the audit rows of the window say needs a person. */
async function fromRecords(ctx: PipelineContext, w: Window): Promise<Found[]> {
  const src = ctx.store.alertSources;
  const out: Found[] = [];
  for (const e of await src.deadLetters(w)) {
    const kind: AlertKind =
      e.code === 'EDIGW_JOB_CRASHED' || e.code === 'EDIGW_JOB_ABANDONED' ? 'job-crashed' : 'dead-letter';
    out.push({
      slotOf: e.createdAt.getTime(),
      alert: {
        kind,
        partner: e.partnerId,
        reason: e.detail ?? e.code ?? 'dead-lettered',
        ids: { event: String(e.id), ...(e.messageId ? { message: e.messageId } : {}) },
        at: e.createdAt.toISOString(),
      },
    });
  }
  for (const a of await src.rejectingAcks(w)) {
    const received = a.direction === 'in';
    const said = a.status === 'R' ? 'rejects' : a.status === 'P' ? 'partly accepts' : `says ${a.status} of`;
    const what = a.interchangeControlNumber ? `interchange ${a.interchangeControlNumber}` : 'an interchange';
    out.push({
      slotOf: a.createdAt.getTime(),
      alert: {
        kind: 'ack-rejected',
        partner: a.partnerId,
        reason: received
          ? `the partner's ${a.kind} ${said} our ${what}`
          : `our ${a.kind} ${said} the partner's ${what}`,
        ids: { ack: a.id, ...(a.messageId ? { message: a.messageId } : {}) },
        at: a.createdAt.toISOString(),
      },
    });
  }
  for (const ic of await src.overdueAcks(w)) {
    const due = ic.ackDueAt ?? ic.createdAt;
    out.push({
      slotOf: due.getTime(),
      alert: {
        kind: 'ack-overdue',
        partner: ic.partnerId,
        reason: `no acknowledgement of our interchange ${ic.controlNumber} came by ${due.toISOString()}`,
        ids: { interchange: ic.id, message: ic.messageId },
        at: due.toISOString(),
      },
    });
  }
  return out;
}

/** Partners silent past their `silentAfter`: one alert per silence, keyed by when they last sent. */
async function silentPartners(ctx: PipelineContext, now: Date): Promise<Found[]> {
  const watched = ctx.partners.list().filter((p) => p.silentAfter !== undefined);
  if (!watched.length) return [];
  const last = await ctx.store.alertSources.lastReceived();
  const out: Found[] = [];
  for (const p of watched) {
    const at = last.get(p.id);
    if (!at || now.getTime() - at.getTime() < p.silentAfter!) continue;
    out.push({
      slotOf: at.getTime(),
      alert: {
        kind: 'silent',
        partner: p.id,
        reason: `nothing received from ${p.id} since ${at.toISOString()} (silentAfter: ${Math.round(p.silentAfter! / 60_000)} min)`,
        ids: {},
        at: now.toISOString(),
      },
    });
  }
  return out;
}

/** Certificates within `certificateDays` of expiry: one alert per owner and day. */
function expiring(ctx: PipelineContext, a: AlertsConfig, now: Date): Found[] {
  const byOwner = new Map<string, string[]>();
  for (const c of expiringCertificates(ctx, a.certificateDays * DAY, now)) {
    const said = c.daysLeft < 0 ? `expired ${c.notAfter.toISOString()}` : `expires in ${c.daysLeft} days`;
    byOwner.set(c.owner, [...(byOwner.get(c.owner) ?? []), `${c.file} (${c.subject}) ${said}`]);
  }
  return [...byOwner].map(([owner, certs]) => ({
    // One a day: the slot is the day, whatever `every` says.
    slotOf: Math.floor(now.getTime() / DAY) * DAY,
    alert: {
      kind: 'certificate',
      partner: owner === 'us' ? null : owner,
      reason: `AS2 certificate ${certs.join('; ')}`,
      ids: {},
      at: now.toISOString(),
    },
  }));
}

/** Scans for alerts and queues them (the `alerts` maintenance task). Returns how many causes it saw. */
export async function scanAlerts(ctx: PipelineContext, now = ctx.clock()): Promise<number> {
  const a = ctx.config.alerts;
  if (!a) return 0;
  const w: Window = { since: new Date(now.getTime() - ALERT_LOOKBACK_MS), until: now };
  const found = [...(await fromRecords(ctx, w)), ...(await silentPartners(ctx, now)), ...expiring(ctx, a, now)];
  for (const { alert, slotOf } of found) {
    const every = alert.kind === 'certificate' ? DAY : a.every;
    const slot = Math.floor(slotOf / every);
    const link = linkTo(a, alert);
    const full = link ? { ...alert, link } : alert;
    for (const channel of channelsOf(a)) {
      // A key already queued (an earlier scan, another cause in the slot, another node) is ignored.
      await ctx.store.queue.enqueue({
        kind: ALERT_JOB,
        key: `alert:${alert.kind}:${alert.partner ?? '-'}:${slot}:${channel}`,
        messageId: alert.ids.message ?? null,
        data: { channel, alert: full } satisfies AlertJobData,
        maxAttempts: 12,
      });
    }
  }
  return found.length;
}

/** Sends one alert through one channel; a channel that fails is tried again with backoff, then given up. */
export async function runAlertJob(ctx: PipelineContext, job: Job): Promise<void> {
  const { store, logger, config } = ctx;
  const data = job.data as AlertJobData | null;
  const settings = data ? config.alerts?.[data.channel] : undefined;
  if (!data || !settings) {
    // The channel was taken out of gateway.yaml since the alert was queued.
    await store.queue.complete(job);
    return;
  }
  try {
    if (data.channel === 'webhook') await postAlert(config.alerts!.webhook!, data.alert);
    else await mailAlert(config.alerts!.email!, data.alert);
    await store.queue.complete(job);
    logger.info({ channel: data.channel, kind: data.alert.kind, partner: data.alert.partner }, alertTitle(data.alert));
  } catch (e) {
    const msg = e instanceof GatewayError ? e.describe() : (e as Error).message;
    const left = await store.queue.retry(job, msg, Math.min(30 * 60_000, 5_000 * 2 ** job.attempts));
    logger.warn(
      { channel: data.channel, kind: data.alert.kind, attempt: job.attempts, err: msg, givenUp: left === 'dead' },
      left === 'dead' ? 'alert not delivered; given up' : 'alert not delivered; will retry',
    );
  }
}
