/**
 * AS2 messages (RFC 4130, RFC 5402) in both directions, without HTTP: `receiveMessage` unwraps what a
 * partner POSTed (transfer encoding, encryption, compression before or after signing, signature) into
 * the payload and the MIC its MDN must carry; `buildMessage` does the reverse for sending. Failures are
 * GatewayErrors whose codes name the MDN disposition (see mdn.ts `dispositionFor`).
 */
import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import { GatewayError, type ErrorCode } from '../../errors';
import {
  cmsKind,
  compress,
  type CmsKind,
  decompress,
  decrypt,
  encrypt,
  signDetached,
  verifyDetached,
  type Certificate,
  type ContentCipher,
  type DecompressionLimits,
  type DecryptionKey,
  type DigestAlgorithm,
  type KeyTransport,
  type SignatureScheme,
} from './cms';
import {
  base64Lines,
  buildEntity,
  buildMultipart,
  canonicalizeText,
  contentType as contentTypeOf,
  decodeTransferEncoding,
  decodedBody,
  entityOf,
  formatHeaderValue,
  newBoundary,
  parseEntity,
  parseHeaderValue,
  splitSigned,
  type HeaderList,
  type MimeEntity,
  type SignedEntity,
} from './mime';
import {
  chooseMicAlgorithm,
  computeMic,
  micAlgorithmName,
  micInput,
  parseDispositionNotificationOptions,
  type DispositionNotificationOptions,
  type Mic,
  type MicAlgorithm,
  unsupportedReceiptFormats,
} from './mic';

/** Node's IncomingHttpHeaders fits; names are matched case-insensitively. */
export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export function header(headers: HttpHeaders, name: string): string | undefined {
  const n = name.toLowerCase();
  // Node hands request headers over with their names in lower case: one lookup finds them.
  const direct = headers[n];
  if (direct !== undefined) return typeof direct === 'string' ? direct : direct.join(', ');
  for (const k in headers) {
    const v = headers[k];
    if (k.length !== n.length || v === undefined || k.toLowerCase() !== n) continue;
    return typeof v === 'string' ? v : v.join(', ');
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// AS2 headers

/**
 * An AS2-From / AS2-To value (RFC 4130 §6.2): 1 to 128 printable ASCII characters, quoted when it holds
 * spaces or quotes. Case is kept: AS2 names are compared case-sensitively. Undefined when invalid.
 */
export function parseAs2Name(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let v = value.trim();
  if (v.startsWith('"')) {
    if (v.length < 2 || !v.endsWith('"')) return undefined;
    v = v.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return v.length >= 1 && v.length <= 128 && /^[\x20-\x7e]+$/.test(v) ? v : undefined;
}

export function formatAs2Name(name: string): string {
  return /[ "\\]/.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}"` : name;
}

export interface As2RequestHeaders {
  as2From?: string;
  as2To?: string;
  messageId?: string;
  as2Version?: string;
  subject?: string;
  /** Where an MDN is wanted (present: an MDN is requested). */
  dispositionNotificationTo?: string;
  dispositionNotificationOptions: DispositionNotificationOptions;
  /** An async MDN goes to this URL; absent means a sync MDN. */
  receiptDeliveryOption?: string;
}

export function readAs2Headers(headers: HttpHeaders): As2RequestHeaders {
  return {
    as2From: parseAs2Name(header(headers, 'as2-from')),
    as2To: parseAs2Name(header(headers, 'as2-to')),
    messageId: header(headers, 'message-id')?.trim(),
    as2Version: header(headers, 'as2-version')?.trim(),
    subject: header(headers, 'subject'),
    dispositionNotificationTo: header(headers, 'disposition-notification-to')?.trim(),
    dispositionNotificationOptions: parseDispositionNotificationOptions(
      header(headers, 'disposition-notification-options'),
    ),
    receiptDeliveryOption: header(headers, 'receipt-delivery-option')?.trim() || undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Receiving

export type Requirement = 'required' | 'optional' | 'none';

export interface ReceivePolicy {
  /**
   * required: an unsigned message is refused (insufficient-message-security). optional and none:
   * both are taken, but a signature that is there is always verified; with no partner certificate
   * it cannot be, and the message is refused (authentication-failed).
   */
  signed: Requirement;
  encrypted: Requirement;
  /** The partner's certificates: two during a rollover, either verifies. */
  certificates: readonly Certificate[];
  /** Our keys: two during our own rollover. */
  keys: readonly DecryptionKey[];
  decompression?: Partial<DecompressionLimits>;
}

export type CompressionOrder = 'before-signing' | 'after-signing' | 'unsigned';

export interface ReceivedMessage {
  /** The payload, its transfer encoding undone. */
  payload: Buffer;
  /** The innermost MIME entity: the payload's headers (Content-Type, Content-Disposition). */
  entity: MimeEntity;
  contentType: string;
  fileName?: string;
  /** What goes into the MDN's Received-Content-MIC. */
  mic: Mic;
  signed?: {
    digest: DigestAlgorithm;
    scheme: SignatureScheme;
    certificate: Certificate;
    certificateIndex: number;
    micalg?: string;
    signingTime?: Date;
  };
  encrypted?: { cipher: ContentCipher; keyTransport: KeyTransport };
  compressed?: { order: CompressionOrder };
  /** The Content-Transfer-Encoding of the HTTP body. */
  transferEncoding: string;
  /** The AS2 headers as read here: the caller that builds the MDN needs them too, and need not read them again. */
  as2: As2RequestHeaders;
}

function fail(code: ErrorCode, context: string, cause?: unknown): never {
  throw new GatewayError(code, context, cause === undefined ? undefined : { cause });
}

type Layer = 'enveloped' | 'compressed' | 'signed' | 'payload';

const PKCS7_MIME = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime']);

function layerOf(entity: MimeEntity): Layer {
  const ct = contentTypeOf(entity);
  if (ct.value === 'multipart/signed') return 'signed';
  if (!PKCS7_MIME.has(ct.value)) return 'payload';
  const smime = ct.params.get('smime-type')?.toLowerCase();
  if (smime === 'enveloped-data' || smime === 'authenveloped-data') return 'enveloped';
  if (smime === 'compressed-data') return 'compressed';
  // No or unknown smime-type: the ContentInfo says what it is.
  let kind: CmsKind | undefined;
  try {
    kind = cmsKind(decodedBody(entity));
  } catch (e) {
    fail('EDIGW_AS2_PROCESSING_FAILED', 'reading an application/pkcs7-mime body', e);
  }
  if (kind === 'enveloped-data' || kind === 'auth-enveloped-data') return 'enveloped';
  if (kind === 'compressed-data') return 'compressed';
  fail(
    'EDIGW_AS2_PROCESSING_FAILED',
    `reading an application/pkcs7-mime body: ${kind ?? 'not CMS'} is not supported here`,
  );
}

function reparse(bytes: Buffer, code: ErrorCode, context: string, keepCause = true): MimeEntity {
  try {
    return parseEntity(bytes);
  } catch (e) {
    fail(code, context, keepCause ? e : undefined);
  }
}

function cmsBody(entity: MimeEntity, code: ErrorCode, what: string): Buffer {
  try {
    return decodedBody(entity);
  } catch (e) {
    fail(code, what, e);
  }
}

function fileNameOf(entity: MimeEntity): string | undefined {
  const cd = entity.headers.get('content-disposition');
  const fromDisposition = cd === undefined ? undefined : parseHeaderValue(cd).params.get('filename');
  return fromDisposition ?? contentTypeOf(entity).params.get('name');
}

/**
 * Unwraps a received AS2 message: HTTP Content-Transfer-Encoding, then EnvelopedData, then
 * CompressedData and multipart/signed in whichever order the sender used (compression before or
 * after signing), each at most once, encryption only outermost.
 */
// eslint-disable-next-line complexity -- unwraps each layer AS2 allows, in the orders senders use, each with the disposition its failure is refused with
export function receiveMessage(headers: HttpHeaders, body: Buffer, policy: ReceivePolicy): ReceivedMessage {
  const as2 = readAs2Headers(headers);
  const formats = unsupportedReceiptFormats(as2.dispositionNotificationOptions);
  if (formats) {
    fail(
      'EDIGW_AS2_RECEIPT_FORMAT_UNSUPPORTED',
      `receiving ${as2.messageId ?? 'a message'}: signed-receipt-protocol requires ${formats.join(', ')}`,
    );
  }
  const micChoice = chooseMicAlgorithm(as2.dispositionNotificationOptions);
  if ('unsupported' in micChoice) {
    fail(
      'EDIGW_AS2_MIC_UNSUPPORTED',
      `receiving ${as2.messageId ?? 'a message'}: signed-receipt-micalg asks for ${micChoice.unsupported.join(', ')}`,
    );
  }
  const ct = header(headers, 'content-type');
  if (!ct) fail('EDIGW_AS2_PROCESSING_FAILED', `receiving ${as2.messageId ?? 'a message'}: no Content-Type`);
  const transferEncoding = (header(headers, 'content-transfer-encoding') ?? 'binary').trim().toLowerCase();

  let current: MimeEntity;
  try {
    const decoded = decodeTransferEncoding(body, transferEncoding);
    const travelling: [string, string][] = [['Content-Type', ct]];
    const cd = header(headers, 'content-disposition');
    if (cd) travelling.push(['Content-Disposition', cd]);
    current = entityOf(travelling, decoded);
  } catch (e) {
    fail('EDIGW_AS2_PROCESSING_FAILED', `receiving ${as2.messageId ?? 'a message'}: reading the body`, e);
  }

  let encrypted: ReceivedMessage['encrypted'];
  let compressed: ReceivedMessage['compressed'];
  let signed: ReceivedMessage['signed'];
  let signedBytes: Buffer | undefined;
  let signedDigest: Buffer | undefined;

  if (policy.encrypted === 'required' && layerOf(current) !== 'enveloped') {
    fail(
      'EDIGW_AS2_INSUFFICIENT_SECURITY',
      `receiving ${as2.messageId ?? 'a message'}: it is not encrypted and the partner file requires encryption`,
    );
  }

  for (let depth = 0; ; depth++) {
    const layer = layerOf(current);
    if (layer === 'payload') break;
    if (depth >= 3) fail('EDIGW_AS2_PROCESSING_FAILED', 'unwrapping the message: too many layers');
    if (layer === 'enveloped') {
      if (depth > 0) fail('EDIGW_AS2_PROCESSING_FAILED', 'unwrapping the message: encryption inside another layer');
      const result = decrypt(cmsBody(current, 'EDIGW_AS2_DECRYPTION_FAILED', 'decrypting the message'), policy.keys);
      encrypted = { cipher: result.cipher, keyTransport: result.keyTransport };
      // A wrong key (or a synthetic one, rsa-pkcs1.ts) that happened to pass the CBC padding check
      // yields bytes that are no MIME entity: the same error as any other decryption failure, no cause.
      current = reparse(result.content, 'EDIGW_AS2_DECRYPTION_FAILED', 'decrypting the message', false);
    } else if (layer === 'compressed') {
      if (compressed) fail('EDIGW_AS2_PROCESSING_FAILED', 'unwrapping the message: compressed twice');
      const out = decompress(
        cmsBody(current, 'EDIGW_AS2_DECOMPRESSION_FAILED', 'decompressing the message'),
        policy.decompression,
      );
      compressed = { order: signed ? 'before-signing' : 'unsigned' };
      current = reparse(out, 'EDIGW_AS2_DECOMPRESSION_FAILED', 'decompressing the message');
    } else {
      if (signed) fail('EDIGW_AS2_PROCESSING_FAILED', 'unwrapping the message: signed twice');
      let parts: SignedEntity;
      try {
        parts = splitSigned(current);
      } catch (e) {
        fail('EDIGW_AS2_AUTHENTICATION_FAILED', 'reading the multipart/signed', e);
      }
      const v = verifyDetached(parts.signature, parts.signedBytes, policy.certificates);
      signed = {
        digest: v.digest,
        scheme: v.scheme,
        certificate: v.certificate,
        certificateIndex: v.certificateIndex,
        micalg: parts.micalg,
        signingTime: v.signingTime,
      };
      signedBytes = parts.signedBytes;
      signedDigest = v.contentDigest;
      if (compressed) compressed = { order: 'after-signing' };
      current = parts.content;
    }
  }

  if (policy.signed === 'required' && !signed) {
    fail(
      'EDIGW_AS2_INSUFFICIENT_SECURITY',
      `receiving ${as2.messageId ?? 'a message'}: it is not signed and the partner file requires a signature`,
    );
  }

  let payload: Buffer;
  try {
    payload = decodedBody(current);
  } catch (e) {
    fail('EDIGW_AS2_PROCESSING_FAILED', 'reading the payload', e);
  }
  // Asked for and supported, or else the signature's own digest (RFC 4130 §7.3).
  const choice = chooseMicAlgorithm(as2.dispositionNotificationOptions, signed?.digest ?? 'sha256');
  const algorithm: MicAlgorithm = 'algorithm' in choice ? choice.algorithm : 'sha256';
  // The MIC of a signed message is over the signed bytes, which the signature check has just digested:
  // with the same algorithm (the common case), that digest is the MIC, and a 1 MB payload is hashed once.
  const mic =
    signedDigest && signed?.digest === algorithm
      ? { digest: signedDigest.toString('base64'), algorithm }
      : computeMic(
          micInput({
            signedBytes,
            entity: current.raw,
            headerLength: current.headerBytes.length,
            encrypted: !!encrypted,
            compressed: !!compressed,
          }),
          algorithm,
        );
  return {
    payload,
    entity: current,
    contentType: current.headers.get('content-type') ?? 'text/plain',
    fileName: fileNameOf(current),
    mic,
    signed,
    encrypted,
    compressed,
    transferEncoding,
    as2,
  };
}

// ---------------------------------------------------------------------------------------------
// Sending

export interface SendOptions {
  payload: Buffer;
  /** application/edi-x12, application/edifact, application/xml … */
  contentType: string;
  /** Goes into Content-Disposition (RFC 4130 does not require it; many receivers file by it). */
  fileName?: string;
  /**
   * Turn every line break of the payload into CRLF first (RFC 5751 §3.1.1 canonical text). Off by
   * default: AS2 sends binary, and an EDI payload's bytes are the partner's business.
   */
  canonicalizeText?: boolean;
  as2From: string;
  as2To: string;
  /** With angle brackets; one is made when absent. A retry must send the same one. */
  messageId?: string;
  subject?: string;
  sign?: { key: KeyObject; certificate: Certificate; digest: DigestAlgorithm; scheme?: SignatureScheme };
  encrypt?: {
    certificates: Certificate[];
    cipher: ContentCipher;
    keyTransport?: KeyTransport;
    oaepHash?: 'sha1' | 'sha256';
  };
  compress?: 'before-signing' | 'after-signing';
  /** Of the HTTP body when it is CMS (encrypted, or compressed outermost); binary by default as RFC 4130 says. */
  transferEncoding?: 'binary' | 'base64';
  /** Ask for an MDN. */
  mdn?: {
    /** Disposition-Notification-To: any value; many products put an address or the AS2 name. */
    to: string;
    /** Ask for a signed MDN with these MIC algorithms, most preferred first. */
    signed?: MicAlgorithm[];
    /** An async MDN: where the partner is to POST it. */
    asyncUrl?: string;
  };
  date?: Date;
  userAgent?: string;
}

export interface BuiltMessage {
  /** The HTTP request headers (AS2 and MIME). */
  headers: Record<string, string>;
  body: Buffer;
  messageId: string;
  /** The Received-Content-MIC the partner's MDN must carry. */
  mic: Mic;
}

export function newMessageId(as2From: string): string {
  const host = as2From.replace(/[^A-Za-z0-9.-]/g, '').replace(/^[.-]+|[.-]+$/g, '') || 'edi-gateway';
  // randomUUID draws from a buffered pool of random bytes, where randomBytes asks the system for each
  // ID. 24 hex digits of it (92 random bits, its version digit among them) and the time make it unique.
  return `<${Date.now().toString(36)}.${randomUUID().replace(/-/g, '').slice(0, 24)}@${host}>`;
}

function httpDate(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

const PKCS7_HEADERS = (smimeType: string, name: string): HeaderList => [
  ['Content-Type', formatHeaderValue('application/pkcs7-mime', { 'smime-type': smimeType, name })],
  ['Content-Transfer-Encoding', 'binary'],
  ['Content-Disposition', formatHeaderValue('attachment', { filename: name })],
];

function signEntity(entity: Buffer, sign: NonNullable<SendOptions['sign']>, date: Date, contentDigest: Buffer): Buffer {
  const signature = signDetached(entity, { ...sign, signingTime: date, contentDigest });
  const boundary = newBoundary();
  const body = buildMultipart(
    [
      entity,
      buildEntity(
        [
          ['Content-Type', 'application/pkcs7-signature; name="smime.p7s"'],
          ['Content-Transfer-Encoding', 'base64'],
          ['Content-Disposition', 'attachment; filename="smime.p7s"'],
        ],
        base64Lines(signature),
      ),
    ],
    boundary,
  );
  const type = formatHeaderValue('multipart/signed', {
    protocol: 'application/pkcs7-signature',
    micalg: micAlgorithmName(sign.digest),
    boundary,
  });
  return buildEntity([['Content-Type', type]], body);
}

/** A file name that is not ASCII also goes RFC 2231-encoded, beside an ASCII stand-in. */
export function contentDisposition(fileName: string): string {
  const clean = fileName.replace(/[\r\n]/g, '');
  if (/^[\x20-\x7e]*$/.test(clean)) return formatHeaderValue('attachment', { filename: clean });
  const encoded = Array.from(Buffer.from(clean, 'utf8'), (b) =>
    /[A-Za-z0-9.\-_~]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('');
  return `${formatHeaderValue('attachment', { filename: clean.replace(/[^\x20-\x7e]/g, '_') })}; filename*=utf-8''${encoded}`;
}

/**
 * The MIC the partner's MDN must carry. For a signed message it digests the signed bytes, as the
 * signature's messageDigest did: with the same algorithm (the common case), that digest is the MIC,
 * and the entity is hashed once.
 */
function sentMic(options: SendOptions, payloadEntity: Buffer, signedBytes?: Buffer, signedDigest?: Buffer): Mic {
  const algorithm = options.mdn?.signed?.[0] ?? options.sign?.digest ?? 'sha256';
  if (signedDigest && algorithm === options.sign?.digest) return { digest: signedDigest.toString('base64'), algorithm };
  return computeMic(
    micInput({
      signedBytes,
      entity: payloadEntity,
      headerLength: parseEntity(payloadEntity).headerBytes.length,
      encrypted: !!options.encrypt,
      compressed: !!options.compress,
    }),
    algorithm,
  );
}

/** Builds the HTTP request of an AS2 message, and the MIC to expect back. */
export function buildMessage(options: SendOptions): BuiltMessage {
  const date = options.date ?? new Date();
  const messageId = options.messageId ?? newMessageId(options.as2From);
  const payloadHeaders: [string, string][] = [
    ['Content-Type', options.contentType],
    ['Content-Transfer-Encoding', 'binary'],
  ];
  if (options.fileName) payloadHeaders.push(['Content-Disposition', contentDisposition(options.fileName)]);
  const payloadEntity = buildEntity(
    payloadHeaders,
    options.canonicalizeText ? canonicalizeText(options.payload) : options.payload,
  );

  let current = payloadEntity;
  let signedBytes: Buffer | undefined;
  let signedDigest: Buffer | undefined;
  if (options.compress && (options.compress === 'before-signing' || !options.sign)) {
    current = buildEntity(PKCS7_HEADERS('compressed-data', 'smime.p7z'), compress(current));
  }
  if (options.sign) {
    signedBytes = current;
    signedDigest = createHash(options.sign.digest).update(current).digest();
    current = signEntity(current, options.sign, date, signedDigest);
    if (options.compress === 'after-signing')
      current = buildEntity(PKCS7_HEADERS('compressed-data', 'smime.p7z'), compress(current));
  }

  let httpContentType: string;
  let httpBody: Buffer;
  const extra: Record<string, string> = {};
  if (options.encrypt) {
    const der = encrypt(current, options.encrypt);
    const smime = options.encrypt.cipher.endsWith('-gcm') ? 'authEnveloped-data' : 'enveloped-data';
    httpContentType = formatHeaderValue('application/pkcs7-mime', { 'smime-type': smime, name: 'smime.p7m' });
    extra['Content-Disposition'] = 'attachment; filename="smime.p7m"';
    httpBody = der;
    extra['Content-Transfer-Encoding'] = options.transferEncoding ?? 'binary';
  } else {
    // Unencrypted: the outermost entity's headers travel as HTTP headers, its body as the HTTP body.
    const entity = parseEntity(current);
    httpContentType = entity.headers.get('content-type') ?? options.contentType;
    const cd = entity.headers.get('content-disposition');
    if (cd) extra['Content-Disposition'] = cd;
    httpBody = entity.body;
    if (PKCS7_MIME.has(contentTypeOf(entity).value))
      extra['Content-Transfer-Encoding'] = options.transferEncoding ?? 'binary';
  }
  if (extra['Content-Transfer-Encoding'] === 'base64') httpBody = base64Lines(httpBody);

  const headers: Record<string, string> = {
    'AS2-Version': '1.2',
    'AS2-From': formatAs2Name(options.as2From),
    'AS2-To': formatAs2Name(options.as2To),
    'Message-ID': messageId,
    Date: httpDate(date),
    Subject: (options.subject ?? 'AS2 message').replace(/[\r\n]+/g, ' '),
    'MIME-Version': '1.0',
    'Content-Type': httpContentType,
    ...extra,
  };
  if (options.userAgent) headers['User-Agent'] = options.userAgent;
  const micalgs = options.mdn?.signed;
  if (options.mdn) {
    headers['Disposition-Notification-To'] = options.mdn.to;
    if (micalgs?.length) {
      headers['Disposition-Notification-Options'] =
        `signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, ${micalgs.map(micAlgorithmName).join(', ')}`;
    }
    if (options.mdn.asyncUrl) headers['Receipt-Delivery-Option'] = options.mdn.asyncUrl;
  }

  const mic = sentMic(options, payloadEntity, signedBytes, signedDigest);
  return { headers, body: httpBody, messageId, mic };
}
