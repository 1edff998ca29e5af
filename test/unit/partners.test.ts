import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadGateway } from '../../src/config/gateway';
import { partnerFields, redactPartner } from '../../src/config/partner';
import { gatewayFileIssues, identify, loadPartners, loadPartnersOf } from '../../src/config/partners';
import { formatIssue } from '../../src/config/yaml';
import { verifyPassword } from '../../src/password-hash';

const repo = resolve(__dirname, '..', '..');
const bin = join(repo, 'bin', 'edi-gateway.js');

/** A fresh deployment folder: gateway.yaml's folder with partners/ and certs/ under it. */
function deployment(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'edigw-partners-'));
  for (const [name, text] of Object.entries({ 'gateway.yaml': 'partners: partners\n', ...files })) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  mkdirSync(join(dir, 'partners'), { recursive: true });
  return dir;
}

const load = (dir: string) =>
  loadPartners(join(dir, 'partners'), { base: dir, generated: [join(dir, 'certs', 'our')] });
const lines = (dir: string) => load(dir).issues.map((i) => formatIssue({ ...i, file: i.file.slice(dir.length + 1) }));

const minimal = (id: string, ids = '{ x12: [{ qualifier: ZZ, id: ACME }] }') => `id: ${id}\nidentifiers: ${ids}\n`;

describe('partner files: the shipped examples', () => {
  test('gateway.yaml, acme and globex pass every check on a fresh clone (certs/our is made on first start)', () => {
    const g = loadGateway(join(repo, 'gateway.yaml'), {});
    expect(g.ok).toBe(true);
    if (!g.ok) return;
    expect(g.config.identity.as2?.id).toBe('OURCOMPANY-AS2');
    expect(gatewayFileIssues(g.config, readFileSync(join(repo, 'gateway.yaml'), 'utf8'))).toEqual([]);
    const r = loadPartnersOf(g.config);
    expect(r.issues.map(formatIssue)).toEqual([]);
    expect(r.partners.map((p) => p.id)).toEqual(['acme', 'globex']);
    const acme = r.partners[0];
    expect(acme.acks).toMatchObject({ x12: '997', ta1: 'on-error', expectWithin: 24 * 3_600_000, to: 'acme-as2' });
    expect(acme.routes?.[0]).toEqual({
      match: { standard: 'x12', type: '850' },
      map: 'acme/maps/850-to-order.jsonata',
      input: 'tree',
      format: 'json',
      strict: false,
      to: 'erp-orders',
    });
    expect(acme.endpoints?.['acme-as2'].as2).toEqual({
      url: 'https://as2.acme.example/as2',
      sign: 'sha256',
      encrypt: 'aes256-cbc',
      keyTransport: 'rsaes-pkcs1-v1_5',
      compress: false,
      mdn: { mode: 'sync', signed: true },
    });
    expect(existsSync(join(repo, 'partners', 'acme', 'maps', '850-to-order.jsonata'))).toBe(true);
    expect(r.partners[1]).toMatchObject({
      identifiers: { edifact: [{ qualifier: '14', id: '4000001000005' }] },
      acks: { edifact: 'CONTRL', to: 'globex-files' },
    });
  });

  test('no private key is committed with the examples', () => {
    for (const f of ['certs/acme/as2.pem', 'certs/acme/id_ed25519.pub', 'certs/globex/id_ed25519.pub']) {
      expect(readFileSync(join(repo, f), 'utf8')).not.toMatch(/PRIVATE KEY/);
    }
  });
});

describe('partner files: problems are located', () => {
  test('a broken partner file reports every problem with file:line:col and key path', () => {
    const dir = deployment({
      'partners/acme.yaml': [
        'id: acme-retail',
        'identifiers:',
        '  x12: [{ qualifier: ZZ, id: ACME }]',
        '  as2: ACME-AS2',
        'certificates: { as2: certs/acme/as2.pem }',
        'inbound:',
        '  sftp: { user: acme, publicKeys: [certs/acme/id.pub], pasword: x }',
        'acks: { x12: 997, to: acme-sftp }',
        'routes:',
        "  - match: { type: '850' }",
        '    map: acme/maps/850.jsonata',
        '    to: erp',
        'endpoints:',
        '  erp-orders: { http: { url: http://127.0.0.1:9000/orders, method: POST } }',
        '  acme-as2: { as2: { url: https://as2.acme.example/as2, compress: maybe } }',
        'workers: 2',
        '',
      ].join('\n'),
      'certs/acme/as2.pem': 'certificate\n',
    });
    expect(lines(dir)).toEqual([
      'partners/acme.yaml:1:5: id: the id "acme-retail" must equal the file name without .yaml ("acme")',
      'partners/acme.yaml:5:22: certificates.as2: certs/acme/as2.pem cannot be used as their AS2 certificate: error:0480006C:PEM routines::no start line',
      'partners/acme.yaml:7:36: inbound.sftp.publicKeys.0: no such file: certs/acme/id.pub (paths are relative to the folder of gateway.yaml, ' +
        dir +
        ')',
      'partners/acme.yaml:7:56: inbound.sftp.pasword: unknown key "pasword"',
      'partners/acme.yaml:8:23: acks.to: no endpoint "acme-sftp" (endpoints here: erp-orders, acme-as2)',
      'partners/acme.yaml:11:10: routes.0.map: no such file: acme/maps/850.jsonata (maps are relative to the partners folder, ' +
        join(dir, 'partners') +
        ')',
      'partners/acme.yaml:12:9: routes.0.to: no endpoint "erp" (endpoints here: erp-orders, acme-as2)',
      'partners/acme.yaml:15:67: endpoints.acme-as2.as2.compress: false, true, before-signing or after-signing',
      'partners/acme.yaml:16:1: workers: unknown key "workers"',
    ]);
  });

  test('values YAML would read as numbers ask for quotes; id and identifiers are required', () => {
    const dir = deployment({
      'partners/p1.yaml':
        'id: p1\nidentifiers: { edifact: [{ qualifier: 14, id: 5412345000013 }] }\noutbound: { x12: { version: 004010 } }\n',
      'partners/p2.yaml': 'name: Nobody\n',
    });
    expect(lines(dir)).toEqual([
      "partners/p1.yaml:2:39: identifiers.edifact.0.qualifier: write it as text in quotes, like '14' (unquoted, YAML reads a number and drops leading zeros)",
      "partners/p1.yaml:2:47: identifiers.edifact.0.id: write it as text in quotes, like '5412345000013' (unquoted, " +
        'YAML reads a number and drops leading zeros)',
      "partners/p1.yaml:3:29: outbound.x12.version: write it as text in quotes, like '004010' (unquoted, YAML reads a number and drops leading zeros)",
      'partners/p2.yaml:1:1: id: required: the partner id, equal to the file name without .yaml',
      'partners/p2.yaml:1:1: identifiers: required: at least one of x12, edifact or as2',
    ]);
  });

  test('a numeric X12 id (a DUNS number) and our own identity in gateway.yaml ask for quotes too', () => {
    const dir = deployment({
      'partners/p.yaml': "id: p\nidentifiers: { x12: [{ qualifier: '01', id: 123456789 }] }\n",
    });
    expect(lines(dir)).toEqual([
      "partners/p.yaml:2:45: identifiers.x12.0.id: write it as text in quotes, like '123456789' (unquoted, YAML reads a number and drops leading zeros)",
    ]);
    writeFileSync(
      join(dir, 'gateway.yaml'),
      'partners: partners\nidentity: { x12: [{ qualifier: 01, id: 123456789 }], edifact: [{ qualifier: 14, id: 5400000000001 }] }\n',
    );
    const hint = (example: string) =>
      `write it as text in quotes, like '${example}' (unquoted, YAML reads a number and drops leading zeros)`;
    const g = loadGateway(join(dir, 'gateway.yaml'), {});
    expect(g.ok ? [] : g.issues.map((i) => formatIssue({ ...i, file: 'gateway.yaml' }))).toEqual([
      `gateway.yaml:2:32: identity.x12.0.qualifier: ${hint('ZZ')}`,
      `gateway.yaml:2:40: identity.x12.0.id: ${hint('123456789')}`,
      `gateway.yaml:2:77: identity.edifact.0.qualifier: ${hint('14')}`,
      `gateway.yaml:2:85: identity.edifact.0.id: ${hint('5400000000001')}`,
    ]);
  });

  test("an endpoint is exactly one kind, and AS2 needs the partner's AS2 id and certificate", () => {
    const dir = deployment({
      'partners/p.yaml': [
        minimal('p').trimEnd(),
        'endpoints:',
        '  two: { file: { dir: out }, http: { url: http://x } }',
        '  none: {}',
        '  as2: { as2: { url: https://x/as2 } }',
        '',
      ].join('\n'),
    });
    expect(lines(dir)).toEqual([
      'partners/p.yaml:4:8: endpoints.two: an endpoint takes one of http, as2, sftp, ftp, file, not http and file',
      'partners/p.yaml:5:9: endpoints.none: an endpoint needs one of: http, as2, sftp, ftp, file',
      'partners/p.yaml:6:15: endpoints.as2.as2: sending AS2 needs identifiers.as2 (the AS2-To we address)',
      'partners/p.yaml:6:15: endpoints.as2.as2: encrypting needs their certificate in certificates.as2 (or encrypt: none)',
      'partners/p.yaml:6:15: endpoints.as2.as2.mdn: a signed MDN is verified with their certificate in certificates.as2 (or mdn: { signed: false })',
    ]);
  });

  test('files under certs/our are generated on first start and need not exist; other key files must', () => {
    const dir = deployment({
      'partners/p.yaml': [
        minimal('p').trimEnd(),
        'inbound:',
        '  poll:',
        '    - sftp: { host: sftp.p.example, user: gw, key: certs/our/id_ed25519, hostKey: certs/p/known_host, dir: /out, afterRead: move, every: 5m }',
        '',
      ].join('\n'),
    });
    expect(lines(dir)).toEqual([
      `partners/p.yaml:5:83: inbound.poll.0.sftp.hostKey: no such file: certs/p/known_host (paths are relative to the folder of gateway.yaml, ${dir})`,
    ]);
  });

  test('a broken file does not stop the others from loading', () => {
    const dir = deployment({
      'partners/a.yaml': minimal('a', '{ as2: A }'),
      'partners/b.yaml': 'id: b\nidentifiers: [\n',
      'partners/c.yaml': minimal('c', '{ as2: C }') + 'duplicates: { interchange: sometimes }\n',
      'partners/d.yaml': minimal('d', '{ as2: D }'),
      'partners/d.yml': minimal('d', '{ as2: D2 }'),
      'partners/d/maps/x.yaml': 'not: a partner\n',
    });
    const r = load(dir);
    expect(r.partners.map((p) => p.id)).toEqual(['a', 'd']);
    expect(r.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'partners/a.yaml',
      'partners/b.yaml',
      'partners/c.yaml',
      'partners/d.yaml',
    ]);
    expect(r.issues.map((i) => `${i.file.slice(dir.length + 1)}:${i.line}: ${i.path}`)).toEqual([
      'partners/b.yaml:3: ',
      'partners/c.yaml:3: duplicates.interchange',
      'partners/d.yml:1: ',
    ]);
  });

  test('two partners claiming the same identifier are reported on both files, with lines', () => {
    const dir = deployment({
      'partners/a.yaml':
        "id: a\nidentifiers:\n  x12: [{ qualifier: ZZ, id: SHARED }]\n  edifact: [{ qualifier: '14', id: '4000001000005' }]\n  as2: SAME\n",
      'partners/b.yaml':
        "id: b\nidentifiers:\n  as2: SAME\n  x12: [{ qualifier: '01', id: SHARED }, { qualifier: ZZ, id: SHARED }]\n",
      'partners/c.yaml': "id: c\nidentifiers: { edifact: [{ id: '4000001000005' }] }\n",
    });
    expect(lines(dir)).toEqual([
      'partners/a.yaml:3:9: identifiers.x12.0: X12 id ZZ/SHARED is also claimed by b.yaml:4:42',
      'partners/a.yaml:4:13: identifiers.edifact.0: EDIFACT id 14/4000001000005 is also claimed by c.yaml:2:26',
      'partners/a.yaml:5:8: identifiers.as2: AS2 id SAME is also claimed by b.yaml:3:8',
      'partners/b.yaml:3:8: identifiers.as2: AS2 id SAME is also claimed by a.yaml:5:8',
      'partners/b.yaml:4:42: identifiers.x12.1: X12 id ZZ/SHARED is also claimed by a.yaml:3:9',
      'partners/c.yaml:2:26: identifiers.edifact.0: EDIFACT id 4000001000005 is also claimed by a.yaml:4:13',
    ]);
  });

  test('a partner claiming one of our own identifiers is reported', () => {
    const dir = deployment({ 'partners/a.yaml': minimal('a', '{ x12: [{ qualifier: ZZ, id: OURCOMPANY }] }') });
    const r = loadPartners(join(dir, 'partners'), {
      base: dir,
      identity: { x12: [{ qualifier: 'ZZ', id: 'OURCOMPANY' }], edifact: [] },
    });
    expect(r.issues.map(formatIssue)).toEqual([
      `${join(dir, 'partners', 'a.yaml')}:2:22: identifiers.x12.0: X12 id ZZ/OURCOMPANY is our own identity (gateway.yaml identity.x12)`,
    ]);
  });
});

describe('partner files: maps and routes across partners', () => {
  const files = {
    'partners/acme.yaml': [
      'id: acme',
      'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
      'routes:',
      "  - match: { type: '850' }",
      '    map: acme/maps/broken.jsonata',
      '    to: erp',
      "  - match: { type: '810' }",
      '    map: acme/maps/prices.jsonata',
      '    to: erp',
      "  - match: { type: '855' }",
      '    partner: globex',
      '    format: x12',
      '    to: orders',
      "  - match: { type: '856' }",
      '    partner: initech',
      '    to: files',
      "  - match: { type: '860' }",
      '    partner: ghost',
      '    to: anywhere',
      "  - match: { type: '997' }",
      '    partner: broken',
      '    to: x',
      "  - match: { type: '820' }",
      '    format: edifact',
      '    to: erp',
      "  - match: { type: '830' }",
      '    map: acme/maps/good.jsonata',
      '    partner: initech',
      '    format: x12',
      '    to: erp',
      'endpoints:',
      '  erp: { file: { dir: out/erp } }',
      '',
    ].join('\n'),
    'partners/acme/maps/broken.jsonata': '{\n  "po": BEG.BEG03,\n  "x": (1 + \n}\n',
    'partners/acme/maps/prices.jsonata':
      '{\n  "price": $xref("prices", sku),\n  "name": $xref(\'items\', sku, "name"),\n  "evil": $xref("../acme", sku)\n}\n',
    'partners/acme/maps/good.jsonata':
      '/* $xref is called with a computed table name: not checked */ { "x": $xref($source.partner, sku) }\n',
    'partners/xref/items.csv': 'sku,name\nSKU-1,Blue widget\n',
    'partners/globex.yaml':
      "id: globex\nidentifiers: { edifact: [{ qualifier: '14', id: '4000001000005' }] }\nendpoints: { orders: { file: { dir: out/globex } } }\n",
    'partners/initech.yaml':
      minimal('initech', '{ x12: [{ qualifier: ZZ, id: INITECH }] }') +
      'endpoints: { erp: { file: { dir: out/initech } } }\n',
    'partners/broken.yaml': 'id: broken\nidentifiers: { as2: BROKEN }\nduplicates: { interchange: sometimes }\n',
  };
  const expected = [
    'partners/acme.yaml:5:10: routes.0.map: acme/maps/broken.jsonata:4:1: the map does not compile: The symbol "}" cannot be used as a unary operator (S0211)',
    'partners/acme.yaml:8:10: routes.1.map: acme/maps/prices.jsonata:2:19: no xref table "prices" (no file xref/prices.csv in the partners folder)',
    'partners/acme.yaml:8:10: routes.1.map: acme/maps/prices.jsonata:4:18: xref table name "../acme": letters, digits, ., - and _ only',
    'partners/acme.yaml:12:13: routes.2.format: ' +
      'writing X12 for partner globex needs an X12 identifier of it to address the interchange to (identifiers.x12 in globex.yaml)',
    'partners/acme.yaml:16:9: routes.3.to: partner initech has no endpoint "files" (endpoints of initech: erp)',
    'partners/acme.yaml:18:14: routes.4.partner: no partner "ghost" (no ghost.yaml in the partners folder)',
    'partners/acme.yaml:21:14: routes.5.partner: partner "broken" is not loaded: broken.yaml has problems of its own',
    'partners/acme.yaml:24:13: routes.6.format: ' +
      'writing EDIFACT for partner acme needs an EDIFACT identifier of it to address the interchange to (identifiers.edifact in acme.yaml)',
    'partners/broken.yaml:3:28: duplicates.interchange: Invalid option: expected one of "reject"|"accept"|"warn"',
  ];

  test('every map compiles, named xref tables exist, routes to other partners name a loaded partner, its endpoint and an identifier of the format', () => {
    const dir = deployment(files);
    expect(lines(dir)).toEqual(expected);
    // The route checks do not refuse the file: its partner still loads (a map is checked again when it runs).
    expect(load(dir).partners.map((p) => p.id)).toEqual(['acme', 'globex', 'initech']);
  });

  test('a file broken elsewhere still has its routes checked', () => {
    const dir = deployment({
      ...files,
      'partners/acme.yaml': files['partners/acme.yaml'].replace('id: acme\n', 'id: acme\nworkers: 2\n'),
    });
    const r = lines(dir);
    expect(r).toContain('partners/acme.yaml:2:1: workers: unknown key "workers"');
    expect(r).toContain(
      'partners/acme.yaml:6:10: routes.0.map: acme/maps/broken.jsonata:4:1: the map does not compile: ' +
        'The symbol "}" cannot be used as a unary operator (S0211)',
    );
    expect(r).toContain(
      'partners/acme.yaml:19:14: routes.4.partner: no partner "ghost" (no ghost.yaml in the partners folder)',
    );
  });

  test('partners check prints them, located, and exits 1', () => {
    const dir = deployment(files);
    const r = spawnSync(process.execPath, [bin, 'partners', 'check', '--config', join(dir, 'gateway.yaml')], {
      encoding: 'utf8',
      cwd: dir,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trimEnd().split('\n')).toEqual([...expected, '4 partner(s) checked: 2 with problems']);
    expect(r.status).toBe(1);
  });
});

describe('partner files: identify and redact', () => {
  const { partners } = loadPartners(join(repo, 'partners'), { base: repo, generated: [join(repo, 'certs', 'our')] });

  test('identify finds the partner by ISA05/06 (padded), UNB sender or AS2-From', () => {
    expect(identify(partners, { standard: 'x12', qualifier: 'ZZ', id: 'ACME           ' })?.id).toBe('acme');
    expect(identify(partners, { standard: 'x12', qualifier: '01', id: 'ACME' })).toBeUndefined();
    expect(identify(partners, { standard: 'edifact', qualifier: '14', id: '4000001000005' })?.id).toBe('globex');
    expect(identify(partners, { standard: 'edifact', qualifier: '14', id: '5412345000013' })).toBeUndefined();
    expect(identify(partners, { standard: 'as2', id: 'ACME-AS2' })?.id).toBe('acme');
  });

  test('an EDIFACT entry without a qualifier matches any qualifier', () => {
    const p = partnerFields.parse({ id: 'x', identifiers: { edifact: [{ id: 'X1' }] } });
    expect(identify([p], { standard: 'edifact', qualifier: 'ZZZ', id: 'X1' })).toBe(p);
    expect(identify([p], { standard: 'edifact', id: 'X1' })).toBe(p);
  });

  test('redactPartner hides passwords, hashes, tokens, credential headers and URL passwords', () => {
    const p = partnerFields.parse({
      id: 'x',
      identifiers: { as2: 'X' },
      inbound: {
        sftp: { user: 'x', password: '$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA' },
        poll: [
          {
            ftp: {
              host: 'ftp.x.example',
              user: 'gw',
              password: 'ftp-pass',
              dir: '/out',
              afterRead: 'delete',
              every: '10m',
            },
          },
        ],
      },
      endpoints: {
        api: {
          http: {
            url: 'https://gw:url-pass@erp.example/orders',
            token: 'tok-123',
            headers: { 'X-Api-Key': 'eDp5', 'X-Env': 'prod' },
          },
        },
        drop: {
          sftp: {
            host: 'sftp.x.example',
            user: 'gw',
            password: 'sftp-pass',
            hostKey: 'certs/x/known_host',
            dir: '/in',
          },
        },
      },
    });
    const r = redactPartner(p);
    const text = JSON.stringify(r);
    for (const s of ['$scrypt$', 'ftp-pass', 'url-pass', 'tok-123', 'eDp5', 'sftp-pass']) expect(text).not.toContain(s);
    expect(r.inbound?.sftp?.password).toBe('***');
    expect(r.endpoints?.api.http).toMatchObject({
      url: 'https://gw:***@erp.example/orders',
      token: '***',
      headers: { 'X-Api-Key': '***', 'X-Env': 'prod' },
    });
    expect(r.endpoints?.drop.sftp).toMatchObject({ host: 'sftp.x.example', user: 'gw', password: '***' });
    expect(r.inbound?.poll?.[0].ftp).toMatchObject({ host: 'ftp.x.example', password: '***', every: 600_000 });
    expect(p.endpoints?.api.http?.token).toBe('tok-123');
  });

  test('a plain password is refused where a hash is expected', () => {
    const r = partnerFields.safeParse({
      id: 'x',
      identifiers: { as2: 'X' },
      inbound: { sftp: { user: 'x', password: 'hunter2' } },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toMatch(/password hash/);
  });
});

describe('cli: partners hash-password', () => {
  test('prints a $scrypt$ hash of the piped password that the SFTP server accepts, and not the password', async () => {
    const r = spawnSync(process.execPath, [bin, 'partners', 'hash-password'], {
      input: 'correct horse battery staple\n',
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^\$scrypt\$N=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(r.stdout).not.toContain('horse');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery staple\n', hash)).toBe(false);
    // A line piped from a Windows file ends in CRLF; the CR is not part of the password.
    const crlf = spawnSync(process.execPath, [bin, 'partners', 'hash-password'], {
      input: 'pässwörd \u{1F511}\r\n',
      encoding: 'utf8',
    });
    expect(await verifyPassword('pässwörd \u{1F511}', crlf.stdout.trim())).toBe(true);
    // And the partner schema takes it where a plain password is refused.
    expect(
      partnerFields.safeParse({ id: 'x', identifiers: { as2: 'X' }, inbound: { sftp: { user: 'x', password: hash } } })
        .success,
    ).toBe(true);
  });

  test('an empty password is a usage error (exit 2), with no hash printed', () => {
    const r = spawnSync(process.execPath, [bin, 'partners', 'hash-password'], { input: '\n', encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/the password is empty.*\[EDIGW_USAGE\]/);
  });
});

describe('cli: partners check', () => {
  function check(dir: string) {
    const r = spawnSync(process.execPath, [bin, 'partners', 'check', '--config', join(dir, 'gateway.yaml')], {
      encoding: 'utf8',
      cwd: dir,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  test('exits 0 and says ok when gateway.yaml and every partner file are valid', () => {
    const dir = deployment({
      'gateway.yaml':
        'partners: partners\nidentity: { as2: { id: US, key: certs/our/as2.key, certificate: certs/our/as2.pem } }\n',
      'partners/a.yaml':
        minimal('a') +
        'routes: [{ map: a/maps/m.jsonata, to: out }]\nendpoints: { out: { file: { dir: data/out/a } } }\n',
      'partners/a/maps/m.jsonata': '$\n',
    });
    const r = check(dir);
    expect(r.err).toBe('');
    expect(r.out).toBe('ok: 1 partner(s)\n');
    expect(r.code).toBe(0);
  });

  test('exits 1 with one located line per problem and a summary', () => {
    const dir = deployment({
      'gateway.yaml': 'partners: partners\nsftp: { hostKey: keys/host }\n',
      'partners/a.yaml': minimal('a'),
      'partners/b.yaml': 'id: b\nidentifiers: { as2: B }\nacks: { ta1: sometimes }\nroutes: [{ to: nowhere }]\n',
    });
    const r = check(dir);
    expect(r.code).toBe(1);
    expect(r.out.trimEnd().split('\n')).toEqual([
      `gateway.yaml:2:18: sftp.hostKey: no such file: keys/host (paths are relative to the folder of gateway.yaml, ${dir})`,
      'partners/b.yaml:3:7: acks: acknowledgements are sent: name the endpoint in acks.to',
      'partners/b.yaml:3:14: acks.ta1: Invalid option: expected one of "always"|"on-error"|"never"',
      'partners/b.yaml:4:16: routes.0.to: no endpoint "nowhere" (this file has no endpoints)',
      '2 partner(s) checked: 1 with problems; 1 problem(s) in gateway.yaml',
    ]);
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
  });

  test('a gateway.yaml that is not valid is reported, and the partners are still checked', () => {
    const dir = deployment({
      'gateway.yaml': 'partners: partners\nworkerz: 3\n',
      'partners/a.yaml': 'id: z\nidentifiers: { as2: A }\n',
    });
    const r = check(dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      [
        'gateway.yaml:2:1: workerz: unknown key "workerz"',
        'partners/a.yaml:1:5: id: the id "z" must equal the file name without .yaml ("a")',
        '1 partner(s) checked: 1 with problems; 1 problem(s) in gateway.yaml',
        '',
      ].join('\n'),
    );
  });
});
