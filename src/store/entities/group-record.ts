import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, Json, NullableStr, Str } from './columns';

/** One GS…GE or UNG…UNE (an EDIFACT interchange without UNG has one implicit group). */
@Entity('functional_group')
@Index('ix_group_interchange', ['interchangeId'])
export class GroupRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Str(36) interchangeId!: string;
  @NullableStr(8) functionalId!: string | null;
  @NullableStr(14) controlNumber!: string | null;
  @Str(16) version!: string;
  @NullableStr(35) sender!: string | null;
  @NullableStr(35) receiver!: string | null;
  @Column({ type: 'int' }) transactionCount!: number;
  @Str(12) validation!: string;
  @Json() validationReport!: object | null;
  @Str(12) ackStatus!: string;
  @DateColumn() createdAt!: Date;
}
