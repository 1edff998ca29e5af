/**
 * A job whose every start killed the gateway (a file that runs the heap out) does not keep intake
 * down: the real `start` brings its listeners up and logs `gateway running` first, then dead-letters
 * the job instead of running it again.
 */
import { join } from 'node:path';
import { Store } from '../../src/store/store';
import { JobRecord } from '../../src/store/entities';
import { DATABASES, describeOn, freshDatabase, type TestDatabase } from '../helpers/databases';
import { cli, eventually, freePort, GatewayProcess, scratch, type Scratch, x12Order } from './gateway';

jest.setTimeout(120_000);

for (const kind of DATABASES)
  describeOn(kind, `a crash-looping job at start (${kind})`, () => {
    let db: TestDatabase;
    let s: Scratch;

    beforeAll(async () => {
      db = await freshDatabase(kind);
      s = scratch();
    });
    afterAll(async () => {
      s?.remove();
      await db?.drop();
    });

    test('the gateway runs (and answers) before the job is looked at, and the job is dead-lettered, not run', async () => {
      const admin = await freePort();
      const config = s.file(
        'gateway.yaml',
        [
          'payloads: data/payloads',
          `admin: { port: ${admin}, token: e2e-token-0123456789 }`,
          'jobs: { maxCrashes: 3 }',
        ].join('\n'),
      );
      // The store as three gateways left it that each died running this message's process job.
      const store = await Store.open(db.url, { payloadDir: join(s.dir, 'data/payloads') });
      let messageId: string;
      try {
        await store.migrate();
        messageId = (
          await store.receive({
            direction: 'in',
            transport: 'file',
            bytes: Buffer.from(x12Order({ sender: 'ACME', control: 1, po: 'PO-1' })),
            fileName: 'poison.x12',
          })
        ).message.id;
        await store.ds.manager.update(
          JobRecord,
          { messageId },
          { status: 'running', attempts: 3, starts: 3, claimedBy: 'dead-node:1:0', runAt: new Date(Date.now() - 1000) },
        );
      } finally {
        await store.close();
      }
      const gw = new GatewayProcess(config, { DATABASE_URL: db.url, LOG_LEVEL: 'info' });
      await gw.start();
      try {
        const dead = await eventually('the job dead-lettered', () =>
          gw.logged('job dead-lettered: it stopped the worker each time it ran'),
        );
        expect(gw.lines.indexOf(gw.logged('gateway running')!)).toBeLessThan(gw.lines.indexOf(dead));
        expect(dead).toMatchObject({ level: 50, message: messageId, crashes: 3 });
        const health = await fetch(`http://127.0.0.1:${admin}/health`);
        expect(health.status).toBe(200);
        const check = await Store.open(db.url, { payloadDir: join(s.dir, 'data/payloads') });
        try {
          const message = await check.message(messageId);
          expect(message).toMatchObject({ status: 'failed' });
          expect(message?.error).toContain('stopped the worker 3 times');
          expect(await check.ds.manager.findOneByOrFail(JobRecord, { messageId })).toMatchObject({ status: 'dead' });
        } finally {
          await check.close();
        }
        // The message has no transaction set to stand for it: the report's page lists it with the reason.
        const page = await cli(['report', '--config', config, '--format', 'html'], { DATABASE_URL: db.url });
        expect(page.code).toBe(0);
        expect(page.stdout).toContain('Received but not taken in (1)');
        expect(page.stdout).toContain('Job dead-lettered: it never finished');
        expect(page.stdout).toContain('stopped the worker 3 times');
        expect(page.stdout).toContain(messageId);
      } finally {
        expect(await gw.stop()).toBe(0);
      }
    });
  });
