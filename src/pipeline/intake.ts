import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { PipelineContext } from './context';
import type { SeenStore } from '../transports';
import type { Store } from '../store/store';
import { ENVELOPE_HEAD_BYTES, envelopeHead } from '../edi/envelope-head';

export interface IntakeRequest {
  transport: string;
  bytes: Buffer;
  /** The partner whose channel it came through (its folder, its login, its AS2 id), when known. */
  partnerId?: string | null;
  fileName?: string | null;
  remotePath?: string | null;
  /** A poller's: the remote file's mtime (ms) as listed (Store ReceiveInput.remoteMtime). */
  remoteMtime?: number | null;
  as2MessageId?: string | null;
  as2From?: string | null;
  /** The bytes' sha256 when the transport has it already (Store ReceiveInput.sha256). */
  sha256?: string;
  /** An AS2 receipt known before intake, recorded in the receipt's commit (Store ReceiveInput.mdn). */
  mdn?: { entity?: Buffer; disposition: string; mic: string | null; sha256?: string };
}

export interface Intaken {
  messageId: string;
  /** The same AS2 Message-ID was received before: nothing new was stored, the first message stands. */
  duplicate: boolean;
  /**
   * The message that brought in this payload's (first) interchange before, by partner, sender,
   * receiver and control number. The payload is stored and processed all the same: the process
   * step applies the partner's duplicates policy (reject, warn, accept).
   */
  duplicateOf?: string;
}

/**
 * The one way in for every transport: the bytes are durable and the Message, its event and the job
 * that processes it are committed when this resolves. That resolution is the transport's cue to give
 * its receipt (move the file, answer the MDN, close the SFTP handle OK), never before.
 */
export async function intake(ctx: PipelineContext, req: IntakeRequest): Promise<Intaken> {
  const receive = () => ctx.store.receive({ direction: 'in', ...req });
  // Side by side: each waits for a sync of the WAL (ADR 0014), and one after the other the sender
  // would wait for two. The lookup cannot see this receipt: interchanges are recorded by processing.
  const [before, r] = await Promise.all([
    receivedBefore(ctx, req.partnerId, req.bytes),
    ctx.intakeGate ? ctx.intakeGate.run(receive) : receive(),
  ]);
  if (!r.duplicate) ctx.kick?.();
  return noted(ctx, req, { messageId: r.message.id, duplicate: r.duplicate }, before);
}

/**
 * Whether the payload's first interchange came from this partner before. Only the process step knows
 * every interchange and applies the policy; this one lookup on the duplicate key lets intake answer
 * `duplicate: true` (and log it) at once. A failed lookup is no reason to refuse the bytes.
 */
async function receivedBefore(
  ctx: PipelineContext,
  partnerId: string | null | undefined,
  head: Buffer | undefined,
): Promise<string | undefined> {
  const h = partnerId && head ? envelopeHead(head) : undefined;
  if (!h || !partnerId) return undefined;
  return ctx.store.interchangeReceivedBefore(partnerId, h).catch(() => undefined);
}

function noted(
  ctx: PipelineContext,
  req: Omit<IntakeRequest, 'bytes'>,
  r: Intaken,
  before: string | undefined,
): Intaken {
  if (!before || r.duplicate || before === r.messageId) return r;
  ctx.logger.info(
    {
      messageId: r.messageId,
      duplicate: true,
      duplicateOf: before,
      partner: req.partnerId,
      transport: req.transport,
      fileName: req.fileName ?? undefined,
    },
    "received again: its interchange came in before; the partner's duplicates policy decides",
  );
  return { ...r, duplicateOf: before };
}

async function headOf(path: string): Promise<Buffer | undefined> {
  try {
    const f = await open(path, 'r');
    try {
      const buf = Buffer.alloc(ENVELOPE_HEAD_BYTES);
      const { bytesRead } = await f.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await f.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * headOf() without the thread pool: a batch's files were just listed and are in the page cache, and
 * three trips through the pool per file (open, read, close) cost more than the reads (ADR 0008).
 */
function headOfInPlace(path: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(ENVELOPE_HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** intake() for a file on disk (the hosted SFTP server, the file inbox): streamed into the store, any size. */
export async function intakeFile(
  ctx: PipelineContext,
  req: Omit<IntakeRequest, 'bytes'> & { path: string; size?: number; synced?: { sha256: string; size: number } },
): Promise<Intaken> {
  const before = req.partnerId ? await receivedBefore(ctx, req.partnerId, await headOf(req.path)) : undefined;
  const receive = () => ctx.store.receiveFile({ direction: 'in', ...req });
  const r = await (ctx.intakeGate ? ctx.intakeGate.run(receive) : receive());
  ctx.kick?.();
  return noted(ctx, req, { messageId: r.message.id, duplicate: r.duplicate }, before);
}

/** What one file of a batch came to: committed (its receipt may be given), or the error it alone met. */
export type IntakeOutcome = Intaken | { error: unknown };

/**
 * intakeFile() for files that arrived together (a tick of the file inbox): their payloads written,
 * their folders fsynced once and their receipts committed in one transaction (Store.receiveFiles).
 * Resolves once that commit is done, with one outcome per file in order; a file that failed did so
 * alone and left nothing committed, and a file whose outcome is not an error is committed.
 */
export async function intakeFiles(
  ctx: PipelineContext,
  reqs: Array<Omit<IntakeRequest, 'bytes'> & { path: string; size?: number }>,
): Promise<IntakeOutcome[]> {
  if (reqs.length === 0) return [];
  const before = await receivedBeforeMany(ctx, reqs);
  const receive = () => ctx.store.receiveFiles(reqs.map((r) => ({ direction: 'in' as const, ...r })));
  const settled = await (ctx.intakeGate ? ctx.intakeGate.run(receive) : receive());
  if (settled.some((s) => s.status === 'fulfilled' && !s.value.duplicate)) ctx.kick?.();
  return settled.map((s, i) =>
    s.status === 'fulfilled'
      ? noted(ctx, reqs[i], { messageId: s.value.message.id, duplicate: s.value.duplicate }, before[i])
      : { error: s.reason as unknown },
  );
}

/** receivedBefore() for a batch: the heads read together, one lookup per partner. */
async function receivedBeforeMany(
  ctx: PipelineContext,
  reqs: Array<{ partnerId?: string | null; path: string }>,
): Promise<Array<string | undefined>> {
  const heads = reqs.map((r) => {
    const head = r.partnerId ? headOfInPlace(r.path) : undefined;
    return head ? envelopeHead(head) : undefined;
  });
  const out: Array<string | undefined> = reqs.map(() => undefined);
  for (const partnerId of new Set(reqs.flatMap((r) => (r.partnerId ? [r.partnerId] : [])))) {
    const at = reqs.flatMap((r, i) => (r.partnerId === partnerId ? [i] : []));
    const found = await ctx.store
      .interchangesReceivedBefore(
        partnerId,
        at.map((i) => heads[i]),
      )
      .catch(() => at.map(() => undefined));
    at.forEach((i, k) => (out[i] = found[k]));
  }
  return out;
}

/**
 * What a poller or the file inbox has taken in, for one partner, read from the messages themselves: a key names the
 * remote file (its URL, size, mtime and sha256) and a file counts as seen when a message from that
 * URL with those bytes and that mtime exists (a message that recorded no mtime matches any): the same
 * bytes put again later, as a partner does when asked to resend, are a new file. The message commits
 * with the intake, so nothing can be taken in and not remembered; `add` has nothing left to do.
 */
export function seenInStore(store: Store, partnerId: string): SeenStore {
  return {
    has: async (key) => {
      // `<url or path> <size> <mtime> <sha256>`: a local path may hold spaces, the other fields do not.
      const parts = key.split(' ');
      const url = parts.slice(0, -3).join(' ');
      const mtime = Number(parts[parts.length - 2]);
      const sha = parts[parts.length - 1];
      return store.receivedFromRemote(partnerId, url, sha, Number.isFinite(mtime) ? mtime : undefined);
    },
    add: async () => undefined,
  };
}
