/**
 * Alerts on a real store, through a real webhook receiver and a real SMTP server (smtp-server): what
 * raises one, that each kind and partner gets one per window, and that a channel that is down gets
 * the alert later.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Alert } from '../../src/alerts/alert';
import { ALERT_JOB, runAlertJob, scanAlerts } from '../../src/pipeline/alerts';
import { deliverJob, Senders } from '../../src/pipeline/deliver';
import { runMaintenance } from '../../src/pipeline/maintenance';
import { processMessage } from '../../src/pipeline/process';
import { parseBuffer } from '../../src/edi/parse';
import { DeliveryRecord, JobRecord } from '../../src/store/entities';
import { DATABASES, describeOn, testWith } from '../helpers/databases';
import { describeNeeding } from '../helpers/requirements';
import {
  type Deployment,
  deployment,
  GATEWAY_YAML,
  type Harness,
  manualClock,
  pipelineContext,
  x12Interchange,
} from './support';

interface Hook {
  headers: IncomingHttpHeaders;
  alert: Alert;
}

const MINUTE = 60_000;

for (const kind of DATABASES) {
  describeOn(kind, `alerts on ${kind}`, () => {
    let d: Deployment;
    let h: Harness | undefined;
    let erp: Server;
    let hook: Server;
    let smtp: SMTPServer;
    const hooks: Hook[] = [];
    const mails: string[] = [];
    /** How many of the next webhook requests are answered 503. */
    let hookDown = 0;
    const time = manualClock();

    const listen = async (s: Server) => {
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return (s.address() as AddressInfo).port;
    };

    beforeAll(async () => {
      erp = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(400).end('no such customer'));
      });
      hook = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (hookDown > 0) {
            hookDown--;
            res.writeHead(503).end('down for maintenance');
            return;
          }
          hooks.push({ headers: req.headers, alert: JSON.parse(Buffer.concat(chunks).toString()) as Alert });
          res.writeHead(204).end();
        });
      });
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onData(stream, _session, done) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            mails.push(Buffer.concat(chunks).toString());
            done();
          });
        },
      });
      await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
      const smtpPort = (smtp.server.address() as AddressInfo).port;
      const [erpPort, hookPort] = [await listen(erp), await listen(hook)];
      d = deployment({
        'gateway.yaml': [
          GATEWAY_YAML,
          'alerts:',
          `  webhook: { url: 'http://127.0.0.1:${hookPort}/alerts', token: hook-t0ken }`,
          `  email: { smtp: 'smtp://127.0.0.1:${smtpPort}', from: gateway@example.com, to: [ops@example.com] }`,
          '  every: 15m',
          "  console: 'https://edi.example.com/console'",
        ].join('\n'),
        'partners/strict.yaml': [
          'id: strict',
          'identifiers: { x12: [{ qualifier: ZZ, id: STRICT }] }',
          'acks: { x12: 997, to: erp }',
          'silentAfter: 1h',
          "routes: [{ match: { type: '850' }, to: erp }]",
          `endpoints: { erp: { http: { url: 'http://127.0.0.1:${erpPort}/orders' } } }`,
        ].join('\n'),
      });
      h = await pipelineContext(d, kind, time.clock);
    });
    afterAll(async () => {
      await h?.close();
      d?.remove();
      for (const s of [erp, hook]) if (s) await new Promise<void>((r) => s.close(() => r()));
      if (smtp) await new Promise<void>((r) => smtp.close(() => r()));
    });
    const it = testWith(() => h);

    /** Receives and processes an interchange from STRICT, then runs each delivery it queued once. */
    const receive = async (h: Harness, text: string) => {
      const r = await h.store.receive({
        direction: 'in',
        transport: 'file',
        bytes: Buffer.from(text),
        fileName: 'po.x12',
      });
      await processMessage(h.ctx, (await h.store.queue.claimKey(`${r.message.id}:process`, 'w'))!);
      for (const dr of await h.store.ds.manager.findBy(DeliveryRecord, { status: 'pending' })) {
        const job = await h.store.queue.claimKey(`deliver:${dr.id}`, 'w');
        if (job) await deliverJob(h.ctx, job, new Senders(h.ctx));
      }
      return r.message.id;
    };
    let overdueRun = 0;
    const overdueJob = async (h: Harness) => {
      const key = `test:overdue:${++overdueRun}`;
      await h.store.queue.enqueue({ kind: 'maintenance', key, data: { task: 'overdue-acks' } });
      return (await h.store.queue.claimKey(key, 'w'))!;
    };
    /** Scans, then runs every alert job that is due; returns what reached the webhook and the mailbox meanwhile. */
    const alertsNow = async (h: Harness) => {
      const [hooked, mailed] = [hooks.length, mails.length];
      await scanAlerts(h.ctx);
      for (const job of await h.store.queue.claim('w', 20, MINUTE, [ALERT_JOB])) await runAlertJob(h.ctx, job);
      return { hooks: hooks.slice(hooked), mails: mails.slice(mailed) };
    };

    it('a dead letter reaches the webhook (with its token) and the mailbox, with the partner, ids, reason and console link', async (h) => {
      const messageId = await receive(h, x12Interchange({ sender: 'STRICT', control: 1 }));
      const dead = await h.store.ds.manager.findBy(DeliveryRecord, { status: 'dead' });
      expect(dead).toHaveLength(2); // the order and its 997, both to the refusing ERP
      const got = await alertsNow(h);
      expect(got.hooks).toHaveLength(1);
      expect(got.hooks[0].headers.authorization).toBe('Bearer hook-t0ken');
      expect(got.hooks[0].alert).toMatchObject({
        kind: 'dead-letter',
        partner: 'strict',
        reason: expect.stringMatching(/HTTP 400 "no such customer"/),
        ids: { message: expect.any(String) },
      });
      expect(got.hooks[0].alert.link).toBe(
        `https://edi.example.com/console/messages/${got.hooks[0].alert.ids.message}`,
      );
      expect([messageId, ...dead.map((x) => x.messageId)]).toContain(got.hooks[0].alert.ids.message);
      expect(got.mails).toHaveLength(1);
      expect(got.mails[0]).toMatch(/^Subject: \[edi-gateway\] dead-letter: strict$/m);
      expect(got.mails[0]).toMatch(/HTTP 400 "no such customer"/);
      expect(got.mails[0]).toMatch(/^To: ops@example\.com/m);
      expect(got.mails[0]).toMatch(/partner: strict/);
    });

    it('one alert per kind and partner in each window: more dead letters, and later scans, add none until the window passes', async (h) => {
      await receive(h, x12Interchange({ sender: 'STRICT', control: 2 }));
      expect(await alertsNow(h)).toEqual({ hooks: [], mails: [] });
      time.advance(5 * MINUTE);
      expect(await alertsNow(h)).toEqual({ hooks: [], mails: [] });
      time.advance(15 * MINUTE);
      await receive(h, x12Interchange({ sender: 'STRICT', control: 3 }));
      const got = await alertsNow(h);
      expect(got.hooks.map((x) => x.alert.kind)).toEqual(['dead-letter']);
      expect(got.mails).toHaveLength(1);
    });

    it('an interchange we reject with a 997 R raises ack-rejected', async (h) => {
      time.advance(15 * MINUTE);
      // SE01 counts one segment too many: the 997 rejects the transaction set and the group.
      const bad = x12Interchange({ sender: 'STRICT', control: 4 }).replace(
        /SE\*(\d+)\*/,
        (_, n: string) => `SE*${Number(n) + 1}*`,
      );
      await receive(h, bad);
      const got = await alertsNow(h);
      const rejected = got.hooks.filter((x) => x.alert.kind === 'ack-rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0].alert).toMatchObject({
        partner: 'strict',
        reason: "our 997 rejects the partner's interchange 000000004",
      });
    });

    it('a partner silent past its silentAfter raises one alert for that silence', async (h) => {
      time.advance(59 * MINUTE);
      expect((await alertsNow(h)).hooks.filter((x) => x.alert.kind === 'silent')).toEqual([]);
      time.advance(2 * MINUTE);
      const got = await alertsNow(h);
      expect(got.hooks.map((x) => x.alert)).toEqual([
        expect.objectContaining({
          kind: 'silent',
          partner: 'strict',
          reason: expect.stringMatching(/^nothing received from strict since /),
        }),
      ]);
      time.advance(3 * 60 * MINUTE);
      expect((await alertsNow(h)).hooks.filter((x) => x.alert.kind === 'silent')).toEqual([]);
    });

    it('an acknowledgement that does not come by its time raises ack-overdue', async (h) => {
      time.advance(60 * MINUTE);
      const bytes = Buffer.from(x12Interchange({ sender: 'OURCOMPANY', receiver: 'STRICT', control: 555 }));
      const r = await h.store.receive({ direction: 'out', transport: 'as2', bytes });
      const ic = parseBuffer(bytes).interchanges[0];
      await h.store.transaction((m) =>
        h.store.recordInterchange(m, {
          message: r.message,
          interchange: ic,
          partnerId: 'strict',
          ackDueAt: new Date(time.clock().getTime() + 60 * MINUTE),
        }),
      );
      await runMaintenance(h.ctx, await overdueJob(h));
      expect((await alertsNow(h)).hooks.filter((x) => x.alert.kind === 'ack-overdue')).toEqual([]);
      time.advance(61 * MINUTE);
      await runMaintenance(h.ctx, await overdueJob(h));
      const got = (await alertsNow(h)).hooks.filter((x) => x.alert.kind === 'ack-overdue');
      expect(got.map((x) => x.alert)).toEqual([
        expect.objectContaining({
          partner: 'strict',
          reason: expect.stringMatching(/^no acknowledgement of our interchange 000000555 came by /),
          ids: expect.objectContaining({ message: r.message.id }),
        }),
      ]);
    });

    it('a job that stopped its worker each time raises job-crashed, not dead-letter', async (h) => {
      time.advance(60 * MINUTE);
      await h.store.event({
        stage: 'dead-letter',
        status: 'error',
        partnerId: 'strict',
        code: 'EDIGW_JOB_CRASHED',
        detail: 'process job 7 stopped the worker 3 times',
      });
      const got = await alertsNow(h);
      expect(got.hooks.map((x) => [x.alert.kind, x.alert.reason])).toEqual([
        ['job-crashed', 'process job 7 stopped the worker 3 times'],
      ]);
    });

    it('a webhook that is down gets the alert later, with backoff; the e-mail went at once', async (h) => {
      time.advance(60 * MINUTE);
      await receive(h, x12Interchange({ sender: 'STRICT', control: 5 }));
      hookDown = 1;
      const first = await alertsNow(h);
      expect(first.hooks.filter((x) => x.alert.kind === 'dead-letter')).toEqual([]);
      expect(first.mails.filter((m) => /dead-letter/.test(m))).toHaveLength(1);
      const waiting = await h.store.ds.manager.findBy(JobRecord, { kind: ALERT_JOB, status: 'queued' });
      expect(waiting).toHaveLength(1);
      expect(waiting[0].lastError).toMatch(/HTTP 503 "down for maintenance".*\[EDIGW_ALERT_UNDELIVERED\]/);
      time.advance(MINUTE);
      const later = await alertsNow(h);
      expect(later.hooks.map((x) => x.alert.kind)).toEqual(['dead-letter']);
      expect(later.mails).toEqual([]);
    });

    it("a 997 from the partner that partly accepts what we sent raises ack-rejected, in the partner's words", async (h) => {
      time.advance(60 * MINUTE);
      const isa = `ISA*00*          *00*          *ZZ*${'STRICT'.padEnd(15)}*ZZ*${'OURCOMPANY'.padEnd(15)}*240102*1230*U*00401*000000077*0*P*>`;
      const ack997 = [
        isa,
        'GS*FA*STRICT*OURCOMPANY*20240102*1230*77*X*004010',
        'ST*997*0001',
        'AK1*PO*900',
        'AK2*850*0001',
        'AK5*A',
        'AK2*850*0002',
        'AK5*R*5',
        'AK9*P*2*2*1',
        'SE*8*0001',
        'GE*1*77',
        'IEA*1*000000077',
      ]
        .map((x) => `${x}~\n`)
        .join('');
      await receive(h, ack997);
      const got = await alertsNow(h);
      const rejected = got.hooks.filter((x) => x.alert.kind === 'ack-rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0].alert).toMatchObject({
        partner: 'strict',
        reason: expect.stringMatching(/^the partner's 997 partly accepts /),
        ids: { ack: expect.any(String), message: expect.any(String) },
      });
    });
  });
}

const opensslMissing =
  spawnSync('sh', ['-c', 'command -v openssl']).status === 0
    ? undefined
    : 'openssl not found (apt-get install openssl)';

describeNeeding('alerts: certificates', 'openssl', opensslMissing, () => {
  let d: Deployment;
  let h: Harness | undefined;
  let hook: Server;
  const got: Alert[] = [];

  beforeAll(async () => {
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push(JSON.parse(Buffer.concat(chunks).toString()) as Alert);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    d = deployment({
      'gateway.yaml': [
        GATEWAY_YAML,
        `alerts: { webhook: { url: 'http://127.0.0.1:${(hook.address() as AddressInfo).port}/' }, certificateDays: 10 }`,
      ].join('\n'),
      'partners/acme.yaml': [
        'id: acme',
        'identifiers: { as2: ACME-AS2 }',
        'certificates: { as2: certs/acme.pem }',
      ].join('\n'),
    });
    d.file('certs/README', 'partner certificates\n');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${d.dir}/acme.key`].concat([
        '-out',
        `${d.dir}/certs/acme.pem`,
        '-days',
        '5',
        '-subj',
        '/CN=ACME-AS2',
      ]),
      { stdio: 'ignore', cwd: d.dir, env: { ...process.env } },
    );
    // pipelineContext reads partner files once: the certificate exists before.
    h = await pipelineContext(d, 'sqlite', () => new Date());
  });
  afterAll(async () => {
    await h?.close();
    d?.remove();
    if (hook) await new Promise<void>((r) => hook.close(() => r()));
  });

  test('a partner certificate within certificateDays raises one alert a day', async () => {
    const run = async () => {
      await scanAlerts(h!.ctx);
      for (const job of await h!.store.queue.claim('w', 20, MINUTE, [ALERT_JOB])) await runAlertJob(h!.ctx, job);
    };
    await run();
    await run();
    expect(got).toEqual([
      expect.objectContaining({
        kind: 'certificate',
        partner: 'acme',
        reason: expect.stringMatching(/CN=ACME-AS2\) expires in [45] days$/),
      }),
    ]);
  });
});

describe('alerts: configuration', () => {
  test('alerts without a channel, or with a bad address, is refused with where it is', () => {
    const d = deployment({ 'gateway.yaml': [GATEWAY_YAML, 'alerts:', '  every: 5m'].join('\n') });
    try {
      expect(() => d.config()).toThrow(/name a channel: webhook or email/);
      d.file(
        'gateway.yaml',
        [GATEWAY_YAML, 'alerts:', "  email: { smtp: 'http://mail', from: me, to: [] }"].join('\n'),
      );
      expect(() => d.config()).toThrow(/an smtp:\/\/ or smtps:\/\/ URL/);
    } finally {
      d.remove();
    }
  });
});
