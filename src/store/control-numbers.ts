import type { DataSource, EntityManager } from 'typeorm';
import { driverOf } from './data-source';
import { quote, sqlDate } from './sql';

/** The largest value of each kind before it wraps back to 1 (X12 ISA13/GS06 are 9 digits; ST02 often 4-9). */
export const CONTROL_NUMBER_MAX: Record<string, number> = { isa: 999_999_999, gs: 999_999_999, st: 999_999_999, unb: 99_999_999_999_999, ung: 99_999_999_999_999, unh: 99_999_999_999_999 };

/**
 * Allocates control numbers per scope (a partner, or '*') and kind. The increment runs in the caller's
 * transaction, so the row stays locked until it commits (MariaDB row lock, SQLite's single writer):
 * two processes never get the same number, and a rolled-back sending gives its number back instead
 * of leaving a silent gap. The row is created beforehand in a statement of its own, so no
 * transaction ever locks a gap where it would be (two first uses would otherwise deadlock).
 */
export class ControlNumbers {
  private readonly known = new Set<string>();

  constructor(private readonly ds: DataSource) {}

  async next(manager: EntityManager, scope: string, kind: string): Promise<number> {
    if (!manager.queryRunner?.isTransactionActive) throw new Error('control numbers are allocated inside a transaction');
    const d = driverOf(this.ds);
    const t = quote(d, 'control_number');
    const now = sqlDate(d, new Date());
    const id = `${scope}\u0000${kind}`;
    if (!this.known.has(id)) {
      // Outside the caller's transaction: on SQLite this runs on the same single connection, which is fine.
      const runner = d === 'sqlite' ? manager : this.ds.manager;
      await runner.query(`${d === 'sqlite' ? 'INSERT OR IGNORE' : 'INSERT IGNORE'} INTO ${t} (scope, kind, value, updatedAt) VALUES (?, ?, 0, ?)`, [scope, kind, now]);
      this.known.add(id);
    }
    const max = CONTROL_NUMBER_MAX[kind] ?? 999_999_999;
    const bump = `UPDATE ${t} SET value = CASE WHEN value >= ${max} THEN 1 ELSE value + 1 END, updatedAt = ? WHERE scope = ? AND kind = ?`;
    if (d === 'sqlite') {
      const rows: Array<{ value: number | string }> = await manager.query(`${bump} RETURNING value`, [now, scope, kind]);
      return Number(rows[0].value);
    }
    await manager.query(bump, [now, scope, kind]);
    const rows: Array<{ value: number | string }> = await manager.query(`SELECT value FROM ${t} WHERE scope = ? AND kind = ?`, [scope, kind]);
    return Number(rows[0].value);
  }
}
