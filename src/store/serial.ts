import { AsyncLocalStorage } from 'node:async_hooks';

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

  constructor(readonly enabled: boolean) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.enabled || this.inside.getStore()) return work();
    const go = () => this.inside.run(true, work);
    const result = this.tail.then(go, go);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
