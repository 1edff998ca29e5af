import type { Diagnostic, Location, LoopNode, Segment, SegmentNode, Standard, Transaction } from '../model';
import { text } from '../model';
import { diagnostic } from '../diagnostic';
import type { CompiledLoop, CompiledProfile, CompiledSegment } from './profile-set';
import { type Finding, codeFor } from './codes';
import { type SegmentAt, checkElements } from './elements';

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
  /**
   * false: check the structure and elements without building the tree (its nodes were half of what a
   * 1 MiB set kept alive through its job, and every scavenge copied them). The caller builds the tree
   * later with `treeOnly` if something reads it (ensureTree, transaction-end.ts).
   */
  keepTree?: boolean;
}

function matches(c: CompiledSegment, seg: Segment): boolean {
  if (c.id !== seg.id) return false;
  const match = c.match;
  if (!match) return true;
  for (let k = 0; k < match.length; k++) if (!match[k][1].has(text(seg.elements[match[k][0]]))) return false;
  return true;
}

/** The diagnostics' location: the context's, with the transaction; built only for a first finding. */
class Base {
  private loc: Location | undefined;
  constructor(
    private readonly ctx: Location,
    private readonly transaction: string,
  ) {}

  get(): Location {
    return (this.loc ??= { ...this.ctx, transaction: this.transaction });
  }
}

/**
 * One pass of the tree builder over a transaction. Its steps are methods rather than closures made
 * per transaction: a file of small sets runs this some 15,000 times a second, and eight closures and
 * their context each time were a measurable part of it.
 */
class TreeBuilder {
  readonly root: LoopNode = {};
  /** stack[0..top] are the open frames; those above are kept for reuse. */
  private readonly stack: Frame[] = [];
  private top = -1;
  /**
   * Segments placed whose elements the position's conformance test did not pass, in order: only
   * these go through checkElements, after the tree's findings. Tested as each segment is placed, while
   * its elements are still in cache, rather than in a second pass over the set.
   */
  readonly failed: Failed[] = [];
  /** Where each segment went, with its definition: kept only when asked for (`treeOnly`). */
  readonly placed: Placed[] | undefined;

  constructor(
    private readonly cp: CompiledProfile,
    private readonly std: Standard,
    private readonly base: Base,
    private readonly out: Diagnostic[],
    count: number,
    /** Tree only (`treeOnly`): keep where each segment went and test no elements. */
    private readonly treeOnly: boolean,
    /** false: place and check without building the tree's nodes (`keepTree: false`). */
    private readonly build: boolean,
  ) {
    this.placed = treeOnly ? new Array<Placed>(count) : undefined;
    this.open(cp.root, this.root, 0);
  }

  private open(loop: CompiledLoop, node: LoopNode, first: number): void {
    this.top++;
    let f = this.stack[this.top];
    if (!f) f = this.stack[this.top] = { loop, node, index: 0, counts: [] };
    f.loop = loop;
    f.node = node;
    f.index = 0;
    const counts = f.counts;
    const n = loop.children.length;
    for (let k = 0; k < n; k++) counts[k] = 0;
    counts[0] = first;
  }

  private report(f: Finding, message: string, loc: Location): void {
    this.out.push(diagnostic('segment', codeFor(this.std, f), message, { ...this.base.get(), ...loc }));
  }

  private missingBetween(f: Frame, from: number, to: number, pos: number, seg: Segment): void {
    for (let k = from; k < to; k++) {
      const c = f.loop.children[k];
      if (c.usage === 'M' && f.counts[k] === 0) {
        const what = c.kind === 'loop' ? `loop ${c.id} (${c.trigger.id})` : `segment ${c.id}`;
        const id = c.kind === 'loop' ? c.trigger.id : c.id;
        this.report('segment-missing', `required ${what} is missing before ${seg.id}`, {
          segment: pos,
          segmentId: id,
          loop: c.kind === 'loop' ? c.id : loopId(f),
          offset: seg.offset,
        });
      }
    }
  }

  /** Where seg fits in frame f from its current index on, without changing anything. */
  private find(f: Frame, seg: Segment, allowOverMax: boolean): number {
    const candidates = f.loop.byTag.get(seg.id);
    if (!candidates) return -1;
    // A loop instance's first segment opens the loop: seen again, it starts a new instance above.
    const from = f.loop === this.cp.root ? f.index : Math.max(f.index, 1);
    const children = f.loop.children;
    for (let k = 0; k < candidates.length; k++) {
      const i = candidates[k];
      if (i < from) continue;
      const c = children[i];
      if (!matches(c.kind === 'loop' ? c.trigger : c, seg)) continue;
      if (f.counts[i] < c.max || allowOverMax) return i;
    }
    return -1;
  }

  /** Puts seg at child i of frame f and returns the definition it was placed by. */
  private apply(f: Frame, i: number, seg: Segment, pos: number): CompiledSegment {
    const c = f.loop.children[i];
    const used = f.counts[i];
    this.missingBetween(f, f.index + 1, i, pos, seg);
    f.index = i;
    f.counts[i] = used + 1;
    const over = used >= c.max;
    if (c.kind === 'segment') {
      if (over)
        this.report('segment-over-max', `segment ${seg.id} occurs more than ${c.max} times here`, {
          segment: pos,
          segmentId: seg.id,
          loop: loopId(f),
          offset: seg.offset,
        });
      if (c.usage === 'N')
        this.report('segment-not-used', `segment ${seg.id} is marked not used here`, {
          segment: pos,
          segmentId: seg.id,
          loop: loopId(f),
          offset: seg.offset,
        });
      if (this.build) this.keep(pos, c.add(f.node, seg.elements, seg.id), c);
      return c;
    }
    if (over)
      this.report('loop-over-max', `loop ${c.id} occurs more than ${c.max} times`, {
        segment: pos,
        segmentId: seg.id,
        loop: c.id,
        offset: seg.offset,
      });
    if (c.usage === 'N')
      this.report('segment-not-used', `loop ${c.id} is marked not used here`, {
        segment: pos,
        segmentId: seg.id,
        loop: c.id,
        offset: seg.offset,
      });
    if (!this.build) {
      // Every frame shares the root, which stays empty: only the counts and indexes are checked.
      this.open(c, this.root, 1);
      return c.trigger;
    }
    // Over the maximum or not, the data stays in the tree: nothing is lost for being too much.
    const node = c.open(f.node);
    this.keep(pos, c.trigger.add(node, seg.elements, seg.id), c.trigger);
    this.open(c, node, 1);
    return c.trigger;
  }

  private close(f: Frame, pos: number, seg: Segment | undefined): void {
    const children = f.loop.children;
    for (let k = f.index + 1; k < children.length; k++) {
      const c = children[k];
      if (c.usage === 'M' && f.counts[k] === 0) {
        const id = c.kind === 'loop' ? c.trigger.id : c.id;
        const what = c.kind === 'loop' ? `loop ${c.id} (${id})` : `segment ${id}`;
        this.report('segment-missing', `required ${what} is missing${f.loop.id ? ` in loop ${f.loop.id}` : ''}`, {
          segment: pos,
          segmentId: id,
          loop: c.kind === 'loop' ? c.id : loopId(f),
          ...(seg ? { offset: seg.offset } : {}),
        });
      }
    }
  }

  /** Places the segment at idx: deepest loop first; one that fits nowhere within the limits goes where it fits over them. */
  place(seg: Segment, idx: number): void {
    const pos = idx + 1;
    const stack = this.stack;
    let depth = -1;
    let at = -1;
    for (let pass = 0; pass < 2 && at < 0; pass++) {
      for (let d = this.top; d >= 0 && at < 0; d--) {
        at = this.find(stack[d], seg, pass === 1);
        if (at >= 0) depth = d;
      }
    }
    if (at < 0) {
      const cp = this.cp;
      const known = cp.tags.has(seg.id);
      this.report(
        known ? 'segment-out-of-order' : 'segment-not-in-set',
        known
          ? `segment ${seg.id} is not expected here (out of sequence)`
          : `segment ${seg.id} is not part of ${cp.profile.type} ${cp.profile.implementation ?? cp.profile.version}`,
        { segment: pos, segmentId: seg.id, loop: loopId(stack[this.top]), offset: seg.offset },
      );
      return;
    }
    while (this.top > depth) this.close(stack[this.top--], pos, seg);
    const def = this.apply(stack[depth], at, seg, pos);
    if (!this.treeOnly && !def.conforms(seg.elements))
      this.failed.push({ seg, pos, def, loop: loopId(stack[this.top]) });
  }

  private keep(pos: number, node: SegmentNode, def: CompiledSegment): void {
    if (this.placed) this.placed[pos - 1] = { node, def };
  }

  /** Closes every loop still open at the end of the transaction. */
  finish(count: number, last: Segment | undefined): void {
    for (let depth = this.top; depth >= 0; depth--) this.close(this.stack[depth], count, last);
  }
}

function loopId(f: Frame): string | undefined {
  return f.loop.id || undefined;
}

/** A placed segment that its position's conformance test did not pass: where, and the loop it went in. */
interface Failed {
  seg: Segment;
  pos: number;
  def: CompiledSegment;
  loop: string | undefined;
}

/** A segment placed in the tree, and the definition it was placed by. */
export type Placed = { node: SegmentNode; def: CompiledSegment } | undefined;

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
  /** Undefined with `keepTree: false`. */
  tree: LoopNode | undefined;
  diagnostics: Diagnostic[];
  /**
   * With `treeOnly`: where each segment went (by position in tx.segments; undefined where it fits
   * nowhere), with its definition. Not kept otherwise: validation of large files allocates nothing extra.
   */
  placed?: Placed[];
} {
  const out: Diagnostic[] = [];
  const std = ctx.standard;
  const base = new Base(ctx.location, tx.controlNumber);
  const segments = tx.segments;
  const build = ctx.keepTree !== false || ctx.treeOnly === true;
  const b = new TreeBuilder(cp, std, base, out, segments.length, ctx.treeOnly === true, build);
  for (let idx = 0; idx < segments.length; idx++) b.place(segments[idx], idx);
  b.finish(segments.length, segments[segments.length - 1]);
  if (ctx.treeOnly) return { tree: b.root, diagnostics: out, placed: b.placed };

  // One SegmentAt for the whole pass: a Location is copied from it only for a finding.
  const where: SegmentAt = { base, segment: 0, loop: undefined };
  for (const f of b.failed) {
    where.segment = f.pos;
    where.loop = f.loop;
    checkElements(f.seg, f.def.checks, f.def.rules, where, std, out);
  }
  return { tree: build ? b.root : undefined, diagnostics: out };
}
