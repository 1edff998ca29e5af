import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, NullableDateColumn, NullableStr, Str, Text } from './columns';

/** One document on its way to one endpoint: attempts, next attempt, last error, outcome. */
@Entity('delivery')
@Index('ix_delivery_status', ['status', 'nextAttemptAt'])
@Index('ix_delivery_transaction', ['transactionId'])
@Index('ix_delivery_message', ['messageId'])
export class DeliveryRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  /** The outbound message (bytes) being delivered. */
  @Str(36) messageId!: string;
  @NullableStr(36) transactionId!: string | null;
  @NullableStr(64) partnerId!: string | null;
  @Str(128) endpoint!: string;
  /** pending | delivering | delivered | failed | dead */
  @Str(12) status!: string;
  @Column({ type: 'int' }) attempts!: number;
  @NullableDateColumn() nextAttemptAt!: Date | null;
  @Text() lastError!: string | null;
  @NullableDateColumn() deliveredAt!: Date | null;
  @DateColumn() createdAt!: Date;
  @DateColumn() updatedAt!: Date;
}
