/**
 * The openssl AS2 peer (../shared/peers) for the AS2 tests: availability, throwaway certificates, the
 * scripts run without network, and the pairwise choice of the option matrix.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadCertificate, loadPrivateKey, type Certificate } from '../../../src/transports/as2/cms';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

import { describeFailing, describeNeeding } from '../../helpers/requirements';
import { shared, sharedMissing } from '../../helpers/shared';

const run = promisify(execFile);

export const PEERS = shared('peers');

/** Why the openssl peer cannot run here, or undefined when it can. */
export function peerUnavailable(): string | undefined {
  const v = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (v.status !== 0) return 'openssl is not installed (apt-get install openssl)';
  const b = spawnSync('bash', ['--version'], { encoding: 'utf8' });
  if (b.status !== 0) return 'bash is not installed';
  return sharedMissing('peers/as2-send-openssl.sh');
}

/**
 * `describe` when the peer is there. Without ../shared/peers it fails; without openssl or bash it is
 * skipped with the reason, and fails under CI, which installs them (helpers/requirements.ts).
 */
export function describeWithPeer(name: string, body: () => void): void {
  const noScripts = sharedMissing('peers/as2-send-openssl.sh');
  if (noScripts) describeFailing(name, '../shared/peers', noScripts);
  else describeNeeding(name, 'the openssl peer', peerUnavailable(), body);
}

export interface Party {
  keyFile: string;
  certFile: string;
  key: KeyObject;
  certificate: Certificate;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A throwaway RSA-2048 key and self-signed certificate, as peers/README.md says. */
export async function makeParty(dir: string, name: string): Promise<Party> {
  const keyFile = join(dir, `${name}.key.pem`);
  const certFile = join(dir, `${name}.cert.pem`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-sha256',
    '-subj',
    `/CN=${name}`,
  ]);
  return {
    keyFile,
    certFile,
    key: loadPrivateKey(readFileSync(keyFile)),
    certificate: loadCertificate(readFileSync(certFile)),
  };
}

/**
 * A key and self-signed certificate made in-process (Node makes the key, forge the certificate), for
 * tests that need no openssl. `serial` and `subjectKeyId` let a test make a re-issued certificate.
 */
export function makePartyInProcess(
  name: string,
  options: { key?: KeyObject; serial?: string; subjectKeyId?: boolean } = {},
): Omit<Party, 'keyFile' | 'certFile'> & { pem: string } {
  const key = options.key ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const fkey = forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }) as string);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(fkey.n, fkey.e);
  cert.serialNumber = options.serial ?? '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 86_400_000);
  const attrs = [{ name: 'commonName', value: name }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  if (options.subjectKeyId) cert.setExtensions([{ name: 'subjectKeyIdentifier' }]);
  cert.sign(fkey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return { key, certificate: loadCertificate(pem), pem };
}

export async function sh(
  file: string,
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(file, args, { env: { ...process.env, ...env }, cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? String(e),
    };
  }
}

/** Reads http-request-headers.txt ("Name: value" lines) as a header record. */
export function readHeaderFile(file: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of readFileSync(file, 'latin1').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** A raw HTTP request as as2-listener.js would have saved it. */
export function writeRawRequest(file: string, headers: Record<string, string>, body: Buffer): void {
  const head = Object.entries({ ...headers, 'Content-Length': String(body.length) })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`POST /as2 HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}\r\n`, 'latin1'), body]),
  );
}

/** Runs `fn` over the items with at most `limit` at once (the machine has 2 cores; openssl is a process each). */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

export type Factors = Record<string, readonly (string | number)[]>;
export type Row<F extends Factors> = { [K in keyof F]: F[K][number] };

/** Every combination of the factors. */
export function allCombinations<F extends Factors>(factors: F): Row<F>[] {
  let rows: Record<string, string | number>[] = [{}];
  for (const [name, values] of Object.entries(factors))
    rows = rows.flatMap((r) => values.map((v) => ({ ...r, [name]: v })));
  return rows as Row<F>[];
}

/**
 * A pairwise (all-pairs) subset, chosen greedily and deterministically: every pair of values of any
 * two factors appears in some row, where `relevant` says the pair means something in that row (a
 * cipher means nothing when the message is not encrypted).
 */
export function pairwise<F extends Factors>(
  factors: F,
  relevant: (row: Row<F>, a: keyof F, b: keyof F) => boolean = () => true,
): Row<F>[] {
  const names = Object.keys(factors) as (keyof F)[];
  const all = allCombinations(factors);
  const key = (a: keyof F, b: keyof F, row: Row<F>) => `${String(a)}=${row[a]}|${String(b)}=${row[b]}`;
  const pairsOf = (row: Row<F>): string[] => {
    const out: string[] = [];
    for (let i = 0; i < names.length; i++)
      for (let j = i + 1; j < names.length; j++)
        if (relevant(row, names[i], names[j])) out.push(key(names[i], names[j], row));
    return out;
  };
  const uncovered = new Set(all.flatMap(pairsOf));
  const chosen: Row<F>[] = [];
  while (uncovered.size) {
    let best = all[0];
    let bestScore = -1;
    for (const row of all) {
      const score = pairsOf(row).filter((p) => uncovered.has(p)).length;
      if (score > bestScore) {
        best = row;
        bestScore = score;
      }
    }
    if (bestScore <= 0) break;
    for (const p of pairsOf(best)) uncovered.delete(p);
    chosen.push(best);
  }
  return chosen;
}

/** CI and AS2_FULL_MATRIX=1 run every combination; a plain local run the pairwise subset. */
export const FULL_MATRIX = !!(process.env.CI || process.env.AS2_FULL_MATRIX);

/** A raw HTTP response (status line, headers, body), as as2-receive-openssl.sh writes one. */
export function parseRawHttp(raw: Buffer): { status: number; headers: Record<string, string>; body: Buffer } {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.subarray(end + 4) };
}

/** Payloads that have broken AS2 stacks before: a final LF, a final CRLF, none, every byte value, EDIFACT. */
export const PAYLOADS: { name: string; bytes: Buffer }[] = [
  {
    name: 'po-lf.x12',
    bytes: Buffer.from(
      'ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     ' +
        '*240101*1200*U*00401*000000905*0*P*>~\nGS*PO*ACME*OURCOMPANY*20240101*1200*1*X*004010~\n' +
        'ST*850*0001~\nBEG*00*SA*4500012345**20240101~\nSE*3*0001~\nGE*1*1~\nIEA*1*000000905~\n',
      'latin1',
    ),
  },
  {
    name: 'po-crlf.x12',
    bytes: Buffer.from(
      'ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     ' +
        '*240101*1200*U*00401*000000906*0*P*>~\r\nST*850*0002~\r\nBEG*00*SA*MÜLLER**20240101~\r\nSE*3*0002~\r\nIEA*1*000000906~\r\n',
      'latin1',
    ),
  },
  {
    name: 'orders.edi',
    bytes: Buffer.from(
      "UNA:+.? 'UNB+UNOC:3+5412345000013:14+5400000000001:14+240101:1200+42'UNH+1+ORDERS:D:96A:UN'BGM+220+PO?+1+9'UNT+3+1'UNZ+1+42'",
      'latin1',
    ),
  },
  { name: 'binary.bin', bytes: Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7 + (i >> 8)) & 0xff)) },
  {
    name: 'boundary-like.x12',
    bytes: Buffer.from('ISA*00~\r\n------=_edigw_ not a delimiter\r\n--\r\n\r\n\r\nIEA*1~', 'latin1'),
  },
];
