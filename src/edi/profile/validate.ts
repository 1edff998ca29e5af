import type { Diagnostic, Location, LoopNode, Segment, SegmentNode, Standard, Transaction } from '../model';
import { text } from '../model';
import { diagnostic } from '../diagnostic';
import type { CompiledLoop, CompiledProfile, CompiledSegment } from './profile-set';
import { type Finding, codeFor } from './codes';
import { type ElementCheck, type SegmentAt, checkElements, elementPresent } from './elements';

/**
 * One open loop instance. Frames are reused by depth within a transaction, and counts are indexed by
 * child position: a 1 MiB set opens ~28,000 loop instances, and a frame and a Map for each were
 * garbage that made every scavenge copy the set's live segments once more.
 */
interface Frame {
  loop: CompiledLoop;
  node: LoopNode;
  index: number;
  /** Uses of each child of loop so far, by child position. */
  counts: number[];
}

export interface ValidateContext {
  standard: Standard;
  /** Where the transaction sits, for diagnostics: interchange and group control numbers. */
  location: Location;
  /** EDIFACT decimal mark from UNA. */
  decimal?: string;
  /**
   * Build the tree and skip the element checks: for a caller that reads the tree and throws the
   * diagnostics away (the loss check rebuilds a tree for every probe). Structure findings still come.
   */
  treeOnly?: boolean;
}

function matches(c: CompiledSegment, seg: Segment): boolean {
  if (c.id !== seg.id) return false;
  if (!c.match) return true;
  for (const [i, codes] of c.match) if (!codes.has(text(seg.elements[i]))) return false;
  return true;
}

/** The tree form of one segment: elements keyed by position id, empty ones left out. */
export function segmentNode(seg: Segment, checks?: ElementCheck[]): SegmentNode {
  const node: SegmentNode = {};
  for (let i = 0; i < seg.elements.length; i++) {
    const e = seg.elements[i];
    if (elementPresent(e)) node[checks?.[i]?.key ?? seg.id + String(i + 1).padStart(2, '0')] = e;
  }
  return node;
}

/**
 * Builds the loop tree of a transaction from its profile and checks it: segment order, required
 * segments and loops, maximum uses and repeats, then each segment's elements. Every finding is a
 * located diagnostic carrying its acknowledgement code; nothing throws.
 */
export function validateTransaction(
  tx: Transaction,
  cp: CompiledProfile,
  ctx: ValidateContext,
): {
  tree: LoopNode;
  diagnostics: Diagnostic[];
  /**
   * With `treeOnly`: where each segment went (by position in tx.segments; undefined where it fits
   * nowhere), with its definition. Not kept otherwise: validation of large files allocates nothing extra.
   */
  placed?: Array<{ node: SegmentNode; def: CompiledSegment } | undefined>;
} {
  const out: Diagnostic[] = [];
  const std = ctx.standard;
  const base: Location = { ...ctx.location, transaction: tx.controlNumber };
  const root: LoopNode = {};
  // stack[0..depth] are the open frames; those above are kept for reuse.
  const stack: Frame[] = [];
  let top = -1;
  const open = (loop: CompiledLoop, node: LoopNode, first: number): void => {
    top++;
    let f = stack[top];
    if (!f) f = stack[top] = { loop, node, index: 0, counts: [] };
    f.loop = loop;
    f.node = node;
    f.index = 0;
    const counts = f.counts;
    const n = loop.children.length;
    for (let k = 0; k < n; k++) counts[k] = 0;
    counts[0] = first;
  };
  open(cp.root, root, 0);
  const report = (f: Finding, message: string, loc: Location) => {
    out.push(diagnostic('segment', codeFor(std, f), message, { ...base, ...loc }));
  };
  const loopId = (f: Frame) => f.loop.id || undefined;

  const missingBetween = (f: Frame, from: number, to: number, pos: number, seg: Segment) => {
    for (let k = from; k < to; k++) {
      const c = f.loop.children[k];
      if (c.usage === 'M' && f.counts[k] === 0) {
        const what = c.kind === 'loop' ? `loop ${c.id} (${c.trigger.id})` : `segment ${c.id}`;
        const id = c.kind === 'loop' ? c.trigger.id : c.id;
        report('segment-missing', `required ${what} is missing before ${seg.id}`, {
          segment: pos,
          segmentId: id,
          loop: c.kind === 'loop' ? c.id : loopId(f),
          offset: seg.offset,
        });
      }
    }
  };

  const add = (node: LoopNode, c: CompiledSegment, seg: Segment, pos: number) => {
    const sn = segmentNode(seg, c.checks);
    if (placed) placed[pos - 1] = { node: sn, def: c };
    if (c.max === 1) {
      if (node[c.key] === undefined) {
        node[c.key] = sn;
        return;
      }
      const prev = node[c.key];
      node[c.key] = Array.isArray(prev) ? [...(prev as SegmentNode[]), sn] : [prev as SegmentNode, sn];
    } else {
      ((node[c.key] ??= []) as SegmentNode[]).push(sn);
    }
  };

  /** Where seg fits in frame f from its current index on, without changing anything. */
  const find = (f: Frame, seg: Segment, allowOverMax: boolean): number => {
    const candidates = f.loop.byTag.get(seg.id);
    if (!candidates) return -1;
    // A loop instance's first segment opens the loop: seen again, it starts a new instance above.
    const from = f.loop === cp.root ? f.index : Math.max(f.index, 1);
    const children = f.loop.children;
    for (const i of candidates) {
      if (i < from) continue;
      const c = children[i];
      if (!matches(c.kind === 'loop' ? c.trigger : c, seg)) continue;
      if (f.counts[i] < c.max || allowOverMax) return i;
    }
    return -1;
  };

  const apply = (f: Frame, i: number, seg: Segment, pos: number) => {
    const c = f.loop.children[i];
    const used = f.counts[i];
    missingBetween(f, f.index + 1, i, pos, seg);
    f.index = i;
    f.counts[i] = used + 1;
    const over = used >= c.max;
    if (c.kind === 'segment') {
      if (over)
        report('segment-over-max', `segment ${seg.id} occurs more than ${c.max} times here`, {
          segment: pos,
          segmentId: seg.id,
          loop: loopId(f),
          offset: seg.offset,
        });
      if (c.usage === 'N')
        report('segment-not-used', `segment ${seg.id} is marked not used here`, {
          segment: pos,
          segmentId: seg.id,
          loop: loopId(f),
          offset: seg.offset,
        });
      add(f.node, c, seg, pos);
      segDefs[pos - 1] = c;
      return;
    }
    if (over)
      report('loop-over-max', `loop ${c.id} occurs more than ${c.max} times`, {
        segment: pos,
        segmentId: seg.id,
        loop: c.id,
        offset: seg.offset,
      });
    if (c.usage === 'N')
      report('segment-not-used', `loop ${c.id} is marked not used here`, {
        segment: pos,
        segmentId: seg.id,
        loop: c.id,
        offset: seg.offset,
      });
    // Over the maximum or not, the data stays in the tree: nothing is lost for being too much.
    const node: LoopNode = {};
    ((f.node[c.key] ??= []) as LoopNode[]).push(node);
    add(node, c.trigger, seg, pos);
    segDefs[pos - 1] = c.trigger;
    open(c, node, 1);
  };

  const close = (f: Frame, pos: number, seg: Segment | undefined) => {
    const children = f.loop.children;
    for (let k = f.index + 1; k < children.length; k++) {
      const c = children[k];
      if (c.usage === 'M' && f.counts[k] === 0) {
        const id = c.kind === 'loop' ? c.trigger.id : c.id;
        const what = c.kind === 'loop' ? `loop ${c.id} (${id})` : `segment ${id}`;
        report('segment-missing', `required ${what} is missing${f.loop.id ? ` in loop ${f.loop.id}` : ''}`, {
          segment: pos,
          segmentId: id,
          loop: c.kind === 'loop' ? c.id : loopId(f),
          ...(seg ? { offset: seg.offset } : {}),
        });
      }
    }
  };

  const segDefs: Array<CompiledSegment | undefined> = new Array(tx.segments.length);
  const placed: Array<{ node: SegmentNode; def: CompiledSegment } | undefined> | undefined = ctx.treeOnly
    ? new Array(tx.segments.length)
    : undefined;
  const segLoops: Array<string | undefined> = new Array(tx.segments.length);
  tx.segments.forEach((seg, idx) => {
    const pos = idx + 1;
    // Deepest loop first; a segment that fits nowhere within the limits goes where it fits over them.
    let depth = -1;
    let at = -1;
    for (let pass = 0; pass < 2 && at < 0; pass++) {
      for (let d = top; d >= 0 && at < 0; d--) {
        at = find(stack[d], seg, pass === 1);
        if (at >= 0) depth = d;
      }
    }
    if (at < 0) {
      const known = cp.tags.has(seg.id);
      report(
        known ? 'segment-out-of-order' : 'segment-not-in-set',
        known
          ? `segment ${seg.id} is not expected here (out of sequence)`
          : `segment ${seg.id} is not part of ${cp.profile.type} ${cp.profile.implementation ?? cp.profile.version}`,
        { segment: pos, segmentId: seg.id, loop: loopId(stack[top]), offset: seg.offset },
      );
      segLoops[idx] = loopId(stack[top]);
      return;
    }
    while (top > depth) close(stack[top--], pos, seg);
    apply(stack[depth], at, seg, pos);
    segLoops[idx] = loopId(stack[top]);
  });
  for (let depth = top; depth >= 0; depth--)
    close(stack[depth], tx.segments.length, tx.segments[tx.segments.length - 1]);

  if (ctx.treeOnly) return { tree: root, diagnostics: out, placed };
  // One SegmentAt for the whole pass: a Location is copied from it only for a finding.
  const where: SegmentAt = { base, segment: 0, loop: undefined };
  tx.segments.forEach((seg, idx) => {
    const def = segDefs[idx];
    if (!def) return;
    where.segment = idx + 1;
    where.loop = segLoops[idx];
    checkElements(seg, def.checks, def.rules, where, std, out);
  });
  return { tree: root, diagnostics: out };
}
