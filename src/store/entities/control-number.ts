import { Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, DateColumn } from './columns';

/** The last control number handed out per scope (a partner, or '*') and kind (isa, gs, st, unb, ...). */
@Entity('control_number')
export class ControlNumberRecord {
  @PrimaryColumn({ type: 'varchar', length: 64 }) scope!: string;
  @PrimaryColumn({ type: 'varchar', length: 16 }) kind!: string;
  @BigIntColumn() value!: number;
  @DateColumn() updatedAt!: Date;
}
