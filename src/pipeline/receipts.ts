/**
 * What an outbound protocol's receipt (an AS2 MDN) does to the outbound Message and its delivery:
 * the deliver step's hooks around a send. Before it, the id the receipt will name (`Outbound.announce`)
 * is recorded, so that a receipt arriving on its own before the send returns finds its message; after
 * it, what the receipt said. An async receipt that overtook the deliver step's commit is settled here.
 */
import type { EntityManager } from 'typeorm';
import { GatewayError, type ErrorCode } from '../errors';
import { DeliveryRecord, EventRecord, MessageRecord, TransactionRecord } from '../store/entities';
import type { SendReceipt } from '../transports';
import { micEquals, parseMic } from '../transports/as2/mic';
import type { PipelineContext } from './context';

/** Before a send: the protocol's id the receipt will name, and who sends it, on the outbound Message. */
export async function recordAnnounced(
  ctx: PipelineContext,
  messageId: string,
  announced: { messageId: string; from?: string },
): Promise<void> {
  await ctx.store.read((m) =>
    m.update(MessageRecord, { id: messageId }, { as2MessageId: announced.messageId, as2From: announced.from ?? null }),
  );
}

/**
 * Records what the partner's receipt said (or what we expect it to say) on the outbound Message,
 * inside the caller's transaction (the deliver step's, after it marked the delivery delivered).
 */
export async function recordSendReceipt(
  ctx: PipelineContext,
  m: EntityManager,
  messageId: string,
  receipt: SendReceipt,
): Promise<void> {
  // What an async MDN that overtook this commit recorded (its MIC stands in until ours is known).
  const early = receipt.disposition === undefined ? await m.findOneBy(MessageRecord, { id: messageId }) : null;
  const set: Partial<MessageRecord> = {};
  if (receipt.messageId) {
    set.as2MessageId = receipt.messageId;
    set.as2From = ctx.config.identity.as2?.id ?? null;
  }
  // An async MDN may already have been matched: an absent disposition never clears it.
  if (receipt.disposition !== undefined) set.mdnDisposition = receipt.disposition.slice(0, 255);
  if (receipt.mic !== undefined) set.mic = receipt.mic;
  if (receipt.receipt) set.mdnSha256 = await ctx.store.putPayload(m, receipt.receipt);
  if (Object.keys(set).length) await m.update(MessageRecord, { id: messageId }, set);
  if (early?.mdnDisposition) await settleEarlyMdn(ctx, m, messageId, early.mic, receipt.mic);
}

/**
 * An async MDN can overtake the deliver step's own commit. It then found the delivery not yet
 * delivered and our MIC not yet known: it recorded its refusal (an `mdn-received` error event), or its
 * own MIC in place of ours. The deliver step, having just marked the delivery delivered, settles it now
 * in its own transaction.
 */
async function settleEarlyMdn(
  ctx: PipelineContext,
  m: EntityManager,
  messageId: string,
  theirMic: string | null,
  ourMic: string | undefined,
): Promise<void> {
  const [last] = await m.find(EventRecord, {
    where: { messageId, stage: 'mdn-received' },
    order: { id: 'DESC' },
    take: 1,
  });
  const delivery = await m.findOneBy(DeliveryRecord, { messageId });
  if (!last || !delivery) return;
  if (last.status === 'error' && last.code) {
    await refuseDelivery(ctx, m, delivery, last.code as ErrorCode, last.detail ?? last.code);
  } else if (ourMic && !micEquals(parseMic(ourMic), theirMic ? parseMic(theirMic) : undefined)) {
    const error = new GatewayError(
      'EDIGW_AS2_MDN_MIC_MISMATCH',
      `the async MDN for ${delivery.endpoint}: we computed ${ourMic}, the MDN says ${theirMic ?? 'none'}`,
    ).describe();
    await refuseDelivery(ctx, m, delivery, 'EDIGW_AS2_MDN_MIC_MISMATCH', error);
  }
}

/** A delivery the partner's async MDN refused: the Message failed, the delivery and its transaction dead, replayable. */
export async function refuseDelivery(
  ctx: PipelineContext,
  m: EntityManager,
  delivery: DeliveryRecord,
  code: ErrorCode,
  error: string,
): Promise<void> {
  const now = ctx.clock();
  await m.update(MessageRecord, { id: delivery.messageId }, { status: 'failed', error, updatedAt: now });
  await m.update(
    DeliveryRecord,
    { id: delivery.id },
    { status: 'dead', lastError: error, nextAttemptAt: null, updatedAt: now },
  );
  if (delivery.transactionId)
    await m.update(TransactionRecord, { id: delivery.transactionId }, { deliveryStatus: 'dead' });
  await ctx.store.event(
    {
      stage: 'dead-letter',
      status: 'error',
      messageId: delivery.messageId,
      transactionId: delivery.transactionId,
      partnerId: delivery.partnerId,
      code,
      detail: `${delivery.endpoint}: ${error} (edi-gateway replay ${delivery.id} sends it again)`,
    },
    m,
  );
}
