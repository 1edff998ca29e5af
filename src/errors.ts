/**
 * The one catalogue of the gateway's error codes. A code is never reused or renamed; its kind tells
 * the engine what to do: retry (back off and try again), dead (dead-letter with the original bytes),
 * disposition (becomes the MDN or acknowledgement content), config (refuse to start), usage (CLI).
 */
export type ErrorKind = 'retry' | 'dead' | 'disposition' | 'config' | 'usage';

export const catalogue = {
  EDIGW_USAGE: { kind: 'usage', message: 'wrong command line' },
  EDIGW_FILE_UNREADABLE: { kind: 'usage', message: 'cannot read the file' },
  EDIGW_EDI_UNREADABLE: { kind: 'dead', message: 'not X12 or EDIFACT' },
  EDIGW_ACK_KIND: { kind: 'usage', message: 'acknowledgement kind does not fit the standard' },
  EDIGW_PROFILE_INVALID: { kind: 'config', message: 'a profile file is invalid' },
  EDIGW_FILE_DENIED: { kind: 'dead', message: 'permission denied' },
  EDIGW_FILE_NO_SPACE: { kind: 'retry', message: 'no space left on the device' },
  EDIGW_FILE_IO: { kind: 'retry', message: 'file system error' },
  EDIGW_FILE_NAME_INVALID: { kind: 'dead', message: 'not a plain file name' },
} as const satisfies Record<string, { kind: ErrorKind; message: string }>;

export type ErrorCode = keyof typeof catalogue;

export class GatewayError extends Error {
  readonly kind: ErrorKind;

  constructor(readonly code: ErrorCode, readonly context: string, options?: { cause?: unknown }) {
    super(`${context}: ${catalogue[code].message}`, options);
    this.name = 'GatewayError';
    this.kind = catalogue[code].kind;
  }

  /** What was being done and what went wrong, with the cause's own words where there is one. */
  describe(): string {
    const cause = this.cause instanceof Error ? `: ${this.cause.message}` : '';
    return `${this.context}: ${catalogue[this.code].message}${cause} [${this.code}]`;
  }
}
