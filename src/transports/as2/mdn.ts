/**
 * AS2 MDNs (RFC 4130 §7.4, RFC 3798/8098): a multipart/report; report-type=disposition-notification
 * with a human-readable part and a message/disposition-notification part, signed (multipart/signed
 * over the report) when the sender asked. The disposition is typed: it comes from the error
 * catalogue, never from text typed at a throw site.
 */
import type { KeyObject } from 'node:crypto';
import { GatewayError, mdnDispositionOf, type ErrorCode } from '../../errors';
import {
  signDetached,
  verifyDetached,
  type Certificate,
  type DigestAlgorithm,
  type SignatureScheme,
  type VerifyResult,
} from './cms';
import {
  MimeError,
  base64Lines,
  buildEntity,
  buildMultipart,
  contentType,
  decodeTransferEncoding,
  decodedBody,
  formatHeaderValue,
  newBoundary,
  parseEntity,
  parseHeaderBlock,
  splitMultipart,
  splitSigned,
  type MimeEntity,
} from './mime';
import { formatMic, micAlgorithmName, parseMic, type Mic } from './mic';

export type ProcessingError =
  | 'decryption-failed'
  | 'authentication-failed'
  | 'integrity-check-failed'
  | 'insufficient-message-security'
  | 'decompression-failed'
  | 'unexpected-processing-error';

export type Disposition =
  | { kind: 'processed' }
  | { kind: 'error'; error: ProcessingError }
  | { kind: 'warning'; warning: 'duplicate-document' }
  | { kind: 'failure'; failure: 'unsupported MIC-algorithms' | 'unsupported format' };

const UNEXPECTED: Disposition = { kind: 'error', error: 'unexpected-processing-error' };

/**
 * The MDN disposition a code answers with, read from the error catalogue (the one place their text
 * lives); a code that names none is an unexpected processing error.
 */
export function dispositionOf(code: ErrorCode): Disposition {
  const mdn = mdnDispositionOf(code);
  return (mdn && parseDisposition(`automatic-action/MDN-sent-automatically; ${mdn}`)?.known) || UNEXPECTED;
}

/** The MDN disposition for what went wrong while receiving (any error: unknown ones are unexpected). */
export function dispositionFor(error: unknown): Disposition {
  return error instanceof GatewayError ? dispositionOf(error.code) : UNEXPECTED;
}

/** `processed`, `processed/error: decryption-failed`, `failed/failure: unsupported MIC-algorithms` … */
export function formatDispositionType(d: Disposition): string {
  switch (d.kind) {
    case 'processed':
      return 'processed';
    case 'error':
      return `processed/error: ${d.error}`;
    case 'warning':
      return `processed/warning: ${d.warning}`;
    case 'failure':
      return `failed/failure: ${d.failure}`;
  }
}

/** The whole Disposition field: AS2 receipts are always automatic (RFC 4130 §7.4.3). */
export function formatDisposition(d: Disposition): string {
  return `automatic-action/MDN-sent-automatically; ${formatDispositionType(d)}`;
}

export interface ParsedDisposition {
  actionMode: string;
  sendingMode: string;
  /** processed | failed | … (lowercased) */
  type: string;
  /** error | warning | failure (lowercased), when there is a modifier. */
  modifier?: string;
  description?: string;
  /** The typed disposition when it is one of those this gateway knows. */
  known?: Disposition;
  /** processed, without error or failure (a warning still means the document was taken). */
  ok: boolean;
}

const PROCESSING_ERRORS: readonly ProcessingError[] = [
  'decryption-failed',
  'authentication-failed',
  'integrity-check-failed',
  'insufficient-message-security',
  'decompression-failed',
  'unexpected-processing-error',
];

export function parseDisposition(value: string): ParsedDisposition | undefined {
  const m = /^\s*([^/;\s]+)\s*\/\s*([^;\s]+)\s*;\s*([A-Za-z-]+)\s*(?:\/\s*([A-Za-z-]+)\s*)?(?::\s*(.*?))?\s*$/.exec(
    value,
  );
  if (!m) return undefined;
  const type = m[3].toLowerCase();
  const modifier = m[4]?.toLowerCase();
  const description = m[5]?.trim();
  const d = description?.toLowerCase();
  let known: Disposition | undefined;
  if (type === 'processed' && !modifier) known = { kind: 'processed' };
  else if (type === 'processed' && modifier === 'error' && PROCESSING_ERRORS.includes(d as ProcessingError))
    known = { kind: 'error', error: d as ProcessingError };
  else if (type === 'processed' && modifier === 'warning' && d === 'duplicate-document')
    known = { kind: 'warning', warning: 'duplicate-document' };
  else if (type === 'failed' && modifier === 'failure' && d === 'unsupported mic-algorithms')
    known = { kind: 'failure', failure: 'unsupported MIC-algorithms' };
  else if (type === 'failed' && modifier === 'failure' && d === 'unsupported format')
    known = { kind: 'failure', failure: 'unsupported format' };
  return {
    actionMode: m[1],
    sendingMode: m[2],
    type,
    modifier,
    description,
    known,
    ok: type === 'processed' && modifier !== 'error' && modifier !== 'failure',
  };
}

export interface MdnSigner {
  key: KeyObject;
  certificate: Certificate;
  /** The MIC algorithm the sender asked for is the natural choice. */
  digest: DigestAlgorithm;
  scheme?: SignatureScheme;
}

export interface MdnInput {
  reportingUA: string;
  /** Our AS2 name as the sender addressed it (its AS2-To). */
  originalRecipient?: string;
  finalRecipient: string;
  originalMessageId: string;
  disposition: Disposition;
  receivedContentMic?: Mic;
  /** The human-readable part; a sentence naming the message and its disposition by default. */
  text?: string;
  sign?: MdnSigner;
  signingTime?: Date;
}

export interface BuiltMdn {
  /** The HTTP (or outer MIME) Content-Type; the body below goes with it. */
  contentType: string;
  body: Buffer;
  /** Content-Type header, empty line, body: the MDN as one MIME entity. */
  entity: Buffer;
}

function headerSafe(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

function defaultText(input: MdnInput): string {
  const what = formatDispositionType(input.disposition);
  const outcome =
    input.disposition.kind === 'processed'
      ? 'was received and processed. This is no guarantee that the content was read or acted upon.'
      : input.disposition.kind === 'warning'
        ? 'was received before; it is not processed again.'
        : 'could not be processed.';
  return [
    `The AS2 message ${headerSafe(input.originalMessageId)} sent to ${headerSafe(input.finalRecipient)} ${outcome}`,
    `Disposition: ${what}`,
    '',
  ].join('\r\n');
}

/** Builds the MDN, signed when `sign` is given. */
export function buildMdn(input: MdnInput): BuiltMdn {
  const fields: [string, string | undefined][] = [
    ['Reporting-UA', input.reportingUA],
    ['Original-Recipient', input.originalRecipient === undefined ? undefined : `rfc822; ${input.originalRecipient}`],
    ['Final-Recipient', `rfc822; ${input.finalRecipient}`],
    ['Original-Message-ID', input.originalMessageId],
    ['Disposition', formatDisposition(input.disposition)],
    ['Received-Content-MIC', input.receivedContentMic ? formatMic(input.receivedContentMic) : undefined],
  ];
  const notification = fields
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([n, v]) => `${n}: ${headerSafe(v)}\r\n`)
    .join('');
  const text = (input.text ?? defaultText(input)).replace(/\r?\n/g, '\r\n');

  const boundary = newBoundary();
  const reportBody = buildMultipart(
    [
      buildEntity(
        [
          ['Content-Type', 'text/plain; charset=utf-8'],
          ['Content-Transfer-Encoding', '7bit'],
        ],
        Buffer.from(text, 'utf8'),
      ),
      buildEntity(
        [
          ['Content-Type', 'message/disposition-notification'],
          ['Content-Transfer-Encoding', '7bit'],
        ],
        Buffer.from(notification, 'utf8'),
      ),
    ],
    boundary,
  );
  const reportType = formatHeaderValue('multipart/report', { 'report-type': 'disposition-notification', boundary });
  const report = buildEntity([['Content-Type', reportType]], reportBody);
  if (!input.sign) return { contentType: reportType, body: reportBody, entity: report };

  const { key, certificate, digest, scheme } = input.sign;
  const signature = signDetached(report, { key, certificate, digest, scheme, signingTime: input.signingTime });
  const outer = newBoundary();
  const body = buildMultipart(
    [
      report,
      buildEntity(
        [
          ['Content-Type', 'application/pkcs7-signature; name="smime.p7s"'],
          ['Content-Transfer-Encoding', 'base64'],
          ['Content-Disposition', 'attachment; filename="smime.p7s"'],
        ],
        base64Lines(signature),
      ),
    ],
    outer,
  );
  const signedType = formatHeaderValue('multipart/signed', {
    protocol: 'application/pkcs7-signature',
    micalg: micAlgorithmName(digest),
    boundary: outer,
  });
  return { contentType: signedType, body, entity: buildEntity([['Content-Type', signedType]], body) };
}

export interface ParsedMdn {
  signed: boolean;
  /** Who signed it, when certificates were given to verify with. */
  verified?: VerifyResult;
  reportingUA?: string;
  originalRecipient?: string;
  finalRecipient?: string;
  originalMessageId?: string;
  disposition: ParsedDisposition;
  receivedContentMic?: Mic;
  /** The human-readable part, when there is one. */
  text?: string;
  /** Every field of the message/disposition-notification part, names lowercased. */
  fields: Map<string, string>;
}

export interface ParseMdnOptions {
  /** The partner's certificates: a signed MDN must verify with one of them. */
  certificates?: readonly Certificate[];
  /** The HTTP Content-Transfer-Encoding of the body, when the response had one (a few products base64 it). */
  transferEncoding?: string;
}

const recipient = (v: string | undefined): string | undefined => v?.replace(/^\s*rfc822\s*;\s*/i, '').trim();

function mdnFail(context: string, cause?: unknown): never {
  throw new GatewayError('EDIGW_AS2_MDN_INVALID', context, cause === undefined ? undefined : { cause });
}

/**
 * Reads an MDN: `contentType` and `body` as they came over HTTP (or an entity's Content-Type and
 * body). Throws EDIGW_AS2_MDN_INVALID when it is not an MDN, EDIGW_AS2_MDN_SIGNATURE_INVALID when it is
 * signed and does not verify with the given certificates. An unsigned MDN is returned with
 * `signed: false`; whether that is acceptable is the caller's policy.
 */
export function parseMdn(contentTypeValue: string, body: Buffer, options: ParseMdnOptions = {}): ParsedMdn {
  let report: MimeEntity;
  let signed = false;
  let verified: VerifyResult | undefined;
  try {
    const top = parseEntity(
      buildEntity([['Content-Type', contentTypeValue]], decodeTransferEncoding(body, options.transferEncoding)),
    );
    report = top;
    if (contentType(top).value === 'multipart/signed') {
      const s = splitSigned(top);
      signed = true;
      report = s.content;
      if (options.certificates) {
        try {
          verified = verifyDetached(s.signature, s.signedBytes, options.certificates);
        } catch (e) {
          throw new GatewayError('EDIGW_AS2_MDN_SIGNATURE_INVALID', 'verifying the MDN', { cause: e });
        }
      }
    }
  } catch (e) {
    if (e instanceof GatewayError && e.code === 'EDIGW_AS2_MDN_SIGNATURE_INVALID') throw e;
    mdnFail('reading the MDN', e);
  }

  const rt = contentType(report);
  if (rt.value !== 'multipart/report') mdnFail(`reading the MDN: ${rt.value}, not multipart/report`);
  let fields: Map<string, string>;
  let text: string | undefined;
  try {
    const parts = splitMultipart(report.body, rt.params.get('boundary') ?? '').parts.map(parseEntity);
    const dn = parts.find((p) => contentType(p).value === 'message/disposition-notification');
    if (!dn) throw new MimeError('no message/disposition-notification part');
    fields = new Map(parseHeaderBlock(decodedBody(dn).toString('utf8')).map((f) => [f.name.toLowerCase(), f.value]));
    const human = parts.find((p) => contentType(p).value === 'text/plain');
    if (human) text = decodedBody(human).toString('utf8');
  } catch (e) {
    mdnFail('reading the MDN report', e);
  }
  const dispositionValue = fields.get('disposition');
  const disposition = dispositionValue === undefined ? undefined : parseDisposition(dispositionValue);
  if (!disposition) mdnFail(`reading the MDN: Disposition ${JSON.stringify(dispositionValue ?? '')} cannot be read`);
  const micValue = fields.get('received-content-mic');
  return {
    signed,
    verified,
    reportingUA: fields.get('reporting-ua'),
    originalRecipient: recipient(fields.get('original-recipient')),
    finalRecipient: recipient(fields.get('final-recipient')),
    originalMessageId: fields.get('original-message-id'),
    disposition,
    receivedContentMic: micValue === undefined ? undefined : parseMic(micValue),
    text,
    fields,
  };
}
