/**
 * MIME (RFC 2045/2046/1847) for AS2, byte-exact: signatures and MICs are computed over the bytes of
 * an entity exactly as they travelled, so nothing here re-serializes what it parsed. Headers are read
 * case-insensitively and unfolded; bodies stay Buffers. LF-only input is read (some senders and
 * editors produce it); what we write is CRLF.
 */
import { randomUUID } from 'node:crypto';

/** The bytes are not a MIME entity of the kind expected; callers turn it into their own error code. */
export class MimeError extends Error {
  override readonly name = 'MimeError';
}

export interface HeaderField {
  /** As written (case kept); compare with lowercase. */
  name: string;
  /** Unfolded, outer whitespace trimmed. */
  value: string;
}

export class MimeHeaders {
  constructor(readonly fields: readonly HeaderField[]) {}

  get(name: string): string | undefined {
    const n = name.toLowerCase();
    return this.fields.find((f) => f.name.toLowerCase() === n)?.value;
  }

  getAll(name: string): string[] {
    const n = name.toLowerCase();
    return this.fields.filter((f) => f.name.toLowerCase() === n).map((f) => f.value);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

export interface MimeEntity {
  /** The whole entity exactly as given. */
  readonly raw: Buffer;
  readonly headers: MimeHeaders;
  /** The header lines and the empty line that ends them, as given. */
  readonly headerBytes: Buffer;
  /** What follows the empty line, still in its Content-Transfer-Encoding. */
  readonly body: Buffer;
}

const CR = 0x0d;
const LF = 0x0a;
const FIELD_NAME = /^[!-9;-~]+$/;

/** Where the header block ends: the index just past the empty line, and where the empty line starts. */
function headerEnd(raw: Buffer): { headerLength: number; bodyStart: number } | undefined {
  if (raw[0] === LF) return { headerLength: 0, bodyStart: 1 };
  if (raw[0] === CR && raw[1] === LF) return { headerLength: 0, bodyStart: 2 };
  for (let i = raw.indexOf(LF); i >= 0 && i < raw.length; i = raw.indexOf(LF, i + 1)) {
    if (raw[i + 1] === LF) return { headerLength: i + 1, bodyStart: i + 2 };
    if (raw[i + 1] === CR && raw[i + 2] === LF) return { headerLength: i + 1, bodyStart: i + 3 };
  }
  return undefined;
}

export function parseHeaderBlock(text: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (!fields.length) throw new MimeError('a folded header line comes before any header');
      fields[fields.length - 1].value += line;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trimEnd() : '';
    if (!FIELD_NAME.test(name)) throw new MimeError(`not a header line: ${JSON.stringify(line.slice(0, 40))}`);
    fields.push({ name, value: line.slice(colon + 1) });
  }
  for (const f of fields) f.value = f.value.trim();
  return fields;
}

/**
 * Splits an entity into headers and body. An entity with no empty line is all headers. Header lines
 * must look like headers: decrypted garbage (a wrong key that passed CBC padding) is refused here.
 */
export function parseEntity(raw: Buffer): MimeEntity {
  const end = headerEnd(raw);
  const headerLength = end ? end.headerLength : raw.length;
  const bodyStart = end ? end.bodyStart : raw.length;
  const headers = new MimeHeaders(parseHeaderBlock(raw.subarray(0, headerLength).toString('latin1')));
  if (!headers.fields.length && headerLength > 0) throw new MimeError('no headers');
  return { raw, headers, headerBytes: raw.subarray(0, bodyStart), body: raw.subarray(bodyStart) };
}

export interface ParsedHeaderValue {
  /** The part before the first `;`, lowercased (`multipart/signed`). */
  value: string;
  /** Parameter names lowercased; values unquoted (RFC 2045) and RFC 2231-decoded. */
  params: Map<string, string>;
}

/** Content-Type / Content-Disposition style values: `type; name=value; name="quoted \" value"`. */
export function parseHeaderValue(input: string): ParsedHeaderValue {
  const params = new Map<string, string>();
  let i = input.indexOf(';');
  const value = (i < 0 ? input : input.slice(0, i)).trim().toLowerCase();
  while (i >= 0 && i < input.length) {
    i++;
    while (i < input.length && /[\s;]/.test(input[i])) i++;
    const eq = input.indexOf('=', i);
    if (eq < 0) break;
    const name = input.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < input.length && /\s/.test(input[i])) i++;
    let v = '';
    if (input[i] === '"') {
      i++;
      while (i < input.length && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        v += input[i++];
      }
      i = input.indexOf(';', i);
    } else {
      const semi = input.indexOf(';', i);
      v = (semi < 0 ? input.slice(i) : input.slice(i, semi)).trim();
      i = semi;
    }
    if (/^[^*]+\*$/.test(name)) {
      // RFC 2231 extended value (not continued): charset'language'percent-encoded
      const m = /^([^']*)'[^']*'(.*)$/.exec(v);
      if (m) {
        const bytes = Buffer.from(
          m[2].replace(/%([0-9a-fA-F]{2})/g, (_s, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        );
        params.set(name.slice(0, -1), /^utf-?8$/i.test(m[1]) ? bytes.toString('utf8') : bytes.toString('latin1'));
        continue;
      }
    }
    if (name && !params.has(name)) params.set(name, v);
  }
  return { value, params };
}

const TSPECIALS = /[()<>@,;:\\"/[\]?=\s]/;

/** A quoted-string (RFC 2045 §5.1, RFC 5322 §3.2.4). */
export function quoteString(v: string): string {
  return `"${v.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Formats `value; name=param`, quoting parameters that need it. File names are always quoted: some
 * receivers read `filename=` only in its quoted form.
 */
export function formatHeaderValue(value: string, params: Record<string, string | undefined> = {}): string {
  let out = value;
  for (const [name, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const quote = v === '' || TSPECIALS.test(v) || name === 'filename' || name === 'name';
    out += `; ${name}=${quote ? quoteString(v) : v}`;
  }
  return out;
}

export function contentType(entity: MimeEntity): ParsedHeaderValue {
  // RFC 2045 §5.2: no Content-Type means text/plain; us-ascii.
  return parseHeaderValue(entity.headers.get('content-type') ?? 'text/plain');
}

export interface MultipartBody {
  preamble: Buffer;
  /** Each part exactly: headers and content, without the line break that precedes the next delimiter. */
  parts: Buffer[];
  epilogue: Buffer;
  /** False when the close delimiter (--boundary--) never came: a truncated body. */
  closed: boolean;
}

/**
 * Splits a multipart body. A delimiter is `--boundary` at the start of a line, followed by `--` (the
 * close delimiter) or optional whitespace and a line break. The line break before a delimiter belongs
 * to the delimiter (RFC 2046 §5.1.1), not to the part: that is what makes the signed bytes of a
 * multipart/signed come out exactly as the sender signed them.
 */
export function splitMultipart(body: Buffer, boundary: string): MultipartBody {
  if (!boundary) throw new MimeError('multipart without a boundary');
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const found: { start: number; afterLine: number; close: boolean }[] = [];
  for (let p = body.indexOf(delimiter); p >= 0; p = body.indexOf(delimiter, p + 1)) {
    if (p > 0 && body[p - 1] !== LF) continue;
    let q = p + delimiter.length;
    const close = body[q] === 0x2d && body[q + 1] === 0x2d;
    if (close) q += 2;
    while (body[q] === 0x20 || body[q] === 0x09) q++;
    if (q < body.length && body[q] !== CR && body[q] !== LF) continue; // a longer word that starts like the boundary
    if (body[q] === CR && body[q + 1] === LF) q += 2;
    else if (body[q] === CR || body[q] === LF) q += 1;
    // The CRLF (or LF) before the delimiter is the delimiter's.
    let start = p;
    if (p > 0) start = p >= 2 && body[p - 2] === CR ? p - 2 : p - 1;
    found.push({ start, afterLine: q, close });
    if (close) break;
  }
  if (!found.length) throw new MimeError(`no delimiter --${boundary} in the multipart body`);
  const parts: Buffer[] = [];
  for (let n = 0; n < found.length; n++) {
    if (found[n].close) break;
    const next = found[n + 1];
    parts.push(body.subarray(found[n].afterLine, next ? next.start : body.length));
  }
  const last = found[found.length - 1];
  return {
    preamble: body.subarray(0, found[0].start),
    parts,
    epilogue: last.close ? body.subarray(last.afterLine) : Buffer.alloc(0),
    closed: last.close,
  };
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const out: number[] = [];
  const lines = body.toString('latin1').split(/\r?\n/);
  lines.forEach((line0, n) => {
    const line = line0.replace(/[ \t]+$/, ''); // trailing whitespace was added in transport (RFC 2045 §6.7)
    let soft = false;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c !== 0x3d) {
        out.push(c);
        continue;
      }
      if (i === line.length - 1) {
        soft = true;
        break;
      }
      const hex = line.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
      } else out.push(c);
    }
    if (!soft && n < lines.length - 1) out.push(CR, LF);
  });
  return Buffer.from(out);
}

/** Undoes a Content-Transfer-Encoding. Identity encodings and none return the same bytes. */
export function decodeTransferEncoding(body: Buffer, encoding: string | undefined): Buffer {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === '7bit' || e === '8bit' || e === 'binary') return body;
  // Node's decoder skips line breaks and whitespace and reads the URL-safe alphabet too.
  if (e === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  if (e === 'quoted-printable') return decodeQuotedPrintable(body);
  throw new MimeError(`Content-Transfer-Encoding ${e} is not supported`);
}

/** The entity's content with its transfer encoding undone. */
export function decodedBody(entity: MimeEntity): Buffer {
  return decodeTransferEncoding(entity.body, entity.headers.get('content-transfer-encoding'));
}

export interface SignedEntity {
  /** The first part exactly as signed (headers and content): what the signature and the MIC cover. */
  signedBytes: Buffer;
  content: MimeEntity;
  /** The second part's content, transfer-decoded: DER CMS SignedData. */
  signature: Buffer;
  protocol: string;
  micalg?: string;
}

const SIGNATURE_TYPES = new Set(['application/pkcs7-signature', 'application/x-pkcs7-signature']);

/** Splits a multipart/signed (RFC 1847) into the signed bytes and the signature. */
export function splitSigned(entity: MimeEntity): SignedEntity {
  const ct = contentType(entity);
  if (ct.value !== 'multipart/signed') throw new MimeError(`${ct.value}, not multipart/signed`);
  const { parts } = splitMultipart(entity.body, ct.params.get('boundary') ?? '');
  if (parts.length !== 2) throw new MimeError(`multipart/signed with ${parts.length} parts, not 2`);
  const signaturePart = parseEntity(parts[1]);
  const sigType = contentType(signaturePart).value;
  if (!SIGNATURE_TYPES.has(sigType)) throw new MimeError(`the signature part is ${sigType}`);
  return {
    signedBytes: parts[0],
    content: parseEntity(parts[0]),
    signature: decodedBody(signaturePart),
    protocol: ct.params.get('protocol') ?? sigType,
    micalg: ct.params.get('micalg'),
  };
}

export type HeaderList = readonly (readonly [string, string])[];

/**
 * The entity `buildEntity(headers, body)` would parse to, without copying the body into a new buffer:
 * the HTTP body of an AS2 message is the bulk of it, and only a MIC over an unwrapped message's own
 * bytes ever needs the whole entity as one buffer (`raw`, joined when first read).
 */
export function entityOf(headers: HeaderList, body: Buffer): MimeEntity {
  const head = parseEntity(buildEntity(headers, Buffer.alloc(0)));
  let raw: Buffer | undefined;
  return {
    get raw() {
      return (raw ??= Buffer.concat([head.headerBytes, body]));
    },
    headers: head.headers,
    headerBytes: head.headerBytes,
    body,
  };
}

/** Headers and body as one entity, with CRLF line ends. */
export function buildEntity(headers: HeaderList, body: Buffer): Buffer {
  const head = headers.map(([n, v]) => `${n}: ${v}\r\n`).join('');
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
}

export function newBoundary(): string {
  // A boundary must not occur in the parts, not be secret: randomUUID's buffered pool serves it
  // without a call into OpenSSL for each MDN and message (randomBytes was ~2% of a crypto thread).
  return `----=_edigw_${randomUUID().replace(/-/g, '')}`;
}

/** A multipart body over already-built parts (each a complete entity), closed, CRLF throughout. */
export function buildMultipart(parts: readonly Buffer[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts)
    chunks.push(Buffer.from(`--${boundary}\r\n`, 'latin1'), part, Buffer.from('\r\n', 'latin1'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(chunks);
}

/** Text canonical form (RFC 2049 §4, RFC 5751 §3.1.1): every line break CRLF. */
export function canonicalizeText(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length * 2);
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === LF) {
      out[o++] = CR;
      out[o++] = LF;
    } else if (c === CR) {
      out[o++] = CR;
      out[o++] = LF;
      if (body[i + 1] === LF) i++;
    } else out[o++] = c;
  }
  return out.subarray(0, o);
}

/** Base64 in lines of 76 characters ending CRLF (RFC 2045 §6.8). */
export function base64Lines(data: Buffer): Buffer {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1');
}
