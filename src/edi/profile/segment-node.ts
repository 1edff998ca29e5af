import type { Element, LoopNode, SegmentNode } from '../model';
import { elementPresent } from './elements';

/** Makes the tree form of a segment's elements at one profile position; `id` names elements beyond its definitions. */
export type NodeBuilder = (elements: Element[], id: string) => SegmentNode;

/**
 * The tree form of a segment at one profile position (elements keyed by position id, `keys[i]`, else
 * tag and position; empty ones left out), compiled once: a function whose stores name their keys
 * (`n["BEG03"] = e`), one site per element. Storing by a key held in a variable goes through V8's
 * megamorphic lookup for every element of every segment: a quarter of validation's CPU on the bench's
 * 850s, where these named stores each see one or two object shapes and cost a few instructions.
 * The keys are the profile's position ids, written into the source as JSON string literals; no value
 * of the data ever is.
 */
export function nodeBuilder(keys: readonly string[]): NodeBuilder {
  const lines = ['const n = {};', 'const k = els.length;', 'let e;'];
  keys.forEach((key, i) =>
    lines.push(
      `if (k > ${i} && (typeof (e = els[${i}]) === 'string' ? e !== '' : present(e))) n[${JSON.stringify(key)}] = e;`,
    ),
  );
  lines.push(
    `for (let i = ${keys.length}; i < k; i++) { e = els[i]; if (present(e)) n[id + String(i + 1).padStart(2, '0')] = e; }`,
    'return n;',
  );
  // Source made from the profile's keys only (above).
  const make = new Function('present', `return function segmentNode(els, id) {\n${lines.join('\n')}\n};`) as (
    present: (e: Element | undefined) => boolean,
  ) => NodeBuilder;
  return make(elementPresent);
}

/** Puts a segment's tree form into its loop node at one profile position, and returns it. */
export type NodeAdder = (node: LoopNode, elements: Element[], id: string) => SegmentNode;

/** Opens a new instance of a loop in its parent's node, and returns the instance's node. */
export type LoopOpener = (parent: LoopNode) => LoopNode;

/**
 * Adds the tree form of a segment to its loop node under `key`: once (`single`, a position used at
 * most once: a second use, over the maximum, turns the value into a list) or as a list. Compiled once
 * per position for the reason nodeBuilder is: a store through a key held in a variable is V8's
 * megamorphic keyed store, once per segment of every set; with the key written into the source, each
 * site sees the few shapes its loop's nodes take. A list starts at one slot, where `[]` and a push kept
 * seventeen until the set ends. The key is the profile's position key, as a JSON string literal.
 */
export function nodeAdder(key: string, single: boolean, build: NodeBuilder): NodeAdder {
  const k = JSON.stringify(key);
  const body = single
    ? `const sn = build(els, id);
const prev = node[${k}];
if (prev === undefined) node[${k}] = sn;
else node[${k}] = Array.isArray(prev) ? [...prev, sn] : [prev, sn];
return sn;`
    : `const sn = build(els, id);
const list = node[${k}];
if (list === undefined) node[${k}] = [sn];
else list.push(sn);
return sn;`;
  // Source made from the profile's key only (above).
  const make = new Function('build', `return function addSegment(node, els, id) {\n${body}\n};`) as (
    build: NodeBuilder,
  ) => NodeAdder;
  return make(build);
}

/** The opener of a loop whose instances are listed under `key` in the parent's node (`PO1_loop`); as nodeAdder. */
export function loopOpener(key: string): LoopOpener {
  const k = JSON.stringify(key);
  // Source made from the profile's loop key only.
  return new Function(
    `return function openLoop(parent) {
const node = {};
const list = parent[${k}];
if (list === undefined) parent[${k}] = [node];
else list.push(node);
return node;
};`,
  )() as LoopOpener;
}
