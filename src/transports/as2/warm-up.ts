/**
 * A crypto thread's warm-up: before partners' messages reach it, the thread unwraps a message of our
 * own (signed with our MDN key, encrypted for our own certificate, asking for a signed MDN) a few
 * hundred times, so that V8 compiles the AS2 code of that isolate while nobody waits. Measured
 * (docs/bench.md, AS2 rows, session 16): a cold thread spends its first ~1,000 messages at about
 * twice the CPU of a warm one, the difference being TurboFan compiling on V8's own threads; each
 * thread is its own isolate and compiles the same code again.
 *
 * One message per turn of the thread's event loop: a partner's task that arrives meanwhile is taken
 * at the next turn, so the warm-up delays no real message by more than one unwrap. The listener is
 * ready before the warm-up ends; the warm-up only takes CPU that the starting gateway leaves over.
 */
import type { DecryptionKey } from './cms';
import type { HttpHeaders, ReceivePolicy } from './message';
import { buildMessage } from './message';
import { unwrapMessage, type MdnSigning } from './unwrap-task';

/** Messages each crypto thread unwraps at start (gateway.yaml `as2.cryptoWarmup`). */
export const WARMUP_MESSAGES = 500;

export type WarmUpReport = { messages: number; ms: number } | { skipped: string } | { failed: string };

interface OwnMessage {
  headers: HttpHeaders;
  body: Buffer;
  policy: ReceivePolicy;
}

/** A 10 KiB message of our own, as partners send most: signed (SHA-256), encrypted (AES-256-CBC). */
function ownMessage(us: MdnSigning, keys: readonly DecryptionKey[]): OwnMessage | string {
  const recipient = keys.find((k) => k.certificate);
  if (!us.signer) return 'no key signs MDNs';
  if (!recipient?.certificate) return 'no decryption key has a certificate';
  const line = 'PO1*1*10*EA*9.95**VP*WARMUP~\r\n';
  const built = buildMessage({
    payload: Buffer.from(line.repeat(Math.ceil(10240 / line.length))),
    contentType: 'application/edi-x12',
    fileName: 'warm-up.edi',
    as2From: us.id,
    as2To: us.id,
    sign: { key: us.signer.key, certificate: us.signer.certificate, digest: 'sha256' },
    encrypt: { certificates: [recipient.certificate], cipher: 'aes256-cbc' },
    mdn: { to: 'warm-up', signed: ['sha256'] },
  });
  // Node hands request headers over with lower-case names: so does this.
  const headers = Object.fromEntries(Object.entries(built.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const policy: ReceivePolicy = {
    signed: 'required',
    encrypted: 'required',
    certificates: [us.signer.certificate],
    keys,
  };
  return { headers, body: built.body, policy };
}

/**
 * Unwraps `count` messages of our own, one per event-loop turn, then calls `done`. Skipped when we
 * have no MDN signing key or no certificate for a decryption key; stopped at the first failure (our
 * key and certificate do not match: partners' messages would fail the same way, and `done` says so).
 */
export function warmUp(
  us: MdnSigning,
  keys: readonly DecryptionKey[],
  count: number,
  done: (r: WarmUpReport) => void,
): void {
  let own: OwnMessage | string;
  try {
    own = ownMessage(us, keys);
  } catch (e) {
    return done({ failed: `building a message of our own: ${(e as Error).message}` });
  }
  if (typeof own === 'string') return done({ skipped: own });
  const m = own;
  const started = Date.now();
  let n = 0;
  const step = (): void => {
    if (n >= count) return done({ messages: n, ms: Date.now() - started });
    try {
      // A copy each time: an unwrap may decrypt into the body it is given.
      const u = unwrapMessage(m.headers, Buffer.from(m.body), m.policy, us, new Date());
      if (!u.mdn) throw new Error('no MDN was built');
    } catch (e) {
      return done({ failed: `unwrapping a message of our own: ${(e as Error).message}` });
    }
    n++;
    setImmediate(step);
  };
  setImmediate(step);
}
