/**
 * RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2) with implicit rejection.
 *
 * Why this exists: Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt (CVE-2023-46809, the Marvin
 * timing attack), yet PKCS#1 v1.5 key transport is what openssl and most AS2 products send. We decrypt
 * with RSA_NO_PADDING and check the padding ourselves. A padding failure must not be observable: no
 * exception, no early return, no different error later on. So a bad padding yields a pseudo-random
 * key of the expected length, derived deterministically from our private key and the ciphertext
 * (the same ciphertext always gets the same answer, so replaying it teaches nothing), and the caller
 * fails at the symmetric layer exactly as it would with a valid but wrong key (RFC 3218 §2.3.2).
 *
 * JavaScript gives no constant-time guarantee; the code avoids branches and early exits that depend
 * on the decrypted bytes, which is the part we control.
 */
import { constants, createHash, createHmac, privateDecrypt, type KeyObject } from 'node:crypto';

const LABEL = Buffer.from('edi-gateway RSAES-PKCS1-v1_5 implicit rejection', 'ascii');

/** Key-derivation keys, one per private key object: exporting a key on every message would be waste. */
const kdkCache = new WeakMap<KeyObject, Buffer>();

function keyDerivationKey(key: KeyObject): Buffer {
  let kdk = kdkCache.get(key);
  if (!kdk) {
    kdk = createHash('sha256')
      .update(LABEL)
      .update(key.export({ type: 'pkcs8', format: 'der' }))
      .digest();
    kdkCache.set(key, kdk);
  }
  return kdk;
}

/** The key a bad padding stands for: HMAC-SHA-256 in counter mode over the ciphertext. */
export function syntheticKey(key: KeyObject, ciphertext: Buffer, length: number): Buffer {
  const kdk = keyDerivationKey(key);
  const blocks: Buffer[] = [];
  const header = Buffer.alloc(8);
  header.writeUInt32BE(length, 4);
  for (let counter = 0, have = 0; have < length; counter++, have += 32) {
    header.writeUInt32BE(counter, 0);
    blocks.push(createHmac('sha256', kdk).update(header).update(ciphertext).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/**
 * Modulus sizes, one per key object, read once: besides the waste, Node 20 can deadlock when a
 * garbage collection lands inside `asymmetricKeyDetails` and finalizes the job that generated the same
 * key (seen in the test suite: the main thread waiting on the key's own mutex, in GetRsaKeyDetail).
 */
const modulusCache = new WeakMap<KeyObject, number>();

export function modulusBytes(key: KeyObject): number {
  let k = modulusCache.get(key);
  if (k === undefined) {
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (!bits) throw new Error('not an RSA key');
    k = Math.ceil(bits / 8);
    modulusCache.set(key, k);
  }
  return k;
}

/** 1 when x === 0, else 0, for 0 <= x < 2^31, without a branch. */
const isZero = (x: number): number => ((x - 1) >>> 31) & 1;

/**
 * Returns the `expectedLength` bytes the ciphertext carries, or, when the padding is not a valid
 * PKCS#1 v1.5 encryption block of exactly that length, the synthetic key for it. Never throws for a
 * bad padding; throws only when the key is not an RSA private key (a configuration error).
 */
export function decryptPkcs1v15(key: KeyObject, ciphertext: Buffer, expectedLength: number): Buffer {
  const k = modulusBytes(key);
  if (expectedLength <= 0 || expectedLength > k - 11)
    throw new Error(`cannot carry ${expectedLength} bytes in a ${k * 8}-bit RSA block`);
  const synthetic = syntheticKey(key, ciphertext, expectedLength);

  let em: Buffer;
  try {
    // Its only failures (length not k, value not below the modulus) depend on the public ciphertext alone.
    em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  } catch {
    em = Buffer.alloc(k);
  }
  if (em.length !== k) em = Buffer.alloc(k);

  // EM = 0x00 || 0x02 || PS (>= 8 non-zero bytes) || 0x00 || M
  let good = isZero(em[0]) & isZero(em[1] ^ 0x02);
  let looking = 1;
  let separator = 0;
  for (let i = 2; i < k; i++) {
    const zero = isZero(em[i]);
    const hit = looking & zero;
    separator |= i & -hit;
    looking &= hit ^ 1;
  }
  good &= looking ^ 1;
  good &= ((9 - separator) >>> 31) & 1; // separator >= 10: PS has at least 8 bytes
  good &= isZero((k - separator - 1) ^ expectedLength);

  // When the block is good the message is the last expectedLength bytes: select, never branch.
  const mask = -good & 0xff;
  const out = Buffer.alloc(expectedLength);
  for (let j = 0, i = k - expectedLength; j < expectedLength; j++, i++) {
    out[j] = (em[i] & mask) | (synthetic[j] & ~mask);
  }
  return out;
}
