import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { BigIntColumn, DateColumn, Json, NullableDateColumn, NullableStr, Str } from './columns';
import type { Direction } from './message';

/** One ST…SE or UNH…UNT: the row an auditor reads. */
@Entity('edi_transaction')
@Index('ix_transaction_interchange', ['interchangeId'])
@Index('ix_transaction_partner_time', ['partnerId', 'createdAt'])
@Index('ix_transaction_time', ['createdAt'])
@Index('ix_transaction_reference', ['reference'])
export class TransactionRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Str(36) interchangeId!: string;
  @Str(36) groupId!: string;
  @Str(36) messageId!: string;
  @Str(3) direction!: Direction;
  @NullableStr(64) partnerId!: string | null;
  @Str(8) standard!: 'x12' | 'edifact';
  @Str(16) version!: string;
  @NullableStr(35) implementation!: string | null;
  @Str(6) type!: string;
  @Str(14) controlNumber!: string;
  @Column({ type: 'int' }) segmentCount!: number;
  @Str(12) validation!: string;
  @Json() validationReport!: object | null;
  /** none | expected | A | E | R | overdue */
  @Str(12) ackStatus!: string;
  /** The partner's tracked fields (PO number, totals), as configured in its partner file. */
  @Json() tracked!: Record<string, string> | null;
  /** The first tracked field, indexed for search. */
  @NullableStr(255) reference!: string | null;
  /** none | pending | delivered | failed | dead */
  @Str(12) deliveryStatus!: string;
  @NullableStr(128) route!: string | null;
  @NullableDateColumn() deliveredAt!: Date | null;
  @BigIntColumn() byteOffset!: number;
  @BigIntColumn() byteLength!: number;
  @DateColumn() createdAt!: Date;
}
