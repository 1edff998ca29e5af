/**
 * What the AS2 listener and its crypto threads say to each other (crypto-pool.ts, crypto-thread.ts).
 * Keys cross as KeyObjects (Node clones them between threads); certificates as DER, read again on
 * the thread and kept there. Bodies and payloads cross by transfer, not by copy.
 */
import type { KeyObject } from 'node:crypto';
import type { DecompressionLimits } from './cms';
import type { Disposition } from './mdn';
import type { As2RequestHeaders, HttpHeaders, Requirement } from './message';
import type { Mic } from './mic';
import type { Unwrapped } from './unwrap-task';
import type { WarmUpReport } from './warm-up';
import type { WireError } from '../sftp/thread-wire';

/** Given to each thread once, as its workerData. */
export interface ThreadIdentity {
  id: string;
  reportingUA: string;
  keys: { key: KeyObject; certificate?: Uint8Array }[];
  signer?: { key: KeyObject; certificate: Uint8Array };
}

export type ToCryptoThread =
  | {
      type: 'unwrap';
      id: number;
      headers: HttpHeaders;
      body: Uint8Array;
      policy: {
        signed: Requirement;
        encrypted: Requirement;
        /** DER, in the partner file's order (certificateIndex counts in it). */
        certificates: Uint8Array[];
        decompression?: Partial<DecompressionLimits>;
      };
      mdnAt?: Date;
    }
  | { type: 'mdn'; id: number; as2: As2RequestHeaders; disposition: Disposition; mic?: Mic; at: Date };

/** An Unwrapped whose Buffers came through as plain Uint8Arrays. */
export type WireUnwrapped = Omit<Unwrapped, 'payload' | 'mdn'> & { payload: Uint8Array; mdn?: Uint8Array };

export type TaskAnswer =
  | { id: number; ok: true; unwrapped: WireUnwrapped }
  | { id: number; ok: true; mdn: Uint8Array }
  | { id: number; ok: false; error: WireError };

export type FromCryptoThread =
  | TaskAnswer
  /** Once, when the thread's warm-up (warm-up.ts) has ended; it answers no task. */
  | { warmedUp: WarmUpReport };

/**
 * The bytes as a view whose whole ArrayBuffer may be transferred: the caller hands over that buffer
 * and must not touch it again. Small ones may live in Node's 8 KiB pool of Buffers, shared with
 * every other small Buffer of the thread; those are copied (cheaply) instead. Large ones, the ones
 * that matter, are never pooled, and a view into one (the payload inside the decrypted entity) goes
 * across with its whole buffer rather than copied.
 */
export function transferable(b: Uint8Array): Uint8Array {
  return b.buffer.byteLength > Buffer.poolSize && !(b.buffer instanceof SharedArrayBuffer) ? b : new Uint8Array(b);
}

export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
