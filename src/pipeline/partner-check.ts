/**
 * The connectivity check of a partner (`POST /api/partners/:id/check`): for each endpoint and poll
 * entry whose transport has a probe (those that reach the partner over the network), one bounded
 * probe with what it found. The transports say how they are probed (their spec's `probe`): AS2 asks
 * its URL, SFTP and FTP log in and list the configured folder. Nothing is sent, taken or moved.
 */
import type { LoadedPartner } from '../config/partners';
import { endpointKind, inboundTransports } from '../config/partner';
import { GatewayError } from '../errors';
import { findOutbound, type InboundSpec, type OutboundSpec, type Probe, type ProbeFinding } from '../transports';
import type { PipelineView } from './context';
import { transportConfig } from './transport-settings';

/** Each probe's bound, whatever the endpoint's own (longer) timeout: an operator waits for the answer. */
export const CHECK_TIMEOUT_MS = 10_000;

export interface EndpointCheck extends ProbeFinding {
  /** `endpoints.NAME` or `inbound.poll.N`, as the partner file says it. */
  at: string;
  kind: string;
  /** Where it went; no password, no secret query value. */
  target: string;
  ms: number;
}

export interface PartnerCheck {
  partner: string;
  checkedAt: string;
  ok: boolean;
  endpoints: EndpointCheck[];
}

interface Planned extends Probe {
  at: string;
  kind: string;
}

/** Runs every probe of the partner at once; each is bounded by CHECK_TIMEOUT_MS. */
export async function checkPartner(view: Pick<PipelineView, 'config'>, partner: LoadedPartner): Promise<PartnerCheck> {
  const probes: Planned[] = [];
  const plan = (spec: InboundSpec | OutboundSpec, section: unknown, path: (string | number)[], at: string) => {
    if (!spec.probe) return;
    try {
      const config = transportConfig(view.config, partner, spec, section, path);
      probes.push({ at, kind: spec.kind, ...spec.probe(config, CHECK_TIMEOUT_MS) });
    } catch (e) {
      probes.push({ at, kind: spec.kind, target: '(not configured)', run: async () => refused(e) });
    }
  };
  for (const [name, endpoint] of Object.entries(partner.endpoints ?? {})) {
    const kind = endpointKind(endpoint);
    const spec = findOutbound(kind);
    if (spec) plan(spec, (endpoint as Record<string, unknown>)[kind], ['endpoints', name, kind], `endpoints.${name}`);
  }
  for (const t of inboundTransports(partner)) plan(t.spec, t.section, t.path, t.path.slice(0, -1).join('.'));

  const endpoints = await Promise.all(
    probes.map(async (p) => {
      const started = Date.now();
      const r = await p.run().catch((e: unknown) => failed(new GatewayError('EDIGW_CHECK_FAILED', p.at, { cause: e })));
      return { at: p.at, kind: p.kind, target: p.target, ...r, ms: Date.now() - started };
    }),
  );
  return {
    partner: partner.id,
    checkedAt: new Date().toISOString(),
    ok: endpoints.every((e) => e.ok),
    endpoints,
  };
}

function refused(e: unknown): ProbeFinding {
  const err = e instanceof GatewayError ? e : new GatewayError('EDIGW_TRANSPORT_CONFIG_INVALID', 'check', { cause: e });
  return { ok: false, result: `not checked: ${err.message}`, error: { code: err.code, message: err.message } };
}

function failed(err: GatewayError): ProbeFinding {
  return { ok: false, result: err.message, error: { code: err.code, message: err.message } };
}
