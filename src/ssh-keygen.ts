/**
 * An Ed25519 key pair in OpenSSH's own formats, made from node:crypto. ssh2's generateKeyPairSync strips
 * leading zero bytes from the 32-byte public key (mscdex/ssh2#1390), so about one key in 256 it makes is
 * one that ssh2 itself, and OpenSSH, refuse to read: a fresh install would have had a host key it could
 * not serve. The layout is OpenSSH's PROTOCOL.key ("openssh-key-v1", unencrypted) and RFC 8709 §4.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface OpenSshKeyPair {
  /** "-----BEGIN OPENSSH PRIVATE KEY-----" text, ending in a newline. */
  private: string;
  /** "ssh-ed25519 AAAA… comment" line, ending in a newline. */
  public: string;
}

const KEY_TYPE = 'ssh-ed25519';

export function ed25519KeyPair(comment = ''): OpenSshKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  if (seed.length !== 32 || pub.length !== 32) throw new Error('node:crypto gave an Ed25519 key of an unexpected size');

  const publicBlob = Buffer.concat([sshString(KEY_TYPE), sshString(pub)]);
  const check = randomBytes(4);
  const secret = Buffer.concat([
    check,
    check,
    sshString(KEY_TYPE),
    sshString(pub),
    // OpenSSH keeps the seed followed by the public key as the 64-byte "private key".
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const section = Buffer.concat([secret, padding(secret.length, 8)]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(section),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    private: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    public: `${KEY_TYPE} ${publicBlob.toString('base64')}${comment ? ` ${comment}` : ''}\n`,
  };
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

/** PROTOCOL.key pads the private section with the bytes 1, 2, 3, … to the cipher's block size (8 for "none"). */
function padding(length: number, block: number): Buffer {
  const n = (block - (length % block)) % block;
  return Buffer.from(Array.from({ length: n }, (_, i) => i + 1));
}
