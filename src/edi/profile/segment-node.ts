import type { Element, SegmentNode } from '../model';
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
