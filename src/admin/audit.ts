/**
 * The audit trail of operator actions: each is a store event at stage `admin.<action>`, its detail a
 * JSON object with who (name, role), the request id (also in the log and the X-Request-Id header) and
 * what was acted on. Lineage shows these events in a message's timeline.
 */
import type { Actor } from './auth';

export interface AuditEntry {
  /** submit, send, replay, bulk-replay, ...: the event's stage is `admin.<action>` (at most 24 characters). */
  action: string;
  actor: Actor;
  /** The message the action is about, so that its lineage shows it. */
  messageId?: string | null;
  partnerId?: string | null;
  /** What else identifies the action (a delivery id, an endpoint, a filter). */
  detail?: Record<string, unknown>;
}

/** Records an action; the gateway writes it as a store event (main.ts). */
export type Audit = (entry: AuditEntry) => Promise<void>;

export const AUDIT_STAGE_PREFIX = 'admin.';

/** The event an entry becomes: its stage and its detail text. */
export function auditEvent(entry: AuditEntry): { stage: string; detail: string } {
  const stage = `${AUDIT_STAGE_PREFIX}${entry.action}`;
  if (stage.length > 24) throw new Error(`audit action ${entry.action} is longer than an event stage holds`);
  const { name, role, requestId } = entry.actor;
  return { stage, detail: JSON.stringify({ user: name, role, requestId, ...entry.detail }) };
}

/** Who did an `admin.*` event, read back from its detail; undefined for other events or unreadable text. */
export function actorOfEvent(stage: string, detail: string | null): Record<string, unknown> | undefined {
  if (!stage.startsWith(AUDIT_STAGE_PREFIX) || !detail) return undefined;
  try {
    const v: unknown = JSON.parse(detail);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
