import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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
  issues: ConfigIssue[];
  files: string[];
}

/**
 * Loads every profile under the given folders (the shipped profiles/ first, so a deployment's own
 * folder can override one by standard, version and type). A broken file is reported and skipped.
 */
export function loadProfiles(dirs: string[] = [join(packageRoot(), 'profiles')]): LoadedProfiles {
  const profiles: Profile[] = [];
  const issues: ConfigIssue[] = [];
  const files: string[] = [];
  for (const dir of dirs) {
    for (const file of yamlFiles(dir)) {
      const shown = relative(process.cwd(), file) || file;
      const r = parseYaml(readFileSync(file, 'utf8'), shown, profileSchema);
      if (r.ok) { profiles.push(r.value); files.push(file); } else issues.push(...r.issues);
    }
  }
  const set = new ProfileSet();
  for (const p of profiles) {
    try {
      set.add(p);
    } catch (e) {
      issues.push({ file: `${p.standard}/${p.version}/${p.type}`, line: 1, column: 1, path: 'structure', message: (e as Error).message });
    }
  }
  return { set, issues, files };
}

let builtIn: LoadedProfiles | undefined;

/** The profiles that ship with the product, loaded once. */
export function builtInProfiles(): LoadedProfiles {
  return (builtIn ??= loadProfiles());
}
