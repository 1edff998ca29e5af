/**
 * Failed logins counted per key (a remote address, or an address and a user name): past `max` within the
 * window the key is refused for a while. Hosted SFTP and the admin listener both use it, so guessing a
 * password or token stays slow and cannot make the gateway hash without end.
 */

export interface LimiterOptions {
  /** Failures from one address within `windowMs` that stop it. */
  max: number;
  windowMs: number;
  /** How long a stopped address is refused. */
  blockMs: number;
  clock?: () => number;
  /** Addresses tracked at most; the stalest are forgotten beyond it, so a scan cannot grow memory. */
  capacity?: number;
}

interface Tally {
  failures: number[];
  blockedUntil: number;
}

/** Counts failed logins per key; past `max` in the window, the key is refused for `blockMs`. */
export class LoginLimiter {
  private readonly records = new Map<string, Tally>();
  private readonly clock: () => number;
  private readonly capacity: number;

  constructor(private readonly o: LimiterOptions) {
    this.clock = o.clock ?? Date.now;
    this.capacity = o.capacity ?? 10_000;
  }

  blocked(address: string): boolean {
    return this.blockedFor(address) > 0;
  }

  /** Milliseconds the key stays refused; 0 when it is not. */
  blockedFor(address: string): number {
    const r = this.records.get(address);
    return r === undefined ? 0 : Math.max(0, r.blockedUntil - this.clock());
  }

  /** Records failures; true when this made the address blocked (the moment to log it, once). */
  fail(address: string, count = 1): boolean {
    const now = this.clock();
    let r = this.records.get(address);
    if (!r) {
      if (this.records.size >= this.capacity) this.prune(now);
      r = { failures: [], blockedUntil: 0 };
      this.records.set(address, r);
    }
    if (r.blockedUntil > now) return false;
    r.failures = r.failures.filter((t) => now - t < this.o.windowMs);
    for (let i = 0; i < count; i++) r.failures.push(now);
    if (r.failures.length < this.o.max) return false;
    r.blockedUntil = now + this.o.blockMs;
    r.failures = [];
    return true;
  }

  /** Takes back failures later found to be harmless (a client trying its keys in turn, then logging in). */
  forgive(address: string, count = 1): void {
    const r = this.records.get(address);
    if (!r) return;
    r.failures.splice(-count, count);
    if (r.failures.length === 0 && r.blockedUntil <= this.clock()) this.records.delete(address);
  }

  private prune(now: number): void {
    for (const [address, r] of this.records) {
      const recent = r.failures.some((t) => now - t < this.o.windowMs);
      if (!recent && r.blockedUntil <= now) this.records.delete(address);
    }
    // Still full: every entry is live, so drop the oldest inserted; a scanner loses, not a partner.
    while (this.records.size >= this.capacity) {
      const oldest = this.records.keys().next().value as string;
      this.records.delete(oldest);
    }
  }
}
