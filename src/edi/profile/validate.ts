import type { Diagnostic, Location, LoopNode, Segment, SegmentNode, Standard, Transaction } from '../model';
import { text } from '../model';
import { diagnostic } from '../diagnostic';
import type { CompiledChild, CompiledLoop, CompiledProfile, CompiledSegment } from './profile-set';
import { type Finding, codeFor } from './codes';
import { type ElementCheck, checkElements, elementPresent } from './elements';

interface Frame {
  loop: CompiledLoop;
  node: LoopNode;
  index: number;
  counts: Map<CompiledChild, number>;
}

export interface ValidateContext {
  standard: Standard;
  /** Where the transaction sits, for diagnostics: interchange and group control numbers. */
  location: Location;
  /** EDIFACT decimal mark from UNA. */
  decimal?: string;
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
): { tree: LoopNode; diagnostics: Diagnostic[] } {
  const out: Diagnostic[] = [];
  const std = ctx.standard;
  const base: Location = { ...ctx.location, transaction: tx.controlNumber };
  const root: LoopNode = {};
  const stack: Frame[] = [{ loop: cp.root, node: root, index: 0, counts: new Map() }];
  const report = (f: Finding, message: string, loc: Location) => {
    out.push(diagnostic('segment', codeFor(std, f), message, { ...base, ...loc }));
  };
  const loopId = (f: Frame) => f.loop.id || undefined;

  const missingBetween = (f: Frame, from: number, to: number, pos: number, seg: Segment) => {
    for (let k = from; k < to; k++) {
      const c = f.loop.children[k];
      if (c.usage === 'M' && (f.counts.get(c) ?? 0) === 0) {
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

  const add = (node: LoopNode, c: CompiledSegment, seg: Segment) => {
    const sn = segmentNode(seg, c.checks);
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
      if ((f.counts.get(c) ?? 0) < c.max || allowOverMax) return i;
    }
    return -1;
  };

  const apply = (f: Frame, i: number, seg: Segment, pos: number) => {
    const c = f.loop.children[i];
    const used = f.counts.get(c) ?? 0;
    missingBetween(f, f.index + 1, i, pos, seg);
    f.index = i;
    f.counts.set(c, used + 1);
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
      add(f.node, c, seg);
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
    add(node, c.trigger, seg);
    segDefs[pos - 1] = c.trigger;
    stack.push({ loop: c, node, index: 0, counts: new Map([[c.trigger, 1]]) });
  };

  const close = (f: Frame, pos: number, seg: Segment | undefined) => {
    const children = f.loop.children;
    for (let k = f.index + 1; k < children.length; k++) {
      const c = children[k];
      if (c.usage === 'M' && (f.counts.get(c) ?? 0) === 0) {
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
  const segLoops: Array<string | undefined> = new Array(tx.segments.length);
  tx.segments.forEach((seg, idx) => {
    const pos = idx + 1;
    // Deepest loop first; a segment that fits nowhere within the limits goes where it fits over them.
    let depth = -1;
    let at = -1;
    for (const allowOverMax of [false, true]) {
      for (let d = stack.length - 1; d >= 0 && at < 0; d--) {
        at = find(stack[d], seg, allowOverMax);
        if (at >= 0) depth = d;
      }
      if (at >= 0) break;
    }
    if (at < 0) {
      const known = cp.tags.has(seg.id);
      report(
        known ? 'segment-out-of-order' : 'segment-not-in-set',
        known
          ? `segment ${seg.id} is not expected here (out of sequence)`
          : `segment ${seg.id} is not part of ${cp.profile.type} ${cp.profile.implementation ?? cp.profile.version}`,
        { segment: pos, segmentId: seg.id, loop: loopId(stack[stack.length - 1]), offset: seg.offset },
      );
      segLoops[idx] = loopId(stack[stack.length - 1]);
      return;
    }
    while (stack.length - 1 > depth) close(stack.pop()!, pos, seg);
    apply(stack[depth], at, seg, pos);
    segLoops[idx] = loopId(stack[stack.length - 1]);
  });
  for (let depth = stack.length - 1; depth >= 0; depth--)
    close(stack[depth], tx.segments.length, tx.segments[tx.segments.length - 1]);

  tx.segments.forEach((seg, idx) => {
    const def = segDefs[idx];
    if (def) checkElements(seg, def.checks, def.rules, { base, segment: idx + 1, loop: segLoops[idx] }, std, out);
  });
  return { tree: root, diagnostics: out };
}
