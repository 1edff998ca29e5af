/** Where a command writes: stdout and stderr in the real CLI, buffers in tests. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Writes bytes as they are (an EDIFACT interchange in its declared charset); absent: `out` of their text. */
  bytes?: (b: Buffer) => void;
  /** Resolves when `out` can take more (a streamed command waits here, so a slow reader bounds its memory). */
  drain?: () => Promise<void>;
}
