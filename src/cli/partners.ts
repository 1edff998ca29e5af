import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { Io } from './io';
import { configFile, loadGateway } from '../config/gateway';
import { gatewayFileIssues, loadPartners, locator } from '../config/partners';
import { loadProfiles } from '../config/profiles';
import { packageRoot } from '../config/paths';
import { type ConfigIssue, formatIssue } from '../config/yaml';

/** A file as the user will want to open it: relative to the working folder when inside it. */
function shown(file: string): string {
  const full = resolve(file);
  const rel = relative(process.cwd(), full);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : full;
}

const isDir = (d: string) => existsSync(d) && statSync(d).isDirectory();

/** The keys of gateway.yaml the check needs, read leniently when the file is invalid. */
function folders(file: string | undefined, text: string | undefined) {
  const dir = file ? dirname(file) : process.cwd();
  let raw: Record<string, unknown> = {};
  if (text !== undefined) {
    const doc = parseDocument(text);
    const js: unknown = doc.errors.length ? undefined : doc.toJS();
    if (js && typeof js === 'object' && !Array.isArray(js)) raw = js as Record<string, unknown>;
  }
  const pick = (key: string, dflt: string) => resolve(dir, typeof raw[key] === 'string' ? (raw[key] as string) : dflt);
  return {
    dir,
    raw,
    partners: pick('partners', 'partners'),
    certs: pick('certs', 'certs'),
    profiles: pick('profiles', 'profiles'),
  };
}

/**
 * `partners check`: validates gateway.yaml, every partner file (with its certificates and keys, its
 * maps compiled and their xref tables, its routes to other partners) and the profiles; prints one
 * located line per problem and a summary. Exit 0 when all is well, 1 otherwise.
 */
export function partnersCheckCommand(o: { config?: string }, io: Io): number {
  const file = configFile(o.config);
  let text: string | undefined;
  try {
    text = file ? readFileSync(file, 'utf8') : undefined;
  } catch {
    text = undefined;
  }
  const gatewayIssues: ConfigIssue[] = [];
  const profileIssues: ConfigIssue[] = [];
  const loaded = loadGateway(file);
  const where = folders(file, text);
  const at = file && text !== undefined ? locator(text, file) : undefined;
  const atKey = (key: string) =>
    at ? at(Object.hasOwn(where.raw, key) ? [key] : []) : { file: where.dir, line: 1, column: 1 };

  let partnerIssues: ConfigIssue[] = [];
  let partnerFiles: string[] = [];
  if (loaded.ok) {
    if (text !== undefined) gatewayIssues.push(...gatewayFileIssues(loaded.config, text));
  } else {
    gatewayIssues.push(...loaded.issues);
  }

  // An unreadable gateway.yaml says nothing about where partners are: stop there.
  if (!file || text !== undefined) {
    const config = loaded.ok ? loaded.config : undefined;
    const partnersDir = config?.partners ?? where.partners;
    if (!isDir(partnersDir)) {
      gatewayIssues.push({
        ...atKey('partners'),
        path: 'partners',
        message: `the partners folder does not exist: ${partnersDir}`,
      });
    } else {
      const r = loadPartners(partnersDir, {
        base: config?.dir ?? where.dir,
        generated: [join(config?.certs ?? where.certs, 'our')],
        identity: config?.identity,
      });
      partnerIssues = r.issues;
      partnerFiles = [...new Set([...r.files, ...r.issues.map((i) => i.file)])];
    }

    // The shipped profiles, and the deployment's own folder when it has one.
    const own = config?.profiles ?? where.profiles;
    const shipped = join(packageRoot(), 'profiles');
    const dirs = [shipped];
    if (isDir(own)) {
      if (resolve(own) !== resolve(shipped)) dirs.push(own);
    } else if (Object.hasOwn(where.raw, 'profiles')) {
      gatewayIssues.push({
        ...atKey('profiles'),
        path: 'profiles',
        message: `the profiles folder does not exist: ${own}`,
      });
    }
    profileIssues.push(...loadProfiles(dirs, { eager: true }).issues);
  }

  const byPlace = (a: ConfigIssue, b: ConfigIssue) =>
    a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
  const print = (issues: ConfigIssue[]) => {
    for (const i of [...issues].sort(byPlace)) io.out(`${formatIssue({ ...i, file: shown(i.file) })}\n`);
  };
  print(gatewayIssues);
  print(partnerIssues);
  print(profileIssues);

  const n = partnerFiles.length;
  if (gatewayIssues.length + partnerIssues.length + profileIssues.length === 0) {
    io.out(`ok: ${n} partner(s)\n`);
    return 0;
  }
  const withProblems = new Set(partnerIssues.map((i) => i.file)).size;
  const more = [
    gatewayIssues.length ? `${gatewayIssues.length} problem(s) in ${file ? shown(file) : 'gateway.yaml'}` : '',
    profileIssues.length ? `${profileIssues.length} problem(s) in profiles` : '',
  ].filter(Boolean);
  io.out(`${n} partner(s) checked: ${withProblems} with problems${more.length ? `; ${more.join('; ')}` : ''}\n`);
  return 1;
}
