import type { Standard } from '../model';

/**
 * Why an interchange is refused, as each standard's acknowledgement codes it: the X12 TA1 note code
 * (TA105, code list I18) and the EDIFACT syntax error code (0085, in CONTRL's UCI).
 */
export const INTERCHANGE_REFUSALS = {
  /** No partner claims the sender, or it came through another partner's channel. TA1 006 invalid sender id; 0085 23 unknown sender. */
  senderUnknown: { x12: '006', edifact: '23' },
  /** The receiver is not one of our ids. TA1 008 invalid receiver id; 0085 7 recipient not actual recipient. */
  receiverNotUs: { x12: '008', edifact: '7' },
  /** The same interchange was received before. TA1 025 duplicate control number; 0085 26 duplicate detected. */
  duplicate: { x12: '025', edifact: '26' },
} as const satisfies Record<string, Record<Standard, string>>;

export type InterchangeRefusal = keyof typeof INTERCHANGE_REFUSALS;

/** The code an acknowledgement in `standard` gives an interchange refused for `reason`. */
export function refusalCode(reason: InterchangeRefusal, standard: Standard): string {
  return INTERCHANGE_REFUSALS[reason][standard];
}
