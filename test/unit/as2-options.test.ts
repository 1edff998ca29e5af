/**
 * The AS2 settings of gateway.yaml (`as2.url`: where partners POST async MDNs to us) and of a partner's
 * `as2` endpoint (`keyTransport`, `compress` before or after signing): parsed, located when wrong, and
 * handed to the sender as written.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadGateway } from '../../src/config/gateway';
import { loadPartners } from '../../src/config/partners';
import { formatIssue } from '../../src/config/yaml';
import { ourAs2Url, settingsContext, transportConfig } from '../../src/pipeline/transport-settings';
import { as2Sender } from '../../src/transports/as2/sender';

const dir = mkdtempSync(join(tmpdir(), 'edigw-as2-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(rel: string, text: string): string {
  const full = join(dir, rel);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

function gateway(name: string, text: string) {
  const r = loadGateway(file(name, text), {});
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.config;
}

describe('gateway.yaml as2.url', () => {
  test('an http or https URL; absent, the listener is named by this host', () => {
    expect(gateway('url.yaml', 'as2: { url: https://as2.example.com/as2 }\n').as2).toEqual({
      url: 'https://as2.example.com/as2',
      port: 4080,
      path: '/as2',
      maxBytes: 100 * 1024 ** 2,
    });
    expect(gateway('plain.yaml', 'as2: { port: 4081 }\n').as2?.url).toBeUndefined();
  });

  test('anything else is located at its line and column, with every other problem of the file', () => {
    const bad = file(
      'bad-url.yaml',
      ['as2:', '  port: 4080', '  url: ftp://as2.example.com/as2', 'identity:', '  as2: { id: US }', ''].join('\n'),
    );
    const r = loadGateway(bad, {});
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([
      `${bad}:5:8: identity.as2.key: Invalid input: expected string, received undefined`,
      `${bad}:5:8: identity.as2.certificate: Invalid input: expected string, received undefined`,
      `${bad}:3:8: as2.url: an http:// or https:// URL`,
    ]);
    const notUrl = file('not-url.yaml', 'as2: { url: as2.example.com }\n');
    const r2 = loadGateway(notUrl, {});
    expect(r2.ok ? [] : r2.issues.map(formatIssue)).toEqual([`${notUrl}:1:13: as2.url: an http:// or https:// URL`]);
  });

  test('where partners POST async MDNs: EDI_GATEWAY_AS2_URL, then as2.url, then this host with the port and path', () => {
    const withUrl = gateway('p1.yaml', 'as2: { url: https://as2.example.com/as2, port: 4080 }\n');
    const without = gateway('p2.yaml', 'as2: { port: 4081, path: /in }\n');
    expect(ourAs2Url(withUrl, { EDI_GATEWAY_AS2_URL: ' https://proxy.example.com/as2 ' })).toBe(
      'https://proxy.example.com/as2',
    );
    expect(ourAs2Url(withUrl, { EDI_GATEWAY_AS2_URL: '  ' })).toBe('https://as2.example.com/as2');
    expect(ourAs2Url(withUrl, {})).toBe('https://as2.example.com/as2');
    expect(ourAs2Url(without, {})).toBe(`http://${hostname()}:4081/in`);
    expect(ourAs2Url(gateway('p3.yaml', '{}\n'), {})).toBeUndefined();
  });
});

describe("a partner's as2 endpoint: keyTransport and compress", () => {
  const partnerFile = (id: string, as2: string) =>
    file(
      `partners/${id}.yaml`,
      [
        `id: ${id}`,
        `identifiers: { as2: ${id.toUpperCase()}-AS2 }`,
        'certificates: { as2: certs/partner.pem }',
        'endpoints:',
        `  out: { as2: { url: 'https://as2.example.com/as2'${as2 ? `, ${as2}` : ''} } }`,
        '',
      ].join('\n'),
    );
  const load = () => loadPartners(join(dir, 'partners'), { base: dir });

  beforeAll(() => {
    // A real certificate: partners check reads every certificate it names.
    file('certs/partner.pem', readFileSync(join(__dirname, '..', '..', 'certs', 'acme', 'as2.pem'), 'utf8'));
    partnerFile('plain', '');
    partnerFile('oaep', 'keyTransport: rsaes-oaep, compress: after-signing');
    partnerFile('before', 'compress: before-signing');
    partnerFile('yes', 'compress: true');
    partnerFile('wrong', 'keyTransport: rsa-oaep, compress: during-signing');
  });

  test('the defaults are PKCS#1 v1.5 and no compression; the other values are taken as written', () => {
    const { partners } = load();
    const as2 = (id: string) => partners.find((p) => p.id === id)?.endpoints?.out.as2;
    expect(as2('plain')).toMatchObject({ keyTransport: 'rsaes-pkcs1-v1_5', compress: false });
    expect(as2('oaep')).toMatchObject({ keyTransport: 'rsaes-oaep', compress: 'after-signing' });
    expect(as2('before')).toMatchObject({ compress: 'before-signing' });
    expect(as2('yes')).toMatchObject({ compress: true });
  });

  test('a wrong value is located, with what would be right', () => {
    expect(load().issues.map((i) => formatIssue({ ...i, file: i.file.slice(dir.length + 1) }))).toEqual([
      'partners/wrong.yaml:5:67: endpoints.out.as2.keyTransport: Invalid option: expected one of "rsaes-pkcs1-v1_5"|"rsaes-oaep"',
      'partners/wrong.yaml:5:87: endpoints.out.as2.compress: false, true, before-signing or after-signing',
    ]);
  });

  test('the sender gets them as the partner file says them (true is before-signing)', () => {
    const config = gateway(
      'sender.yaml',
      "identity: { as2: { id: 'OUR GATEWAY', key: certs/our.key, certificate: certs/our.pem } }\nas2: { url: 'https://gw.example.com/as2' }\n",
    );
    const { partners } = load();
    for (const [id, keyTransport, compress] of [
      ['plain', 'rsaes-pkcs1-v1_5', false],
      ['oaep', 'rsaes-oaep', 'after-signing'],
      ['yes', 'rsaes-pkcs1-v1_5', true],
    ] as const) {
      const p = partners.find((x) => x.id === id)!;
      const settings = transportConfig(config, p, as2Sender, p.endpoints!.out.as2!, ['endpoints', 'out', 'as2']);
      expect(settings).toMatchObject({
        keyTransport,
        compress,
        as2To: `${id.toUpperCase()}-AS2`,
        partnerCertificates: [join(dir, 'certs/partner.pem')],
      });
    }
    const async = partners.find((x) => x.id === 'plain')!;
    const settings = as2Sender.settings(
      { ...async.endpoints!.out.as2!, mdn: { mode: 'async', signed: true } },
      settingsContext(config, async),
    ) as { asyncMdnUrl?: string };
    expect(settings.asyncMdnUrl).toBe(process.env.EDI_GATEWAY_AS2_URL?.trim() || 'https://gw.example.com/as2');
  });
});
