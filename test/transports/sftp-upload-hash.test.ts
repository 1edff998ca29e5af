/**
 * The SFTP server's upload hashes (transports/sftp/upload-hash.ts): small uploads hashed in place with
 * their bytes kept, large ones read back and hashed on the hashing thread, and the digest the same
 * either way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsc, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskFile } from '../../src/transports/sftp/disk-file';
import { Hasher, type UploadHash } from '../../src/transports/sftp/upload-hash';

const KiB = 1024;
const sha = (chunks: Buffer[]) => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
};
const turn = () => new Promise((r) => setImmediate(r));

describe('sftp upload hashes', () => {
  const hasher = new Hasher();
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edigw-upload-hash-'));
  });
  afterAll(async () => {
    await hasher.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** An upload as the session makes it: each chunk written at its offset, and hashed with that write. */
  async function upload(chunks: Buffer[], on: Hasher = hasher, turnEvery = 7) {
    const fh = await DiskFile.open(path.join(dir, `u${n++}`), fsc.O_RDWR | fsc.O_CREAT, 0o600);
    const h = on.start(fh.fd);
    const writes: Promise<void>[] = [];
    let at = 0;
    for (let i = 0; i < chunks.length; i++) {
      const w = fh.write(chunks[i], at);
      writes.push(w);
      h.update(chunks[i], w);
      at += chunks[i].length;
      if (i % turnEvery === turnEvery - 1) await turn();
    }
    await Promise.allSettled(writes);
    return { h, fh };
  }

  async function digestAndClose(u: { h: UploadHash; fh: DiskFile }) {
    try {
      return await u.h.digest();
    } finally {
      await u.fh.close();
    }
  }

  test('a small upload is hashed with its bytes kept, exactly as written', async () => {
    const chunks = [randomBytes(5 * KiB), randomBytes(3)];
    const u = await upload(chunks);
    expect(Buffer.concat([...u.h.kept!]).equals(Buffer.concat(chunks))).toBe(true);
    expect(await digestAndClose(u)).toBe(sha(chunks));
  });

  test('a large upload, written over many turns, digests the same on the hashing thread, bytes not kept', async () => {
    const chunks = Array.from({ length: 40 }, () => randomBytes(32 * KiB));
    const u = await upload(chunks);
    expect(u.h.kept).toBeUndefined();
    expect(await digestAndClose(u)).toBe(sha(chunks));
  });

  test('uploads hashed side by side keep their own digests; a dropped one leaves the others alone', async () => {
    const a = Array.from({ length: 20 }, () => randomBytes(32 * KiB));
    const b = Array.from({ length: 20 }, () => randomBytes(32 * KiB));
    const [ua, ub, uc] = await Promise.all([upload(a, hasher, 3), upload(b, hasher, 5), upload(a, hasher, 4)]);
    uc.h.drop();
    await uc.fh.close();
    expect(await Promise.all([digestAndClose(ub), digestAndClose(ua)])).toEqual([sha(b), sha(a)]);
  });

  test('when the hashing thread is gone, a digest fails rather than lies', async () => {
    const own = new Hasher();
    const u = await upload([randomBytes(512 * KiB)], own);
    await own.close();
    await expect(digestAndClose(u)).rejects.toThrow(/gone/);
  });
});
