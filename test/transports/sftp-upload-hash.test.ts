/**
 * The SFTP server's upload hashes (transports/sftp/upload-hash.ts): small uploads hashed in place with
 * their bytes kept, large ones on the hashing thread, and the digest the same either way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Hasher } from '../../src/transports/sftp/upload-hash';

const KiB = 1024;
const sha = (chunks: Buffer[]) => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
};

describe('sftp upload hashes', () => {
  const hasher = new Hasher();
  afterAll(() => hasher.close());

  test('a small upload is hashed with its bytes kept, exactly as written', async () => {
    const chunks = [randomBytes(5 * KiB), randomBytes(3)];
    const h = hasher.start();
    for (const c of chunks) h.update(c);
    expect(Buffer.concat([...h.kept!]).equals(Buffer.concat(chunks))).toBe(true);
    expect(await h.digest()).toBe(sha(chunks));
  });

  test('a large upload, fed over many turns, digests the same on the hashing thread, bytes not kept', async () => {
    const chunks = Array.from({ length: 40 }, () => randomBytes(32 * KiB));
    const h = hasher.start();
    for (let i = 0; i < chunks.length; i++) {
      h.update(chunks[i]);
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(h.kept).toBeUndefined();
    expect(await h.digest()).toBe(sha(chunks));
  });

  test('uploads hashed side by side keep their own digests; a dropped one leaves the others alone', async () => {
    const a = Array.from({ length: 20 }, () => randomBytes(32 * KiB));
    const b = Array.from({ length: 20 }, () => randomBytes(32 * KiB));
    const [ha, hb, hc] = [hasher.start(), hasher.start(), hasher.start()];
    for (let i = 0; i < 20; i++) {
      ha.update(a[i]);
      hb.update(b[i]);
      hc.update(a[i]);
    }
    hc.drop();
    expect(await Promise.all([hb.digest(), ha.digest()])).toEqual([sha(b), sha(a)]);
  });

  test('when the hashing thread is gone, a digest fails rather than lies', async () => {
    const own = new Hasher();
    const h = own.start();
    h.update(randomBytes(512 * KiB));
    await own.close();
    h.update(randomBytes(32 * KiB));
    await expect(h.digest()).rejects.toThrow(/gone/);
  });
});
