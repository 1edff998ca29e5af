/**
 * What every transport is: a typed spec (kind + zod config schema) and a factory. The registry in
 * ./index.ts binds kind strings to specs; nothing else picks code by name. Transports know no EDI:
 * they move bytes and hand them to the store through `deps.intake`.
 */
import { resolve } from 'node:path';
import type { z } from 'zod';
import { GatewayError, type ErrorCode } from '../errors';

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
  /** A poller's: the remote file's mtime (ms) as listed, what tells a file put again from the one taken. */
  remoteMtime?: number;
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
  /**
   * intakeFile() for files that arrived together: they share one commit (and one fsync per payload
   * folder), which resolves the whole batch at once. One outcome per input, in order: `messageId` when
   * that file is committed (its receipt may be given now), `error` when that file alone failed (left
   * uncommitted; give no receipt). Absent: the transport takes its files in one by one.
   */
  intakeFiles?(inputs: IntakeFileInput[]): Promise<Array<{ messageId: string } | { error: unknown }>>;
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

/** How a poller's last rounds with its server went, for the partners page. No secrets. */
export interface PollerState {
  kind: string;
  /** Where it polls: protocol://user@host:port/dir. */
  url: string;
  /** `ok`: the last round logged in and listed; `failing`: it did not; `waiting`: no round yet. */
  state: 'ok' | 'failing' | 'waiting';
  lastRoundAt: Date | null;
  lastOkAt: Date | null;
  /** Rounds failed in a row. */
  failures: number;
  lastError: { code: string; message: string } | null;
}

/** A consumer: takes bytes in until stopped. */
export interface Inbound {
  start(): Promise<void>;
  /** Takes in nothing new, and resolves once whatever was in flight has finished. */
  stop(): Promise<void>;
  /** Pollers of a remote server: how their connection fares. */
  pollerState?(): PollerState;
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

/** A failed send whose receiver answered with a receipt (a refusing MDN): the receipt is kept as evidence. */
export class ReceiptError extends GatewayError {
  constructor(
    code: ErrorCode,
    context: string,
    readonly receipt: SendReceipt,
    options?: { cause?: unknown },
  ) {
    super(code, context, options);
  }
}

export interface SendResult {
  remoteName: string;
  receipt?: SendReceipt;
}

/** A producer: sends one item. Throws GatewayError with kind 'retry' (transient) or 'dead' (permanent). */
export interface Outbound {
  send(item: OutboundItem): Promise<SendResult>;
  /**
   * Before sending: the protocol's id the item will go under and who sends it, when the receiver may
   * answer on its own before `send` returns (an async AS2 MDN). The deliver step records it first, so
   * that such an answer finds its message.
   */
  announce?(item: { id: string }): { messageId: string; from?: string } | undefined;
  /** Releases what the producer holds between sends (an HTTP sender's pooled connections). */
  close?(): Promise<void>;
}

/** What a connectivity check of one endpoint or poll entry found. Nothing was sent, taken or moved. */
export interface ProbeFinding {
  ok: boolean;
  /** One sentence for people: what answered, or what failed. */
  result: string;
  /** HTTP: the status that answered. */
  status?: number;
  /** Over TLS: whether the server's certificate was trusted, and until when it is valid. */
  tls?: { authorized: boolean; error?: string; notAfter?: string };
  /** File servers: the files in the listed folder. */
  files?: number;
  error?: { code: string; message: string };
}

/** One bounded connectivity check: where it goes (no secrets), and the check. */
export interface Probe {
  target: string;
  /** Resolves with what it found, within the bound it was made with; throws only on a bug. */
  run(): Promise<ProbeFinding>;
}

/** A place in a partner file: keys and list indexes from the section the transport owns. */
export type KeyPath = (string | number)[];

/** A problem in a partner file's section, located by its key path from the section. */
export interface SectionIssue {
  path: KeyPath;
  message: string;
}

/** A certificate or key file a section names, and how the transport reads it. */
export interface NamedFile {
  path: KeyPath;
  file: string;
  /** What the file is, for messages: `their host key`, `our private key` … */
  what: string;
  /** Reads the file's bytes as the transport will; throws (with a reason) when it cannot use them. */
  read(bytes: Buffer): void;
}

/** The raw content of a partner file: checks read it before (and whatever) validation says. */
export type RawPartner = Record<string, unknown>;

/**
 * Where a transport's settings sit in a partner file and what they may say: the transport owns them,
 * and src/config/partner.ts composes the partner-file schema from the registry.
 */
export interface PartnerSection<K extends string = string, S extends z.ZodType = z.ZodType> {
  /** The key: under `inbound:`, under each `inbound.poll` entry (`place: 'poll'`), or under an endpoint. */
  key: K;
  schema: S;
  /**
   * The checks that need the rest of the partner file (its identifiers, its certificates), reading
   * the section raw so that they run even when another part of the file is broken.
   */
  check?(section: Record<string, unknown>, partner: RawPartner): SectionIssue[];
  /** The certificate and key files the section names (raw, paths as written). */
  files?(section: Record<string, unknown>): NamedFile[];
}

/** What the gateway knows that a transport's settings may need besides the partner file's section. */
export interface SettingsContext {
  /** The folder of gateway.yaml: local paths in a partner file are relative to it. */
  base: string;
  partner: {
    id: string;
    /** identifiers.as2 */
    as2?: string;
    /** certificates.as2, absolute, the one to encrypt with first */
    certificates: string[];
  };
  us: {
    /** Our AS2 identity (gateway.yaml identity.as2), paths absolute. */
    as2?: { id: string; key: string; certificate: string };
    /** Where partners POST async MDNs to us. */
    as2Url?: string;
  };
}

/** An inbound transport that runs per partner section (a folder watcher, a poller). */
export interface InboundSpec<
  K extends string = string,
  S extends z.ZodType = z.ZodType,
  PK extends string = string,
  PS extends z.ZodType = z.ZodType,
  P extends 'inbound' | 'poll' = 'inbound' | 'poll',
> {
  readonly direction: 'inbound';
  readonly kind: K;
  readonly config: S;
  /** `inbound` for `inbound.<key>`, `poll` for each `inbound.poll[].<key>`. */
  readonly place: P;
  readonly partner: PartnerSection<PK, PS>;
  /** The transport's config (input to `config`) from the partner file's parsed section. */
  settings(section: z.output<PS>, ctx: SettingsContext): unknown;
  create(config: z.output<S>, deps: InboundDeps): Inbound;
  /**
   * The connectivity check of the partners page (`POST /api/partners/:id/check`), for a transport
   * that reaches the partner over the network: done within `timeoutMs`, it sends, takes and moves
   * nothing. Absent: the transport is not checked.
   */
  probe?(config: z.output<S>, timeoutMs: number): Probe;
}

/**
 * A listener of the gateway's own (the AS2 server, the hosted SFTP server): one per gateway, set up by
 * gateway.yaml and started by the pipeline's wiring (src/pipeline/listeners.ts); a partner file's
 * section (`inbound.as2`, `inbound.sftp`) says how that partner may use it.
 */
export interface ListenerSpec<K extends string = string, PK extends string = string, PS extends z.ZodType = z.ZodType> {
  readonly direction: 'inbound';
  readonly kind: K;
  readonly place: 'listener';
  readonly partner: PartnerSection<PK, PS>;
}

export interface OutboundSpec<
  K extends string = string,
  S extends z.ZodType = z.ZodType,
  PS extends z.ZodType = z.ZodType,
> {
  readonly direction: 'outbound';
  /** Also the endpoint's key in a partner file. */
  readonly kind: K;
  readonly config: S;
  readonly partner: PartnerSection<K, PS>;
  /** The transport's config (input to `config`) from the endpoint's parsed section. */
  settings(section: z.output<PS>, ctx: SettingsContext): unknown;
  create(config: z.output<S>, deps: OutboundDeps): Outbound;
  /**
   * The connectivity check of the partners page (`POST /api/partners/:id/check`), for a transport
   * that reaches the partner over the network: done within `timeoutMs`, it sends, takes and moves
   * nothing. Absent: the transport is not checked.
   */
  probe?(config: z.output<S>, timeoutMs: number): Probe;
}

export function defineInbound<
  K extends string,
  S extends z.ZodType,
  PK extends string,
  PS extends z.ZodType,
  P extends 'inbound' | 'poll',
>(spec: {
  kind: K;
  config: S;
  place: P;
  partner: PartnerSection<PK, PS>;
  settings(section: z.output<PS>, ctx: SettingsContext): unknown;
  create: (config: z.output<S>, deps: InboundDeps) => Inbound;
  probe?: (config: z.output<S>, timeoutMs: number) => Probe;
}): InboundSpec<K, S, PK, PS, P> {
  return { direction: 'inbound', ...spec };
}

export function defineListener<K extends string, PK extends string, PS extends z.ZodType>(spec: {
  kind: K;
  partner: PartnerSection<PK, PS>;
}): ListenerSpec<K, PK, PS> {
  return { direction: 'inbound', place: 'listener', ...spec };
}

export function defineOutbound<K extends string, S extends z.ZodType, PS extends z.ZodType>(spec: {
  kind: K;
  config: S;
  partner: PartnerSection<K, PS>;
  settings(section: z.output<PS>, ctx: SettingsContext): unknown;
  create: (config: z.output<S>, deps: OutboundDeps) => Outbound;
  probe?: (config: z.output<S>, timeoutMs: number) => Probe;
}): OutboundSpec<K, S, PS> {
  return { direction: 'outbound', ...spec };
}

/** A local path of a partner file made absolute: relative to the folder of gateway.yaml. */
export function localPath<T extends string | undefined>(base: string, file: T): T {
  return (file === undefined ? file : resolve(base, file)) as T;
}
