/**
 * What the pipeline counts, as plain calls: the running gateway passes one that feeds Prometheus
 * (admin/metrics.ts), so the pipeline itself never imports a metrics library, and commands and tests
 * pass none (noMeter). Every call is made after the work it counts has committed, so a rolled-back
 * job is not counted twice. Label values are short and bounded: partner ids, kinds, statuses.
 */

/** What became of a received message: its processing outcome, or why it went no further. */
export type ReceivedOutcome =
  /** every interchange processed */
  | 'processed'
  /** some interchanges processed, some rejected */
  | 'partial'
  /** every interchange rejected (unknown sender, invalid, duplicate interchange, unreadable) */
  | 'rejected'
  /** the same AS2 Message-ID again: answered with the first MDN, not processed again */
  | 'duplicate'
  /** refused before it was stored (an AS2 request refused, an SFTP upload the store could not take) */
  | 'refused';

export interface Meter {
  messageReceived(l: { transport: string; partner: string; outcome: ReceivedOutcome }): void;
  /** A transaction set recorded, with the status our acknowledgement gives it (`none` when none is sent). */
  transactionSet(l: { type: string; ackStatus: string }): void;
  /** A delivery attempt's end: `delivered`, `retry` (failed, to be tried again) or `dead` (dead-lettered). */
  delivery(l: { endpointKind: string; outcome: 'delivered' | 'retry' | 'dead' }): void;
  /** A job that finished one run (`done`, `failed`: given back to the queue), and how long the run took. */
  job(l: { kind: string; outcome: 'done' | 'failed' }, seconds: number): void;
  /**
   * An AS2 MDN: one we sent for a message received, or one we received for a message sent. `invalid`:
   * a positive MDN we could not trust (not signed where asked, another MIC than ours).
   */
  mdn(l: { direction: 'sent' | 'received'; outcome: 'processed' | 'error' | 'failed' | 'invalid' }): void;
  /** A hosted SFTP login: `opened` (authenticated), `refused`. */
  sftpSession(l: { outcome: 'opened' | 'refused' }): void;
}

const nothing = () => undefined;

/** Counts nothing: for commands, tests and every context that was given no meter. */
export const noMeter: Meter = {
  messageReceived: nothing,
  transactionSet: nothing,
  delivery: nothing,
  job: nothing,
  mdn: nothing,
  sftpSession: nothing,
};

/** The outcome label of an MDN's disposition type (`processed`, `processed/warning: …`, `processed/error: …`, `failed/…`). */
export function mdnOutcome(disposition: string): 'processed' | 'error' | 'failed' {
  const d = disposition.trim().toLowerCase();
  if (d.startsWith('failed')) return 'failed';
  if (d.startsWith('processed/error')) return 'error';
  return 'processed';
}
