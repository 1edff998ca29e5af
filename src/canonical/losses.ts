import type { Element, LoopNode, Segment, SegmentNode, Standard, Transaction, Value } from '../edi/model';
import { text } from '../edi/model';
import type { CompiledLoop, ProfileSet } from '../edi/profile/profile-set';
import { validateTransaction } from '../edi/profile/validate';
import { checkWith } from './schemas';
import type { DocumentKind } from './kind';
import { changedCodes } from './changed-codes';
import { readBack } from './read-back';
import { inTarget } from './envelope';
import { synonymous } from './synonyms';
import { currentUnit } from './units';

/**
 * What a translation drops, found by removal: a source segment (or one of its elements) is lost when
 * taking it away, or changing its value, leaves the translated output exactly as it was. Nothing here
 * knows which fields a document carries, so the detection keeps telling the truth as the readers and
 * writers learn to carry more (docs/adr/0012-b-translation-losses.md).
 */

/** One piece of source data with no counterpart in the translated output, located in the source. */
export interface TranslationLoss {
  file?: string;
  /** Control number of the source interchange (ISA13 / UNB 0020). */
  interchange?: string;
  /** Control number of the source transaction set (ST02 / UNH 0062). */
  transaction: string;
  /** Segment position within the transaction set, ST / UNH = 1 (as acknowledgements count). */
  segment: number;
  tag: string;
  /** The code that says what the segment is (N101, REF01, NAD 3035, DTM 2005...), where it has one. */
  qualifier?: string;
  /** Absent when the whole segment is lost. 1-based, as `validate` prints it. */
  element?: number;
  component?: number;
  /** The value that is lost (of the element or component); absent for a whole segment. */
  value?: string;
  /** Present when the value is not dropped but arrives as another code: what the output gives back. */
  changedTo?: string;
  reason: string;
}

/** Where the source transaction set comes from, for the location of each loss and for its profile tree. */
export interface LossSource {
  standard: Standard;
  tx: Transaction;
  file?: string;
  interchange?: string;
  /** EDIFACT decimal mark of the interchange (UNA), for the profile tree. */
  decimal?: string;
  /** The profiles the transaction was read with: a probe rebuilds its tree the same way. */
  profiles?: ProfileSet;
  /** The work the check may do, in segments translated over all its trials (default PROBE_BUDGET). */
  budget?: number;
  /** Verdicts of earlier checks of the same translation, used and added to (see VerdictCache). */
  verdicts?: VerdictCache;
}

/**
 * The verdict caches of many translations, one per key the caller gives (the gateway's routes: source
 * kind, map and target). At most `max` translations are kept; the one used longest ago goes first.
 */
export class VerdictCaches {
  private readonly byKey = new Map<string, VerdictCache>();

  constructor(private readonly max = 256) {}

  of(key: string): VerdictCache {
    let c = this.byKey.get(key);
    if (c) this.byKey.delete(key);
    else c = new VerdictCache();
    if (this.byKey.size >= this.max) this.byKey.delete(this.byKey.keys().next().value as string);
    this.byKey.set(key, c);
    return c;
  }
}

/**
 * Every trial translates the whole set again, so the check of a very large set is bounded: 2 million
 * segments translated is seconds of work, where an unbounded check of a 150,000-line 850 would hold
 * its job for hours. Past the bound the rest of the set is reported as not checked, never as clean.
 */
export const PROBE_BUDGET = 2_000_000;

class OverBudget extends Error {}

type Verdict = Array<Omit<TranslationLoss, 'segment' | 'transaction'>>;

/**
 * Verdicts kept from one check to the next, for one translation (one cache per reader, map and writer:
 * the caller keeps them apart). A check probes a segment once per signature (see `signatures`) and
 * holds the verdict for every segment of that signature in the set; the cache holds it for the next
 * sets too, keyed by the signature, the profile the set was read with and the values of the segment's
 * coded elements (those the profile gives a code list: an N1 whose N103 is 92 and one whose N103 is 31
 * are probed apart). A partner's next order of the same shape is then checked without a probe. Sets
 * read without a profile have no code lists to key by and are not cached across sets.
 */
export class VerdictCache {
  private readonly entries = new Map<string, Verdict>();
  private profiles: ProfileSet | undefined;

  /** `max` verdicts at most; the oldest go first. */
  constructor(private readonly max = 20_000) {}

  get size(): number {
    return this.entries.size;
  }

  /** The verdicts of one profile set: another (partners' profiles reloaded) starts the cache afresh. */
  bind(profiles: ProfileSet): void {
    if (this.profiles !== profiles) this.entries.clear();
    this.profiles = profiles;
  }

  get(key: string): Verdict | undefined {
    return this.entries.get(key);
  }

  set(key: string, verdict: Verdict): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, verdict);
  }
}

/**
 * What a translation makes of a transaction set: the canonical document and the target's body; and,
 * where it can, the document written back in the source's own standard (`restore`), which tells a code
 * the document reads as its default (BEG02 SA: an order, as no code would be) from one it drops.
 */
export interface Translate {
  (tx: Transaction): { document: unknown; output: unknown } | Promise<{ document: unknown; output: unknown }>;
  restore?: (document: unknown) => Segment[];
  /**
   * The output read back by the target's reader and written by the source's writer: what the receiver
   * would send back for it. With it the check also finds codes that arrive changed (changed-codes.ts).
   */
  inverse?: (output: unknown, profiles?: ProfileSet) => Segment[];
}

/**
 * The standard translation: the kind's reader, then the target's writer (what `translate` and routes
 * without a map do), in the X12 version or EDIFACT directory the output is sent in (the kind's own by
 * default): what the envelope leaves out for that version (envelope.ts, inTarget) is not in the output.
 */
export function standardTranslation(
  kind: DocumentKind,
  source: Standard,
  target: Standard,
  version: string = kind[target].version,
): Translate {
  const translate: Translate = (tx) => {
    const document = kind[source].read(tx);
    return { document, output: inTarget(target, kind[target].write(document), version) };
  };
  translate.restore = (document) => kind[source].write(document);
  translate.inverse = (output, profiles) => {
    const doc = kind[target].read(readBack(kind, target, output as Segment[], profiles, version));
    const checked = checkWith(kind.schema, doc);
    return kind[source].write(checked.ok ? checked.value : doc);
  };
  return translate;
}

// Which element holds the qualifier of a tag: the code that says what the segment is. X12 tags not
// listed have none (PO1, N3, SDQ...). EDIFACT tags take the first component of their first element,
// except those listed here (0: none; a number: that element's first component; 'COM' its second).
const x12Qualifier: Record<string, number> = {
  N1: 1,
  N9: 1,
  REF: 1,
  DTM: 1,
  PER: 1,
  SAC: 1,
  CTP: 2,
  AMT: 1,
  ITD: 1,
  PID: 1,
  TXI: 1,
  MEA: 2,
  FOB: 1,
  CUR: 1,
  PKG: 1,
  ACK: 1,
  HL: 3,
  TD3: 1,
  TD4: 1,
  MAN: 1,
  NTE: 1,
  PWK: 1,
  BEG: 2,
  BAK: 2,
  BSN: 1,
  QTY: 1,
  TD1: 1,
  TD5: 2,
  LM: 1,
  LQ: 1,
  YNQ: 1,
};
const edifactNoQualifier = new Set(['LIN', 'UNS', 'CPS', 'PAC', 'QVR', 'ALI', 'ERC']);

/** The qualifier of a segment (its element and value), as the census and the loss lines name it. */
export function qualifierOf(standard: Standard, seg: Segment): { element: number; value: string } | undefined {
  const q = qualifierPlace(standard, seg);
  return q?.value ? q : undefined;
}

/**
 * Where a segment's qualifier is, and its value, also when it was left empty (an ITD without ITD01):
 * undefined for a tag without one.
 */
export function qualifierPlace(standard: Standard, seg: Segment): { element: number; value: string } | undefined {
  if (standard === 'x12') {
    const n = x12Qualifier[seg.id];
    if (!n) return undefined;
    return { element: n, value: text(seg.elements[n - 1]) };
  }
  if (edifactNoQualifier.has(seg.id)) return undefined;
  const first = seg.elements[0];
  const parts = first === undefined ? [] : typeof first === 'string' ? [first] : 'repeats' in first ? [] : first;
  const v = seg.id === 'COM' ? parts[1] : parts[0];
  return { element: 1, value: v ?? '' };
}

// Data elements beside the qualifier whose code is compared with what the output gives back (a unit
// that maps to another, a price basis): X12 355 unit or basis for measurement and 639 basis of unit
// price; EDIFACT 6411 measure unit qualifier, 5375 price type and 5387 price type qualifier. Other
// codes of a segment are not: product id qualifiers travel as pairs the writer may order its own way.
/** The element that qualifies the product id beside it (its changes are compared by that value). */
const pairedElements: Record<Standard, string> = { x12: '235', edifact: '7143' };

const comparedElements: Record<Standard, ReadonlySet<string>> = {
  x12: new Set(['355', '639']),
  edifact: new Set(['6411', '5375', '5387']),
};

// Elements that only say how another is written (a date format, the code list or agency of a code):
// their value is not business data, so when the output does not depend on them that is not a loss.
const formatOnly: Record<Standard, Set<string>> = {
  x12: new Set(['DTM:5', 'DTM:6', 'CUR:1']),
  edifact: new Set([
    'DTM:1:3',
    'BGM:1:2',
    'BGM:1:3',
    'NAD:2:2',
    'NAD:2:3',
    'IMD:3:2',
    'IMD:3:3',
    'LIN:3:3',
    'LIN:3:4',
    'PIA:2:3',
    'PIA:2:4',
    'PIA:3:3',
    'PIA:3:4',
    'CUX:1:3',
    'QTY:1:3',
    'PRI:1:3',
    'PRI:1:4',
    'MOA:1:3',
    'FTX:2:2',
    'FTX:2:3',
  ]),
};

// Envelope and section control: their content is the structure the writer makes anew.
const envelopeTags = new Set(['ST', 'SE', 'UNH', 'UNT', 'UNS']);

/** Another value of the same shape: the last digit or letter moved on by one (`00` → `01`, `SA` → `SB`). */
function otherValue(v: string): string {
  for (let i = v.length - 1; i >= 0; i--) {
    const c = v[i];
    if (c >= '0' && c <= '9') return v.slice(0, i) + (c === '9' ? '8' : String(Number(c) + 1)) + v.slice(i + 1);
    if (/[A-Za-z]/.test(c))
      return v.slice(0, i) + (c === 'Z' || c === 'z' ? 'Y' : String.fromCharCode(c.charCodeAt(0) + 1)) + v.slice(i + 1);
  }
  return v + 'X';
}

/** One place of a segment that holds a value: an element, or a component of a composite. */
interface Place {
  element: number;
  component?: number;
  value: string;
  with(v: string): Element[];
}

function placesOf(seg: Segment): Place[] {
  const out: Place[] = [];
  seg.elements.forEach((e, i) => {
    const element = i + 1;
    const replace = (next: Element) => seg.elements.map((x, j) => (j === i ? next : x));
    if (typeof e === 'string') {
      if (e !== '') out.push({ element, value: e, with: (v) => replace(v) });
    } else if (Array.isArray(e)) {
      const parts: Value = e;
      parts.forEach((c, k) => {
        if (c !== '')
          out.push({
            element,
            component: k + 1,
            value: c,
            with: (v) => replace(parts.map((x, m) => (m === k ? v : x))),
          });
      });
    } else {
      const joined = e.repeats.map(text).join('^');
      if (joined !== '') out.push({ element, value: joined, with: () => replace('') });
    }
  });
  return out;
}

/**
 * What a probe compares: the translated output and the document between. A translation that throws on
 * a probe differs from the baseline (the data mattered enough to break it).
 */
type Outcome = { document: unknown; output: unknown } | 'failed';

/**
 * Equal as JSON text would be (a key whose value is undefined is no key; key order does not matter),
 * without making the text: most probes differ from the baseline early, and serialising two whole
 * documents per probe was a fifth of the check. `skip` names a key left out of the comparison.
 */
function sameData(a: unknown, b: unknown, skip?: string): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // JSON writes NaN and the infinities as null.
    const json = (v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
    return json(a) === json(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    // JSON writes an undefined array item as null.
    for (let i = 0; i < a.length; i++) if (!sameData(a[i] ?? null, y[i] ?? null, skip)) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (k === skip || x[k] === undefined) continue;
    if (!sameData(x[k], y[k], skip)) return false;
    n++;
  }
  for (const k in y) if (k !== skip && y[k] !== undefined) n--;
  return n === 0;
}

/**
 * A key for segments that a translation treats alike: tag and qualifier, which repeat of a run it is
 * (the first ACK of a line may be read and the second not), and the keys before it back to the last
 * qualified segment (an N3 of an N1 MI is not an N3 of an N1 ST). Each such segment is probed once
 * and the verdict holds for all of its kind, which keeps a 169-line order to a few hundred probes.
 */
function signatures(standard: Standard, segs: Segment[]): string[] {
  const keys = segs.map((s) => {
    const q = qualifierOf(standard, s);
    return q ? `${s.id} ${q.value}` : s.id;
  });
  return keys.map((key, i) => {
    let run = 1;
    for (let j = i - 1; j >= 0 && keys[j] === key && run < 3; j--) run++;
    const chain: string[] = [];
    for (let j = i - 1; j >= 0 && chain.length < 3; j--) {
      if (keys[j] === key || keys[j] === chain[chain.length - 1]) continue;
      chain.push(keys[j]);
      if (qualifierOf(standard, segs[j])) break;
    }
    const shape = placesOf(segs[i])
      .map((p) => `${p.element}.${p.component ?? 0}`)
      .join(',');
    return `${key}#${run}[${shape}]<${chain.join('<')}`;
  });
}

/** Lists every loss of translating the source transaction set with `translate` (see the module comment). */
export async function translationLosses(
  source: LossSource,
  translate: Translate,
  targetName: string,
): Promise<TranslationLoss[]> {
  const { tx, standard } = source;
  const profile = tx.tree ? source.profiles?.find(standard, tx.type, tx.version, tx.implementation) : undefined;
  // Without the profile the tree was built with, probes read from the segments, baseline included.
  const build = (segments: Segment[]) => {
    const t: Transaction = { ...tx, segments, errors: [] };
    delete t.tree;
    if (!profile) return { t };
    const built = validateTransaction(t, profile, {
      standard,
      location: {},
      treeOnly: true,
      ...(source.decimal ? { decimal: source.decimal } : {}),
    });
    t.tree = built.tree;
    return { t, placed: built.placed };
  };
  const baseline = build(tx.segments);
  const variant = (segments: Segment[]): Transaction => (segments === tx.segments ? baseline.t : build(segments).t);
  // A probe that changes the values of one segment leaves every segment where it was, unless the
  // profile places its tag by a value (a loop chosen by a qualifier): then its tree is the baseline's
  // with that one node replaced, not built again (a fifth of a probe's work on a long set).
  const valueChosen = profile ? tagsChosenByValue(profile.root) : new Set<string>();
  let paths: Map<SegmentNode, TreeStep[]> | undefined;
  const withValues = (i: number, seg: Segment): Transaction => {
    const segments = tx.segments.map((x, j) => (j === i ? seg : x));
    const at = baseline.placed?.[i];
    const tree = baseline.t.tree;
    if (!at || !tree || valueChosen.has(seg.id)) return variant(segments);
    paths ??= treePaths(tree);
    const path = paths.get(at.node);
    if (!path) return variant(segments);
    return { ...tx, segments, errors: [], tree: replaceNode(tree, path, at.def.node(seg.elements, seg.id)) };
  };
  // The first run, the baseline, is always made.
  let left = (source.budget ?? PROBE_BUDGET) + tx.segments.length;
  const run = async (t: Transaction): Promise<Outcome> => {
    left -= t.segments.length;
    if (left < 0) throw new OverBudget();
    try {
      const r = await translate(t);
      return { document: r.document, output: r.output };
    } catch {
      return 'failed';
    }
  };
  const defOf = (tag: string, place: Place) => {
    const def = profile?.profile.segments[tag]?.elements[place.element - 1];
    return place.component === undefined ? def : def?.composite?.[place.component - 1];
  };
  const codesOf = (tag: string, place: Place): string[] => defOf(tag, place)?.codes ?? [];
  // The places whose value is a unit or a price basis by the profile (comparedElements), for codes
  // that arrive changed inside segments paired by their qualifier or their order.
  const codedAt = (tag: string, element: number, component?: number): boolean => {
    const def = defOf(tag, { element, component, value: '', with: () => [] });
    return !!def && !('composite' in def) && def.ref !== undefined && comparedElements[standard].has(def.ref);
  };
  // Product id qualifiers (X12 235, EDIFACT 7143): compared too, beside the value they qualify, since
  // several codes fill one field of a line (VN and VP, a vendor's number) and a writer orders the pairs.
  const pairedAt = (tag: string, element: number, component?: number): boolean => {
    const def = defOf(tag, { element, component, value: '', with: () => [] });
    return !!def && !('composite' in def) && def.ref === pairedElements[standard];
  };
  const comparedAt = (tag: string, element: number, component?: number): boolean =>
    codedAt(tag, element, component) || pairedAt(tag, element, component);
  // A code says what the data is, so a verdict holds across sets only for the same codes: an element
  // with a code list, an X12 ID, an EDIFACT a..3/an..3 (qualifiers, agencies, units); or one the
  // profile does not define. Names, ids, numbers and dates vary from set to set and are left out.
  const coded = (tag: string, place: Place): boolean => {
    const def = defOf(tag, place);
    if (!def || def.codes) return true;
    return def.type === 'ID' || ((def.type === 'an' || def.type === 'a') && (def.max ?? Infinity) <= 3);
  };
  const base = await run(variant(tx.segments));
  if (base === 'failed') return [];
  // Written back only when a probe needs it: a set whose every verdict is cached needs none.
  let restored: Segment[] | undefined;
  let restoredYet = false;
  const restore = async () => {
    if (restoredYet) return;
    restoredYet = true;
    try {
      restored = translate.restore?.((await translate(variant(tx.segments))).document);
    } catch {
      restored = undefined;
    }
  };
  // The value comes back at its place in a segment of the same tag and qualifier when the document is
  // written in the source standard again: what the document means by default is what was sent.
  let restoredPlaces: Map<string, Set<string>> | undefined;
  const comesBack = (seg: Segment, place: Place): boolean => {
    // The restored segments' values by tag and qualifier, made once: this is asked for every value
    // that looks lost, and each ask walked every restored segment.
    if (!restoredPlaces) {
      restoredPlaces = new Map();
      for (const r of restored ?? []) {
        const key = `${r.id} ${qualifierOf(standard, r)?.value ?? ''}`;
        let set = restoredPlaces.get(key);
        if (!set) restoredPlaces.set(key, (set = new Set()));
        for (const p of placesOf(r)) set.add(`${p.element}.${p.component ?? 0}=${p.value}`);
      }
    }
    const key = `${seg.id} ${qualifierOf(standard, seg)?.value ?? ''}`;
    return restoredPlaces.get(key)?.has(`${place.element}.${place.component ?? 0}=${place.value}`) ?? false;
  };
  const same = (o: Outcome) => o !== 'failed' && sameData(o.output, base.output, 'offset');
  // The document changed but the output did not: the writer dropped what the reader carried. Such a
  // value coming back in the source standard proves nothing about the target.
  const carriedNotWritten = (o: Outcome) => o !== 'failed' && !sameData(o.document, base.document);
  const why = (o: Outcome) =>
    o !== 'failed' && !sameData(o.document, base.document)
      ? `the document carries it but the ${targetName} written from it does not`
      : `no field of the document carries it, so the ${targetName} has no counterpart`;

  const sigs = signatures(standard, tx.segments);
  const verdicts = new Map<string, Verdict>();
  const cache = profile ? source.verdicts : undefined;
  if (cache && source.profiles) cache.bind(source.profiles);
  const setKey = `${standard} ${tx.type} ${tx.version} ${tx.implementation ?? ''}`;
  const cacheKey = (seg: Segment, i: number) =>
    [
      setKey,
      sigs[i],
      ...placesOf(seg)
        .filter((p) => coded(seg.id, p))
        .map((p) => `${p.element}.${p.component ?? 0}=${p.value}`),
    ].join('\u0001');
  const out: TranslationLoss[] = [];
  // The line that says where checking stopped: no loss, so nothing given back can withdraw it.
  let unchecked: TranslationLoss | undefined;
  for (const [i, seg] of tx.segments.entries()) {
    if (envelopeTags.has(seg.id)) continue;
    let verdict = verdicts.get(sigs[i]) ?? cache?.get(cacheKey(seg, i));
    if (!verdict) {
      try {
        await restore();
        verdict = await probeSegment(seg, i);
        cache?.set(cacheKey(seg, i), verdict);
      } catch (e) {
        if (!(e instanceof OverBudget)) throw e;
        unchecked = {
          ...(source.file ? { file: source.file } : {}),
          ...(source.interchange ? { interchange: source.interchange } : {}),
          transaction: tx.controlNumber,
          segment: i + 1,
          tag: seg.id,
          reason: `not checked from here on: the transaction set (${tx.segments.length} segments) is too large to check whole for what the ${targetName} drops`,
        };
        out.push(unchecked);
        break;
      }
      verdicts.set(sigs[i], verdict);
    }
    for (const v of verdict) {
      const at =
        v.element === undefined
          ? undefined
          : placesOf(seg).find((p) => p.element === v.element && p.component === v.component);
      if (v.element !== undefined && !at) continue;
      out.push({
        ...(source.file ? { file: source.file } : {}),
        ...(source.interchange ? { interchange: source.interchange } : {}),
        transaction: tx.controlNumber,
        segment: i + 1,
        ...v,
        ...(at ? { value: at.value } : {}),
        qualifier: qualifierOf(standard, seg)?.value,
      });
    }
  }
  let back: Segment[] | undefined;
  let backYet = false;
  const { dropped, changed } = await changes(out);
  const all = [...dropped.filter((l) => l === unchecked || !givenBack(l)), ...changed].sort(
    (a, b) => a.segment - b.segment,
  );
  return all.map((l) => (l.qualifier === undefined ? (({ qualifier: _q, ...rest }) => rest)(l) : l));

  /**
   * Qualifiers that the output gives back as other codes. Such a qualifier is carried (the output
   * depends on it), so removal does not report it, or reports it dropped where "changed to" is the
   * truth: that line gives way. A change the source's own writer makes too is said so: the document
   * does not keep the two codes apart.
   */
  async function changes(
    losses: TranslationLoss[],
  ): Promise<{ dropped: TranslationLoss[]; changed: TranslationLoss[] }> {
    const none = { dropped: losses, changed: [] };
    const back = inverse();
    if (!back) return none;
    const wholeLost = new Set(losses.filter((l) => l.element === undefined).map((l) => l.segment - 1));
    // An older Recommendation 20 code (PCE) given back as today's (H87) is a spelling, not a change.
    const alike = (tag: string, a: string, b: string) =>
      synonymous(standard, tx.type, tag, a, b) || (standard === 'edifact' && currentUnit(a) === currentUnit(b));
    const q = (s: Segment) => qualifierOf(standard, s);
    const found = changedCodes(standard, tx.segments, back, q, {
      skip: wholeLost,
      alike,
      coded: comparedAt,
      paired: pairedAt,
      empty: (s) => qualifierPlace(standard, s),
    });
    if (!found.length) return none;
    await restore();
    const ownWriter = new Set(
      changedCodes(standard, tx.segments, restored ?? [], q, { alike, coded: comparedAt, paired: pairedAt }).map(
        (c) => `${c.index} ${c.element} ${c.component} ${c.to}`,
      ),
    );
    const result: TranslationLoss[] = [];
    // An element that arrives as another code is no longer reported dropped.
    const place = (segment: number, element?: number, component?: number) => `${segment} ${element} ${component}`;
    const arrives = new Set(found.map((c) => place(c.index + 1, c.element, c.component)));
    const dropped = losses.filter(
      (l) => l.element === undefined || !arrives.has(place(l.segment, l.element, l.component)),
    );
    for (const c of found) {
      const seg = tx.segments[c.index];
      result.push({
        ...(source.file ? { file: source.file } : {}),
        ...(source.interchange ? { interchange: source.interchange } : {}),
        transaction: tx.controlNumber,
        segment: c.index + 1,
        tag: seg.id,
        qualifier: qualifierOf(standard, seg)?.value,
        element: c.element,
        ...(c.component === undefined ? {} : { component: c.component }),
        value: c.from,
        changedTo: c.to,
        reason: ownWriter.has(`${c.index} ${c.element} ${c.component} ${c.to}`)
          ? `the document reads ${JSON.stringify(c.from)} as it reads ${JSON.stringify(c.to)}, ` +
            `so the ${targetName} written from it gives back ${JSON.stringify(c.to)}`
          : `the ${targetName} written from it gives back ${JSON.stringify(c.to)}`,
      });
    }
    return { dropped, changed: result };
  }

  /** The output read back and written in the source standard (`Translate.inverse`), made once. */
  function inverse(): Segment[] | undefined {
    if (backYet) return back;
    backYet = true;
    if (!translate.inverse || base === 'failed') return undefined;
    try {
      back = translate.inverse(base.output, source.profiles);
    } catch {
      back = undefined;
    }
    return back;
  }

  /**
   * A segment that removal finds lost (or a value of it) but that the output, read back, gives again
   * exactly as sent, as often as the source sends it: what the output says implies it (an INVOIC line
   * amount that is quantity × price, where the 810 has no line amount; the AAI of a general FTX, which
   * an 850 MSG is), so the receiver has it. Another value would not arrive, which is why removal
   * reports it; this one does.
   */
  function givenBack(l: TranslationLoss): boolean {
    const b = inverse();
    if (!b) return false;
    const textOf = (s: Segment) => `${s.id}|${JSON.stringify(s.elements)}`;
    const wanted = textOf(tx.segments[l.segment - 1]);
    const count = (segs: Segment[]) => segs.filter((s) => textOf(s) === wanted).length;
    return count(b) >= count(tx.segments);
  }

  async function probeSegment(seg: Segment, i: number): Promise<Verdict> {
    const withSegment = (s: Segment | undefined) =>
      s ? withValues(i, s) : variant(tx.segments.filter((_, j) => j !== i));
    const lostPlaces: Array<{ place: Place; reason: string }> = [];
    let anyCarried = false;
    const places = placesOf(seg);
    for (const place of places) {
      const key = `${seg.id}:${place.element}${place.component === undefined ? '' : `:${place.component}`}`;
      const changed = await run(withSegment({ ...seg, elements: place.with(otherValue(place.value)) }));
      if (!same(changed)) {
        anyCarried = true;
        continue;
      }
      // The document took the change and the output did not: some part of the value stops at the
      // document (a PO404 material beside the package type the output keeps), so it does not arrive.
      if (carriedNotWritten(changed) && !formatOnly[standard].has(key)) {
        lostPlaces.push({ place, reason: why(changed) });
        continue;
      }
      const blank = await run(withSegment({ ...seg, elements: place.with('') }));
      if (!same(blank)) {
        anyCarried = true;
        continue;
      }
      // A code whose neighbour and absence both read as its own meaning (BEG02 SA: an order, like no
      // code at all) is carried when another code of its list reads differently (BK: a blanket order).
      const others = codesOf(seg.id, place)
        .filter((c) => c !== place.value)
        .slice(0, 4);
      let other = false;
      for (const c of others) if (!same(await run(withSegment({ ...seg, elements: place.with(c) })))) other = true;
      if (other) {
        anyCarried = true;
        continue;
      }
      if (!formatOnly[standard].has(key) && (carriedNotWritten(changed) || !comesBack(seg, place)))
        lostPlaces.push({ place, reason: why(changed) });
    }
    // No value of it reaches the output: the segment is lost, even when taking it away would change
    // the output (an N1 MI's N3 would then read as the address of the party before it).
    if (!anyCarried) {
      // (A segment whose every value is a format code or comes back as sent is written anew, not lost.)
      if (places.length) return lostPlaces.length ? [{ tag: seg.id, reason: lostPlaces[0].reason }] : [];
      return same(await run(withSegment(undefined))) ? [{ tag: seg.id, reason: why(base) }] : [];
    }
    // Values that would matter under other codes, in a segment whose removal changes nothing (CUX+1:USD
    // read only as CUX+2): the segment as sent is lost, unless it comes back as it was (CTT*1 is the default).
    const removed = await run(withSegment(undefined));
    if (same(removed) && (carriedNotWritten(removed) || !places.every((p) => comesBack(seg, p))))
      return [{ tag: seg.id, reason: why(removed) }];
    return lostPlaces.map(({ place, reason }) => ({
      tag: seg.id,
      element: place.element,
      ...(place.component === undefined ? {} : { component: place.component }),
      reason,
    }));
  }
}

/** The tags some definition of the profile places by a value of the segment (`match`), not by its tag alone. */
function tagsChosenByValue(loop: CompiledLoop, out = new Set<string>()): Set<string> {
  if (loop.trigger.match) out.add(loop.trigger.id);
  for (const c of loop.children) {
    if (c.kind === 'loop') tagsChosenByValue(c, out);
    else if (c.match) out.add(c.id);
  }
  return out;
}

/** One step from a loop node (or an array of nodes) to what it holds. */
interface TreeStep {
  holder: LoopNode | Array<LoopNode | SegmentNode>;
  key: string | number;
}

/** The way from the root to each segment node of a tree. */
function treePaths(root: LoopNode): Map<SegmentNode, TreeStep[]> {
  const out = new Map<SegmentNode, TreeStep[]>();
  const walk = (node: LoopNode, path: TreeStep[]) => {
    for (const [key, value] of Object.entries(node)) {
      const here = [...path, { holder: node, key }];
      if (key.endsWith('_loop'))
        (value as LoopNode[]).forEach((child, i) => walk(child, [...here, { holder: value as LoopNode[], key: i }]));
      else if (Array.isArray(value))
        (value as SegmentNode[]).forEach((sn, i) => out.set(sn, [...here, { holder: value as SegmentNode[], key: i }]));
      else out.set(value as SegmentNode, here);
    }
  };
  walk(root, []);
  return out;
}

/** A copy of the tree with the node at the end of `path` replaced: only the nodes on the way are copied. */
function replaceNode(root: LoopNode, path: TreeStep[], node: SegmentNode): LoopNode {
  const copy = (k: number): unknown => {
    const { holder, key } = path[k];
    const next = k === path.length - 1 ? node : copy(k + 1);
    if (Array.isArray(holder)) return holder.map((x, i) => (i === key ? next : x));
    return { ...holder, [key]: next };
  };
  return copy(0) as LoopNode;
}

/** One loss as a line: where it is, what it is, why. */
export function formatLoss(l: TranslationLoss): string {
  const where = [
    l.file,
    l.interchange !== undefined ? `interchange ${l.interchange}` : undefined,
    `transaction ${l.transaction}`,
    `segment ${l.segment} (${l.tag}${l.qualifier !== undefined ? ` ${l.qualifier}` : ''})`,
    l.element !== undefined
      ? `element ${l.element}${l.component !== undefined ? `, component ${l.component}` : ''}`
      : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(', ');
  const what =
    l.changedTo !== undefined
      ? `${JSON.stringify(l.value)} changed to ${JSON.stringify(l.changedTo)}`
      : l.element === undefined
        ? 'dropped'
        : `${JSON.stringify(l.value)} dropped`;
  return `${where}: ${what}: ${l.reason}`;
}
