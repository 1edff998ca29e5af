import { basename } from 'node:path';
import { configFile } from '../config/gateway';
import { GatewayError } from '../errors';
import { openContext, openView, runWorkerProcess, startGateway } from '../main';
import { silentLogger } from '../pipeline/logger';
import type { PipelineContext } from '../pipeline/context';
import { deliverJob, replayDelivery, Senders } from '../pipeline/deliver';
import { processingState, replayProcessing, type ReplayedProcessing } from '../pipeline/replay-process';
import { sendDocument } from '../pipeline/send';
import { simulate } from '../pipeline/simulate';
import { DeliveryRecord } from '../store/entities';
import { readInput } from './input';
import type { Io } from './io';
import { userInfo } from 'node:os';
import { auditEvent } from '../admin/audit';
import type { Actor } from '../admin/auth';

/** `start`: runs the gateway until SIGTERM or SIGINT, then stops it in order and exits 0. */
export async function startCommand(o: { config?: string }): Promise<number> {
  const gw = await startGateway({ configFile: configFile(o.config) });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await gw.stop();
  return 0;
}

/** How long a worker process whose gateway is gone may take to stop before it exits regardless (the parent's own bound). */
const ORPHAN_STOP_MS = 30_000;

/**
 * `worker` (started by `start` for gateway.yaml `processes`): runs jobs until SIGTERM, or until the
 * process that started it is gone (its IPC channel closes, also when it was killed with SIGKILL): a
 * worker outliving its gateway would hold database connections and claim jobs no one supervises.
 */
export async function workerCommand(o: { config?: string }): Promise<number> {
  const orphaned = process.connected
    ? new Promise<void>((resolve) =>
        process.once('disconnect', () => {
          // No one is left to SIGKILL a stop that hangs (a database that does not answer): do it ourselves.
          // The jobs in hand go back to the queue when their leases end.
          setTimeout(() => process.exit(1), ORPHAN_STOP_MS).unref();
          resolve();
        }),
      )
    : new Promise<void>(() => undefined);
  const w = await runWorkerProcess({ configFile: configFile(o.config) });
  await Promise.race([
    orphaned,
    new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    }),
  ]);
  await w.stop();
  // A 'disconnect' listener keeps the IPC channel (and so the process) alive: let go of it.
  process.removeAllListeners('disconnect');
  if (process.connected) process.disconnect();
  return 0;
}

/**
 * Runs a delivery the command just queued, here and now, once (the running gateway retries it if this
 * attempt fails). Resolves to the delivery as it stands afterwards.
 */
async function deliverNow(
  ctx: PipelineContext,
  deliveryId: string,
  key: string,
): Promise<{ d: DeliveryRecord | null; paused?: boolean }> {
  const job = await ctx.store.queue.claimKey(key, `cli:${process.pid}`);
  if (job) await deliverJob(ctx, job, new Senders(ctx));
  const read = () => ctx.store.read((m) => m.findOneBy(DeliveryRecord, { id: deliveryId }));
  // A running gateway may have claimed the job first: wait for its attempt to settle.
  const until = Date.now() + WAIT_FOR_GATEWAY_MS;
  let d = await read();
  // A paused partner's delivery waits for a resume, not for an attempt: nothing to wait for here.
  if (d?.partnerId && (await ctx.store.partners.paused()).has(d.partnerId)) return { d, paused: true };
  while (d && (d.status === 'pending' || d.status === 'delivering') && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    d = await read();
  }
  return { d };
}

/** How long send/replay wait for a running gateway's attempt at a delivery they queued (its HTTP timeout is 30 s). */
const WAIT_FOR_GATEWAY_MS = 45_000;

function outcome({ d, paused }: { d: DeliveryRecord | null; paused?: boolean }, io: Io): boolean {
  if (!d) return false;
  if (paused) {
    io.err(
      `edi-gateway: delivery ${d.id} to ${d.endpoint} waits: partner ${d.partnerId}'s outbound deliveries are paused; ` +
        `it goes when an operator resumes them (POST /api/partners/${d.partnerId}/resume)\n`,
    );
    return false;
  }
  if (d.status === 'delivered') {
    io.out(`delivered ${d.id} to ${d.endpoint} (attempt ${d.attempts})\n`);
    return true;
  }
  const why =
    d.status === 'pending' || d.status === 'delivering'
      ? 'no attempt has finished yet'
      : (d.lastError ?? 'no error recorded');
  io.err(`edi-gateway: delivery ${d.id} to ${d.endpoint} is ${d.status}: ${why}\n`);
  if (d.status === 'retrying')
    io.err(`edi-gateway: it stays queued; a running gateway retries it (edi-gateway start)\n`);
  return false;
}

/** `send --partner ID --endpoint NAME FILE`: queued in the store, then delivered at once. 0 delivered, 1 not. */
export async function sendCommand(
  file: string,
  o: { partner: string; endpoint: string; as?: 'x12' | 'edifact'; config?: string },
  io: Io,
): Promise<number> {
  const bytes = readInput(file);
  const ctx = await openContext({ configFile: configFile(o.config), logger: silentLogger });
  try {
    const queued = await sendDocument(ctx, {
      partnerId: o.partner,
      endpoint: o.endpoint,
      bytes,
      fileName: basename(file),
      as: o.as,
    });
    let ok = true;
    for (const q of queued) ok = outcome(await deliverNow(ctx, q.deliveryId, `deliver:${q.deliveryId}`), io) && ok;
    return ok ? 0 : 1;
  } finally {
    await ctx.store.close();
  }
}

/**
 * Who acts from the command line, for the audit trail: the operating-system user, as an operator (a
 * command that can open the store may act; there is no admin user to name).
 */
function cliActor(): Actor {
  return { name: `cli:${userInfo().username}`, role: 'operator', requestId: `cli-${process.pid}` };
}

/**
 * `replay ID`: a dead-lettered delivery is queued again and tried at once. ID is the delivery's, its
 * outbound message's, or the id of what it was made from as the report and the console show it (an
 * inbound message or a transaction set: every dead letter of it is replayed). An inbound message whose
 * processing was dead-lettered is queued to be processed again (a running gateway's workers do it,
 * with their crash guard and, for a large payload, their child process); one processed already is
 * refused with why.
 */
export async function replayCommand(id: string, o: { config?: string }, io: Io): Promise<number> {
  const ctx = await openContext({ configFile: configFile(o.config), logger: silentLogger });
  try {
    const direct = await ctx.store.read((m) => ctx.store.deliveries.byIdOrMessage(m, id));
    const targets = direct ? [id] : (await ctx.store.deliveries.deadOf(id)).map((d) => d.id);
    const reprocess = !direct && (await processingState(ctx.store, id)).state === 'dead';
    if (reprocess) await replayedProcessing(ctx, await replayProcessing(ctx, id), io);
    else if (targets.length === 0) {
      // A message, processed or still waiting: replayProcessing refuses it and says why.
      if (await ctx.store.message(id)) await replayProcessing(ctx, id);
      throw new GatewayError(
        'EDIGW_DELIVERY_NOT_FOUND',
        `replay ${id} (a delivery, an outbound message, or an inbound message or transaction set with a dead letter)`,
      );
    }
    let ok = true;
    for (const target of targets) {
      const d = await replayDelivery(ctx, target);
      await ctx.store.event({
        ...auditEvent({
          action: 'replay',
          actor: cliActor(),
          messageId: d.messageId,
          partnerId: d.partnerId,
          detail: { deliveryId: d.id, via: 'cli' },
        }),
        messageId: d.messageId,
        partnerId: d.partnerId,
      });
      const replays = await ctx.store.events(d.messageId).then((e) => e.filter((x) => x.stage === 'replayed').length);
      ok = outcome(await deliverNow(ctx, d.id, `deliver:${d.id}:replay:${replays}`), io) && ok;
    }
    return ok ? 0 : 1;
  } finally {
    await ctx.store.close();
  }
}

/** Audits a processing replay from the command line and says what happens next. */
async function replayedProcessing(ctx: PipelineContext, r: ReplayedProcessing, io: Io): Promise<void> {
  await ctx.store.event({
    ...auditEvent({
      action: 'replay',
      actor: cliActor(),
      messageId: r.messageId,
      partnerId: r.partnerId,
      detail: { processing: r.replay, via: 'cli' },
    }),
    messageId: r.messageId,
    partnerId: r.partnerId,
  });
  io.out(
    `queued ${r.messageId} to be processed again (replay ${r.replay}); a running gateway processes it (edi-gateway start)\n`,
  );
}

/** `simulate --partner ID FILE`: what the pipeline would do, with nothing stored or sent. */
export async function simulateCommand(
  file: string,
  o: { partner: string; json?: boolean; config?: string },
  io: Io,
): Promise<number> {
  const bytes = readInput(file);
  const view = openView({ configFile: configFile(o.config), logger: silentLogger });
  if (!view.partners.get(o.partner))
    throw new GatewayError('EDIGW_SEND_INVALID', `simulate --partner ${o.partner}`, {
      cause: new Error(
        `no such partner is loaded (partners: ${
          view.partners
            .list()
            .map((p) => p.id)
            .join(', ') || 'none'
        }; see edi-gateway partners check)`,
      ),
    });
  let result;
  try {
    result = await simulate(view, o.partner, bytes);
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    throw new GatewayError('EDIGW_EDI_UNREADABLE', `${file}: ${(e as Error).message}`);
  }
  if (o.json) {
    io.out(JSON.stringify(result, null, 2) + '\n');
  } else {
    for (const ic of result) {
      io.out(
        `interchange ${ic.controlNumber} (${ic.standard === 'x12' ? 'X12' : 'EDIFACT'}) from ${ic.sender} to ${ic.receiver}: ` +
          `partner ${ic.partner ?? 'unknown'}${ic.refused ? `, REFUSED: ${ic.refused}` : ''}\n`,
      );
      for (const a of ic.acks)
        io.out(`  ack ${a.kind} ${a.status} → ${a.to ?? '(not sent: no acks.to)'}\n${indent(a.text, 4)}`);
      for (const t of ic.transactions) {
        io.out(
          `  transaction ${t.type} ${t.controlNumber} (${t.version}): ` +
            `${t.status === 'A' ? 'accepted' : t.status === 'E' ? 'accepted with errors' : 'rejected'}${t.tracked ? ` ${JSON.stringify(t.tracked)}` : ''}\n`,
        );
        for (const d of t.diagnostics) io.out(`    ${d}\n`);
        if (t.route)
          io.out(
            `    route → ${t.route.partner}/${t.route.to}${t.route.map ? ` via ${t.route.map}` : ''} as ${t.route.format}\n`,
          );
        if (t.output) io.out(`    output ${t.output.fileName} (${t.output.contentType}):\n${indent(t.output.text, 6)}`);
        if (t.error) io.out(`    not routed: ${t.error}\n`);
      }
    }
    if (result.length === 0) io.out(`${file}: no interchange\n`);
  }
  const bad = result.some((ic) => ic.refused || ic.transactions.some((t) => t.error || t.status === 'R'));
  return bad ? 1 : 0;
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  const body = text.length > 4000 ? `${text.slice(0, 4000)}\n… (${text.length - 4000} more characters)` : text;
  return (
    body
      .replace(/\n?$/, '\n')
      .split('\n')
      .slice(0, -1)
      .map((l) => pad + l)
      .join('\n') + '\n'
  );
}
