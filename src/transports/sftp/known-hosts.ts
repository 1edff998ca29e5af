/**
 * The pinned host key of a partner's SSH server, read from the file a `hostKey` setting names: a
 * known_hosts file (what `ssh-keyscan -p PORT HOST` prints, hashed or not) or the server's public key
 * file (`ssh_host_ed25519_key.pub`). There is no trust on first use: a server whose key is not in the
 * file is refused.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { sshUtils } from './lazy';

export interface PinnedKey {
  /** The key's type as SSH names it: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, … */
  type: string;
  /** The public key in SSH wire format: what the server presents during the handshake. */
  blob: Buffer;
}

export interface PinnedKeys {
  /** Keys trusted for this host and port. */
  keys: PinnedKey[];
  /** Keys marked `@revoked`: refused even when another line lists them. */
  revoked: PinnedKey[];
  /** Lines that were not used: malformed, of an unsupported kind (`@cert-authority`), or for other hosts. */
  skipped: number;
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-)/;

/**
 * The keys of `text` that apply to `host`:`port`. A known_hosts line applies when one of its host
 * patterns matches and none of its negated ones does, with OpenSSH's rules: a plain name stands for
 * port 22, any other port is written `[host]:port`, `*` and `?` are wildcards, `|1|salt|hash` is a
 * hashed name. A public key file's line has no host field and applies to whatever host it is named for.
 */
export function parseHostKeys(text: string, host: string, port: number): PinnedKeys {
  const out: PinnedKeys = { keys: [], revoked: [], skipped: 0 };
  const name = port === 22 ? host : `[${host}]:${port}`;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    if (marker !== undefined && marker !== '@revoked') {
      // @cert-authority trusts any key that CA signs; certificates are not supported here.
      out.skipped++;
      continue;
    }
    if (fields.length < 2) {
      out.skipped++;
      continue;
    }
    const hosts = KEY_TYPE.test(fields[0]) ? undefined : fields.shift();
    if (hosts !== undefined && !hostMatches(hosts, name)) {
      out.skipped++;
      continue;
    }
    const key = publicKey(fields[0], fields[1]);
    if (!key) {
      out.skipped++;
      continue;
    }
    (marker === '@revoked' ? out.revoked : out.keys).push(key);
  }
  out.keys = out.keys.filter((k) => !out.revoked.some((r) => r.blob.equals(k.blob)));
  return out;
}

function publicKey(type: string, base64: string | undefined): PinnedKey | undefined {
  if (!base64 || !KEY_TYPE.test(type)) return undefined;
  const parsed = sshUtils().parseKey(`${type} ${base64}`);
  if (parsed instanceof Error || Array.isArray(parsed)) return undefined;
  return { type: parsed.type, blob: parsed.getPublicSSH() };
}

function hostMatches(field: string, name: string): boolean {
  let matched = false;
  for (const raw of field.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const hit = pattern.startsWith('|1|') ? hashedMatches(pattern, name) : wildcard(pattern).test(name);
    if (hit && negated) return false;
    if (hit) matched = true;
  }
  return matched;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as `ssh-keygen -H` writes names. */
function hashedMatches(pattern: string, name: string): boolean {
  const [, , salt, hash] = pattern.split('|');
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function wildcard(pattern: string): RegExp {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'i');
}

/** As OpenSSH shows a key to people: `SHA256:` and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The host key algorithms to offer, so that the server proves the key that is pinned: offered
 * everything, a server with both an ed25519 and an RSA key would present ed25519 even when the file
 * pins its RSA key, and be refused.
 */
export function hostKeyAlgorithms(keys: readonly PinnedKey[]): string[] {
  const algorithms = new Set<string>();
  for (const k of keys) {
    if (k.type === 'ssh-rsa') for (const a of ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']) algorithms.add(a);
    else algorithms.add(k.type);
  }
  return [...algorithms];
}
