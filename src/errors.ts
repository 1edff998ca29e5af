/**
 * The one catalogue of the gateway's error codes. A code is never reused or renamed; its kind tells
 * the engine what to do: retry (back off and try again), dead (dead-letter with the original bytes),
 * disposition (becomes the MDN or acknowledgement content), config (refuse to start), usage (CLI).
 */
export type ErrorKind = 'retry' | 'dead' | 'disposition' | 'config' | 'usage';

/**
 * The MDN dispositions (RFC 4130 §7.4.3) that AS2 disposition codes answer with. They are typed
 * here, beside the codes, so that this catalogue is the one place their text lives: no throw site or
 * MDN builder types one by hand (OpenAS2 once shipped `decompresion-failed`).
 */
export type MdnDisposition =
  | 'processed/error: decryption-failed'
  | 'processed/error: authentication-failed'
  | 'processed/error: integrity-check-failed'
  | 'processed/error: insufficient-message-security'
  | 'processed/error: decompression-failed'
  | 'processed/error: unexpected-processing-error'
  | 'processed/warning: duplicate-document'
  | 'failed/failure: unsupported MIC-algorithms'
  | 'failed/failure: unsupported format';

export interface CatalogueEntry {
  kind: ErrorKind;
  message: string;
  /** For an AS2 disposition code: the MDN disposition it answers with, also shown after the message. */
  mdn?: MdnDisposition;
}

export const catalogue = {
  EDIGW_USAGE: { kind: 'usage', message: 'wrong command line' },
  EDIGW_FILE_UNREADABLE: { kind: 'usage', message: 'cannot read the file' },
  EDIGW_EDI_UNREADABLE: { kind: 'dead', message: 'not X12 or EDIFACT' },
  EDIGW_ACK_KIND: { kind: 'usage', message: 'acknowledgement kind does not fit the standard' },
  EDIGW_FILE_DENIED: { kind: 'dead', message: 'permission denied' },
  EDIGW_FILE_NO_SPACE: { kind: 'retry', message: 'no space left on the device' },
  EDIGW_FILE_IO: { kind: 'retry', message: 'file system error' },
  EDIGW_FILE_NAME_INVALID: { kind: 'dead', message: 'not a plain file name' },
  EDIGW_FILE_CHANGED: { kind: 'retry', message: 'the file changed while it was read' },
  EDIGW_HTTP_UNREACHABLE: { kind: 'retry', message: 'the server is not reachable' },
  EDIGW_HTTP_TLS: { kind: 'retry', message: 'the TLS connection to the server failed' },
  EDIGW_HTTP_SERVER: { kind: 'retry', message: 'the server failed or is busy' },
  EDIGW_HTTP_REJECTED: { kind: 'dead', message: 'the server refused the request' },
  EDIGW_HTTP_REDIRECTED: {
    kind: 'dead',
    message: 'the server redirects elsewhere; redirects are not followed, set the endpoint url to the final address',
  },
  EDIGW_HTTP_REQUEST_INVALID: { kind: 'dead', message: 'the request cannot be made as configured' },
  EDIGW_ADMIN_TOKEN_UNSET: {
    kind: 'config',
    message: 'the admin API is off until a token is set: add admin.token to gateway.yaml',
  },
  EDIGW_ADMIN_UNAUTHORIZED: {
    kind: 'usage',
    message: 'a valid bearer token is required (Authorization: Bearer <admin.token>)',
  },
  EDIGW_ADMIN_RATE_LIMITED: {
    kind: 'usage',
    message: 'too many failed sign-ins from this address lately; wait, then sign in again',
  },
  EDIGW_ADMIN_NOT_FOUND: { kind: 'usage', message: 'no such route' },
  EDIGW_ADMIN_PARTNER_UNKNOWN: { kind: 'usage', message: 'no such partner' },
  EDIGW_ADMIN_BAD_REQUEST: { kind: 'usage', message: 'the request is malformed' },
  EDIGW_ADMIN_BODY_EMPTY: { kind: 'usage', message: 'the request body is empty' },
  EDIGW_ADMIN_BODY_TOO_LARGE: { kind: 'usage', message: 'the request body is larger than the limit' },
  EDIGW_ADMIN_REPORTS_OFF: { kind: 'usage', message: 'reports are not available from this gateway' },
  EDIGW_ADMIN_INTERNAL: { kind: 'retry', message: 'internal error; the gateway log has the detail' },
  EDIGW_ADMIN_MESSAGE_UNKNOWN: { kind: 'usage', message: 'no such message' },
  EDIGW_ADMIN_PAYLOAD_GONE: { kind: 'usage', message: 'the payload bytes are no longer stored (retention)' },
  EDIGW_ADMIN_FORBIDDEN: { kind: 'usage', message: 'this user may read but not act: the role auditor is read-only' },
  EDIGW_ADMIN_CSRF_REFUSED: {
    kind: 'usage',
    message: 'refused a write signed in by cookie: it must come from the console, with its CSRF token',
  },
  EDIGW_KEYS_HALF_PAIR: {
    kind: 'config',
    message: 'only one half of a key pair exists; a new pair would not match it',
  },
  EDIGW_KEYS_WRITE: { kind: 'config', message: 'cannot create our keys' },
  EDIGW_MAP_INVALID: { kind: 'dead', message: 'the map cannot be read or compiled' },
  EDIGW_MAP_FAILED: { kind: 'dead', message: 'the map failed on this document' },
  EDIGW_PARTNER_UNKNOWN: { kind: 'disposition', message: 'unknown sender: no partner file claims this sender id' },
  EDIGW_PARTNER_MISMATCH: {
    kind: 'disposition',
    message: 'the interchange sender is not the partner whose channel it came through',
  },
  EDIGW_RECEIVER_UNKNOWN: {
    kind: 'disposition',
    message: 'the interchange is not addressed to one of our identities (gateway.yaml identity)',
  },
  EDIGW_DUPLICATE_INTERCHANGE: {
    kind: 'disposition',
    message: 'duplicate interchange: this control number was received from this partner before',
  },
  EDIGW_NO_ROUTE: { kind: 'dead', message: 'no route of the partner matches this transaction' },
  EDIGW_ENDPOINT_UNKNOWN: { kind: 'dead', message: 'no such endpoint' },
  EDIGW_ROUTE_PARTNER_UNKNOWN: { kind: 'dead', message: 'the route sends to a partner that is not loaded' },
  EDIGW_DELIVERY_PARTNER_UNLOADED: {
    kind: 'dead',
    message: 'the partner of this delivery is not loaded (its file was removed or never loaded)',
  },
  EDIGW_SERIALIZE_FAILED: { kind: 'dead', message: 'the document cannot be written in the target format' },
  EDIGW_TRANSLATION_LOSS: {
    kind: 'dead',
    message:
      'the translation drops data of the source transaction set (a warning event; the document is dead-lettered on a strict route)',
  },
  EDIGW_TEXT_TRANSLITERATED: {
    kind: 'dead',
    message:
      "text the partner's pinned syntax level cannot carry was written with its nearest letters, as the partner asks (transliterate: true; a warning event)",
  },
  EDIGW_DELIVERY_NOT_FOUND: { kind: 'usage', message: 'no such delivery' },
  EDIGW_NOT_DEAD: {
    kind: 'usage',
    message: 'only a dead-lettered delivery, or a message whose processing was dead-lettered, can be replayed',
  },
  EDIGW_ALREADY_PROCESSED: {
    kind: 'usage',
    message:
      'this message was processed already: processing it again would record, acknowledge and route it twice, so it is refused',
  },
  EDIGW_TRANSPORT_CONFIG_INVALID: {
    kind: 'config',
    message: "the partner file's settings for this transport cannot be used",
  },
  EDIGW_TRANSPORT_UNAVAILABLE: {
    kind: 'dead',
    message: 'this version of the gateway has no sender for this kind of endpoint',
  },
  EDIGW_DELIVERY_FAILED: { kind: 'retry', message: 'the delivery failed' },
  EDIGW_SEND_INVALID: { kind: 'usage', message: 'the document cannot be sent' },
  EDIGW_ALERT_UNDELIVERED: {
    kind: 'retry',
    message: 'an alert channel (webhook or e-mail) did not take the alert; it is sent again with backoff',
  },
  EDIGW_JOB_CRASHED: {
    kind: 'dead',
    message:
      'each start of this job ended with its worker dead (a crash, out of memory, a kill): it is dead-lettered rather than started again',
  },
  EDIGW_JOB_ABANDONED: {
    kind: 'dead',
    message:
      'the last attempt this job had ended with its worker dead (a crash, out of memory, a kill): it is dead-lettered rather than left unfinished',
  },
  EDIGW_JOB_FAILED: {
    kind: 'dead',
    message: 'this job failed at each of its attempts: it is dead-lettered with its last error rather than tried again',
  },
  EDIGW_CONFIG_INVALID: { kind: 'config', message: 'the configuration is invalid' },
  EDIGW_AS2_DECRYPTION_FAILED: {
    kind: 'disposition',
    message: 'the message cannot be decrypted with our key',
    mdn: 'processed/error: decryption-failed',
  },
  EDIGW_AS2_AUTHENTICATION_FAILED: {
    kind: 'disposition',
    message: "the signature does not verify with the partner's certificate",
    mdn: 'processed/error: authentication-failed',
  },
  EDIGW_AS2_INTEGRITY_CHECK_FAILED: {
    kind: 'disposition',
    message: 'the content does not match the digest its signature covers',
    mdn: 'processed/error: integrity-check-failed',
  },
  EDIGW_AS2_INSUFFICIENT_SECURITY: {
    kind: 'disposition',
    message: 'the message lacks the signature or encryption the partner file requires',
    mdn: 'processed/error: insufficient-message-security',
  },
  EDIGW_AS2_DECOMPRESSION_FAILED: {
    kind: 'disposition',
    message: 'the compressed content cannot be decompressed',
    mdn: 'processed/error: decompression-failed',
  },
  EDIGW_AS2_DECOMPRESSION_REFUSED: {
    kind: 'disposition',
    message: 'decompression refused: the content expands beyond the size or ratio limit',
    mdn: 'processed/error: decompression-failed',
  },
  EDIGW_AS2_PROCESSING_FAILED: {
    kind: 'disposition',
    message: 'the message is not well-formed AS2',
    mdn: 'processed/error: unexpected-processing-error',
  },
  EDIGW_AS2_DUPLICATE_DOCUMENT: {
    kind: 'disposition',
    message: 'this Message-ID was received from this partner before',
    mdn: 'processed/warning: duplicate-document',
  },
  EDIGW_AS2_MIC_UNSUPPORTED: {
    kind: 'disposition',
    message: 'none of the MIC algorithms the sender requires is supported',
    mdn: 'failed/failure: unsupported MIC-algorithms',
  },
  EDIGW_AS2_RECEIPT_FORMAT_UNSUPPORTED: {
    kind: 'disposition',
    message: 'the sender requires a signed receipt in a format other than pkcs7-signature',
    mdn: 'failed/failure: unsupported format',
  },
  EDIGW_AS2_MDN_INVALID: { kind: 'dead', message: 'the MDN cannot be read' },
  EDIGW_AS2_MDN_SIGNATURE_INVALID: {
    kind: 'dead',
    message: "the MDN's signature does not verify with the partner's certificate",
  },
  EDIGW_AS2_ALGORITHM_UNSUPPORTED: { kind: 'config', message: 'the algorithm is not supported' },
  EDIGW_AS2_KEY_INVALID: { kind: 'config', message: 'the key or certificate cannot be read' },
  EDIGW_TRANSPORT_KEY_FILE: {
    kind: 'dead',
    message: 'a key, host key or CA file named in the configuration cannot be read or holds nothing usable',
  },
  EDIGW_REMOTE_NO_FREE_NAME: { kind: 'dead', message: 'every name the file could be given on the server is taken' },
  EDIGW_CHECK_FAILED: {
    kind: 'retry',
    message: "a partner connectivity check got no answer from the partner's server in time, or failed unexpectedly",
  },
  EDIGW_SFTP_UNREACHABLE: { kind: 'retry', message: 'the SFTP server is not reachable' },
  EDIGW_SFTP_HOST_KEY_MISMATCH: {
    kind: 'dead',
    message:
      "the server's host key is not the pinned one (hostKey): it may not be the partner's server; " +
      'if the partner changed its key, check the new one with them and update the hostKey file',
  },
  EDIGW_SFTP_AUTH: { kind: 'dead', message: 'the SFTP server refused our login' },
  EDIGW_SFTP_DENIED: { kind: 'dead', message: 'the SFTP server denied permission' },
  EDIGW_SFTP_NO_SUCH_PATH: { kind: 'dead', message: 'no such folder or file on the SFTP server' },
  EDIGW_SFTP_IO: { kind: 'retry', message: 'an SFTP operation failed' },
  EDIGW_SFTP_SIZE_MISMATCH: { kind: 'retry', message: 'the file on the SFTP server is not as long as the bytes sent' },
  EDIGW_FTP_UNREACHABLE: { kind: 'retry', message: 'the FTP server is not reachable' },
  EDIGW_FTP_TLS: {
    kind: 'dead',
    message: "the FTPS server's certificate is not trusted (see ca) or TLS could not be agreed",
  },
  EDIGW_FTP_AUTH: { kind: 'dead', message: 'the FTP server refused our login' },
  EDIGW_FTP_REFUSED: {
    kind: 'dead',
    message: 'the FTP server refused the command (permission denied, no such folder or file, or not supported)',
  },
  EDIGW_FTP_IO: { kind: 'retry', message: 'an FTP command or transfer failed, for now' },
  EDIGW_FTP_SIZE_MISMATCH: { kind: 'retry', message: 'the file on the FTP server is not as long as the bytes sent' },
  EDIGW_SFTP_HOST_KEY: {
    kind: 'config',
    message: 'the SFTP host key is not a readable private key (OpenSSH or PEM, without a passphrase)',
  },
  EDIGW_SFTP_ROOT: { kind: 'config', message: 'the SFTP root folder cannot be made or read' },
  EDIGW_SFTP_LISTEN: { kind: 'config', message: 'the SFTP server cannot listen on this address and port' },
  EDIGW_SFTP_FILE_TOO_LARGE: {
    kind: 'dead',
    message: 'the file is larger than the upload limit; the partial file was removed',
  },
  EDIGW_SFTP_INTAKE_FAILED: {
    kind: 'retry',
    message: 'the file could not be stored; it was kept, upload or rename it again later',
  },
  EDIGW_AS2_HEADERS_INVALID: {
    kind: 'dead',
    message:
      'the request lacks a valid AS2-From, AS2-To or Message-ID (AS2 names are 1 to 128 printable ASCII characters)',
  },
  EDIGW_AS2_PARTNER_UNKNOWN: { kind: 'dead', message: 'unknown AS2-From: no partner file has it as identifiers.as2' },
  EDIGW_AS2_RECIPIENT_UNKNOWN: { kind: 'dead', message: 'the AS2-To is not our AS2 id (gateway.yaml identity.as2.id)' },
  EDIGW_AS2_TOO_LARGE: { kind: 'dead', message: 'the message is larger than gateway.yaml as2.maxBytes' },
  EDIGW_AS2_INTAKE_FAILED: {
    kind: 'retry',
    message: 'the message could not be stored; it was not taken, the sender may send it again',
  },
  EDIGW_AS2_WORKER_FAILED: {
    kind: 'retry',
    message:
      'the crypto thread unwrapping the message died or could not start; it was replaced, the message was not taken, the sender may send it again',
    mdn: 'processed/error: unexpected-processing-error',
  },
  EDIGW_STORE_RACE: { kind: 'retry', message: 'another node changed the same rows meanwhile; the job runs again' },
  EDIGW_AS2_DUPLICATE_CHANGED: {
    kind: 'dead',
    message:
      'a Message-ID received before came again with different content: answered with the first MDN, the new content was not taken in',
  },
  EDIGW_AS2_IDENTITY_MISSING: {
    kind: 'config',
    message: 'AS2 needs our identity: gateway.yaml identity.as2 with id, key and certificate',
  },
  EDIGW_AS2_LISTEN: { kind: 'config', message: 'the AS2 server cannot listen on this port' },
  EDIGW_AS2_MDN_NEGATIVE: {
    kind: 'dead',
    message: "the partner's MDN reports an error or failure: the message was not taken",
  },
  EDIGW_AS2_MDN_MIC_MISMATCH: {
    kind: 'dead',
    message: "the MDN's Received-Content-MIC is not the MIC of what we sent",
  },
  EDIGW_AS2_MDN_UNMATCHED: { kind: 'dead', message: "the MDN's Original-Message-ID is not the Message-ID we sent" },
  EDIGW_AS2_MDN_UNDELIVERED: {
    kind: 'retry',
    message: 'the asynchronous MDN could not be delivered to the Receipt-Delivery-Option URL',
  },
  EDIGW_DB_POOL_TIMEOUT: {
    kind: 'retry',
    message: 'no database connection came free in time; the work is tried again later',
  },
  EDIGW_DB_LOCK_TIMEOUT: {
    kind: 'retry',
    message: 'a row lock held by another transaction was not released in time; the work is tried again later',
  },
  EDIGW_DB_DEADLOCK: {
    kind: 'retry',
    message: 'the database chose this transaction as a deadlock victim; the work is tried again later',
  },
  EDIGW_STORE_SYNC_FAILED: {
    kind: 'retry',
    message: 'the database could not be synced to disk: nothing more is acknowledged until the gateway is restarted',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof catalogue;

/** A code's message, with its MDN disposition in brackets when it has one. */
export function catalogueMessage(code: ErrorCode): string {
  const entry: CatalogueEntry = catalogue[code];
  return entry.mdn ? `${entry.message} (${entry.mdn})` : entry.message;
}

/** The MDN disposition a code answers with, if it is an AS2 disposition code. */
export function mdnDispositionOf(code: ErrorCode): MdnDisposition | undefined {
  const entry: CatalogueEntry = catalogue[code];
  return entry.mdn;
}

export class GatewayError extends Error {
  readonly kind: ErrorKind;

  constructor(
    readonly code: ErrorCode,
    readonly context: string,
    options?: { cause?: unknown },
  ) {
    super(`${context}: ${catalogueMessage(code)}`, options);
    this.name = 'GatewayError';
    this.kind = catalogue[code].kind;
  }

  /** What was being done and what went wrong, with the cause's own words where there is one. */
  describe(): string {
    const cause = this.cause instanceof Error ? `: ${this.cause.message}` : '';
    return `${this.context}: ${catalogueMessage(this.code)}${cause} [${this.code}]`;
  }
}
