/**
 * Intake in flight in this process, so that this process's workers can give way to it. A partner
 * waits for its receipt (the SFTP close, the MDN) until the commit; processing waits for nobody. So
 * while uploads arrive, workers here pause between batches, and catch up once intake quiets. They
 * still get a fixed share under continuous intake (never starved), and worker processes started by
 * `processes` have no intake of their own and never pause.
 */
export class IntakeGate {
  private active = 0;
  private lastEnd = 0;
  /** The pauses in progress: each leaves this set when it ends, by its timer or by release(). */
  private readonly waiters = new Set<() => void>();
  private released = false;

  constructor(
    private readonly opts: {
      /** Intake counts as busy this long after the last one ended: uploads come in streams. */
      quietMs?: number;
      /** Workers pause at most this many times as long as their last batch took. */
      yieldRatio?: number;
      /** ...and never longer than this. */
      maxPauseMs?: number;
      now?: () => number;
    } = {},
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Runs one intake (its store write and commit), counting it as in flight. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.lastEnd = this.now();
    }
  }

  busy(): boolean {
    return this.active > 0 || this.now() - this.lastEnd < (this.opts.quietMs ?? 50);
  }

  /**
   * After a batch of `batchMs`: resolves once intake has been quiet for `quietMs`, or after
   * `yieldRatio` × `batchMs` (at most `maxPauseMs`), whichever comes first; at once when idle.
   */
  async yieldTo(batchMs: number): Promise<void> {
    if (this.released || !this.busy()) return;
    const deadline =
      this.now() + Math.min(this.opts.maxPauseMs ?? 1000, Math.max(5, batchMs * (this.opts.yieldRatio ?? 4)));
    const step = Math.max(5, Math.floor((this.opts.quietMs ?? 50) / 2));
    while (!this.released && this.busy() && this.now() < deadline) {
      await new Promise<void>((r) => {
        // A pause ended by its timer must leave the set too: kept, every pause under steady intake
        // stayed reachable with its Timeout until the gateway stopped (7,700 after 8,000 messages in a soak).
        const end = () => {
          clearTimeout(t);
          this.waiters.delete(end);
          r();
        };
        const t = setTimeout(end, Math.min(step, Math.max(1, deadline - this.now())));
        this.waiters.add(end);
      });
    }
  }

  /** Pauses in progress (for tests: what ended is not kept). */
  get pausing(): number {
    return this.waiters.size;
  }

  /** Ends every pause, now and later (the gateway is stopping). */
  release(): void {
    this.released = true;
    for (const w of [...this.waiters]) w();
  }
}
