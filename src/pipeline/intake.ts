import type { PipelineContext } from './context';
import type { SeenStore } from '../transports';
import type { Store } from '../store/store';

export interface IntakeRequest {
  transport: string;
  bytes: Buffer;
  /** The partner whose channel it came through (its folder, its login, its AS2 id), when known. */
  partnerId?: string | null;
  fileName?: string | null;
  remotePath?: string | null;
  as2MessageId?: string | null;
  as2From?: string | null;
}

/**
 * The one way in for every transport: the bytes are durable and the Message, its event and the job
 * that processes it are committed when this resolves. That resolution is the transport's cue to give
 * its receipt (move the file, answer the MDN, close the SFTP handle OK), never before.
 */
export async function intake(
  ctx: PipelineContext,
  req: IntakeRequest,
): Promise<{ messageId: string; duplicate: boolean }> {
  const receive = () => ctx.store.receive({ direction: 'in', ...req });
  const r = await (ctx.intakeGate ? ctx.intakeGate.run(receive) : receive());
  if (!r.duplicate) ctx.kick?.();
  return { messageId: r.message.id, duplicate: r.duplicate };
}

/** intake() for a file on disk (the hosted SFTP server, the file inbox): streamed into the store, any size. */
export async function intakeFile(
  ctx: PipelineContext,
  req: Omit<IntakeRequest, 'bytes'> & { path: string; size?: number; synced?: { sha256: string; size: number } },
): Promise<{ messageId: string; duplicate: boolean }> {
  const receive = () => ctx.store.receiveFile({ direction: 'in', ...req });
  const r = await (ctx.intakeGate ? ctx.intakeGate.run(receive) : receive());
  ctx.kick?.();
  return { messageId: r.message.id, duplicate: r.duplicate };
}

/**
 * What a poller has taken in, for one partner, read from the messages themselves: a key names the
 * remote file (its URL, size, mtime and sha256) and a file counts as seen when a message from that
 * URL with those bytes exists. The message commits with the intake, so nothing can be taken in and
 * not remembered; `add` has nothing left to do.
 */
export function seenInStore(store: Store, partnerId: string): SeenStore {
  return {
    has: async (key) => {
      const parts = key.split(' ');
      const url = parts[0];
      const sha = parts[parts.length - 1];
      return store.receivedFromRemote(partnerId, url, sha);
    },
    add: async () => undefined,
  };
}
