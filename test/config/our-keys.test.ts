import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils as sshUtils } from 'ssh2';
import { GatewayError } from '../../src/errors';
import { loadGateway, type GatewayConfig } from '../../src/config/gateway';
import { gatewayFileIssues } from '../../src/config/partners';
import { ensureOurKeys } from '../../src/config/our-keys';

const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const haveOpenssl = openssl.status === 0;
if (!haveOpenssl) {
  console.warn(
    `our keys: ${process.env.CI ? 'failing' : 'skipping'} the openssl checks: openssl is not on PATH (${openssl.error?.message ?? openssl.stderr})`,
  );
}
// In CI a missing openssl fails the checks instead of hiding them.
const withOpenssl = haveOpenssl || process.env.CI ? test : test.skip;

const GATEWAY = `
identity:
  as2: { id: OUR_COMPANY-AS2, key: certs/our/as2.key, certificate: certs/our/as2.pem }
sftp: { hostKey: certs/our/ssh_host_ed25519_key }
`;

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-keys-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function gateway(yaml = GATEWAY): Promise<GatewayConfig> {
  const file = path.join(root, 'gateway.yaml');
  await fs.writeFile(file, yaml);
  const r = loadGateway(file, {});
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
}

const our = (name: string) => path.join(root, 'certs', 'our', name);
const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;
const run = (args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });

describe('our keys, made on first start', () => {
  test('makes the AS2 key and certificate and the SFTP host key where gateway.yaml names them', async () => {
    const config = await gateway();
    const logged: string[] = [];
    const created = await ensureOurKeys(config, {
      info: (_o, m) => {
        logged.push(m);
      },
    });
    expect(created).toEqual([
      our('as2.key'),
      our('as2.pem'),
      our('ssh_host_ed25519_key'),
      our('ssh_host_ed25519_key.pub'),
    ]);
    expect(await mode(our('as2.key'))).toBe(0o600);
    expect(await mode(our('ssh_host_ed25519_key'))).toBe(0o600);
    expect(await mode(our('as2.pem'))).toBe(0o644);
    expect(await mode(our('ssh_host_ed25519_key.pub'))).toBe(0o644);
    expect(await mode(path.join(root, 'certs', 'our'))).toBe(0o700);
    expect((await fs.readdir(path.join(root, 'certs', 'our'))).sort()).toEqual([
      'as2.key',
      'as2.pem',
      'ssh_host_ed25519_key',
      'ssh_host_ed25519_key.pub',
    ]);
    expect(logged).toHaveLength(2);
    expect(gatewayFileIssues(config, GATEWAY, [])).toEqual([]);
  });

  test('the key is RSA-2048 PKCS#8 and the certificate is self-signed for it: CN, 2 years, SHA-256, the extensions', async () => {
    const now = new Date('2026-03-01T12:00:00Z');
    await ensureOurKeys(await gateway(), undefined, now);
    const keyPem = await fs.readFile(our('as2.key'), 'utf8');
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);

    const cert = new X509Certificate(await fs.readFile(our('as2.pem')));
    const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' });
    expect(spki(cert.publicKey).equals(spki(createPublicKey(key)))).toBe(true);
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject).toBe('CN=OUR_COMPANY-AS2');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(false);
    expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(now.getTime());
    expect(new Date(cert.validTo).toISOString()).toBe('2028-03-01T12:00:00.000Z');
    expect(cert.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
  });

  test('two installs get different serial numbers and keys', async () => {
    await ensureOurKeys(await gateway());
    const first = new X509Certificate(await fs.readFile(our('as2.pem')));
    await fs.rm(path.join(root, 'certs'), { recursive: true });
    await ensureOurKeys(await gateway());
    const second = new X509Certificate(await fs.readFile(our('as2.pem')));
    expect(second.serialNumber).not.toBe(first.serialNumber);
    expect(second.fingerprint256).not.toBe(first.fingerprint256);
  });

  withOpenssl('openssl accepts the certificate and the key', async () => {
    expect(haveOpenssl).toBe(true);
    await ensureOurKeys(await gateway());
    const x509 = run(['x509', '-noout', '-subject', '-dates', '-in', our('as2.pem')]);
    expect(x509.status).toBe(0);
    expect(x509.stdout).toMatch(/subject=CN ?= ?OUR_COMPANY-AS2/);
    expect(x509.stdout).toMatch(/notBefore=/);
    expect(x509.stdout).toMatch(/notAfter=/);
    const rsa = run(['rsa', '-check', '-noout', '-in', our('as2.key')]);
    expect(rsa.status).toBe(0);
    expect(rsa.stdout).toContain('RSA key ok');
    const text = run(['x509', '-noout', '-text', '-in', our('as2.pem')]).stdout;
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Data Encipherment/);
    expect(text).toContain('X509v3 Subject Key Identifier');
    const verify = run(['verify', '-CAfile', our('as2.pem'), '-partial_chain', our('as2.pem')]);
    expect(verify.stdout).toContain('OK');
  });

  test('ssh2 reads the host key and its .pub, and they are one pair', async () => {
    await ensureOurKeys(await gateway());
    const priv = sshUtils.parseKey(await fs.readFile(our('ssh_host_ed25519_key')));
    const pub = sshUtils.parseKey(await fs.readFile(our('ssh_host_ed25519_key.pub')));
    if (priv instanceof Error) throw priv;
    if (pub instanceof Error) throw pub;
    expect(priv.type).toBe('ssh-ed25519');
    expect(priv.isPrivateKey()).toBe(true);
    expect(priv.getPublicSSH().equals(pub.getPublicSSH())).toBe(true);
    const signature = priv.sign(Buffer.from('hello'));
    expect(pub.verify(Buffer.from('hello'), signature)).toBe(true);
  });

  test('a second start makes nothing and leaves the files as they are', async () => {
    const config = await gateway();
    await ensureOurKeys(config);
    const before = await Promise.all(['as2.key', 'as2.pem', 'ssh_host_ed25519_key'].map((f) => fs.readFile(our(f))));
    expect(await ensureOurKeys(config)).toEqual([]);
    const after = await Promise.all(['as2.key', 'as2.pem', 'ssh_host_ed25519_key'].map((f) => fs.readFile(our(f))));
    expect(after.map((b, i) => b.equals(before[i]))).toEqual([true, true, true]);
  });

  test.each(['as2.key', 'as2.pem'])(
    'half an AS2 pair (%s gone) is a config error, and nothing is made',
    async (gone) => {
      const config = await gateway();
      await ensureOurKeys(config);
      await fs.rm(our(gone));
      const err = await ensureOurKeys(config).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ code: 'EDIGW_KEYS_HALF_PAIR', kind: 'config' });
      expect((err as GatewayError).message).toContain(our(gone));
      expect((await fs.readdir(path.join(root, 'certs', 'our'))).includes(gone)).toBe(false);
    },
  );

  test('a host key .pub without its key is a config error', async () => {
    const config = await gateway();
    await ensureOurKeys(config);
    await fs.rm(our('ssh_host_ed25519_key'));
    await expect(ensureOurKeys(config)).rejects.toMatchObject({ code: 'EDIGW_KEYS_HALF_PAIR', kind: 'config' });
  });

  test('a host key without its .pub is complete: nothing is made', async () => {
    const config = await gateway();
    await ensureOurKeys(config);
    await fs.rm(our('ssh_host_ed25519_key.pub'));
    expect(await ensureOurKeys(config)).toEqual([]);
  });

  test('files named outside certs/our are never made (partners check reports them missing)', async () => {
    const yaml = `
identity:
  as2: { id: US, key: keys/as2.key, certificate: keys/as2.pem }
sftp: { hostKey: keys/host_key }
`;
    const config = await gateway(yaml);
    expect(await ensureOurKeys(config)).toEqual([]);
    await expect(fs.stat(path.join(root, 'keys'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(gatewayFileIssues(config, yaml).map((i) => i.path)).toEqual([
      'identity.as2.key',
      'identity.as2.certificate',
      'sftp.hostKey',
    ]);
  });

  test('a gateway.yaml naming none of these makes nothing', async () => {
    expect(await ensureOurKeys(await gateway('{}\n'))).toEqual([]);
    await expect(fs.stat(path.join(root, 'certs'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('a certs/our that cannot be written is a config error naming the file', async () => {
    await fs.mkdir(path.join(root, 'certs'));
    await fs.writeFile(path.join(root, 'certs', 'our'), 'not a folder');
    const err = await ensureOurKeys(await gateway()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EDIGW_KEYS_WRITE', kind: 'config' });
    expect((err as GatewayError).message).toContain(our('as2.key'));
  });
});
