import type { EntityManager } from 'typeorm';
import type { Driver } from './data-source';
import { quote, sqlDate } from './sql';

/** The largest value of each kind before it wraps back to 1 (X12 ISA13/GS06 are 9 digits; ST02 often 4-9). */
export const CONTROL_NUMBER_MAX: Record<string, number> = {
  isa: 999_999_999,
  gs: 999_999_999,
  st: 999_999_999,
  unb: 99_999_999_999_999,
  ung: 99_999_999_999_999,
  unh: 99_999_999_999_999,
};

/**
 * Allocates control numbers per scope (a partner, or '*') and kind. The increment runs in the caller's
 * transaction, on the caller's connection, so the row stays locked until it commits (MariaDB row lock,
 * SQLite's single writer): two processes never get the same number, and a rolled-back sending gives
 * its number back instead of leaving a silent gap.
 *
 * Never a second connection: creating the row on one of its own while the caller's transaction held a
 * pooled connection deadlocked the whole pool once as many jobs as connections did it at once (issue
 * 13). On MariaDB the first use of a row in this process is an upsert instead: INSERT … ON DUPLICATE KEY
 * UPDATE locks the row it creates or finds, where an UPDATE of a row that is not there yet would lock
 * the gap, and two first uses would then deadlock on their inserts. Later uses are a plain UPDATE of
 * the row known to exist (an upsert's lock also covers the gap before the row). A deadlock or lock
 * wait that still happens fails the caller's transaction as `retry` (store.ts).
 */
export class ControlNumbers {
  private readonly known = new Set<string>();

  constructor(private readonly driver: Driver) {}

  async next(manager: EntityManager, scope: string, kind: string): Promise<number> {
    if (!manager.queryRunner?.isTransactionActive)
      throw new Error('control numbers are allocated inside a transaction');
    const d = this.driver;
    const t = quote(d, 'control_number');
    const now = sqlDate(d, new Date());
    const id = `${scope}\u0000${kind}`;
    const max = CONTROL_NUMBER_MAX[kind] ?? 999_999_999;
    const bumped = `CASE WHEN value >= ${max} THEN 1 ELSE value + 1 END`;
    if (d === 'sqlite') {
      // One connection, one writer: nothing to deadlock with.
      const bump = (): Promise<Array<{ value: number | string }>> =>
        manager.query(`UPDATE ${t} SET value = ${bumped}, updatedAt = ? WHERE scope = ? AND kind = ? RETURNING value`, [
          now,
          scope,
          kind,
        ]);
      let rows = await bump();
      // The first number of its kind: the row is made in this transaction (and unmade if it rolls back).
      if (rows.length === 0) {
        await manager.query(`INSERT OR IGNORE INTO ${t} (scope, kind, value, updatedAt) VALUES (?, ?, 0, ?)`, [
          scope,
          kind,
          now,
        ]);
        rows = await bump();
      }
      return Number(rows[0].value);
    }
    // A row known to exist may still be missing: the transaction that created it may have rolled back.
    const updated = this.known.has(id)
      ? await manager.query(`UPDATE ${t} SET value = ${bumped}, updatedAt = ? WHERE scope = ? AND kind = ?`, [
          now,
          scope,
          kind,
        ])
      : undefined;
    if (Number((updated as { affectedRows?: number } | undefined)?.affectedRows ?? 0) !== 1) {
      await manager.query(
        `INSERT INTO ${t} (scope, kind, value, updatedAt) VALUES (?, ?, 1, ?) ON DUPLICATE KEY UPDATE value = ${bumped}, updatedAt = VALUES(updatedAt)`,
        [scope, kind, now],
      );
      this.known.add(id);
    }
    const rows: Array<{ value: number | string }> = await manager.query(
      `SELECT value FROM ${t} WHERE scope = ? AND kind = ?`,
      [scope, kind],
    );
    return Number(rows[0].value);
  }
}
