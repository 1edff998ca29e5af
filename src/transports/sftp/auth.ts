/**
 * Who may log in to the hosted SFTP server: partners' public keys, parsed with ssh2's own parser, and
 * a limiter that stops an address after repeated failures.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { ParsedKey } from 'ssh2';
import { sshUtils } from './lazy';

/** One hosted SFTP login, as the partner files give it. */
export interface SftpUser {
  partnerId: string;
  user: string;
  /** File contents: OpenSSH (`ssh-ed25519 AAAA… comment`, several lines allowed) or PEM public keys. */
  publicKeys: string[];
  /** `$scrypt$…` from hashPassword(); absent: no password login for this user. */
  passwordHash?: string;
}

export interface KeyList {
  keys: ParsedKey[];
  /** How many entries could not be read as a public key (reported, never fatal to the others). */
  unreadable: number;
}

/** Parsed key files by content: partner files are read on every login, parsing them once is enough. */
const parsed = new Map<string, KeyList>();
const PARSED_MAX = 1000;

/** Every public key in the given file contents. */
export function authorizedKeys(files: readonly string[]): KeyList {
  const out: KeyList = { keys: [], unreadable: 0 };
  for (const text of files) {
    let entry = parsed.get(text);
    if (!entry) {
      entry = parseKeyFile(text);
      if (parsed.size >= PARSED_MAX) parsed.clear();
      parsed.set(text, entry);
    }
    out.keys.push(...entry.keys);
    out.unreadable += entry.unreadable;
  }
  return out;
}

function parseKeyFile(text: string): KeyList {
  const out: KeyList = { keys: [], unreadable: 0 };
  // PEM and RFC 4716 blocks span lines; OpenSSH keys are one a line, as in authorized_keys.
  const blocks = /-----BEGIN|---- BEGIN/.test(text)
    ? [text.trim()]
    : text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'));
  for (const block of blocks) {
    const result = sshUtils().parseKey(pemPublicKeyToOpenSsh(block) ?? block) as ParsedKey | ParsedKey[] | Error;
    const keys = result instanceof Error ? [] : Array.isArray(result) ? result : [result];
    // A private key in a list of authorized keys is a mistake; refusing it keeps the secret from
    // looking like it belongs there.
    const publicOnly = keys.filter((k) => !k.isPrivateKey());
    if (publicOnly.length === 0) out.unreadable++;
    out.keys.push(...publicOnly);
  }
  return out;
}

const CURVES: Record<string, string> = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' };

/**
 * ssh2 reads OpenSSH and RFC 4716 public keys but not PEM ones (`BEGIN PUBLIC KEY`, `BEGIN RSA PUBLIC
 * KEY`), which partners export from other tools; Node reads those, and the OpenSSH form is built
 * from the key's numbers. Undefined for anything that is not a PEM public key.
 */
export function pemPublicKeyToOpenSsh(text: string): string | undefined {
  if (!/^-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) return undefined;
  let jwk: JsonWebKey;
  try {
    jwk = createPublicKey(text).export({ format: 'jwk' });
  } catch {
    return undefined;
  }
  const b = (v: string | undefined) => Buffer.from(v ?? '', 'base64url');
  let type: string;
  let parts: Buffer[];
  if (jwk.kty === 'RSA') {
    type = 'ssh-rsa';
    parts = [mpint(b(jwk.e)), mpint(b(jwk.n))];
  } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    type = 'ssh-ed25519';
    parts = [sshString(b(jwk.x))];
  } else if (jwk.kty === 'EC' && jwk.crv && CURVES[jwk.crv]) {
    const curve = CURVES[jwk.crv];
    type = `ecdsa-sha2-${curve}`;
    parts = [sshString(Buffer.from(curve)), sshString(Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]))];
  } else {
    return undefined;
  }
  return `${type} ${Buffer.concat([sshString(Buffer.from(type)), ...parts]).toString('base64')}`;
}

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length, 0);
  return Buffer.concat([len, data]);
}

/** An unsigned big-endian integer as SSH writes it: no leading zeros, one 0x00 when the top bit is set. */
function mpint(unsigned: Buffer): Buffer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const trimmed = unsigned.subarray(i);
  return sshString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** The key the client offers is this one: same algorithm family and the same public blob. */
export function sameKey(key: ParsedKey, offered: { algo: string; data: Buffer }): boolean {
  return key.type === offered.algo && key.getPublicSSH().equals(offered.data);
}
