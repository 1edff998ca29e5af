/**
 * Expiring AS2 certificates in the report: `edi-gateway report --certificates` (CSV, JSON, HTML), the
 * section of the HTML report, and GET /api/report/certificates. The certificates are made here with
 * node-forge, valid for a few days (or expired) around a fixed "now".
 */
import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import forge from 'node-forge';
import { certificateFields, certificateRows, renderCertificatesCsv } from '../../src/admin/reports/certificates';
import { createAdminApp, listenAdmin } from '../../src/admin/server';
import { reportCommand } from '../../src/cli/report';
import { Store } from '../../src/store/store';

const DAY = 86_400_000;
const NOW = new Date('2026-05-01T10:00:00.000Z');
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const fkey = forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }) as string);

/** A self-signed certificate valid from a year before NOW until `notAfter`. */
function certificate(cn: string, notAfter: Date): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(fkey.n, fkey.e);
  cert.serialNumber = '0a';
  cert.validity.notBefore = at(-365);
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: cn }]);
  cert.setIssuer([{ name: 'commonName', value: cn }]);
  cert.sign(fkey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const dir = mkdtempSync(join(tmpdir(), 'edigw-certs-'));
const file = (rel: string, text: string) => {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
};
const config = join(dir, 'gateway.yaml');

beforeAll(async () => {
  file(
    'gateway.yaml',
    [
      'database: sqlite:data/gateway.sqlite',
      "identity: { as2: { id: 'OUR GATEWAY', key: certs/our/as2.key, certificate: certs/our/as2.pem } }",
      'as2: { port: 4080 }',
    ].join('\n'),
  );
  file('certs/our/as2.key', key.export({ type: 'pkcs8', format: 'pem' }) as string);
  // Ours: ten days and an hour left.
  file('certs/our/as2.pem', certificate('OUR GATEWAY', new Date(at(10).getTime() + 3_600_000)));
  // ACME in rollover: the new one lasts, the old one expired three days ago (less an hour).
  file('certs/acme/new.pem', certificate('acme 2027', at(400)));
  file('certs/acme/old.pem', certificate('acme & co 2025', new Date(at(-3).getTime() + 3_600_000)));
  file('certs/globex/as2.pem', certificate('=globex', new Date(at(20).getTime() + 3_600_000)));
  file('certs/initech/as2.pem', certificate('initech', at(731)));
  const partner = (id: string, certs: string) =>
    file(
      `partners/${id}.yaml`,
      `id: ${id}\nidentifiers: { as2: ${id.toUpperCase()} }\ncertificates: { as2: ${certs} }\n`,
    );
  partner('acme', '[certs/acme/new.pem, certs/acme/old.pem]');
  partner('globex', 'certs/globex/as2.pem');
  partner('initech', 'certs/initech/as2.pem');
  const store = await Store.open(`sqlite:${join(dir, 'data', 'gateway.sqlite')}`, { payloads: 'database' });
  await store.migrate();
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function report(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const opts: Record<string, unknown> = { config };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--certificates') opts.certificates = true;
    else opts[a.slice(2)] = args[++i];
  }
  const code = await reportCommand(
    opts,
    {
      out: (s) => {
        out += s;
      },
      err: (s) => {
        err += s;
      },
    },
    NOW,
  );
  return { code, out, err };
}

describe('report --certificates', () => {
  const expected = [
    { owner: 'acme', file: join(dir, 'certs/acme/old.pem'), subject: 'CN=acme & co 2025', daysLeft: -3, expired: true },
    { owner: 'us', file: join(dir, 'certs/our/as2.pem'), subject: 'CN=OUR GATEWAY', daysLeft: 10, expired: false },
    { owner: 'globex', file: join(dir, 'certs/globex/as2.pem'), subject: 'CN==globex', daysLeft: 20, expired: false },
  ];

  test("JSON: ours and the partners' that expire within 30 days or have expired, soonest first; the lasting ones left out", async () => {
    const r = await report('--certificates', '--format', 'json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(rows.map((x) => Object.keys(x))).toEqual(expected.map(() => [...certificateFields]));
    expect(rows).toMatchObject(expected);
    expect(rows[1].notAfter).toBe(new Date(at(10).getTime() + 3_600_000).toISOString());
  });

  test("--partner keeps ours and that partner's", async () => {
    const rows = JSON.parse((await report('--certificates', '--format', 'json', '--partner', 'globex')).out) as Array<{
      owner: string;
    }>;
    expect(rows.map((x) => x.owner)).toEqual(['us', 'globex']);
    expect(JSON.parse((await report('--certificates', '--format', 'json', '--partner', 'initech')).out)).toMatchObject([
      { owner: 'us' },
    ]);
  });

  test('CSV by default: a header and one formula-safe row each', async () => {
    const r = await report('--certificates');
    expect(r.code).toBe(0);
    const lines = r.out.split('\r\n');
    expect(lines[0]).toBe('owner,file,subject,notAfter,daysLeft,expired');
    expect(lines[1]).toBe(
      `acme,${join(dir, 'certs/acme/old.pem')},CN=acme & co 2025,${new Date(at(-3).getTime() + 3_600_000).toISOString()},-3,true`,
    );
    expect(lines[3]).toContain(',CN==globex,');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(
      renderCertificatesCsv(
        certificateRows([{ owner: 'x', file: 'f', subject: '=HYPERLINK("x")', notAfter: NOW, daysLeft: 0 }], NOW),
      ).split('\r\n')[1],
    ).toBe(`x,f,"'=HYPERLINK(""x"")",${NOW.toISOString()},0,true`);
  });

  test('HTML: a page of its own, escaped; the HTML report carries the same section and a card', async () => {
    const page = await report('--certificates', '--format', 'html');
    expect(page.code).toBe(0);
    expect(page.out).toMatch(/^<!DOCTYPE html>/);
    expect(page.out).toContain('AS2 certificates expiring within 30 days (3)');
    expect(page.out).toContain('CN=acme &amp; co 2025');
    expect(page.out).toContain('expired 3 days ago');
    expect(page.out).not.toContain('initech');
    const full = await report('--format', 'html');
    expect(full.err).toBe('');
    expect(full.code).toBe(0);
    expect(full.out).toContain('<div class="label">Certificates</div><div class="value">3</div>');
    expect(full.out).toContain('AS2 certificates expiring within 30 days (3)');
    expect(full.out).toContain('No transaction sets were recorded in this period.');
    // CSV and JSON stay one row per transaction set.
    expect(JSON.parse((await report('--format', 'json')).out)).toEqual([]);
  });

  test('--from and --to do not go with --certificates (exit 2)', async () => {
    const r = await report('--certificates', '--from', '2026-05-01');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^edi-gateway: report: --from and --to select transactions/);
  });

  test('through the command line (dist/): what the command computes in process for the same moment', async () => {
    const bin = resolve(__dirname, '..', '..', 'bin', 'edi-gateway.js');
    const { EDI_GATEWAY_CONFIG: _unused, DATABASE_URL: _db, ...env } = process.env;
    const r = spawnSync(process.execPath, [bin, 'report', '--certificates', '--format', 'json', '--config', config], {
      encoding: 'utf8',
      env,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The command measures from the real clock, not NOW.
    let here = '';
    await reportCommand(
      { config, certificates: true, format: 'json' },
      {
        out: (s) => {
          here += s;
        },
        err: () => undefined,
      },
    );
    const strip = (text: string) =>
      (JSON.parse(text) as Array<Record<string, unknown>>).map(({ owner, file, expired }) => ({
        owner,
        file,
        expired,
      }));
    expect(strip(r.stdout)).toEqual(strip(here));
    expect(strip(r.stdout).map((x) => x.owner)).toContain('acme');
  });
});

describe('GET /api/report/certificates', () => {
  test('answers what `certificates` gives, with the partner filter; 404 for an unknown partner, 501 without it', async () => {
    const queries: unknown[] = [];
    const deps = {
      token: 'test-admin-token-0123456789',
      maxBytes: 1024,
      partnerExists: (id: string) => id === 'acme',
      submit: async () => ({ messageId: 'm' }),
      send: async () => ({ messageId: 's' }),
      health: async () => ({ ok: true, detail: {} }),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    };
    const withCerts = await listenAdmin(
      createAdminApp({
        ...deps,
        certificates: async (q) => {
          queries.push(q);
          return [{ owner: 'us' }];
        },
      }),
      0,
      '127.0.0.1',
    );
    const without = await listenAdmin(createAdminApp(deps), 0, '127.0.0.1');
    try {
      const get = (port: number, path: string) =>
        fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${deps.token}` } });
      const r = await get(withCerts.port, '/api/report/certificates?partner=acme');
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual([{ owner: 'us' }]);
      expect((await get(withCerts.port, '/api/report/certificates')).status).toBe(200);
      expect(queries).toEqual([{ partner: 'acme' }, {}]);
      expect((await get(withCerts.port, '/api/report/certificates?partner=nobody')).status).toBe(404);
      expect((await get(without.port, '/api/report/certificates')).status).toBe(501);
    } finally {
      await Promise.all([withCerts.close(), without.close()]);
    }
  });
});
