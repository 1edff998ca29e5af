import type { Element, LoopNode, Segment, SegmentNode } from '../edi/model';

/** A segment read from either the profile tree or the flat segment list: `el(1)` is element 01. */
export interface Seg {
  id: string;
  el(n: number): Element | undefined;
}

/** A transaction cut into the parts a business document reads. */
export interface Sections {
  header: Seg[];
  parties: Seg[][];
  lines: Seg[][];
  notes: Seg[][];
  summary: Seg[];
}

export function fromSegment(s: Segment): Seg {
  return { id: s.id, el: (n) => s.elements[n - 1] };
}

// Element keys' two-digit suffixes, made once: readers ask for elements by number on every line.
const suffix = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

function fromNode(id: string, node: SegmentNode): Seg {
  return { id, el: (n) => node[id + (suffix[n] ?? String(n).padStart(2, '0'))] };
}

function isLoopKey(key: string): boolean {
  return key.endsWith('_loop');
}

/** Every segment of a loop node, nested loops included. */
export function flatten(node: LoopNode): Seg[] {
  const out: Seg[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (isLoopKey(key)) for (const child of value as LoopNode[]) out.push(...flatten(child));
    else if (Array.isArray(value)) for (const s of value as SegmentNode[]) out.push(fromNode(key, s));
    else out.push(fromNode(key, value as SegmentNode));
  }
  return out;
}

/**
 * Sections from a profile tree: the named loops are parties, lines, notes and summary; the rest is header.
 * A loop is named by its id or by the tag of its first segment, because EDIFACT directories number the
 * same group differently (the INVOIC line group is SG25 in D96A and SG26 in D97B; both start with LIN).
 */
export function sectionsFromTree(
  tree: LoopNode,
  loops: { party: string; line: string; note?: string; summary?: string },
): Sections {
  const s: Sections = { header: [], parties: [], lines: [], notes: [], summary: [] };
  for (const [key, value] of Object.entries(tree)) {
    if (!isLoopKey(key)) {
      s.header.push(...flatten({ [key]: value }));
      continue;
    }
    const nodes = value as LoopNode[];
    const id = key.slice(0, -'_loop'.length);
    const trigger = nodes.length ? Object.keys(nodes[0])[0] : undefined;
    const is = (name: string | undefined) => name !== undefined && (id === name || trigger === name);
    if (is(loops.party)) s.parties.push(...nodes.map(flatten));
    else if (is(loops.line)) s.lines.push(...nodes.map(flatten));
    else if (is(loops.note)) s.notes.push(...nodes.map(flatten));
    else if (is(loops.summary)) s.summary.push(...nodes.flatMap(flatten));
    else s.header.push(...nodes.flatMap(flatten));
  }
  return s;
}

/** Where a run of segments splits at the first `id` (EDIFACT UNS): what comes before it and what comes after. */
export function splitAt(segs: Seg[], id: string): [Seg[], Seg[]] {
  const i = segs.findIndex((x) => x.id === id);
  return i < 0 ? [segs, []] : [segs.slice(0, i), segs.slice(i + 1)];
}

/** Groups that start at a segment `start` and keep the `members` that follow it (an N1 with its N2-N4). */
export function groups(segs: Seg[], start: string, members: string[]): Seg[][] {
  const out: Seg[][] = [];
  let open = false;
  for (const x of segs) {
    if (x.id === start) {
      out.push([x]);
      open = true;
      continue;
    }
    if (open && members.includes(x.id)) {
      out[out.length - 1].push(x);
      continue;
    }
    open = false;
  }
  return out;
}

/**
 * Sections from the flat segment list, for a transaction without a profile: a party starts at its
 * first tag and keeps the tags of its group; a line starts at its tag and keeps everything up to the
 * next line or the summary; the summary runs to the end.
 */
export function sectionsFromSegments(
  segments: Segment[],
  rules: {
    party: string;
    partyMembers: string[];
    line: string;
    note?: string;
    noteMembers?: string[];
    summary: string;
    skip: string[];
  },
): Sections {
  const s: Sections = { header: [], parties: [], lines: [], notes: [], summary: [] };
  let mode: 'header' | 'party' | 'note' | 'line' | 'summary' = 'header';
  for (const raw of segments) {
    if (rules.skip.includes(raw.id)) continue;
    const seg = fromSegment(raw);
    if (raw.id === rules.summary) mode = 'summary';
    if (mode === 'summary') {
      s.summary.push(seg);
      continue;
    }
    if (raw.id === rules.line) {
      s.lines.push([seg]);
      mode = 'line';
      continue;
    }
    if (mode === 'line') {
      s.lines[s.lines.length - 1].push(seg);
      continue;
    }
    if (raw.id === rules.party) {
      s.parties.push([seg]);
      mode = 'party';
      continue;
    }
    if (raw.id === rules.note) {
      s.notes.push([seg]);
      mode = 'note';
      continue;
    }
    if (mode === 'party' && rules.partyMembers.includes(raw.id)) {
      s.parties[s.parties.length - 1].push(seg);
      continue;
    }
    if (mode === 'note' && (rules.noteMembers ?? []).includes(raw.id)) {
      s.notes[s.notes.length - 1].push(seg);
      continue;
    }
    mode = 'header';
    s.header.push(seg);
  }
  return s;
}

/** Runs that each start at a segment `start` and go up to the next one; what comes before the first is dropped. */
export function runs(segs: Seg[], start: string): Seg[][] {
  const out: Seg[][] = [];
  for (const x of segs) {
    if (x.id === start) out.push([x]);
    else if (out.length) out[out.length - 1].push(x);
  }
  return out;
}

/**
 * The party groups inside a line (X12 N1 loops of a PO1 / IT1 loop, EDIFACT NAD groups of a LIN group)
 * and the rest of the line, so that a party's REF / RFF and DTM are not read as the line's.
 */
export function lineParties(segs: Seg[], start: string, members: string[]): { parties: Seg[][]; rest: Seg[] } {
  const parties = groups(segs.slice(1), start, members);
  if (!parties.length) return { parties, rest: segs };
  const inParty = new Set(parties.flat());
  return { parties, rest: segs.filter((x) => !inParty.has(x)) };
}
