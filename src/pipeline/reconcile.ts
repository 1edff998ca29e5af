import { randomUUID } from 'node:crypto';
import type { Interchange } from '../edi/model';
import { type AckReport, type AckedGroup, readAcks } from '../edi/ack/read';
import type { SentInterchange } from '../store/acks';
import type { TransactionRecord } from '../store/entities';
import type { Tx } from '../store/store';
import type { PipelineContext } from './context';

const number = (s: string) => s.replace(/^0+(?=.)/, '');

/** Our outbound interchange an acknowledgement refers to (by interchange or by group control number). */
async function acknowledged(
  ctx: PipelineContext,
  m: Tx,
  partnerId: string,
  report: AckReport,
): Promise<SentInterchange | undefined> {
  const { acks } = ctx.store;
  if (report.interchange) {
    const ctrl = report.interchange.controlNumber;
    const variants = [...new Set([ctrl, number(ctrl), number(ctrl).padStart(9, '0')])];
    const hit = await acks.sentInterchange(m, partnerId, variants);
    if (hit) return hit;
  }
  for (const g of report.groups) {
    if (!g.controlNumber) continue;
    const hit = await acks.sentInterchangeOfGroup(m, partnerId, g.controlNumber, g.functionalId);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * What an acknowledgement says overall: the interchange's status when it answers the envelope (TA1,
 * CONTRL UCI); else its one group's; else A when every group is accepted, P when some are at least
 * in part, R when none is.
 */
function overallStatus(report: AckReport): string {
  const own = report.interchange?.status;
  if (own != null) return own;
  if (report.groups.length === 1) return report.groups[0].status;
  if (report.groups.every((g) => g.status === 'A')) return 'A';
  if (report.groups.some((g) => g.status === 'A' || g.status === 'E' || g.status === 'P')) return 'P';
  return 'R';
}

/** The acknowledged group of the ack that answers one of our groups (one without a control number answers all). */
function answering(report: AckReport, controlNumber: string | null | undefined): AckedGroup | undefined {
  return report.groups.find(
    (g) => !g.controlNumber || (controlNumber && number(g.controlNumber) === number(controlNumber)),
  );
}

/** What an ack says of each of our transaction sets: its own status, else its group's (P means the rest are accepted), else the ack's. */
function transactionStatuses(
  report: AckReport,
  target: SentInterchange,
  txs: TransactionRecord[],
  status: string,
): Array<{ id: string; status: string }> {
  return txs.map((tx) => {
    const group = target.groups.find((g) => g.id === tx.groupId);
    const ackGroup = answering(report, group?.controlNumber);
    const ackTx = ackGroup?.transactions.find((t) => number(t.controlNumber) === number(tx.controlNumber));
    return { id: tx.id, status: ackTx?.status || (ackGroup?.status === 'P' ? 'A' : ackGroup?.status) || status || 'A' };
  });
}

/** What an ack says of each of our groups it answers (an interchange-level ack answers them all). */
function groupStatuses(report: AckReport, target: SentInterchange, status: string) {
  const out: Array<{ id: string; status: string }> = [];
  for (const g of target.groups) {
    const ackGroup = answering(report, g.controlNumber);
    if (ackGroup || report.interchange) out.push({ id: g.id, status: ackGroup?.status || status || 'A' });
  }
  return out;
}

/**
 * Matches the acknowledgements an interchange carries (TA1, 997, 999, CONTRL) to the interchanges we
 * sent that partner, and records what each says on them and their transactions: the ack status goes
 * from `expected` (or `overdue`) to A, E, P or R. An ack of something we never sent is recorded too,
 * unmatched, and reported as an event.
 */
export async function reconcileAcks(
  ctx: PipelineContext,
  m: Tx,
  partnerId: string,
  ic: Interchange,
  carrier: { messageId: string; eventId: number | null },
): Promise<number> {
  const { store } = ctx;
  let matched = 0;
  for (const report of readAcks(ic)) {
    const target = await acknowledged(ctx, m, partnerId, report);
    const status = overallStatus(report);
    await store.acks.recordReceived(m, {
      id: randomUUID(),
      kind: report.kind,
      messageId: carrier.messageId,
      acknowledgesInterchangeId: target?.interchange.id ?? null,
      partnerId,
      interchangeControlNumber: report.interchange?.controlNumber ?? target?.interchange.controlNumber ?? null,
      groupControlNumber: report.groups[0]?.controlNumber || null,
      transactionControlNumber: report.groups[0]?.transactions[0]?.controlNumber ?? null,
      status: status || 'A',
      report: report as object,
      createdAt: ctx.clock(),
    });
    if (!target) {
      await store.event(
        {
          stage: 'ack-received',
          status: 'warning',
          parentId: carrier.eventId,
          messageId: carrier.messageId,
          partnerId,
          code: 'unmatched',
          detail:
            `${report.kind} acknowledges nothing we sent ${partnerId} ` +
            `(${report.interchange ? `interchange ${report.interchange.controlNumber}` : `group ${report.groups.map((g) => g.controlNumber).join(', ')}`})`,
        },
        m,
      );
      continue;
    }
    matched++;
    // A TA1 that accepts the envelope says nothing yet about the transactions; a 997 or CONTRL will.
    if (
      report.kind === 'TA1' &&
      status === 'A' &&
      target.interchange.ackStatus !== 'expected' &&
      target.interchange.ackStatus !== 'overdue'
    )
      continue;
    const txs = await store.acks.transactionsOf(m, target.interchange.id);
    await store.acks.markAcknowledged(m, {
      interchangeId: target.interchange.id,
      status: status || 'A',
      report: report as object,
      transactions: transactionStatuses(report, target, txs, status),
      groups: groupStatuses(report, target, status),
    });
    await store.event(
      {
        stage: 'ack-received',
        status: status === 'R' ? 'error' : 'ok',
        parentId: carrier.eventId,
        messageId: carrier.messageId,
        interchangeId: target.interchange.id,
        partnerId,
        detail: `${report.kind} ${status} for interchange ${target.interchange.controlNumber}`,
      },
      m,
    );
  }
  return matched;
}
