/**
 * The landing page's live counts, taken from what the gateway already computes: the job counts of
 * /health, the overdue rule of the reports and the certificate report. A count that cannot be read
 * (database down, no such source) is null and shown as "unknown", never as 0.
 */

export interface ConsoleCounts {
  /** Jobs not finished yet: queued plus running. */
  queueDepth: number | null;
  /** Jobs that ran out of attempts (status dead). */
  deadLetters: number | null;
  overdueAcks: number | null;
  /** Certificates, ours and the partners', that expire within 30 days or have expired. */
  expiringCertificates: number | null;
  /** False when /health says the database does not answer. */
  databaseUp: boolean;
}

export interface CountSources {
  health(): Promise<{ ok: boolean; detail: Record<string, unknown> }>;
  overdueAcks?(): Promise<number>;
  certificates?(query: { partner?: string }): Promise<unknown>;
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** A failed source gives null for its count; the others are still shown. */
async function orNull<T>(p: Promise<T> | undefined): Promise<T | null> {
  if (p === undefined) return null;
  try {
    return await p;
  } catch {
    return null;
  }
}

export async function readCounts(sources: CountSources): Promise<ConsoleCounts> {
  const [health, overdue, certificates] = await Promise.all([
    orNull(sources.health()),
    orNull(sources.overdueAcks?.()),
    orNull(sources.certificates?.({})),
  ]);
  const queue = health?.ok ? (health.detail.queue as Record<string, unknown> | undefined) : undefined;
  return {
    queueDepth: queue ? count(queue.queued) + count(queue.running) : null,
    deadLetters: queue ? count(queue.dead) : null,
    overdueAcks: overdue,
    expiringCertificates: Array.isArray(certificates) ? certificates.length : null,
    databaseUp: health?.ok === true,
  };
}
