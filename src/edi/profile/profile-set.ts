import type { Standard } from '../model';
import { type Profile, type StructureEntry, type Usage, isLoop } from './schema';
import { type CompiledRule, type ElementCheck, compileElements, compileRule } from './elements';
import { type NodeBuilder, nodeBuilder } from './segment-node';
import { type Conforms, compileConforms } from './conforms';

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
}

export type CompiledChild = CompiledSegment | CompiledLoop;

export interface CompiledProfile {
  profile: Profile;
  root: CompiledLoop;
  /** Every tag used anywhere in the structure: tells "out of sequence" from "not in this set". */
  tags: Set<string>;
}

function compileChildren(entries: StructureEntry[], p: Profile, tags: Set<string>, where: string): CompiledChild[] {
  const out: CompiledChild[] = entries.map((e): CompiledChild => {
    const max = e.max === 'unbounded' ? Infinity : e.max;
    if (isLoop(e)) {
      const children = compileChildren(e.structure, p, tags, `${where} > ${e.loop}`);
      const first = children[0];
      if (first.kind !== 'segment') throw new Error(`${where} > loop ${e.loop}: a loop must start with a segment`);
      return {
        kind: 'loop',
        id: e.loop,
        key: `${e.loop}_loop`,
        usage: e.usage,
        max,
        children,
        trigger: first,
        byTag: indexByTag(children),
      };
    }
    tags.add(e.segment);
    const def = p.segments[e.segment];
    const elements = e.elements ?? def?.elements;
    if (!elements) throw new Error(`${where}: segment ${e.segment} has no definition in segments and none inline`);
    const match = e.match
      ? Object.entries(e.match).map(([id, codes]): [number, Set<string>] => [Number(id.slice(-2)) - 1, new Set(codes)])
      : undefined;
    const checks = compileElements(e.segment, elements);
    const rules = (e.rules ?? def?.rules ?? []).map(compileRule);
    return {
      kind: 'segment',
      id: e.segment,
      key: e.segment,
      usage: e.usage,
      max,
      checks,
      node: nodeBuilder(checks.map((c) => c.key)),
      rules,
      conforms: compileConforms(checks, rules),
      ...(match ? { match } : {}),
    };
  });
  // Two positions with one tag in a loop get distinct keys, so neither hides the other in the tree.
  const byTag = new Map<string, CompiledSegment[]>();
  for (const c of out) if (c.kind === 'segment') byTag.set(c.id, [...(byTag.get(c.id) ?? []), c]);
  for (const [, list] of byTag) {
    if (list.length < 2) continue;
    const used = new Set<string>();
    list.forEach((c, i) => {
      const q = c.match?.[0] ? [...c.match[0][1]][0] : undefined;
      let key = q !== undefined ? `${c.id}_${q}` : `${c.id}_${i + 1}`;
      if (used.has(key)) key = `${c.id}_${i + 1}`;
      used.add(key);
      c.key = key;
    });
  }
  return out;
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
    root: { kind: 'loop', id: '', key: '', usage: 'M', max: 1, children, trigger: first, byTag: indexByTag(children) },
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
