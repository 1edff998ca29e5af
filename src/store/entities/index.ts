import { MessageRecord } from './message';
import { PayloadRecord } from './payload';
import { InterchangeRecord } from './interchange-record';
import { GroupRecord } from './group-record';
import { TransactionRecord } from './transaction-record';
import { AckRecord } from './ack';
import { DeliveryRecord } from './delivery';
import { EventRecord } from './event';
import { ControlNumberRecord } from './control-number';
import { JobRecord } from './job';
import { PartnerStateRecord } from './partner-state';

export {
  MessageRecord,
  PayloadRecord,
  InterchangeRecord,
  GroupRecord,
  TransactionRecord,
  AckRecord,
  DeliveryRecord,
  EventRecord,
  ControlNumberRecord,
  JobRecord,
  PartnerStateRecord,
};
export type { Direction } from './message';

/** The one list of entities the data source knows. */
export const entities = [
  MessageRecord,
  PayloadRecord,
  InterchangeRecord,
  GroupRecord,
  TransactionRecord,
  AckRecord,
  DeliveryRecord,
  EventRecord,
  ControlNumberRecord,
  JobRecord,
  PartnerStateRecord,
];
