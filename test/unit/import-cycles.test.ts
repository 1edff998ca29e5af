/**
 * Dependencies point one way (DESIGN.md, "Layout"; issue 16): no module of src/ reaches itself again
 * through its imports. Type-only imports count too: a cycle of types is where a runtime cycle starts
 * the day one of them imports a value, and it already means neither module can be read alone.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The project file a relative specifier names, or undefined for a package or a file outside the set. */
function resolveImport(from: string, specifier: string, known: Set<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')])
    if (known.has(candidate)) return candidate;
  return undefined;
}

/** Every import, export … from, import() and require() of each file, type-only ones included. */
function graph(files: string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(read(file), true, true);
    const to = info.importedFiles.flatMap((f) => resolveImport(file, f.fileName, known) ?? []);
    edges.set(file, [...new Set(to)]);
  }
  return edges;
}

/** The strongly connected components with more than one module, or one that imports itself (Tarjan). */
function cycles(edges: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('import cycles', () => {
  test('no module of src/ imports itself back, through value or type-only imports', () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(100);
    const found = cycles(graph(files, (f) => readFileSync(f, 'utf8'))).map((c) => c.map((f) => relative(ROOT, f)));
    expect(found).toEqual([]);
  });

  test('the check finds a cycle made only of type imports, and one through a folder index', () => {
    const texts: Record<string, string> = {
      '/p/a.ts': "import type { B } from './b';\nexport interface A { b?: B }",
      '/p/b.ts': "import type { A } from './a';\nexport interface B { a?: A }",
      '/p/c/index.ts': "export { d } from '../d';",
      '/p/d.ts': "import { c } from './c';\nexport const d = c;",
      '/p/e.ts': "import { a } from './a';\nimport { z } from 'zod';",
    };
    const found = cycles(graph(Object.keys(texts), (f) => texts[f])).sort((x, y) => x[0].localeCompare(y[0]));
    expect(found).toEqual([
      ['/p/a.ts', '/p/b.ts'],
      ['/p/c/index.ts', '/p/d.ts'],
    ]);
  });
});
