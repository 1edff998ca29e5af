import type { Diagnostic, Element, Location, LoopNode, Segment, SegmentNode, Standard, Transaction, Value } from '../model';
import { isRepeated } from '../model';
import { diagnostic } from '../diagnostic';
import type { ComponentDef, ElementDef } from './schema';
import type { CompiledChild, CompiledLoop, CompiledProfile, CompiledSegment } from './profile-set';
import { type Finding, codeFor } from './codes';
import { validDate, validTime } from '../x12/scanner';

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

function present(v: Value | undefined): boolean {
  if (v === undefined) return false;
  if (typeof v === 'string') return v !== '';
  return v.some((c) => c !== '');
}

function elementPresent(e: Element | undefined): boolean {
  if (e === undefined) return false;
  if (isRepeated(e)) return e.repeats.some(present);
  return present(e);
}

function first(e: Element | undefined): string {
  if (e === undefined) return '';
  if (typeof e === 'string') return e;
  if (Array.isArray(e)) return e[0] ?? '';
  const r = e.repeats[0];
  return r === undefined ? '' : typeof r === 'string' ? r : (r[0] ?? '');
}

function matches(c: CompiledSegment, seg: Segment): boolean {
  if (c.id !== seg.id) return false;
  if (!c.match) return true;
  for (const [i, codes] of c.match) if (!codes.has(first(seg.elements[i]))) return false;
  return true;
}

/** The tree form of one segment: elements keyed by position id, empty ones left out. */
export function segmentNode(seg: Segment): SegmentNode {
  const node: SegmentNode = {};
  for (let i = 0; i < seg.elements.length; i++) {
    const e = seg.elements[i];
    if (elementPresent(e)) node[seg.id + String(i + 1).padStart(2, '0')] = e;
  }
  return node;
}

/**
 * Builds the loop tree of a transaction from its profile and checks it: segment order, required
 * segments and loops, maximum uses and repeats, then each segment's elements. Every finding is a
 * located diagnostic carrying its acknowledgement code; nothing throws.
 */
export function validateTransaction(tx: Transaction, cp: CompiledProfile, ctx: ValidateContext): { tree: LoopNode; diagnostics: Diagnostic[] } {
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
        report('segment-missing', `required ${what} is missing before ${seg.id}`, { segment: pos, segmentId: id, loop: c.kind === 'loop' ? c.id : loopId(f), offset: seg.offset });
      }
    }
  };

  const add = (node: LoopNode, c: CompiledSegment, seg: Segment) => {
    const sn = segmentNode(seg);
    if (c.max === 1) {
      if (node[c.key] === undefined) { node[c.key] = sn; return; }
      const prev = node[c.key];
      node[c.key] = Array.isArray(prev) ? [...(prev as SegmentNode[]), sn] : [prev as SegmentNode, sn];
    } else {
      ((node[c.key] ??= []) as SegmentNode[]).push(sn);
    }
  };

  /** Where seg fits in frame f from its current index on, without changing anything. */
  const find = (f: Frame, seg: Segment, allowOverMax: boolean): number => {
    const children = f.loop.children;
    // A loop instance's first segment opens the loop: seen again, it starts a new instance above.
    for (let i = f.loop === cp.root ? f.index : Math.max(f.index, 1); i < children.length; i++) {
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
      if (over) report('segment-over-max', `segment ${seg.id} occurs more than ${c.max} times here`, { segment: pos, segmentId: seg.id, loop: loopId(f), offset: seg.offset });
      if (c.usage === 'N') report('segment-not-used', `segment ${seg.id} is marked not used here`, { segment: pos, segmentId: seg.id, loop: loopId(f), offset: seg.offset });
      add(f.node, c, seg);
      segDefs.set(seg, c);
      return;
    }
    if (over) report('loop-over-max', `loop ${c.id} occurs more than ${c.max} times`, { segment: pos, segmentId: seg.id, loop: c.id, offset: seg.offset });
    if (c.usage === 'N') report('segment-not-used', `loop ${c.id} is marked not used here`, { segment: pos, segmentId: seg.id, loop: c.id, offset: seg.offset });
    // Over the maximum or not, the data stays in the tree: nothing is lost for being too much.
    const node: LoopNode = {};
    ((f.node[c.key] ??= []) as LoopNode[]).push(node);
    add(node, c.trigger, seg);
    segDefs.set(seg, c.trigger);
    stack.push({ loop: c, node, index: 0, counts: new Map([[c.trigger, 1]]) });
  };

  const close = (f: Frame, pos: number, seg: Segment | undefined) => {
    const children = f.loop.children;
    for (let k = f.index + 1; k < children.length; k++) {
      const c = children[k];
      if (c.usage === 'M' && (f.counts.get(c) ?? 0) === 0) {
        const id = c.kind === 'loop' ? c.trigger.id : c.id;
        const what = c.kind === 'loop' ? `loop ${c.id} (${id})` : `segment ${id}`;
        report('segment-missing', `required ${what} is missing${f.loop.id ? ` in loop ${f.loop.id}` : ''}`,
          { segment: pos, segmentId: id, loop: c.kind === 'loop' ? c.id : loopId(f), ...(seg ? { offset: seg.offset } : {}) });
      }
    }
  };

  const segDefs = new Map<Segment, CompiledSegment>();
  const segLoops = new Map<Segment, string | undefined>();
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
      report(known ? 'segment-out-of-order' : 'segment-not-in-set',
        known ? `segment ${seg.id} is not expected here (out of sequence)` : `segment ${seg.id} is not part of ${cp.profile.type} ${cp.profile.implementation ?? cp.profile.version}`,
        { segment: pos, segmentId: seg.id, loop: loopId(stack[stack.length - 1]), offset: seg.offset });
      segLoops.set(seg, loopId(stack[stack.length - 1]));
      return;
    }
    while (stack.length - 1 > depth) close(stack.pop()!, pos, seg);
    apply(stack[depth], at, seg, pos);
    segLoops.set(seg, loopId(stack[stack.length - 1]));
  });
  for (let depth = stack.length - 1; depth >= 0; depth--) close(stack[depth], tx.segments.length, tx.segments[tx.segments.length - 1]);

  tx.segments.forEach((seg, idx) => {
    const def = segDefs.get(seg);
    if (def) checkElements(seg, def, { ...base, segment: idx + 1, segmentId: seg.id, loop: segLoops.get(seg), offset: seg.offset }, ctx, out);
  });
  return { tree: root, diagnostics: out };
}

function checkElements(seg: Segment, def: CompiledSegment, loc: Location, ctx: ValidateContext, out: Diagnostic[]): void {
  const std = ctx.standard;
  const report = (f: Finding, message: string, at: Partial<Location>, value?: string, ref?: string) => {
    out.push(diagnostic('element', codeFor(std, f), message, { ...loc, ...at }, {
      ...(value !== undefined ? { value: value.slice(0, 99) } : {}), ...(ref ? { elementRef: ref } : {}),
    }));
  };
  const defs = def.elements;
  const els = seg.elements;
  if (els.length > defs.length) {
    for (let i = defs.length; i < els.length; i++) {
      if (elementPresent(els[i])) { report('too-many-elements', `${seg.id} has ${els.length} elements; the profile defines ${defs.length}`, { element: i + 1 }); break; }
    }
  }
  for (let i = 0; i < defs.length; i++) {
    const d = defs[i];
    const e = els[i];
    const name = `${seg.id}${String(i + 1).padStart(2, '0')}`;
    const at = { element: i + 1 };
    if (!elementPresent(e)) {
      if (d.usage === 'M') report('element-missing', `required element ${name}${d.name ? ` (${d.name})` : ''} is missing`, at, undefined, d.ref);
      continue;
    }
    if (d.usage === 'N') { report('element-not-used', `element ${name} is marked not used here`, at, first(e), d.ref); continue; }
    const reps: Value[] = isRepeated(e!) ? e!.repeats : [e as Value];
    if (reps.length > d.repeat) report('too-many-repeats', `${name} repeats ${reps.length} times; at most ${d.repeat}`, { ...at, repeat: d.repeat + 1 }, undefined, d.ref);
    reps.forEach((v, r) => {
      const rat = reps.length > 1 ? { ...at, repeat: r + 1 } : at;
      if (d.composite) {
        const comps = typeof v === 'string' ? [v] : v;
        if (comps.length > d.composite.length && comps.slice(d.composite.length).some((c) => c !== '')) {
          report('too-many-components', `${name} has ${comps.length} components; the profile defines ${d.composite.length}`, { ...rat, component: d.composite.length + 1 }, undefined, d.ref);
        }
        d.composite.forEach((cd, k) => {
          const c = comps[k] ?? '';
          if (c === '') {
            if (cd.usage === 'M' && comps.some((x) => x !== '')) report('element-missing', `required component ${name}-${String(k + 1).padStart(2, '0')}${cd.name ? ` (${cd.name})` : ''} is missing`, { ...rat, component: k + 1 }, undefined, cd.ref ?? d.ref);
            return;
          }
          checkValue(c, cd, `${name}-${String(k + 1).padStart(2, '0')}`, { ...rat, component: k + 1 }, ctx, report, cd.ref ?? d.ref);
        });
      } else if (typeof v !== 'string') {
        if (v.slice(1).some((c) => c !== '')) report(std === 'x12' ? 'invalid-character' : 'too-many-components', `${name} is a simple element but holds components`, rat, v.join(seg.id === '' ? '' : ':'), d.ref);
        else if (v[0] !== '') checkValue(v[0], d, name, rat, ctx, report, d.ref);
      } else {
        checkValue(v, d, name, rat, ctx, report, d.ref);
      }
    });
  }
  for (const rule of def.rules) checkRule(rule, seg, loc, std, out);
}

type Reporter = (f: Finding, message: string, at: Partial<Location>, value?: string, ref?: string) => void;

function checkValue(v: string, d: ComponentDef | ElementDef, name: string, at: Partial<Location>, ctx: ValidateContext, report: Reporter, ref?: string): void {
  const t = d.type;
  let len = v.length;
  if (t === 'R' || t === 'n' || /^N\d?$/.test(t)) {
    len = v.replace(/^-/, '').replace(/[.,]/, '').length;
    if (t === 'n') {
      if (!/^-?(\d+([.,]\d*)?|[.,]\d+)$/.test(v)) { report('invalid-character', `${name} ${JSON.stringify(v)} is not numeric`, at, v, ref); return; }
    } else if (t === 'R') {
      if (!/^-?(\d+(\.\d*)?|\.\d+)([Ee]-?\d+)?$/.test(v)) { report('invalid-character', `${name} ${JSON.stringify(v)} is not a decimal number`, at, v, ref); return; }
      len = v.replace(/^-/, '').replace(/\./, '').replace(/[Ee]-?\d+$/, '').length;
    } else if (!/^-?\d+$/.test(v)) { report('invalid-character', `${name} ${JSON.stringify(v)} is not an integer`, at, v, ref); return; }
  } else if (t === 'DT') {
    if (!((v.length === 8 && validDate(v)) || (v.length === 6 && validDate('20' + v)))) { report('invalid-date', `${name} ${JSON.stringify(v)} is not a valid date`, at, v, ref); return; }
  } else if (t === 'TM') {
    if (!validTime(v)) { report('invalid-time', `${name} ${JSON.stringify(v)} is not a valid time`, at, v, ref); return; }
  } else if (t === 'a') {
    if (/\d/.test(v)) { report('invalid-character', `${name} ${JSON.stringify(v)} must be alphabetic`, at, v, ref); return; }
  }
  // eslint-disable-next-line no-control-regex
  if (t !== 'B' && /[\x00-\x1f]/.test(v)) { report('invalid-character', `${name} holds a control character`, at, v, ref); return; }
  if (len < d.min) { report('too-short', `${name} ${JSON.stringify(v)} is shorter than ${d.min}`, at, v, ref); return; }
  if (d.max !== undefined && len > d.max) { report('too-long', `${name} ${JSON.stringify(v.slice(0, 40))} is longer than ${d.max}`, at, v, ref); return; }
  if (d.codes && !d.codes.includes(v)) report('invalid-code', `${name} ${JSON.stringify(v)} is not a valid code here`, at, v, ref);
}

/** X12 syntax notes: P paired, R at least one, E at most one, C if first then all, L if first then one of the rest. */
function checkRule(rule: string, seg: Segment, loc: Location, std: Standard, out: Diagnostic[]): void {
  const kind = rule[0];
  const positions = (rule.slice(1).match(/\d\d/g) ?? []).map(Number);
  const has = positions.map((p) => elementPresent(seg.elements[p - 1]));
  const n = has.filter(Boolean).length;
  const name = (p: number) => `${seg.id}${String(p).padStart(2, '0')}`;
  const missing = (p: number, why: string) => out.push(diagnostic('element', codeFor(std, 'conditional-missing'), `${name(p)} is required ${why} (${rule})`, { ...loc, element: p }));
  switch (kind) {
    case 'P':
      if (n > 0 && n < positions.length) positions.forEach((p, i) => { if (!has[i]) missing(p, `when ${positions.filter((_, j) => has[j]).map(name).join(', ')} is present`); });
      break;
    case 'R':
      if (n === 0) missing(positions[0], `or one of ${positions.slice(1).map(name).join(', ')}`);
      break;
    case 'E':
      if (n > 1) out.push(diagnostic('element', codeFor(std, 'exclusion-violated'), `only one of ${positions.map(name).join(', ')} may be present (${rule})`, { ...loc, element: positions[has.lastIndexOf(true)] }));
      break;
    case 'C':
      if (has[0]) positions.slice(1).forEach((p, i) => { if (!has[i + 1]) missing(p, `when ${name(positions[0])} is present`); });
      break;
    case 'L':
      if (has[0] && !has.slice(1).some(Boolean)) missing(positions[1], `(or one of ${positions.slice(2).map(name).join(', ')}) when ${name(positions[0])} is present`);
      break;
  }
}
