/**
 * The gateway polling a partner's SFTP server (OpenSSH sshd as the partner) and delivering back to it:
 * the real gateway process, wired from a partner file's `inbound.poll` and an `sftp` endpoint.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describePeer, missingPeer } from '../transports/peers/system';
import { SSHD, startSshd, type Sshd } from '../transports/peers/sshd';
import { cli, eventually, GatewayProcess, scratch, type Scratch, x12Order } from './gateway';

jest.setTimeout(120_000);

describePeer(
  "the gateway polls a partner's SFTP server and delivers to it (OpenSSH sshd)",
  missingPeer([SSHD, 'ssh-keygen', 'ssh-keyscan'], { root: true }),
  () => {
    let sshd: Sshd;
    let s: Scratch;
    let gw: GatewayProcess;
    let env: NodeJS.ProcessEnv;
    const remote = (...p: string[]) => path.join(sshd.chroot, ...p);

    beforeAll(async () => {
      sshd = await startSshd();
      for (const d of ['out', 'in']) {
        await fs.mkdir(remote(d), { mode: 0o750 });
        await fs.chown(remote(d), sshd.user.uid, sshd.user.gid);
      }
      s = scratch();
      env = { DATABASE_URL: `sqlite:${s.dir}/data/gateway.sqlite` };
      s.file(
        'gateway.yaml',
        [
          'identity:',
          '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
          'workers: 2',
          'delivery: { attempts: 3, backoff: 100ms, maxBackoff: 200ms }',
        ].join('\n'),
      );
      s.file(
        'partners/acme.yaml',
        [
          'id: acme',
          'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
          'inbound:',
          '  poll:',
          `    - sftp: { host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user.name}, key: ${sshd.clientKey}, ` +
            `hostKey: ${sshd.hostKeyPub}, dir: /out, pattern: '*.x12', afterRead: move, every: 1s, minAge: 0 }`,
          "acks: { x12: '997', to: acks }",
          'routes:',
          "  - match: { type: '850' }",
          '    to: their-sftp',
          'endpoints:',
          '  acks: { file: { dir: out/acks } }',
          `  their-sftp: { sftp: { host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user.name}, key: ` +
            `${sshd.clientKey}, hostKey: ${sshd.hostKeyPub}, dir: /in } }`,
        ].join('\n'),
      );
      gw = new GatewayProcess(`${s.dir}/gateway.yaml`, env);
      await gw.start();
    });

    afterAll(async () => {
      await gw?.stop();
      s?.remove();
      await sshd?.stop();
    });

    test('an 850 on their server is taken once, moved to processed, acknowledged, and delivered to their /in', async () => {
      const file = remote('out', 'po-7001.x12');
      await fs.writeFile(file, x12Order({ sender: 'ACME', control: 7001, po: 'PO-7001' }));
      await fs.chown(file, sshd.user.uid, sshd.user.gid);
      await eventually(
        'the file moved to processed',
        async () => (await fs.readdir(remote('out', 'processed')).catch((): string[] => [])).includes('po-7001.x12'),
        30_000,
      );
      await eventually('the 997', () => s.files('out/acks').length === 1, 30_000);
      const delivered = await eventually(
        'the order in their /in',
        async () => (await fs.readdir(remote('in'))).find((n) => !n.startsWith('.')),
        30_000,
      );
      expect(JSON.parse(await fs.readFile(remote('in', delivered), 'utf8'))).toMatchObject({
        BEG: { BEG03: 'PO-7001' },
      });
      const rows = JSON.parse(
        (await cli(['report', '--config', `${s.dir}/gateway.yaml`, '--format', 'json'], env)).stdout,
      ) as Array<{ transport: string; deliveryStatus: string }>;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ transport: 'sftp-poll', deliveryStatus: 'delivered' });
      // Polled again and again: never taken twice.
      await new Promise((r) => setTimeout(r, 2500));
      expect(
        JSON.parse((await cli(['report', '--config', `${s.dir}/gateway.yaml`, '--format', 'json'], env)).stdout),
      ).toHaveLength(1);
    });

    test('the same bytes put again under the same name after the file was moved (a resend) are taken in again, not skipped as seen', async () => {
      const bytes = x12Order({ sender: 'ACME', control: 7002, po: 'PO-7002' });
      const put = async (mtime: Date) => {
        await fs.writeFile(remote('out', 'resend.x12'), bytes);
        await fs.chown(remote('out', 'resend.x12'), sshd.user.uid, sshd.user.gid);
        await fs.utimes(remote('out', 'resend.x12'), mtime, mtime);
      };
      const moved = async (name: string) => (await fs.readdir(remote('out', 'processed'))).includes(name);
      await put(new Date(Date.now() - 120_000));
      await eventually('the first moved', () => moved('resend.x12'), 30_000);
      // The partner is asked to resend and puts the very same bytes again, later.
      await put(new Date(Date.now() - 60_000));
      await eventually('the resend moved', () => moved('resend-1.x12'), 30_000);
      await new Promise((r) => setTimeout(r, 2500));
      const lines = gw.lines.filter((l) => l.file === 'resend.x12');
      expect(lines.filter((l) => l.msg === 'remote file taken in')).toHaveLength(2);
      expect(lines.filter((l) => String(l.msg).includes('taken in before'))).toEqual([]);
    });

    test("an empty file and one that is not EDI are each taken once, moved off their server, and named in the report's notices", async () => {
      for (const [name, text] of [
        ['empty.x12', ''],
        ['notes ü.x12', 'not an interchange\n'],
      ]) {
        await fs.writeFile(remote('out', name), text);
        await fs.chown(remote('out', name), sshd.user.uid, sshd.user.gid);
      }
      await eventually(
        'both moved to processed',
        async () => {
          const moved = await fs.readdir(remote('out', 'processed'));
          return moved.includes('empty.x12') && moved.includes('notes ü.x12');
        },
        30_000,
      );
      const report = (format: string) => cli(['report', '--config', `${s.dir}/gateway.yaml`, '--format', format], env);
      const page = await eventually(
        'both refused',
        async () => {
          const html = (await report('html')).stdout;
          return html.includes('empty.x12: not X12') && html.includes('notes ü.x12: not X12') && html;
        },
        30_000,
      );
      expect(page).toContain('Not X12 or EDIFACT (or empty): refused');
      expect(page).toContain('empty.x12: not X12 or EDIFACT: empty input');
      expect(page).toContain('notes ü.x12: not X12 or EDIFACT');
      expect(page.match(/EDIGW_EDI_UNREADABLE<\/span>/g)).toHaveLength(2);
      // Still one row per transaction set: none for these two.
      const rows = JSON.parse((await report('json')).stdout) as Array<{ fileName: string }>;
      expect(rows.filter((r) => r.fileName === 'empty.x12' || r.fileName === 'notes ü.x12')).toEqual([]);
    });
  },
);
