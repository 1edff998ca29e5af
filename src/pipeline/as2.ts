/**
 * AS2 in the running gateway: the listener (src/transports/as2/server.ts) wired to the partners, our
 * identity and the store, and the async MDNs both ways. (What a receipt does to a delivery is
 * pipeline/receipts.ts; the sender's settings are the as2 spec's own.)
 *
 * - A message is taken in through intake (transport `as2`, the partner found by AS2-From), and its MDN
 *   is kept as a payload named by `message.mdnSha256`, so that a resent Message-ID gets the same bytes.
 * - An async MDN we answer with is an `as2-mdn` job, queued in the commit that records the MDN: any
 *   worker, in any gateway process, POSTs it, retried with gateway.yaml `delivery` like a delivery.
 * - An async MDN POSTed to us is matched to our outbound Message by its Original-Message-ID; a negative
 *   or untrustworthy one turns the delivery dead (it can then be replayed).
 * - Certificates that expire within 30 days are warned about at start.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import type { LoadedPartner } from '../config/partners';
import { GatewayError, type ErrorCode } from '../errors';
import type { Tx } from '../store/store';
import type { Job } from '../store/queue';
import { redactUrl } from '../transports/http/sender';
import { loadCertificates, loadPrivateKey, type Certificate } from '../transports/as2/cms';
import { deliverAsyncMdn, postAsyncMdn } from '../transports/as2/http-client';
import { formatMic, micEquals, parseMic } from '../transports/as2/mic';
import { parseEntity } from '../transports/as2/mime';
import { dispositionText } from '../transports/as2/sender';
import { WARMUP_MESSAGES } from '../transports/as2/warm-up';
import {
  startAs2Server,
  type As2IntakeInput,
  type As2PartnerPolicy,
  type As2Server,
  type AsyncMdnRequest,
  type ReceivedMdn,
} from '../transports/as2/server';
import type { PipelineContext, PipelineView } from './context';
import { afterFailure } from './deliver';
import { refuseDelivery } from './receipts';
import { partnerCertificateFiles } from './transport-settings';
import { intake } from './intake';
import { mdnOutcome } from './meter';

const DAY = 86_400_000;
/** Certificates expiring within this are warned about. */
export const CERTIFICATE_WARNING_MS = 30 * DAY;

// ---------------------------------------------------------------------------------------------
// Certificates

const certCache = new Map<string, { mtimeMs: number; size: number; certificates: Certificate[] }>();

/** The certificates of a PEM (or DER) file, read again only when the file changed. Throws EDIGW_AS2_KEY_INVALID / EDIGW_TRANSPORT_KEY_FILE. */
export function certificatesIn(file: string): Certificate[] {
  let st: { mtimeMs: number; size: number };
  try {
    st = statSync(file);
  } catch (e) {
    throw new GatewayError('EDIGW_TRANSPORT_KEY_FILE', `the certificate ${file}`, { cause: e });
  }
  const hit = certCache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.certificates;
  const certificates = loadCertificates(readFileSync(file));
  certCache.set(file, { mtimeMs: st.mtimeMs, size: st.size, certificates });
  return certificates;
}

export interface CertificateExpiry {
  /** `us` for our own (identity.as2, the TLS certificate), else the partner id. */
  owner: string;
  file: string;
  subject: string;
  notAfter: Date;
  /** Negative once expired. */
  daysLeft: number;
}

/** A certificate file that cannot be read: reported, never dropped in silence. */
export interface UnreadableCertificate {
  owner: string;
  file: string;
  reason: string;
}

/**
 * The AS2 certificates, ours and the partners', that expire within `withinMs` (30 days by default) or
 * have expired, soonest first. A file that cannot be read has no expiry to show: it goes to
 * `unreadable` (partners check refuses it as well).
 */
export function expiringCertificates(
  view: Pick<PipelineView, 'config' | 'partners' | 'clock'>,
  withinMs = CERTIFICATE_WARNING_MS,
  now = view.clock(),
  unreadable: (u: UnreadableCertificate) => void = () => undefined,
): CertificateExpiry[] {
  const files: { owner: string; file: string }[] = [];
  const { config } = view;
  if (config.identity.as2) files.push({ owner: 'us', file: resolve(config.dir, config.identity.as2.certificate) });
  if (config.as2?.tls) files.push({ owner: 'us', file: resolve(config.dir, config.as2.tls.certificate) });
  for (const p of view.partners.list())
    for (const file of partnerCertificateFiles(config, p)) files.push({ owner: p.id, file });
  const out: CertificateExpiry[] = [];
  for (const f of files) {
    let certs: Certificate[];
    try {
      certs = certificatesIn(f.file);
    } catch (e) {
      unreadable({ ...f, reason: e instanceof GatewayError ? e.describe() : (e as Error).message });
      continue;
    }
    for (const c of certs) {
      const left = c.notAfter.getTime() - now.getTime();
      if (left <= withinMs)
        out.push({ ...f, subject: c.subject, notAfter: c.notAfter, daysLeft: Math.floor(left / DAY) });
    }
  }
  return out.sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime());
}

/**
 * A repeated Message-ID gets the first MDN back and is not taken in again (RFC 4130 §5.5), which is
 * right for a resend. When the content differs, though, the partner reused a Message-ID for another
 * message, and the new content would be gone without a trace: it is told in the log (warning) and as
 * an `as2-duplicate-changed` event on the first message, which the report's page lists. Nothing here
 * may fail the receipt: the MDN still goes out.
 */
async function noteChangedDuplicate(ctx: PipelineContext, i: As2IntakeInput, firstId: string): Promise<void> {
  try {
    const first = await ctx.store.message(firstId);
    const sha256 = createHash('sha256').update(i.bytes).digest('hex');
    if (!first || first.sha256 === sha256) return;
    const e = new GatewayError('EDIGW_AS2_DUPLICATE_CHANGED', `Message-ID ${i.as2MessageId} from ${i.as2From}`);
    const detail =
      `${e.describe()}; the new content: ${i.bytes.length} bytes, sha256 ${sha256}${i.fileName ? `, file ${i.fileName}` : ''}; ` +
      `the first (message ${first.id}): ${first.size} bytes, sha256 ${first.sha256}`;
    ctx.logger.warn(
      {
        partner: i.partnerId,
        as2MessageId: i.as2MessageId,
        message: first.id,
        sha256,
        firstSha256: first.sha256,
        bytes: i.bytes.length,
        code: e.code,
      },
      detail,
    );
    await ctx.store.event({
      stage: 'as2-duplicate-changed',
      status: 'warning',
      messageId: first.id,
      partnerId: i.partnerId,
      code: e.code,
      detail,
    });
  } catch (e) {
    ctx.logger.error(
      { partner: i.partnerId, as2MessageId: i.as2MessageId, message: firstId, err: (e as Error).message },
      'as2: comparing a repeated Message-ID with the first failed',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Async MDNs we send: the `as2-mdn` job

export const AS2_MDN_JOB = 'as2-mdn';

/** What an `as2-mdn` job carries; the MDN itself is the stored payload `mdnSha256`. */
export interface As2MdnJobData {
  url: string;
  /** The POST's headers, fixed when the MDN was made: every attempt sends the same message. */
  headers: Record<string, string>;
  mdnSha256: string;
  partnerId: string;
  originalMessageId: string;
}

/** The job key of the n-th async MDN of a stored message: `<messageId>:as2-mdn`, then `…:as2-mdn:2` for a resend's. */
function mdnJobKey(messageId: string, n: number): string {
  return n === 1 ? `${messageId}:${AS2_MDN_JOB}` : `${messageId}:${AS2_MDN_JOB}:${n}`;
}

/**
 * Queues an async MDN inside the caller's transaction; false when nothing was queued because an MDN
 * job of the same message is still queued or running: that one POSTs the same stored bytes, to the
 * URL the first request named. Once it was sent (or given up), a resend that asks again gets a job of
 * its own. The MDN of a refusal, which has no Message, is keyed by its own sha256.
 */
async function queueMdn(
  ctx: PipelineContext,
  m: Tx,
  req: Omit<AsyncMdnRequest, 'body' | 'entity'>,
  mdnSha256: string,
): Promise<boolean> {
  let key = `${mdnSha256}:${AS2_MDN_JOB}`;
  if (req.messageId) {
    // By key, one index lookup each: the job table has no index on messageId.
    let n = 1;
    for (; ; n++) {
      const job = await ctx.store.queue.byKey(mdnJobKey(req.messageId, n), m);
      if (!job) break;
      if (job.status === 'queued' || job.status === 'running') return false;
    }
    key = mdnJobKey(req.messageId, n);
  }
  const data: As2MdnJobData = {
    url: req.url,
    headers: req.headers,
    mdnSha256,
    partnerId: req.partnerId,
    originalMessageId: req.originalMessageId,
  };
  await ctx.store.queue.enqueue(
    { kind: AS2_MDN_JOB, key, messageId: req.messageId ?? null, data, maxAttempts: ctx.config.delivery.attempts },
    m,
  );
  return true;
}

/**
 * An async MDN the listener's recordMdn did not queue (a repeated Message-ID's, a refusal's): stored
 * and queued. Only when the store cannot take it is it POSTed from memory, a few tries, as a last resort.
 */
async function handOverMdn(ctx: PipelineContext, req: AsyncMdnRequest): Promise<void> {
  const { store, logger } = ctx;
  let queued: boolean;
  try {
    queued = await store.transaction(async (m) => queueMdn(ctx, m, req, await store.putPayload(m, req.entity)));
  } catch (e) {
    logger.error(
      { partner: req.partnerId, originalMessageId: req.originalMessageId, err: (e as Error).message },
      'as2: the async MDN cannot be queued; sending it from memory',
    );
    try {
      await deliverAsyncMdn({
        url: req.url,
        headers: req.headers,
        body: req.body,
        attempts: 5,
        context: `sending the async MDN for ${req.originalMessageId}`,
      });
    } catch (e2) {
      const error =
        e2 instanceof GatewayError
          ? e2
          : new GatewayError('EDIGW_AS2_MDN_UNDELIVERED', req.originalMessageId, { cause: e2 });
      await store
        .event({
          stage: 'mdn-undelivered',
          status: 'error',
          messageId: req.messageId ?? null,
          partnerId: req.partnerId,
          code: 'EDIGW_AS2_MDN_UNDELIVERED',
          detail: error.describe(),
        })
        .catch(() => undefined);
      throw error;
    }
    return;
  }
  if (queued) ctx.kick?.();
  else
    logger.info(
      { partner: req.partnerId, message: req.messageId, originalMessageId: req.originalMessageId },
      'as2: the async MDN of this message is queued already; the resend gets it from there',
    );
}

/**
 * An `as2-mdn` job: one POST of the stored MDN per attempt. A 2xx completes the job with an `mdn-sent`
 * event. A failure worth retrying (unreachable, 5xx, 408, 429, a timeout) goes back to the queue after
 * gateway.yaml's `delivery` backoff (an `mdn-delivery-failed` warning); the last attempt, or a refusal
 * that would be the same next time (4xx, a redirect), makes the job dead with an `mdn-undelivered`
 * error. The MDN stays stored: a resend of the message that asks again gets it again.
 */
export async function runMdnJob(ctx: PipelineContext, job: Job): Promise<void> {
  const { store, logger } = ctx;
  const data = job.data as Partial<As2MdnJobData> | null;
  if (!data?.url || !data.headers || !data.mdnSha256) {
    await store.queue.dead(job, 'the job names no MDN to send');
    return;
  }
  const shownUrl = redactUrl(data.url);
  const context = `sending the async MDN for ${data.originalMessageId} to partner ${data.partnerId}`;
  let failure: GatewayError | undefined;
  let entity: Buffer | undefined;
  try {
    entity = await store.payload(data.mdnSha256);
    await postAsyncMdn({ url: data.url, headers: data.headers, body: parseEntity(entity).body, context });
  } catch (e) {
    // The reason goes into the context: wrapped once more when the job gives up, a cause's cause is not shown.
    failure =
      e instanceof GatewayError
        ? e
        : new GatewayError(
            'EDIGW_AS2_MDN_UNDELIVERED',
            entity ? context : `${context}: reading the stored MDN: ${(e as Error).message}`,
            { cause: e },
          );
  }
  const ev = { messageId: job.messageId, partnerId: data.partnerId ?? null };
  const attempts = `${job.attempts} attempt${job.attempts === 1 ? '' : 's'}`;
  if (!failure) {
    const done = await store.transaction(async (m) => {
      if (!(await store.queue.complete(job, m))) return false;
      await store.event(
        {
          ...ev,
          stage: 'mdn-sent',
          detail: `the async MDN for ${data.originalMessageId} to ${shownUrl} (attempt ${job.attempts})`,
        },
        m,
      );
      return true;
    });
    if (done)
      logger.info(
        {
          partner: data.partnerId,
          message: job.messageId,
          originalMessageId: data.originalMessageId,
          url: shownUrl,
          attempt: job.attempts,
        },
        'as2 async MDN sent',
      );
    else
      logger.warn(
        { job: job.id, message: job.messageId },
        'as2: the async MDN was sent, but the job had been taken over by another worker',
      );
    return;
  }
  const { last, delay } = afterFailure(job, failure, ctx.config.delivery);
  const error = failure.describe();
  const recorded = await store.transaction(async (m) => {
    if (last) {
      if (!(await store.queue.dead(job, error, m))) return false;
      const given = new GatewayError('EDIGW_AS2_MDN_UNDELIVERED', `${context} (${shownUrl}), ${attempts}`, {
        cause: failure,
      });
      const kept = entity
        ? `; the MDN stays stored (payload ${data.mdnSha256}): a resend of the message gets it again`
        : '';
      await store.event(
        { ...ev, stage: 'mdn-undelivered', status: 'error', code: given.code, detail: `${given.describe()}${kept}` },
        m,
      );
      return true;
    }
    if ((await store.queue.retry(job, error, delay, m)) !== 'retry') return false;
    await store.event(
      {
        ...ev,
        stage: 'mdn-delivery-failed',
        status: 'warning',
        code: failure!.code,
        detail: `${error} (attempt ${job.attempts} of ${job.maxAttempts}; next in ${Math.round(delay / 1000)}s)`,
      },
      m,
    );
    return true;
  });
  if (recorded)
    logger.warn(
      {
        partner: data.partnerId,
        message: job.messageId,
        originalMessageId: data.originalMessageId,
        attempt: job.attempts,
        error,
        dead: last,
      },
      last ? 'as2: the async MDN was not delivered; given up' : 'as2: the async MDN was not delivered; will retry',
    );
}

// ---------------------------------------------------------------------------------------------
// The listener

/** How long a partner's AS2 policy is served before its certificate files are looked at again. */
export const POLICY_RECHECK_MS = 1000;

/**
 * Each partner's AS2 policy, built once and not per message (which cost a `stat` of each certificate
 * file and a new certificate list every time). Kept by the partner object itself: a reload of the
 * partners folder makes new ones, so an edited partner file is never answered with the policy of
 * the old one. A certificate file replaced in place is picked up within `recheckMs`, when the files
 * are looked at again (certificatesIn reads one again only when its size or mtime changed).
 */
export function as2Policies(
  ctx: PipelineContext,
  recheckMs = POLICY_RECHECK_MS,
): (partner: LoadedPartner) => As2PartnerPolicy {
  const built = new WeakMap<LoadedPartner, { policy: As2PartnerPolicy; at: number }>();
  return (partner) => {
    const now = performance.now();
    const hit = built.get(partner);
    if (hit && now - hit.at < recheckMs) return hit.policy;
    const policy = policyOf(ctx, partner);
    built.set(partner, { policy, at: now });
    return policy;
  };
}

function policyOf(ctx: PipelineContext, partner: LoadedPartner): As2PartnerPolicy {
  // A partner without inbound.as2 gets the schema's defaults: signed and encrypted, both required.
  const rules = partner.inbound?.as2 ?? { signed: 'required', encrypted: 'required' };
  const certificates: Certificate[] = [];
  for (const file of partnerCertificateFiles(ctx.config, partner)) {
    try {
      certificates.push(...certificatesIn(file));
    } catch (e) {
      ctx.logger.error(
        { partner: partner.id, file, err: e instanceof GatewayError ? e.describe() : (e as Error).message },
        'as2: a partner certificate cannot be read',
      );
    }
  }
  return { partnerId: partner.id, signed: rules.signed, encrypted: rules.encrypted, certificates };
}

/** An async MDN for something we sent: matched by Original-Message-ID, checked, recorded. */
async function mdnReceived(ctx: PipelineContext, r: ReceivedMdn): Promise<{ matched: boolean; detail?: string }> {
  const { store } = ctx;
  const original = r.mdn.originalMessageId?.trim();
  const message = original ? await store.sentMessageByAs2Id(r.partnerId, original) : null;
  if (!message) {
    const detail = original
      ? `no message we sent to ${r.partnerId} has Message-ID ${original}`
      : 'it names no Original-Message-ID';
    ctx.logger.warn(
      { partner: r.partnerId, originalMessageId: original, remote: r.remote },
      `as2: an MDN that matches nothing we sent: ${detail}`,
    );
    await store.event({
      stage: 'mdn-unmatched',
      status: 'warning',
      partnerId: r.partnerId,
      code: 'EDIGW_AS2_MDN_UNMATCHED',
      detail: `${detail}; disposition ${dispositionText(r.mdn.disposition)}`,
    });
    return { matched: false, detail };
  }
  const delivery = await store.deliveries.ofMessage(message.id);
  const endpoint = delivery ? ctx.partners.get(r.partnerId)?.endpoints?.[delivery.endpoint]?.as2 : undefined;
  const disposition = dispositionText(r.mdn.disposition);
  const expected = message.mic ? parseMic(message.mic) : undefined;
  let problem: { code: ErrorCode; text: string } | undefined;
  if (!r.mdn.disposition.ok) problem = { code: 'EDIGW_AS2_MDN_NEGATIVE', text: disposition };
  else if ((endpoint?.mdn.signed ?? true) && !r.mdn.verified)
    problem = {
      code: 'EDIGW_AS2_MDN_SIGNATURE_INVALID',
      text: 'the MDN is not signed, and a signed one was asked for',
    };
  else if (expected && !micEquals(expected, r.mdn.receivedContentMic))
    problem = {
      code: 'EDIGW_AS2_MDN_MIC_MISMATCH',
      text: `we computed ${message.mic}, the MDN says ${r.mdn.fields.get('received-content-mic') ?? 'none'}`,
    };
  const error = problem
    ? new GatewayError(problem.code, `the async MDN for ${original}: ${problem.text}`).describe()
    : null;
  await store.transaction(async (m) => {
    const mdnSha256 = await store.putPayload(m, r.entity);
    // The Message first: on MariaDB its row lock waits for a deliver step still committing this
    // delivery, so the delivery read next is the committed one.
    await store.recordMdn(m, message.id, {
      mdnDisposition: disposition.slice(0, 255),
      mdnSha256,
      updatedAt: ctx.clock(),
      ...(error ? { status: 'failed', error } : {}),
      // Our MIC is not recorded yet when the MDN overtook our commit: theirs stands in, and the deliver step compares (settleEarlyMdn in receipts.ts).
      ...(!message.mic && r.mdn.receivedContentMic ? { mic: formatMic(r.mdn.receivedContentMic) } : {}),
    });
    await store.event(
      {
        stage: 'mdn-received',
        status: error ? 'error' : 'ok',
        messageId: message.id,
        partnerId: r.partnerId,
        code: problem?.code ?? null,
        detail: error ?? `${original}: ${disposition}`,
      },
      m,
    );
    const now = await store.deliveries.ofMessage(message.id, m);
    // Not delivered yet: the deliver step applies the refusal when it commits (settleEarlyMdn in receipts.ts).
    if (error && now?.status === 'delivered') await refuseDelivery(ctx, m, now, problem!.code, error);
  });
  // A positive MDN we cannot trust (unsigned where a signature was asked for, another MIC) counts as invalid.
  ctx.meter?.mdn({
    direction: 'received',
    outcome: problem && r.mdn.disposition.ok ? 'invalid' : mdnOutcome(disposition),
  });
  (error ? ctx.logger.warn : ctx.logger.info).call(
    ctx.logger,
    { partner: r.partnerId, message: message.id, originalMessageId: original, disposition, error },
    'as2 async MDN received',
  );
  return { matched: true };
}

export interface RunningAs2 {
  /** The port listened on; absent when gateway.yaml has no `as2`. */
  port?: number;
  url?: string;
  close(): Promise<void>;
}

const running = new WeakMap<PipelineContext, Promise<RunningAs2>>();

/**
 * Starts the AS2 listener of gateway.yaml `as2` (nothing when it is absent). Once per context: a
 * second call returns the first listener. Throws a config GatewayError when our identity is missing or
 * unreadable, or the port is taken.
 */
export function startAs2(ctx: PipelineContext): Promise<RunningAs2> {
  let started = running.get(ctx);
  if (!started) {
    started = start(ctx);
    running.set(ctx, started);
    started.catch(() => running.delete(ctx));
  }
  return started;
}

function readOurFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new GatewayError('EDIGW_AS2_KEY_INVALID', `${what} ${file}`, { cause: e });
  }
}

async function start(ctx: PipelineContext): Promise<RunningAs2> {
  const { config, store, logger } = ctx;
  if (!config.as2) return { close: async () => undefined };
  const us = config.identity.as2;
  if (!us) throw new GatewayError('EDIGW_AS2_IDENTITY_MISSING', 'gateway.yaml has as2 but no identity.as2');
  const key = loadPrivateKey(readOurFile(resolve(config.dir, us.key), 'our AS2 key (identity.as2.key)'));
  const [certificate] = loadCertificates(
    readOurFile(resolve(config.dir, us.certificate), 'our AS2 certificate (identity.as2.certificate)'),
  );
  const tls = config.as2.tls
    ? {
        key: readOurFile(resolve(config.dir, config.as2.tls.key), 'the TLS key (as2.tls.key)'),
        cert: readOurFile(resolve(config.dir, config.as2.tls.certificate), 'the TLS certificate (as2.tls.certificate)'),
      }
    : undefined;

  const unreadable = (u: UnreadableCertificate) =>
    logger.warn({ owner: u.owner, file: u.file, err: u.reason }, 'AS2 certificate cannot be read');
  for (const c of expiringCertificates(ctx, undefined, undefined, unreadable)) {
    logger.warn(
      { owner: c.owner, file: c.file, subject: c.subject, notAfter: c.notAfter.toISOString(), daysLeft: c.daysLeft },
      c.daysLeft < 0 ? 'AS2 certificate has expired' : 'AS2 certificate expires within 30 days',
    );
  }

  const policy = as2Policies(ctx);
  const server: As2Server = await startAs2Server({
    port: config.as2.port,
    path: config.as2.path,
    maxBytes: config.as2.maxBytes,
    tls,
    cryptoThreads: config.as2.cryptoThreads ?? availableParallelism(),
    cryptoWarmup: config.as2.cryptoWarmup ?? WARMUP_MESSAGES,
    identity: { id: us.id, keys: [{ key, certificate }], signer: { key, certificate } },
    deps: {
      logger,
      clock: ctx.clock,
      partner: (as2From) => {
        const p = ctx.partners.identify({ standard: 'as2', id: as2From });
        return p ? policy(p) : undefined;
      },
      intake: async (i) => {
        const r = await intake(ctx, {
          transport: 'as2',
          partnerId: i.partnerId,
          bytes: i.bytes,
          fileName: i.fileName ?? null,
          as2MessageId: i.as2MessageId,
          as2From: i.as2From,
          ...(i.sha256 ? { sha256: i.sha256 } : {}),
          mdn: i.receipt && {
            entity: i.receipt.mdn,
            disposition: i.receipt.disposition,
            mic: i.receipt.mic ?? null,
            ...(i.receipt.mdnSha256 ? { sha256: i.receipt.mdnSha256 } : {}),
          },
        });
        if (r.duplicate) {
          ctx.meter?.messageReceived({ transport: 'as2', partner: i.partnerId, outcome: 'duplicate' });
          await noteChangedDuplicate(ctx, i, r.messageId);
          return r;
        }
        if (i.receipt) ctx.meter?.mdn({ direction: 'sent', outcome: mdnOutcome(i.receipt.disposition) });
        return { ...r, receiptRecorded: !!i.receipt };
      },
      recordMdn: async (messageId, rec) => {
        // Grouped with the receipts and MDNs of other messages in flight: the partner waits for this commit.
        const mdnQueued = await store.grouped(async (m) => {
          const mdnSha256 = rec.mdn ? await store.putPayload(m, rec.mdn, rec.mdnSha256) : null;
          await store.recordMdn(m, messageId, {
            mdnDisposition: rec.disposition.slice(0, 255),
            mic: rec.mic ?? null,
            mdnSha256,
            updatedAt: ctx.clock(),
          });
          // In this commit: an MDN recorded is an MDN that will be sent, whatever happens to this process.
          return rec.async && mdnSha256 ? queueMdn(ctx, m, { ...rec.async, messageId }, mdnSha256) : false;
        });
        if (mdnQueued) ctx.kick?.();
        ctx.meter?.mdn({ direction: 'sent', outcome: mdnOutcome(rec.disposition) });
        return { mdnQueued };
      },
      storedMdn: async (messageId) => {
        const message = await store.message(messageId);
        return message?.mdnSha256 ? store.payload(message.mdnSha256) : undefined;
      },
      refused: async (r) => {
        ctx.meter?.messageReceived({ transport: 'as2', partner: r.partnerId ?? 'unknown', outcome: 'refused' });
        await store.event({
          stage: 'as2-refused',
          status: 'error',
          partnerId: r.partnerId ?? null,
          code: r.code,
          detail:
            `HTTP ${r.status}${r.disposition ? `, MDN ${r.disposition}` : ''}; AS2-From ${r.as2From ?? '-'}, ` +
            `AS2-To ${r.as2To ?? '-'}, Message-ID ${r.messageId ?? '-'}, from ${r.remote ?? '?'}: ${r.reason}`,
        });
      },
      deliverMdn: (req) => handOverMdn(ctx, req),
      mdnReceived: (r) => mdnReceived(ctx, r),
    },
  });
  logger.info(
    {
      port: server.port,
      path: config.as2.path,
      tls: !!tls,
      as2Id: us.id,
      maxBytes: config.as2.maxBytes,
      cryptoThreads: config.as2.cryptoThreads ?? availableParallelism(),
    },
    'AS2 listening',
  );
  return { port: server.port, url: server.url, close: () => server.close() };
}
