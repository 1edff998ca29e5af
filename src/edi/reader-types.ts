import type { Diagnostic, Group, Interchange, Transaction } from './model';
import type { ProfileSet } from './profile/profile-set';

/**
 * envelope: envelopes, counts and control numbers only (transactions carry no segments);
 * full: every segment decoded, and with profiles, the loop tree and implementation-guide checks.
 */
export type ParseLevel = 'envelope' | 'full';

/**
 * What the reader keeps after handing a transaction to the sink. `all` builds the whole model (the CLI);
 * `summary` keeps transactions without their segments (enough for acks); `none` keeps nothing, so memory
 * is bounded by the largest transaction, not the file.
 */
export type Retain = 'all' | 'summary' | 'none';

export interface ReaderOptions {
  level?: ParseLevel;
  retain?: Retain;
  profiles?: ProfileSet;
  /**
   * false: validate each set against its profile without keeping its loop tree (`tx.tree` stays
   * unset); `ensureTree` builds it when something reads it. For the process step, where only a route
   * that maps reads the tree, and a 1 MiB set's tree was 8 of the 14.5 MB its parse kept.
   */
  tree?: boolean;
}

/** Receives the interchange as it is read; each call comes when its part is complete. */
export interface ReaderSink {
  interchangeStart?(interchange: Interchange): void;
  transaction?(transaction: Transaction, group: Group, interchange: Interchange): void;
  interchangeEnd?(interchange: Interchange): void;
  /** Findings outside any interchange (garbage between interchanges, no envelope at all). */
  diagnostic?(d: Diagnostic): void;
}

/** A standard's byte scanner, fed chunk by chunk by the EdiReader. */
export interface Scanner {
  /** Consumes what it can of buf from pos; returns the new position. `final` means no more bytes follow. */
  scan(buf: Buffer, pos: number, base: number, final: boolean): number;
  /** True between interchanges: the next bytes may belong to another standard. */
  readonly idle: boolean;
  finish(base: number): void;
}
