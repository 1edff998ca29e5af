import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DateColumn, Json, NullableStr, Str, Text } from './columns';

/**
 * The work queue. `runAt` is when someone should next look at the job: for a queued job, when it may
 * run; for a running one, when its lease ends and another worker may take it over.
 */
@Entity('job')
@Index('ix_job_claim', ['status', 'runAt'])
@Index('uq_job_key', ['key'], { unique: true })
export class JobRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Str(32) kind!: string;
  /** Idempotency key, e.g. `<messageId>:process`: a step is enqueued once. */
  @Str(191) key!: string;
  @NullableStr(36) messageId!: string | null;
  @Json() data!: object | null;
  /** queued | running | done | dead | replayed (dead, and its work queued again by a replay) */
  @Str(8) status!: string;
  @DateColumn() runAt!: Date;
  @Column({ type: 'int' }) attempts!: number;
  @Column({ type: 'int' }) maxAttempts!: number;
  /** Starts since the job last finished: above one, earlier holders died mid-job (migrations/0003). */
  @Column({ type: 'int', default: 0 }) starts!: number;
  @NullableStr(64) claimedBy!: string | null;
  @Text() lastError!: string | null;
  @DateColumn() createdAt!: Date;
  @DateColumn() updatedAt!: Date;
}
