import { Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn, Json, NullableStr, Str } from './columns';
import type { Direction } from './message';

/** An acknowledgement sent or received (TA1, 997, 999, CONTRL, MDN) and what it acknowledges. */
@Entity('ack')
@Index('ix_ack_acknowledges', ['partnerId', 'interchangeControlNumber'])
@Index('ix_ack_interchange', ['acknowledgesInterchangeId'])
@Index('ix_ack_message', ['messageId'])
export class AckRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Str(3) direction!: Direction;
  @Str(8) kind!: string;
  /** The message that carried the acknowledgement. */
  @NullableStr(36) messageId!: string | null;
  /** What it acknowledges: our record of the acknowledged interchange, when we have it. */
  @NullableStr(36) acknowledgesInterchangeId!: string | null;
  @NullableStr(64) partnerId!: string | null;
  @NullableStr(14) interchangeControlNumber!: string | null;
  @NullableStr(14) groupControlNumber!: string | null;
  @NullableStr(14) transactionControlNumber!: string | null;
  @Str(12) status!: string;
  @Json() report!: object | null;
  @DateColumn() createdAt!: Date;
}
