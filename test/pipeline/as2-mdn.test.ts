/**
 * Durable async MDNs: the gateway's AS2 listener (startAs2) on a real store answers a message that asks
 * for an async MDN with an empty 200 and an `as2-mdn` job queued in the commit that records the MDN.
 * The job POSTs the stored MDN to the partner's Receipt-Delivery-Option, retried with gateway.yaml
 * `delivery`, then given up with an `mdn-undelivered` event, the MDN still stored. A worker process
 * (no listener) runs the jobs too.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AS2_MDN_JOB, runMdnJob, startAs2, type RunningAs2 } from '../../src/pipeline/as2';
import { runWorkerProcess } from '../../src/main';
import { silentLogger } from '../../src/pipeline/logger';
import { EventRecord, JobRecord, MessageRecord } from '../../src/store/entities';
import { parseMdn } from '../../src/transports/as2/mdn';
import { buildMessage, type SendOptions } from '../../src/transports/as2/message';
import { formatMic } from '../../src/transports/as2/mic';
import { parseEntity } from '../../src/transports/as2/mime';
import { makePartyInProcess, PAYLOADS } from '../transports/as2/peer';
import { DATABASES, describeOn, testWith } from '../helpers/databases';
import { type Deployment, deployment, type Harness, manualClock, pipelineContext } from './support';
import { until } from '../helpers/until';
import { post } from '../helpers/http';
import { freePort } from '../transports/peers/system';

const us = makePartyInProcess('us');
const acme = makePartyInProcess('acme');

interface Got {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The partner's Receipt-Delivery-Option: answers each POST as `answer` says, and keeps what came. */
class MdnSink {
  readonly got: Got[] = [];
  answer: (n: number) => number = () => 200;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.got.push({ headers: req.headers, body: Buffer.concat(chunks) });
        const status = this.answer(this.got.length);
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'thanks' : 'not now');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/mdn`;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

for (const kind of DATABASES) {
  describeOn(kind, `async MDNs as jobs on ${kind}`, () => {
    let d: Deployment;
    let h: Harness | undefined;
    let as2: RunningAs2;
    const sink = new MdnSink();
    const time = manualClock();
    let sent = 0;

    beforeAll(async () => {
      await sink.start();
      const port = await freePort();
      d = deployment({
        'gateway.yaml': [
          'identity:',
          '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
          "  as2: { id: 'OUR GATEWAY', key: certs/our/as2.key, certificate: certs/our/as2.pem }",
          `as2: { port: ${port}, path: /as2 }`,
          'delivery: { attempts: 3, backoff: 1s, maxBackoff: 4s }',
        ].join('\n'),
        'certs/our/as2.key': us.key.export({ type: 'pkcs8', format: 'pem' }) as string,
        'certs/our/as2.pem': us.pem,
        'certs/acme/as2.pem': acme.pem,
        'partners/acme.yaml': [
          'id: acme',
          "identifiers: { as2: 'ACME CORP' }",
          'certificates: { as2: certs/acme/as2.pem }',
          'inbound: { as2: { signed: required, encrypted: required } }',
        ].join('\n'),
      });
      h = await pipelineContext(d, kind, time.clock);
      as2 = await startAs2(h.ctx);
    });
    afterAll(async () => {
      await as2?.close();
      await h?.close();
      d?.remove();
      await sink.stop();
    });
    const it = testWith(() => h);
    const rows = (h: Harness) => h.store.ds.manager;

    /** A message from ACME asking for a signed async MDN at the sink; `again` resends the previous one. */
    const message = (over: Partial<SendOptions> = {}) =>
      buildMessage({
        payload: PAYLOADS[0].bytes,
        contentType: 'application/edi-x12',
        fileName: 'po.x12',
        as2From: 'ACME CORP',
        as2To: 'OUR GATEWAY',
        messageId: `<mdn-test-${kind}-${++sent}@acme>`,
        sign: { key: acme.key, certificate: acme.certificate, digest: 'sha256' },
        encrypt: { certificates: [us.certificate], cipher: 'aes128-cbc' },
        mdn: { to: 'edi@acme.example', signed: ['sha256'], asyncUrl: sink.url },
        ...over,
      });
    const storedMessage = (h: Harness, as2MessageId: string) =>
      rows(h).findOneByOrFail(MessageRecord, { as2MessageId, as2From: 'ACME CORP' });
    const job = (h: Harness, key: string) => rows(h).findOneByOrFail(JobRecord, { key });
    const events = (h: Harness, messageId: string | null, stage: string) =>
      rows(h).find(EventRecord, { where: { ...(messageId ? { messageId } : {}), stage }, order: { id: 'ASC' } });
    const run = async (h: Harness, key: string) => {
      const j = await h.store.queue.claimKey(key, 'test-worker');
      if (!j) throw new Error(`no queued job ${key}`);
      await runMdnJob(h.ctx, j);
    };

    it(
      "the MDN job is queued with the MDN's commit; a partner that fails first is tried again after the delivery backoff, " +
        'then gets the stored MDN',
      async (h) => {
        sink.got.length = 0;
        sink.answer = (n) => (n === 1 ? 503 : 200);
        const m = message();
        const answer = await post(as2.url!, m.headers, m.body);
        expect(answer).toMatchObject({ status: 200 });
        expect(answer.body.length).toBe(0);

        const msg = await storedMessage(h, m.messageId);
        expect(msg).toMatchObject({ mdnDisposition: 'processed', mic: formatMic(m.mic) });
        const key = `${msg.id}:${AS2_MDN_JOB}`;
        const queued = await job(h, key);
        // Nothing was POSTed by the listener itself: the job, and only the job, sends it.
        expect(sink.got).toHaveLength(0);
        expect(queued).toMatchObject({
          kind: AS2_MDN_JOB,
          status: 'queued',
          messageId: msg.id,
          maxAttempts: 3,
          attempts: 0,
        });
        expect(queued.data).toMatchObject({
          url: sink.url,
          mdnSha256: msg.mdnSha256,
          partnerId: 'acme',
          originalMessageId: m.messageId,
        });

        const start = time.clock().getTime();
        await run(h, key);
        expect(sink.got).toHaveLength(1);
        const retrying = await job(h, key);
        expect(retrying).toMatchObject({ status: 'queued', attempts: 1 });
        const wait = retrying.runAt.getTime() - start;
        expect(wait).toBeGreaterThanOrEqual(900);
        expect(wait).toBeLessThanOrEqual(1100);
        const [warning] = await events(h, msg.id, 'mdn-delivery-failed');
        expect(warning).toMatchObject({ status: 'warning', code: 'EDIGW_HTTP_SERVER', partnerId: 'acme' });
        expect(warning.detail).toMatch(/HTTP 503 "not now".*\(attempt 1 of 3; next in 1s\)$/);

        time.advance(wait);
        await run(h, key);
        expect(sink.got).toHaveLength(2);
        expect(await job(h, key)).toMatchObject({ status: 'done', attempts: 2 });
        const [ok] = await events(h, msg.id, 'mdn-sent');
        expect(ok).toMatchObject({ status: 'ok', partnerId: 'acme' });
        expect(ok.detail).toContain(`the async MDN for ${m.messageId} to ${sink.url} (attempt 2)`);

        // Both tries are the same HTTP message (its own Message-ID and Date kept), carrying the stored MDN.
        expect(sink.got[1].body.equals(sink.got[0].body)).toBe(true);
        expect(sink.got[1].headers['message-id']).toBe(sink.got[0].headers['message-id']);
        expect(sink.got[1].headers).toMatchObject({
          'as2-from': '"OUR GATEWAY"',
          'as2-to': '"ACME CORP"',
          'as2-version': '1.2',
        });
        const stored = await h.store.payload(msg.mdnSha256!);
        expect(sink.got[1].body.equals(parseEntity(stored).body)).toBe(true);
        const mdn = parseMdn(String(sink.got[1].headers['content-type']), sink.got[1].body, {
          certificates: [us.certificate],
        });
        expect(mdn.verified).toBeDefined();
        expect(mdn.originalMessageId).toBe(m.messageId);
        expect(mdn.disposition.known).toEqual({ kind: 'processed' });
        expect(formatMic(mdn.receivedContentMic!)).toBe(formatMic(m.mic));
      },
    );

    it(
      'a partner that never accepts: after delivery.attempts the job is dead with an mdn-undelivered event, ' +
        'and the MDN stays stored; a resend that asks again gets it',
      async (h) => {
        sink.got.length = 0;
        sink.answer = () => 503;
        const m = message();
        await post(as2.url!, m.headers, m.body);
        const msg = await storedMessage(h, m.messageId);
        const key = `${msg.id}:${AS2_MDN_JOB}`;
        for (let i = 0; i < 3; i++) {
          await run(h, key);
          time.advance(5_000);
        }
        expect(sink.got).toHaveLength(3);
        expect(await job(h, key)).toMatchObject({ status: 'dead', attempts: 3 });
        expect(await events(h, msg.id, 'mdn-delivery-failed')).toHaveLength(2);
        const [given] = await events(h, msg.id, 'mdn-undelivered');
        expect(given).toMatchObject({ status: 'error', code: 'EDIGW_AS2_MDN_UNDELIVERED', partnerId: 'acme' });
        expect(given.detail).toMatch(
          new RegExp(
            `sending the async MDN for ${m.messageId} to partner acme \\(${sink.url.replace(/[.]/g, '\\.')}\\), 3 attempts: ` +
              `the asynchronous MDN could not be delivered.*HTTP 503.*the MDN stays stored`,
          ),
        );
        const stored = await h.store.payload((await storedMessage(h, m.messageId)).mdnSha256!);
        expect(parseEntity(stored).body.equals(sink.got[0].body)).toBe(true);

        // The partner, never having had its MDN, sends the message again: stored once, the same MDN queued anew.
        sink.answer = () => 200;
        expect((await post(as2.url!, m.headers, m.body)).status).toBe(200);
        expect(await rows(h).countBy(MessageRecord, { as2MessageId: m.messageId })).toBe(1);
        const again = await until("the resend's MDN job", () =>
          rows(h)
            .findOneBy(JobRecord, { key: `${key}:2` })
            .then((j) => j ?? undefined),
        );
        expect(again).toMatchObject({ status: 'queued', messageId: msg.id });
        await run(h, `${key}:2`);
        expect(sink.got).toHaveLength(4);
        expect(sink.got[3].body.equals(sink.got[0].body)).toBe(true);
        expect(await events(h, msg.id, 'mdn-sent')).toHaveLength(1);
      },
    );

    it('a refusal that will be the same next time (HTTP 404) gives up at once', async (h) => {
      sink.got.length = 0;
      sink.answer = () => 404;
      const m = message();
      await post(as2.url!, m.headers, m.body);
      const msg = await storedMessage(h, m.messageId);
      await run(h, `${msg.id}:${AS2_MDN_JOB}`);
      expect(sink.got).toHaveLength(1);
      expect(await job(h, `${msg.id}:${AS2_MDN_JOB}`)).toMatchObject({ status: 'dead', attempts: 1 });
      const [given] = await events(h, msg.id, 'mdn-undelivered');
      expect(given.detail).toMatch(/1 attempt: .*HTTP 404.*\[EDIGW_AS2_MDN_UNDELIVERED\]/);
    });

    it('an MDN whose payload is gone (retention purged it) is given up, and the event does not claim it is stored', async (h) => {
      const sha = 'f'.repeat(64);
      await h.store.queue.enqueue({
        kind: AS2_MDN_JOB,
        key: `${sha}:${AS2_MDN_JOB}`,
        data: { url: sink.url, headers: {}, mdnSha256: sha, partnerId: 'acme', originalMessageId: '<gone@acme>' },
        maxAttempts: 1,
      });
      sink.got.length = 0;
      await run(h, `${sha}:${AS2_MDN_JOB}`);
      expect(sink.got).toHaveLength(0);
      expect(await job(h, `${sha}:${AS2_MDN_JOB}`)).toMatchObject({ status: 'dead' });
      const given = (await events(h, null, 'mdn-undelivered')).find((e) => e.detail?.includes('<gone@acme>'));
      expect(given?.detail).toContain(`reading the stored MDN: payload ${sha} is missing`);
      expect(given?.detail).not.toContain('stays stored');
    });

    it("a resend while the first MDN job is pending queues nothing more; a refused message's async MDN is a job too", async (h) => {
      sink.got.length = 0;
      sink.answer = () => 200;
      const m = message();
      await post(as2.url!, m.headers, m.body);
      await post(as2.url!, m.headers, m.body);
      const msg = await storedMessage(h, m.messageId);
      // The duplicate's hand-over runs after its 200: give it its moment.
      await new Promise((r) => setTimeout(r, 200));
      const jobs = await rows(h).find(JobRecord, { where: { messageId: msg.id, kind: AS2_MDN_JOB } });
      expect(jobs.map((j) => j.key)).toEqual([`${msg.id}:${AS2_MDN_JOB}`]);

      // Unsigned where the partner file requires a signature: nothing stored, the error MDN still goes, durably.
      const unsigned = message({ sign: undefined });
      expect((await post(as2.url!, unsigned.headers, unsigned.body)).status).toBe(200);
      const refused = await until("the refusal's MDN job", async () =>
        (await rows(h).find(JobRecord, { where: { kind: AS2_MDN_JOB } })).find(
          (j) => (j.data as { originalMessageId?: string }).originalMessageId === unsigned.messageId,
        ),
      );
      expect(refused.messageId).toBeNull();
      expect(refused.key).toBe(`${(refused.data as { mdnSha256: string }).mdnSha256}:${AS2_MDN_JOB}`);
      await run(h, refused.key);
      const mdn = parseMdn(String(sink.got[0].headers['content-type']), sink.got[0].body, {
        certificates: [us.certificate],
      });
      expect(mdn.originalMessageId).toBe(unsigned.messageId);
      expect(mdn.disposition.known).toEqual({ kind: 'error', error: 'insufficient-message-security' });
      expect((await events(h, null, 'mdn-sent')).some((e) => e.messageId === null && e.partnerId === 'acme')).toBe(
        true,
      );
    });

    it('a worker process (processes > 1: no listener) runs the MDN jobs', async (h) => {
      sink.got.length = 0;
      sink.answer = () => 200;
      const m = message();
      await post(as2.url!, m.headers, m.body);
      const msg = await storedMessage(h, m.messageId);
      // Its own gateway.yaml names the same database, as the worker processes of `start` read it.
      d.file(
        'worker.yaml',
        `${readFileSync(join(d.dir, 'gateway.yaml'), 'utf8')}\ndatabase: '${h.db.url}'\npayloads: '${join(h.db.dir, 'payloads')}'\n`,
      );
      const worker = await runWorkerProcess({ configFile: join(d.dir, 'worker.yaml'), logger: silentLogger, env: {} });
      try {
        await until('the MDN job done', async () => (await job(h, `${msg.id}:${AS2_MDN_JOB}`)).status === 'done');
      } finally {
        await worker.stop();
      }
      // It also took the job the test before left queued: whatever is due, any worker runs.
      const originals = sink.got.map(
        (g) =>
          parseMdn(String(g.headers['content-type']), g.body, { certificates: [us.certificate] }).originalMessageId,
      );
      expect(originals.filter((o) => o === m.messageId)).toHaveLength(1);
      expect(await rows(h).countBy(JobRecord, { kind: AS2_MDN_JOB, status: 'queued' })).toBe(0);
    });
  });
}
