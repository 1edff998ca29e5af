import type { Io } from './io';
import { configFile } from '../config/gateway';
import type { LoadedPartner } from '../config/partners';
import { openView } from '../main';
import { silentLogger } from '../pipeline/logger';
import { applyOutboundSettings, ourParty, outboundVersion, partnerParty } from '../pipeline/outbound';
import { parseFile, profilesFor, readInput, reportProfileIssues } from './input';
import type { Interchange, PartyId, Standard, Transaction } from '../edi/model';
import type { ProfileSet } from '../edi/profile/profile-set';
import { formatLoss, standardTranslation, type Translate, translationLosses, VerdictCache } from '../canonical/losses';
import { write } from '../edi/write';
import { checkGenerated } from '../edi/generated-check';
import { formatDiagnostic } from '../edi/diagnostic';
import { GatewayError } from '../errors';
import { MissingMandatory, locatedRefusal } from '../canonical/missing-mandatory';
import {
  checkDocument,
  type DocumentKind,
  type DocumentName,
  documentFor,
  documents,
  edifactInterchange,
  type EnvelopeOptions,
  type Message,
  x12Interchange,
} from '../canonical';

export type TranslateTarget = 'x12' | 'edifact' | 'json';

export interface TranslateOptions {
  to: TranslateTarget;
  sender?: string;
  receiver?: string;
  /** Address the output to this partner (its identifiers, its outbound ISA settings) from us (gateway.yaml identity). */
  partner?: string;
  config?: string;
  controlNumber: string;
  profiles?: string;
}

function partyOption(name: string, value: string | undefined): PartyId | undefined {
  if (value === undefined) return undefined;
  const m = /^([^:]+):(.+)$/.exec(value);
  if (!m)
    throw new GatewayError('EDIGW_USAGE', `--${name} ${value} is not QUALIFIER:ID (e.g. ZZ:ACME or 14:5412345000013)`);
  return { qualifier: m[1], id: m[2] };
}

/** The input's own party, with its qualifier kept within a standard; across standards DUNS stays DUNS and any other becomes ZZ (mutually defined). */
function defaultParty(p: PartyId, from: Standard, to: Standard): PartyId {
  const id = p.id.trim();
  if (from === to) return { qualifier: p.qualifier, id };
  if (to === 'x12') return { qualifier: p.qualifier === '1' ? '01' : 'ZZ', id };
  return { qualifier: p.qualifier === '01' ? '1' : 'ZZ', id };
}

function checkX12Party(p: PartyId, which: string): void {
  if (p.id.length > 15 || p.qualifier.length > 2) {
    throw new GatewayError(
      'EDIGW_USAGE',
      `${which} ${p.qualifier}:${p.id} does not fit an ISA (qualifier 2, id 15 characters); give --${which} Q:ID`,
    );
  }
}

/** What translate reads, for the message about a transaction it cannot: "X12 850, 810... and EDIFACT ORDERS, INVOIC...". */
function readable(): string {
  return `X12 ${documents.map((d) => d.x12.type).join(', ')} and EDIFACT ${documents.map((d) => d.edifact.type).join(', ')}`;
}

/**
 * One output interchange of one kind's documents, fitted to the partner's settings (or the defaults) and
 * as bytes in the charset its envelope declares; or why its text cannot be written as it is.
 */
function writeKind(
  target: Standard,
  kind: DocumentKind,
  docs: unknown[],
  env: EnvelopeOptions,
  partner: LoadedPartner | undefined,
  transliterated: string[],
  sources: Array<{ standard: Standard; tx: Transaction }>,
): Buffer | { reason: string } {
  let messages: Message[];
  let i = 0;
  try {
    const version = outboundVersion(kind, target, partner);
    messages = [];
    for (; i < docs.length; i++) messages.push({ type: kind[target].type, version, body: kind[target].write(docs[i]) });
  } catch (e) {
    // A writer that finds a mandatory field missing says so, where the source would have said it; that is a
    // refusal of this document, not a crash.
    const source = sources[i];
    if (e instanceof MissingMandatory && source) return { reason: locatedRefusal(e, source.standard, source.tx) };
    return { reason: e instanceof Error ? e.message : String(e) };
  }
  const built =
    target === 'x12'
      ? x12Interchange(messages, { ...env, functionalId: kind.x12.functionalId })
      : edifactInterchange(messages, env);
  try {
    return write(applyOutboundSettings(built, partner, transliterated));
  } catch (e) {
    if (!(e instanceof GatewayError) || e.code !== 'EDIGW_SERIALIZE_FAILED') throw e;
    return { reason: e.cause instanceof Error ? e.cause.message : e.message };
  }
}

/**
 * A transaction's canonical document, checked against its kind's schema before anything is written from
 * it: a document that lacks what the target's mandatory elements are made of (an ORDRSP without RFF+ON
 * has no order number for BAK03) is refused with one located line per field, never written with a hole
 * or an invented value. JSON shows the document as read, with the same lines as warnings.
 */
function canonicalOf(
  kind: DocumentKind,
  standard: Standard,
  tx: Transaction,
  to: TranslateTarget,
  where: string,
  io: Io,
): { value?: unknown; refused: boolean } {
  let doc: unknown;
  try {
    doc = kind[standard].read(tx);
  } catch (e) {
    io.err(`${where}: cannot be read as a ${kind.name}: ${(e as Error).message}; skipped\n`);
    return { refused: true };
  }
  const checked = checkDocument(kind, doc);
  if (checked.ok) return { value: checked.value, refused: false };
  const target = to === 'json' ? 'canonical JSON' : `${to === 'x12' ? 'X12' : 'EDIFACT'} ${kind[to].type}`;
  const outcome = to === 'json' ? 'incomplete' : `refused: not written as ${target}`;
  for (const issue of checked.issues) io.err(`${where}: ${kind.name} ${issue} (${outcome})\n`);
  return { ...(to === 'json' ? { value: doc } : {}), refused: true };
}

/**
 * The version the output is written in; one the writers do not know is refused when the output is
 * written (writeKind), so the check translates as the kind's own version then.
 */
function versionFor(kind: DocumentKind, to: Standard, partner: LoadedPartner | undefined): string {
  try {
    return outboundVersion(kind, to, partner);
  } catch {
    return kind[to].version;
  }
}

/**
 * Says what of the transaction set the translation drops: one located line per segment or element on
 * stderr (see src/canonical/losses.ts). True when anything was dropped, which makes the exit 1.
 */
async function reportLosses(
  kind: DocumentKind,
  ic: Interchange,
  tx: Transaction,
  to: TranslateTarget,
  at: { file: string; profiles: ProfileSet; verdicts: Map<string, VerdictCache>; partner?: LoadedPartner },
  io: Io,
): Promise<boolean> {
  // One cache per translation: the sets of a file that share a shape are probed once.
  const key = `${kind.name} ${ic.standard} ${to}`;
  let verdicts = at.verdicts.get(key);
  if (!verdicts) at.verdicts.set(key, (verdicts = new VerdictCache()));
  const translation: Translate =
    to === 'json'
      ? Object.assign(
          (t: Transaction) => ({ document: kind[ic.standard].read(t), output: kind[ic.standard].read(t) }),
          {
            restore: (d: unknown) => kind[ic.standard].write(d),
            // The JSON is the document: what it gives back is the document written in the source standard.
            inverse: (d: unknown) => kind[ic.standard].write(d),
          },
        )
      : standardTranslation(kind, ic.standard, to, versionFor(kind, to, at.partner));
  const target = to === 'json' ? `canonical JSON ${kind.name}` : `${to === 'x12' ? 'X12' : 'EDIFACT'} ${kind[to].type}`;
  const losses = await translationLosses(
    {
      standard: ic.standard,
      tx,
      file: at.file,
      interchange: ic.controlNumber,
      profiles: at.profiles,
      verdicts,
      ...(ic.syntax.decimal ? { decimal: ic.syntax.decimal } : {}),
    },
    translation,
    target,
  );
  for (const l of losses) io.err(`warning: ${formatLoss(l)}\n`);
  return losses.length > 0;
}

/**
 * `translate FILE --to x12|edifact|json`: every business document in FILE with a canonical kind (see
 * `documents`) through its canonical form to the target. One output interchange per kind per input
 * interchange (an X12 group carries one functional id), numbered on from --control-number, from the
 * input's own sender to its own receiver unless --sender / --receiver say otherwise.
 */
/** The partner named by `--partner`, with the parties its settings address the interchange from and to. */
function partnerTarget(o: TranslateOptions): { partner?: LoadedPartner; sender?: PartyId; receiver?: PartyId } {
  let sender = partyOption('sender', o.sender);
  let receiver = partyOption('receiver', o.receiver);
  let partner: LoadedPartner | undefined;
  if (o.partner && o.to !== 'json') {
    const view = openView({ configFile: configFile(o.config), logger: silentLogger });
    partner = view.partners.get(o.partner);
    if (!partner)
      throw new GatewayError(
        'EDIGW_USAGE',
        `--partner ${o.partner}: no such partner is loaded (partners: ${
          view.partners
            .list()
            .map((p) => p.id)
            .join(', ') || 'none'
        }; see edi-gateway partners check)`,
      );
    receiver ??= partnerParty(partner, o.to);
    sender ??= ourParty(view, o.to);
    if (!receiver)
      throw new GatewayError(
        'EDIGW_USAGE',
        `--partner ${o.partner}: the partner file has no identifiers.${o.to} to address the interchange to`,
      );
    if (!sender)
      throw new GatewayError(
        'EDIGW_USAGE',
        `--partner ${o.partner}: gateway.yaml identity.${o.to} is empty; give --sender Q:ID`,
      );
  }
  return { partner, sender, receiver };
}

export async function translateCommand(file: string, o: TranslateOptions, io: Io): Promise<number> {
  const { partner, sender, receiver } = partnerTarget(o);
  if (!/^\d{1,9}$/.test(o.controlNumber))
    throw new GatewayError('EDIGW_USAGE', `--control-number ${o.controlNumber} is not 1 to 9 digits`);
  const buf = readInput(file);
  const profiles = profilesFor(o.profiles);
  const result = parseFile(file, buf, { level: 'full', profiles: profiles.set });
  reportProfileIssues(profiles, io);
  let code = 0;
  let control = Number(o.controlNumber);
  const json: Array<{ document: DocumentName }> = [];
  const out: Buffer[] = [];
  const now = new Date();
  const verdicts = new Map<string, VerdictCache>();
  for (const ic of result.interchanges) {
    // Kinds in the order they first appear, each with its documents in input order.
    const byKind = new Map<DocumentKind, unknown[]>();
    const sourcesOf = new Map<DocumentKind, Array<{ standard: Standard; tx: Transaction }>>();
    for (const g of ic.groups) {
      for (const tx of g.transactions) {
        const kind = documentFor(ic.standard, tx.type);
        if (!kind) {
          io.err(
            `${file}: interchange ${ic.controlNumber}, transaction ${tx.controlNumber}: ` +
              `${ic.standard === 'x12' ? 'X12' : 'EDIFACT'} ${tx.type} has no canonical map (translate reads ${readable()}); skipped\n`,
          );
          code = 1;
          continue;
        }
        const where = `${file}: interchange ${ic.controlNumber}, transaction ${tx.controlNumber}: ${ic.standard === 'x12' ? 'X12' : 'EDIFACT'} ${tx.type}`;
        const doc = canonicalOf(kind, ic.standard, tx, o.to, where, io);
        if (doc.refused) code = 1;
        if (doc.value === undefined) continue;
        if (
          !doc.refused &&
          (await reportLosses(kind, ic, tx, o.to, { file, profiles: profiles.set, verdicts, partner }, io))
        )
          code = 1;
        if (o.to === 'json') json.push({ document: kind.name, ...(doc.value as object) });
        else {
          byKind.set(kind, [...(byKind.get(kind) ?? []), doc.value]);
          sourcesOf.set(kind, [...(sourcesOf.get(kind) ?? []), { standard: ic.standard, tx }]);
        }
      }
    }
    if (o.to === 'json') continue;
    const target = o.to;
    const from = sender ?? defaultParty(ic.sender, ic.standard, o.to);
    const to = receiver ?? defaultParty(ic.receiver, ic.standard, o.to);
    if (o.to === 'x12' && byKind.size) {
      checkX12Party(from, 'sender');
      checkX12Party(to, 'receiver');
    }
    for (const [kind, docs] of byKind) {
      const env = { sender: from, receiver: to, controlNumber: control++, now, test: ic.test };
      const transliterated: string[] = [];
      const written = writeKind(target, kind, docs, env, partner, transliterated, sourcesOf.get(kind) ?? []);
      const what = `${file}: interchange ${ic.controlNumber}, ${kind.name} documents`;
      if (!Buffer.isBuffer(written)) {
        io.err(`${what}: not written: ${written.reason}\n`);
        code = 1;
        continue;
      }
      // Refused as a route refuses it (a dead letter): an invalid document is never written, and each finding is said.
      const invalid = checkGenerated(written, profiles.set).errors;
      for (const d of invalid)
        io.err(`${what}: not written: the output is invalid for its profile: ${formatDiagnostic(d)}\n`);
      if (invalid.length) {
        code = 1;
        continue;
      }
      out.push(written);
      // Asked for by the partner, so not a failure; but the text sent is not the text read, and that is said.
      for (const t of transliterated) io.err(`note: ${what}: ${t}\n`);
    }
  }
  if (o.to === 'json') io.out(JSON.stringify(json, null, 2) + '\n');
  else if (io.bytes) io.bytes(Buffer.concat(out));
  else io.out(Buffer.concat(out).toString(o.to === 'x12' ? 'utf8' : 'latin1'));
  if (result.interchanges.length === 0) io.err(`${file}: no interchange to translate\n`);
  return code;
}
