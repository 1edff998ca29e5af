import { DecodedWindow } from '../../src/edi/decoded-window';

describe('decoded window: which segments are ASCII', () => {
  test('a byte outside ASCII is found at every alignment of the chunk in its buffer, and segments come in order', () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    for (let round = 0; round < 200; round++) {
      const backing = Buffer.alloc(600);
      for (let i = 0; i < backing.length; i++) backing[i] = 0x20 + rnd(90);
      for (let k = rnd(6); k > 0; k--) backing[rnd(backing.length)] = 0x80 + rnd(128);
      const from = rnd(8);
      const chunk = backing.subarray(from, from + 1 + rnd(backing.length - from - 1));
      const w = new DecodedWindow();
      w.begin(chunk);
      for (let s = 0; s < chunk.length;) {
        const e = Math.min(chunk.length, s + 1 + rnd(40));
        const expected = chunk.subarray(s, e).every((b) => b < 0x80);
        expect([round, s, e, w.ascii(s, e)]).toEqual([round, s, e, expected]);
        s = e + rnd(3);
      }
      w.end();
    }
  });
});
