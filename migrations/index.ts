import { Initial1763800000000 } from './0001-initial';
import { MessageMdn1763900000000 } from './0002-mdn';
import { JobStarts1764900000000 } from './0003-job-starts';

/** The one list of migrations, in order. */
export const migrations = [Initial1763800000000, MessageMdn1763900000000, JobStarts1764900000000];
