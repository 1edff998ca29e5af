import { GatewayError } from '../errors';
import { diagnostic, formatDiagnostic } from '../edi/diagnostic';
import { transactionStatus } from '../edi/ack/status';
import { parseBuffer } from '../edi/parse';
import type { PipelineView } from './context';
import { plannedAcks, renderAck } from './acks';
import { interchangeDocument } from './outbound';
import { findRoute, produce, trackedFields } from './route';
import { identifyInterchange } from './interchange-steps';

export interface SimulatedTransaction {
  type: string;
  version: string;
  controlNumber: string;
  status: 'A' | 'E' | 'R';
  tracked: Record<string, string> | null;
  diagnostics: string[];
  route?: { to: string; partner: string; map?: string; format: string };
  output?: { fileName: string; contentType: string; text: string };
  error?: string;
}

export interface SimulatedInterchange {
  standard: string;
  controlNumber: string;
  sender: string;
  receiver: string;
  partner: string | null;
  refused?: string;
  acks: Array<{ kind: string; status: string; to: string | null; text: string }>;
  transactions: SimulatedTransaction[];
}

/**
 * What the pipeline would do with a file from a partner: who it is identified as, the acks it would
 * get, the route and map output of each transaction. Nothing is stored or sent; control numbers shown
 * are placeholders (1), and the duplicate check, which needs the store, is not made.
 */
export async function simulate(ctx: PipelineView, partnerId: string, bytes: Buffer): Promise<SimulatedInterchange[]> {
  const channel = ctx.partners.get(partnerId);
  if (!channel)
    throw new GatewayError('EDIGW_SEND_INVALID', `simulate --partner ${partnerId}`, {
      cause: new Error('no such partner is loaded (see edi-gateway partners check)'),
    });
  const parsed = parseBuffer(bytes, { level: 'full', profiles: ctx.profiles });
  const out: SimulatedInterchange[] = [];
  for (const ic of parsed.interchanges) {
    const who = identifyInterchange(ctx, ic, channel);
    if (who.refusal)
      ic.errors.push(
        diagnostic('interchange', who.refusal.ediCode, who.refusal.message, { interchange: ic.controlNumber }),
      );
    const partner = who.partner;
    const acks = plannedAcks(ic, who.refusal ? channel : partner).map((a) => ({
      kind: a.kind,
      status: a.status,
      to: partner?.acks?.to ?? null,
      text: interchangeDocument(renderAck(ic, a.kind, 1, ctx.clock(), partner)).bytes.toString('latin1'),
    }));
    const result: SimulatedInterchange = {
      standard: ic.standard,
      controlNumber: ic.controlNumber,
      sender: `${ic.sender.qualifier}/${ic.sender.id.trim()}`,
      receiver: `${ic.receiver.qualifier}/${ic.receiver.id.trim()}`,
      partner: partner?.id ?? null,
      ...(who.refusal ? { refused: `${who.refusal.message} [${who.refusal.code}]` } : {}),
      acks,
      transactions: [],
    };
    for (const g of ic.groups) {
      for (const tx of g.transactions) {
        const t: SimulatedTransaction = {
          type: tx.type,
          version: tx.version,
          controlNumber: tx.controlNumber,
          status: transactionStatus(tx),
          tracked: trackedFields(partner?.tracking, tx),
          diagnostics: tx.errors.map((d) => formatDiagnostic(d)),
        };
        result.transactions.push(t);
        if (who.refusal || !partner || t.status === 'R') continue;
        const route = findRoute(partner, ic, tx);
        if (!route) {
          t.error = `no route of partner ${partner.id} matches ${tx.type} ${tx.version} [EDIGW_NO_ROUTE]`;
          continue;
        }
        const to = route.partner ? ctx.partners.get(route.partner) : partner;
        t.route = {
          to: route.to,
          partner: route.partner ?? partner.id,
          ...(route.map ? { map: route.map } : {}),
          format: route.format,
        };
        if (!to) {
          t.error = `no partner ${route.partner} is loaded`;
          continue;
        }
        try {
          const doc = await produce(ctx, route, { partner, ic, tx, payload: bytes }, to, async () => 1);
          t.output = {
            fileName: doc.fileName,
            contentType: doc.contentType,
            text: doc.bytes.toString(doc.contentType === 'application/edifact' ? 'latin1' : 'utf8'),
          };
        } catch (e) {
          t.error = e instanceof GatewayError ? e.describe() : (e as Error).message;
        }
      }
    }
    out.push(result);
  }
  return out;
}
