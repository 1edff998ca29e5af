import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { type Profile, profile as profileSchema } from '../edi/profile/schema';
import { ProfileSet } from '../edi/profile/profile-set';
import { type ConfigIssue, parseYaml } from './yaml';
import { packageRoot } from './paths';

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

export interface LoadedProfiles {
  set: ProfileSet;
  /** Problems found so far; a lazily loaded profile adds its own when first used. */
  issues: ConfigIssue[];
  files: string[];
}

/** The keys a profile answers to; the rest of the header (name, source) is read with the body. */
const headerSchema = z.object({
  standard: z.enum(['x12', 'edifact']),
  version: z.string().min(1),
  type: z.string().min(1),
  implementation: z.string().optional(),
  aliases: z.array(z.string()).optional(),
});

/**
 * Loads the profiles under the given folders (the shipped profiles/ first, so a deployment's own
 * folder can override one by standard, version and type). Only each file's header is read now; the
 * body is validated and compiled when a transaction first needs it (`eager` reads everything, for
 * checks). A broken file is reported with file:line and skipped.
 */
export function loadProfiles(
  dirs: string[] = [join(packageRoot(), 'profiles')],
  opts: { eager?: boolean } = {},
): LoadedProfiles {
  const issues: ConfigIssue[] = [];
  const files: string[] = [];
  const set = new ProfileSet();
  for (const dir of dirs) {
    for (const file of yamlFiles(dir)) {
      const shown = relative(process.cwd(), file) || file;
      const full = (): Profile | undefined => {
        const r = parseYaml(readFileSync(file, 'utf8'), shown, profileSchema);
        if (!r.ok) {
          issues.push(...r.issues);
          return undefined;
        }
        return r.value;
      };
      const text = readFileSync(file, 'utf8');
      const cut = text.search(/^(segments|structure):/m);
      const head = parseYaml(cut >= 0 ? text.slice(0, cut) : text, shown, headerSchema);
      files.push(file);
      if (!head.ok || opts.eager) {
        const p = full();
        if (!p) continue;
        try {
          set.add(p);
        } catch (e) {
          issues.push({ file: shown, line: 1, column: 1, path: 'structure', message: (e as Error).message });
        }
        continue;
      }
      set.addLazy(head.value, full, (e) =>
        issues.push({ file: shown, line: 1, column: 1, path: 'structure', message: e.message }),
      );
    }
  }
  return { set, issues, files };
}

let builtIn: LoadedProfiles | undefined;

/** The profiles that ship with the product, loaded once. */
export function builtInProfiles(): LoadedProfiles {
  return (builtIn ??= loadProfiles());
}
