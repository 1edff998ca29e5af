import { constants, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { decryptPkcs1v15, modulusBytes, syntheticKey } from '../../../src/transports/as2/rsa-pkcs1';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const k = modulusBytes(privateKey);

/** Raw RSA of a block we build ourselves, so any padding (valid or not) can be made. */
function rawEncrypt(key: KeyObject, block: Buffer): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, block);
}

function block(opts: {
  first?: number;
  second?: number;
  psLength?: number;
  zeroInPs?: boolean;
  message: Buffer;
  noSeparator?: boolean;
}): Buffer {
  const psLength = opts.psLength ?? k - 3 - opts.message.length;
  const ps = Buffer.alloc(psLength);
  for (let i = 0; i < psLength; i++) ps[i] = 1 + (i % 255);
  if (opts.zeroInPs) ps[psLength - 1] = 0;
  const out = Buffer.concat([
    Buffer.from([opts.first ?? 0, opts.second ?? 2]),
    ps,
    Buffer.from([opts.noSeparator ? 7 : 0]),
    opts.message,
  ]);
  expect(out.length).toBe(k);
  return out;
}

describe('as2 rsa-pkcs1: RSAES-PKCS1-v1_5 decryption with implicit rejection', () => {
  test('returns the key a valid PKCS#1 v1.5 block carries (as Node and openssl encrypt it)', () => {
    for (const length of [16, 24, 32]) {
      const cek = randomBytes(length);
      const c = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
      expect(decryptPkcs1v15(privateKey, c, length).equals(cek)).toBe(true);
    }
    // The shortest padding the standard allows: 8 bytes, carrying k - 11 bytes.
    const longest = randomBytes(k - 11);
    expect(
      decryptPkcs1v15(privateKey, rawEncrypt(publicKey, block({ message: longest, psLength: 8 })), k - 11).equals(
        longest,
      ),
    ).toBe(true);
  });

  const bad: [string, (m: Buffer) => Buffer][] = [
    ['first byte not 0x00', (m) => block({ first: 1, message: m })],
    ['second byte not 0x02 (a signature block)', (m) => block({ second: 1, message: m })],
    ['no zero separator', (m) => block({ message: m, noSeparator: true })],
    [
      'padding string shorter than 8 bytes',
      (m) => block({ message: Buffer.concat([randomBytes(k - 3 - 7 - 32), m]), psLength: 7 }),
    ],
    ['a message of another length than the cipher key', (m) => block({ message: Buffer.concat([m, randomBytes(8)]) })],
    ['a message shorter than the cipher key', (m) => block({ message: m.subarray(0, 16) })],
  ];

  test.each(bad)('a block with %s yields the synthetic key, deterministically, without throwing', (_name, make) => {
    const cek = randomBytes(32);
    const c = rawEncrypt(publicKey, make(cek));
    const got = decryptPkcs1v15(privateKey, c, 32);
    expect(got.length).toBe(32);
    expect(got.equals(cek)).toBe(false);
    expect(got.equals(syntheticKey(privateKey, c, 32))).toBe(true);
    expect(decryptPkcs1v15(privateKey, c, 32).equals(got)).toBe(true);
  });

  test('the synthetic key depends on the ciphertext and on the private key, and has the asked length', () => {
    const c1 = rawEncrypt(publicKey, block({ first: 1, message: randomBytes(24) }));
    const c2 = rawEncrypt(publicKey, block({ first: 1, message: randomBytes(24) }));
    expect(syntheticKey(privateKey, c1, 24).equals(syntheticKey(privateKey, c2, 24))).toBe(false);
    expect(syntheticKey(privateKey, c1, 24).equals(syntheticKey(other, c1, 24))).toBe(false);
    expect(syntheticKey(privateKey, c1, 40).length).toBe(40);
  });

  test('a ciphertext of the wrong length or not below the modulus takes the same path: a synthetic key', () => {
    for (const c of [randomBytes(k - 1), randomBytes(k + 1), Buffer.alloc(k, 0xff)]) {
      const got = decryptPkcs1v15(privateKey, c, 16);
      expect(got.equals(syntheticKey(privateKey, c, 16))).toBe(true);
    }
  });

  test('the wrong private key is indistinguishable from a bad padding: a synthetic key, no error', () => {
    const cek = randomBytes(16);
    const c = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
    const got = decryptPkcs1v15(other, c, 16);
    expect(got.equals(syntheticKey(other, c, 16))).toBe(true);
  });
});
