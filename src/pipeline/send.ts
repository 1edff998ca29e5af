import type { LoadedPartner } from '../config/partners';
import { GatewayError } from '../errors';
import type { Segment, Standard } from '../edi/model';
import { parseBuffer, UnreadableInput } from '../edi/parse';
import { checkDocument, documentNamed, edifactInterchange, x12Interchange, type DocumentKind } from '../canonical';
import type { PipelineContext } from './context';
import {
  applyOutboundSettings,
  Batch,
  endpointOf,
  interchangeDocument,
  ourParty,
  outboundVersion,
  partnerParty,
  queueDelivery,
  recordOutbound,
  safeName,
  type Queued,
} from './outbound';

export interface SendInput {
  partnerId: string;
  endpoint: string;
  bytes: Buffer;
  fileName?: string;
  /** For canonical JSON: the standard to write (default: the one the partner has an identifier and outbound settings for, X12 first). */
  as?: Standard;
}

/** The standard a partner receives, when the caller does not say. */
function standardFor(p: LoadedPartner): Standard {
  if (p.outbound?.x12 || (p.identifiers.x12?.length && !p.outbound?.edifact)) return 'x12';
  if (p.identifiers.edifact?.length) return 'edifact';
  return 'x12';
}

function looksLikeJson(bytes: Buffer): boolean {
  const head = bytes
    .subarray(0, 64)
    .toString('utf8')
    .replace(/^[\s\uFEFF]+/, '');
  return head.startsWith('{') || head.startsWith('[');
}

/** Canonical documents grouped by kind, each validated just enough to name its kind. */
function canonicalDocuments(bytes: Buffer, source: string): Array<{ kind: DocumentKind; docs: object[] }> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new GatewayError('EDIGW_SEND_INVALID', source, {
      cause: new Error(`not valid JSON: ${(e as Error).message}`),
    });
  }
  const list = Array.isArray(value) ? value : [value];
  const groups = new Map<string, { kind: DocumentKind; docs: object[] }>();
  list.forEach((d, i) => {
    const where = Array.isArray(value) ? `${source} [${i}]` : source;
    if (!d || typeof d !== 'object')
      throw new GatewayError('EDIGW_SEND_INVALID', where, {
        cause: new Error('a canonical document is a JSON object'),
      });
    const name = (d as { document?: unknown }).document;
    const kind = typeof name === 'string' ? documentNamed(name) : undefined;
    if (!kind)
      throw new GatewayError('EDIGW_SEND_INVALID', where, {
        cause: new Error(
          `"document" must name the kind: PurchaseOrder, Invoice, ShipNotice or OrderResponse (got ${JSON.stringify(name)})`,
        ),
      });
    const checked = checkDocument(kind, d);
    if (!checked.ok)
      throw new GatewayError('EDIGW_SEND_INVALID', where, {
        cause: new Error(
          `not a valid ${kind.name}: ${checked.issues.slice(0, 5).join('; ')}${checked.issues.length > 5 ? `; and ${checked.issues.length - 5} more` : ''}`,
        ),
      });
    const g = groups.get(kind.name) ?? { kind, docs: [] };
    g.docs.push(checked.value as object);
    groups.set(kind.name, g);
  });
  return [...groups.values()];
}

/**
 * Outbound: canonical JSON (one document or an array, each naming its `document` kind) is written as
 * X12 or EDIFACT in the partner's envelope with control numbers from the store; raw X12 or EDIFACT goes
 * as it is. Either way the interchange is recorded so the acknowledgement it should bring back is
 * expected, and it is queued for the endpoint. Resolves once all of that has committed.
 */
export async function sendDocument(ctx: PipelineContext, input: SendInput): Promise<Queued[]> {
  const partner = ctx.partners.get(input.partnerId);
  if (!partner)
    throw new GatewayError('EDIGW_SEND_INVALID', `send to partner ${input.partnerId}`, {
      cause: new Error('no such partner is loaded (see edi-gateway partners check)'),
    });
  endpointOf(partner, input.endpoint);
  const source = input.fileName ?? 'the document';
  if (looksLikeJson(input.bytes)) {
    const standard = input.as ?? standardFor(partner);
    const receiver = partnerParty(partner, standard);
    const sender = ourParty(ctx, standard);
    if (!receiver)
      throw new GatewayError('EDIGW_SEND_INVALID', `send to partner ${partner.id}`, {
        cause: new Error(`the partner file has no identifiers.${standard} to address the interchange to`),
      });
    if (!sender)
      throw new GatewayError('EDIGW_SEND_INVALID', `send to partner ${partner.id}`, {
        cause: new Error(`gateway.yaml identity.${standard} is empty: we have no id to send from`),
      });
    const groups = canonicalDocuments(input.bytes, source);
    // A document made now is dated now unless it says otherwise (every standard requires the date).
    const today = ctx.clock().toISOString().slice(0, 10);
    for (const g of groups)
      for (const d of g.docs) if ((d as { date?: string }).date === undefined) (d as { date?: string }).date = today;
    return ctx.store
      .transaction(async (m) => {
        const batch = new Batch();
        const out: Queued[] = [];
        for (const g of groups) {
          let bodies: Segment[][];
          try {
            bodies = g.docs.map((d) => g.kind[standard].write(d as never));
          } catch (e) {
            throw new GatewayError(
              'EDIGW_SEND_INVALID',
              `${source}: writing ${g.kind.name} as ${standard === 'x12' ? 'X12' : 'EDIFACT'}`,
              { cause: e },
            );
          }
          const env = {
            sender,
            receiver,
            controlNumber: await ctx.store.nextControlNumber(m, partner.id, standard === 'x12' ? 'isa' : 'unb'),
            now: ctx.clock(),
            test: partner.outbound?.x12?.isa?.test ?? false,
          };
          const type = g.kind[standard].type;
          const version = outboundVersion(g.kind, standard, partner);
          const messages = bodies.map((body) => ({ type, version, body }));
          const ic =
            standard === 'x12'
              ? applyOutboundSettings(
                  x12Interchange(messages, { ...env, functionalId: g.kind.x12.functionalId }),
                  partner,
                )
              : applyOutboundSettings(edifactInterchange(messages, env), partner);
          const doc = interchangeDocument(ic, ctx.profiles);
          const q = queueDelivery(ctx, batch, partner, input.endpoint, {
            ...doc,
            fileName: `${safeName(partner.id, type, ic.controlNumber)}.${standard === 'x12' ? 'x12' : 'edi'}`,
          });
          await recordOutbound(ctx, m, partner, doc.bytes, q.message);
          out.push(q);
        }
        await batch.flush(ctx, m);
        return out;
      })
      .finally(() => ctx.kick?.());
  }
  let standard: Standard | undefined;
  try {
    const parsed = parseBuffer(input.bytes, { level: 'envelope' });
    standard = parsed.interchanges[0]?.standard;
    const broken = parsed.interchanges.flatMap((ic) => ic.errors.filter((d) => d.severity === 'error'));
    if (broken.length)
      throw new GatewayError('EDIGW_SEND_INVALID', source, {
        cause: new Error(`the envelope is invalid: ${broken[0].message}`),
      });
  } catch (e) {
    if (e instanceof UnreadableInput)
      throw new GatewayError('EDIGW_SEND_INVALID', source, {
        cause: new Error(`neither canonical JSON nor X12/EDIFACT: ${e.message}`),
      });
    throw e;
  }
  const fileName = safeName(input.fileName ?? `${partner.id}.${standard === 'edifact' ? 'edi' : 'x12'}`);
  return ctx.store
    .transaction(async (m) => {
      const batch = new Batch();
      const q = queueDelivery(ctx, batch, partner, input.endpoint, {
        bytes: input.bytes,
        contentType: standard === 'edifact' ? 'application/edifact' : 'application/edi-x12',
        fileName,
      });
      await recordOutbound(ctx, m, partner, input.bytes, q.message);
      await batch.flush(ctx, m);
      return [q];
    })
    .finally(() => ctx.kick?.());
}
