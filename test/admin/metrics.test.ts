import { EventEmitter } from 'node:events';
import { createAdminApp, listenAdmin, type AdminDeps, type AdminListener } from '../../src/admin/server';
import { answerMetricsRequests, askWorkers, GatewayMetrics, type IpcPeer } from '../../src/admin/metrics';
import { mdnOutcome } from '../../src/pipeline/meter';
import { silentLogger } from '../../src/pipeline/logger';
import { sample } from '../helpers/prometheus';

const TOKEN = 'test-admin-token-0123456789';

const listeners: AdminListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function admin(metrics: GatewayMetrics, mode: 'open' | 'token') {
  const deps: AdminDeps = {
    token: TOKEN,
    maxBytes: 1024,
    partnerExists: () => true,
    submit: async () => ({ messageId: 'm' }),
    send: async () => ({ messageId: 's' }),
    health: async () => ({ ok: true, detail: {} }),
    metrics: { mode, scrape: () => metrics.scrape() },
    logger: silentLogger,
  };
  const l = await listenAdmin(createAdminApp(deps), 0, '127.0.0.1');
  listeners.push(l);
  return (auth?: string) =>
    fetch(`http://127.0.0.1:${l.port}/metrics`, auth ? { headers: { authorization: auth } } : {});
}

const sources = {
  backlog: async () => ({
    jobs: [
      { kind: 'deliver', status: 'queued', count: 3 },
      { kind: 'process', status: 'dead', count: 1 },
    ],
    deadLetters: 2,
    pausedPartners: ['globex'],
  }),
  certificates: () => [{ owner: 'acme', subject: 'CN=ACME AS2', file: 'certs/acme.pem', daysLeft: 12 }],
};

describe('metrics: GET /metrics', () => {
  test('open by default: anyone who reaches the admin port reads the counters, the gauges read at the scrape and the process metrics', async () => {
    const m = new GatewayMetrics(sources);
    m.meter.messageReceived({ transport: 'as2', partner: 'acme', outcome: 'processed' });
    m.meter.messageReceived({ transport: 'as2', partner: 'acme', outcome: 'processed' });
    m.meter.transactionSet({ type: '850', ackStatus: 'R' });
    m.meter.delivery({ endpointKind: 'sftp', outcome: 'dead' });
    m.meter.job({ kind: 'process', outcome: 'done' }, 0.02);
    m.meter.mdn({ direction: 'sent', outcome: mdnOutcome('processed/error: decryption-failed') });
    m.meter.sftpSession({ outcome: 'refused' });
    const get = await admin(m, 'open');
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const at = (name: string, labels?: Record<string, string>) => sample(text, `edi_gateway_${name}`, labels);
    expect(at('messages_received_total', { transport: 'as2', partner: 'acme', outcome: 'processed' })).toBe(2);
    expect(at('transaction_sets_total', { type: '850', ack_status: 'R' })).toBe(1);
    expect(at('deliveries_total', { endpoint_kind: 'sftp', outcome: 'dead' })).toBe(1);
    expect(at('job_duration_seconds_count', { kind: 'process', outcome: 'done' })).toBe(1);
    expect(at('as2_mdns_total', { direction: 'sent', outcome: 'error' })).toBe(1);
    expect(at('sftp_sessions_total', { outcome: 'refused' })).toBe(1);
    expect(at('queue_jobs', { kind: 'deliver', status: 'queued' })).toBe(3);
    expect(at('queue_jobs', { kind: 'process', status: 'dead' })).toBe(1);
    expect(at('dead_letters')).toBe(2);
    expect(at('partner_paused', { partner: 'globex' })).toBe(1);
    expect(at('partner_paused', { partner: 'acme' })).toBeUndefined();
    expect(at('certificate_days_left', { owner: 'acme', subject: 'CN=ACME AS2', file: 'certs/acme.pem' })).toBe(12);
    expect(at('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('edi_gateway_nodejs_eventloop_lag_seconds ');
    // Never the library's global registry: nothing without the prefix.
    expect(text.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('edi_gateway_'))).toEqual([]);
  });

  test('admin.metrics: token closes it behind the admin token', async () => {
    const get = await admin(new GatewayMetrics(sources), 'token');
    const none = await get();
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_UNAUTHORIZED');
    expect((await get('Bearer not-the-token-at-all')).status).toBe(401);
    const ok = await get(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('edi_gateway_dead_letters 2');
  });

  test('a database that does not answer in time leaves the queue gauges out and says so; the counters still answer', async () => {
    const m = new GatewayMetrics({ ...sources, backlog: () => Promise.reject(new Error('down')) });
    const text = (await m.scrape()).body;
    expect(sample(text, 'edi_gateway_scrape_errors_total', { source: 'database' })).toBe(1);
    expect(sample(text, 'edi_gateway_dead_letters')).toBeNaN();
    expect(text).not.toContain('edi_gateway_queue_jobs{');
    expect(text).toContain('edi_gateway_messages_received_total');
  });
});

/** Both ends of an IPC channel, as fork() makes them, in one process. */
function channel(): { parent: IpcPeer; child: NodeJS.Process } {
  const toChild = new EventEmitter();
  const toParent = new EventEmitter();
  const parent: IpcPeer = {
    connected: true,
    send: (msg) => {
      setImmediate(() => toChild.emit('message', msg));
      return true;
    },
    on: (e, l) => toParent.on(e, l),
    off: (e, l) => toParent.off(e, l),
  };
  const child = Object.assign(toChild, {
    connected: true,
    send: (msg: unknown) => {
      setImmediate(() => toParent.emit('message', msg));
      return true;
    },
  }) as unknown as NodeJS.Process;
  return { parent, child };
}

describe('metrics: worker processes', () => {
  test("the gateway's scrape adds up the counters of the worker processes that answer, and counts those that do not", async () => {
    const worker = new GatewayMetrics();
    worker.meter.delivery({ endpointKind: 'http', outcome: 'delivered' });
    worker.meter.delivery({ endpointKind: 'http', outcome: 'delivered' });
    const { parent, child } = channel();
    const stop = answerMetricsRequests(worker, child);
    const silent: IpcPeer = { connected: true, send: () => true, on: () => undefined, off: () => undefined };
    const gateway = new GatewayMetrics({ ...sources, workers: () => askWorkers([parent, silent], 200) });
    gateway.meter.delivery({ endpointKind: 'http', outcome: 'delivered' });
    const text = (await gateway.scrape()).body;
    stop();
    expect(sample(text, 'edi_gateway_deliveries_total', { endpoint_kind: 'http', outcome: 'delivered' })).toBe(3);
    expect(sample(text, 'edi_gateway_scrape_errors_total', { source: 'worker' })).toBe(1);
    // The gauges read from the database are the gateway's alone, never added twice.
    expect(sample(text, 'edi_gateway_dead_letters')).toBe(2);
  });
});
