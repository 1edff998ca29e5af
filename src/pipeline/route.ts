import { createHash } from 'node:crypto';
import type { LoadedPartner } from '../config/partners';
import type { Partner } from '../config/partner';
import { GatewayError } from '../errors';
import type { Interchange, Segment, Transaction } from '../edi/model';
import { text } from '../edi/model';
import { ensureTree } from '../edi/transaction-end';
import {
  checkDocument,
  documentFor,
  documentNamed,
  edifactInterchange,
  inTarget,
  x12Interchange,
  type DocumentKind,
} from '../canonical';
import type { PipelineView } from './context';
import {
  standardTranslation,
  type TranslationLoss,
  type Translate,
  translationLosses,
  type VerdictCache,
} from '../canonical/losses';
import {
  applyOutboundSettings,
  interchangeDocument,
  ourParty,
  outboundVersion,
  partnerParty,
  safeName,
} from './outbound';
import { MissingMandatory, locatedRefusal } from '../canonical/missing-mandatory';

export type Route = NonNullable<Partner['routes']>[number];

/** The first of the partner's routes whose match fits the transaction (every given field equal). */
export function findRoute(partner: Partner, ic: Interchange, tx: Transaction): Route | undefined {
  return partner.routes?.find((r) => {
    const m = r.match ?? {};
    return (
      (m.standard === undefined || m.standard === ic.standard) &&
      (m.version === undefined || m.version === tx.version || m.version === tx.implementation) &&
      (m.type === undefined || m.type === tx.type) &&
      (m.test === undefined || m.test === ic.test)
    );
  });
}

/** The values of the partner's tracked fields (`BEG.BEG03`) in a transaction: the first occurrence of each. */
export function trackedFields(
  tracking: Record<string, string> | undefined,
  tx: Transaction,
): Record<string, string> | null {
  if (!tracking) return null;
  const out: Record<string, string> = {};
  for (const [name, ref] of Object.entries(tracking)) {
    const m = /^([A-Z][A-Z0-9]{1,2})\.[A-Z][A-Z0-9]{1,2}(\d{2})$/.exec(ref);
    if (!m) continue;
    const seg = tx.segments.find((s: Segment) => s.id === m[1]);
    const v = seg ? text(seg.elements[Number(m[2]) - 1]) : '';
    if (v !== '') out[name] = v;
  }
  return Object.keys(out).length ? out : null;
}

/** What a map reads about where the transaction came from, as `$source`. */
export function sourceOf(partner: LoadedPartner, ic: Interchange, tx: Transaction) {
  return {
    partner: partner.id,
    standard: ic.standard,
    version: tx.version,
    type: tx.type,
    controlNumber: tx.controlNumber,
    interchange: {
      controlNumber: ic.controlNumber,
      sender: ic.sender,
      receiver: ic.receiver,
      test: ic.test,
      date: ic.date,
    },
  };
}

export interface Produced {
  bytes: Buffer;
  contentType: string;
  fileName: string;
  /** Set when the document is an interchange of our own (X12 or EDIFACT out): it is recorded, its ack expected. */
  interchange?: boolean;
  /** X12 or EDIFACT out: what of the source the written document has no counterpart for (empty: nothing). */
  losses?: TranslationLoss[];
  /** EDIFACT out: each value the partner's `transliterate: true` changed, located. */
  transliterated?: string[];
}

function canonicalKind(ic: Interchange, tx: Transaction): DocumentKind {
  const kind = documentFor(ic.standard, tx.type);
  if (!kind)
    throw new GatewayError(
      'EDIGW_SERIALIZE_FAILED',
      `${ic.standard === 'x12' ? 'X12' : 'EDIFACT'} ${tx.type} ${tx.controlNumber}`,
      { cause: new Error('no canonical business document reads this transaction type') },
    );
  return kind;
}

/**
 * Makes the document a route delivers: the input (tree or canonical document) through the map, written
 * as JSON, or as X12/EDIFACT in the receiving partner's envelope with a control number from `control`.
 */
export async function produce(
  ctx: PipelineView,
  route: Route,
  from: { partner: LoadedPartner; ic: Interchange; tx: Transaction; payload: Buffer },
  to: LoadedPartner,
  control: (standard: 'x12' | 'edifact') => Promise<number>,
): Promise<Produced> {
  const { partner, ic, tx } = from;
  const base = safeName(partner.id, tx.type, ic.controlNumber, tx.controlNumber);
  if (route.format === 'raw') {
    return {
      bytes: from.payload.subarray(ic.offset, ic.offset + ic.length),
      contentType: ic.standard === 'x12' ? 'application/edi-x12' : 'application/edifact',
      fileName: `${safeName(partner.id, ic.controlNumber)}.${ic.standard === 'x12' ? 'x12' : 'edi'}`,
    };
  }
  // The process step parses without trees (ReaderOptions.tree): a route that reads one builds it here.
  ensureTree(ic.standard, tx, ctx.profiles);
  const wantsCanonical =
    route.input === 'canonical' || (!route.map && (route.format === 'x12' || route.format === 'edifact'));
  const inputOf = (t: Transaction) =>
    wantsCanonical
      ? { document: canonicalKind(ic, t).name, ...(canonicalKind(ic, t)[ic.standard].read(t) as object) }
      : (t.tree ?? { segments: t.segments.map((s) => ({ id: s.id, elements: s.elements })) });
  const mapped = async (input: unknown) =>
    route.map ? await ctx.maps.run(route.map, input, { source: sourceOf(partner, ic, tx) }) : input;
  const input = inputOf(tx);
  const value = await mapped(input);
  if (route.format === 'json') {
    return {
      bytes: Buffer.from(JSON.stringify(value ?? null) + '\n'),
      contentType: 'application/json',
      fileName: `${base}.json`,
    };
  }
  const target = route.format;
  const named =
    value && typeof value === 'object' && 'document' in value
      ? documentNamed(String((value as { document: unknown }).document))
      : undefined;
  const kind = named ?? canonicalKind(ic, tx);
  if (!value || typeof value !== 'object') {
    throw new GatewayError('EDIGW_SERIALIZE_FAILED', `route to ${route.to}: ${target.toUpperCase()} output`, {
      cause: new Error(`the map gave ${JSON.stringify(value)}, not a ${kind.name} document`),
    });
  }
  const receiver = partnerParty(to, target);
  if (!receiver)
    throw new GatewayError('EDIGW_SERIALIZE_FAILED', `route to partner ${to.id}`, {
      cause: new Error(
        `partner ${to.id} has no ${target === 'x12' ? 'X12' : 'EDIFACT'} identifier to address the interchange to`,
      ),
    });
  const sender = ourParty(ctx, target, target === ic.standard ? ic.receiver : undefined);
  if (!sender)
    throw new GatewayError('EDIGW_SERIALIZE_FAILED', `route to partner ${to.id}`, {
      cause: new Error(
        `gateway.yaml identity.${target} is empty: we have no ${target === 'x12' ? 'X12' : 'EDIFACT'} id to send from`,
      ),
    });
  const checked = checkDocument(kind, value);
  if (!checked.ok) {
    throw new GatewayError('EDIGW_SERIALIZE_FAILED', `route to ${route.to}${route.map ? ` (map ${route.map})` : ''}`, {
      cause: new Error(`not a valid ${kind.name}: ${checked.issues.slice(0, 5).join('; ')}`),
    });
  }
  let body: Segment[];
  try {
    body = kind[target].write(checked.value as never);
  } catch (e) {
    // Without a map the document is the source's: a missing mandatory value is said where the source lacks it.
    const cause = e instanceof MissingMandatory && !route.map ? new Error(locatedRefusal(e, ic.standard, tx)) : e;
    throw new GatewayError(
      'EDIGW_SERIALIZE_FAILED',
      `route to ${route.to}: writing ${kind.name} as ${target === 'x12' ? `X12 ${kind.x12.type}` : `EDIFACT ${kind.edifact.type}`}`,
      { cause },
    );
  }
  const env = { sender, receiver, controlNumber: await control(target), now: ctx.clock(), test: ic.test };
  const transliterated: string[] = [];
  const version = outboundVersion(kind, target, to);
  const out =
    target === 'x12'
      ? applyOutboundSettings(
          x12Interchange([{ type: kind.x12.type, version, body }], {
            ...env,
            functionalId: kind.x12.functionalId,
          }),
          to,
          transliterated,
        )
      : applyOutboundSettings(
          edifactInterchange([{ type: kind.edifact.type, version, body }], env),
          to,
          transliterated,
        );
  const doc = interchangeDocument(out, ctx.profiles);
  const losses = await routeLosses(
    ctx,
    { ic, tx, kind, target, version, canonical: wantsCanonical, map: route.map, from: partner.id },
    async (t) => {
      const input = inputOf(t);
      const again = checkDocument(kind, await mapped(input));
      if (!again.ok) throw new Error(again.issues[0]);
      return { document: input, output: inTarget(target, kind[target].write(again.value as never), version) };
    },
  );
  return {
    ...doc,
    losses,
    ...(transliterated.length ? { transliterated } : {}),
    fileName: `${safeName(to.id, target === 'x12' ? kind.x12.type : kind.edifact.type, out.controlNumber)}.${target === 'x12' ? 'x12' : 'edi'}`,
    interchange: true,
  };
}

/** Where a route translates: the source set, the target kind and standard, and the map between. */
interface TranslationAt {
  ic: Interchange;
  tx: Transaction;
  kind: DocumentKind;
  target: 'x12' | 'edifact';
  /** The X12 version or EDIFACT directory the output is sent in. */
  version: string;
  canonical: boolean;
  map?: string;
  from: string;
}

/**
 * What of the source transaction set a route's output has no counterpart for: the route's own way from
 * source to body (reader or tree, map, writer), probed by removal (src/canonical/losses.ts).
 */
async function routeLosses(ctx: PipelineView, at: TranslationAt, translate: Translate): Promise<TranslationLoss[]> {
  const { ic, tx, kind, target } = at;
  const verdicts = verdictsOf(ctx, at);
  // Without a map, what the receiver would send back is the standard way back: a code that arrives as
  // another one is found and reported (changed-codes.ts). A map may change codes on purpose.
  if (!at.map) translate.inverse = standardTranslation(kind, ic.standard, target, at.version).inverse;
  if (at.canonical) {
    // The document the map read, written back in the source standard: a default code comes back as sent.
    const source = canonicalKind(ic, tx);
    translate.restore = (d) => {
      const { document: _name, ...fields } = d as { document: string };
      return source[ic.standard].write(fields);
    };
  }
  return translationLosses(
    {
      standard: ic.standard,
      tx,
      interchange: ic.controlNumber,
      profiles: ctx.profiles,
      ...(verdicts ? { verdicts } : {}),
      ...(ic.syntax.decimal ? { decimal: ic.syntax.decimal } : {}),
    },
    translate,
    `${target === 'x12' ? 'X12' : 'EDIFACT'} ${kind[target].type}`,
  );
}

/**
 * The verdicts of earlier checks of the same translation: the source type, the map as it is now (its
 * text, so an edited map starts afresh) with the partner it is given as its source, the target kind and
 * the version it is written in. A map that looks up cross-reference tables translates by data that
 * changes under it, so its verdicts are not kept.
 */
function verdictsOf(ctx: PipelineView, at: TranslationAt): VerdictCache | undefined {
  if (!ctx.lossVerdicts) return undefined;
  let map = '';
  if (at.map) {
    const { text } = ctx.maps.compile(at.map);
    if (text.includes('$xref')) return undefined;
    map = createHash('sha256').update(text).digest('hex');
  }
  return ctx.lossVerdicts.of(
    [
      at.ic.standard,
      at.tx.type,
      at.canonical ? 'canonical' : 'tree',
      at.map ? `${at.map} ${map} ${at.from}` : '',
      at.target,
      at.version,
      at.kind.name,
    ].join(' '),
  );
}
