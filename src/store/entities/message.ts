import { Entity, Index, PrimaryColumn } from 'typeorm';
import { BigIntColumn, DateColumn, NullableStr, Str, Text } from './columns';

export type Direction = 'in' | 'out';

/** One arrival or one sending at the transport level: the bytes as they crossed the wire. */
@Entity('message')
@Index('uq_message_as2', ['as2MessageId', 'as2From'], { unique: true })
@Index('ix_message_received', ['receivedAt'])
@Index('ix_message_partner', ['partnerId', 'receivedAt'])
@Index('ix_message_partner_direction', ['partnerId', 'direction', 'receivedAt'])
export class MessageRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Str(3) direction!: Direction;
  @Str(16) transport!: string;
  @NullableStr(64) partnerId!: string | null;
  @NullableStr(255) as2MessageId!: string | null;
  @NullableStr(128) as2From!: string | null;
  @NullableStr(255) fileName!: string | null;
  @NullableStr(1024) remotePath!: string | null;
  /** The mtime (ms) a poller listed for the remote file; null for anything else. */
  @BigIntColumn({ nullable: true }) remoteMtime!: number | null;
  @Str(64) sha256!: string;
  @BigIntColumn() size!: number;
  /** received → processed | rejected | failed (inbound); queued → sent → acknowledged | failed (outbound). */
  @Str(24) status!: string;
  @NullableStr(255) mdnDisposition!: string | null;
  @NullableStr(255) mic!: string | null;
  /** The payload holding the AS2 MDN (one MIME entity): the one we answered with, or the partner's receipt. */
  @NullableStr(64) mdnSha256!: string | null;
  @Text() error!: string | null;
  @DateColumn() receivedAt!: Date;
  @DateColumn() updatedAt!: Date;
}
