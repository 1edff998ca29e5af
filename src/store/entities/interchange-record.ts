import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { BigIntColumn, DateColumn, Json, NullableDateColumn, NullableStr, Str } from './columns';
import type { Direction } from './message';

/** One ISA…IEA or UNB…UNZ, with what validation and acknowledgement said of it. */
@Entity('interchange')
@Index('uq_interchange_control', ['partnerKey', 'senderId', 'receiverId', 'controlNumber', 'direction'], {
  unique: true,
})
@Index('ix_interchange_message', ['messageId'])
@Index('ix_interchange_ack_due', ['ackStatus', 'ackDueAt'])
@Index('ix_interchange_control_number', ['controlNumber'])
export class InterchangeRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Str(36) messageId!: string;
  @Str(3) direction!: Direction;
  @NullableStr(64) partnerId!: string | null;
  /** partnerId, or '-' for an unknown sender, so the uniqueness below also holds for those. */
  @Str(64) partnerKey!: string;
  @Str(8) standard!: 'x12' | 'edifact';
  @Str(4) senderQualifier!: string;
  @Str(35) senderId!: string;
  @Str(4) receiverQualifier!: string;
  @Str(35) receiverId!: string;
  @Str(14) controlNumber!: string;
  @Str(12) syntaxVersion!: string;
  @Column({ type: 'boolean' }) test!: boolean;
  @Str(32) preparedAt!: string;
  /** valid | warnings | invalid */
  @Str(12) validation!: string;
  @Json() validationReport!: object | null;
  /** none | expected | A | E | P | R | overdue */
  @Str(12) ackStatus!: string;
  @Json() ackReport!: object | null;
  @NullableDateColumn() ackDueAt!: Date | null;
  @BigIntColumn() byteOffset!: number;
  @BigIntColumn() byteLength!: number;
  @DateColumn() createdAt!: Date;
}
