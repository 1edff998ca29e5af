import type { Interchange, Segment, Standard, Transaction } from '../edi/model';
import type { ProfileSet } from '../edi/profile/profile-set';
import { parseBuffer } from '../edi/parse';
import { readBack } from './read-back';
import type { DocumentKind } from './kind';
import { qualifierOf } from './losses';
import { censusSynonyms } from './synonyms';
import { checkWith } from './schemas';
import {
  channels,
  contactFunctions,
  dateQualifiers,
  partyRoles,
  type QualifierList,
  referenceQualifiers,
} from './code-lists';

/**
 * The census of issue 14 §2: what a round trip through the other standard does to the business
 * segments of real files, counted by tag and qualifier. X12 → document → EDIFACT → document → X12 is
 * compared with the X12 it started from, and EDIFACT → X12 → EDIFACT likewise, with the same readers,
 * writers, envelopes, writer and parser the `translate` command uses. It counts; it does not say which
 * segment became which (src/canonical/losses.ts does that for one translation).
 */

/** The envelope of a transaction set: not counted at all (a round trip always has one of each). */
const envelope: ReadonlySet<string> = new Set(['ST', 'SE', 'UNH', 'UNT']);

/**
 * Segments inside the body that count it or mark its sections: the writers compute them, so they carry
 * no business data, but they are listed (by tag alone) so that what the writers add shows.
 */
const control: Record<Standard, ReadonlySet<string>> = {
  x12: new Set(['CTT']),
  edifact: new Set(['UNS', 'CNT']),
};

export { censusSynonyms };

/** A segment as the census counts it: `N1*ST`, `NAD+BY`, `PO1` (a tag whose segments have no qualifier). */
export function censusKey(standard: Standard, seg: Segment, type?: string): string {
  if (isControl(standard, seg.id)) return seg.id;
  const q = qualifierOf(standard, seg)?.value;
  if (q === undefined) return seg.id;
  const one = censusSynonyms.find(
    (s) =>
      s.standard === standard &&
      s.tag === seg.id &&
      s.codes.includes(q) &&
      (!s.types || (type !== undefined && s.types.includes(type))),
  );
  return `${seg.id}${standard === 'x12' ? '*' : '+'}${one ? one.codes[0] : q}`;
}

/** Whether the census counts a segment as control (envelope, section, count) rather than business data. */
export function isControl(standard: Standard, tag: string): boolean {
  return control[standard].has(tag);
}

export interface CensusRow {
  key: string;
  /** Envelope, section or count segment: not business data, listed so that what the writers add shows. */
  control: boolean;
  before: number;
  after: number;
}

/** One transaction set that could not make the round trip, and why (counted before, with nothing after). */
export interface CensusRefusal {
  file: string;
  transaction: string;
  type: string;
  reason: string;
}

export interface CensusDirection {
  /** The standard the files are in and come back to. */
  from: Standard;
  /** Transaction sets counted, by type (`850: 4`). */
  transactions: Record<string, number>;
  /** Files holding at least one of them, as given. */
  files: string[];
  rows: CensusRow[];
  refused: CensusRefusal[];
}

export interface CensusInput {
  /** How the file is named in the census (a path relative to the corpus). */
  name: string;
  bytes: Buffer;
}

/** The document written as a whole interchange of one standard and parsed back, as a partner would receive it. */
function through(kind: DocumentKind, standard: Standard, doc: unknown, profiles: ProfileSet): Transaction {
  return readBack(kind, standard, kind[standard].write(doc), profiles);
}

/** A document as `translate` takes it: read, then checked against its kind's schema (defaults filled). */
function documentOf(kind: DocumentKind, standard: Standard, tx: Transaction): unknown {
  const checked = checkWith(kind.schema, kind[standard].read(tx));
  if (!checked.ok) throw new Error(checked.issues.join('; '));
  return checked.value;
}

function count(standard: Standard, tx: Transaction, into: Map<string, number>): void {
  for (const s of tx.segments) {
    if (envelope.has(s.id)) continue;
    const key = censusKey(standard, s, tx.type);
    into.set(key, (into.get(key) ?? 0) + 1);
  }
}

/**
 * The census of the given files: every transaction set with a document kind, round-tripped through the
 * other standard, in both directions. `kindOf` is the registry's `documentFor`.
 */
export function census(
  inputs: readonly CensusInput[],
  kindOf: (standard: Standard, type: string) => DocumentKind | undefined,
  profiles: ProfileSet,
): Record<Standard, CensusDirection> {
  const out: Record<Standard, CensusDirection> = {
    x12: { from: 'x12', transactions: {}, files: [], rows: [], refused: [] },
    edifact: { from: 'edifact', transactions: {}, files: [], rows: [], refused: [] },
  };
  const tallies: Record<Standard, { before: Map<string, number>; after: Map<string, number> }> = {
    x12: { before: new Map(), after: new Map() },
    edifact: { before: new Map(), after: new Map() },
  };
  for (const input of inputs) {
    let ics: Interchange[];
    try {
      ics = parseBuffer(input.bytes, { level: 'full', profiles }).interchanges;
    } catch {
      continue; // not X12 or EDIFACT: nothing to count
    }
    for (const ic of ics) {
      const from = ic.standard;
      const other: Standard = from === 'x12' ? 'edifact' : 'x12';
      const dir = out[from];
      for (const tx of ic.groups.flatMap((g) => g.transactions)) {
        const kind = kindOf(from, tx.type);
        if (!kind) continue;
        dir.transactions[tx.type] = (dir.transactions[tx.type] ?? 0) + 1;
        if (!dir.files.includes(input.name)) dir.files.push(input.name);
        count(from, tx, tallies[from].before);
        let back: Transaction;
        try {
          const there = through(kind, other, documentOf(kind, from, tx), profiles);
          back = through(kind, from, documentOf(kind, other, there), profiles);
        } catch (e) {
          dir.refused.push({
            file: input.name,
            transaction: tx.controlNumber,
            type: tx.type,
            reason: e instanceof Error ? e.message : String(e),
          });
          continue;
        }
        count(from, back, tallies[from].after);
      }
    }
  }
  for (const std of ['x12', 'edifact'] as const) {
    const { before, after } = tallies[std];
    const keys = [...new Set([...before.keys(), ...after.keys()])];
    out[std].rows = keys
      .map((key) => ({
        key,
        control: isControl(std, key.split(/[*+]/)[0]),
        before: before.get(key) ?? 0,
        after: after.get(key) ?? 0,
      }))
      .sort((a, b) => Number(a.control) - Number(b.control) || a.key.localeCompare(b.key, 'en'));
  }
  return out;
}

/**
 * The business data every document carries whatever its kind (docs/canonical.md "Parties, references and
 * dates of any qualifier"): each tag, what it is, and the code list that names its qualifier. A tag
 * without a list is held to its total.
 */
const carriedTags: Record<Standard, Record<string, { what: string; list?: QualifierList<string> }>> = {
  x12: {
    N1: { what: 'parties', list: partyRoles },
    N3: { what: 'parties' },
    N4: { what: 'parties' },
    REF: { what: 'references', list: referenceQualifiers },
    DTM: { what: 'dates', list: dateQualifiers },
    ITD: { what: 'terms' },
    PER: { what: 'contacts', list: contactFunctions },
  },
  edifact: {
    NAD: { what: 'parties', list: partyRoles },
    RFF: { what: 'references', list: referenceQualifiers },
    DTM: { what: 'dates', list: dateQualifiers },
    PAT: { what: 'terms' },
    CTA: { what: 'contacts', list: contactFunctions },
    COM: { what: 'contacts', list: channels },
  },
};

/** Carried data a round trip has fewer of than it started with: by canonical name (`N1 remitTo`) or by tag. */
export interface CarriedLoss {
  what: string;
  tag: string;
  /** The canonical name of the qualifiers counted together; absent for a tag held to its total. */
  name?: string;
  /** The census keys counted together (`N1*RE`, `N1*RI`). */
  keys: string[];
  before: number;
  after: number;
}

/**
 * What the census shows lost of the carried data. Spellings a code list reads as one canonical name are
 * counted together (X12 N1 RI and PE are both `payee`: nothing is lost in the document, the census table
 * still shows the spelling change). A code no list maps is carried for its own standard
 * only (`x12:DP`), so its loss through the other standard is by design and not counted here.
 */
export function carriedLosses(d: CensusDirection): CarriedLoss[] {
  const sep = d.from === 'x12' ? '*' : '+';
  const groups = new Map<string, CarriedLoss>();
  for (const r of d.rows) {
    const at = r.key.indexOf(sep);
    const tag = at < 0 ? r.key : r.key.slice(0, at);
    const carried = carriedTags[d.from][tag];
    if (!carried) continue;
    let name: string | undefined;
    if (carried.list) {
      const read = at < 0 ? undefined : carried.list.read(d.from, r.key.slice(at + 1));
      if (read === undefined || read.startsWith(`${d.from}:`)) continue;
      name = read;
    }
    const id = `${tag} ${name ?? ''}`;
    const g = groups.get(id) ?? { what: carried.what, tag, ...(name ? { name } : {}), keys: [], before: 0, after: 0 };
    g.keys.push(r.key);
    g.before += r.before;
    g.after += r.after;
    groups.set(id, g);
  }
  return [...groups.values()].filter((g) => g.after < g.before);
}

const arrow: Record<Standard, string> = { x12: 'X12 → EDIFACT → X12', edifact: 'EDIFACT → X12 → EDIFACT' };

/** The census as Markdown, as docs/canonical.md carries it between its census markers. */
export function censusMarkdown(c: Record<Standard, CensusDirection>): string {
  return (['x12', 'edifact'] as const)
    .map((std) => {
      const d = c[std];
      const sets = Object.entries(d.transactions)
        .sort(([a], [b]) => a.localeCompare(b, 'en'))
        .map(([t, n]) => `${n} ${t}`)
        .join(', ');
      const lost = d.rows.filter((r) => !r.control).reduce((n, r) => n + Math.max(0, r.before - r.after), 0);
      const added = d.rows.filter((r) => !r.control).reduce((n, r) => n + Math.max(0, r.after - r.before), 0);
      const total = d.rows.filter((r) => !r.control).reduce((n, r) => n + r.before, 0);
      return [
        `**${arrow[std]}**: ${sets || 'no transaction sets'} from ${d.files.length} files; ` +
          `${total} business segments before, ${lost} lost, ${added} added.`,
        '',
        '| segment | before | after | lost | added |',
        '| --- | ---: | ---: | ---: | ---: |',
        ...d.rows.map(
          (r) =>
            `| ${r.control ? `(${r.key})` : `\`${r.key}\``} | ${r.before} | ${r.after} | ` +
            `${r.before > r.after ? r.before - r.after : ''} | ${r.after > r.before ? r.after - r.before : ''} |`,
        ),
        ...(d.refused.length
          ? [
              '',
              'Not round-tripped (counted before, nothing after):',
              '',
              ...d.refused.map(
                (r) => `- ${r.file}, ${r.type} ${r.transaction}: ${r.reason.replace(/\s+/g, ' ').slice(0, 200)}`,
              ),
            ]
          : []),
        '',
        `Files: ${d.files.map((f) => `\`${f}\``).join(', ')}.`,
      ].join('\n');
    })
    .join('\n\n');
}
