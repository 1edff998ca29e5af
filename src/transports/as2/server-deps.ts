/**
 * What the AS2 listener is given and what it hands on: our identity, each partner's policy, and the
 * store's side (intake, the MDN record, refusals, async MDNs). server.ts and its answers
 * (server-answers.ts) both read these; neither imports the other for them.
 */
import type { KeyObject } from 'node:crypto';
import type { ErrorCode } from '../../errors';
import type { TransportLogger } from '../spec';
import type { Certificate, DecryptionKey } from './cms';
import type { ParsedMdn } from './mdn';
import type { Requirement } from './message';

export interface As2Identity {
  /** Our AS2 name: what AS2-To must say. */
  id: string;
  /** Our keys (two during our own rollover). */
  keys: readonly DecryptionKey[];
  /** Signs MDNs; without it every MDN goes unsigned. */
  signer?: { key: KeyObject; certificate: Certificate };
}

/** What the partner file says about what it sends us. */
export interface As2PartnerPolicy {
  partnerId: string;
  signed: Requirement;
  encrypted: Requirement;
  /** Their certificates: two during a rollover, either verifies. */
  certificates: readonly Certificate[];
}

export interface As2IntakeInput {
  partnerId: string;
  /** The payload, every AS2 layer removed. */
  bytes: Buffer;
  fileName?: string;
  contentType: string;
  as2MessageId: string;
  as2From: string;
  /** `base64, sha-256`, as the MDN carries it. */
  mic: string;
  /** The payload's sha256 (hex), computed where it was unwrapped (a crypto thread): the store's name for it. */
  sha256?: string;
  /**
   * The receipt this message will be answered with when it is taken (a sync MDN, or none asked for),
   * to be recorded in the same commit as the message, as recordMdn would; an async MDN goes to
   * recordMdn instead, which queues its delivery.
   */
  receipt?: Omit<MdnRecord, 'async'>;
}

export interface As2IntakeResult {
  messageId: string;
  /** The same Message-ID came from the same AS2-From before: nothing new was stored. */
  duplicate: boolean;
  /** The input's `receipt` was recorded with the message: recordMdn is not called for it. */
  receiptRecorded?: boolean;
}

export interface MdnRecord {
  /** The MDN as one MIME entity (Content-Type, empty line, body); absent when the sender asked for none. */
  mdn?: Buffer;
  /** `processed`, `processed/warning: duplicate-document` … */
  disposition: string;
  mic?: string;
  /** The sha256 (hex) of `mdn`, when the crypto thread that built it hashed it too. */
  mdnSha256?: string;
  /**
   * The MDN goes asynchronously, as this request (an http or https Receipt-Delivery-Option): recordMdn
   * may queue it durably in the same commit, and says so with `{ mdnQueued: true }`.
   */
  async?: AsyncMdnRequest;
}

/** A request we did not take, for the audit trail. */
export interface As2Refusal {
  code: ErrorCode;
  /** The whole story, as GatewayError.describe() tells it. */
  reason: string;
  status: number;
  /** The MDN's disposition, when one was sent. */
  disposition?: string;
  partnerId?: string;
  as2From?: string;
  as2To?: string;
  messageId?: string;
  remote?: string;
}

export interface AsyncMdnRequest {
  url: string;
  /** The HTTP headers of the MDN's POST (AS2 headers, its own Message-ID and Date, Content-Type). */
  headers: Record<string, string>;
  /** The HTTP body: the MDN entity's body. */
  body: Buffer;
  /** The MDN as one MIME entity, as recordMdn and storedMdn hold it. */
  entity: Buffer;
  partnerId: string;
  originalMessageId: string;
  /** The Message row the MDN is for, when the message was stored. */
  messageId?: string;
}

export interface ReceivedMdn {
  partnerId: string;
  as2From: string;
  mdn: ParsedMdn;
  /** The MDN as one MIME entity, for the record. */
  entity: Buffer;
  remote?: string;
}

export interface As2ServerDeps {
  /** The partner whose identifiers.as2 is this AS2-From (compared exactly). */
  partner(as2From: string): As2PartnerPolicy | undefined;
  /** The store's durable receive; resolves after the commit. */
  intake(input: As2IntakeInput): Promise<As2IntakeResult>;
  /**
   * Keeps the MDN sent for a stored message, so that a repeated Message-ID gets the same bytes back.
   * With `record.async` it may also queue the MDN's delivery in the same commit: it then resolves to
   * `{ mdnQueued: true }`, and the listener does not POST the MDN itself.
   */
  recordMdn(messageId: string, record: MdnRecord): Promise<void | { mdnQueued?: boolean }>;
  /** The MDN recorded for a stored message, as recordMdn was given it. */
  storedMdn(messageId: string): Promise<Buffer | undefined>;
  refused(r: As2Refusal): void | Promise<void>;
  /**
   * Takes over an async MDN that recordMdn did not queue: the replayed MDN of a repeated Message-ID, the
   * MDN of a refusal, or one whose recordMdn failed. Called after the empty 200. Default: a few tries
   * with backoff, in memory (deliverAsyncMdn).
   */
  deliverMdn?(req: AsyncMdnRequest): Promise<void>;
  /** An async MDN for something we sent; without it such MDNs are refused. */
  mdnReceived?(m: ReceivedMdn): Promise<{ matched: boolean; detail?: string }>;
  logger: TransportLogger;
  clock?: () => Date;
}
