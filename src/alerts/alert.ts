/** What needs a person: the kinds of alert, and what one says. */
export const ALERT_KINDS = [
  'dead-letter',
  'job-crashed',
  'ack-rejected',
  'ack-overdue',
  'certificate',
  'silent',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Alert {
  kind: AlertKind;
  /** The partner it concerns; null for ourselves (our certificate) or no known partner. */
  partner: string | null;
  /** One line a person can act on. */
  reason: string;
  /** The records it is about, for the console, `show` and the report. */
  ids: { message?: string; interchange?: string; ack?: string; event?: string };
  /** When it happened (ISO 8601). */
  at: string;
  /** Where the console shows it, when gateway.yaml alerts.console is set. */
  link?: string;
}

/** A short line for e-mail subjects and logs, easy to filter on: `[edi-gateway] dead-letter: acme`. */
export function alertTitle(a: Alert): string {
  return `[edi-gateway] ${a.kind}: ${a.partner ?? 'us'}`;
}
