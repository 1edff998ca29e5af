import type { Interchange } from '../edi/model';
import type { MessageRecord } from '../store/entities';
import type { PlannedAck } from './acks';

/**
 * The warn lines of refused content, shared by the whole-file and the streamed process step, so an
 * operator reads the same line whatever the file's size: the reason, and the ids that find it again
 * (message, partner, control numbers) in the console, `show` and the report. Normal traffic stays quiet.
 */

/** The first error diagnostic of a list, as `CODE text` (the 997/999/CONTRL/TA1 code leads). */
export function firstError(errors: readonly { severity: string; code: string; message: string }[]): string | undefined {
  const e = errors.find((d) => d.severity === 'error');
  return e ? `${e.code} ${e.message}` : undefined;
}

export interface RefusalIds {
  messageId: string;
  partner: string | null;
  transport: string;
  fileName: string | undefined;
  interchange: string;
  sender: string;
  acks: string[];
}

export function refusalIds(
  message: MessageRecord,
  ic: Interchange,
  partnerId: string | null | undefined,
  acks: readonly PlannedAck[],
): RefusalIds {
  return {
    messageId: message.id,
    partner: partnerId ?? message.partnerId ?? null,
    transport: message.transport,
    fileName: message.fileName ?? undefined,
    interchange: ic.controlNumber,
    sender: `${ic.sender.qualifier ? `${ic.sender.qualifier.trim()}/` : ''}${ic.sender.id.trim()}`,
    acks: acks.map((a) => `${a.kind} ${a.status}`),
  };
}

/** A refused transaction set, as the "transaction sets refused" line lists it (the first five). */
export interface RefusedSet {
  type: string;
  control: string;
  reason: string;
}

/** How many refused sets a line lists by name; the count says the rest. */
export const SETS_LISTED = 5;
