import { Initial1763800000000 } from './0001-initial';
import { MessageMdn1763900000000 } from './0002-mdn';
import { JobStarts1764900000000 } from './0003-job-starts';
import { LineageIndexes1765000000000 } from './0004-lineage-indexes';
import { PartnerState1765100000000 } from './0005-partner-state';
import { AuditIndex1765200000000 } from './0006-audit-index';
import { AckMessageIndex1765300000000 } from './0007-ack-message-index';
import { RemoteMtime1765400000000 } from './0008-remote-mtime';

/** The one list of migrations, in order. */
export const migrations = [
  Initial1763800000000,
  MessageMdn1763900000000,
  JobStarts1764900000000,
  LineageIndexes1765000000000,
  PartnerState1765100000000,
  AuditIndex1765200000000,
  AckMessageIndex1765300000000,
  RemoteMtime1765400000000,
];
