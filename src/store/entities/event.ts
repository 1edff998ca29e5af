import { Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn, DateColumn, NullableStr, Str, Text } from './columns';

/** The lineage of every document: each stage writes one, linked to the event it followed. */
@Entity('event')
@Index('ix_event_message', ['messageId'])
@Index('ix_event_time', ['createdAt'])
@Index('ix_event_stage_time', ['stage', 'createdAt'])
export class EventRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @BigIntColumn({ nullable: true }) parentId!: number | null;
  @NullableStr(36) messageId!: string | null;
  @NullableStr(36) interchangeId!: string | null;
  @NullableStr(36) transactionId!: string | null;
  @NullableStr(64) partnerId!: string | null;
  /** received, stored, parsed, identified, acknowledged, routed, mapped, delivered, ... */
  @Str(24) stage!: string;
  /** ok | warning | error */
  @Str(8) status!: string;
  @NullableStr(32) code!: string | null;
  @Text() detail!: string | null;
  @DateColumn() createdAt!: Date;
}
