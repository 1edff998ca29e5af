import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ParsedKey, utils } from 'ssh2';
import { ed25519KeyPair } from '../../src/ssh-keygen';
import { describeNeeding } from '../helpers/requirements';
import { missingPeer } from '../transports/peers/system';

function one(parsed: ParsedKey | ParsedKey[] | Error): ParsedKey {
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? parsed[0]! : parsed;
}

/** A pair whose public key starts with a zero byte: the case ssh2's own generator gets wrong (1 in 256). */
function leadingZeroPair() {
  for (let i = 0; i < 20_000; i++) {
    const pair = ed25519KeyPair('lead');
    // ssh-ed25519 blob: string "ssh-ed25519" (4 + 11 bytes), then the key's length (4 bytes), then the key.
    if (Buffer.from(pair.public.split(' ')[1]!, 'base64')[19] === 0) return pair;
  }
  throw new Error('no key with a leading zero byte in 20,000 tries');
}

describe('ed25519KeyPair', () => {
  test('both halves parse, match and sign, including a public key that starts with a zero byte', () => {
    for (const pair of [ed25519KeyPair('edi-gateway host key'), leadingZeroPair()]) {
      const pub = one(utils.parseKey(pair.public));
      const priv = one(utils.parseKey(pair.private));
      expect(pub.type).toBe('ssh-ed25519');
      expect(pub.getPublicSSH().length).toBe(51);
      expect(priv.getPublicSSH().equals(pub.getPublicSSH())).toBe(true);
      const data = Buffer.from('signed');
      expect(pub.verify(data, priv.sign(data))).toBe(true);
      expect(pair.public.endsWith('\n')).toBe(true);
      expect(pair.private).toMatch(
        /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/,
      );
    }
  });

  test('two pairs are different keys', () => {
    expect(ed25519KeyPair().public).not.toBe(ed25519KeyPair().public);
  });
});

describeNeeding('ed25519KeyPair read by OpenSSH', 'ssh-keygen', missingPeer(['ssh-keygen']), () => {
  test('ssh-keygen -y derives the same public key from the private file, leading zero byte or not', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keygen-'));
    try {
      for (const [i, pair] of [ed25519KeyPair('plain'), leadingZeroPair()].entries()) {
        const file = path.join(dir, `k${i}`);
        await fs.writeFile(file, pair.private, { mode: 0o600 });
        const r = spawnSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        expect(r.stdout.split(' ').slice(0, 2)).toEqual(pair.public.split(' ').slice(0, 2));
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
