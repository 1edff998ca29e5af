import type { PartyId } from '../model';

export type AckKind = '997' | '999' | 'TA1' | 'CONTRL';

export interface AckOptions {
  /** Our interchange control number for the acknowledgement (ISA13 / UNB 0020). Default 1. */
  controlNumber?: number | string;
  /** Our group control number (GS06); default: the interchange control number. */
  groupControlNumber?: number | string;
  /** Clock for ISA09/10, GS04/05, UNB S004. */
  now?: Date;
  /** Who we are, when it is not simply the original receiver (the ack is sent from this id). */
  sender?: PartyId;
  /**
   * At most this many segments at fault are detailed per transaction set (AK3/IK3 with their AK4/IK4,
   * CONTRL UCS with its UCD); the set's own status (AK5/IK5, UCM) always follows. Default 100.
   */
  segmentDetail?: number;
}

/**
 * Enough to show a partner what to fix; a set with 150,000 lines at fault would otherwise be answered with
 * an acknowledgement of megabytes that its own EDI system may refuse to load.
 */
export const DEFAULT_SEGMENT_DETAIL = 100;

export function ymd(now: Date): string {
  return now.toISOString().slice(0, 10).replace(/-/g, '');
}

export function hm(now: Date): string {
  return now.toISOString().slice(11, 16).replace(':', '');
}
