/**
 * What ops staff see of a running gateway besides the report: GET /metrics after real traffic (and,
 * on MariaDB, a second worker process whose counts are added in), and the warn lines of refusals.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';
import { sample } from '../helpers/prometheus';
import { eventually, freePort, GatewayProcess, HttpSink, ROOT, scratch, type Scratch, x12Order } from './gateway';

jest.setTimeout(120_000);

const TOKEN = 'e2e-token-0123456789';

for (const kind of DATABASES)
  describeOn(kind, `metrics and refusal logs of a running gateway (real process, ${kind})`, () => {
    let db: TestDatabase | undefined;
    let s: Scratch;
    let sink: HttpSink;
    let gw: GatewayProcess;
    let base = '';

    beforeAll(async () => {
      db = await freshDatabase(kind);
      s = scratch();
      sink = new HttpSink();
      await sink.start();
      const admin = await freePort();
      base = `http://127.0.0.1:${admin}`;
      s.file(
        'gateway.yaml',
        [
          'payloads: data/payloads',
          'identity:',
          '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
          `admin: { port: ${admin}, token: ${TOKEN} }`,
          'workers: 2',
          // On MariaDB a second worker process runs jobs too: its counts must reach the scrape.
          `processes: ${kind === 'mariadb' ? 2 : 1}`,
          'delivery: { attempts: 2, backoff: 100ms, maxBackoff: 100ms }',
        ].join('\n'),
      );
      // A partner certificate that expires in ten days: its days left are a gauge.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '10',
          '-subj',
          '/CN=ACME metrics test',
          '-keyout',
          `${s.dir}/acme.key`,
          '-out',
          `${s.dir}/acme.pem`,
        ],
        { stdio: 'ignore' },
      );
      s.file(
        'partners/acme.yaml',
        [
          'id: acme',
          'identifiers: { x12: [{ qualifier: ZZ, id: ACME }], as2: ACME-AS2 }',
          'certificates: { as2: acme.pem }',
          "acks: { x12: '997', ta1: on-error, to: acks }",
          'duplicates: { interchange: reject }',
          'tracking: { po: BEG.BEG03 }',
          'routes:',
          "  - match: { type: '850' }",
          '    to: erp',
          'endpoints:',
          `  erp: { http: { url: 'http://127.0.0.1:${sink.port}/orders' } }`,
          '  acks: { file: { dir: out/acks } }',
        ].join('\n'),
      );
      gw = new GatewayProcess(`${s.dir}/gateway.yaml`, { DATABASE_URL: db.url, LOG_LEVEL: 'info' });
      await gw.start();
      // Its output is the gateway's: once it says so, the worker process answers the scrapes too.
      if (kind === 'mariadb') await eventually('the worker process', () => gw.logged('worker process running'), 60_000);
    });

    afterAll(async () => {
      await gw?.stop();
      await sink?.stop();
      s?.remove();
      await db?.drop();
    });
    const test = testWith(() => db);

    const submit = async (body: string, fileName: string) => {
      const r = await fetch(`${base}/api/partners/acme/submit?fileName=${fileName}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/edi-x12' },
        body,
      });
      expect(r.status).toBe(202);
      return (await r.json()) as { messageId: string; duplicate: boolean };
    };
    const scrape = async () => {
      const r = await fetch(`${base}/metrics`);
      expect(r.status).toBe(200);
      return r.text();
    };
    const at = (text: string, name: string, labels?: Record<string, string>) =>
      sample(text, `edi_gateway_${name}`, labels) ?? 0;

    test('after real traffic the counters have moved: messages by outcome, sets by ack status, deliveries by endpoint kind, job times', async () => {
      const order = x12Order({ sender: 'ACME', control: 5001, po: 'PO-5001' });
      await submit(order, 'po-5001.x12');
      await eventually('the order at the HTTP server', () => sink.ok().some((r) => r.body.includes('PO-5001')));
      await submit('this is not EDI at all', 'junk.txt');
      await submit(x12Order({ sender: 'NOBODY', control: 5002, po: 'PO-5002' }), 'stranger.x12');

      const text = await eventually('the counts', async () => {
        const t = await scrape();
        const api = { transport: 'api', partner: 'acme' };
        return at(t, 'messages_received_total', { ...api, outcome: 'processed' }) >= 1 &&
          at(t, 'messages_received_total', { ...api, outcome: 'rejected' }) >= 2 &&
          at(t, 'deliveries_total', { endpoint_kind: 'http', outcome: 'delivered' }) >= 1 &&
          at(t, 'deliveries_total', { endpoint_kind: 'file', outcome: 'delivered' }) >= 1
          ? t
          : undefined;
      });
      expect(at(text, 'transaction_sets_total', { type: '850', ack_status: 'A' })).toBeGreaterThanOrEqual(1);
      expect(at(text, 'job_duration_seconds_count', { kind: 'process', outcome: 'done' })).toBeGreaterThanOrEqual(3);
      expect(at(text, 'job_duration_seconds_count', { kind: 'deliver', outcome: 'done' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'edi_gateway_dead_letters')).toBe(0);
      // The worker process (MariaDB) answers the scrapes: a later one leaves nothing out of the sums.
      const missed = at(text, 'scrape_errors_total', { source: 'worker' });
      expect(at(await scrape(), 'scrape_errors_total', { source: 'worker' })).toBe(missed);
      expect(at(text, 'scrape_errors_total', { source: 'database' })).toBe(0);
      const days = sample(text, 'edi_gateway_certificate_days_left', {
        owner: 'acme',
        subject: 'CN=ACME metrics test',
        file: 'acme.pem',
      });
      expect(days).toBeGreaterThanOrEqual(8);
      expect(days).toBeLessThanOrEqual(10);
      expect(at(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(text).toContain('edi_gateway_nodejs_eventloop_lag_seconds ');
      expect(text).toMatch(/^edi_gateway_queue_jobs|^# TYPE edi_gateway_queue_jobs gauge/m);
    });

    const warned = (msg: string, has: (l: Record<string, unknown>) => boolean) =>
      eventually(`a warn line "${msg}"`, () => gw.lines.find((l) => l.msg === msg && l.level === 40 && has(l)));

    test('every refusal is a warn line with its reason and ids; a resubmitted duplicate says duplicate: true, and of which message', async () => {
      const order = x12Order({ sender: 'ACME', control: 5101, po: 'PO-5101' });
      const first = await submit(order, 'po-5101.x12');
      expect(first.duplicate).toBe(false);
      await eventually('the first delivered', () => sink.ok().some((r) => r.body.includes('PO-5101')));
      const again = await submit(order, 'po-5101-again.x12');
      expect(again).toMatchObject({ duplicate: true, duplicateOf: first.messageId });
      const submitted = await eventually('the submitted line', () =>
        gw.lines.find((l) => l.msg === 'admin: submitted' && l.messageId === again.messageId),
      );
      expect(submitted).toMatchObject({
        duplicate: true,
        duplicateOf: first.messageId,
      });
      const dup = await warned('interchange refused', (l) => l.messageId === again.messageId);
      expect(dup).toMatchObject({
        partner: 'acme',
        transport: 'api',
        interchange: '000005101',
        code: 'EDIGW_DUPLICATE_INTERCHANGE',
        duplicate: true,
        duplicateOf: first.messageId,
      });
      expect(String(dup.reason)).toContain('received from acme before');
      expect(dup.acks).toContain('TA1 R');

      const stranger = await submit(x12Order({ sender: 'NOBODY', control: 5102, po: 'PO-5102' }), 'stranger.x12');
      const unknown = await warned('interchange refused', (l) => l.messageId === stranger.messageId);
      expect(unknown).toMatchObject({ code: 'EDIGW_PARTNER_UNKNOWN', sender: 'ZZ/NOBODY', duplicate: false });
      expect(String(unknown.reason)).toContain('no partner file claims sender ZZ/NOBODY');

      const junk = await submit('not EDI, just words', 'words.txt');
      const unreadable = await warned('message refused', (l) => l.messageId === junk.messageId);
      expect(unreadable).toMatchObject({ code: 'EDIGW_EDI_UNREADABLE', fileName: 'words.txt', partner: 'acme' });

      // An 850 whose SE count is wrong: its set is rejected (AK5 R), the reason carries the 997 code.
      const bad = x12Order({ sender: 'ACME', control: 5103, po: 'PO-5103' }).replace(/SE\*(\d+)\*/, 'SE*99*');
      const invalid = await submit(bad, 'bad-count.x12');
      const refused = await warned('transaction sets refused', (l) => l.messageId === invalid.messageId).catch(() =>
        warned('interchange refused', (l) => l.messageId === invalid.messageId),
      );
      expect(JSON.stringify(refused)).toMatch(/SE|count/i);
    });

    test('LOG_FORMAT=pretty writes readable lines for people (pino-pretty)', () => {
      const out = execFileSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(join(ROOT, 'dist/src/pipeline/logger.js'))}).createLogger().warn({ messageId: ` +
            `'m-1', duplicate: true }, 'interchange refused')`,
        ],
        { env: { ...process.env, LOG_FORMAT: 'pretty' } },
      ).toString();
      expect(out).toMatch(/WARN.*interchange refused/);
      expect(out).toContain('duplicate: true');
      expect(() => JSON.parse(out)).toThrow();
    });
  });
