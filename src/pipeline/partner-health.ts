/**
 * What the partners page and `GET /api/partners` show per partner: its traffic (store), the expiry of
 * its certificates (the same reading `report --certificates` does), how its pollers fare (they run
 * in the gateway process that serves the admin API) and whether an operator paused its deliveries.
 */
import type { PollerState } from '../transports';
import type { PartnerActivity, PartnerState } from '../store/partners';
import type { PipelineContext } from './context';
import { CERTIFICATE_WARNING_MS, expiringCertificates } from './as2';
import { pausedNote } from './deliver';

export interface PartnerHealth {
  id: string;
  name: string | null;
  /** `ok`; `attention` (something to look at soon); `failing` (traffic is not getting through). */
  health: 'ok' | 'attention' | 'failing';
  /** Why it is not ok, one sentence each. */
  reasons: string[];
  paused: { by: string | null; at: string; reason: string | null } | null;
  /** The newest operator action on it (the audit trail's newest entry for the partner), or null. */
  lastAction: { action: string; user: string | null; role: string | null; at: string } | null;
  lastIn: string | null;
  lastOut: string | null;
  today: PartnerActivity['today'];
  deliveries: PartnerActivity['deliveries'];
  /** The partner's own certificates (certificates.as2), soonest expiry first. */
  certificates: Array<{ file: string; subject: string; notAfter: string; daysLeft: number }>;
  /** Days until the first of them expires; null without certificates. */
  certificateDaysLeft: number | null;
  pollers: Array<
    Omit<PollerState, 'lastRoundAt' | 'lastOkAt'> & { lastRoundAt: string | null; lastOkAt: string | null }
  >;
}

const WARNING_DAYS = CERTIFICATE_WARNING_MS / 86_400_000;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The start of the clock's day in UTC: "today" as the reports count it. */
export const startOfDay = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

export async function partnersHealth(
  ctx: Pick<PipelineContext, 'store' | 'partners' | 'config' | 'clock'>,
  pollers: (partnerId: string) => PollerState[],
): Promise<PartnerHealth[]> {
  const now = ctx.clock();
  const list = ctx.partners.list();
  const ids = list.map((p) => p.id);
  const [activity, states, actions] = await Promise.all([
    ctx.store.partners.activity(ids, startOfDay(now)),
    ctx.store.partners.states(),
    // One indexed read per partner (the audit trail's stage range), newest first: operators act
    // seldom, so this stays a handful of rows however long the gateway has run.
    Promise.all(ids.map((id) => ctx.store.auditTrail.search({ partner: id }, { limit: 1 }))),
  ]);
  const certificates = expiringCertificates(ctx, Number.POSITIVE_INFINITY, now);
  return list.map((p, i) => {
    const a = activity.get(p.id)!;
    const last = actions[i].entries.at(0);
    const state: PartnerState | undefined = states.get(p.id);
    const certs = certificates
      .filter((c) => c.owner === p.id)
      .map((c) => ({ file: c.file, subject: c.subject, notAfter: c.notAfter.toISOString(), daysLeft: c.daysLeft }));
    const polls = pollers(p.id).map((s) => ({ ...s, lastRoundAt: iso(s.lastRoundAt), lastOkAt: iso(s.lastOkAt) }));
    const failing: string[] = [];
    const attention: string[] = [];
    for (const s of polls)
      if (s.state === 'failing')
        failing.push(`polling ${s.url} fails (${s.failures} in a row): ${s.lastError?.message ?? 'unknown'}`);
    for (const c of certs) {
      if (c.daysLeft < 0) failing.push(`certificate ${c.subject} expired on ${c.notAfter.slice(0, 10)}`);
      else if (c.daysLeft <= WARNING_DAYS) attention.push(`certificate ${c.subject} expires in ${c.daysLeft} days`);
    }
    if (a.deliveries.dead > 0) failing.push(`${a.deliveries.dead} dead letter${a.deliveries.dead === 1 ? '' : 's'}`);
    if (a.today.refused > 0) attention.push(`${a.today.refused} inbound refused today`);
    if (a.today.failed > 0) attention.push(`${a.today.failed} outbound failed today`);
    if (state?.paused) attention.push(`outbound deliveries paused by ${state.changedBy ?? 'an operator'}`);
    return {
      id: p.id,
      name: p.name ?? null,
      health: failing.length ? 'failing' : attention.length ? 'attention' : 'ok',
      reasons: [...failing, ...attention],
      paused: state?.paused ? { by: state.changedBy, at: state.changedAt.toISOString(), reason: state.reason } : null,
      lastAction: last ? { action: last.action, user: last.user, role: last.role, at: last.at.toISOString() } : null,
      lastIn: iso(a.lastIn),
      lastOut: iso(a.lastOut),
      today: a.today,
      deliveries: a.deliveries,
      certificates: certs,
      certificateDaysLeft: certs.length ? Math.min(...certs.map((c) => c.daysLeft)) : null,
      pollers: polls,
    };
  });
}

/**
 * Pauses or resumes a partner's outbound deliveries. A resume wakes the deliveries that were waiting,
 * so they go now rather than at the end of their wait (deliver.ts PAUSED_WAIT_MS).
 */
export async function setPartnerPaused(
  ctx: Pick<PipelineContext, 'store' | 'kick'>,
  partnerId: string,
  paused: boolean,
  by: string,
  reason: string | null,
): Promise<{ changed: boolean; state: PartnerState }> {
  const r = await ctx.store.partners.setPaused(partnerId, paused, by, reason);
  if (!paused) {
    await ctx.store.queue.wake('deliver', pausedNote(partnerId));
    ctx.kick?.();
  }
  return { changed: r.before !== paused, state: r.state };
}
