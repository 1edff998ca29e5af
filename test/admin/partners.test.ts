/**
 * Partners in the admin API against the real gateway and real peers: OpenSSH's sshd (an SFTP
 * endpoint), vsftpd (a polled FTP server), a local HTTP server (the ERP, and an AS2 URL that answers)
 * and a closed port (an AS2 URL that does not). Health, the connectivity check, and a pause that
 * holds deliveries back across a restart until an operator resumes.
 */
import { promises as fs, readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path, { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/main';
import { silentLogger } from '../../src/pipeline/logger';
import { pausedNote } from '../../src/pipeline/deliver';
import { DATABASES, describeOn, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';
import { cli, eventually, freePort, HttpSink, scratch, type Scratch, x12Order } from '../e2e/gateway';
import { type Sshd, SSHD, startSshd } from '../transports/peers/sshd';
import { selfSignedCertificate, startVsftpd, type Vsftpd, VSFTPD } from '../transports/peers/vsftpd';
import { createSystemUser, describePeer, missingPeer, type SystemUser } from '../transports/peers/system';

jest.setTimeout(180_000);

const OPERATOR = 'operator-token-0123456789';
const AUDITOR = 'auditor-token-0123456789';

interface Health {
  id: string;
  health: string;
  reasons: string[];
  paused: { by: string | null; reason: string | null } | null;
  lastAction: { action: string; user: string | null; role: string | null; at: string } | null;
  lastIn: string | null;
  lastOut: string | null;
  today: { in: number; out: number; refused: number; failed: number };
  deliveries: { waiting: number; dead: number };
  certificates: Array<{ subject: string; daysLeft: number }>;
  certificateDaysLeft: number | null;
  pollers: Array<{ kind: string; url: string; state: string; failures: number }>;
}
interface Check {
  partner: string;
  ok: boolean;
  endpoints: Array<{
    at: string;
    kind: string;
    ok: boolean;
    result: string;
    status?: number;
    files?: number;
    error?: { code: string };
  }>;
}

const missing = missingPeer([SSHD, VSFTPD, 'ssh-keygen', 'ssh-keyscan', 'openssl'], { root: true });

describePeer('admin API: partners (real gateway, sshd, vsftpd)', missing, () => {
  let sshd: Sshd;
  let ftp: Vsftpd;
  let ftpHome: string;
  let ftpUser: SystemUser;
  let sink: HttpSink;
  /** An AS2 URL over TLS with a certificate nobody vouches for. */
  let untrusted: https.Server;

  beforeAll(async () => {
    sshd = await startSshd();
    await fs.mkdir(path.join(sshd.chroot, 'in'), { mode: 0o755 });
    await fs.chown(path.join(sshd.chroot, 'in'), sshd.user.uid, sshd.user.gid);
    await fs.writeFile(path.join(sshd.chroot, 'in', 'earlier.edi'), 'x');
    ftpHome = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-partners-ftp-'));
    ftpUser = createSystemUser('edigwpc', ftpHome);
    await fs.chown(ftpHome, ftpUser.uid, ftpUser.gid);
    await fs.chmod(ftpHome, 0o755);
    await fs.mkdir(path.join(ftpHome, 'out'));
    await fs.chown(path.join(ftpHome, 'out'), ftpUser.uid, ftpUser.gid);
    ftp = await startVsftpd({ user: ftpUser.name });
    sink = new HttpSink();
    await sink.start();
    const cert = selfSignedCertificate(ftpHome, 'globex-as2');
    untrusted = https.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (_req, res) =>
      res.writeHead(405).end(),
    );
    await new Promise<void>((r) => untrusted.listen(0, '127.0.0.1', r));
  }, 90_000);

  afterAll(async () => {
    untrusted?.closeAllConnections();
    await new Promise((r) => (untrusted ? untrusted.close(r) : r(undefined)));
    await sink?.stop();
    await ftp?.stop();
    ftpUser?.remove();
    if (ftpHome) await fs.rm(ftpHome, { recursive: true, force: true });
    await sshd?.stop();
  });

  for (const kind of DATABASES)
    describeOn(kind, `on ${kind}`, () => {
      let db: TestDatabase | undefined;
      let s: Scratch;
      let gw: RunningGateway | undefined;
      let base = '';
      let closedPort = 0;

      const start = async () => {
        gw = await startGateway({
          configFile: join(s.dir, 'gateway.yaml'),
          env: { DATABASE_URL: db!.url },
          logger: silentLogger,
        });
        base = `http://127.0.0.1:${gw.admin!.port}`;
      };

      beforeAll(async () => {
        db = await freshDatabase(kind);
        s = scratch();
        closedPort = await freePort();
        await fs.writeFile(path.join(s.dir, 'known_hosts'), sshd.knownHosts);
        s.file(
          'gateway.yaml',
          [
            'identity:',
            '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
            '  as2: { id: OURCOMPANY-AS2, key: certs/our/as2.key, certificate: certs/our/as2.pem }',
            'admin:',
            `  port: ${await freePort()}`,
            '  users:',
            `    - { name: olga, role: operator, token: ${OPERATOR} }`,
            `    - { name: arno, role: auditor, token: ${AUDITOR} }`,
            'workers: 1',
            'delivery: { attempts: 2, backoff: 100ms, maxBackoff: 200ms }',
          ].join('\n'),
        );
        s.file(
          'partners/acme.yaml',
          [
            'id: acme',
            'name: ACME Retail',
            'identifiers: { x12: [{ qualifier: ZZ, id: ACME }], as2: ACME-AS2 }',
            'certificates: { as2: certs/our/as2.pem }',
            'inbound:',
            '  file: { dir: inbox/acme, every: 100ms, minAge: 100ms }',
            '  poll:',
            `    - ftp: { host: 127.0.0.1, port: ${ftp.port}, user: ${ftpUser.name}, password: '${ftpUser.password}', ` +
              `secure: none, dir: /out, afterRead: leave, every: 1s, minAge: 1h }`,
            'routes:',
            "  - match: { standard: x12, type: '850' }",
            '    map: acme/maps/order.jsonata',
            '    to: erp',
            'endpoints:',
            `  erp: { http: { url: 'http://127.0.0.1:${sink.port}/orders' } }`,
            `  as2-up: { as2: { url: 'http://127.0.0.1:${sink.port}/as2', mdn: { mode: none } } }`,
            `  as2-down: { as2: { url: 'http://127.0.0.1:${closedPort}/as2', mdn: { mode: none } } }`,
            `  drop: { sftp: { host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user.name}, key: ${sshd.clientKey}, hostKey: known_hosts, dir: /in } }`,
          ].join('\n'),
        );
        s.file(
          'partners/globex.yaml',
          [
            'id: globex',
            'identifiers: { x12: [{ qualifier: ZZ, id: GLOBEX }], as2: GLOBEX-AS2 }',
            'inbound:',
            '  poll:',
            `    - ftp: { host: 127.0.0.1, port: ${ftp.port}, user: ${ftpUser.name}, password: not-the-password, ` +
              `secure: none, dir: /out, afterRead: leave, every: 1s }`,
            'endpoints:',
            `  as2: { as2: { url: 'https://127.0.0.1:${(untrusted.address() as AddressInfo).port}/as2', encrypt: none, mdn: { mode: none } } }`,
          ].join('\n'),
        );
        s.file('partners/acme/maps/order.jsonata', '{ "po": BEG.BEG03 }');
        await start();
      });

      afterAll(async () => {
        await gw?.stop();
        s?.remove();
        await db?.drop();
      });
      const test = testWith(() => db);

      const call = (p: string, token: string, init: RequestInit = {}) =>
        fetch(base + p, {
          ...init,
          headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        });
      async function acme(): Promise<Health> {
        const r = await call('/api/partners', AUDITOR);
        expect(r.status).toBe(200);
        const body = (await r.json()) as { partners: Health[] };
        return body.partners.find((p) => p.id === 'acme')!;
      }
      const auditEvents = async (stage: string) =>
        gw!.ctx.store.query<Array<{ partnerId: string; detail: string }>>(
          'SELECT partnerId, detail FROM event WHERE stage = ? ORDER BY id',
          [stage],
        );

      test('the partners list shows traffic, certificate expiry and the poller connected to vsftpd', async () => {
        sink.requests.length = 0;
        s.drop('inbox/acme/po-1.x12', x12Order({ sender: 'ACME', control: 2001, po: 'PO-2001' }));
        await eventually('the order delivered', () => sink.ok().some((r) => r.path === '/orders'), 60_000);
        const h = await eventually('the poller has been round once', async () => {
          const got = await acme();
          return got.pollers[0]?.state === 'ok' && got.lastOut !== null && got;
        });
        expect(h.today.in).toBe(1);
        expect(h.today.out).toBe(1);
        expect(h.lastIn).not.toBeNull();
        expect(h.deliveries).toEqual({ waiting: 0, dead: 0 });
        expect(h.pollers).toEqual([
          expect.objectContaining({ kind: 'ftp-poll', state: 'ok', failures: 0, url: expect.stringContaining('/out') }),
        ]);
        // The gateway made its own certificate on first start (a year or more), and acme names it as its own.
        expect(h.certificates).toHaveLength(1);
        expect(h.certificateDaysLeft).toBeGreaterThan(300);
        expect(h.health).toBe('ok');
        expect(h.paused).toBeNull();
        expect(h.lastAction).toBeNull();
      });

      test('an auditor may not run a check, pause or resume: 403 EDIGW_ADMIN_FORBIDDEN', async () => {
        for (const action of ['check', 'pause', 'resume']) {
          const r = await call(`/api/partners/acme/${action}`, AUDITOR, { method: 'POST' });
          expect(r.status).toBe(403);
          expect(((await r.json()) as { error: { code: string } }).error.code).toBe('EDIGW_ADMIN_FORBIDDEN');
        }
        const unknown = await call('/api/partners/nobody/check', OPERATOR, { method: 'POST' });
        expect(unknown.status).toBe(404);
      });

      test('the check reaches the AS2 URL that answers, not the closed one, and logs in and lists over SFTP and FTP', async () => {
        const r = await call('/api/partners/acme/check', OPERATOR, { method: 'POST' });
        expect(r.status).toBe(200);
        const c = (await r.json()) as Check;
        const at = (name: string) => c.endpoints.find((e) => e.at === name)!;
        expect(c.ok).toBe(false);
        expect(at('endpoints.as2-up')).toMatchObject({ kind: 'as2', ok: true, status: 200 });
        expect(at('endpoints.as2-down')).toMatchObject({ kind: 'as2', ok: false });
        expect(at('endpoints.as2-down').result).toMatch(/not reachable.*ECONNREFUSED/);
        expect(at('endpoints.drop')).toMatchObject({ kind: 'sftp', ok: true, files: 1 });
        expect(at('inbound.poll.0')).toMatchObject({ kind: 'ftp-poll', ok: true, files: 0 });
        expect(c.endpoints.find((e) => e.at === 'endpoints.erp')).toBeUndefined();
        const audit = await auditEvents('admin.check');
        expect(audit).toHaveLength(1);
        expect(audit[0].partnerId).toBe('acme');
        expect(JSON.parse(audit[0].detail)).toMatchObject({ user: 'olga', role: 'operator', ok: false });
      });

      test('the console lists every certificate and key the configuration names, and the partners with their state', async () => {
        const signIn = await fetch(`${base}/signin`, {
          method: 'POST',
          redirect: 'manual',
          headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
          body: `token=${AUDITOR}`,
        });
        expect(signIn.status).toBe(303);
        const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
        const page = async (p: string) => {
          const r = await fetch(base + p, { headers: { cookie } });
          expect(r.status).toBe(200);
          return r.text();
        };
        const certs = await page('/certificates');
        for (const at of [
          'identity.as2.certificate',
          'identity.as2.key',
          'certificates.as2',
          'endpoints.drop.sftp.key',
          'endpoints.drop.sftp.hostKey',
        ])
          expect(certs).toContain(`<code>${at}</code>`);
        expect(certs).toContain('OURCOMPANY-AS2');
        const partners = await page('/partners');
        expect(partners).toContain('ACME Retail');
        expect(partners).toMatch(/ftp-poll <code class="url">ftp:\/\/[^<]+\/out<\/code>: connected/);
        expect(partners).toMatch(/<button[^>]*hx-post="\/partners\/acme\/check"[^>]*disabled/);
        // The check the operator ran in the test before is the partner's last action, on its row.
        expect(partners).toMatch(/Last operator action:\s*<strong>check<\/strong> by\s+olga \(operator\)/);
      });

      test('a poller that cannot log in makes its partner failing, and the check names a TLS certificate nobody vouches for', async () => {
        const globex = await eventually('the failing poller seen', async () => {
          const r = (await (await call('/api/partners/globex', AUDITOR)).json()) as Health;
          return r.pollers[0]?.state === 'failing' && r;
        });
        expect(globex.health).toBe('failing');
        expect(globex.reasons[0]).toMatch(/^polling ftp:\/\/.*\/out fails/);
        const r = await call('/api/partners/globex/check', OPERATOR, { method: 'POST' });
        const c = (await r.json()) as Check & { endpoints: Array<{ tls?: { authorized: boolean; error?: string } }> };
        const as2 = c.endpoints.find((e) => e.at === 'endpoints.as2')!;
        expect(as2).toMatchObject({ ok: false, tls: { authorized: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
        expect(as2.result).toMatch(/^TLS refused/);
        const poll = c.endpoints.find((e) => e.at === 'inbound.poll.0')!;
        expect(poll.ok).toBe(false);
        expect(poll.error?.code).toMatch(/^EDIGW_FTP_/);
      });

      test('a paused partner keeps its deliveries waiting, across a restart, until an operator resumes', async () => {
        sink.requests.length = 0;
        const paused = await call('/api/partners/acme/pause', OPERATOR, {
          method: 'POST',
          body: JSON.stringify({ reason: 'their ERP is down for maintenance' }),
        });
        expect(paused.status).toBe(200);
        expect(await paused.json()).toMatchObject({ partner: 'acme', paused: true, by: 'olga', changed: true });

        s.drop('inbox/acme/po-2.x12', x12Order({ sender: 'ACME', control: 2002, po: 'PO-2002' }));
        // The worker took the delivery up and gave it back unattempted, noting why.
        await eventually(
          'the delivery waiting for the resume',
          async () =>
            (
              await gw!.ctx.store.query<Array<{ n: number | string }>>(
                "SELECT COUNT(*) AS n FROM job WHERE kind = 'deliver' AND status = 'queued' AND lastError = ?",
                [pausedNote('acme')],
              )
            )[0].n == 1,
          60_000,
        );
        // The CLI's send queues it and says at once that it waits, instead of waiting for an attempt.
        const sent = await cli(
          [
            'send',
            '--partner',
            'acme',
            '--endpoint',
            'erp',
            s.file('po-cli.x12', x12Order({ sender: 'OURCOMPANY', control: 2003, po: 'PO-2003' })),
            '--config',
            join(s.dir, 'gateway.yaml'),
          ],
          { DATABASE_URL: db!.url },
        );
        expect(sent.stderr).toContain("partner acme's outbound deliveries are paused");
        expect(sent.code).toBe(1);
        const waiting = await acme();
        expect(waiting.paused).toMatchObject({ by: 'olga', reason: 'their ERP is down for maintenance' });
        expect(waiting.deliveries).toEqual({ waiting: 2, dead: 0 });
        expect(waiting.health).toBe('attention');
        expect(sink.requests.filter((r) => r.path === '/orders')).toEqual([]);

        await gw!.stop();
        gw = undefined;
        await start();
        const after = await acme();
        expect(after.paused).toMatchObject({ by: 'olga' });
        expect(after.deliveries.waiting).toBe(2);

        const resumed = await call('/api/partners/acme/resume', OPERATOR, { method: 'POST' });
        expect(resumed.status).toBe(200);
        expect(await resumed.json()).toMatchObject({ paused: false, changed: true });
        await eventually(
          'both waiting deliveries sent after the resume',
          () =>
            sink.ok().some((r) => r.path === '/orders' && r.body.toString().includes('PO-2002')) &&
            sink.ok().some((r) => r.path === '/orders' && r.body.toString().includes('PO-2003')),
        );
        // The sink answers before the worker records the delivery: wait for the record, not the request.
        const done = await eventually('both deliveries recorded', async () => {
          const h = await acme();
          return h.deliveries.waiting === 0 && h;
        });
        expect(done.paused).toBeNull();
        expect(done.lastAction).toMatchObject({ action: 'resume', user: 'olga', role: 'operator' });
        expect(done.deliveries).toEqual({ waiting: 0, dead: 0 });
        // Attempts given back while paused: one attempt to deliver it, not a retry round used up.
        const row = await gw!.ctx.store.query<Array<{ attempts: number | string; status: string }>>(
          "SELECT attempts, status FROM delivery WHERE status = 'delivered' ORDER BY createdAt DESC LIMIT 1",
        );
        expect(Number(row[0].attempts)).toBe(1);
        const events = [...(await auditEvents('admin.pause')), ...(await auditEvents('admin.resume'))];
        expect(events.map((e) => (JSON.parse(e.detail) as { user: string }).user)).toEqual(['olga', 'olga']);
      });
    });
});
