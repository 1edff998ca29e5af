/**
 * Replaying a message whose processing was dead-lettered, on a real store: processed once the cause
 * is fixed, never twice.
 */
import { GatewayError } from '../../src/errors';
import { EventRecord, InterchangeRecord, JobRecord, MessageRecord } from '../../src/store/entities';
import { deadLetterOutOfRetries } from '../../src/pipeline/crash-guard';
import { processMessage } from '../../src/pipeline/process';
import { processingState, replayProcessing } from '../../src/pipeline/replay-process';
import { DATABASES, describeOn } from '../helpers/databases';
import { main } from '../../src/cli/main';
import { GATEWAY_YAML, type Harness, manualClock, pipelineSuite, x12Interchange } from './support';

for (const kind of DATABASES) {
  describeOn(kind, `replaying dead-lettered processing on ${kind}`, () => {
    const time = manualClock();
    const it = pipelineSuite(
      kind,
      {
        'partners/acme.yaml': [
          'id: acme',
          'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
          "routes: [{ match: { type: '850' }, to: erp }]",
          'endpoints: { erp: { file: { dir: out/erp } } }',
        ].join('\n'),
      },
      time.clock,
    );

    const rows = (h: Harness) => h.store.ds.manager;
    const job = (h: Harness, key: string) => rows(h).findOneByOrFail(JobRecord, { key });
    const events = (h: Harness, messageId: string, stage: string) =>
      rows(h).find(EventRecord, { where: { messageId, stage }, order: { id: 'ASC' } });
    const refusal = async (work: Promise<unknown>) => {
      const e: unknown = await work.then(
        () => undefined,
        (x: unknown) => x,
      );
      if (!(e instanceof GatewayError)) throw new Error(`expected a refusal, got ${String(e)}`);
      return e;
    };

    /** A received 850 whose process job failed at its last attempt, as the worker dead-letters it. */
    const deadLettered = async (h: Harness, control: number, partnerId?: string) => {
      const r = await h.store.receive({
        direction: 'in',
        ...(partnerId ? { partnerId } : {}),
        transport: 'file',
        bytes: Buffer.from(x12Interchange({ sender: 'ACME', control })),
        fileName: `po-${control}.x12`,
      });
      const id = r.message.id;
      const claimed = (await h.store.queue.claimKey(`${id}:process`, 'w'))!;
      expect(await deadLetterOutOfRetries(h.ctx, claimed, 'map acme/maps/850.jsonata: no such file')).toBe(true);
      return id;
    };

    it('a dead-lettered message is processed again once, with a fresh job carrying what the dead one did', async (h) => {
      const id = await deadLettered(h, 101);
      const first = await job(h, `${id}:process`);
      expect(first.status).toBe('dead');
      expect(await rows(h).findOneByOrFail(MessageRecord, { id })).toMatchObject({ status: 'failed' });
      expect(await processingState(h.store, id)).toMatchObject({
        state: 'dead',
        error: expect.stringContaining('no such file') as unknown,
      });

      const r = await replayProcessing(h.ctx, id);
      expect(r).toEqual({ messageId: id, partnerId: null, replay: 1, key: `${id}:process:replay:1` });
      const again = await job(h, `${id}:process:replay:1`);
      expect(again).toMatchObject({ kind: 'process', status: 'queued', attempts: 0, maxAttempts: first.maxAttempts });
      expect(again.data).toEqual(first.data);
      expect(await job(h, `${id}:process`)).toMatchObject({ status: 'replayed' });
      expect(await rows(h).findOneByOrFail(MessageRecord, { id })).toMatchObject({ status: 'received', error: null });
      const [replayed] = await events(h, id, 'replayed');
      expect(replayed.detail).toMatch(
        /^processing queued again \(replay 1\); it had been dead-lettered: .*no such file/,
      );
      expect(await processingState(h.store, id)).toMatchObject({ state: 'waiting' });

      // While it waits to run, a second replay has nothing dead to take.
      const waiting = await refusal(replayProcessing(h.ctx, id));
      expect(waiting.code).toBe('EDIGW_NOT_DEAD');
      expect(waiting.message).toContain(`message ${id}: its processing is queued, not dead-lettered`);

      await processMessage(h.ctx, (await h.store.queue.claimKey(r.key, 'w'))!);
      expect(await rows(h).findOneByOrFail(MessageRecord, { id })).toMatchObject({ status: 'processed' });
      expect(await rows(h).countBy(InterchangeRecord, { messageId: id })).toBe(1);

      // Processed now: a replay would record and acknowledge it twice, and is refused with why.
      const done = await refusal(replayProcessing(h.ctx, id));
      expect(done.code).toBe('EDIGW_ALREADY_PROCESSED');
      expect(done.message).toMatch(new RegExp(`^message ${id} was processed at \\S+Z; `));
      expect(await rows(h).countBy(InterchangeRecord, { messageId: id })).toBe(1);
      expect(await rows(h).countBy(JobRecord, { messageId: id, kind: 'process' })).toBe(2);
      expect(await events(h, id, 'replayed')).toHaveLength(1);
    });

    it("the dead processing is listed with the dead-letter page's other work until it is replayed", async (h) => {
      // Received over a partner's own channel (AS2, hosted SFTP): the message names its partner before processing.
      const id = await deadLettered(h, 105, 'acme');
      const list = (filter: { partner?: string }) => h.store.read((m) => h.store.queue.deadWork(filter, 10, m));
      const [listed, ...others] = await list({});
      expect(others).toEqual([]);
      expect(listed).toMatchObject({ kind: 'process', messageId: id, partnerId: 'acme', fileName: 'po-105.x12' });
      expect(listed.lastError).toMatch(/no such file/);
      expect(await list({ partner: 'acme' })).toHaveLength(1);
      expect(await list({ partner: 'globex' })).toEqual([]);
      await replayProcessing(h.ctx, id);
      expect(await list({})).toEqual([]);
    });

    it('a message processed the first time is refused, and so is one never processed here', async (h) => {
      const r = await h.store.receive({
        direction: 'in',
        transport: 'file',
        bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 102 })),
        fileName: 'po-102.x12',
      });
      await processMessage(h.ctx, (await h.store.queue.claimKey(`${r.message.id}:process`, 'w'))!);
      expect((await refusal(replayProcessing(h.ctx, r.message.id))).code).toBe('EDIGW_ALREADY_PROCESSED');

      const out = await h.store.receive({
        direction: 'out',
        transport: 'file',
        bytes: Buffer.from('{}'),
        fileName: 'doc.json',
        job: null,
      });
      const none = await refusal(replayProcessing(h.ctx, out.message.id));
      expect(none.code).toBe('EDIGW_NOT_DEAD');
      expect(none.message).toContain('has no processing to replay');
      expect((await refusal(replayProcessing(h.ctx, 'no-such-message'))).code).toBe('EDIGW_ADMIN_MESSAGE_UNKNOWN');
    });

    it('edi-gateway replay ID: queues a dead-lettered message to be processed again, audited; refuses it after', async (h) => {
      const id = await deadLettered(h, 104);
      const config = h.d.file('gateway-cli.yaml', `${GATEWAY_YAML}\ndatabase: ${h.db.url}\n`);
      const cli = async (...args: string[]) => {
        const said = { out: '', err: '' };
        const code = await main([...args, '--config', config], {
          out: (t: string) => void (said.out += t),
          err: (t: string) => void (said.err += t),
        });
        return { code, ...said };
      };
      const queued = await cli('replay', id);
      expect(queued).toEqual({
        code: 0,
        out: `queued ${id} to be processed again (replay 1); a running gateway processes it (edi-gateway start)\n`,
        err: '',
      });
      expect(await job(h, `${id}:process:replay:1`)).toMatchObject({ status: 'queued' });
      const [audit] = await events(h, id, 'admin.replay');
      expect(JSON.parse(audit.detail!)).toMatchObject({ role: 'operator', processing: 1, via: 'cli' });

      await processMessage(h.ctx, (await h.store.queue.claimKey(`${id}:process:replay:1`, 'w'))!);
      const refused = await cli('replay', id);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(
        new RegExp(`^edi-gateway: message ${id} was processed at \\S+Z; .*\\[EDIGW_ALREADY_PROCESSED\\]\n$`),
      );
      expect(await rows(h).countBy(InterchangeRecord, { messageId: id })).toBe(1);
    });

    it('two replays at once queue the processing once', async (h) => {
      const id = await deadLettered(h, 103);
      const outcomes = await Promise.allSettled([replayProcessing(h.ctx, id), replayProcessing(h.ctx, id)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const lost = outcomes.find((o) => o.status === 'rejected');
      expect((lost?.reason as GatewayError).code).toBe('EDIGW_NOT_DEAD');
      expect(await rows(h).countBy(JobRecord, { messageId: id, kind: 'process', status: 'queued' })).toBe(1);
      expect(await events(h, id, 'replayed')).toHaveLength(1);
    });
  });
}
