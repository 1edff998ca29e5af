/**
 * `show ID | --reference REF` (a message's lineage in the terminal) and `dead-letters [--partner ID]
 * [--replay]`: what the admin API's lineage and dead-letter routes answer, for whoever has a shell
 * on the gateway's host. They read the store the config names, through the same store methods.
 */
import type { Io } from './io';
import { configFile } from '../config/gateway';
import { openContext } from '../main';
import { silentLogger } from '../pipeline/logger';
import { replayDelivery } from '../pipeline/deliver';
import type { Lineage } from '../store/history';

const at = (d: Date) =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

function lineageText(l: Lineage): string {
  const m = l.message;
  const out = [
    `message ${m.id} ${m.direction} via ${m.transport}${m.partnerId ? ` (${m.partnerId})` : ''}: ` +
      `${m.fileName ?? m.as2MessageId ?? '-'}, ${m.size} bytes, ${m.status}${m.error ? `: ${m.error}` : ''}, ${at(m.receivedAt)}`,
  ];
  for (const ic of l.interchanges) {
    out.push(
      `  interchange ${ic.controlNumber} ${ic.standard} ${ic.senderQualifier}:${ic.senderId} → ` +
        `${ic.receiverQualifier}:${ic.receiverId}: ${ic.validation}, ack ${ic.ackStatus}`,
    );
    for (const g of ic.groups) {
      out.push(`    group ${g.functionalId ?? '-'} ${g.controlNumber ?? '-'} (${g.version})`);
      for (const t of g.transactions)
        out.push(
          `      ${t.type} ${t.controlNumber}${t.reference ? ` ref ${t.reference}` : ''}: ${t.validation}, ack ${t.ackStatus}, delivery ${t.deliveryStatus}`,
        );
    }
  }
  for (const a of l.acks.received) out.push(`  ack received ${a.kind} ${a.status} (${at(a.createdAt)})`);
  for (const a of l.acks.sent) out.push(`  ack sent ${a.kind} ${a.status} (${at(a.createdAt)})`);
  for (const d of l.deliveries) {
    out.push(
      `  delivery ${d.id} → ${d.endpoint}: ${d.status}, ` +
        `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.status !== 'delivered' && d.lastError ? `: ${d.lastError}` : ''}`,
    );
    for (const e of d.history) out.push(`      ${at(e.createdAt)} ${e.stage}${e.detail ? `: ${e.detail}` : ''}`);
  }
  if (l.sources.length) out.push(`  from ${l.sources.join(', ')}`);
  out.push('  events:');
  for (const e of l.events)
    out.push(
      `    ${at(e.createdAt)} ${e.stage} ${e.status}${e.code ? ` ${e.code}` : ''}${e.detail ? `: ${e.detail}` : ''}`,
    );
  return out.join('\n') + '\n';
}

/** `show ID` or `show --reference REF`: 0, or 1 when there is no such message. */
export async function showCommand(
  id: string | undefined,
  o: { reference?: string; config?: string },
  io: Io,
): Promise<number> {
  const ctx = await openContext({ configFile: configFile(o.config), logger: silentLogger });
  try {
    const ids =
      id !== undefined
        ? [id]
        : (await ctx.store.history.search({ reference: o.reference ?? '' }, { limit: 20 })).messages.map((m) => m.id);
    let shown = 0;
    for (const x of ids) {
      const l = await ctx.store.history.lineage(x);
      if (!l) continue;
      io.out((shown++ ? '\n' : '') + lineageText(l));
    }
    if (shown === 0) {
      io.err(`edi-gateway: no message ${id !== undefined ? id : `with reference ${o.reference ?? ''}`}\n`);
      return 1;
    }
    return 0;
  } finally {
    await ctx.store.close();
  }
}

/** `dead-letters [--partner ID] [--replay]`: lists (and queues again) dead letters, the latest first. */
export async function deadLettersCommand(
  o: { partner?: string; replay?: boolean; config?: string },
  io: Io,
): Promise<number> {
  const ctx = await openContext({ configFile: configFile(o.config), logger: silentLogger });
  try {
    const { deadLetters, next } = await ctx.store.deliveries.deadLetters(
      o.partner !== undefined ? { partner: o.partner } : {},
      { limit: 1000 },
    );
    for (const d of deadLetters) {
      io.out(
        `${d.id}  ${d.partnerId ?? '-'}/${d.endpoint}  ${d.type ?? '-'} ${d.reference ?? '-'}  ${at(d.deadAt)}  ${d.lastError ?? ''}\n`,
      );
      if (o.replay) {
        await replayDelivery(ctx, d.id);
        io.out(`  queued again (a running gateway sends it)\n`);
      }
    }
    if (next) io.out(`… more than ${deadLetters.length}: narrow with --partner, or run again after replaying\n`);
    if (deadLetters.length === 0) io.out('no dead letters\n');
    return 0;
  } finally {
    await ctx.store.close();
  }
}
