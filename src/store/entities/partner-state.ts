import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn, NullableStr } from './columns';

/**
 * What an operator set for a partner that must outlive a restart and hold across gateway processes:
 * whether its outbound deliveries are paused. A partner without a row is running.
 */
@Entity('partner_state')
export class PartnerStateRecord {
  @PrimaryColumn({ type: 'varchar', length: 64 }) partnerId!: string;
  @Column({ type: 'boolean' }) paused!: boolean;
  /** The operator who last paused or resumed it. */
  @NullableStr(128) changedBy!: string | null;
  @NullableStr(255) reason!: string | null;
  @DateColumn() changedAt!: Date;
}
