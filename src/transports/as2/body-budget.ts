/**
 * How many bytes of AS2 request bodies the listener holds at once, from the first byte read until the
 * body is unwrapped (its memory then goes, or becomes the payload that waits for its commit). A request
 * over the budget is not read until others are done: its bytes wait in the kernel's socket buffers and
 * TCP slows the sender down, instead of sixteen 1 MB bodies arriving side by side, each in 64 KiB chunks
 * joined into a copy, and all of them in the process's memory at once.
 *
 * Grants are first come, first served, so a large body is never passed over for ever by small ones;
 * one larger than the whole budget is read when nothing else is. A request waits at most `maxWaitMs`
 * and is then read over the budget: a sender that stalls mid-body holds its share until the request
 * timeout, and must not hold everyone else's messages that long (the bound is on memory in normal
 * traffic, not a queue one slow client can block).
 */
export class BodyBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(
    readonly limit: number,
    private readonly maxWaitMs: number,
  ) {}

  /** Resolves once `bytes` fit, or after maxWaitMs; the caller must `release` them exactly once afterwards. */
  acquire(bytes: number): Promise<void> {
    if (!this.waiting.length && this.fits(bytes)) {
      this.used += bytes;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const w = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          this.used += bytes;
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(w), 1);
        w.grant();
      }, this.maxWaitMs);
      this.waiting.push(w);
    });
  }

  release(bytes: number): void {
    this.used -= bytes;
    while (this.waiting.length && this.fits(this.waiting[0].bytes)) this.waiting.shift()!.grant();
  }

  /** Bytes granted and not yet released (tests, metrics). */
  get inUse(): number {
    return this.used;
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limit;
  }
}
