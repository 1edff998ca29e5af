import type { Standard } from '../model';
import { type Profile, type StructureEntry, type Usage, isLoop } from './schema';
import { type CompiledRule, type ElementCheck, compileElements, compileRule } from './elements';
import { type LoopOpener, type NodeAdder, type NodeBuilder, loopOpener, nodeAdder, nodeBuilder } from './segment-node';
import { type Conforms, compileConforms } from './conforms';
import { intern } from '../intern';

/** A profile position ready for matching: what the tree builder walks. */
export interface CompiledSegment {
  kind: 'segment';
  id: string;
  /** Key of this position in its loop node: the tag, or tag_qualifier where a loop has the tag twice. */
  key: string;
  usage: Usage;
  max: number;
  match?: Array<[number, Set<string>]>;
  checks: ElementCheck[];
  rules: CompiledRule[];
  /** The tree form of a segment placed here (keys from `checks`), compiled once. */
  node: NodeBuilder;
  /** Puts the tree form of a segment placed here into its loop's node, under `key`, compiled once. */
  add: NodeAdder;
  /** Whether a segment placed here has nothing for `checkElements` to find (checks and rules), compiled once. */
  conforms: Conforms;
}

export interface CompiledLoop {
  kind: 'loop';
  id: string;
  key: string;
  usage: Usage;
  max: number;
  children: CompiledChild[];
  trigger: CompiledSegment;
  /** Child positions by the tag that can start them (a segment's tag, a loop's trigger tag), ascending. */
  byTag: Map<string, number[]>;
  /** Lists a new instance of this loop under `key` in its parent's node, compiled once. */
  open: LoopOpener;
}

export type CompiledChild = CompiledSegment | CompiledLoop;

export interface CompiledProfile {
  profile: Profile;
  root: CompiledLoop;
  /** Every tag used anywhere in the structure: tells "out of sequence" from "not in this set". */
  tags: Set<string>;
}

/**
 * The key of each segment position among `entries` in their loop's node: the tag, or, where the loop
 * has the tag twice, tag_qualifier (else tag_n), so neither hides the other in the tree. Settled
 * before the positions are compiled, since each compiles its store under its key.
 */
function positionKeys(entries: StructureEntry[]): Array<string | undefined> {
  const keys = entries.map((e) => (isLoop(e) ? undefined : e.segment));
  const byTag = new Map<string, number[]>();
  entries.forEach((e, i) => {
    if (!isLoop(e)) byTag.set(e.segment, [...(byTag.get(e.segment) ?? []), i]);
  });
  for (const [tag, list] of byTag) {
    if (list.length < 2) continue;
    const used = new Set<string>();
    list.forEach((at, i) => {
      const e = entries[at];
      const first = !isLoop(e) && e.match ? Object.values(e.match)[0] : undefined;
      const q = first?.[0];
      let key = q !== undefined ? `${tag}_${q}` : `${tag}_${i + 1}`;
      if (used.has(key)) key = `${tag}_${i + 1}`;
      used.add(key);
      keys[at] = key;
    });
  }
  return keys;
}

function compileChildren(entries: StructureEntry[], p: Profile, tags: Set<string>, where: string): CompiledChild[] {
  const keys = positionKeys(entries);
  return entries.map((e, at): CompiledChild => {
    const max = e.max === 'unbounded' ? Infinity : e.max;
    if (isLoop(e)) {
      const children = compileChildren(e.structure, p, tags, `${where} > ${e.loop}`);
      const first = children[0];
      if (first.kind !== 'segment') throw new Error(`${where} > loop ${e.loop}: a loop must start with a segment`);
      const key = `${e.loop}_loop`;
      return {
        kind: 'loop',
        id: e.loop,
        key,
        usage: e.usage,
        max,
        children,
        trigger: first,
        byTag: indexByTag(children),
        open: loopOpener(key),
      };
    }
    // Interned so that a tag from the splitter (interned too) equals it by reference.
    const tag = intern(e.segment);
    tags.add(tag);
    const def = p.segments[e.segment];
    const elements = e.elements ?? def?.elements;
    if (!elements) throw new Error(`${where}: segment ${e.segment} has no definition in segments and none inline`);
    const match = e.match
      ? Object.entries(e.match).map(([id, codes]): [number, Set<string>] => [Number(id.slice(-2)) - 1, new Set(codes)])
      : undefined;
    const checks = compileElements(e.segment, elements);
    const rules = (e.rules ?? def?.rules ?? []).map(compileRule);
    const key = keys[at] ?? e.segment;
    const node = nodeBuilder(checks.map((c) => c.key));
    return {
      kind: 'segment',
      id: tag,
      key,
      usage: e.usage,
      max,
      checks,
      node,
      add: nodeAdder(key, max === 1, node),
      rules,
      conforms: compileConforms(checks, rules),
      ...(match ? { match } : {}),
    };
  });
}

function indexByTag(children: CompiledChild[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  children.forEach((c, i) => {
    const tag = c.kind === 'loop' ? c.trigger.id : c.id;
    const list = m.get(tag);
    if (list) list.push(i);
    else m.set(tag, [i]);
  });
  return m;
}

export function compileProfile(p: Profile): CompiledProfile {
  const tags = new Set<string>();
  const children = compileChildren(p.structure, p, tags, `${p.standard} ${p.version} ${p.type}`);
  const first = children[0];
  if (first.kind !== 'segment') throw new Error('a profile must start with its header segment');
  return {
    profile: p,
    root: {
      kind: 'loop',
      id: '',
      key: '',
      usage: 'M',
      max: 1,
      children,
      trigger: first,
      byTag: indexByTag(children),
      open: loopOpener(''),
    },
    tags,
  };
}

/**
 * The profiles the engine knows, looked up by standard, type and version. An implementation guide
 * reference (ST03 / GS08 suffix) is preferred over the base version; nothing is guessed across versions.
 */
/** What a profile answers to, known before its body is read. */
export interface ProfileKey {
  standard: Standard;
  version: string;
  type: string;
  implementation?: string;
  aliases?: string[];
}

type Entry = { version: string } & (
  | { compiled: CompiledProfile }
  | { load: () => Profile | undefined; failed: (e: Error) => void; compiled?: CompiledProfile | null }
);

/**
 * The profiles the engine knows, looked up by standard, type and version. An implementation guide
 * reference (ST03 / GS08 suffix) is preferred over the base version; nothing is guessed across
 * versions. Profiles may be registered lazily: the body is read and compiled on first use, so a
 * process pays only for the transaction sets it meets.
 */
export class ProfileSet {
  private readonly byKey = new Map<string, Entry>();

  constructor(profiles: Profile[] = []) {
    for (const p of profiles) this.add(p);
  }

  add(p: Profile): void {
    this.register(p, { version: p.version, compiled: compileProfile(p) });
  }

  /** Registers a profile read on first use; `failed` hears of a body that does not compile. */
  addLazy(key: ProfileKey, load: () => Profile | undefined, failed: (e: Error) => void = () => undefined): void {
    this.register(key, { version: key.version, load, failed });
  }

  private register(k: ProfileKey, entry: Entry): void {
    for (const v of [k.implementation ?? k.version, k.version, ...(k.aliases ?? [])]) {
      const key = `${k.standard}/${v}/${k.type}`;
      if (!this.byKey.has(key) || v === (k.implementation ?? k.version)) this.byKey.set(key, entry);
    }
  }

  get size(): number {
    return new Set(this.byKey.values()).size;
  }

  private resolve(entry: Entry | undefined): CompiledProfile | undefined {
    if (!entry) return undefined;
    if ('load' in entry && entry.compiled === undefined) {
      const p = entry.load();
      try {
        entry.compiled = p ? compileProfile(p) : null;
      } catch (e) {
        entry.compiled = null;
        entry.failed(e as Error);
      }
    }
    return entry.compiled ?? undefined;
  }

  find(standard: Standard, type: string, version: string, implementation?: string): CompiledProfile | undefined {
    if (implementation) {
      const hit = this.byKey.get(`${standard}/${implementation}/${type}`);
      // An EDIFACT association code names a subset of one directory: EANCOM's ORDERS EAN008 is D.96A's,
      // EAN010 D.01B's. A subset written for another directory is not this message's guide.
      if (hit && (standard !== 'edifact' || hit.version === version)) return this.resolve(hit);
      // A guide we have no profile for is not the base standard: only fall back for plain versions.
      if (standard === 'x12' && /^\d{6}X/.test(implementation)) return undefined;
    }
    return this.resolve(this.byKey.get(`${standard}/${version}/${type}`));
  }
}
