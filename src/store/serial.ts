import { AsyncLocalStorage } from 'node:async_hooks';

/** What Serial needs of wal-sync.ts. */
export interface Durability {
  noteOperation(): void;
  settle(): Promise<void>;
}

/**
 * One database operation at a time, where the driver needs it. TypeORM's better-sqlite3 driver gives
 * every caller the same single connection, so two transactions begun by concurrent async flows in one
 * process would interleave on it (the second becomes a savepoint of the first, and a rollback undoes
 * the other's work). SQLite allows one writer anyway; queuing the operations costs nothing it had.
 * Work already inside the lock runs at once, so a serialized operation may call another.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly inside = new AsyncLocalStorage<true>();

  /** Where commits are made durable after the lock is let go (wal-sync.ts), when the store syncs itself. */
  private durability: Durability | undefined;

  constructor(readonly enabled: boolean) {}

  /** From now on every operation resolves only once `d` has settled the commits before it. */
  syncWith(d: Durability): void {
    this.durability = d;
  }

  /**
   * Runs `work` when the operations before it are done. With `settle` false it resolves once `work`
   * has (committed, but perhaps not yet on disk); `settled()` then gives the promise of the sync.
   */
  run<T>(work: () => Promise<T>, settle = true): Promise<T> {
    if (!this.enabled || this.inside.getStore()) return work();
    const d = this.durability;
    const go = d
      ? () => this.inside.run(true, work).finally(() => d.noteOperation())
      : () => this.inside.run(true, work);
    const result = this.tail.then(go, go);
    this.tail = result.catch(() => undefined);
    if (!d || !settle) return result;
    // The lock is free while the sync runs: the next operation commits meanwhile and shares the next sync.
    return result.then(
      async (v) => {
        await d.settle();
        return v;
      },
      async (e: unknown) => {
        await d.settle().catch(() => undefined);
        throw e;
      },
    );
  }

  /** Resolves once every commit made so far is on disk (at once where the store does not sync itself). */
  settled(): Promise<void> {
    return this.durability?.settle() ?? Promise.resolve();
  }
}
