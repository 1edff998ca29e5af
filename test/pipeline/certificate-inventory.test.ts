import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadGateway } from '../../src/config/gateway';
import { ensureOurKeys } from '../../src/config/our-keys';
import type { LoadedPartner } from '../../src/config/partners';
import { certificateInventory } from '../../src/pipeline/certificate-inventory';
import { ed25519KeyPair } from '../../src/ssh-keygen';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-inventory-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const GATEWAY = `
identity:
  as2: { id: OUR-AS2, key: certs/our/as2.key, certificate: certs/our/as2.pem }
sftp: { hostKey: certs/our/ssh_host_ed25519_key }
`;

test('lists every certificate and key, reads each key as its transport does, and says why one cannot be used', async () => {
  await fs.writeFile(path.join(root, 'gateway.yaml'), GATEWAY);
  const loaded = loadGateway(path.join(root, 'gateway.yaml'), {});
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const config = loaded.config;
  await ensureOurKeys(config);
  await fs.mkdir(path.join(root, 'certs/acme'), { recursive: true });
  await fs.writeFile(path.join(root, 'certs/acme/good.pub'), ed25519KeyPair('acme').public);
  // A file an operator replaced after start: there, but not a key.
  await fs.writeFile(path.join(root, 'certs/acme/bad.pub'), 'this is not a key\n');
  await fs.writeFile(path.join(root, 'certs/our/ssh_host_ed25519_key'), 'garbage\n');
  const acme = {
    id: 'acme',
    inbound: {
      sftp: { user: 'acme', publicKeys: ['certs/acme/good.pub', 'certs/acme/bad.pub', 'certs/acme/gone.pub'] },
    },
  } as unknown as LoadedPartner;

  const rows = certificateInventory({ config, partners: { list: () => [acme] } as never, clock: () => new Date() });
  const at = (usedAt: string) => rows.find((r) => r.usedAt === usedAt);

  expect(at('identity.as2.certificate')).toMatchObject({
    holds: 'certificate',
    kind: 'certificate',
    subject: expect.stringContaining('OUR-AS2'),
  });
  expect(at('identity.as2.certificate')?.daysLeft).toBeGreaterThan(700);
  expect(at('identity.as2.key')).toMatchObject({ owner: 'us', holds: 'key', kind: 'key', file: 'certs/our/as2.key' });
  expect(at('sftp.hostKey')).toMatchObject({ holds: 'key', kind: 'unreadable', problem: expect.any(String) });
  expect(at('inbound.sftp.publicKeys.0')).toMatchObject({ owner: 'acme', holds: 'key', kind: 'key' });
  expect(at('inbound.sftp.publicKeys.1')).toMatchObject({
    holds: 'key',
    kind: 'unreadable',
    problem: '1 entry is not an SSH public key (OpenSSH or PEM)',
  });
  expect(at('inbound.sftp.publicKeys.2')).toMatchObject({ kind: 'unreadable', problem: 'no such file' });
  expect(rows).toHaveLength(6);
});
