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
}

export function ymd(now: Date): string {
  return now.toISOString().slice(0, 10).replace(/-/g, '');
}

export function hm(now: Date): string {
  return now.toISOString().slice(11, 16).replace(':', '');
}
