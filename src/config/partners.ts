import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { GatewayConfig } from './gateway';
import { checkMapFile, type MapCheck, XREF_TABLE_NAME } from './maps';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { loadPrivateKey } from '../transports/as2/cms';
import { readCertificateFile } from '../transports/as2/partner-file';
import { readSshPrivateKey } from '../transports/sftp/partner-file';
import { type Partner, partnerSchema, reasonOf, under } from './partner';
import { type ConfigIssue, parseYaml } from './yaml';

/** A partner as loaded, with the file it came from. */
export type LoadedPartner = Partner & { file: string };

export interface LoadPartnersOptions {
  /** The folder of gateway.yaml: paths in partner files are relative to it. Default: the working folder. */
  base?: string;
  /** Folders the gateway fills itself on first start (certs/our): files named there need not exist yet. */
  generated?: string[];
  /** Who we are (gateway.yaml `identity`): a partner claiming one of our identifiers is reported. */
  identity?: GatewayConfig['identity'];
}

export interface LoadedPartners {
  /** Every partner whose file is valid on its own, in file name order. */
  partners: LoadedPartner[];
  /** Every problem, each located in the file it concerns; by file, then line and column. */
  issues: ConfigIssue[];
  /** Every partner file read (`*.yaml` in the folder), valid or not. */
  files: string[];
}

/** A located place in a YAML text, for issues found after validation. */
export function locator(
  text: string,
  file: string,
): (path: (string | number)[]) => { file: string; line: number; column: number } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  return (path) => {
    for (let i = path.length; i >= 0; i--) {
      const n = doc.getIn(path.slice(0, i), true) as { range?: [number, number, number] } | undefined;
      if (n && typeof n === 'object' && n.range) {
        const p = lc.linePos(n.range[0]);
        return { file, line: p.line, column: p.col };
      }
    }
    return { file, line: 1, column: 1 };
  };
}

type Claim = { kind: 'x12' | 'edifact' | 'as2'; qualifier?: string; id: string; path: (string | number)[] };

/** The identifiers a file claims, read from its raw content (so a file broken elsewhere still takes part). */
function claims(raw: unknown): Claim[] {
  const ids = (raw as { identifiers?: Record<string, unknown> } | null)?.identifiers;
  if (!ids || typeof ids !== 'object') return [];
  const out: Claim[] = [];
  for (const kind of ['x12', 'edifact'] as const) {
    const entries = ids[kind];
    if (!Array.isArray(entries)) continue;
    entries.forEach((e: { qualifier?: unknown; id?: unknown } | null, i) => {
      if (e && typeof e.id === 'string')
        out.push({
          kind,
          qualifier: typeof e.qualifier === 'string' ? e.qualifier.trim() : undefined,
          id: e.id.trim(),
          path: ['identifiers', kind, i],
        });
    });
  }
  if (typeof ids.as2 === 'string') out.push({ kind: 'as2', id: ids.as2.trim(), path: ['identifiers', 'as2'] });
  return out;
}

/** X12 and AS2 ids clash when equal; EDIFACT ids when equal and their qualifiers equal or one is absent. */
function clash(
  a: { kind: string; qualifier?: string; id: string },
  b: { kind: string; qualifier?: string; id: string },
): boolean {
  if (a.kind !== b.kind || a.id !== b.id) return false;
  if (a.kind === 'as2') return true;
  if (a.kind === 'x12') return a.qualifier === b.qualifier;
  return a.qualifier === undefined || b.qualifier === undefined || a.qualifier === b.qualifier;
}

const describeClaim = (c: { kind: string; qualifier?: string; id: string }) =>
  `${c.kind === 'as2' ? 'AS2 id' : c.kind === 'x12' ? 'X12 id' : 'EDIFACT id'} ${c.qualifier !== undefined ? `${c.qualifier}/` : ''}${c.id}`;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const isFile = (f: string) => existsSync(f) && statSync(f).isFile();
const STANDARD = { x12: 'X12', edifact: 'EDIFACT' } as const;

/** What is wrong with one map file, each message starting with the place in the map (map:line:col). */
function mapProblems(map: string, full: string, partnersDir: string): string[] {
  let check: MapCheck;
  try {
    check = checkMapFile(full);
  } catch (e) {
    return [`${map}: cannot read: ${(e as Error).message}`];
  }
  const out: string[] = [];
  const s = check.syntax;
  if (s) out.push(`${map}${s.line ? `:${s.line}:${s.column}` : ''}: the map does not compile: ${s.message}`);
  for (const x of check.xrefs) {
    const where = `${map}:${x.line}:${x.column}`;
    if (!XREF_TABLE_NAME.test(x.table))
      out.push(`${where}: xref table name "${x.table}": letters, digits, ., - and _ only`);
    else if (!isFile(join(partnersDir, 'xref', `${x.table}.csv`)))
      out.push(`${where}: no xref table "${x.table}" (no file xref/${x.table}.csv in the partners folder)`);
  }
  return out;
}

/** A partner file as read, for the checks that look past it: its raw content and how to locate a key. */
interface ReadFile {
  file: string;
  raw: Obj;
  at: ReturnType<typeof locator>;
}

/**
 * The checks of each file's routes that need more than the file: its maps compile and the xref tables
 * they name exist; a route to another partner names a partner that loaded, and an endpoint of it; a
 * route writing X12 or EDIFACT goes to a partner with an identifier to address it to. Routes are read
 * from the raw content, so a file broken elsewhere still has its routes checked.
 */
function routeIssues(read: ReadFile[], partners: LoadedPartner[], files: string[], partnersDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const byId = new Map(partners.map((p) => [p.id, p]));
  const fileIds = new Set(files.map((f) => basename(f, '.yaml')));
  const maps = new Map<string, string[]>();
  for (const f of read) {
    const self = str(f.raw.id);
    list(f.raw.routes).forEach((r, i) => {
      const route = obj(r);
      const add = (key: string, message: string) =>
        issues.push({ ...f.at(['routes', i, key]), path: `routes.${i}.${key}`, message });

      const map = str(route.map);
      const full = map !== undefined && !isAbsolute(map) ? resolve(partnersDir, map) : undefined;
      // A missing map or one outside the folder is already reported by the file's own checks.
      if (map !== undefined && full !== undefined && under(full, [partnersDir]) && isFile(full)) {
        if (!maps.has(full)) maps.set(full, mapProblems(map, full, partnersDir));
        for (const message of maps.get(full)!) add('map', message);
      }

      const target = str(route.partner);
      const other = target !== undefined && target !== self;
      const to = other ? byId.get(target) : undefined;
      if (other && !to) {
        add(
          'partner',
          fileIds.has(target)
            ? `partner "${target}" is not loaded: ${target}.yaml has problems of its own`
            : `no partner "${target}" (no ${target}.yaml in the partners folder)`,
        );
        return;
      }
      const name = str(route.to);
      if (to && name !== undefined && !Object.hasOwn(to.endpoints ?? {}, name)) {
        const known = Object.keys(to.endpoints ?? {});
        add(
          'to',
          `partner ${to.id} has no endpoint "${name}" (${known.length ? `endpoints of ${to.id}: ${known.join(', ')}` : `${to.id}.yaml has no endpoints`})`,
        );
      }
      const format = str(route.format);
      if (format === 'x12' || format === 'edifact') {
        const ids = to ? (to.identifiers[format] ?? []) : list(obj(f.raw.identifiers)[format]);
        const who = to?.id ?? self ?? 'this partner';
        if (ids.length === 0)
          add(
            'format',
            `writing ${STANDARD[format]} for partner ${who} needs an ${STANDARD[format]} identifier of it to ` +
              `address the interchange to (identifiers.${format} in ${who}.yaml)`,
          );
      }
    });
  }
  return issues;
}

/**
 * Reads every `*.yaml` in the partners folder (not its subfolders: maps live there) and validates
 * each file on its own: a broken file is reported and left out, the others load. Then checks across
 * files: two partners claiming the same X12 qualifier and id, EDIFACT id or AS2 id are reported on
 * both files, as is a partner claiming one of our own identifiers; and each file's routes (see
 * routeIssues). Neither refuses a file that is valid on its own.
 */
export function loadPartners(dir: string, opts: LoadPartnersOptions = {}): LoadedPartners {
  const partnersDir = resolve(dir);
  const base = resolve(opts.base ?? process.cwd());
  const issues: ConfigIssue[] = [];
  const partners: LoadedPartner[] = [];
  const files: string[] = [];
  if (!existsSync(partnersDir) || !statSync(partnersDir).isDirectory()) {
    return {
      partners,
      files,
      issues: [{ file: partnersDir, line: 1, column: 1, path: '', message: 'the partners folder does not exist' }],
    };
  }

  const seen: { file: string; claim: Claim; at: ReturnType<typeof locator> }[] = [];
  const read: ReadFile[] = [];
  for (const name of readdirSync(partnersDir).sort()) {
    const file = join(partnersDir, name);
    if (!statSync(file).isFile()) continue;
    if (name.endsWith('.yml')) {
      issues.push({
        file,
        line: 1,
        column: 1,
        path: '',
        message: 'partner files end in .yaml: this file is not read; rename it',
      });
      continue;
    }
    if (!name.endsWith('.yaml')) continue;
    files.push(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      issues.push({ file, line: 1, column: 1, path: '', message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const schema = partnerSchema({
      base,
      partnersDir,
      generated: opts.generated,
      fileId: name.slice(0, -'.yaml'.length),
    });
    const r = parseYaml(text, file, schema);
    if (r.ok) partners.push({ ...r.value, file });
    else issues.push(...r.issues);
    const doc = parseDocument(text);
    if (doc.errors.length === 0) {
      const at = locator(text, file);
      const raw: unknown = doc.toJS();
      for (const claim of claims(raw)) seen.push({ file, claim, at });
      read.push({ file, raw: obj(raw), at });
    }
  }

  for (const a of seen) {
    const where = a.at(a.claim.path);
    for (const b of seen) {
      if (a === b || a.file === b.file || !clash(a.claim, b.claim)) continue;
      const there = b.at(b.claim.path);
      issues.push({
        ...where,
        path: a.claim.path.join('.'),
        message: `${describeClaim(a.claim)} is also claimed by ${basename(b.file)}:${there.line}:${there.column}`,
      });
    }
    const ours = [
      ...(opts.identity?.x12 ?? []).map((p) => ({ kind: 'x12', qualifier: p.qualifier, id: p.id })),
      ...(opts.identity?.edifact ?? []).map((p) => ({ kind: 'edifact', qualifier: p.qualifier, id: p.id })),
      ...(opts.identity?.as2 ? [{ kind: 'as2', id: opts.identity.as2.id }] : []),
    ];
    if (ours.some((o) => clash(a.claim, o))) {
      issues.push({
        ...where,
        path: a.claim.path.join('.'),
        message: `${describeClaim(a.claim)} is our own identity (gateway.yaml identity.${a.claim.kind})`,
      });
    }
  }
  issues.push(...routeIssues(read, partners, files, partnersDir));
  issues.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
  return { partners, issues, files };
}

/** loadPartners for a loaded gateway.yaml: its partners folder, its folder as the base, certs/our as generated. */
export function loadPartnersOf(config: GatewayConfig): LoadedPartners {
  return loadPartners(config.partners, {
    base: config.dir,
    generated: [join(config.certs, 'our')],
    identity: config.identity,
  });
}

/**
 * The partner an interchange comes from: X12 ISA05/ISA06, EDIFACT UNB sender (a partner's EDIFACT
 * entry without a qualifier matches any qualifier), or the AS2-From. Ids are compared exactly, after
 * trimming the padding. When files clash (loadPartners reports it), the first in file name
 * order is returned.
 */
export function identify<P extends Partner>(
  partners: readonly P[],
  who: { standard: 'x12' | 'edifact' | 'as2'; qualifier?: string; id: string },
): P | undefined {
  const wanted = { kind: who.standard, qualifier: who.qualifier?.trim() || undefined, id: who.id.trim() };
  return partners.find((p) => {
    if (who.standard === 'as2') return p.identifiers.as2 !== undefined && p.identifiers.as2.trim() === wanted.id;
    const entries = who.standard === 'x12' ? (p.identifiers.x12 ?? []) : (p.identifiers.edifact ?? []);
    return entries.some((e) => {
      if (e.id.trim() !== wanted.id) return false;
      if (who.standard === 'x12') return e.qualifier?.trim() === wanted.qualifier;
      return e.qualifier === undefined || e.qualifier.trim() === wanted.qualifier;
    });
  });
}

/** A key or certificate file gateway.yaml names, with how the gateway reads it at start. */
export interface GatewayFile {
  path: string[];
  file: string;
  what: string;
  /** Throws (with a reason) when the bytes are not usable as `what`. */
  read(bytes: Buffer): void;
}

/** Every key and certificate file gateway.yaml names (each read as the gateway reads it at start). */
export function gatewayFiles(config: GatewayConfig): GatewayFile[] {
  const named: { path: string[]; file?: string; what: string; read(bytes: Buffer): void }[] = [
    { path: ['identity', 'as2', 'key'], file: config.identity.as2?.key, what: 'our AS2 key', read: loadPrivateKey },
    {
      path: ['identity', 'as2', 'certificate'],
      file: config.identity.as2?.certificate,
      what: 'our AS2 certificate',
      read: readCertificateFile,
    },
    { path: ['as2', 'tls', 'key'], file: config.as2?.tls?.key, what: 'our TLS key', read: (b) => createPrivateKey(b) },
    {
      path: ['as2', 'tls', 'certificate'],
      file: config.as2?.tls?.certificate,
      what: 'our TLS certificate',
      read: (b) => new X509Certificate(b),
    },
    { path: ['sftp', 'hostKey'], file: config.sftp?.hostKey, what: 'our SSH host key', read: readSshPrivateKey },
  ];
  return named.flatMap((n) => (n.file === undefined ? [] : [{ ...n, file: n.file }]));
}

/**
 * The key and certificate files gateway.yaml names that are missing or unusable (each is parsed as
 * the gateway reads it at start), located in its text. Files
 * under a generated folder (certs/our) are made on first start and are not required yet.
 */
export function gatewayFileIssues(
  config: GatewayConfig,
  text: string,
  generated: string[] = [join(config.certs, 'our')],
): ConfigIssue[] {
  if (!config.file) return [];
  const at = locator(text, config.file);
  // Each file is read as the gateway will read it at start: one that exists but holds nothing usable is as broken as a missing one.
  const named = gatewayFiles(config);
  const issues: ConfigIssue[] = [];
  for (const n of named) {
    const full = resolve(config.dir, n.file);
    if (under(full, generated)) continue;
    const where = { ...at(n.path), path: n.path.join('.') };
    if (!existsSync(full) || !statSync(full).isFile()) {
      issues.push({
        ...where,
        message: `no such file: ${n.file} (paths are relative to the folder of gateway.yaml, ${config.dir})`,
      });
      continue;
    }
    try {
      n.read(readFileSync(full));
    } catch (e) {
      issues.push({ ...where, message: `${n.file} cannot be used as ${n.what}: ${reasonOf(e)}` });
    }
  }
  return issues;
}
