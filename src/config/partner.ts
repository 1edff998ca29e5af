import { existsSync, statSync } from 'node:fs';
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { z } from 'zod';
import { redactUrl } from '../redact-url';
import { duration } from './units';

/*
 * A partner file (partners/<id>.yaml), exactly as DESIGN.md's contract shows it. Every key is
 * optional except `id` and at least one identifier; unknown keys are errors. Paths to certificates,
 * keys and folders are relative to the folder of gateway.yaml (as `certs/acme/as2.pem` is); route
 * maps are relative to the partners folder. docs/partners.md is the guide for operations staff.
 */

/** Values that logs, reports and the admin API must never show: `redactPartner` replaces them. */
const secret = <T extends z.ZodType>(schema: T, description: string): T => schema.meta({ secret: true, description });

/**
 * Text that YAML would read as a number if left unquoted (`004010` becomes 4010): asks for quotes
 * instead of reporting "expected string".
 */
const code = (example: string) =>
  z.string({
    error: (iss) =>
      iss.input === undefined
        ? undefined
        : `write it as text in quotes, like '${example}' (unquoted, YAML reads a number and drops leading zeros)`,
  });

/** A transaction type such as 850 may be written unquoted: it has no leading zeros to lose. */
const txType = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1).max(6));

const port = z.number().int().min(1).max(65535);
const text = z.string().min(1);
const path = z.string().min(1);
const endpointName = z.string().min(1);
const every = z
  .custom((v) => v !== undefined, 'required: how often to poll, like 5m')
  .pipe(duration)
  .refine((ms) => ms >= 1000, 'at least 1s');

const x12Party = z.strictObject({
  /** ISA05 / ISA07. */
  qualifier: code('ZZ').length(2, 'an X12 qualifier has 2 characters (ISA05/ISA07), like ZZ or 01'),
  /** ISA06 / ISA08, without the padding. */
  id: text.max(15, 'an X12 interchange id has at most 15 characters (ISA06/ISA08)'),
});

const edifactParty = z.strictObject({
  /** UNB 0007; absent: the id alone identifies the partner, whatever qualifier the UNB carries. */
  qualifier: code('14').min(1).max(4).optional(),
  /** UNB 0004 / 0010. */
  id: code('5412345000013').min(1).max(35),
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

const afterRead = z.enum(['move', 'delete', 'leave']);

/** How we reach a partner's SFTP server, to poll it or to deliver to it. */
const sftpServer = {
  host: text,
  port: port.default(22),
  user: text,
  /** Our private key to log in with. */
  key: path.optional(),
  password: secret(text, 'password to log in to their server').optional(),
  /** Their server's public host key (a known_hosts line or a public key file): always checked. */
  hostKey: path,
  dir: text,
};

const ftpSecure = z.enum(['explicit', 'implicit', 'none']);

/** How we reach a partner's FTP server, to poll it or to deliver to it. */
const ftpServer = {
  host: text,
  port: port.default(21),
  user: text,
  password: secret(text, 'FTP password'),
  secure: ftpSecure.default('explicit'),
  /** For FTPS: the CA certificate (PEM) their server's certificate must chain to, when it is not a public one (a private CA, or their self-signed certificate). */
  ca: path.optional(),
  dir: text,
};

/** What a poller adds to the connection: which files, what to do with them, how often. */
const polling = {
  pattern: text.default('*'),
  afterRead,
  /** Where `afterRead: move` puts a file once it is stored; default `<dir>/processed`. */
  moveTo: text.optional(),
  every,
  /**
   * A file must have been seen unchanged this long (our clock) to be taken: it may still be being
   * written. The default (30 s) is the poller's own (pollingFields in remote-poller.ts).
   */
  minAge: duration.optional(),
};

const sftpPoll = z.strictObject({ ...sftpServer, ...polling });
const ftpPoll = z.strictObject({ ...ftpServer, ...polling });

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

const pollEntry = z
  .strictObject({ sftp: sftpPoll.optional(), ftp: ftpPoll.optional() })
  .superRefine(exactlyOne(['sftp', 'ftp'], 'a poll entry'));

const inbound = z.strictObject({
  /** Files dropped in this folder are taken in (local systems, tests). */
  file: z
    .strictObject({
      dir: path,
      pattern: text.optional(),
      /** How often the folder is looked at (default 1s). */
      every: duration.optional(),
      /** A file must be unchanged and at least this old to be taken (default 1s): it may still be being written. */
      minAge: duration.optional(),
      /** What happens to a file once it is stored: moved to `moveTo` (default `<dir>/processed`) or deleted. */
      afterRead: z.enum(['move', 'delete']).optional(),
      moveTo: path.optional(),
    })
    .optional(),
  as2: z
    .strictObject({
      signed: z.enum(['required', 'optional', 'none']).default('required'),
      encrypted: z.enum(['required', 'optional', 'none']).default('required'),
    })
    .optional(),
  /** Hosted SFTP: they log in to our server and put files in their inbox. */
  sftp: z
    .strictObject({
      user: text,
      publicKeys: z.array(path).optional(),
      password: secret(
        z.string().regex(/^\$[a-z0-9-]+\$/, 'a password hash such as $scrypt$…, never the password itself'),
        'hash of the hosted SFTP password',
      ).optional(),
    })
    .optional(),
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
      version: code('004010').min(1).optional(),
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
  /** The partner whose endpoint `to` names (another partner's file); default: this partner. */
  partner: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'a partner id')
    .optional(),
  to: endpointName,
});

const http = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).meta({ secret: 'url' }),
  method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
  /** Values of Authorization, Cookie and other credential-like headers are redacted. */
  headers: z.record(z.string().min(1), z.string()).meta({ secret: 'credential-headers' }).optional(),
  token: secret(text, 'bearer token sent as Authorization: Bearer …').optional(),
});

/** CMS compression (RFC 5402): `true` is `before-signing`, what most AS2 products send. */
const as2Compression = z.union([z.boolean(), z.enum(['before-signing', 'after-signing'])], {
  error: 'false, true, before-signing or after-signing',
});

const as2Endpoint = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).meta({ secret: 'url' }),
  sign: z.enum(['sha256', 'sha384', 'sha512', 'sha1', 'none']).default('sha256'),
  encrypt: z
    .enum(['aes128-cbc', 'aes192-cbc', 'aes256-cbc', 'aes128-gcm', 'aes256-gcm', 'des-ede3-cbc', 'none'])
    .default('aes256-cbc'),
  /**
   * How the content key is encrypted for them: RSAES-PKCS1-v1_5 is what openssl and most AS2 products
   * read; RSAES-OAEP (SHA-1, as `openssl cms -keyopt rsa_padding_mode:oaep` writes it) for receivers
   * that take nothing else (WebCrypto-based ones).
   */
  keyTransport: z.enum(['rsaes-pkcs1-v1_5', 'rsaes-oaep']).default('rsaes-pkcs1-v1_5'),
  /** After signing, the MIC is still over the signed (uncompressed) content; without a signature the two are the same. */
  compress: as2Compression.default(false),
  mdn: z
    .strictObject({
      mode: z.enum(['sync', 'async', 'none']).default('sync'),
      signed: z.boolean().default(true),
    })
    .prefault({}),
});

const sftpEndpoint = z.strictObject(sftpServer);

const ftpEndpoint = z.strictObject(ftpServer);

const endpointKinds = ['http', 'as2', 'sftp', 'ftp', 'file'] as const;

const endpoint = z
  .strictObject({
    http: http.optional(),
    as2: as2Endpoint.optional(),
    sftp: sftpEndpoint.optional(),
    ftp: ftpEndpoint.optional(),
    /** Written under a temporary name, then renamed. */
    file: z.strictObject({ dir: path }).optional(),
  })
  .superRefine(exactlyOne(endpointKinds, 'an endpoint'));

const outbound = z.strictObject({
  x12: z
    .strictObject({
      version: code('004010')
        .regex(/^\d{6}[A-Z0-9]*$/, 'a GS08 version like 004010 or 005010X222A1')
        .optional(),
      isa: z
        .strictObject({
          authorization: code('00')
            .regex(/^\d\d$/, 'an ISA01 qualifier like 00')
            .default('00'),
          security: code('00')
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
});

export type Partner = z.output<typeof partnerFields>;
export type Endpoint = NonNullable<Partner['endpoints']>[string];
export type EndpointKind = (typeof endpointKinds)[number];

/** The kind of an endpoint (`http`, `as2`, …): exactly one key is present. */
export function endpointKind(e: Endpoint): EndpointKind {
  return endpointKinds.find((k) => e[k] !== undefined) as EndpointKind;
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
// eslint-disable-next-line complexity -- one check per cross-field rule of a partner file, each reported at once with its key path
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

  const certs = obj(p.certificates);
  const as2Id = ids.as2;
  const haveCert = certs.as2 !== undefined;
  const inAs2 = obj(obj(p.inbound).as2);
  if (isObj(obj(p.inbound).as2)) {
    if (as2Id === undefined) add(['inbound', 'as2'], 'receiving AS2 needs identifiers.as2 (the AS2-From they send)');
    if ((inAs2.signed ?? 'required') !== 'none' && !haveCert)
      add(
        ['inbound', 'as2', 'signed'],
        'verifying their signature needs their certificate in certificates.as2 (or signed: none)',
      );
  }
  const hosted = obj(obj(p.inbound).sftp);
  if (isObj(obj(p.inbound).sftp) && list(hosted.publicKeys).length === 0 && hosted.password === undefined) {
    add(['inbound', 'sftp'], 'hosted SFTP needs publicKeys or a password hash to log in with');
  }
  list(obj(p.inbound).poll).forEach((e, i) => {
    const s = obj(obj(e).sftp);
    if (isObj(obj(e).sftp) && s.key === undefined && s.password === undefined)
      add(['inbound', 'poll', i, 'sftp'], 'logging in needs key or password');
  });

  for (const [name, e] of Object.entries(endpoints)) {
    const as2 = obj(obj(e).as2);
    if (isObj(obj(e).as2)) {
      if (as2Id === undefined)
        add(['endpoints', name, 'as2'], 'sending AS2 needs identifiers.as2 (the AS2-To we address)');
      if ((as2.encrypt ?? 'aes256-cbc') !== 'none' && !haveCert)
        add(['endpoints', name, 'as2'], 'encrypting needs their certificate in certificates.as2 (or encrypt: none)');
      if ((obj(as2.mdn).signed ?? true) === true && obj(as2.mdn).mode !== 'none' && !haveCert) {
        add(
          ['endpoints', name, 'as2', 'mdn'],
          'a signed MDN is verified with their certificate in certificates.as2 (or mdn: { signed: false })',
        );
      }
    }
    const s = obj(obj(e).sftp);
    if (isObj(obj(e).sftp) && s.key === undefined && s.password === undefined)
      add(['endpoints', name, 'sftp'], 'logging in needs key or password');
  }
  return issues;
}

/** Every path of a partner file that names a certificate or key file, with where it is. */
function keyFiles(p: Obj): { path: (string | number)[]; file: string }[] {
  const out: { path: (string | number)[]; file: string }[] = [];
  const at = (path: (string | number)[], v: unknown) => {
    if (typeof v === 'string') out.push({ path, file: v });
  };
  const cert = obj(p.certificates).as2;
  if (Array.isArray(cert)) cert.forEach((c, i) => at(['certificates', 'as2', i], c));
  else at(['certificates', 'as2'], cert);
  const inb = obj(p.inbound);
  list(obj(inb.sftp).publicKeys).forEach((k, i) => at(['inbound', 'sftp', 'publicKeys', i], k));
  list(inb.poll).forEach((e, i) => {
    const s = obj(obj(e).sftp);
    at(['inbound', 'poll', i, 'sftp', 'key'], s.key);
    at(['inbound', 'poll', i, 'sftp', 'hostKey'], s.hostKey);
    at(['inbound', 'poll', i, 'ftp', 'ca'], obj(obj(e).ftp).ca);
  });
  for (const [name, e] of Object.entries(obj(p.endpoints))) {
    const s = obj(obj(e).sftp);
    at(['endpoints', name, 'sftp', 'key'], s.key);
    at(['endpoints', name, 'sftp', 'hostKey'], s.hostKey);
    at(['endpoints', name, 'ftp', 'ca'], obj(obj(e).ftp).ca);
  }
  return out;
}

const isFile = (f: string) => existsSync(f) && statSync(f).isFile();

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
    if (!isFile(full))
      issues.push({
        path: k.path,
        message: `no such file: ${k.file} (paths are relative to the folder of gateway.yaml, ${ctx.base})`,
      });
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
