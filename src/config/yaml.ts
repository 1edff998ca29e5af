import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import type { ZodType } from 'zod';

/** One problem in a config file, located as editors and CI logs expect: file:line:col and key path. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

/**
 * Parses YAML text and validates it with a zod schema, reporting every problem at once with the
 * line of the key it concerns (or the nearest parent that exists).
 */
export function parseYaml<T>(textIn: string, file: string, schema: ZodType<T, unknown>): Parsed<T> {
  const lc = new LineCounter();
  const doc = parseDocument(textIn, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lc.linePos(offset);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const p = at(e.pos[0]);
        return { file, line: p.line, column: p.col, path: '', message: e.message.split('\n')[0] };
      }),
    };
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return { ok: true, value: result.data };
  const keyAt = (path: string[], key: string): ConfigIssue | undefined => {
    const map = doc.getIn(path, true);
    if (!isMap(map)) return undefined;
    const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
    if (!range) return undefined;
    const p = at(range[0]);
    return {
      file,
      line: p.line,
      column: p.col,
      path: [...path, key].join('.'),
      message: `unknown key ${JSON.stringify(key)}`,
    };
  };
  return {
    ok: false,
    issues: result.error.issues.flatMap((issue): ConfigIssue[] => {
      const path = issue.path.map(String);
      // Each unknown key is reported at its own line.
      if (issue.code === 'unrecognized_keys') {
        const located = issue.keys.map((k) => keyAt(path, k)).filter((x): x is ConfigIssue => x !== undefined);
        if (located.length === issue.keys.length) return located;
      }
      // Walk down as far as the document goes, so a missing key points at its parent.
      let node: unknown = doc.contents;
      for (let i = path.length; i >= 0; i--) {
        const n = doc.getIn(path.slice(0, i), true) as { range?: [number, number, number] } | undefined;
        if (n && typeof n === 'object' && 'range' in n && n.range) {
          node = n;
          break;
        }
      }
      const range = (node as { range?: [number, number, number] } | null)?.range;
      const p = range ? at(range[0]) : { line: 1, col: 1 };
      return [{ file, line: p.line, column: p.col, path: path.join('.'), message: issue.message }];
    }),
  };
}
