/**
 * What every transport is: a typed spec (kind + zod config schema) and a factory. The registry in
 * ./index.ts binds kind strings to specs; nothing else picks code by name. Transports know no EDI:
 * they move bytes and hand them to the store through `deps.intake`.
 */
import type { z } from 'zod';

/** The minimal structured logger a transport needs (pino fits it). */
export interface TransportLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What arrived, as the store's durable receive takes it. */
export interface IntakeInput {
  bytes: Buffer;
  fileName?: string;
  remotePath?: string;
}

/** A file on local disk to take in, as the transport saw it complete. */
export interface IntakeFileInput {
  path: string;
  size: number;
  fileName?: string;
  remotePath?: string;
}

export interface InboundDeps {
  /**
   * The store's durable receive. Its resolution is the commit: a transport gives its receipt (moves or
   * deletes the file, answers the MDN, closes the SFTP handle OK) only after this resolves, and
   * never when it rejects.
   */
  intake(input: IntakeInput): Promise<{ messageId: string }>;
  /**
   * intake() for a file on local disk, streamed into the store so that its size does not matter. It
   * fails with EDIGW_FILE_CHANGED when the bytes read are not `size` (the file is still being written).
   * Absent: the transport reads the file and calls intake().
   */
  intakeFile?(input: IntakeFileInput): Promise<{ messageId: string }>;
  logger: TransportLogger;
  clock: () => Date;
  /**
   * What pollers of remote servers have taken in, kept across restarts (the store backs it). Without
   * it a poller remembers only in memory, so after a restart a file left on the server
   * (`afterRead: leave`) would be taken in again.
   */
  seen?: SeenStore;
}

/** Keys of files taken in; a key names the server, the path, the size, the mtime and the sha256. */
export interface SeenStore {
  has(key: string): Promise<boolean>;
  add(key: string): Promise<void>;
}

export interface OutboundDeps {
  logger: TransportLogger;
  clock: () => Date;
}

/** A consumer: takes bytes in until stopped. */
export interface Inbound {
  start(): Promise<void>;
  /** Takes in nothing new, and resolves once whatever was in flight has finished. */
  stop(): Promise<void>;
}

export interface OutboundItem {
  bytes: Buffer;
  fileName: string;
  /** The media type of the bytes (application/edi-x12, application/edifact, application/json), where the protocol carries one. */
  contentType?: string;
  /**
   * What names this sending across its retries (the delivery, and its replay round): a protocol whose
   * receiver deduplicates by a message id (AS2's Message-ID) derives that id from it, so a retry after
   * a lost answer is recognised as the same message.
   */
  id?: string;
}

/** What the receiver acknowledged, for protocols that answer with a receipt (AS2's MDN). */
export interface SendReceipt {
  /** The protocol's own id of what was sent (the AS2 Message-ID). */
  messageId?: string;
  /** `processed`, `processed/error: decryption-failed` …; absent while an asynchronous receipt is awaited. */
  disposition?: string;
  /** The integrity check the receipt must carry (`base64, sha-256`): computed by us, confirmed by a sync receipt. */
  mic?: string;
  /** The receipt itself (an MDN as one MIME entity), kept as evidence. */
  receipt?: Buffer;
}

export interface SendResult {
  remoteName: string;
  receipt?: SendReceipt;
}

/** A producer: sends one item. Throws GatewayError with kind 'retry' (transient) or 'dead' (permanent). */
export interface Outbound {
  send(item: OutboundItem): Promise<SendResult>;
  /** Releases what the producer holds between sends (an HTTP sender's pooled connections). */
  close?(): Promise<void>;
}

export interface InboundSpec<K extends string = string, S extends z.ZodType = z.ZodType> {
  readonly direction: 'inbound';
  readonly kind: K;
  readonly config: S;
  create(config: z.output<S>, deps: InboundDeps): Inbound;
}

export interface OutboundSpec<K extends string = string, S extends z.ZodType = z.ZodType> {
  readonly direction: 'outbound';
  readonly kind: K;
  readonly config: S;
  create(config: z.output<S>, deps: OutboundDeps): Outbound;
}

export function defineInbound<K extends string, S extends z.ZodType>(spec: {
  kind: K;
  config: S;
  create: (config: z.output<S>, deps: InboundDeps) => Inbound;
}): InboundSpec<K, S> {
  return { direction: 'inbound', ...spec };
}

export function defineOutbound<K extends string, S extends z.ZodType>(spec: {
  kind: K;
  config: S;
  create: (config: z.output<S>, deps: OutboundDeps) => Outbound;
}): OutboundSpec<K, S> {
  return { direction: 'outbound', ...spec };
}
