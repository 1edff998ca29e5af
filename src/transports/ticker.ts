/**
 * The clock of the polling inbounds (the file watcher, the SFTP and FTP pollers): runs a tick, waits,
 * runs the next. The wait is counted from the end of a tick, not from its start, so a slow tick
 * stretches the period instead of piling ticks up behind it.
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private active = false;
  private stopAsked = false;

  /**
   * @param tick One round of work. It should deal with its own failures: a rejection reaches whoever
   *   awaits `tickNow()` or `stop()`; from a tick the timer started it is dropped.
   * @param delayAfter How long to wait after a tick before the next one. Asked afresh once each tick
   *   has ended, so that it can depend on how that tick went (a poller backing off, say).
   */
  constructor(
    private readonly tick: () => Promise<void>,
    private readonly delayAfter: () => number,
  ) {}

  /** Between `start()` and `stop()`. */
  get running(): boolean {
    return this.active;
  }

  /**
   * True from `stop()` until the next `start()`: a tick in flight reads it to finish what it holds
   * and take on nothing new. Not the same as `!running`: before the first `start()` it is false, so
   * that ticks driven by hand through `tickNow()` do their whole work.
   */
  get stopped(): boolean {
    return this.stopAsked;
  }

  /**
   * Ticks on the next turn of the timers, then every `delayAfter()`. Not guarded against being called
   * while running (that starts a second chain of timers): callers check `running` first, some of them
   * before an await of their own setup.
   */
  start(): void {
    this.active = true;
    this.stopAsked = false;
    this.schedule(0);
  }

  /** No tick starts after this; resolves once the tick in flight, if any, has finished. */
  async stop(): Promise<void> {
    this.active = false;
    this.stopAsked = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }

  /**
   * Runs a tick now, or, while one is in flight, answers with that one: ticks never overlap, whether
   * the timer or a caller asks for them. Works whether or not the ticker is started.
   */
  tickNow(): Promise<void> {
    if (!this.current) {
      this.current = this.tick().finally(() => {
        this.current = undefined;
      });
    }
    return this.current;
  }

  private schedule(delay: number): void {
    if (!this.active) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A tick logs its own failures; one that escapes anyway must not end the gateway (an unhandled
      // rejection would), nor stop the clock.
      void this.tickNow()
        .catch(() => undefined)
        .finally(() => this.schedule(this.delayAfter()));
    }, delay);
  }
}
