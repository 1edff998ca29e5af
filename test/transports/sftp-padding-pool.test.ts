/**
 * Padding bytes for ssh2 on the SFTP thread (transports/sftp/padding-pool.ts): small fills come from
 * a pool of the source's bytes, each byte handed out once; anything else goes to the source.
 */
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startThread } from '../../src/transports/thread-loader';
import { POOLED_UP_TO, pooledRandomFill, type Fill } from '../../src/transports/sftp/padding-pool';

/** A source whose bytes count up from 1, so that where each byte came from can be told. */
function countingSource(): { fill: Fill; calls: Array<{ length: number; offset?: number; size?: number }> } {
  let next = 1;
  const calls: Array<{ length: number; offset?: number; size?: number }> = [];
  const fill: Fill = (buf, offset, size) => {
    calls.push({ length: buf.byteLength, offset, size });
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const start = offset ?? 0;
    const end = size === undefined ? bytes.length : start + size;
    for (let i = start; i < end; i++) bytes[i] = next++ % 256 || 1;
    return buf;
  };
  return { fill, calls };
}

describe('sftp padding pool', () => {
  test('small fills take consecutive bytes of one pooled draw, each only once, and leave the rest of the buffer alone', () => {
    const source = countingSource();
    const fill = pooledRandomFill(source.fill);
    const packets = Array.from({ length: 50 }, () => Buffer.alloc(40, 0xee));
    const taken: number[] = [];
    for (const p of packets) {
      expect(fill(p, 5, 8)).toBe(p);
      expect(p.subarray(0, 5).every((b) => b === 0xee)).toBe(true);
      expect(p.subarray(13).every((b) => b === 0xee)).toBe(true);
      taken.push(...p.subarray(5, 13));
    }
    // One draw of the pool served all 400 bytes, in order: none handed out twice.
    expect(source.calls).toEqual([{ length: 4096, offset: undefined, size: undefined }]);
    expect(taken).toEqual(Array.from({ length: 400 }, (_, i) => (i + 1) % 256 || 1));
  });

  test('the pool is drawn again when a fill does not fit in what is left of it', () => {
    const source = countingSource();
    const fill = pooledRandomFill(source.fill);
    for (let i = 0; i < 20; i++) fill(Buffer.alloc(255), 0, 255);
    // 16 fills of 255 bytes fit in 4,096; the 17th needs a second draw.
    expect(source.calls).toHaveLength(2);
  });

  test('large fills, other typed arrays and bad ranges go to the source as they were asked', () => {
    const source = countingSource();
    const fill = pooledRandomFill(source.fill);
    fill(Buffer.alloc(POOLED_UP_TO + 1));
    fill(new Uint32Array(4), 0, 2);
    fill(Buffer.alloc(8), 0, 0);
    expect(source.calls).toEqual([
      { length: POOLED_UP_TO + 1, offset: undefined, size: undefined },
      { length: 16, offset: 0, size: 2 },
      { length: 8, offset: 0, size: 0 },
    ]);
    // Node's own function is what refuses a range past the buffer, with its own error.
    const real = pooledRandomFill(randomFillSync as unknown as Fill);
    expect(() => real(Buffer.alloc(8), 4, 8)).toThrow(/out of range/);
  });

  test("imported first, as the SFTP thread's entry does, the pool is what ssh2 loads with; other threads keep Node's", async () => {
    // An import sorter moving it down would let ssh2 keep Node's function unseen.
    const entry = readFileSync(join(__dirname, '../../src/transports/sftp/thread-entry.ts'), 'utf8');
    expect(/^import .*$/m.exec(entry)?.[0]).toBe("import './thread-padding';");
    const w = startThread(join(__dirname, 'sftp/padding-probe.ts'));
    const answer = await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(answer).toEqual({ pooled: true, same: true, server: 'function' });
    expect((randomFillSync as unknown as { pooled?: true }).pooled).toBeUndefined();
  });
});
