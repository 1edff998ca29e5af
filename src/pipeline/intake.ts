import type { PipelineContext } from './context';

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
export async function intake(ctx: PipelineContext, req: IntakeRequest): Promise<{ messageId: string; duplicate: boolean }> {
  const r = await ctx.store.receive({ direction: 'in', ...req });
  if (!r.duplicate) ctx.kick?.();
  return { messageId: r.message.id, duplicate: r.duplicate };
}
