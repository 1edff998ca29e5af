/**
 * The SFTP server's open files (transports/sftp/disk-file.ts): writes asked for in one turn go to
 * disk together, and each lands where it was asked to, whatever the order and however many.
 */
import { constants as fsc, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskFile } from '../../src/transports/sftp/disk-file';

describe('sftp server disk files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-disk-file-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('writes of one turn, adjacent, apart and out of order, each land at their offset', async () => {
    const file = path.join(dir, 'mixed');
    const fh = await DiskFile.open(file, fsc.O_WRONLY | fsc.O_CREAT, 0o600);
    await Promise.all([
      fh.write(Buffer.from('abc'), 0),
      fh.write(Buffer.from('def'), 3),
      fh.write(Buffer.from('XYZ'), 10),
      fh.write(Buffer.from('ghi'), 6),
      fh.write(Buffer.from('j'), 9),
    ]);
    await fh.close();
    expect(await fs.readFile(file, 'latin1')).toBe('abcdefghijXYZ');
  });

  test('more adjacent writes in one turn than one writev takes (IOV_MAX 1024): all of them, in order', async () => {
    const file = path.join(dir, 'many');
    const fh = await DiskFile.open(file, fsc.O_WRONLY | fsc.O_CREAT, 0o600);
    const chunks = Array.from({ length: 3000 }, (_, i) => Buffer.from(`${String(i).padStart(5, '0')}\n`));
    await Promise.all(chunks.map((c, i) => fh.write(c, i * 6)));
    await fh.close();
    expect(await fs.readFile(file)).toEqual(Buffer.concat(chunks));
  });

  test('close waits for the writes of its turn; a write after close is refused with EBADF', async () => {
    const file = path.join(dir, 'closing');
    const fh = await DiskFile.open(file, fsc.O_WRONLY | fsc.O_CREAT, 0o600);
    const written = fh.write(Buffer.from('kept'), 0);
    const closed = fh.close();
    await expect(fh.write(Buffer.from('late'), 4)).rejects.toMatchObject({ code: 'EBADF' });
    await written;
    await closed;
    expect(await fs.readFile(file, 'latin1')).toBe('kept');
  });
});
