import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, DateColumn, NullableDateColumn, Str } from './columns';

/** Raw bytes, content-addressed by sha256; written once, never rewritten, purged only by retention. */
@Entity('payload')
export class PayloadRecord {
  @PrimaryColumn({ type: 'varchar', length: 64 }) sha256!: string;
  @BigIntColumn() size!: number;
  /** file: under the payloads folder (written and fsynced before this row commits); database: in `data`. */
  @Str(8) storage!: 'file' | 'database';
  @Column({ type: 'blob', nullable: true }) data!: Buffer | null;
  @DateColumn() createdAt!: Date;
  @NullableDateColumn() purgedAt!: Date | null;
}
