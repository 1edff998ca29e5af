/** Where in an interchange a value sits: the segment's place in its message (UNH/ST is 1), tag, element, component. */
export interface TextLocation {
  /** The message or transaction set reference; absent for envelope segments (UNB, ISA, GS...). */
  message?: string;
  /** 1-based position of the segment in its message, or in the envelope when outside one. */
  position: number;
  segmentId: string;
  element: number;
  component?: number;
}

export interface TextProblem extends TextLocation {
  reason: string;
}

/** `message 1, segment 4 (NAD), element 4, component 1`: the place a partner's analyst can find again. */
export function locate(at: TextLocation): string {
  const where = at.message !== undefined ? `message ${at.message}, segment ${at.position}` : `segment ${at.position}`;
  return `${where} (${at.segmentId}), element ${at.element}${at.component ? `, component ${at.component}` : ''}`;
}

/**
 * A document whose text cannot be written as it is: a character the syntax level or charset does not
 * carry, or an X12 delimiter inside the data with no other delimiter allowed. Thrown by the writers
 * before any byte is produced, so nothing different from the document is ever sent.
 */
export class TextRefused extends Error {
  constructor(readonly problems: TextProblem[]) {
    super(
      problems
        .slice(0, 5)
        .map((p) => `${locate(p)}: ${p.reason}`)
        .join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : ''),
    );
    this.name = 'TextRefused';
  }
}
