/**
 * Outbound `as2`: sends each item as one AS2 message (RFC 4130) to a partner's URL, built by
 * message.ts as the endpoint says (signature, encryption and its key transport, compression before or
 * after signing, the file name in Content-Disposition), and checks the receipt.
 *
 * - A sync MDN must verify with the partner's certificate(s) (when a signed one was asked for), name our
 *   Message-ID, say processed, and carry the MIC we computed. Anything else is a dead GatewayError (the
 *   partner answered; sending the same again gets the same answer) that carries the receipt, so the
 *   caller can record what the partner said.
 * - An async MDN: the send succeeds on HTTP 2xx; the MDN arrives later at our listener and is matched
 *   there by its Original-Message-ID.
 * - Transport failures (unreachable, 5xx, 408, 429, timeouts) are retry errors. The Message-ID derives
 *   from `item.id`, so a retry after a lost answer is the same message to the partner, who replays its
 *   receipt instead of taking the document twice.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { duration } from '../../config/units';
import { GatewayError } from '../../errors';
import { httpProbe } from '../http/probe';
import { redactUrl } from '../../redact-url';
import {
  defineOutbound,
  ReceiptError,
  type Outbound,
  type OutboundDeps,
  type OutboundItem,
  type SendReceipt,
  type SendResult,
} from '../spec';
import {
  loadCertificates,
  loadPrivateKey,
  type Certificate,
  type ContentCipher,
  type DigestAlgorithm,
  type KeyTransport,
} from './cms';
import { keepAliveAgent, post, statusError, type PostAnswer } from './http-client';
import { formatDispositionType, parseMdn, type ParsedDisposition, type ParsedMdn } from './mdn';
import { buildMessage, newMessageId, type BuiltMessage } from './message';
import { formatMic, micEquals } from './mic';
import { buildEntity } from './mime';
import { as2Endpoint, as2EndpointFields, checkAs2Endpoint } from './partner-file';

/** The partner file's `as2` endpoint (./partner-file.ts), plus what the gateway adds: who we both are and the key files. */
export const as2SenderConfig = z
  .strictObject({
    ...as2EndpointFields,
    /** Our AS2 name (gateway.yaml identity.as2.id). */
    as2From: z.string().min(1).max(128),
    /** Theirs (the partner's identifiers.as2). */
    as2To: z.string().min(1).max(128),
    /** Our private key and certificate files (absolute, or relative to the working folder). */
    key: z.string().min(1),
    certificate: z.string().min(1),
    /** Their certificate files: the first one's first certificate encrypts; every one verifies an MDN. */
    partnerCertificates: z.array(z.string().min(1)).default([]),
    /** Where the partner POSTs an async MDN: our listener's public URL. */
    asyncMdnUrl: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional(),
    keyTransport: z.enum(['rsaes-pkcs1-v1_5', 'rsaes-oaep']).default('rsaes-pkcs1-v1_5'),
    transferEncoding: z.enum(['binary', 'base64']).default('binary'),
    /** From the first byte sent to the end of the answer: a sync MDN comes after the partner has decrypted and stored the message. */
    timeout: duration.refine((ms) => ms > 0, 'a timeout above zero').default(120_000),
  })
  .superRefine((c, ctx) => {
    if (c.encrypt !== 'none' && c.partnerCertificates.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['partnerCertificates'],
        message: 'encrypting needs the partner certificate',
      });
    if (c.mdn.mode !== 'none' && c.mdn.signed && c.partnerCertificates.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['partnerCertificates'],
        message: 'a signed MDN is verified with the partner certificate',
      });
    if (c.mdn.mode === 'async' && !c.asyncMdnUrl)
      ctx.addIssue({
        code: 'custom',
        path: ['asyncMdnUrl'],
        message: 'an async MDN needs the URL of our AS2 listener',
      });
  });
export type As2SenderConfig = z.output<typeof as2SenderConfig>;

/** A partner's receipt that refuses the message, or that cannot be trusted; carries what it said. */
export class As2ReceiptError extends ReceiptError {}

/**
 * The Message-ID of a sending: the same for every retry of it. The right-hand side is our AS2 name
 * reduced to what a Message-ID's domain may hold.
 */
export function as2MessageIdFor(id: string, as2From: string): string {
  const host = as2From.replace(/[^A-Za-z0-9.-]/g, '').replace(/^[.-]+|[.-]+$/g, '') || 'edi-gateway';
  return `<edigw-${id.replace(/[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]/g, '-')}@${host}>`;
}

/** A disposition as written: the typed one when we know it, else the partner's words. */
export function dispositionText(d: ParsedDisposition): string {
  if (d.known) return formatDispositionType(d.known);
  return `${d.type}${d.modifier ? `/${d.modifier}` : ''}${d.description ? `: ${d.description}` : ''}`;
}

function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new GatewayError('EDIGW_TRANSPORT_KEY_FILE', `${what} ${file}`, { cause: e });
  }
}

interface Keys {
  key: KeyObject;
  certificate: Certificate;
  partner: Certificate[];
}

/**
 * Built messages kept for their retries: RFC 4130 §5.5 reuses a Message-ID only for identical content,
 * Date included, so a retry in this process sends the very bytes of the first try. After a restart
 * the message is built again under the same Message-ID, which every receiver still takes as the same
 * message (it deduplicates by Message-ID).
 */
const KEEP_BUILT = 64;
const KEEP_BUILT_BYTES = 64 * 1024 * 1024;

export class As2Sender implements Outbound {
  private readonly agent: http.Agent;
  private readonly shownUrl: string;
  private keys?: Keys;
  private readonly built = new Map<string, { bytes: Buffer; message: BuiltMessage }>();
  private builtBytes = 0;

  constructor(
    private readonly config: As2SenderConfig,
    private readonly deps: OutboundDeps,
  ) {
    this.agent = keepAliveAgent(config.url);
    this.shownUrl = redactUrl(config.url);
  }

  /** Read at the first send, so that a missing file fails that delivery (and says which file) rather than the gateway. */
  private load(): Keys {
    if (this.keys) return this.keys;
    const c = this.config;
    const key = loadPrivateKey(readFile(c.key, 'our AS2 key'));
    const [certificate] = loadCertificates(readFile(c.certificate, 'our AS2 certificate'));
    const partner = c.partnerCertificates.flatMap((f) => loadCertificates(readFile(f, 'the partner AS2 certificate')));
    this.keys = { key, certificate, partner };
    return this.keys;
  }

  async send(item: OutboundItem): Promise<SendResult> {
    const keys = this.load();
    const kept = item.id === undefined ? undefined : this.built.get(item.id);
    const built = kept && kept.bytes.equals(item.bytes) ? kept.message : this.build(item, keys);
    let result: SendResult;
    try {
      result = await this.post(item, built, keys);
    } catch (e) {
      if (item.id !== undefined && e instanceof GatewayError && e.kind === 'retry')
        this.keep(item.id, item.bytes, built);
      else this.forget(item.id);
      throw e;
    }
    this.forget(item.id);
    return result;
  }

  private keep(id: string, bytes: Buffer, message: BuiltMessage): void {
    this.forget(id);
    const size = bytes.length + message.body.length;
    if (size > KEEP_BUILT_BYTES / 4) return;
    this.built.set(id, { bytes, message });
    this.builtBytes += size;
    for (const [oldest, v] of this.built) {
      if (this.built.size <= KEEP_BUILT && this.builtBytes <= KEEP_BUILT_BYTES) break;
      this.built.delete(oldest);
      this.builtBytes -= v.bytes.length + v.message.body.length;
    }
  }

  private forget(id: string | undefined): void {
    const v = id === undefined ? undefined : this.built.get(id);
    if (!v) return;
    this.built.delete(id!);
    this.builtBytes -= v.bytes.length + v.message.body.length;
  }

  private build(item: OutboundItem, keys: Keys): BuiltMessage {
    const c = this.config;
    const messageId = item.id ? as2MessageIdFor(item.id, c.as2From) : newMessageId(c.as2From);
    const digest: DigestAlgorithm = c.sign === 'none' ? 'sha256' : c.sign;
    return buildMessage({
      payload: item.bytes,
      contentType: item.contentType ?? 'application/octet-stream',
      fileName: item.fileName,
      as2From: c.as2From,
      as2To: c.as2To,
      messageId,
      sign: c.sign === 'none' ? undefined : { key: keys.key, certificate: keys.certificate, digest },
      // A rollover lists their next certificate first: that one encrypts.
      encrypt:
        c.encrypt === 'none'
          ? undefined
          : {
              certificates: [keys.partner[0]],
              cipher: c.encrypt as ContentCipher,
              keyTransport: c.keyTransport as KeyTransport,
            },
      compress: c.compress === true ? 'before-signing' : c.compress || undefined,
      transferEncoding: c.transferEncoding,
      // The MIC algorithm is always named (with the signature `optional`): a receiver left to choose may
      // digest with another algorithm than ours, and the MIC could not be checked. `mdn.signed` says
      // whether an unsigned MDN is acceptable.
      mdn:
        c.mdn.mode === 'none'
          ? undefined
          : { to: c.as2From, signed: [digest], asyncUrl: c.mdn.mode === 'async' ? c.asyncMdnUrl : undefined },
      userAgent: 'edi-gateway',
    });
  }

  private async post(item: OutboundItem, built: BuiltMessage, keys: Keys): Promise<SendResult> {
    const c = this.config;
    const { messageId } = built;
    const context = `sending ${item.fileName} as AS2 ${messageId} to ${c.as2To}`;
    const answer = await post({
      url: c.url,
      headers: built.headers,
      body: built.body,
      timeoutMs: c.timeout,
      agent: this.agent,
      context,
    });
    if (answer.status < 200 || answer.status >= 300) throw statusError(`${context} (${this.shownUrl})`, answer);

    const mic = formatMic(built.mic);
    if (c.mdn.mode !== 'sync') {
      this.deps.logger.info(
        { url: this.shownUrl, messageId, fileName: item.fileName, bytes: item.bytes.length, mdn: c.mdn.mode },
        'as2 sent',
      );
      return { remoteName: messageId, receipt: { messageId, mic } };
    }
    const receipt = this.checkMdn(answer, built, keys, context);
    this.deps.logger.info(
      {
        url: this.shownUrl,
        messageId,
        fileName: item.fileName,
        bytes: item.bytes.length,
        disposition: receipt.disposition,
      },
      'as2 sent',
    );
    return { remoteName: messageId, receipt };
  }

  private checkMdn(answer: PostAnswer, built: BuiltMessage, keys: Keys, context: string): SendReceipt {
    const ct = answer.headers['content-type'];
    const mic = formatMic(built.mic);
    if (!ct || answer.body.length === 0) {
      throw new As2ReceiptError(
        'EDIGW_AS2_MDN_INVALID',
        `${context}: HTTP ${answer.status} without the sync MDN asked for`,
        { messageId: built.messageId, mic },
      );
    }
    const entity = buildEntity([['Content-Type', ct]], answer.body);
    const te = answer.headers['content-transfer-encoding'];
    let mdn: ParsedMdn;
    try {
      mdn = parseMdn(ct, answer.body, {
        certificates: keys.partner.length ? keys.partner : undefined,
        transferEncoding: typeof te === 'string' ? te : undefined,
      });
    } catch (e) {
      const error = e instanceof GatewayError ? e : new GatewayError('EDIGW_AS2_MDN_INVALID', context, { cause: e });
      throw new As2ReceiptError(
        error.code,
        `${context}: ${error.context}`,
        { messageId: built.messageId, mic, receipt: entity },
        { cause: error.cause },
      );
    }
    const receipt: SendReceipt = {
      messageId: built.messageId,
      disposition: dispositionText(mdn.disposition),
      mic,
      receipt: entity,
    };
    if (mdn.originalMessageId?.trim() !== built.messageId) {
      throw new As2ReceiptError(
        'EDIGW_AS2_MDN_UNMATCHED',
        `${context}: the MDN is for ${JSON.stringify(mdn.originalMessageId ?? '')}`,
        receipt,
      );
    }
    if (!mdn.disposition.ok)
      throw new As2ReceiptError('EDIGW_AS2_MDN_NEGATIVE', `${context}: ${receipt.disposition}`, receipt);
    if (this.config.mdn.signed && !mdn.signed) {
      throw new As2ReceiptError(
        'EDIGW_AS2_MDN_SIGNATURE_INVALID',
        `${context}: the MDN is not signed, and a signed one was asked for`,
        receipt,
      );
    }
    if (!micEquals(mdn.receivedContentMic, built.mic)) {
      const said = mdn.receivedContentMic ? formatMic(mdn.receivedContentMic) : 'none';
      throw new As2ReceiptError(
        'EDIGW_AS2_MDN_MIC_MISMATCH',
        `${context}: we computed ${mic}, the MDN says ${said}`,
        receipt,
      );
    }
    return receipt;
  }

  announce(item: { id: string }): { messageId: string; from: string } | undefined {
    const { mdn, as2From } = this.config;
    return mdn.mode === 'async' ? { messageId: as2MessageIdFor(item.id, as2From), from: as2From } : undefined;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.built.clear();
    this.builtBytes = 0;
  }
}

export const as2Sender = defineOutbound({
  kind: 'as2',
  config: as2SenderConfig,
  partner: { key: 'as2', schema: as2Endpoint, check: checkAs2Endpoint },
  /** The endpoint, who we both are, the key files; the async MDN address when one is asked for. */
  settings: (endpoint, ctx) => {
    const us = ctx.us.as2;
    if (!us) throw new GatewayError('EDIGW_AS2_IDENTITY_MISSING', `sending AS2 to partner ${ctx.partner.id}`);
    return {
      ...endpoint,
      as2From: us.id,
      as2To: ctx.partner.as2,
      key: us.key,
      certificate: us.certificate,
      partnerCertificates: ctx.partner.certificates,
      ...(endpoint.mdn.mode === 'async' && ctx.us.as2Url ? { asyncMdnUrl: ctx.us.as2Url } : {}),
    };
  },
  create: (config, deps) => new As2Sender(config, deps),
  probe: (config, timeoutMs) => httpProbe(config.url, timeoutMs),
});
