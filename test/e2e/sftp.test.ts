/**
 * The full SFTP path through the real gateway process: a partner uploads an 850 with the OpenSSH
 * client (as `.part`, then renamed), and downloads its 997 from its outbox.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { haveOpenSsh, keygen, output, sftpBatch, writeKnownHosts, type Client } from '../transports/sftp/openssh';
import { cli, eventually, freePort, GatewayProcess, scratch, type Scratch, x12Order } from './gateway';
import { parseBuffer } from '../../src/edi/parse';
import { isIgnoredName } from '../../src/transports/file/names';
import { describeNeeding } from '../helpers/requirements';
import { sample } from '../helpers/prometheus';

jest.setTimeout(120_000);

const missing = haveOpenSsh() ? undefined : 'sftp, ssh or ssh-keygen not found (apt-get install openssh-client)';

describeNeeding(
  "a partner exchanges files over the gateway's hosted SFTP server (OpenSSH client)",
  'the OpenSSH client',
  missing,
  () => {
    let s: Scratch;
    let gw: GatewayProcess;
    let env: NodeJS.ProcessEnv;
    let client: Client;
    let admin = '';

    beforeAll(async () => {
      if (missing) throw new Error(`${missing}; CI must install the peers (.ci/run)`);
      s = scratch();
      const port = await freePort();
      const adminPort = await freePort();
      admin = `http://127.0.0.1:${adminPort}`;
      const key = await keygen(s.dir, 'acme_key', 'ed25519');
      env = { DATABASE_URL: `sqlite:${s.dir}/data/gateway.sqlite` };
      s.file(
        'gateway.yaml',
        [
          'identity:',
          '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
          `sftp: { port: ${port}, hostKey: certs/our/ssh_host_ed25519_key, root: data/sftp }`,
          `admin: { port: ${adminPort}, token: e2e-sftp-token-0123456789 }`,
        ].join('\n'),
      );
      s.file(
        'partners/acme.yaml',
        [
          'id: acme',
          'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
          `inbound: { sftp: { user: acme, publicKeys: [${key}.pub] } }`,
          "acks: { x12: '997', to: outbox }",
          'endpoints:',
          '  outbox: { file: { dir: data/sftp/acme/outbox } }',
        ].join('\n'),
      );
      gw = new GatewayProcess(`${s.dir}/gateway.yaml`, env);
      await gw.start();
      const known = path.join(s.dir, 'known_hosts');
      await writeKnownHosts(
        known,
        port,
        await fs.readFile(path.join(s.dir, 'certs/our/ssh_host_ed25519_key.pub'), 'utf8'),
      );
      client = { port, user: 'acme', key, knownHosts: known };
    });

    afterAll(async () => {
      await gw?.stop();
      s?.remove();
    });

    test('upload as .part then rename: taken in once, its 997 waits in the outbox to be fetched', async () => {
      const local = s.file('po-8001.x12', x12Order({ sender: 'ACME', control: 8001, po: 'PO-8001' }));
      const up = await sftpBatch(client, s.dir, [
        `put ${local} inbox/po-8001.x12.part`,
        'rename inbox/po-8001.x12.part inbox/po-8001.x12',
        'ls inbox',
      ]);
      expect(up.stderr).not.toMatch(/denied|failure/i);
      expect(up.code).toBe(0);
      const ack = await eventually(
        'the 997 in the outbox',
        async () =>
          // Not the sender's hidden temp file (`.name.hex.tmp`): it is renamed away as the 997 is published.
          (await fs.readdir(path.join(s.dir, 'data/sftp/acme/outbox')).catch((): string[] => [])).find(
            (n) => n.includes('997') && !isIgnoredName(n),
          ),
        30_000,
      );
      const got = path.join(s.dir, 'got');
      await fs.mkdir(got);
      const down = await sftpBatch(client, s.dir, [`get outbox/${ack} ${got}/`, `rm outbox/${ack}`]);
      expect(down.code).toBe(0);
      const ic = parseBuffer(await fs.readFile(path.join(got, ack))).interchanges[0];
      expect(ic.groups[0].transactions[0].segments.find((x) => x.id === 'AK1')?.elements).toEqual(['PO', '8001']);
      const rows = JSON.parse(
        (await cli(['report', '--config', `${s.dir}/gateway.yaml`, '--format', 'json'], env)).stdout,
      ) as Array<{ transport: string; fileName: string; ackStatus: string }>;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ transport: 'sftp', fileName: 'po-8001.x12', ackStatus: 'A' });
      const left = await sftpBatch(client, s.dir, ['ls -1 inbox', 'ls -1 outbox']);
      expect(output(left).filter((l) => l.trim() !== '')).toEqual([]);
    });

    test('a path outside the home is refused', async () => {
      const local = s.file('x.x12', 'x');
      const r = await sftpBatch(client, s.dir, [`put ${local} ../../x.x12`]);
      expect(r.code).not.toBe(0);
    });

    test('every login shows in /metrics: opened for a session, refused for a key the gateway does not know', async () => {
      const sessions = async (outcome: string) => {
        const r = await fetch(`${admin}/metrics`);
        expect(r.status).toBe(200);
        return sample(await r.text(), 'edi_gateway_sftp_sessions_total', { outcome }) ?? 0;
      };
      const [opened, refused] = [await sessions('opened'), await sessions('refused')];
      expect((await sftpBatch(client, s.dir, ['ls inbox'])).code).toBe(0);
      const strangerKey = await keygen(s.dir, 'stranger_key', 'ed25519');
      expect((await sftpBatch({ ...client, key: strangerKey }, s.dir, ['ls inbox'])).code).not.toBe(0);
      expect(await sessions('opened')).toBe(opened + 1);
      expect(await sessions('refused')).toBe(refused + 1);
    });
  },
);
