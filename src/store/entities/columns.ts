import { Column, type ColumnOptions } from 'typeorm';

/** bigint comes back from mysql2 as a string; sizes and counts are numbers everywhere in the gateway. */
const bigintAsNumber = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};

/** Millisecond timestamps on both drivers (DATETIME(3) on MariaDB, ISO text on SQLite). */
export const DateColumn = (opts: ColumnOptions = {}) => Column({ type: 'datetime', precision: 3, ...opts });
export const NullableDateColumn = (opts: ColumnOptions = {}) =>
  Column({ type: 'datetime', precision: 3, nullable: true, ...opts });
export const BigIntColumn = (opts: ColumnOptions = {}) =>
  Column({ type: 'bigint', transformer: bigintAsNumber, ...opts });
export const Str = (length: number, opts: ColumnOptions = {}) => Column({ type: 'varchar', length, ...opts });
export const NullableStr = (length: number, opts: ColumnOptions = {}) =>
  Column({ type: 'varchar', length, nullable: true, ...opts });
export const Json = (opts: ColumnOptions = {}) => Column({ type: 'simple-json', nullable: true, ...opts });
export const Text = (opts: ColumnOptions = {}) => Column({ type: 'text', nullable: true, ...opts });
