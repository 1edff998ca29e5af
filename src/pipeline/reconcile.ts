import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Interchange } from '../edi/model';
import { type AckReport, readAcks } from '../edi/ack/read';
import { AckRecord, GroupRecord, InterchangeRecord, TransactionRecord } from '../store/entities';
import type { PipelineContext } from './context';

const number = (s: string) => s.replace(/^0+(?=.)/, '');

/** Our outbound interchange an acknowledgement refers to (by interchange or by group control number). */
async function acknowledged(
  m: EntityManager,
  partnerId: string,
  report: AckReport,
): Promise<{ interchange: InterchangeRecord; groups: GroupRecord[] } | undefined> {
  const found = async (ic: InterchangeRecord | null) =>
    ic ? { interchange: ic, groups: await m.findBy(GroupRecord, { interchangeId: ic.id }) } : undefined;
  if (report.interchange) {
    const ctrl = report.interchange.controlNumber;
    const variants = [...new Set([ctrl, number(ctrl), number(ctrl).padStart(9, '0')])];
    for (const controlNumber of variants) {
      const hit = await found(
        await m.findOneBy(InterchangeRecord, { partnerKey: partnerId, direction: 'out', controlNumber }),
      );
      if (hit) return hit;
    }
  }
  for (const g of report.groups) {
    if (!g.controlNumber) continue;
    // Group control numbers are small counters every partner reuses: narrow to what we sent this
    // partner in the query itself (partnerKey leads the unique index), never after a LIMIT.
    const q = m
      .createQueryBuilder(GroupRecord, 'g')
      .innerJoin(InterchangeRecord, 'i', 'i.id = g.interchangeId')
      .where('i.partnerKey = :partnerId AND i.direction = :out AND g.controlNumber = :ctrl', {
        partnerId,
        out: 'out',
        ctrl: g.controlNumber,
      });
    if (g.functionalId) q.andWhere('g.functionalId = :fid', { fid: g.functionalId });
    const candidate = await q.orderBy('g.createdAt', 'DESC').getOne();
    const hit = candidate
      ? await found(await m.findOneBy(InterchangeRecord, { id: candidate.interchangeId }))
      : undefined;
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Matches the acknowledgements an interchange carries (TA1, 997, 999, CONTRL) to the interchanges we
 * sent that partner, and records what each says on them and their transactions: the ack status goes
 * from `expected` (or `overdue`) to A, E, P or R. An ack of something we never sent is recorded too,
 * unmatched, and reported as an event.
 */
export async function reconcileAcks(
  ctx: PipelineContext,
  m: EntityManager,
  partnerId: string,
  ic: Interchange,
  carrier: { messageId: string; eventId: number | null },
): Promise<number> {
  let matched = 0;
  for (const report of readAcks(ic)) {
    const target = await acknowledged(m, partnerId, report);
    const status =
      report.interchange?.status ??
      (report.groups.length === 1
        ? report.groups[0].status
        : report.groups.every((g) => g.status === 'A')
          ? 'A'
          : report.groups.some((g) => g.status === 'A' || g.status === 'E' || g.status === 'P')
            ? 'P'
            : 'R');
    await m.insert(AckRecord, {
      id: randomUUID(),
      direction: 'in',
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
      await ctx.store.event(
        {
          stage: 'ack-received',
          status: 'warning',
          parentId: carrier.eventId,
          messageId: carrier.messageId,
          partnerId,
          code: 'unmatched',
          detail: `${report.kind} acknowledges nothing we sent ${partnerId} (${report.interchange ? `interchange ${report.interchange.controlNumber}` : `group ${report.groups.map((g) => g.controlNumber).join(', ')}`})`,
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
    await m.update(
      InterchangeRecord,
      { id: target.interchange.id },
      { ackStatus: status || 'A', ackReport: report as object },
    );
    const txs = await m.findBy(TransactionRecord, { interchangeId: target.interchange.id });
    for (const tx of txs) {
      const group = target.groups.find((g) => g.id === tx.groupId);
      const ackGroup = report.groups.find(
        (g) => !g.controlNumber || (group?.controlNumber && number(g.controlNumber) === number(group.controlNumber)),
      );
      const ackTx = ackGroup?.transactions.find((t) => number(t.controlNumber) === number(tx.controlNumber));
      const txStatus = ackTx?.status || (ackGroup?.status === 'P' ? 'A' : ackGroup?.status) || status || 'A';
      await m.update(TransactionRecord, { id: tx.id }, { ackStatus: txStatus });
    }
    for (const g of target.groups) {
      const ackGroup = report.groups.find(
        (x) => !x.controlNumber || (g.controlNumber && number(x.controlNumber) === number(g.controlNumber)),
      );
      if (ackGroup || report.interchange)
        await m.update(GroupRecord, { id: g.id }, { ackStatus: ackGroup?.status || status || 'A' });
    }
    await ctx.store.event(
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
