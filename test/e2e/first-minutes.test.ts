/**
 * The README's "First five minutes", run as a new user would: the shipped gateway.yaml, partners and
 * sample files, ACME's 850 sent over AS2 with examples/as2-send.sh (openssl and curl), Globex's ORDERS
 * put over SFTP with OpenSSH's sftp, then both found in the report. Only the ports and the ERP's
 * address differ from what `npm start` runs, so that the test cannot clash with anything else.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeNeeding } from '../helpers/requirements';
import { cli, eventually, freePort, GatewayProcess, HttpSink, ROOT, scratch, type Scratch } from './gateway';

const tools = ['openssl', 'curl', 'sftp', 'ssh-keygen'];
const absent = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
const missing = absent.length
  ? `${absent.join(', ')} not found (apt-get install openssl curl openssh-client)`
  : undefined;

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** Replaces `from` in a copied file, failing when the shipped file no longer holds it. */
function edit(s: Scratch, rel: string, from: string, to: string): void {
  const path = join(s.dir, rel);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${rel} no longer holds ${from}: update this test with the README`);
  writeFileSync(path, text.replace(from, to));
}

describeNeeding('first five minutes (README)', 'openssl, curl and the OpenSSH client', missing, () => {
  let s: Scratch;
  let gw: GatewayProcess;
  const erp = new HttpSink();
  let as2Port = 0;
  let sftpPort = 0;

  beforeAll(async () => {
    s = scratch();
    for (const entry of ['gateway.yaml', 'partners', 'profiles', 'examples', 'certs']) {
      cpSync(join(ROOT, entry), join(s.dir, entry), { recursive: true });
    }
    await erp.start();
    [as2Port, sftpPort] = [await freePort(), await freePort()];
    edit(s, 'gateway.yaml', 'port: 4080', `port: ${as2Port}`);
    edit(s, 'gateway.yaml', 'port: 2222', `port: ${sftpPort}`);
    edit(s, 'gateway.yaml', 'port: 8080', `port: ${await freePort()}`);
    edit(s, 'partners/acme.yaml', 'http://127.0.0.1:9000/orders', `http://127.0.0.1:${erp.port}/orders`);
    // The README's key steps: ACME's AS2 key pair and Globex's SSH key, in place of the throwaway public halves.
    const req = await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'certs/acme/as2.key',
        '-out',
        'certs/acme/as2.pem',
      ].concat(['-days', '30', '-subj', '/CN=ACME-AS2']),
      s.dir,
    );
    expect(req.code).toBe(0);
    const keygen = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', 'certs/globex/id_ed25519'], s.dir);
    expect(keygen.code).toBe(0);
    gw = new GatewayProcess(join(s.dir, 'gateway.yaml'));
    await gw.start();
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
    await erp.stop();
    s?.remove();
  });

  test('ACME sends the sample 850 over AS2 with openssl and curl, gets a processed MDN, and the order reaches the ERP', async () => {
    const sent = await run('examples/as2-send.sh', ['examples/acme-850.x12', `http://127.0.0.1:${as2Port}/as2`], s.dir);
    expect(sent.out).toMatch(/disposition: .*processed/);
    expect(sent.code).toBe(0);
    const order = await eventually('the order at the ERP', () => erp.ok()[0]);
    expect(JSON.parse(order.body.toString())).toMatchObject({ po: '4500012345', lines: [{ qty: 24 }, { qty: 12 }] });
  }, 60_000);

  test('Globex puts the sample ORDERS over SFTP and it is stored, acknowledged and delivered to their outbox', async () => {
    const put = spawnSync(
      'sftp',
      ['-b', '-', '-P', String(sftpPort), '-i', 'certs/globex/id_ed25519'].concat([
        '-o',
        'StrictHostKeyChecking=accept-new',
        '-o',
        'UserKnownHostsFile=known_hosts',
        'globex@127.0.0.1',
      ]),
      { cwd: s.dir, input: 'put examples/globex-orders.edi inbox/globex-orders.edi\n', encoding: 'utf8' },
    );
    expect(put.status).toBe(0);
    const out = await eventually('the order and the CONTRL in the outbox', () => {
      const files = s.files('data/sftp/globex/outbox');
      return files.length === 2 && files;
    });
    expect(out).toEqual(['globex-CONTRL-1.edi', 'globex-ORDERS-GLX0000101-1.json']);
  }, 60_000);

  test('the report lists both, with what was tracked', async () => {
    const report = await cli(['report', '--format', 'json', '--config', join(s.dir, 'gateway.yaml')]);
    expect(report.code).toBe(0);
    const rows = JSON.parse(report.stdout) as Array<Record<string, unknown>>;
    const row = (partner: string) => rows.find((r) => r.partner === partner);
    expect(row('acme')).toMatchObject({ transport: 'as2', type: '850', ackStatus: 'A', reference: '4500012345' });
    expect(row('globex')).toMatchObject({
      transport: 'sftp',
      type: 'ORDERS',
      ackStatus: 'A',
      reference: 'GLX-PO-77812',
    });
  });
});
