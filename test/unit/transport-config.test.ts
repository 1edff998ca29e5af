/**
 * Each transport owns its part of a partner file: the schema `partners check` validates with is the
 * one the transport is built from, so what the check passes the transport takes, and what the
 * transport would refuse the check reports, located. Certificates and keys are read as the transport
 * reads them. Adding a transport is its spec and one line in the registry.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ed25519KeyPair } from '../../src/ssh-keygen';
import { z } from 'zod';
import { loadGateway } from '../../src/config/gateway';
import { inboundTransports, redactPartner } from '../../src/config/partner';
import { gatewayFileIssues, loadPartners, type LoadedPartner } from '../../src/config/partners';
import { formatIssue } from '../../src/config/yaml';
import { transportConfig } from '../../src/pipeline/transport-settings';
import { reportCommand } from '../../src/cli/report';
import { findOutbound } from '../../src/transports';
import { as2SenderConfig } from '../../src/transports/as2/sender';
import type { OutboundSpec } from '../../src/transports/spec';

const repo = resolve(__dirname, '..', '..');
const realCertificate = readFileSync(join(repo, 'certs', 'acme', 'as2.pem'), 'utf8');
const realPublicKey = readFileSync(join(repo, 'certs', 'acme', 'id_ed25519.pub'), 'utf8');

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A deployment folder (gateway.yaml, partners/, certs/) with the given files. */
function deployment(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'edigw-transport-config-'));
  dirs.push(dir);
  const all = {
    'gateway.yaml':
      'partners: partners\nidentity: { as2: { id: US, key: certs/our/as2.key, certificate: certs/our/as2.pem } }\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  mkdirSync(join(dir, 'partners'), { recursive: true });
  return dir;
}

const load = (dir: string) =>
  loadPartners(join(dir, 'partners'), { base: dir, generated: [join(dir, 'certs', 'our')] });
const lines = (dir: string) => load(dir).issues.map((i) => formatIssue({ ...i, file: i.file.slice(dir.length + 1) }));
const partnerFile = (lines: string[]) =>
  ['id: p', 'identifiers: { as2: P-AS2, x12: [{ qualifier: ZZ, id: P }] }', ...lines, ''].join('\n');
const gatewayOf = (dir: string) => {
  const g = loadGateway(join(dir, 'gateway.yaml'), {});
  if (!g.ok) throw new Error(g.issues.map(formatIssue).join('\n'));
  return g.config;
};

describe('partner files: each transport owns its section', () => {
  test('an http header name with a space is refused by partners check, where the sender would refuse it', () => {
    const dir = deployment({
      'partners/p.yaml': partnerFile([
        "endpoints: { erp: { http: { url: 'https://erp.example/orders', headers: { 'X Tenant': acme } } } }",
      ]),
    });
    expect(lines(dir)).toEqual([
      'partners/p.yaml:3:73: endpoints.erp.http.headers: header names must be HTTP tokens (no spaces) and values must not contain line breaks',
    ]);
  });

  test('aes192-gcm, which the AS2 sender takes, is taken by partner files too', () => {
    const dir = deployment({
      'partners/p.yaml': partnerFile([
        'certificates: { as2: certs/p/as2.pem }',
        "endpoints: { out: { as2: { url: 'https://p.example/as2', encrypt: aes192-gcm } } }",
      ]),
      'certs/p/as2.pem': realCertificate,
    });
    const r = load(dir);
    expect(r.issues.map(formatIssue)).toEqual([]);
    const p = r.partners[0];
    const cfg = transportConfig(gatewayOf(dir), p, findOutbound('as2')!, p.endpoints!.out.as2, []);
    expect(as2SenderConfig.parse(cfg)).toMatchObject({
      encrypt: 'aes192-gcm',
      partnerCertificates: [join(dir, 'certs/p/as2.pem')],
    });
  });

  test('SFTP and FTP timeouts can be set, for polling and for sending, and reach the transport', () => {
    const dir = deployment({
      'partners/p.yaml': partnerFile([
        'inbound:',
        '  poll:',
        '    - sftp: { host: s.example, user: gw, password: pw, hostKey: certs/p/host.pub, dir: /out, afterRead: leave, every: 5m, timeout: 45s }',
        '    - ftp: { host: f.example, user: gw, password: pw, dir: /out, afterRead: delete, every: 5m, timeout: 1m }',
        'endpoints:',
        '  s: { sftp: { host: s.example, user: gw, password: pw, hostKey: certs/p/host.pub, dir: /in, timeout: 2m } }',
        '  f: { ftp: { host: f.example, user: gw, password: pw, dir: /in, timeout: 90s } }',
      ]),
      'certs/p/host.pub': realPublicKey,
    });
    const r = load(dir);
    expect(r.issues.map(formatIssue)).toEqual([]);
    const p = r.partners[0];
    const config = gatewayOf(dir);
    const polls = inboundTransports(p).map((t) => transportConfig(config, p, t.spec, t.section, t.path));
    expect(polls).toMatchObject([
      { timeout: 45_000, hostKey: join(dir, 'certs/p/host.pub'), partner: 'p' },
      { timeout: 60_000, partner: 'p' },
    ]);
    const s = transportConfig(config, p, findOutbound('sftp')!, p.endpoints!.s.sftp, []);
    const f = transportConfig(config, p, findOutbound('ftp')!, p.endpoints!.f.ftp, []);
    expect([s, f]).toMatchObject([{ timeout: 120_000 }, { timeout: 90_000 }]);
    // The password is still the transports' secret.
    expect(JSON.stringify(redactPartner(p))).not.toContain('pw"');
  });

  test('the folder watcher takes minAge, as docs/transports.md writes it', () => {
    const dir = deployment({
      'partners/p.yaml': partnerFile(['inbound: { file: { dir: in/p, minAge: 5s, every: 2s } }']),
      'partners/q.yaml': partnerFile(['inbound: { file: { dir: in/q, minAgeMs: 5000 } }'])
        .replace('id: p', 'id: q')
        .replace('P-AS2', 'Q-AS2')
        .replace('id: P }', 'id: Q }'),
    });
    const r = load(dir);
    expect(r.issues.map((i) => formatIssue({ ...i, file: i.file.slice(dir.length + 1) }))).toEqual([
      'partners/q.yaml:3:31: inbound.file.minAgeMs: unknown key "minAgeMs"',
    ]);
    const p = r.partners[0];
    const [watcher] = inboundTransports(p);
    expect(transportConfig(gatewayOf(dir), p, watcher.spec, watcher.section, watcher.path)).toEqual({
      dir: join(dir, 'in/p'),
      pattern: '*',
      every: 2000,
      minAge: 5000,
      afterRead: 'move',
      moveTo: undefined,
    });
  });

  test('partners check reads every certificate and key it names: garbage is refused, located', () => {
    const { private: ourKey } = ed25519KeyPair();
    const dir = deployment({
      'partners/p.yaml': partnerFile([
        'certificates: { as2: [certs/p/as2.pem, certs/p/next.pem] }',
        'inbound:',
        '  sftp: { user: p, publicKeys: [certs/p/id.pub, certs/p/ok.pub] }',
        '  poll:',
        '    - sftp: { host: s.example, user: gw, key: certs/p/our-key, hostKey: certs/p/known_hosts, dir: /out, afterRead: leave, every: 5m }',
        '    - ftp: { host: f.example, user: gw, password: pw, ca: certs/p/ca.pem, dir: /out, afterRead: leave, every: 5m }',
        'endpoints:',
        '  s: { sftp: { host: s.example, user: gw, key: certs/p/id.pub, hostKey: certs/p/ok.pub, dir: /in } }',
      ]),
      'certs/p/as2.pem': 'not a certificate\n',
      'certs/p/next.pem': realCertificate,
      'certs/p/id.pub': 'ssh-ed25519 not-base64-at-all me@laptop\n',
      'certs/p/ok.pub': realPublicKey,
      'certs/p/our-key': ourKey,
      'certs/p/known_hosts': `other.example ${realPublicKey}`,
      'certs/p/ca.pem': realPublicKey,
    });
    expect(lines(dir)).toEqual([
      expect.stringMatching(
        /^partners\/p\.yaml:3:23: certificates\.as2\.0: certs\/p\/as2\.pem cannot be used as their AS2 certificate: /,
      ),
      'partners/p.yaml:5:33: inbound.sftp.publicKeys.0: certs/p/id.pub cannot be used as their public key: 1 entry is not an SSH public key (OpenSSH or PEM)',
      'partners/p.yaml:7:73: inbound.poll.0.sftp.hostKey: certs/p/known_hosts cannot be used as their host key: ' +
        'no public key for s.example in it (a known_hosts line or a .pub file)',
      'partners/p.yaml:8:59: inbound.poll.1.ftp.ca: certs/p/ca.pem cannot be used as the CA certificate of their server: ' +
        'no PEM certificate (-----BEGIN CERTIFICATE-----) in it',
      'partners/p.yaml:10:48: endpoints.s.sftp.key: certs/p/id.pub cannot be used as our private key: Unsupported key format',
    ]);
  });

  test("partners check reads gateway.yaml's own keys and certificates too: garbage is refused, located", () => {
    const { private: hostKey } = ed25519KeyPair();
    const yaml = [
      'partners: partners',
      'identity: { as2: { id: US, key: keys/as2.key, certificate: keys/as2.pem } }',
      'as2: { port: 4080, path: /as2, tls: { key: keys/tls.key, certificate: keys/tls.pem } }',
      'sftp: { port: 2222, hostKey: keys/host_key, root: data/sftp }',
      '',
    ].join('\n');
    const dir = deployment({
      'gateway.yaml': yaml,
      'partners/p.yaml': partnerFile([]),
      // A certificate where a key is needed, a key where a certificate is, a public key as a host key.
      'keys/as2.key': realCertificate,
      'keys/as2.pem': hostKey,
      'keys/tls.key': 'not a key\n',
      'keys/tls.pem': realCertificate,
      'keys/host_key': realPublicKey,
    });
    const issues = gatewayFileIssues(gatewayOf(dir), yaml).map((i) =>
      formatIssue({ ...i, file: i.file.slice(dir.length + 1) }),
    );
    expect(issues).toEqual([
      expect.stringMatching(/^gateway\.yaml:2:33: identity\.as2\.key: keys\/as2\.key cannot be used as our AS2 key: /),
      expect.stringMatching(
        /^gateway\.yaml:2:60: identity\.as2\.certificate: keys\/as2\.pem cannot be used as our AS2 certificate: /,
      ),
      expect.stringMatching(/^gateway\.yaml:3:44: as2\.tls\.key: keys\/tls\.key cannot be used as our TLS key: /),
      expect.stringMatching(/^gateway\.yaml:4:\d+: sftp\.hostKey: keys\/host_key cannot be used as our SSH host key: /),
    ]);
    // A usable TLS certificate passes: only the broken files are named.
    expect(issues.some((i) => i.includes('as2.tls.certificate'))).toBe(false);
  });

  test('report --certificates names a certificate it cannot read instead of dropping it', async () => {
    const dir = deployment({
      'partners/p.yaml': partnerFile(['certificates: { as2: certs/p/as2.pem }']),
      'certs/p/as2.pem': 'not a certificate\n',
    });
    const out: string[] = [];
    const err: string[] = [];
    const code = await reportCommand({ config: join(dir, 'gateway.yaml'), certificates: true, format: 'json' }, {
      out: (s: string) => out.push(s),
      err: (s: string) => err.push(s),
    } as never);
    expect(code).toBe(1);
    expect(out.join('')).toBe('[]\n');
    expect(err.join('')).toMatch(
      /^edi-gateway: report: .*partners\/p\.yaml \(partner p\): line 3: certificates\.as2: certs\/p\/as2\.pem cannot be used as their AS2 certificate: /,
    );
  });
});

describe('transports: adding one is its spec and one registry line', () => {
  /** A toy `s3` sender, as a new transport's folder would define it. */
  const s3Section = z.strictObject({
    bucket: z.string().min(3),
    prefix: z.string().default(''),
    keyFile: z.string().optional(),
  });
  const sent: string[] = [];
  const s3: OutboundSpec = {
    direction: 'outbound',
    kind: 's3',
    config: s3Section.extend({ partner: z.string() }),
    partner: {
      key: 's3',
      schema: s3Section,
      check: (section) => (section.prefix === '/' ? [{ path: ['prefix'], message: 'a prefix is not /' }] : []),
      files: (section) =>
        typeof section.keyFile === 'string'
          ? [
              {
                path: ['keyFile'],
                file: section.keyFile,
                what: 'our S3 key',
                read: (b) => void JSON.parse(b.toString()),
              },
            ]
          : [],
    },
    settings: (section, ctx) => ({ ...(section as object), partner: ctx.partner.id }),
    create: (config) => ({
      send: async (item) => {
        sent.push(`${(config as { bucket: string }).bucket}/${item.fileName}`);
        return { remoteName: item.fileName };
      },
    }),
    probe: (config, timeoutMs) => ({
      target: `s3://${(config as { bucket: string }).bucket}`,
      run: async () => ({ ok: true, result: `listed within ${timeoutMs} ms` }),
    }),
  };

  test('a toy s3 sender in the registry is checked, built and sent through like the shipped ones', async () => {
    let modules: {
      partners: typeof import('../../src/config/partners');
      settings: typeof import('../../src/pipeline/transport-settings');
      check: typeof import('../../src/pipeline/partner-check');
      transports: typeof import('../../src/transports');
    } = undefined as never;
    await jest.isolateModulesAsync(async () => {
      const actual = jest.requireActual<typeof import('../../src/transports')>('../../src/transports');
      // The one registry line.
      jest.doMock('../../src/transports', () => ({
        ...actual,
        outbound: [...actual.outbound, s3],
        findOutbound: (kind: string) => [...actual.outbound, s3].find((s) => s.kind === kind),
      }));
      modules = {
        partners: await import('../../src/config/partners'),
        settings: await import('../../src/pipeline/transport-settings'),
        check: await import('../../src/pipeline/partner-check'),
        transports: await import('../../src/transports'),
      };
    });
    const dir = deployment({
      'partners/p.yaml': partnerFile([
        'endpoints:',
        '  archive: { s3: { bucket: edi-archive, keyFile: certs/p/s3.json } }',
        "  bad: { s3: { bucket: x, prefix: '/' } }",
        '  two: { s3: { bucket: abc }, file: { dir: out } }',
      ]),
      'certs/p/s3.json': '{ not json',
    });
    const r = modules.partners.loadPartners(join(dir, 'partners'), { base: dir });
    expect(r.issues.map((i) => formatIssue({ ...i, file: i.file.slice(dir.length + 1) }))).toEqual([
      expect.stringMatching(
        /^partners\/p\.yaml:4:\d+: endpoints\.archive\.s3\.keyFile: certs\/p\/s3\.json cannot be used as our S3 key: /,
      ),
      expect.stringMatching(/^partners\/p\.yaml:5:\d+: endpoints\.bad\.s3\.bucket: /),
      expect.stringMatching(/^partners\/p\.yaml:5:\d+: endpoints\.bad\.s3\.prefix: a prefix is not \/$/),
      'partners/p.yaml:6:8: endpoints.two: an endpoint takes one of http, as2, sftp, ftp, file, s3, not file and s3',
    ]);

    writeFileSync(join(dir, 'certs/p/s3.json'), '{}');
    writeFileSync(
      join(dir, 'partners/p.yaml'),
      partnerFile(['endpoints: { archive: { s3: { bucket: edi-archive, keyFile: certs/p/s3.json } } }']),
    );
    const ok = modules.partners.loadPartners(join(dir, 'partners'), { base: dir });
    expect(ok.issues).toEqual([]);
    const p = ok.partners[0] as LoadedPartner & { endpoints: Record<string, Record<string, unknown>> };
    expect(p.endpoints.archive.s3).toEqual({ bucket: 'edi-archive', prefix: '', keyFile: 'certs/p/s3.json' });
    const spec = modules.transports.findOutbound('s3')!;
    const cfg = modules.settings.transportConfig(gatewayOf(dir), p, spec, p.endpoints.archive.s3, [
      'endpoints',
      'archive',
      's3',
    ]);
    await spec
      .create(cfg, { logger: console, clock: () => new Date() })
      .send({ bytes: Buffer.from('x'), fileName: 'po.json' });
    expect(sent).toEqual(['edi-archive/po.json']);
    // The partners page's connectivity check runs its probe, bounded like every other.
    const check = await modules.check.checkPartner({ config: gatewayOf(dir) }, p);
    expect(check.endpoints).toEqual([
      expect.objectContaining({
        at: 'endpoints.archive',
        kind: 's3',
        target: 's3://edi-archive',
        ok: true,
        result: `listed within ${modules.check.CHECK_TIMEOUT_MS} ms`,
      }),
    ]);
  });
});
