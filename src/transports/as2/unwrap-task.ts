/**
 * The CPU-heavy half of receiving an AS2 message, as one task: unwrap it (decrypt, decompress,
 * verify, MIC) and build the `processed` MDN that will answer it once it is stored. The same function
 * runs on the listener's event loop (`as2.cryptoThreads: 0`) and on the crypto threads (crypto-pool.ts),
 * so both give the same bytes, dispositions and errors.
 *
 * The MDN is built before the commit because everything it says (disposition, MIC) is known here:
 * building it in the same task saves the thread a second round trip, and its RSA signature is the
 * second most expensive step after the key unwrap. It is only sent once intake has committed; when
 * intake says duplicate or fails, it is dropped.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { DIGESTS, type Certificate, type DigestAlgorithm } from './cms';
import { buildMdn, type Disposition, type MdnInput } from './mdn';
import { receiveMessage, type As2RequestHeaders, type HttpHeaders, type ReceivePolicy } from './message';
import type { ReceivedMessage } from './message';
import { asksPkcs7Receipt, chooseMicAlgorithm, type Mic } from './mic';

/** Who answers: our AS2 name, the key that signs MDNs (none: every MDN unsigned), the Reporting-UA. */
export interface MdnSigning {
  id: string;
  signer?: { key: KeyObject; certificate: Certificate };
  reportingUA: string;
}

/** What the listener keeps of an unwrapped message (the certificate objects and MIME tree stay behind). */
export interface Unwrapped {
  payload: Buffer;
  /** The payload's sha256 (hex), hashed here so that a crypto thread, not the event loop, pays for it. */
  sha256: string;
  contentType: string;
  fileName?: string;
  mic: Mic;
  signed?: Omit<NonNullable<ReceivedMessage['signed']>, 'certificate'>;
  encrypted?: ReceivedMessage['encrypted'];
  compressed?: ReceivedMessage['compressed'];
  transferEncoding: string;
  /** The `processed` MDN as one MIME entity, when one was asked for (built with `mdnAt`). */
  mdn?: Buffer;
  /** Its sha256 (hex), the name the store keeps it under. */
  mdnSha256?: string;
}

/** The digest an MDN is signed with: the MIC algorithm asked for when we can sign with it, else SHA-256. */
function mdnDigest(as2: As2RequestHeaders, mic?: Mic): DigestAlgorithm {
  const choice = chooseMicAlgorithm(as2.dispositionNotificationOptions, 'sha256');
  const alg = mic?.algorithm ?? ('algorithm' in choice ? choice.algorithm : 'sha256');
  return (DIGESTS as readonly string[]).includes(alg) ? (alg as DigestAlgorithm) : 'sha256';
}

/** The MDN for a message, signed when the sender asked for a signed one and we have a key. */
export function mdnInputFor(
  us: MdnSigning,
  as2: As2RequestHeaders,
  disposition: Disposition,
  mic: Mic | undefined,
  signingTime: Date,
): MdnInput {
  const sign =
    asksPkcs7Receipt(as2.dispositionNotificationOptions) && us.signer
      ? { ...us.signer, digest: mdnDigest(as2, mic) }
      : undefined;
  return {
    reportingUA: us.reportingUA,
    originalRecipient: as2.as2To,
    finalRecipient: us.id,
    originalMessageId: as2.messageId ?? '',
    disposition,
    receivedContentMic: mic,
    sign,
    signingTime,
  };
}

/**
 * Unwraps a message by the partner's policy and, when `mdnAt` is given and the sender asked for an
 * MDN, builds the `processed` MDN signed at that time. Throws receiveMessage's GatewayErrors.
 */
export function unwrapMessage(
  headers: HttpHeaders,
  body: Buffer,
  policy: ReceivePolicy,
  us: MdnSigning,
  mdnAt?: Date,
): Unwrapped {
  const r = receiveMessage(headers, body, policy);
  const as2 = r.as2;
  const mdn =
    mdnAt && as2.dispositionNotificationTo !== undefined
      ? buildMdn(mdnInputFor(us, as2, { kind: 'processed' }, r.mic, mdnAt)).entity
      : undefined;
  const signed = r.signed && {
    digest: r.signed.digest,
    scheme: r.signed.scheme,
    certificateIndex: r.signed.certificateIndex,
    ...(r.signed.micalg !== undefined ? { micalg: r.signed.micalg } : {}),
    ...(r.signed.signingTime !== undefined ? { signingTime: r.signed.signingTime } : {}),
  };
  return {
    payload: r.payload,
    sha256: hex256(r.payload),
    contentType: r.contentType,
    ...(r.fileName !== undefined ? { fileName: r.fileName } : {}),
    mic: r.mic,
    ...(signed ? { signed } : {}),
    ...(r.encrypted ? { encrypted: r.encrypted } : {}),
    ...(r.compressed ? { compressed: r.compressed } : {}),
    transferEncoding: r.transferEncoding,
    ...(mdn ? { mdn, mdnSha256: hex256(mdn) } : {}),
  };
}

const hex256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
