import { existsSync, statSync } from 'node:fs';
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { quotedText } from './quoted-text';
import { redactUrl } from '../redact-url';
import { inbound as inboundSpecs, listeners, outbound as outboundSpecs } from '../transports';
import type { InboundSpec, NamedFile, OutboundKind, PartnerSection } from '../transports';
import { as2CertificateFiles } from '../transports/as2/partner-file';
import { duration } from './units';

/*
 * A partner file (partners/<id>.yaml), exactly as DESIGN.md's contract shows it. Every key is
 * optional except `id` and at least one identifier; unknown keys are errors. Paths to certificates,
 * keys and folders are relative to the folder of gateway.yaml (as `certs/acme/as2.pem` is); route
 * maps are relative to the partners folder. docs/partners.md is the guide for operations staff.
 *
 * The transports' sections (`inbound.file`, `inbound.as2`, a poll entry's `sftp`, an endpoint's `http`
 * …) are not declared here: each transport owns its section (schema, defaults, checks, the files it
 * names), and this file composes them from the registry (src/transports/index.ts).
 */

/** A transaction type such as 850 may be written unquoted: it has no leading zeros to lose. */
const txType = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1).max(6));

const text = z.string().min(1);
const path = z.string().min(1);
const endpointName = z.string().min(1);

const x12Party = z.strictObject({
  /** ISA05 / ISA07. */
  qualifier: quotedText('ZZ').length(2, 'an X12 qualifier has 2 characters (ISA05/ISA07), like ZZ or 01'),
  /** ISA06 / ISA08, without the padding. */
  id: quotedText('123456789').min(1).max(15, 'an X12 interchange id has at most 15 characters (ISA06/ISA08)'),
});

const edifactParty = z.strictObject({
  /** UNB 0007; absent: the id alone identifies the partner, whatever qualifier the UNB carries. */
  qualifier: quotedText('14').min(1).max(4).optional(),
  /** UNB 0004 / 0010. */
  id: quotedText('5412345000013').min(1).max(35),
});

const identifiers = z.strictObject(
  {
    x12: z.array(x12Party).optional(),
    edifact: z.array(edifactParty).optional(),
    /** The AS2-From they send and the AS2-To we address. */
    as2: text.max(128).optional(),
  },
  { error: (iss) => (iss.input === undefined ? 'required: at least one of x12, edifact or as2' : undefined) },
);

const certificates = z.strictObject({
  /** Their AS2 certificate; during a rollover a list, the one to encrypt with first. */
  as2: z
    .union([path, z.array(path).min(1)], { error: 'a certificate file, or a list of them during a rollover' })
    .optional(),
});

/** `{ a: … }` or `{ b: … }`: one key of several, each with its own schema. */
function exactlyOne(keys: readonly string[], what: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length === 1) return;
    ctx.addIssue({
      code: 'custom',
      message:
        present.length === 0
          ? `${what} needs one of: ${keys.join(', ')}`
          : `${what} takes one of ${keys.join(', ')}, not ${present.join(' and ')}`,
    });
  };
}

type Spec = { partner: { key: string; schema: z.ZodType } };
/** The shape of one section per spec, each optional, typed by its spec's key and schema. */
type Sections<T extends readonly Spec[]> = {
  [S in T[number] as S['partner']['key']]: z.ZodOptional<S['partner']['schema']>;
};
const sections = <T extends readonly Spec[]>(specs: T): Sections<T> =>
  Object.fromEntries(specs.map((s) => [s.partner.key, s.partner.schema.optional()])) as Sections<T>;

type InboundSpecs = (typeof inboundSpecs)[number];
const pollSpecs = inboundSpecs.filter((s): s is Extract<InboundSpecs, { place: 'poll' }> => s.place === 'poll');
const ownSpecs = inboundSpecs.filter((s): s is Extract<InboundSpecs, { place: 'inbound' }> => s.place === 'inbound');
const pollKeys = pollSpecs.map((s) => s.partner.key);
const endpointKinds = outboundSpecs.map((s) => s.kind);

/** A poll entry: one of the pollers' sections (`sftp`, `ftp`). */
const pollEntry = z.strictObject(sections(pollSpecs)).superRefine(exactlyOne(pollKeys, 'a poll entry'));

const inbound = z.strictObject({
  /** Our own transports per partner (`file`), and how the partner uses our listeners (`as2`, `sftp`). */
  ...sections(ownSpecs),
  ...sections(listeners),
  /** We fetch from their server. */
  poll: z.array(pollEntry).optional(),
});

const acks = z.strictObject({
  x12: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.enum(['997', '999', 'none'])).optional(),
  ta1: z.enum(['always', 'on-error', 'never']).optional(),
  edifact: z.enum(['CONTRL', 'none']).optional(),
  /** An acknowledgement of what we send is expected back within this time; absent: none expected. */
  expectWithin: duration.optional(),
  /** The endpoint acknowledgements are sent to. */
  to: endpointName.optional(),
  /** At most this many segments at fault are detailed per transaction set (AK3/IK3, UCS); default 100. */
  detail: z.number().int().min(0).max(999_999).optional(),
});

const route = z.strictObject({
  /** Every given field must equal the transaction's; an empty or absent match takes everything. */
  match: z
    .strictObject({
      standard: z.enum(['x12', 'edifact']).optional(),
      version: quotedText('004010').min(1).optional(),
      type: txType.optional(),
      test: z.boolean().optional(),
    })
    .optional(),
  /** A JSONata file under the partners folder; absent: the input itself is delivered. */
  map: path.optional(),
  /** What the map (or, without one, the output) starts from: the transaction's loop tree or its canonical business document. */
  input: z.enum(['tree', 'canonical']).default('tree'),
  /**
   * How the document is written: JSON; X12 or EDIFACT from the canonical document (the map's output,
   * or the transaction's own) in the receiving partner's envelope; or `raw`, the interchange as received.
   */
  format: z.enum(['json', 'x12', 'edifact', 'raw']).default('json'),
  /**
   * X12 or EDIFACT out: a segment or element of the source that the written document has no
   * counterpart for is always recorded (a warning event, EDIGW_TRANSLATION_LOSS); with `strict` the
   * document is dead-lettered with that located list instead of sent.
   */
  strict: z.boolean().default(false),
  /** The partner whose endpoint `to` names (another partner's file); default: this partner. */
  partner: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'a partner id')
    .optional(),
  to: endpointName,
});

/** An endpoint: one of the senders' sections (`http`, `as2`, `sftp`, `ftp`, `file`). */
const endpoint = z.strictObject(sections(outboundSpecs)).superRefine(exactlyOne(endpointKinds, 'an endpoint'));

const outbound = z.strictObject({
  x12: z
    .strictObject({
      version: quotedText('004010')
        .regex(/^\d{6}[A-Z0-9]*$/, 'a GS08 version like 004010 or 005010X222A1')
        .optional(),
      isa: z
        .strictObject({
          authorization: quotedText('00')
            .regex(/^\d\d$/, 'an ISA01 qualifier like 00')
            .default('00'),
          security: quotedText('00')
            .regex(/^\d\d$/, 'an ISA03 qualifier like 00')
            .default('00'),
          test: z.boolean().default(false),
          ackRequested: z.boolean().default(false),
        })
        .optional(),
      /**
       * X12 cannot escape a delimiter inside data. Characters listed here (in order of preference) may
       * replace one of ours that the data holds; without them such a document is refused.
       */
      delimiters: z
        .strictObject({
          alternatives: z
            .string()
            .regex(/^[^A-Za-z0-9 ]+$/, 'delimiter characters: no letters, digits or spaces, e.g. "|!^"'),
        })
        .optional(),
    })
    .optional(),
  edifact: z
    .strictObject({
      /** Pins the UNB syntax identifier; absent: the lowest of UNOA, UNOB, UNOC, UNOW that carries the text. */
      syntax: z
        .string()
        .regex(/^UNO[A-Z]:[1-4]$/, 'a UNB syntax identifier like UNOC:3')
        .optional(),
      /** Text the pinned syntax cannot carry is written with its nearest letters (é → e) instead of refused. */
      transliterate: z.boolean().default(false),
      /** The UNH directory of messages made from canonical documents (absent: D96A). */
      directory: z.enum(['D96A', 'D01B']).optional(),
      una: z.boolean().default(true),
    })
    .optional(),
});

/** The schema of a partner file's content, with the checks that need nothing but the file itself. */
export const partnerFields = z.strictObject({
  id: z
    .string({
      error: (iss) =>
        iss.input === undefined ? 'required: the partner id, equal to the file name without .yaml' : undefined,
    })
    .max(64)
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and -, starting with a letter or digit'),
  name: text.optional(),
  identifiers,
  certificates: certificates.optional(),
  inbound: inbound.optional(),
  acks: acks.optional(),
  duplicates: z.strictObject({ interchange: z.enum(['reject', 'accept', 'warn']).default('reject') }).optional(),
  /** Report column name → the tree field shown and searched, as SEGMENT.ELEMENT (`BEG.BEG03`). */
  tracking: z.record(z.string(), z.string()).optional(),
  routes: z.array(route).optional(),
  endpoints: z.record(z.string(), endpoint).optional(),
  outbound: outbound.optional(),
  /** Nothing received from the partner for this long raises a `silent` alert (gateway.yaml alerts). */
  silentAfter: duration.optional(),
});

export type Partner = z.output<typeof partnerFields>;
export type Endpoint = NonNullable<Partner['endpoints']>[string];
export type EndpointKind = OutboundKind;

/** The kind of an endpoint (`http`, `as2`, …): exactly one key is present. */
export function endpointKind(e: Endpoint): EndpointKind {
  return endpointKinds.find((k) => (e as Record<string, unknown>)[k] !== undefined) as EndpointKind;
}

/** One of the partner's own inbound transports (its watched folder, each polled server), with its section. */
export interface InboundTransport {
  spec: InboundSpec;
  section: unknown;
  /** Where the section is in the partner file. */
  path: (string | number)[];
}

export function inboundTransports(p: Partner): InboundTransport[] {
  const out: InboundTransport[] = [];
  const own = (p.inbound ?? {}) as Record<string, unknown>;
  for (const spec of ownSpecs) {
    const key = spec.partner.key;
    if (own[key] !== undefined) out.push({ spec, section: own[key], path: ['inbound', key] });
  }
  (p.inbound?.poll ?? []).forEach((entry, i) => {
    for (const spec of pollSpecs) {
      const key = spec.partner.key;
      const section = (entry as Record<string, unknown>)[key];
      if (section !== undefined) out.push({ spec, section, path: ['inbound', 'poll', i, key] });
    }
  });
  return out;
}

/** Where a partner file's paths point and what the file is called. */
export interface PartnerContext {
  /** The folder of gateway.yaml: certificate, key and folder paths are relative to it. */
  base: string;
  /** The partners folder: route maps are relative to it and must stay inside it. */
  partnersDir: string;
  /** Folders the gateway fills itself on first start (our keys: certs/our): files there need not exist yet. */
  generated?: string[];
  /** The file name without .yaml: the id must equal it. */
  fileId?: string;
}

// The checks below run even when other parts of the file are broken (so that every problem is
// reported at once), hence they read the value as unknown.
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

type Issue = { path: (string | number)[]; message: string };

/** The cross-field checks of one file that need no file system. */
function fileChecks(p: Obj, ctx: PartnerContext | undefined): Issue[] {
  const issues: Issue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });

  const id = str(p.id);
  if (ctx?.fileId !== undefined && id !== undefined && id !== ctx.fileId) {
    add(['id'], `the id "${id}" must equal the file name without .yaml ("${ctx.fileId}")`);
  }

  const ids = obj(p.identifiers);
  if (isObj(p.identifiers) && list(ids.x12).length === 0 && list(ids.edifact).length === 0 && ids.as2 === undefined) {
    add(['identifiers'], 'at least one identifier: x12, edifact or as2');
  }

  const endpoints = obj(p.endpoints);
  const names = Object.keys(endpoints);
  const known = names.length ? `endpoints here: ${names.join(', ')}` : 'this file has no endpoints';
  const mustName = (path: (string | number)[], name: unknown) => {
    if (typeof name === 'string' && !Object.hasOwn(endpoints, name)) add(path, `no endpoint "${name}" (${known})`);
  };
  for (const name of names) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name))
      add(['endpoints', name], `endpoint name "${name}": letters, digits, - and _ only`);
  }

  const acksV = obj(p.acks);
  mustName(['acks', 'to'], acksV.to);
  const sends =
    (acksV.x12 !== undefined && String(acksV.x12) !== 'none') ||
    (acksV.edifact !== undefined && acksV.edifact !== 'none') ||
    (acksV.ta1 !== undefined && acksV.ta1 !== 'never');
  if (isObj(p.acks) && sends && acksV.to === undefined)
    add(['acks'], 'acknowledgements are sent: name the endpoint in acks.to');

  list(p.routes).forEach((r, i) => {
    const rv = obj(r);
    if (rv.partner === undefined || rv.partner === id) mustName(['routes', i, 'to'], rv.to);
    const map = str(rv.map);
    if (map !== undefined && (isAbsolute(map) || normalize(map).split(/[\\/]/)[0] === '..')) {
      add(
        ['routes', i, 'map'],
        `a map is a path under the partners folder, like ${id ?? 'acme'}/maps/850-to-order.jsonata`,
      );
    }
  });

  for (const [name, value] of Object.entries(obj(p.tracking))) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
      add(['tracking', name], `tracking name "${name}": letters, digits and _, starting with a letter`);
    const m = typeof value === 'string' ? /^([A-Z][A-Z0-9]{1,2})\.([A-Z][A-Z0-9]{1,2})(\d{2})$/.exec(value) : null;
    if (typeof value === 'string' && (!m || m[1] !== m[2]))
      add(['tracking', name], `"${value}" is not SEGMENT.ELEMENT, like BEG.BEG03 or BGM.BGM02`);
  }

  for (const t of transportSections(p)) {
    for (const i of t.rules.check?.(t.section, p) ?? []) add([...t.path, ...i.path], i.message);
  }
  return issues;
}

/** Every transport section of a raw partner file: where it is, and the rules of the transport that owns it. */
function transportSections(p: Obj): { path: (string | number)[]; section: Obj; rules: PartnerSection }[] {
  const out: { path: (string | number)[]; section: Obj; rules: PartnerSection }[] = [];
  const at = (path: (string | number)[], v: unknown, rules: PartnerSection) => {
    if (isObj(v)) out.push({ path, section: v, rules });
  };
  const inb = obj(p.inbound);
  for (const spec of [...ownSpecs, ...listeners])
    at(['inbound', spec.partner.key], inb[spec.partner.key], spec.partner);
  list(inb.poll).forEach((e, i) => {
    for (const spec of pollSpecs) at(['inbound', 'poll', i, spec.partner.key], obj(e)[spec.partner.key], spec.partner);
  });
  for (const [name, e] of Object.entries(obj(p.endpoints))) {
    for (const spec of outboundSpecs) at(['endpoints', name, spec.kind], obj(e)[spec.kind], spec.partner);
  }
  return out;
}

/** Every certificate or key file a partner file names, located from the file's root. */
export function keyFiles(p: Obj): NamedFile[] {
  return [
    ...as2CertificateFiles(p),
    ...transportSections(p).flatMap((t) =>
      (t.rules.files?.(t.section) ?? []).map((f) => ({ ...f, path: [...t.path, ...f.path] })),
    ),
  ];
}

const isFile = (f: string) => existsSync(f) && statSync(f).isFile();

/** Why reading a file failed, in one line: the innermost cause says most (an openssl or ssh2 message). */
export function reasonOf(e: unknown): string {
  type Err = { message?: unknown; cause?: unknown };
  let inner = e as Err | null | undefined;
  while (inner && typeof inner === 'object' && inner.cause !== undefined) inner = inner.cause as Err;
  const message =
    inner && typeof inner === 'object' && typeof inner.message === 'string' ? inner.message : String(inner);
  return message.split('\n')[0];
}

/** True when `file` lies inside one of `dirs`. */
export function under(file: string, dirs: readonly string[]): boolean {
  return dirs.some((d) => {
    const dir = resolve(d);
    return file === dir || file.startsWith(dir.endsWith(sep) ? dir : dir + sep);
  });
}

/** The checks that look at the file system: certificates, keys and maps exist. */
function fileSystemChecks(p: Obj, ctx: PartnerContext): Issue[] {
  const issues: Issue[] = [];
  for (const k of keyFiles(p)) {
    const full = resolve(ctx.base, k.file);
    if (under(full, ctx.generated ?? [])) continue;
    if (!isFile(full)) {
      issues.push({
        path: k.path,
        message: `no such file: ${k.file} (paths are relative to the folder of gateway.yaml, ${ctx.base})`,
      });
      continue;
    }
    // Read as the transport will read it: a file that exists but cannot be used is as broken as a missing one.
    try {
      k.read(readFileSync(full));
    } catch (e) {
      issues.push({ path: k.path, message: `${k.file} cannot be used as ${k.what}: ${reasonOf(e)}` });
    }
  }
  list(p.routes).forEach((r, i) => {
    const map = str(obj(r).map);
    if (map === undefined || isAbsolute(map)) return;
    const full = resolve(ctx.partnersDir, map);
    if (under(full, [ctx.partnersDir]) && !isFile(full)) {
      issues.push({
        path: ['routes', i, 'map'],
        message: `no such file: ${map} (maps are relative to the partners folder, ${ctx.partnersDir})`,
      });
    }
  });
  return issues;
}

/**
 * The schema a partner file is validated with: its fields, the cross-field checks and, given a
 * context, the file name and the existence of the files it names. The cross-field checks run even
 * when another part of the file is broken, so one run reports every problem.
 */
export function partnerSchema(ctx?: PartnerContext) {
  return partnerFields.superRefine(
    (value, rctx) => {
      if (!isObj(value)) return;
      const issues = [...fileChecks(value, ctx), ...(ctx ? fileSystemChecks(value, ctx) : [])];
      for (const i of issues) rctx.addIssue({ code: 'custom', path: i.path, message: i.message });
    },
    { when: () => true },
  );
}

// ---- redaction ----

const SECRET_HEADER = /authorization|cookie|token|secret|password|api[-_]?key/i;

function metaOf(schema: z.ZodType): Record<string, unknown> | undefined {
  return z.globalRegistry.get(schema) as Record<string, unknown> | undefined;
}

/** Walks a value with the schema it was parsed by, replacing what the schema marks as secret. */
function redactWith(schema: z.ZodType, value: unknown): unknown {
  const meta = metaOf(schema);
  if (meta?.secret === true) return value === undefined ? value : '***';
  if (meta?.secret === 'url' && typeof value === 'string') return redactUrl(value);
  if (meta?.secret === 'credential-headers' && isObj(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_HEADER.test(k) ? '***' : v]));
  }
  if (value === undefined || value === null) return value;
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault
  ) {
    return redactWith(schema.unwrap() as z.ZodType, value);
  }
  if (schema instanceof z.ZodPipe) return redactWith(schema.out as z.ZodType, value);
  if (schema instanceof z.ZodObject && isObj(value)) {
    const shape = schema.shape as Record<string, z.ZodType>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape[k] ? redactWith(shape[k], v) : v]));
  }
  if (schema instanceof z.ZodArray && Array.isArray(value))
    return value.map((v) => redactWith(schema.element as z.ZodType, v));
  if (schema instanceof z.ZodRecord && isObj(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactWith(schema.valueType as z.ZodType, v)]));
  }
  if (schema instanceof z.ZodUnion) {
    // An object takes the options that declare all its keys; a scalar, every option.
    const options = (schema.options as z.ZodType[]).filter(
      (o) => !isObj(value) || (o instanceof z.ZodObject && Object.keys(value).every((k) => k in o.shape)),
    );
    return options.reduce<unknown>((v, o) => redactWith(o, v), value);
  }
  return value;
}

/**
 * A copy of a partner with every secret the schema marks (passwords, password hashes, tokens,
 * credential headers, a password inside a URL) replaced by `***`: for logs, reports and the admin API.
 */
export function redactPartner<T extends Partner>(p: T): T {
  return redactWith(partnerFields, p) as T;
}
