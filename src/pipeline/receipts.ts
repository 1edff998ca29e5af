/**
 * What an outbound protocol's receipt (an AS2 MDN) does to the outbound Message and its delivery:
 * the deliver step's hooks around a send. Before it, the id the receipt will name (`Outbound.announce`)
 * is recorded, so that a receipt arriving on its own before the send returns finds its message; after
 * it, what the receipt said. An async receipt that overtook the deliver step's commit is settled here.
 */
import { GatewayError, type ErrorCode } from '../errors';
import type { DeliveryRecord } from '../store/entities';
import type { MdnFields, Tx } from '../store/store';
import type { SendReceipt } from '../transports';
import { micEquals, parseMic } from '../transports/as2/mic';
import type { PipelineContext } from './context';

/** Before a send: the protocol's id the receipt will name, and who sends it, on the outbound Message. */
export async function recordAnnounced(
  ctx: PipelineContext,
  messageId: string,
  announced: { messageId: string; from?: string },
): Promise<void> {
  await ctx.store.assignAs2MessageId(messageId, announced.messageId, announced.from ?? null);
}

/**
 * Records what the partner's receipt said (or what we expect it to say) on the outbound Message,
 * inside the caller's transaction (the deliver step's, after it marked the delivery delivered).
 */
export async function recordSendReceipt(
  ctx: PipelineContext,
  m: Tx,
  messageId: string,
  receipt: SendReceipt,
): Promise<void> {
  // What an async MDN that overtook this commit recorded (its MIC stands in until ours is known).
  const early = receipt.disposition === undefined ? await ctx.store.message(messageId, m) : null;
  const set: MdnFields = {};
  if (receipt.messageId) {
    set.as2MessageId = receipt.messageId;
    set.as2From = ctx.config.identity.as2?.id ?? null;
  }
  // An async MDN may already have been matched: an absent disposition never clears it.
  if (receipt.disposition !== undefined) set.mdnDisposition = receipt.disposition.slice(0, 255);
  if (receipt.mic !== undefined) set.mic = receipt.mic;
  if (receipt.receipt) set.mdnSha256 = await ctx.store.putPayload(m, receipt.receipt);
  await ctx.store.recordMdn(m, messageId, set);
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
  m: Tx,
  messageId: string,
  theirMic: string | null,
  ourMic: string | undefined,
): Promise<void> {
  const last = await ctx.store.lastEvent(m, messageId, 'mdn-received');
  const delivery = await ctx.store.deliveries.ofMessage(messageId, m);
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
  m: Tx,
  delivery: DeliveryRecord,
  code: ErrorCode,
  error: string,
): Promise<void> {
  await ctx.store.deliveries.deadLetter(m, delivery, error);
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
