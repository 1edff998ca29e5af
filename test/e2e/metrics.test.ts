/**
 * What ops staff see of a running gateway besides the report: GET /metrics after real traffic (and,
 * on MariaDB, a second worker process whose counts are added in), and the warn lines of refusals.
 */
import { execFileSync } from 'node:child_process';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';
import { sample } from '../helpers/prometheus';
import { eventually, freePort, GatewayProcess, HttpSink, scratch, type Scratch, x12Order } from './gateway';

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
        const http = { transport: 'http', partner: 'acme' };
        return at(t, 'messages_received_total', { ...http, outcome: 'processed' }) >= 1 &&
          at(t, 'messages_received_total', { ...http, outcome: 'rejected' }) >= 2 &&
          at(t, 'deliveries_total', { endpoint_kind: 'http', outcome: 'delivered' }) >= 1 &&
          at(t, 'deliveries_total', { endpoint_kind: 'file', outcome: 'delivered' }) >= 1
          ? t
          : undefined;
      });
      expect(at(text, 'transaction_sets_total', { type: '850', ack_status: 'A' })).toBeGreaterThanOrEqual(1);
      expect(at(text, 'job_duration_seconds_count', { kind: 'process', outcome: 'done' })).toBeGreaterThanOrEqual(3);
      expect(at(text, 'job_duration_seconds_count', { kind: 'deliver', outcome: 'done' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'edi_gateway_dead_letters')).toBe(0);
      // The worker process (MariaDB) answered: nothing was left out of the sums.
      expect(at(text, 'scrape_errors_total', { source: 'worker' })).toBe(0);
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
  });
