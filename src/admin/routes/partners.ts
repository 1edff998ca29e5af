/**
 * Partners: their health (every role), a connectivity check and pausing or resuming their outbound
 * deliveries (operators; auth.ts refuses auditors before these run). Each action is audited as
 * `admin.check`, `admin.pause` or `admin.resume` under the partner, with the user's name.
 */
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors';
import type { PartnerCheck } from '../../pipeline/partner-check';
import type { PartnerHealth } from '../../pipeline/partner-health';
import type { PartnerState } from '../../store/partners';
import type { Audit } from '../audit';
import { actorOf, type Actor } from '../auth';
import { parseBody } from './params';

export type { PartnerCheck, EndpointCheck } from '../../pipeline/partner-check';
export type { PartnerHealth } from '../../pipeline/partner-health';

export interface PartnerDeps {
  list(): Promise<PartnerHealth[]>;
  /** Probes the partner's endpoints and poll servers (bounded); undefined for an unknown partner. */
  check(id: string): Promise<PartnerCheck | undefined>;
  /** Pauses or resumes its outbound deliveries; `changed` is false when it already was so. */
  setPaused(
    id: string,
    paused: boolean,
    by: string,
    reason: string | null,
  ): Promise<{ changed: boolean; state: PartnerState }>;
  exists(id: string): boolean;
}

/** What the gateway hands the admin API (AdminDeps.partners); `exists` comes from AdminDeps.partnerExists. */
export type PartnerSources = Omit<PartnerDeps, 'exists'>;

/** POST /api/partners/:id/pause and /resume: an optional reason, shown on the partners page and in the audit trail. */
export const pauseBody = z.strictObject({ reason: z.string().trim().min(1).max(255).optional() });

function partnerId(deps: PartnerDeps, req: Request): string {
  const id = String(req.params.id);
  if (!deps.exists(id)) throw new GatewayError('EDIGW_ADMIN_PARTNER_UNKNOWN', `partner ${JSON.stringify(id)}`);
  return id;
}

/** Runs a check and records who asked: the API's route and the console's button. */
export async function checkAndAudit(
  deps: PartnerSources & { audit?: Audit },
  id: string,
  actor: Actor,
): Promise<PartnerCheck> {
  const result = await deps.check(id);
  if (!result) throw new GatewayError('EDIGW_ADMIN_PARTNER_UNKNOWN', `partner ${JSON.stringify(id)}`);
  await deps.audit?.({
    action: 'check',
    actor,
    partnerId: id,
    detail: {
      ok: result.ok,
      endpoints: result.endpoints.map((e) => ({ at: e.at, ok: e.ok, ...(e.error ? { code: e.error.code } : {}) })),
    },
  });
  return result;
}

/** Pauses or resumes and records who did it. */
export async function pauseAndAudit(
  deps: PartnerSources & { audit?: Audit },
  id: string,
  paused: boolean,
  actor: Actor,
  reason: string | null,
): Promise<{ changed: boolean; state: PartnerState }> {
  const r = await deps.setPaused(id, paused, actor.name, reason);
  await deps.audit?.({
    action: paused ? 'pause' : 'resume',
    actor,
    partnerId: id,
    detail: { reason, changed: r.changed },
  });
  return r;
}

const stateJson = (s: PartnerState) => ({
  partner: s.partnerId,
  paused: s.paused,
  by: s.changedBy,
  at: s.changedAt.toISOString(),
  reason: s.reason,
});

export function partnersRouter(deps: PartnerDeps & { audit?: Audit }): Router {
  const r = Router();
  const body = express.json({ limit: '8kb' });

  r.get('/partners', async (_req, res) => {
    res.status(200).json({ partners: await deps.list() });
  });

  r.get('/partners/:id', async (req, res) => {
    const id = partnerId(deps, req);
    const found = (await deps.list()).find((p) => p.id === id);
    if (!found) throw new GatewayError('EDIGW_ADMIN_PARTNER_UNKNOWN', `partner ${JSON.stringify(id)}`);
    res.status(200).json(found);
  });

  r.post('/partners/:id/check', async (req, res) => {
    const id = partnerId(deps, req);
    res.status(200).json(await checkAndAudit(deps, id, actorOf(res)));
  });

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    r.post(`/partners/:id/${action}`, body, async (req, res) => {
      const id = partnerId(deps, req);
      const b = parseBody(pauseBody, req);
      const r2 = await pauseAndAudit(deps, id, paused, actorOf(res), b.reason ?? null);
      res.status(200).json({ ...stateJson(r2.state), changed: r2.changed });
    });
  }

  return r;
}
