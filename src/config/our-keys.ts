/**
 * Our own keys, made on first start so that a fresh install can talk AS2 and host SFTP at once: the
 * AS2 key with a self-signed certificate for identity.as2, and the SFTP host key. Only files that
 * gateway.yaml names under <certs>/our are made (the folder gatewayFileIssues lets be missing), and
 * only when missing: an existing file is never replaced, since partners have already pinned it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import forge from 'node-forge';
import { GatewayError } from '../errors';
import { ed25519KeyPair } from '../ssh-keygen';
import { syncDir } from '../sync-dir';
import type { GatewayConfig } from './gateway';
import { under } from './partner';

export interface OurKeysLogger {
  info(obj: object, msg: string): void;
}

/** The folders whose files the gateway makes itself; the same rule as gatewayFileIssues and loadPartnersOf. */
export function generatedFolders(config: GatewayConfig): string[] {
  return [join(config.certs, 'our')];
}

const CERT_YEARS = 2;
/** Partners whose clocks run a little behind must not see a certificate that is not valid yet. */
const BACKDATE_MS = 5 * 60_000;

/**
 * Makes the missing AS2 key and certificate and the missing SFTP host key that gateway.yaml names under
 * certs/our. Returns the files made, none on every start after the first. Throws EDIGW_KEYS_HALF_PAIR
 * when one half of a pair exists and the other is to be made (a new pair would not match the half that
 * is there), EDIGW_KEYS_WRITE when a file cannot be written.
 */
export async function ensureOurKeys(
  config: GatewayConfig,
  log?: OurKeysLogger,
  now: Date = new Date(),
): Promise<string[]> {
  const generated = generatedFolders(config);
  const at = (p: string) => resolve(config.dir, p);
  const created: string[] = [];

  const as2 = config.identity.as2;
  if (as2) {
    const key = at(as2.key);
    const cert = at(as2.certificate);
    const pair = [
      { file: key, setting: 'identity.as2.key', present: await exists(key) },
      { file: cert, setting: 'identity.as2.certificate', present: await exists(cert) },
    ];
    if (pairToMake(pair, generated)) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicExponent: 0x10001,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const certificate = selfSignedCertificate(privateKey, publicKey, as2.id, now);
      created.push(
        ...(await writeAll([
          { file: key, text: privateKey, mode: 0o600 },
          { file: cert, text: certificate, mode: 0o644 },
        ])),
      );
      log?.info(
        { key, certificate: cert, as2Id: as2.id },
        'made our AS2 key and a self-signed certificate: give the certificate to partners',
      );
    }
  }

  const hostKey = config.sftp?.hostKey;
  if (hostKey !== undefined) {
    const key = at(hostKey);
    const pub = `${key}.pub`;
    // A host key without its .pub is complete (the .pub is for the operator to hand out), so only a missing key makes a pair.
    const pair = [
      { file: key, setting: 'sftp.hostKey', present: false },
      { file: pub, setting: 'its public half', present: await exists(pub) },
    ];
    if (!(await exists(key)) && pairToMake(pair, generated)) {
      const kp = ed25519KeyPair(`edi-gateway host key ${basename(key)}`);
      created.push(
        ...(await writeAll([
          { file: key, text: kp.private, mode: 0o600 },
          { file: pub, text: kp.public, mode: 0o644 },
        ])),
      );
      log?.info({ hostKey: key }, 'made our SFTP host key');
    }
  }
  return created;
}

type Half = { file: string; setting: string; present: boolean };

/** True when both halves are missing and both are ours to make; throws on a half pair we would have to complete. */
function pairToMake([a, b]: Half[], generated: string[]): boolean {
  if (a.present && b.present) return false;
  if (a.present !== b.present) {
    const [there, missing] = a.present ? [a, b] : [b, a];
    // A missing file outside certs/our is gatewayFileIssues' to report; nothing would be made for it.
    if (!under(missing.file, generated)) return false;
    throw new GatewayError(
      'EDIGW_KEYS_HALF_PAIR',
      `${there.setting} ${there.file} exists but ${missing.setting} ${missing.file} does not; ` +
        `put the matching file there, or move ${there.file} away to have a new pair made`,
    );
  }
  return under(a.file, generated) && under(b.file, generated);
}

function selfSignedCertificate(privatePem: string, publicPem: string, commonName: string, now: Date): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(now.getTime());
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERT_YEARS);
  cert.validity.notAfter = notAfter;
  // AS2 ids may hold characters PrintableString lacks (`_`, `@`), so the name is UTF8String; the
  // typings call the tag a Class, while x509.js compares it with asn1.Type.
  const name = [
    { name: 'commonName', value: commonName, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, dataEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privatePem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/**
 * 16 random bytes read as a positive DER INTEGER: forge writes the hex as is, so the top bit stays
 * clear (else negative) and the first byte non-zero (else not minimal, which strict parsers refuse).
 */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return bytes.toString('hex');
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new GatewayError('EDIGW_KEYS_WRITE', `checking ${file}`, { cause: err });
  }
}

type Output = { file: string; text: string; mode: number };

/**
 * Writes every file complete to a temp name first and only then gives them their names, so a crash
 * leaves whole files or none; the naming never replaces a file that appeared meanwhile (another node
 * starting on the same certs folder): that is reported instead of making a mismatched pair.
 */
async function writeAll(outputs: Output[]): Promise<string[]> {
  const temps: string[] = [];
  const named: string[] = [];
  try {
    for (const o of outputs) {
      await fs.mkdir(dirname(o.file), { recursive: true, mode: 0o700 });
      const tmp = join(dirname(o.file), `.${basename(o.file)}.${randomBytes(6).toString('hex')}.tmp`);
      const fh = await fs.open(tmp, 'wx', o.mode);
      temps.push(tmp);
      try {
        // open's mode passes through the umask; the key's 0600 and the certificate's 0644 must not depend on it.
        await fh.chmod(o.mode);
        await fh.writeFile(o.text);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    for (const [i, o] of outputs.entries()) {
      await publish(temps[i], o.file);
      named.push(o.file);
    }
    for (const dir of new Set(outputs.map((o) => dirname(o.file)))) await syncDir(dir);
    return named;
  } catch (err) {
    // What this call named is removed as well: half a pair left behind would stop every later start.
    await Promise.all([...temps, ...named].map((t) => fs.rm(t, { force: true }).catch(() => undefined)));
    if (err instanceof GatewayError) throw err;
    const failed = outputs.find((o) => !named.includes(o.file))?.file ?? outputs[0].file;
    throw new GatewayError('EDIGW_KEYS_WRITE', `creating ${failed}`, { cause: err });
  }
}

/** Names the temp file without overwriting: a hard link fails when the name is taken. */
async function publish(tmp: string, file: string): Promise<void> {
  try {
    await fs.link(tmp, file);
    await fs.unlink(tmp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new GatewayError(
        'EDIGW_KEYS_WRITE',
        `${file} appeared while it was being made (another gateway starting?); it was left as it is`,
        { cause: err },
      );
    // Without hard links (some network and FAT file systems), check then rename: a small race, rarely met.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (await exists(file))
      throw new GatewayError('EDIGW_KEYS_WRITE', `${file} appeared while it was being made; it was left as it is`);
    await fs.rename(tmp, file);
  }
}
